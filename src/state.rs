//! The state every handler shares. Cheap to clone.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::config::ServeConfig;
use crate::graphql::AppSchema;

#[derive(Clone)]
pub struct AppState {
    /// Connection pool to SQLite or PostgreSQL.
    pub db: DatabaseConnection,
    /// The GraphQL schema, built once.
    pub schema: AppSchema,
    /// Server settings.
    pub config: Arc<ServeConfig>,
}
