//! One immutable picture of the published programme of every event, with the indexes the
//! resolvers and pages walk. Built by [`super::build`]; never changed once built.

use std::collections::HashMap;
use std::sync::Arc;

use entity::{
    event, organisation, person, person_organisation, programme_block, session, session_person,
    theme,
};

use super::search::Document;

/// The programme as of one content version. Rows are shared (`Arc`), so handing one to a
/// resolver copies a pointer, not the row.
#[derive(Default)]
pub struct Snapshot {
    /// The content version this snapshot shows.
    pub version: i64,
    /// All events, earliest first.
    pub(super) events: Vec<Arc<event::Model>>,
    pub(super) event_by_id: HashMap<i32, Arc<event::Model>>,
    pub(super) event_by_slug: HashMap<String, Arc<event::Model>>,
    pub(super) blocks: HashMap<i32, Arc<programme_block::Model>>,
    pub(super) sessions: HashMap<i32, Arc<session::Model>>,
    pub(super) people: HashMap<i32, Arc<person::Model>>,
    pub(super) person_by_key: HashMap<String, Arc<person::Model>>,
    pub(super) organisations: HashMap<i32, Arc<organisation::Model>>,
    pub(super) themes: HashMap<i32, Arc<theme::Model>>,
    /// Per event: blocks in time order.
    pub(super) blocks_of_event: HashMap<i32, Vec<Arc<programme_block::Model>>>,
    /// Per event: sessions in programme order (start, block, position).
    pub(super) sessions_of_event: HashMap<i32, Vec<Arc<session::Model>>>,
    /// Per block: sessions by position.
    pub(super) sessions_of_block: HashMap<i32, Vec<Arc<session::Model>>>,
    /// Per (event, workshop key): the times that workshop is given, by start.
    pub(super) sessions_of_workshop: HashMap<(i32, String), Vec<Arc<session::Model>>>,
    /// Per session: its people with their roles, in the programme's order.
    pub(super) speakers_of_session: HashMap<i32, Vec<session_person::Model>>,
    pub(super) theme_ids_of_session: HashMap<i32, Vec<i32>>,
    pub(super) organisation_ids_of_session: HashMap<i32, Vec<i32>>,
    pub(super) affiliations_of_person: HashMap<i32, Vec<person_organisation::Model>>,
    /// Per person and per theme: their sessions over all events, in time order.
    pub(super) sessions_of_person: HashMap<i32, Vec<Arc<session::Model>>>,
    pub(super) sessions_of_theme: HashMap<i32, Vec<Arc<session::Model>>>,
    pub(super) host_ids_of_event: HashMap<i32, Vec<i32>>,
    pub(super) themes_of_event: HashMap<i32, Vec<Arc<theme::Model>>>,
    /// Per event: everyone taking part (hosts and session people), by name.
    pub(super) people_of_event: HashMap<i32, Vec<Arc<person::Model>>>,
    /// Per event: organisations of its sessions or of its people, by name.
    pub(super) organisations_of_event: HashMap<i32, Vec<Arc<organisation::Model>>>,
    /// The search documents, made from the rows as `search_document` holds them.
    pub(super) documents: Vec<Document>,
}

/// Filters on an event's sessions; all given filters must hold.
pub use crate::service::programme::SessionFilter;

fn list<'a, K: std::hash::Hash + Eq, V>(map: &'a HashMap<K, Vec<V>>, key: &K) -> &'a [V] {
    map.get(key).map_or(&[], Vec::as_slice)
}

impl Snapshot {
    /// All events, earliest first.
    pub fn events(&self) -> &[Arc<event::Model>] {
        &self.events
    }

    /// The event with this slug, or the first event when no slug is given.
    pub fn event_by_slug(&self, slug: Option<&str>) -> Option<&Arc<event::Model>> {
        match slug {
            Some(slug) => self.event_by_slug.get(slug),
            None => self.events.first(),
        }
    }

    pub fn event(&self, id: i32) -> Option<&Arc<event::Model>> {
        self.event_by_id.get(&id)
    }

    pub fn block(&self, id: i32) -> Option<&Arc<programme_block::Model>> {
        self.blocks.get(&id)
    }

    pub fn session(&self, id: i32) -> Option<&Arc<session::Model>> {
        self.sessions.get(&id)
    }

    pub fn person(&self, id: i32) -> Option<&Arc<person::Model>> {
        self.people.get(&id)
    }

    /// The person with this key, in any event (keys are global).
    pub fn person_with_key(&self, key: &str) -> Option<&Arc<person::Model>> {
        self.person_by_key.get(key)
    }

    pub fn organisation(&self, id: i32) -> Option<&Arc<organisation::Model>> {
        self.organisations.get(&id)
    }

    pub fn theme(&self, id: i32) -> Option<&Arc<theme::Model>> {
        self.themes.get(&id)
    }

    /// The event's blocks in time order.
    pub fn blocks_of_event(&self, event_id: i32) -> &[Arc<programme_block::Model>] {
        list(&self.blocks_of_event, &event_id)
    }

    /// The block's sessions in programme order.
    pub fn sessions_of_block(&self, block_id: i32) -> &[Arc<session::Model>] {
        list(&self.sessions_of_block, &block_id)
    }

    /// Every time this workshop is given in the event, by start.
    pub fn sessions_of_workshop(&self, event_id: i32, key: &str) -> &[Arc<session::Model>] {
        list(&self.sessions_of_workshop, &(event_id, key.to_owned()))
    }

    /// The session's people and roles, in the programme's order.
    pub fn speakers_of_session(&self, session_id: i32) -> &[session_person::Model] {
        list(&self.speakers_of_session, &session_id)
    }

    pub fn theme_ids_of_session(&self, session_id: i32) -> &[i32] {
        list(&self.theme_ids_of_session, &session_id)
    }

    pub fn organisation_ids_of_session(&self, session_id: i32) -> &[i32] {
        list(&self.organisation_ids_of_session, &session_id)
    }

    /// The person's affiliations, in the programme's order.
    pub fn affiliations_of_person(&self, person_id: i32) -> &[person_organisation::Model] {
        list(&self.affiliations_of_person, &person_id)
    }

    /// The person's sessions over all events, in time order.
    pub fn sessions_of_person(&self, person_id: i32) -> &[Arc<session::Model>] {
        list(&self.sessions_of_person, &person_id)
    }

    /// The theme's sessions over all events, in time order.
    pub fn sessions_of_theme(&self, theme_id: i32) -> &[Arc<session::Model>] {
        list(&self.sessions_of_theme, &theme_id)
    }

    pub fn host_ids_of_event(&self, event_id: i32) -> &[i32] {
        list(&self.host_ids_of_event, &event_id)
    }

    /// The event's themes, in the programme's order.
    pub fn themes_of_event(&self, event_id: i32) -> &[Arc<theme::Model>] {
        list(&self.themes_of_event, &event_id)
    }

    /// Everyone taking part in the event, by name.
    pub fn people_of_event(&self, event_id: i32) -> &[Arc<person::Model>] {
        list(&self.people_of_event, &event_id)
    }

    /// The person with this key if they take part in the event.
    pub fn person_in_event(&self, event_id: i32, key: &str) -> Option<&Arc<person::Model>> {
        self.people_of_event(event_id).iter().find(|p| p.key == key)
    }

    /// The session with this key in the event.
    pub fn session_by_key(&self, event_id: i32, key: &str) -> Option<&Arc<session::Model>> {
        list(&self.sessions_of_event, &event_id)
            .iter()
            .find(|s| s.key == key)
    }

    /// Organisations taking part in the event, by name.
    pub fn organisations_of_event(&self, event_id: i32) -> &[Arc<organisation::Model>] {
        list(&self.organisations_of_event, &event_id)
    }

    /// The event's sessions that pass `filter`, in programme order.
    pub fn sessions_matching(
        &self,
        event_id: i32,
        filter: &SessionFilter,
    ) -> Vec<&Arc<session::Model>> {
        let text_hits = filter
            .text
            .as_deref()
            .map(|text| self.session_ids_with_text(event_id, text));
        list(&self.sessions_of_event, &event_id)
            .iter()
            .filter(|s| filter.block_id.is_none_or(|id| s.block_id == id))
            .filter(|s| filter.kind.is_none_or(|kind| s.kind == kind))
            .filter(|s| {
                filter
                    .feedback_open
                    .is_none_or(|open| s.feedback_open == open)
            })
            .filter(|s| {
                filter
                    .theme_id
                    .is_none_or(|id| self.theme_ids_of_session(s.id).contains(&id))
            })
            .filter(|s| {
                filter.person_id.is_none_or(|id| {
                    self.speakers_of_session(s.id)
                        .iter()
                        .any(|l| l.person_id == id)
                })
            })
            .filter(|s| {
                filter
                    .organisation_id
                    .is_none_or(|id| self.organisation_ids_of_session(s.id).contains(&id))
            })
            .filter(|s| text_hits.as_ref().is_none_or(|hits| hits.contains(&s.id)))
            .collect()
    }
}

/// Bytes of text a row holds on the heap.
fn text(fields: &[Option<&str>]) -> usize {
    fields.iter().flatten().map(|s| s.len()).sum()
}

impl Snapshot {
    /// About how many bytes the snapshot takes: rows, their text and the indexes (an
    /// estimate for the memory budget, not an exact count of the allocator's bytes).
    pub fn approximate_bytes(&self) -> usize {
        use std::mem::size_of;
        let rows = self.events.len() * size_of::<event::Model>()
            + self.blocks.len() * size_of::<programme_block::Model>()
            + self.sessions.len() * size_of::<session::Model>()
            + self.people.len() * size_of::<person::Model>()
            + self.organisations.len() * size_of::<organisation::Model>()
            + self.themes.len() * size_of::<theme::Model>()
            + self.documents.len() * size_of::<Document>();
        let texts: usize = self
            .events
            .iter()
            .map(|e| {
                text(&[
                    Some(&e.slug),
                    Some(&e.title),
                    Some(&e.description),
                    Some(&e.timezone),
                    e.location.as_deref(),
                ])
            })
            .chain(
                self.blocks
                    .values()
                    .map(|b| text(&[Some(&b.key), Some(&b.title), b.description.as_deref()])),
            )
            .chain(self.sessions.values().map(|s| {
                text(&[
                    Some(&s.key),
                    Some(&s.title),
                    Some(&s.description),
                    s.workshop_key.as_deref(),
                    s.room.as_deref(),
                    s.url.as_deref(),
                ])
            }))
            .chain(self.people.values().map(|p| {
                text(&[
                    Some(&p.key),
                    Some(&p.name),
                    p.bio.as_deref(),
                    p.email.as_deref(),
                    p.phone.as_deref(),
                    p.website.as_deref(),
                ])
            }))
            .chain(
                self.organisations
                    .values()
                    .map(|o| text(&[Some(&o.key), Some(&o.name), o.url.as_deref()])),
            )
            .chain(self.themes.values().map(|t| {
                text(&[Some(&t.slug), Some(&t.title), t.description.as_deref()])
                    + t.guiding_questions.to_string().len()
            }))
            .chain(self.documents.iter().map(|d| d.title.len() + d.body.len()))
            .sum();
        // Index entries: a key and a pointer (or a small row) each, with the maps' slack.
        let links: usize = [
            &self
                .speakers_of_session
                .values()
                .map(Vec::len)
                .sum::<usize>(),
            &self
                .affiliations_of_person
                .values()
                .map(Vec::len)
                .sum::<usize>(),
        ]
        .iter()
        .map(|n| **n * 32)
        .sum();
        let index_entries: usize = [
            self.event_by_id.len(),
            self.event_by_slug.len(),
            self.blocks.len(),
            self.sessions.len(),
            self.people.len(),
            self.person_by_key.len(),
            self.organisations.len(),
            self.themes.len(),
            self.blocks_of_event.values().map(Vec::len).sum(),
            self.sessions_of_event.values().map(Vec::len).sum(),
            self.sessions_of_block.values().map(Vec::len).sum(),
            self.sessions_of_workshop.values().map(Vec::len).sum(),
            self.theme_ids_of_session.values().map(Vec::len).sum(),
            self.organisation_ids_of_session
                .values()
                .map(Vec::len)
                .sum(),
            self.sessions_of_person.values().map(Vec::len).sum(),
            self.sessions_of_theme.values().map(Vec::len).sum(),
            self.host_ids_of_event.values().map(Vec::len).sum(),
            self.themes_of_event.values().map(Vec::len).sum(),
            self.people_of_event.values().map(Vec::len).sum(),
            self.organisations_of_event.values().map(Vec::len).sum(),
        ]
        .iter()
        .sum();
        rows + texts + links + index_entries * 24 * 2
    }
}
