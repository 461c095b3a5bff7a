use sea_orm::entity::prelude::*;

/// Whether an event, or one theme of it, is post-moderated: questions appear at once and
/// moderators hide what does not belong. A theme's row wins over its event's; no row is
/// the approval queue (pre-moderation).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "moderation_mode")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub event_id: i32,
    /// `None`: the event's default.
    pub theme_id: Option<i32>,
    pub post_moderation: bool,
    pub updated_by: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
