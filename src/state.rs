//! The state every handler shares. Cheap to clone: one reference count, however many parts
//! it has (axum clones it for every request, and a clone per part showed in the profile).

use std::sync::Arc;

use async_graphql::extensions::apollo_persisted_queries::LruCacheStorage;
use sea_orm::DatabaseConnection;

use crate::auth::jwt::JwtKeys;
use crate::auth::limits::Limits;
use crate::config::ServeConfig;
use crate::db::Writer;
use crate::graphql::AppSchema;
use crate::http::rate_limit::ConnectionCounter;
use crate::http::response_cache::ResponseCache;
use crate::service::live::Changes;

#[derive(Clone)]
pub struct AppState(Arc<SharedState>);

impl AppState {
    pub fn new(shared: SharedState) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = SharedState;

    fn deref(&self) -> &SharedState {
        &self.0
    }
}

pub struct SharedState {
    /// Connection pool to SQLite or PostgreSQL.
    pub db: DatabaseConnection,
    /// The write path of submissions, votes and moderation (group commit).
    pub writer: Writer,
    /// Where services publish committed changes for live updates.
    pub changes: Changes,
    /// The GraphQL schema, built once.
    pub schema: AppSchema,
    /// Keys that sign and check tokens.
    pub keys: JwtKeys,
    /// Server settings.
    pub config: Arc<ServeConfig>,
    /// Anonymous query responses, by request.
    pub response_cache: Arc<ResponseCache>,
    /// The published programme in memory (programme queries and pages read it, not SQL).
    pub read_model: Arc<crate::readmodel::ReadModel>,
    /// The programme's pages, rendered once per content version and language.
    pub page_cache: Arc<crate::web::page_cache::PageCache>,
    /// What all participants of an event see alike on the learning agenda, per feedback
    /// version.
    pub shared_agendas: Arc<crate::web::shared_agenda::SharedAgendas>,
    /// Participants whose row was read lately (pages that only read trust them).
    pub known_participants: Arc<crate::web::session::KnownParticipants>,
    /// Throttles shared with the schema.
    pub limits: Limits,
    /// Open WebSocket connections per address and per token.
    pub ws_connections: Arc<ConnectionCounter>,
    /// Participants' subscriptions executed once for all who ask the same.
    pub subscription_fanouts: Arc<crate::http::graphql::Fanouts>,
    /// The queries known by hash (automatic persisted queries).
    pub persisted_queries: LruCacheStorage,
    /// Prometheus metrics (off unless `METRICS_BIND` is set).
    pub metrics: crate::metrics::Metrics,
}
