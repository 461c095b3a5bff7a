//! Accounts, participants, sign-in and the viewer behind a token.

use chrono::{DateTime, Utc};
use entity::enums::AccountRole;
use entity::{account, app_secret, event, moderator_scope, participant, session, theme};
use rand::Rng;
use rand::distr::Alphanumeric;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder,
};

use crate::auth::jwt::{Claims, Subject};
use crate::auth::{Scopes, Viewer, password};
use crate::error::AppError;

const JWT_SECRET_NAME: &str = "jwt_secret";

/// The JWT secret kept in the database, generated on first use (for the embedded setup
/// without `JWT_SECRET`).
pub async fn stored_jwt_secret(db: &DatabaseConnection) -> anyhow::Result<String> {
    if let Some(row) = app_secret::Entity::find_by_id(JWT_SECRET_NAME.to_owned())
        .one(db)
        .await?
    {
        return Ok(row.value);
    }
    let secret = random_string(64);
    let row = app_secret::ActiveModel {
        name: Set(JWT_SECRET_NAME.to_owned()),
        value: Set(secret),
    };
    // Two instances starting at once: the second insert fails and both read the first.
    let _ = app_secret::Entity::insert(row).exec(db).await;
    let row = app_secret::Entity::find_by_id(JWT_SECRET_NAME.to_owned())
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the JWT secret could not be stored"))?;
    Ok(row.value)
}

pub fn random_string(length: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(length)
        .map(char::from)
        .collect()
}

/// A scope as given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeSpec {
    Theme(String),
    Session(i32),
}

impl std::str::FromStr for ScopeSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once(':') {
            Some(("theme", slug)) if !slug.is_empty() => Ok(Self::Theme(slug.to_owned())),
            Some(("session", id)) => id
                .parse()
                .map(Self::Session)
                .map_err(|_| format!("{s:?}: a session scope is session:<number>")),
            _ => Err(format!("{s:?}: use theme:SLUG or session:ID")),
        }
    }
}

/// Creates an account; refuses weak passwords, duplicate e-mail addresses and unknown scopes.
pub async fn create_account(
    db: &DatabaseConnection,
    email: &str,
    role: AccountRole,
    password_text: &str,
    scopes: &[ScopeSpec],
) -> Result<account::Model, AppError> {
    let email = email.trim().to_lowercase();
    if !email.contains('@') || email.len() > 254 {
        return Err(AppError::bad_input("email", "not an e-mail address"));
    }
    if let Some(why) = password::weakness(password_text) {
        return Err(AppError::bad_input("password", why));
    }
    let scope_rows = resolve_scopes(db, scopes).await?;
    let hash = password::hash(password_text).map_err(AppError::internal)?;
    let now = Utc::now();
    let txn = sea_orm::TransactionTrait::begin(db).await?;
    let account = account::ActiveModel {
        email: Set(email),
        password_hash: Set(hash),
        role: Set(role),
        disabled: Set(false),
        tokens_valid_after: Set(now - chrono::Duration::seconds(1)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|err| AppError::from_db_unique(err, "an account with this e-mail address exists"))?;
    insert_scopes(&txn, account.id, scope_rows).await?;
    txn.commit().await?;
    Ok(account)
}

pub async fn list_accounts(db: &impl ConnectionTrait) -> Result<Vec<account::Model>, AppError> {
    Ok(account::Entity::find()
        .order_by_asc(account::Column::Email)
        .all(db)
        .await?)
}

/// Disables an account and revokes every token it holds.
pub async fn disable_account(db: &impl ConnectionTrait, email: &str) -> Result<(), AppError> {
    let account = account_by_email(db, email).await?;
    let mut row: account::ActiveModel = account.into();
    row.disabled = Set(true);
    row.tokens_valid_after = Set(Utc::now());
    row.update(db).await?;
    Ok(())
}

/// Checks e-mail and password; an unknown account and a wrong password look the same.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    email: &str,
    password_text: &str,
) -> Result<account::Model, AppError> {
    let account = account::Entity::find()
        .filter(account::Column::Email.eq(email.trim().to_lowercase()))
        .one(db)
        .await?;
    match account {
        Some(account)
            if !account.disabled && password::verify(password_text, &account.password_hash) =>
        {
            Ok(account)
        }
        Some(_) => Err(AppError::Unauthenticated),
        None => {
            // Spend the same time as a real check, so timing does not reveal which accounts exist.
            password::verify(password_text, DUMMY_HASH);
            Err(AppError::Unauthenticated)
        }
    }
}

const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Jm0R5wH5mZ8fE3j0lW7ZqDq2yY1a8G5k2L9gP3cT4xA";

/// Shows or sets an event's access code; generates a strong one when none is set.
pub async fn access_code(
    db: &impl ConnectionTrait,
    slug: &str,
    set: Option<&str>,
) -> Result<String, AppError> {
    let event = event::Entity::find()
        .filter(event::Column::Slug.eq(slug))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no event with slug {slug:?}")))?;
    let code = match (set, &event.access_code) {
        (Some(code), _) => {
            let code = code.trim();
            if code.chars().count() < 6 || code.len() > 64 {
                return Err(AppError::bad_input("code", "use 6 to 64 characters"));
            }
            code.to_owned()
        }
        (None, Some(existing)) => return Ok(existing.clone()),
        (None, None) => random_string(10),
    };
    let mut row: event::ActiveModel = event.into();
    row.access_code = Set(Some(code.clone()));
    row.update(db).await?;
    Ok(code)
}

/// Joins an event with its access code: a new pseudonymous participant.
pub async fn join_event(
    db: &impl ConnectionTrait,
    slug: &str,
    code: &str,
) -> Result<participant::Model, AppError> {
    let event = event::Entity::find()
        .filter(event::Column::Slug.eq(slug))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no event with slug {slug:?}")))?;
    let matches = event
        .access_code
        .as_deref()
        .is_some_and(|expected| constant_time_eq(expected.as_bytes(), code.trim().as_bytes()));
    if !matches {
        return Err(AppError::bad_input(
            "accessCode",
            "this access code does not open this event",
        ));
    }
    Ok(participant::ActiveModel {
        event_id: Set(event.id),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The viewer behind verified claims; a disabled account, a revoked token or a removed
/// participant is `UNAUTHENTICATED`.
pub async fn viewer_for(db: &impl ConnectionTrait, claims: &Claims) -> Result<Viewer, AppError> {
    match claims.subject().ok_or(AppError::Unauthenticated)? {
        Subject::Account(id) => {
            let account = account::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or(AppError::Unauthenticated)?;
            if account.disabled || issued_before(claims.issued_at(), account.tokens_valid_after) {
                return Err(AppError::Unauthenticated);
            }
            let scopes = if account.role == AccountRole::Moderator {
                let rows = moderator_scope::Entity::find()
                    .filter(moderator_scope::Column::AccountId.eq(id))
                    .all(db)
                    .await?;
                let session_ids: Vec<i32> = rows.iter().filter_map(|r| r.session_id).collect();
                Scopes {
                    theme_ids: rows.iter().filter_map(|r| r.theme_id).collect(),
                    served_themes: super::moderation::served_themes(db, &session_ids).await?,
                    session_ids,
                }
            } else {
                Scopes::default()
            };
            Ok(Viewer::Account {
                account_id: id,
                role: account.role,
                scopes,
            })
        }
        Subject::Participant {
            participant_id,
            event_id,
        } => {
            let participant = participant::Entity::find_by_id(participant_id)
                .one(db)
                .await?
                .ok_or(AppError::Unauthenticated)?;
            if participant.event_id != event_id {
                return Err(AppError::Unauthenticated);
            }
            Ok(Viewer::Participant {
                participant_id,
                event_id,
            })
        }
    }
}

fn issued_before(issued_at: DateTime<Utc>, valid_after: DateTime<Utc>) -> bool {
    issued_at.timestamp() < valid_after.timestamp()
}

/// Replaces a moderator's scopes.
pub async fn set_scopes(
    db: &DatabaseConnection,
    email: &str,
    scopes: &[ScopeSpec],
) -> Result<account::Model, AppError> {
    let account = account_by_email(db, email).await?;
    let rows = resolve_scopes(db, scopes).await?;
    let txn = sea_orm::TransactionTrait::begin(db).await?;
    moderator_scope::Entity::delete_many()
        .filter(moderator_scope::Column::AccountId.eq(account.id))
        .exec(&txn)
        .await?;
    insert_scopes(&txn, account.id, rows).await?;
    txn.commit().await?;
    Ok(account)
}

async fn insert_scopes(
    db: &impl ConnectionTrait,
    account_id: i32,
    rows: Vec<(Option<i32>, Option<i32>)>,
) -> Result<(), AppError> {
    if rows.is_empty() {
        return Ok(());
    }
    moderator_scope::Entity::insert_many(rows.into_iter().map(|(theme_id, session_id)| {
        moderator_scope::ActiveModel {
            account_id: Set(account_id),
            theme_id: Set(theme_id),
            session_id: Set(session_id),
            ..Default::default()
        }
    }))
    .exec(db)
    .await?;
    Ok(())
}

/// Scope specifications as (theme id, session id) rows; unknown themes or sessions are `BAD_USER_INPUT`.
async fn resolve_scopes(
    db: &impl ConnectionTrait,
    scopes: &[ScopeSpec],
) -> Result<Vec<(Option<i32>, Option<i32>)>, AppError> {
    let mut rows = Vec::new();
    for scope in scopes {
        let row = match scope {
            ScopeSpec::Theme(slug) => {
                let theme = theme::Entity::find()
                    .filter(theme::Column::Slug.eq(slug.as_str()))
                    .one(db)
                    .await?
                    .ok_or_else(|| AppError::bad_input("scope", format!("no theme {slug:?}")))?;
                (Some(theme.id), None)
            }
            ScopeSpec::Session(id) => {
                session::Entity::find_by_id(*id)
                    .one(db)
                    .await?
                    .ok_or_else(|| AppError::bad_input("scope", format!("no session {id}")))?;
                (None, Some(*id))
            }
        };
        if !rows.contains(&row) {
            rows.push(row);
        }
    }
    Ok(rows)
}

async fn account_by_email(
    db: &impl ConnectionTrait,
    email: &str,
) -> Result<account::Model, AppError> {
    account::Entity::find()
        .filter(account::Column::Email.eq(email.trim().to_lowercase()))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no account {email:?}")))
}
