//! Admin changes to the programme and accounts. Each runs in one transaction with its
//! audit row (a change commits exactly when its audit row does), and programme changes
//! refresh the search index so the read API shows them at once.

use chrono::{DateTime, Utc};
use entity::enums::{AccountRole, SessionKind, SpeakerRole};
use entity::{audit_log, event, learning_question, session, session_person, session_theme};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};

use crate::error::{AppError, AppResult};
use crate::programme_file::ProgrammeFile;
use crate::service::accounts::{self, AccountWithScopes, NewAccount, ScopeSpec};
use crate::service::import::{ImportReport, import_into};
use crate::service::search::reindex_event;

/// Writes one audit row. Every audited admin change may alter what readers of the
/// programme see, so it also bumps the content version in the same transaction.
pub async fn audit(
    db: &impl ConnectionTrait,
    actor: i32,
    action: &str,
    subject: String,
    detail: serde_json::Value,
) -> AppResult<()> {
    audit_log::ActiveModel {
        actor_account_id: Set(actor),
        action: Set(action.to_owned()),
        subject: Set(subject),
        detail: Set(detail.to_string()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    crate::service::content::bump(db).await?;
    Ok(())
}

/// Imports a programme document sent by an admin; problems are `BAD_USER_INPUT` naming
/// the path. The import and its audit row commit together.
pub async fn import_document(
    db: &DatabaseConnection,
    actor: i32,
    document: &str,
) -> AppResult<ImportReport> {
    let file = ProgrammeFile::parse("programme", document).map_err(|invalid| {
        let first = invalid.problems.first();
        AppError::bad_input(
            format!("programme.{}", first.map_or("$", |p| p.path.as_str())),
            invalid
                .problems
                .iter()
                .map(|p| format!("{}: {}", p.path, p.reason))
                .collect::<Vec<_>>()
                .join("; "),
        )
    })?;
    let txn = db.begin().await?;
    let report = import_into(&txn, &file).await?;
    let detail = serde_json::to_value(&report).map_err(AppError::internal)?;
    audit(
        &txn,
        actor,
        "IMPORT_PROGRAMME",
        format!("event:{}", report.event_slug),
        detail,
    )
    .await?;
    txn.commit().await?;
    Ok(report)
}

/// Deletes an event and its programme; refused while it has learning questions. The
/// check, the delete and the audit row (with what went: sessions, participants) are one
/// transaction, and the event is locked first, so a question submitted meanwhile either
/// is seen by the check or finds the event gone.
pub async fn delete_event(db: &DatabaseConnection, actor: i32, slug: &str) -> AppResult<()> {
    let txn = db.begin().await?;
    // A write first: SQLite then holds its write lock for the whole check, where a read
    // first would let another writer commit between the check and the delete.
    let touched = event::Entity::update_many()
        .col_expr(event::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(event::Column::Slug.eq(slug))
        .exec(&txn)
        .await?
        .rows_affected;
    if touched == 0 {
        return Err(AppError::not_found(format!("no event with slug {slug:?}")));
    }
    // PostgreSQL: FOR UPDATE conflicts with the key-share lock a new question's foreign
    // key takes on its event, so submissions in flight finish (or wait) before the count.
    let event = event::Entity::find()
        .filter(event::Column::Slug.eq(slug))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no event with slug {slug:?}")))?;
    let input = learning_question::Entity::find()
        .filter(learning_question::Column::EventId.eq(event.id))
        .count(&txn)
        .await?;
    if input > 0 {
        return Err(AppError::Conflict(format!(
            "the event has {input} learning questions; purge or keep them before deleting it"
        )));
    }
    let sessions = session::Entity::find()
        .filter(session::Column::EventId.eq(event.id))
        .count(&txn)
        .await?;
    let participants = entity::participant::Entity::find()
        .filter(entity::participant::Column::EventId.eq(event.id))
        .count(&txn)
        .await?;
    event::Entity::delete_by_id(event.id).exec(&txn).await?;
    audit(
        &txn,
        actor,
        "DELETE_EVENT",
        format!("event:{slug}"),
        serde_json::json!({
            "title": event.title,
            "sessions": sessions,
            "participants": participants,
            "learningQuestions": input,
        }),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Creates a moderator, staff or admin account with its audit row.
pub async fn create_account(
    db: &DatabaseConnection,
    actor: i32,
    email: &str,
    role: AccountRole,
    password: &str,
    scopes: &[ScopeSpec],
) -> AppResult<AccountWithScopes> {
    let new = NewAccount::check(email, role, password, scopes)?;
    let txn = db.begin().await?;
    let created = new.insert(&txn, scopes).await?;
    let scopes = accounts::scope_labels(&txn, created.id).await?;
    audit(
        &txn,
        actor,
        "CREATE_ACCOUNT",
        format!("account:{}", created.id),
        serde_json::json!({ "email": created.email, "role": created.role, "scopes": scopes }),
    )
    .await?;
    txn.commit().await?;
    Ok(AccountWithScopes {
        account: created,
        scopes,
    })
}

/// Replaces what a moderator screens, with its audit row.
pub async fn set_moderator_scopes(
    db: &DatabaseConnection,
    actor: i32,
    email: &str,
    scopes: &[ScopeSpec],
) -> AppResult<AccountWithScopes> {
    let txn = db.begin().await?;
    let account = accounts::replace_scopes(&txn, email, scopes).await?;
    let scopes = accounts::scope_labels(&txn, account.id).await?;
    audit(
        &txn,
        actor,
        "SET_SCOPES",
        format!("account:{}", account.id),
        serde_json::json!({ "email": account.email, "scopes": scopes }),
    )
    .await?;
    txn.commit().await?;
    Ok(AccountWithScopes { account, scopes })
}

/// Disables an account and revokes its tokens, with its audit row.
pub async fn disable_account(db: &DatabaseConnection, actor: i32, email: &str) -> AppResult<()> {
    let txn = db.begin().await?;
    let account = accounts::disable_account(&txn, email).await?;
    audit(
        &txn,
        actor,
        "DISABLE_ACCOUNT",
        format!("account:{}", account.id),
        serde_json::json!({ "email": account.email }),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Changes to a session; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct SessionChange {
    pub title: Option<String>,
    pub description: Option<String>,
    pub kind: Option<SessionKind>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub feedback_open: Option<bool>,
    /// `Some(None)` clears the room; `None` keeps it.
    pub room: Option<Option<String>>,
    /// `Some(None)` clears the link; `None` keeps it.
    pub url: Option<Option<String>>,
}

pub async fn update_session(
    db: &DatabaseConnection,
    actor: i32,
    session_id: i32,
    change: SessionChange,
) -> AppResult<session::Model> {
    if let Some(title) = &change.title
        && (title.trim().is_empty() || title.chars().count() > 300)
    {
        return Err(AppError::bad_input("input.title", "1 to 300 characters"));
    }
    let room = match change.room {
        Some(Some(room)) => Some(Some(
            crate::domain::venue::parse_room(&room)
                .map_err(|reason| AppError::bad_input("input.room", reason))?,
        )),
        other => other,
    };
    let url = match change.url {
        Some(Some(url)) => Some(Some(
            crate::domain::venue::parse_url(&url)
                .map_err(|reason| AppError::bad_input("input.url", reason))?,
        )),
        other => other,
    };
    // Read inside the transaction: the check of the times and the update see one state.
    let txn = db.begin().await?;
    let current = find_session(&txn, session_id).await?;
    let starts_at = change.starts_at.unwrap_or(current.starts_at);
    let ends_at = change.ends_at.unwrap_or(current.ends_at);
    if ends_at <= starts_at {
        return Err(AppError::bad_input(
            "input.endsAt",
            "must be after startsAt",
        ));
    }
    let mut row: session::ActiveModel = current.clone().into();
    if let Some(title) = change.title {
        row.title = Set(title.trim().to_owned());
    }
    if let Some(description) = change.description {
        row.description = Set(description);
    }
    if let Some(kind) = change.kind {
        row.kind = Set(kind);
    }
    if let Some(open) = change.feedback_open {
        row.feedback_open = Set(open);
    }
    if let Some(room) = room {
        row.room = Set(room);
    }
    if let Some(url) = url {
        row.url = Set(url);
    }
    row.starts_at = Set(starts_at);
    row.ends_at = Set(ends_at);
    let updated = row.update(&txn).await?;
    reindex_event(&txn, updated.event_id).await?;
    audit(
        &txn,
        actor,
        "UPDATE_SESSION",
        format!("session:{session_id}"),
        serde_json::json!({ "title": updated.title, "feedbackOpen": updated.feedback_open, "room": updated.room, "url": updated.url }),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

async fn find_session(db: &impl ConnectionTrait, session_id: i32) -> AppResult<session::Model> {
    session::Entity::find_by_id(session_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("no session with this ID"))
}

/// Links (or unlinks) a person to a session in a role.
pub async fn set_speaker(
    db: &DatabaseConnection,
    actor: i32,
    session_id: i32,
    person_id: i32,
    role: SpeakerRole,
    linked: bool,
) -> AppResult<session::Model> {
    let session = find_session(db, session_id).await?;
    entity::person::Entity::find_by_id(person_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::bad_input("personId", "no person with this ID"))?;
    let txn = db.begin().await?;
    if linked {
        let position = session_person::Entity::find()
            .filter(session_person::Column::SessionId.eq(session_id))
            .count(&txn)
            .await?;
        session_person::ActiveModel {
            session_id: Set(session_id),
            person_id: Set(person_id),
            role: Set(role),
            position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
        }
        .insert(&txn)
        .await
        .map_err(|err| {
            AppError::from_db_unique(err, "this person already has this role in the session")
        })?;
    } else {
        let removed = session_person::Entity::delete_many()
            .filter(session_person::Column::SessionId.eq(session_id))
            .filter(session_person::Column::PersonId.eq(person_id))
            .filter(session_person::Column::Role.eq(role))
            .exec(&txn)
            .await?
            .rows_affected;
        if removed == 0 {
            return Err(AppError::not_found(
                "this person has no such role in the session",
            ));
        }
    }
    reindex_event(&txn, session.event_id).await?;
    let action = if linked {
        "LINK_SPEAKER"
    } else {
        "UNLINK_SPEAKER"
    };
    audit(
        &txn,
        actor,
        action,
        format!("session:{session_id}"),
        serde_json::json!({ "personId": person_id, "role": role }),
    )
    .await?;
    txn.commit().await?;
    Ok(session)
}

/// Links (or unlinks) a theme to a session.
pub async fn set_theme(
    db: &DatabaseConnection,
    actor: i32,
    session_id: i32,
    theme_id: i32,
    linked: bool,
) -> AppResult<session::Model> {
    let session = find_session(db, session_id).await?;
    entity::theme::Entity::find_by_id(theme_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::bad_input("themeId", "no theme with this ID"))?;
    let txn = db.begin().await?;
    if linked {
        session_theme::ActiveModel {
            session_id: Set(session_id),
            theme_id: Set(theme_id),
        }
        .insert(&txn)
        .await
        .map_err(|err| AppError::from_db_unique(err, "the session already has this theme"))?;
        // The event offers every theme its sessions have.
        let offered = entity::event_theme::Entity::find()
            .filter(entity::event_theme::Column::EventId.eq(session.event_id))
            .filter(entity::event_theme::Column::ThemeId.eq(theme_id))
            .count(&txn)
            .await?;
        if offered == 0 {
            entity::event_theme::ActiveModel {
                event_id: Set(session.event_id),
                theme_id: Set(theme_id),
                position: Set(i32::MAX),
            }
            .insert(&txn)
            .await?;
        }
    } else {
        let removed = session_theme::Entity::delete_many()
            .filter(session_theme::Column::SessionId.eq(session_id))
            .filter(session_theme::Column::ThemeId.eq(theme_id))
            .exec(&txn)
            .await?
            .rows_affected;
        if removed == 0 {
            return Err(AppError::not_found("the session does not have this theme"));
        }
    }
    reindex_event(&txn, session.event_id).await?;
    let action = if linked { "LINK_THEME" } else { "UNLINK_THEME" };
    audit(
        &txn,
        actor,
        action,
        format!("session:{session_id}"),
        serde_json::json!({ "themeId": theme_id }),
    )
    .await?;
    txn.commit().await?;
    Ok(session)
}

/// The admin audit log, newest first.
pub async fn audit_page(
    db: &impl ConnectionTrait,
    offset: u64,
    limit: u64,
) -> AppResult<(Vec<audit_log::Model>, u64)> {
    let query = audit_log::Entity::find();
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_desc(audit_log::Column::CreatedAt)
        .order_by_desc(audit_log::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// Rebuilds the search documents of every event (after a change to shared people,
/// organisations or themes, which may appear in several events).
async fn reindex_all(db: &impl ConnectionTrait) -> AppResult<()> {
    let ids: Vec<i32> = event::Entity::find()
        .select_only()
        .column(event::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    for id in ids {
        reindex_event(db, id).await?;
    }
    Ok(())
}

fn name_field(field: &str, value: &Option<String>) -> AppResult<()> {
    match value {
        Some(v) if v.trim().is_empty() || v.chars().count() > 300 => Err(AppError::bad_input(
            format!("input.{field}"),
            "1 to 300 characters",
        )),
        _ => Ok(()),
    }
}

/// Saves a changed person, organisation or theme with its audit row, and refreshes the
/// search of every event (they are shared between events).
async fn save_shared<A>(
    db: &DatabaseConnection,
    actor: i32,
    row: A,
    action: &str,
    subject: String,
    detail: impl FnOnce(&<A::Entity as EntityTrait>::Model) -> serde_json::Value,
) -> AppResult<<A::Entity as EntityTrait>::Model>
where
    A: ActiveModelTrait + sea_orm::ActiveModelBehavior + Send,
    <A::Entity as EntityTrait>::Model: sea_orm::IntoActiveModel<A>,
{
    let txn = db.begin().await?;
    let updated = row.update(&txn).await?;
    reindex_all(&txn).await?;
    audit(&txn, actor, action, subject, detail(&updated)).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Changes to a person; absent fields stay, an empty string clears an optional field.
#[derive(Debug, Clone, Default)]
pub struct PersonChange {
    pub name: Option<String>,
    pub bio: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub website: Option<String>,
}

fn optional(value: Option<String>, current: Option<String>) -> Option<String> {
    match value {
        None => current,
        Some(v) if v.trim().is_empty() => None,
        Some(v) => Some(v.trim().to_owned()),
    }
}

pub async fn update_person(
    db: &DatabaseConnection,
    actor: i32,
    person_id: i32,
    change: PersonChange,
) -> AppResult<entity::person::Model> {
    name_field("name", &change.name)?;
    let current = entity::person::Entity::find_by_id(person_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("no person with this ID"))?;
    let mut row: entity::person::ActiveModel = current.clone().into();
    if let Some(name) = change.name {
        row.name = Set(name.trim().to_owned());
    }
    row.bio = Set(optional(change.bio, current.bio));
    row.email = Set(optional(change.email, current.email));
    row.phone = Set(optional(change.phone, current.phone));
    row.website = Set(optional(change.website, current.website));
    save_shared(
        db,
        actor,
        row,
        "UPDATE_PERSON",
        format!("person:{person_id}"),
        |updated| serde_json::json!({ "name": updated.name }),
    )
    .await
}

pub async fn update_organisation(
    db: &DatabaseConnection,
    actor: i32,
    organisation_id: i32,
    name: Option<String>,
    url: Option<String>,
) -> AppResult<entity::organisation::Model> {
    name_field("name", &name)?;
    let current = entity::organisation::Entity::find_by_id(organisation_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("no organisation with this ID"))?;
    let mut row: entity::organisation::ActiveModel = current.clone().into();
    if let Some(name) = name {
        row.name = Set(name.trim().to_owned());
    }
    row.url = Set(optional(url, current.url));
    save_shared(
        db,
        actor,
        row,
        "UPDATE_ORGANISATION",
        format!("organisation:{organisation_id}"),
        |updated| serde_json::json!({ "name": updated.name }),
    )
    .await
}

pub async fn update_theme(
    db: &DatabaseConnection,
    actor: i32,
    theme_id: i32,
    title: Option<String>,
    description: Option<String>,
    guiding_questions: Option<Vec<String>>,
) -> AppResult<entity::theme::Model> {
    name_field("title", &title)?;
    if let Some(questions) = &guiding_questions
        && questions.iter().any(|q| q.trim().is_empty())
    {
        return Err(AppError::bad_input(
            "input.guidingQuestions",
            "questions must not be empty",
        ));
    }
    let current = entity::theme::Entity::find_by_id(theme_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("no theme with this ID"))?;
    let mut row: entity::theme::ActiveModel = current.clone().into();
    if let Some(title) = title {
        row.title = Set(title.trim().to_owned());
    }
    row.description = Set(optional(description, current.description));
    if let Some(questions) = guiding_questions {
        row.guiding_questions = Set(serde_json::json!(questions));
    }
    save_shared(
        db,
        actor,
        row,
        "UPDATE_THEME",
        format!("theme:{theme_id}"),
        |updated| serde_json::json!({ "title": updated.title }),
    )
    .await
}

/// What an admin may delete outright (shared across events).
#[derive(Debug, Clone, Copy)]
pub enum Deletable {
    Person(i32),
    Organisation(i32),
    Theme(i32),
}

/// Deletes a person, organisation or theme with its links; a theme with input is refused.
pub async fn delete(db: &DatabaseConnection, actor: i32, what: Deletable) -> AppResult<()> {
    let txn = db.begin().await?;
    let (subject, removed) = match what {
        Deletable::Person(id) => (
            format!("person:{id}"),
            entity::person::Entity::delete_by_id(id)
                .exec(&txn)
                .await?
                .rows_affected,
        ),
        Deletable::Organisation(id) => (
            format!("organisation:{id}"),
            entity::organisation::Entity::delete_by_id(id)
                .exec(&txn)
                .await?
                .rows_affected,
        ),
        Deletable::Theme(id) => {
            let input = learning_question::Entity::find()
                .filter(learning_question::Column::ThemeId.eq(id))
                .count(&txn)
                .await?;
            if input > 0 {
                return Err(AppError::Conflict(format!(
                    "the theme has {input} learning questions"
                )));
            }
            (
                format!("theme:{id}"),
                entity::theme::Entity::delete_by_id(id)
                    .exec(&txn)
                    .await?
                    .rows_affected,
            )
        }
    };
    if removed == 0 {
        return Err(AppError::not_found(format!("no {subject}")));
    }
    reindex_all(&txn).await?;
    audit(&txn, actor, "DELETE", subject, serde_json::json!({})).await?;
    txn.commit().await?;
    Ok(())
}
