use sea_orm::entity::prelude::*;

use crate::enums::{ModerationActionKind, ModerationStatus};

/// The audit log of moderation: who did what to which question, when.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "moderation_action")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub question_id: i32,
    pub actor_account_id: i32,
    pub action: ModerationActionKind,
    pub from_status: ModerationStatus,
    pub to_status: ModerationStatus,
    pub from_theme_id: i32,
    pub to_theme_id: i32,
    pub duplicate_of_id: Option<i32>,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
