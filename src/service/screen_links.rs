//! Screen links: staff open the studio screen on a machine in the room without signing in
//! there. A link carries a random token; only its SHA-256 is stored, and a revoked link
//! opens nothing. Creating and revoking are audited (`audit_log`).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use entity::{account, participant, screen_link};
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};
use sha2::{Digest, Sha256};

use crate::auth::{Role, Viewer};
use crate::error::{AppError, AppResult};
use crate::service::admin::audit;

/// A link as staff see it in the list.
#[derive(Debug, Clone)]
pub struct LinkRow {
    pub id: i32,
    pub label: String,
    pub theme_id: Option<i32>,
    /// The e-mail of who made it.
    pub created_by: String,
    pub created_at: chrono::DateTime<Utc>,
    pub revoked_at: Option<chrono::DateTime<Utc>>,
}

fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn staff_id(viewer: &Viewer) -> AppResult<i32> {
    match viewer {
        Viewer::Account { account_id, .. } if viewer.role() >= Role::Staff => Ok(*account_id),
        Viewer::Anonymous => Err(AppError::Unauthenticated),
        _ => Err(AppError::forbidden("staff and admins manage screen links")),
    }
}

/// The event's links, newest first.
pub async fn list(db: &impl ConnectionTrait, event_id: i32) -> AppResult<Vec<LinkRow>> {
    let links = screen_link::Entity::find()
        .filter(screen_link::Column::EventId.eq(event_id))
        .order_by_desc(screen_link::Column::CreatedAt)
        .order_by_desc(screen_link::Column::Id)
        .all(db)
        .await?;
    let emails: std::collections::HashMap<i32, String> = account::Entity::find()
        .filter(account::Column::Id.is_in(links.iter().map(|l| l.created_by_account_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a.email))
        .collect();
    Ok(links
        .into_iter()
        .map(|l| LinkRow {
            id: l.id,
            created_by: emails
                .get(&l.created_by_account_id)
                .cloned()
                .unwrap_or_default(),
            label: l.label,
            theme_id: l.theme_id,
            created_at: l.created_at,
            revoked_at: l.revoked_at,
        })
        .collect())
}

/// Makes a link for the event's screen (optionally one theme) and returns its token, which
/// is shown once. `label` says where it is used ("Zaal 2", "Studio").
pub async fn create(
    db: &DatabaseConnection,
    viewer: &Viewer,
    event_id: i32,
    theme_id: Option<i32>,
    label: &str,
) -> AppResult<String> {
    let actor = staff_id(viewer)?;
    let label = label.trim();
    if label.is_empty() || label.chars().count() > 100 || label.chars().any(char::is_control) {
        return Err(AppError::bad_input("label", "1 to 100 characters"));
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let now = Utc::now();
    let txn = db.begin().await?;
    let screen_participant = participant::ActiveModel {
        event_id: Set(event_id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let link = screen_link::ActiveModel {
        event_id: Set(event_id),
        theme_id: Set(theme_id),
        label: Set(label.to_owned()),
        token_hash: Set(hash(&token)),
        created_by_account_id: Set(actor),
        participant_id: Set(Some(screen_participant.id)),
        created_at: Set(now),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit(
        &txn,
        actor,
        "screen_link.create",
        format!("screen_link:{}", link.id),
        serde_json::json!({ "event_id": event_id, "theme_id": theme_id, "label": label }),
    )
    .await?;
    txn.commit().await?;
    Ok(token)
}

/// Revokes a link of the event: it opens nothing from now on, and its screen's live
/// participant is erased so an open socket cannot reconnect.
pub async fn revoke(
    db: &DatabaseConnection,
    viewer: &Viewer,
    event_id: i32,
    link_id: i32,
) -> AppResult<()> {
    let actor = staff_id(viewer)?;
    let txn = db.begin().await?;
    let link = screen_link::Entity::find_by_id(link_id)
        .filter(screen_link::Column::EventId.eq(event_id))
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("no such screen link"))?;
    if link.revoked_at.is_some() {
        return Ok(());
    }
    if let Some(participant_id) = link.participant_id {
        participant::Entity::delete_by_id(participant_id)
            .exec(&txn)
            .await?;
    }
    let mut row: screen_link::ActiveModel = link.into();
    row.revoked_at = Set(Some(Utc::now()));
    row.participant_id = Set(None);
    row.update(&txn).await?;
    audit(
        &txn,
        actor,
        "screen_link.revoke",
        format!("screen_link:{link_id}"),
        serde_json::json!({ "event_id": event_id }),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The link behind `token`, in any event, if it exists and is not revoked.
pub async fn find_by_token(
    db: &impl ConnectionTrait,
    token: &str,
) -> AppResult<Option<screen_link::Model>> {
    if token.len() < 32 || token.len() > 64 {
        return Ok(None);
    }
    Ok(screen_link::Entity::find()
        .filter(screen_link::Column::TokenHash.eq(hash(token)))
        .filter(screen_link::Column::RevokedAt.is_null())
        .one(db)
        .await?)
}

/// The link behind `token` for this event, if it exists and is not revoked.
pub async fn find_valid(
    db: &impl ConnectionTrait,
    event_id: i32,
    token: &str,
) -> AppResult<Option<screen_link::Model>> {
    if token.len() < 32 || token.len() > 64 {
        return Ok(None);
    }
    Ok(screen_link::Entity::find()
        .filter(screen_link::Column::TokenHash.eq(hash(token)))
        .filter(screen_link::Column::EventId.eq(event_id))
        .filter(screen_link::Column::RevokedAt.is_null())
        .one(db)
        .await?)
}
