//! The programme's page views, kept per event and theme filter for one programme snapshot:
//! every visitor of `/events/{slug}` sees the same blocks, so they are laid out once per
//! content version. Kept only when the response cache is on (`RESPONSE_CACHE`), so "caches
//! off" means off; the blocks then come from the snapshot on every view.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use entity::event;

use super::pages::views::{self, BlockView};
use crate::readmodel::Snapshot;
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
    /// The blocks of `event` (only sessions of `theme_id`, when given) in `snapshot`, laid
    /// out once per snapshot.
    pub fn blocks(
        state: &AppState,
        snapshot: &Snapshot,
        event: &event::Model,
        theme_id: Option<i32>,
    ) -> Arc<Vec<BlockView>> {
        if !state.response_cache.is_enabled() {
            return Arc::new(views::programme(snapshot, event, theme_id));
        }
        let version = snapshot.version;
        let key = (event.id, theme_id);
        let this = &state.programme_views;
        if let Some((built_at, blocks)) = this.lock().get(&key)
            && *built_at == version
        {
            return blocks.clone();
        }
        let blocks = Arc::new(views::programme(snapshot, event, theme_id));
        let mut entries = this.lock();
        // Versions only grow: drop what older content built.
        entries.retain(|_, (built_at, _)| *built_at >= version);
        entries.insert(key, (version, blocks.clone()));
        blocks
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Built>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
