//! The state every handler shares. Cheap to clone.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::auth::jwt::JwtKeys;
use crate::config::ServeConfig;
use crate::graphql::AppSchema;

#[derive(Clone)]
pub struct AppState {
    /// Connection pool to SQLite or PostgreSQL.
    pub db: DatabaseConnection,
    /// The GraphQL schema, built once.
    pub schema: AppSchema,
    /// Keys that sign and check tokens.
    pub keys: JwtKeys,
    /// Server settings.
    pub config: Arc<ServeConfig>,
}
