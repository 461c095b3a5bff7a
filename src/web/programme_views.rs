//! The programme's page views, kept per event and theme filter while the published content
//! is unchanged: every visitor of `/events/{slug}` sees the same blocks, so a page view runs
//! no SQL but the content-version check (at most once a second, as for the API's cache).
//! Kept only when the response cache is on (`RESPONSE_CACHE`), so "caches off" means off.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use entity::event;

use super::pages::views::{self, BlockView};
use crate::error::AppError;
use crate::state::AppState;

/// An event and its theme filter.
type Key = (i32, Option<i32>);
/// The content version the blocks were built at, and the blocks.
type Built = (i64, Arc<Vec<BlockView>>);

#[derive(Default)]
pub struct ProgrammeViews {
    entries: Mutex<HashMap<Key, Built>>,
}

impl ProgrammeViews {
    /// The blocks of `event` (only sessions of `theme_id`, when given), from memory when the
    /// content has not changed since they were built.
    pub async fn blocks(
        state: &AppState,
        event: &event::Model,
        theme_id: Option<i32>,
    ) -> Result<Arc<Vec<BlockView>>, AppError> {
        let cache = &state.response_cache;
        let version = if cache.is_enabled() {
            cache.version(&state.db).await.ok()
        } else {
            None
        };
        let Some(version) = version else {
            return Ok(Arc::new(
                views::programme(&state.db, event, theme_id).await?,
            ));
        };
        let key = (event.id, theme_id);
        let this = &state.programme_views;
        if let Some((built_at, blocks)) = this.lock().get(&key)
            && *built_at == version
        {
            return Ok(blocks.clone());
        }
        let blocks = Arc::new(views::programme(&state.db, event, theme_id).await?);
        let mut entries = this.lock();
        // Versions only grow: drop what older content built.
        entries.retain(|_, (built_at, _)| *built_at >= version);
        entries.insert(key, (version, blocks.clone()));
        Ok(blocks)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Built>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
