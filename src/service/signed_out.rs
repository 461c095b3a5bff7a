//! Account tokens signed out on the pages (`/uitloggen`). The cookie holds the token `login`
//! returns; removing the cookie on one browser is not enough (a copy of it would still open
//! the pages), so the token is refused from then on until it would have expired anyway. Only
//! a SHA-256 of the token is kept; expired rows go whenever someone signs out. Other tokens of
//! the account (another browser, a script's) stay valid: "sign out everywhere" is disabling
//! the account.

use chrono::{DateTime, Utc};
use entity::revoked_token;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};

use crate::auth::jwt::{Claims, Subject};
use crate::error::{AppError, AppResult};

fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Refuses `token` (an account's, with its verified `claims`) from now on.
pub async fn revoke(db: &impl ConnectionTrait, token: &str, claims: &Claims) -> AppResult<()> {
    let Some(Subject::Account(account_id)) = claims.subject() else {
        return Ok(());
    };
    let now = Utc::now();
    let expires_at = DateTime::from_timestamp(claims.exp, 0).unwrap_or(now);
    revoked_token::Entity::delete_many()
        .filter(revoked_token::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?;
    revoked_token::Entity::insert(revoked_token::ActiveModel {
        token_hash: Set(hash(token)),
        account_id: Set(account_id),
        revoked_at: Set(now),
        expires_at: Set(expires_at),
        ..Default::default()
    })
    .on_conflict_do_nothing_on([revoked_token::Column::TokenHash])
    .exec(db)
    .await?;
    Ok(())
}

/// `Unauthenticated` if `token` is an account's token that was signed out; participants'
/// tokens are never signed out here, so they cost no query.
pub async fn check(db: &impl ConnectionTrait, token: &str, claims: &Claims) -> AppResult<()> {
    if !matches!(claims.subject(), Some(Subject::Account(_))) {
        return Ok(());
    }
    let revoked = revoked_token::Entity::find()
        .filter(revoked_token::Column::TokenHash.eq(hash(token)))
        .one(db)
        .await?;
    match revoked {
        Some(_) => Err(AppError::Unauthenticated),
        None => Ok(()),
    }
}
