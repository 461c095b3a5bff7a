//! Reads the pages need that the services do not offer yet.
//!
//! Stand-ins until `service::programme` has `session_by_key`/`person_by_key` (issue 11,
//! item 15); then the pages call those and this file goes.

use entity::enums::ModerationStatus;
use entity::{event, moderation_action, person};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::error::AppError;

/// The person with this key.
pub async fn person_by_key(
    db: &impl ConnectionTrait,
    key: &str,
) -> Result<Option<person::Model>, AppError> {
    Ok(person::Entity::find()
        .filter(person::Column::Key.eq(key))
        .one(db)
        .await?)
}

/// The event with this slug; a missing one is `NOT_FOUND`.
pub async fn event(db: &impl ConnectionTrait, slug: &str) -> Result<event::Model, AppError> {
    crate::service::programme::event_by_slug(db, Some(slug))
        .await?
        .ok_or_else(|| AppError::not_found("no such event"))
}

/// The moderator's reason for each of these rejected questions (the note of the latest
/// rejection), for their author.
pub async fn rejection_reasons(
    db: &impl ConnectionTrait,
    question_ids: &[i32],
) -> Result<std::collections::HashMap<i32, String>, AppError> {
    let actions = moderation_action::Entity::find()
        .filter(moderation_action::Column::QuestionId.is_in(question_ids.iter().copied()))
        .filter(moderation_action::Column::ToStatus.eq(ModerationStatus::Rejected))
        .order_by_asc(moderation_action::Column::CreatedAt)
        .order_by_asc(moderation_action::Column::Id)
        .all(db)
        .await?;
    Ok(actions
        .into_iter()
        .filter_map(|a| Some((a.question_id, a.note?)))
        .collect())
}
