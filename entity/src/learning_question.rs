use sea_orm::entity::prelude::*;

use crate::enums::{ModerationStatus, SubmitterRole};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "learning_question")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub event_id: i32,
    pub theme_id: i32,
    pub session_id: Option<i32>,
    pub participant_id: i32,
    #[sea_orm(column_type = "Text")]
    pub text: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub context: Option<String>,
    pub submitter_role: Option<SubmitterRole>,
    /// JSON array of learning-format names.
    pub preferred_formats: Json,
    pub region: Option<String>,
    pub status: ModerationStatus,
    pub duplicate_of_id: Option<i32>,
    /// Kept equal to the number of vote rows, in the same transaction as every vote change.
    pub vote_count: i32,
    pub idempotency_key: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Queued by a moderator for the table (issue 13).
    pub starred: bool,
    /// Being discussed now, since then: at most one per event and theme.
    pub highlighted_at: Option<DateTimeUtc>,
    /// Taken up in the session, then.
    pub discussed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
