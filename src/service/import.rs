//! Writing a validated programme file: upsert by stable keys, in one transaction.

use std::collections::HashMap;

use chrono::Utc;
use entity::{
    event, event_host, event_theme, organisation, person, person_organisation, programme_block,
    session, session_organisation, session_person, session_theme, theme,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait,
};
use serde::Serialize;

use super::search::reindex_event;
use super::sync::{ChangeCount, save_row, sync_links};
use crate::error::{AppError, AppResult};
use crate::programme_file::ProgrammeFile;

/// What an import changed, per kind of row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub event_slug: String,
    pub event: ChangeCount,
    pub organisations: ChangeCount,
    pub people: ChangeCount,
    pub themes: ChangeCount,
    pub blocks: ChangeCount,
    pub sessions: ChangeCount,
    pub links_added: usize,
    pub links_removed: usize,
}

impl ImportReport {
    pub fn changed(&self) -> bool {
        [
            self.event,
            self.organisations,
            self.people,
            self.themes,
            self.blocks,
            self.sessions,
        ]
        .iter()
        .any(ChangeCount::changed)
            || self.links_added + self.links_removed > 0
    }
}

impl std::fmt::Display for ImportReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "event {}:", self.event_slug)?;
        for (kind, count) in [
            ("event", self.event),
            ("organisations", self.organisations),
            ("people", self.people),
            ("themes", self.themes),
            ("blocks", self.blocks),
            ("sessions", self.sessions),
        ] {
            writeln!(
                f,
                "  {kind:<14} {} created, {} updated, {} unchanged, {} deleted",
                count.created, count.updated, count.unchanged, count.deleted
            )?;
        }
        write!(
            f,
            "  {:<14} {} added, {} removed",
            "links", self.links_added, self.links_removed
        )
    }
}

/// Imports a validated file in one transaction: on any error nothing is written. Not
/// audited (the command line and the bundled programme); admins go through
/// `service::admin::import_document`.
pub async fn import_programme(
    db: &DatabaseConnection,
    file: &ProgrammeFile,
) -> AppResult<ImportReport> {
    let txn = db.begin().await?;
    let report = import_into(&txn, file).await?;
    crate::service::content::bump(&txn).await?;
    txn.commit().await?;
    Ok(report)
}

/// Imports a validated file; run it inside the caller's transaction. Removing a session
/// that holds learning questions is `CONFLICT`.
pub async fn import_into(
    db: &impl ConnectionTrait,
    file: &ProgrammeFile,
) -> AppResult<ImportReport> {
    let mut report = ImportReport {
        event_slug: file.event.slug.clone(),
        ..ImportReport::default()
    };
    let entry = &file.event;
    let existing_event = event::Entity::find()
        .filter(event::Column::Slug.eq(&entry.slug))
        .one(db)
        .await?;
    let desired_event = event::Model {
        id: existing_event.as_ref().map_or(0, |e| e.id),
        slug: entry.slug.clone(),
        title: entry.title.clone(),
        description: entry.description.clone(),
        starts_at: entry.starts_at.to_utc(),
        ends_at: entry.ends_at.to_utc(),
        timezone: entry.timezone.clone(),
        location: entry.location.clone(),
        access_code: existing_event.as_ref().and_then(|e| e.access_code.clone()),
        updated_at: existing_event
            .as_ref()
            .map_or_else(Utc::now, |e| e.updated_at),
    };
    let (event_row, change) =
        save_row::<event::ActiveModel, _>(db, existing_event, desired_event, event::Column::Id)
            .await?;
    report.event.record(change);
    let event_id = event_row.id;

    let organisation_ids = import_organisations(db, file, &mut report).await?;
    let person_ids = import_people(db, file, &organisation_ids, &mut report).await?;
    let theme_ids = import_themes(db, file, &mut report).await?;

    let desired_hosts = file
        .event
        .hosts
        .iter()
        .enumerate()
        .map(|(position, key)| event_host::Model {
            event_id,
            person_id: person_ids[key.as_str()],
            position: position_of(position),
        })
        .collect();
    let existing_hosts = event_host::Entity::find()
        .filter(event_host::Column::EventId.eq(event_id))
        .all(db)
        .await?;
    count_links(
        &mut report,
        sync_links(db, existing_hosts, desired_hosts).await?,
    );

    let desired_event_themes = file
        .themes
        .iter()
        .enumerate()
        .map(|(position, theme)| event_theme::Model {
            event_id,
            theme_id: theme_ids[theme.slug.as_str()],
            position: position_of(position),
        })
        .collect();
    let existing_event_themes = event_theme::Entity::find()
        .filter(event_theme::Column::EventId.eq(event_id))
        .all(db)
        .await?;
    count_links(
        &mut report,
        sync_links(db, existing_event_themes, desired_event_themes).await?,
    );

    import_blocks_and_sessions(
        db,
        file,
        event_id,
        &Refs {
            organisations: &organisation_ids,
            people: &person_ids,
            themes: &theme_ids,
        },
        &mut report,
    )
    .await?;

    if report.changed() {
        reindex_event(db, event_id).await?;
        event::Entity::update_many()
            .col_expr(
                event::Column::UpdatedAt,
                sea_orm::sea_query::Expr::value(Utc::now()),
            )
            .filter(event::Column::Id.eq(event_id))
            .exec(db)
            .await?;
    }
    Ok(report)
}

fn position_of(index: usize) -> i32 {
    i32::try_from(index).unwrap_or(i32::MAX)
}

fn count_links(report: &mut ImportReport, (added, removed): (usize, usize)) {
    report.links_added += added;
    report.links_removed += removed;
}

async fn import_organisations<'f>(
    db: &impl ConnectionTrait,
    file: &'f ProgrammeFile,
    report: &mut ImportReport,
) -> AppResult<HashMap<&'f str, i32>> {
    let mut existing: HashMap<String, organisation::Model> = organisation::Entity::find()
        .filter(organisation::Column::Key.is_in(file.organisations.iter().map(|o| o.key.as_str())))
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.key.clone(), row))
        .collect();
    let mut ids = HashMap::new();
    for entry in &file.organisations {
        let current = existing.remove(&entry.key);
        let desired = organisation::Model {
            id: current.as_ref().map_or(0, |row| row.id),
            key: entry.key.clone(),
            name: entry.name.clone(),
            url: entry.url.clone(),
        };
        let (row, change) = save_row::<organisation::ActiveModel, _>(
            db,
            current,
            desired,
            organisation::Column::Id,
        )
        .await?;
        report.organisations.record(change);
        ids.insert(entry.key.as_str(), row.id);
    }
    Ok(ids)
}

async fn import_people<'f>(
    db: &impl ConnectionTrait,
    file: &'f ProgrammeFile,
    organisation_ids: &HashMap<&str, i32>,
    report: &mut ImportReport,
) -> AppResult<HashMap<&'f str, i32>> {
    let mut existing: HashMap<String, person::Model> = person::Entity::find()
        .filter(person::Column::Key.is_in(file.people.iter().map(|p| p.key.as_str())))
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.key.clone(), row))
        .collect();
    let mut ids = HashMap::new();
    let mut desired_affiliations = Vec::new();
    for entry in &file.people {
        let current = existing.remove(&entry.key);
        let desired = person::Model {
            id: current.as_ref().map_or(0, |row| row.id),
            key: entry.key.clone(),
            name: entry.name.clone(),
            bio: entry.bio.clone(),
            email: entry.contact.email.clone(),
            phone: entry.contact.phone.clone(),
            website: entry.contact.website.clone(),
        };
        let (row, change) =
            save_row::<person::ActiveModel, _>(db, current, desired, person::Column::Id).await?;
        report.people.record(change);
        ids.insert(entry.key.as_str(), row.id);
        for (position, affiliation) in entry.affiliations.iter().enumerate() {
            desired_affiliations.push(person_organisation::Model {
                person_id: row.id,
                organisation_id: organisation_ids[affiliation.organisation.as_str()],
                position: position_of(position),
                title: affiliation.title.clone(),
            });
        }
    }
    let existing_affiliations = person_organisation::Entity::find()
        .filter(person_organisation::Column::PersonId.is_in(ids.values().copied()))
        .all(db)
        .await?;
    count_links(
        report,
        sync_links(db, existing_affiliations, desired_affiliations).await?,
    );
    Ok(ids)
}

async fn import_themes<'f>(
    db: &impl ConnectionTrait,
    file: &'f ProgrammeFile,
    report: &mut ImportReport,
) -> AppResult<HashMap<&'f str, i32>> {
    let mut existing: HashMap<String, theme::Model> = theme::Entity::find()
        .filter(theme::Column::Slug.is_in(file.themes.iter().map(|t| t.slug.as_str())))
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.slug.clone(), row))
        .collect();
    let mut ids = HashMap::new();
    for entry in &file.themes {
        let current = existing.remove(&entry.slug);
        let desired = theme::Model {
            id: current.as_ref().map_or(0, |row| row.id),
            slug: entry.slug.clone(),
            title: entry.title.clone(),
            description: entry.description.clone(),
            kind: entry.kind,
            guiding_questions: serde_json::json!(entry.guiding_questions),
        };
        let (row, change) =
            save_row::<theme::ActiveModel, _>(db, current, desired, theme::Column::Id).await?;
        report.themes.record(change);
        ids.insert(entry.slug.as_str(), row.id);
    }
    Ok(ids)
}

struct Refs<'a> {
    organisations: &'a HashMap<&'a str, i32>,
    people: &'a HashMap<&'a str, i32>,
    themes: &'a HashMap<&'a str, i32>,
}

async fn import_blocks_and_sessions(
    db: &impl ConnectionTrait,
    file: &ProgrammeFile,
    event_id: i32,
    refs: &Refs<'_>,
    report: &mut ImportReport,
) -> AppResult<()> {
    let mut existing_blocks: HashMap<String, programme_block::Model> =
        programme_block::Entity::find()
            .filter(programme_block::Column::EventId.eq(event_id))
            .all(db)
            .await?
            .into_iter()
            .map(|row| (row.key.clone(), row))
            .collect();
    let mut existing_sessions: HashMap<String, session::Model> = session::Entity::find()
        .filter(session::Column::EventId.eq(event_id))
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.key.clone(), row))
        .collect();
    let mut desired_people = Vec::new();
    let mut desired_organisations = Vec::new();
    let mut desired_themes = Vec::new();
    let mut session_ids = Vec::new();

    for (block_position, entry) in file.blocks.iter().enumerate() {
        let current = existing_blocks.remove(&entry.key);
        let desired = programme_block::Model {
            id: current.as_ref().map_or(0, |row| row.id),
            event_id,
            key: entry.key.clone(),
            position: position_of(block_position),
            kind: entry.kind,
            title: entry.title.clone(),
            description: entry.description.clone(),
            starts_at: entry.starts_at.to_utc(),
            ends_at: entry.ends_at.to_utc(),
        };
        let (block, change) = save_row::<programme_block::ActiveModel, _>(
            db,
            current,
            desired,
            programme_block::Column::Id,
        )
        .await?;
        report.blocks.record(change);

        for (session_position, entry) in entry.sessions.iter().enumerate() {
            let current = existing_sessions.remove(&entry.key);
            let desired = session::Model {
                id: current.as_ref().map_or(0, |row| row.id),
                event_id,
                block_id: block.id,
                key: entry.key.clone(),
                position: position_of(session_position),
                kind: entry.kind,
                title: entry.title.clone(),
                description: entry.description.clone(),
                starts_at: entry.starts_at.map_or(block.starts_at, |t| t.to_utc()),
                ends_at: entry.ends_at.map_or(block.ends_at, |t| t.to_utc()),
                workshop_key: entry.workshop.clone(),
                feedback_open: entry.feedback_open,
                room: entry.room.as_deref().map(|r| r.trim().to_owned()),
                url: entry.url.as_deref().map(|u| u.trim().to_owned()),
            };
            let (row, change) =
                save_row::<session::ActiveModel, _>(db, current, desired, session::Column::Id)
                    .await?;
            report.sessions.record(change);
            session_ids.push(row.id);
            for (position, person) in entry.people.iter().enumerate() {
                desired_people.push(session_person::Model {
                    session_id: row.id,
                    person_id: refs.people[person.person.as_str()],
                    role: person.role,
                    position: position_of(position),
                });
            }
            for (position, key) in entry.organisations.iter().enumerate() {
                desired_organisations.push(session_organisation::Model {
                    session_id: row.id,
                    organisation_id: refs.organisations[key.as_str()],
                    position: position_of(position),
                });
            }
            for slug in &entry.themes {
                desired_themes.push(session_theme::Model {
                    session_id: row.id,
                    theme_id: refs.themes[slug.as_str()],
                });
            }
        }
    }

    // What is no longer in the file goes; links cascade with their session. Participants'
    // input is never destroyed: a session that has learning questions stays.
    let stale_sessions: Vec<i32> = existing_sessions.values().map(|row| row.id).collect();
    if !stale_sessions.is_empty() {
        let with_input = entity::learning_question::Entity::find()
            .filter(
                entity::learning_question::Column::SessionId.is_in(stale_sessions.iter().copied()),
            )
            .one(db)
            .await?;
        if let Some(question) = with_input {
            let key = existing_sessions
                .values()
                .find(|s| Some(s.id) == question.session_id)
                .map_or_else(String::new, |s| s.key.clone());
            return Err(AppError::Conflict(format!(
                "session {key:?} is no longer in the file but has learning questions; keep it in the file (or close its feedback) instead of removing it"
            )));
        }
        session::Entity::delete_many()
            .filter(session::Column::Id.is_in(stale_sessions.iter().copied()))
            .exec(db)
            .await?;
        report.sessions.deleted = stale_sessions.len();
    }
    let stale_blocks: Vec<i32> = existing_blocks.values().map(|row| row.id).collect();
    if !stale_blocks.is_empty() {
        programme_block::Entity::delete_many()
            .filter(programme_block::Column::Id.is_in(stale_blocks.iter().copied()))
            .exec(db)
            .await?;
        report.blocks.deleted = stale_blocks.len();
    }

    let existing = session_person::Entity::find()
        .filter(session_person::Column::SessionId.is_in(session_ids.iter().copied()))
        .all(db)
        .await?;
    count_links(report, sync_links(db, existing, desired_people).await?);
    let existing = session_organisation::Entity::find()
        .filter(session_organisation::Column::SessionId.is_in(session_ids.iter().copied()))
        .all(db)
        .await?;
    count_links(
        report,
        sync_links(db, existing, desired_organisations).await?,
    );
    let existing = session_theme::Entity::find()
        .filter(session_theme::Column::SessionId.is_in(session_ids.iter().copied()))
        .all(db)
        .await?;
    count_links(report, sync_links(db, existing, desired_themes).await?);
    Ok(())
}
