//! Accounts, participants, sign-in and the viewer behind a token.

use chrono::{DateTime, Utc};
use entity::enums::AccountRole;
use entity::{account, app_secret, event, moderator_scope, participant};
use rand::Rng;
use rand::distr::Alphanumeric;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};

use super::scopes;
pub use super::scopes::{ScopeSpec, SessionRef};
use crate::auth::jwt::{Claims, Subject};
use crate::auth::{Scopes, Viewer, password};
use crate::domain::access_code::AccessCode;
use crate::error::{AppError, AppResult};

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

/// An account with its scopes shown as `theme:SLUG` / `session:KEY`.
#[derive(Debug, Clone)]
pub struct AccountWithScopes {
    pub account: account::Model,
    pub scopes: Vec<String>,
}

/// Creates an account; refuses weak passwords, duplicate e-mail addresses, unknown scopes
/// and scopes that do not fit the role. Not audited: for the command line.
pub async fn create_account(
    db: &DatabaseConnection,
    email: &str,
    role: AccountRole,
    password_text: &str,
    scopes: &[ScopeSpec],
) -> AppResult<account::Model> {
    let new = NewAccount::check(email, role, password_text, scopes)?;
    let txn = db.begin().await?;
    let account = new.insert(&txn, scopes).await?;
    txn.commit().await?;
    Ok(account)
}

/// An account that passed the checks that need no database, with its password hashed
/// (slow on purpose, so done before the transaction).
pub(crate) struct NewAccount {
    email: String,
    role: AccountRole,
    hash: String,
}

impl NewAccount {
    pub(crate) fn check(
        email: &str,
        role: AccountRole,
        password_text: &str,
        scopes: &[ScopeSpec],
    ) -> AppResult<Self> {
        let email = email.trim().to_lowercase();
        if !email.contains('@') || email.len() > 254 {
            return Err(AppError::bad_input("email", "not an e-mail address"));
        }
        if let Some(why) = password::weakness(password_text) {
            return Err(AppError::bad_input("password", why));
        }
        scopes::check_fits_role(role, scopes.len())?;
        let hash = password::hash(password_text).map_err(AppError::internal)?;
        Ok(Self { email, role, hash })
    }

    /// Inserts the account and its scopes; run it inside the change's transaction.
    pub(crate) async fn insert(
        self,
        db: &impl ConnectionTrait,
        scopes: &[ScopeSpec],
    ) -> AppResult<account::Model> {
        let now = Utc::now();
        let account = account::ActiveModel {
            email: Set(self.email),
            password_hash: Set(self.hash),
            role: Set(self.role),
            disabled: Set(false),
            tokens_valid_after: Set(now - chrono::Duration::seconds(1)),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await
        .map_err(|err| {
            AppError::from_db_unique(err, "an account with this e-mail address exists")
        })?;
        scopes::replace(db, account.id, scopes).await?;
        Ok(account)
    }
}

/// Every account with its scopes, by e-mail address.
pub async fn list_accounts(db: &impl ConnectionTrait) -> AppResult<Vec<AccountWithScopes>> {
    let accounts = account::Entity::find()
        .order_by_asc(account::Column::Email)
        .all(db)
        .await?;
    with_scopes(db, accounts).await
}

/// The accounts with their scopes (one query for all).
async fn with_scopes(
    db: &impl ConnectionTrait,
    accounts: Vec<account::Model>,
) -> AppResult<Vec<AccountWithScopes>> {
    let ids: Vec<i32> = accounts.iter().map(|a| a.id).collect();
    let mut labels = scopes::labels(db, &ids).await?;
    Ok(accounts
        .into_iter()
        .map(|account| AccountWithScopes {
            scopes: labels.remove(&account.id).unwrap_or_default(),
            account,
        })
        .collect())
}

/// One account's scopes as labels (empty for staff and admins).
pub async fn scope_labels(db: &impl ConnectionTrait, account_id: i32) -> AppResult<Vec<String>> {
    Ok(scopes::labels(db, &[account_id])
        .await?
        .remove(&account_id)
        .unwrap_or_default())
}

/// Replaces a moderator's scopes; refuses other roles and an empty list. Run it inside
/// the change's transaction.
pub(crate) async fn replace_scopes(
    db: &impl ConnectionTrait,
    email: &str,
    scopes: &[ScopeSpec],
) -> AppResult<account::Model> {
    let account = account_by_email(db, email).await?;
    if account.role != AccountRole::Moderator {
        return Err(AppError::bad_input(
            "scopes",
            format!(
                "{} is {}; only moderators have scopes",
                account.email,
                role_name(account.role)
            ),
        ));
    }
    scopes::check_fits_role(account.role, scopes.len())?;
    scopes::replace(db, account.id, scopes).await?;
    Ok(account)
}

fn role_name(role: AccountRole) -> &'static str {
    match role {
        AccountRole::Moderator => "a moderator",
        AccountRole::Staff => "staff",
        AccountRole::Admin => "an admin",
    }
}

/// Disables an account and revokes every token it holds.
pub async fn disable_account(db: &impl ConnectionTrait, email: &str) -> AppResult<account::Model> {
    let account = account_by_email(db, email).await?;
    let mut row: account::ActiveModel = account.into();
    row.disabled = Set(true);
    row.tokens_valid_after = Set(Utc::now());
    Ok(row.update(db).await?)
}

/// Checks e-mail and password; an unknown account and a wrong password look the same.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    email: &str,
    password_text: &str,
) -> AppResult<account::Model> {
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

/// Shows or sets an event's access code, in groups (`K7QD-M4XP`); generates one when
/// none is set. Codes are stored normalised (see [`AccessCode`]).
pub async fn access_code(
    db: &impl ConnectionTrait,
    slug: &str,
    set: Option<&str>,
) -> AppResult<String> {
    let event = event_by_slug(db, slug).await?;
    let code = match (set, &event.access_code) {
        (Some(text), _) => AccessCode::parse(text)?,
        (None, Some(stored)) => return Ok(AccessCode::from_stored(stored).to_string()),
        (None, None) => AccessCode::generate(),
    };
    let mut update = event::Entity::update_many()
        .col_expr(event::Column::AccessCode, Expr::value(code.as_str()))
        .filter(event::Column::Id.eq(event.id));
    if set.is_none() {
        // Two first calls at once: the first code generated stays, and both show it.
        update = update.filter(event::Column::AccessCode.is_null());
    }
    if update.exec(db).await?.rows_affected == 0 {
        // Another process stored a code first (or the event is gone: NOT_FOUND).
        if let Some(stored) = event_by_slug(db, slug).await?.access_code {
            return Ok(AccessCode::from_stored(&stored).to_string());
        }
    }
    Ok(code.to_string())
}

async fn event_by_slug(db: &impl ConnectionTrait, slug: &str) -> AppResult<event::Model> {
    event::Entity::find()
        .filter(event::Column::Slug.eq(slug))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no event with slug {slug:?}")))
}

/// Joins an event with its access code (in any case, with or without spaces and dashes):
/// a new pseudonymous participant.
pub async fn join_event(
    db: &impl ConnectionTrait,
    slug: &str,
    code: &str,
) -> AppResult<participant::Model> {
    let event = event_by_slug(db, slug).await?;
    let opens = event
        .access_code
        .as_deref()
        .is_some_and(|stored| AccessCode::from_stored(stored).accepts(code));
    if !opens {
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

/// The viewer behind verified claims; a disabled account, a revoked token or a removed
/// participant is `UNAUTHENTICATED`.
pub async fn viewer_for(db: &impl ConnectionTrait, claims: &Claims) -> AppResult<Viewer> {
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

async fn account_by_email(db: &impl ConnectionTrait, email: &str) -> AppResult<account::Model> {
    account::Entity::find()
        .filter(account::Column::Email.eq(email.trim().to_lowercase()))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no account {email:?}")))
}
