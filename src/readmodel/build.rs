//! Building a snapshot: one read transaction, one statement per table, then the indexes
//! and the search documents.

use std::collections::HashMap;
use std::sync::Arc;

use entity::{
    event, event_host, event_theme, organisation, person, person_organisation, programme_block,
    session, session_organisation, session_person, session_theme, theme,
};
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, IsolationLevel,
    TransactionTrait,
};

use super::Snapshot;
use crate::error::AppResult;

/// Every row of one table.
async fn all<E: EntityTrait>(db: &impl ConnectionTrait) -> AppResult<Vec<E::Model>> {
    Ok(E::find().all(db).await?)
}

fn by_id<M>(rows: Vec<M>, id: impl Fn(&M) -> i32) -> HashMap<i32, Arc<M>> {
    rows.into_iter().map(|r| (id(&r), Arc::new(r))).collect()
}

fn grouped<K: std::hash::Hash + Eq, V>(
    pairs: impl IntoIterator<Item = (K, V)>,
) -> HashMap<K, Vec<V>> {
    let mut map: HashMap<K, Vec<V>> = HashMap::new();
    for (key, value) in pairs {
        map.entry(key).or_default().push(value);
    }
    map
}

/// Reads the programme as of one moment (the version and the rows agree: on PostgreSQL
/// the reads share a repeatable-read transaction, on SQLite a read transaction).
pub async fn build(db: &DatabaseConnection) -> AppResult<Snapshot> {
    let txn = if db.get_database_backend() == DbBackend::Postgres {
        db.begin_with_config(
            Some(IsolationLevel::RepeatableRead),
            Some(AccessMode::ReadOnly),
        )
        .await?
    } else {
        db.begin().await?
    };
    let version = crate::service::content::current(&txn).await?;
    let events = all::<event::Entity>(&txn).await?;
    let blocks = all::<programme_block::Entity>(&txn).await?;
    let sessions = all::<session::Entity>(&txn).await?;
    let people = all::<person::Entity>(&txn).await?;
    let organisations = all::<organisation::Entity>(&txn).await?;
    let themes = all::<theme::Entity>(&txn).await?;
    let mut speakers = all::<session_person::Entity>(&txn).await?;
    let mut session_themes = all::<session_theme::Entity>(&txn).await?;
    let mut session_orgs = all::<session_organisation::Entity>(&txn).await?;
    let mut affiliations = all::<person_organisation::Entity>(&txn).await?;
    let mut hosts = all::<event_host::Entity>(&txn).await?;
    let mut event_themes = all::<event_theme::Entity>(&txn).await?;
    txn.commit().await?;

    let mut snapshot = Snapshot {
        version,
        ..Snapshot::default()
    };
    let mut events: Vec<Arc<event::Model>> = events.into_iter().map(Arc::new).collect();
    events.sort_by_key(|e| (e.starts_at, e.id));
    snapshot.event_by_id = events.iter().map(|e| (e.id, e.clone())).collect();
    snapshot.event_by_slug = events.iter().map(|e| (e.slug.clone(), e.clone())).collect();
    snapshot.events = events;

    let blocks = by_id(blocks, |b| b.id);
    let mut sessions: Vec<Arc<session::Model>> = sessions.into_iter().map(Arc::new).collect();
    sessions.sort_by_key(|s| (s.starts_at, s.block_id, s.position, s.id));
    snapshot.sessions = sessions.iter().map(|s| (s.id, s.clone())).collect();
    snapshot.people = by_id(people, |p| p.id);
    snapshot.person_by_key = snapshot
        .people
        .values()
        .map(|p| (p.key.clone(), p.clone()))
        .collect();
    snapshot.organisations = by_id(organisations, |o| o.id);
    snapshot.themes = by_id(themes, |t| t.id);

    let mut event_blocks: Vec<&Arc<programme_block::Model>> = blocks.values().collect();
    event_blocks.sort_by_key(|b| (b.starts_at, b.position, b.id));
    snapshot.blocks_of_event = grouped(event_blocks.into_iter().map(|b| (b.event_id, b.clone())));
    snapshot.blocks = blocks;
    snapshot.sessions_of_event = grouped(sessions.iter().map(|s| (s.event_id, s.clone())));
    let mut by_position = sessions.clone();
    by_position.sort_by_key(|s| (s.position, s.id));
    snapshot.sessions_of_block = grouped(by_position.iter().map(|s| (s.block_id, s.clone())));
    let mut by_start = sessions.clone();
    by_start.sort_by_key(|s| (s.starts_at, s.id));
    snapshot.sessions_of_workshop = grouped(
        by_start
            .iter()
            .filter_map(|s| Some(((s.event_id, s.workshop_key.clone()?), s.clone()))),
    );

    speakers.sort_by_key(|l| l.position);
    session_themes.sort_by_key(|l| l.theme_id);
    session_orgs.sort_by_key(|l| l.position);
    affiliations.sort_by_key(|a| a.position);
    hosts.sort_by_key(|h| h.position);
    event_themes.sort_by_key(|t| t.position);

    snapshot.sessions_of_person = sessions_of_links(
        &snapshot.sessions,
        speakers.iter().map(|l| (l.person_id, l.session_id)),
    );
    snapshot.sessions_of_theme = sessions_of_links(
        &snapshot.sessions,
        session_themes.iter().map(|l| (l.theme_id, l.session_id)),
    );
    snapshot.theme_ids_of_session =
        grouped(session_themes.iter().map(|l| (l.session_id, l.theme_id)));
    snapshot.organisation_ids_of_session = grouped(
        session_orgs
            .iter()
            .map(|l| (l.session_id, l.organisation_id)),
    );
    snapshot.host_ids_of_event = grouped(hosts.iter().map(|h| (h.event_id, h.person_id)));
    snapshot.themes_of_event = grouped(
        event_themes
            .iter()
            .filter_map(|l| Some((l.event_id, snapshot.themes.get(&l.theme_id)?.clone()))),
    );
    snapshot.people_of_event = people_of_events(&snapshot, &speakers, &hosts);
    snapshot.organisations_of_event =
        organisations_of_events(&snapshot, &session_orgs, &affiliations);
    snapshot.speakers_of_session = grouped(speakers.into_iter().map(|l| (l.session_id, l)));
    snapshot.affiliations_of_person = grouped(affiliations.into_iter().map(|a| (a.person_id, a)));
    snapshot.documents = super::search::documents(&snapshot);
    Ok(snapshot)
}

/// The sessions behind (owner, session) links, per owner, once each, in time order.
fn sessions_of_links(
    sessions: &HashMap<i32, Arc<session::Model>>,
    links: impl Iterator<Item = (i32, i32)>,
) -> HashMap<i32, Vec<Arc<session::Model>>> {
    let mut result: HashMap<i32, Vec<Arc<session::Model>>> = HashMap::new();
    for (owner, session_id) in links {
        if let Some(session) = sessions.get(&session_id) {
            let list = result.entry(owner).or_default();
            if !list.iter().any(|s| s.id == session_id) {
                list.push(session.clone());
            }
        }
    }
    for list in result.values_mut() {
        list.sort_by_key(|s| (s.starts_at, s.position, s.id));
    }
    result
}

/// Per event: its hosts and the people of its sessions, once each, by name.
fn people_of_events(
    snapshot: &Snapshot,
    speakers: &[session_person::Model],
    hosts: &[event_host::Model],
) -> HashMap<i32, Vec<Arc<person::Model>>> {
    let of_sessions = speakers.iter().filter_map(|l| {
        let event_id = snapshot.sessions.get(&l.session_id)?.event_id;
        Some((event_id, l.person_id))
    });
    let of_hosts = hosts.iter().map(|h| (h.event_id, h.person_id));
    let mut result = distinct_rows(of_sessions.chain(of_hosts), &snapshot.people);
    for people in result.values_mut() {
        people.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    }
    result
}

/// Per event: organisations of its sessions and of its people, once each, by name.
fn organisations_of_events(
    snapshot: &Snapshot,
    session_orgs: &[session_organisation::Model],
    affiliations: &[person_organisation::Model],
) -> HashMap<i32, Vec<Arc<organisation::Model>>> {
    let orgs_of_person = grouped(
        affiliations
            .iter()
            .map(|a| (a.person_id, a.organisation_id)),
    );
    let of_sessions = session_orgs.iter().filter_map(|l| {
        let event_id = snapshot.sessions.get(&l.session_id)?.event_id;
        Some((event_id, l.organisation_id))
    });
    let of_people = snapshot
        .people_of_event
        .iter()
        .flat_map(|(event_id, people)| {
            people
                .iter()
                .flat_map(|p| orgs_of_person.get(&p.id).into_iter().flatten())
                .map(move |org| (*event_id, *org))
        });
    let mut result = distinct_rows(of_sessions.chain(of_people), &snapshot.organisations);
    for organisations in result.values_mut() {
        organisations.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    }
    result
}

/// The rows behind (event, row id) pairs, per event, once each.
fn distinct_rows<M>(
    pairs: impl Iterator<Item = (i32, i32)>,
    rows: &HashMap<i32, Arc<M>>,
) -> HashMap<i32, Vec<Arc<M>>> {
    let mut seen = std::collections::HashSet::new();
    grouped(
        pairs
            .filter(|pair| seen.insert(*pair))
            .filter_map(|(event_id, id)| Some((event_id, rows.get(&id)?.clone()))),
    )
}
