//! The read model of the published programme: every event's programme in memory as one
//! immutable [`Snapshot`], so that programme queries and pages run no SQL.
//!
//! The snapshot belongs to a content version (`service::content`). A request asks for the
//! snapshot of the version it knows (read at most once a second, shared with the response
//! cache); when that is newer than the snapshot held, the first request builds a new one
//! (one read transaction, a statement per table) while the others wait for it, and the new
//! snapshot replaces the old one as a whole. On PostgreSQL a change on any instance is
//! announced with NOTIFY, so the others read the new version at once instead of within the
//! second.

mod build;
mod search;
mod snapshot;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use sea_orm::DatabaseConnection;

pub use search::Document;
pub use snapshot::{SessionFilter, Snapshot};

use crate::error::AppResult;
use crate::http::response_cache::ResponseCache;
use crate::service::live::Changes;

/// The current snapshot and how to get a newer one; shared by all requests of a process.
pub struct ReadModel {
    current: RwLock<Option<Arc<Snapshot>>>,
    /// Held while a snapshot is built, so that concurrent misses build once.
    building: tokio::sync::Mutex<()>,
    /// Where the content version is known (read at most once a second, forgotten on a change).
    versions: Arc<ResponseCache>,
    builds: AtomicU64,
}

impl ReadModel {
    /// Empty until first used; versions come from (and changes are told to) `versions`.
    pub fn new(versions: Arc<ResponseCache>) -> Self {
        Self {
            current: RwLock::new(None),
            building: tokio::sync::Mutex::new(()),
            versions,
            builds: AtomicU64::new(0),
        }
    }

    /// As `new`, and following the changes other instances announce (PostgreSQL).
    pub fn following(versions: Arc<ResponseCache>, changes: &Changes) -> Self {
        let mut announced = changes.content_changes();
        let forget = versions.clone();
        tokio::spawn(async move {
            use tokio::sync::broadcast::error::RecvError;
            loop {
                match announced.recv().await {
                    Ok(()) | Err(RecvError::Lagged(_)) => forget.content_changed(),
                    Err(RecvError::Closed) => return,
                }
            }
        });
        Self::new(versions)
    }

    /// The snapshot of the current content version (as known to this process).
    pub async fn current(&self, db: &DatabaseConnection) -> AppResult<Arc<Snapshot>> {
        // An outage fails here at once as `UNAVAILABLE`, without a second wait for the pool.
        let version = self.versions.version(db).await?;
        self.at_least(db, version).await
    }

    /// The snapshot of the version in the database now, for a request that may just have
    /// changed the content (an admin's mutation).
    pub async fn fresh(&self, db: &DatabaseConnection) -> AppResult<Arc<Snapshot>> {
        self.versions.content_changed();
        self.current(db).await
    }

    /// How many snapshots this process has built.
    pub fn builds(&self) -> u64 {
        self.builds.load(Ordering::Relaxed)
    }

    fn held(&self, version: i64) -> Option<Arc<Snapshot>> {
        let current = self.current.read().unwrap_or_else(PoisonError::into_inner);
        current.as_ref().filter(|s| s.version >= version).cloned()
    }

    async fn at_least(&self, db: &DatabaseConnection, version: i64) -> AppResult<Arc<Snapshot>> {
        if let Some(snapshot) = self.held(version) {
            return Ok(snapshot);
        }
        let _building = self.building.lock().await;
        // Built by the request this one waited for.
        if let Some(snapshot) = self.held(version) {
            return Ok(snapshot);
        }
        let built = Arc::new(build::build(db).await?);
        self.builds.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(version = built.version, "built a programme snapshot");
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        if current.as_ref().is_none_or(|c| c.version <= built.version) {
            *current = Some(built.clone());
        }
        Ok(built)
    }
}
