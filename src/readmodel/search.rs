//! Search over the snapshot's documents: the same rules as the SQL search of
//! `service::search` (every word in the title or the body, ranked title first), in memory.

use std::collections::{HashMap, HashSet};

use entity::enums::SearchKind;

use super::Snapshot;
use crate::domain::text::fold;
use crate::service::search::SearchMatch;

/// One searchable item of one event, with its folded text.
pub struct Document {
    pub event_id: i32,
    pub kind: SearchKind,
    pub entity_id: i32,
    pub title: String,
    pub body: String,
}

/// The search documents of every event, made from the snapshot's rows by the rules of
/// `service::search::reindex_event` (which keeps them in the database for the SQL search).
pub(super) fn documents(snapshot: &Snapshot) -> Vec<Document> {
    let mut documents = Vec::new();
    for event in &snapshot.events {
        let document = |kind, entity_id, title: &str, body: Vec<&str>| Document {
            event_id: event.id,
            kind,
            entity_id,
            title: fold(title),
            body: fold(&body.join("\n")),
        };
        let org_name = |id: i32| snapshot.organisation(id).map_or("", |o| o.name.as_str());
        let mut organisation_ids = Vec::new();
        for s in snapshot
            .sessions_of_event
            .get(&event.id)
            .into_iter()
            .flatten()
        {
            let mut body = vec![s.description.as_str()];
            body.extend(
                snapshot
                    .speakers_of_session(s.id)
                    .iter()
                    .filter_map(|l| snapshot.person(l.person_id).map(|p| p.name.as_str())),
            );
            for id in snapshot.organisation_ids_of_session(s.id) {
                body.push(org_name(*id));
                organisation_ids.push(*id);
            }
            documents.push(document(SearchKind::Session, s.id, &s.title, body));
        }
        for p in snapshot.people_of_event(event.id) {
            let mut body = vec![p.bio.as_deref().unwrap_or_default()];
            for a in snapshot.affiliations_of_person(p.id) {
                body.push(org_name(a.organisation_id));
                body.extend(a.title.as_deref());
                organisation_ids.push(a.organisation_id);
            }
            documents.push(document(SearchKind::Person, p.id, &p.name, body));
        }
        for t in snapshot.themes_of_event(event.id) {
            let mut body = vec![t.description.as_deref().unwrap_or_default()];
            if let Some(questions) = t.guiding_questions.as_array() {
                body.extend(questions.iter().filter_map(|q| q.as_str()));
            }
            documents.push(document(SearchKind::Theme, t.id, &t.title, body));
        }
        organisation_ids.sort_unstable();
        organisation_ids.dedup();
        for o in organisation_ids
            .iter()
            .filter_map(|id| snapshot.organisation(*id))
        {
            documents.push(document(
                SearchKind::Organisation,
                o.id,
                &o.name,
                Vec::new(),
            ));
        }
    }
    documents
}

impl Document {
    /// Whether every word occurs in the title or the body.
    fn has_every_word(&self, words: &[&str]) -> bool {
        words
            .iter()
            .all(|w| self.title.contains(w) || self.body.contains(w))
    }

    /// 3 the whole phrase in the title, 2 every word in the title, 1 elsewhere.
    fn score(&self, phrase: &str, words: &[&str]) -> i32 {
        if self.title.contains(phrase) {
            3
        } else if words.iter().all(|w| self.title.contains(w)) {
            2
        } else {
            1
        }
    }
}

fn kind_rank(kind: SearchKind) -> u8 {
    match kind {
        SearchKind::Session => 0,
        SearchKind::Theme => 1,
        SearchKind::Person => 2,
        SearchKind::Organisation => 3,
    }
}

impl Snapshot {
    /// One page of the hits of `query` in the event (all events when `None`), and how many
    /// hits there are over all pages: the order and paging of `service::search::search`.
    pub fn search(
        &self,
        query: &str,
        event_id: Option<i32>,
        offset: u64,
        limit: u64,
    ) -> (Vec<SearchMatch>, u64) {
        let phrase = fold(query);
        let words: Vec<&str> = phrase.split(' ').filter(|w| !w.is_empty()).collect();
        if words.is_empty() {
            return (Vec::new(), 0);
        }
        // Per item: its best score and the smallest title among its matching documents.
        let mut hits: HashMap<(SearchKind, i32), (i32, &str)> = HashMap::new();
        for doc in &self.documents {
            if event_id.is_some_and(|id| doc.event_id != id) || !doc.has_every_word(&words) {
                continue;
            }
            let score = doc.score(&phrase, &words);
            hits.entry((doc.kind, doc.entity_id))
                .and_modify(|(best, title)| {
                    *best = (*best).max(score);
                    *title = (*title).min(doc.title.as_str());
                })
                .or_insert((score, doc.title.as_str()));
        }
        let mut ranked: Vec<_> = hits.into_iter().collect();
        ranked.sort_by(
            |((kind_a, id_a), (score_a, title_a)), ((kind_b, id_b), (score_b, title_b))| {
                score_b
                    .cmp(score_a)
                    .then(kind_rank(*kind_a).cmp(&kind_rank(*kind_b)))
                    .then(title_a.cmp(title_b))
                    .then(id_a.cmp(id_b))
            },
        );
        let total = ranked.len() as u64;
        let page = ranked
            .into_iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .map(|((kind, entity_id), (score, _))| SearchMatch {
                kind,
                entity_id,
                score,
            })
            .collect();
        (page, total)
    }

    /// The event's sessions whose document holds every word of `text`.
    pub(super) fn session_ids_with_text(&self, event_id: i32, text: &str) -> HashSet<i32> {
        let folded = fold(text);
        let words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
        self.documents
            .iter()
            .filter(|d| d.event_id == event_id && d.kind == SearchKind::Session)
            .filter(|d| d.has_every_word(&words))
            .map(|d| d.entity_id)
            .collect()
    }
}
