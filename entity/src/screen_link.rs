//! A link that opens an event's studio screen without an account (issue 13).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "screen_link")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub event_id: i32,
    /// The theme the screen shows; `None` for every theme of the event.
    pub theme_id: Option<i32>,
    pub label: String,
    /// SHA-256 of the link's token, hex; the token itself is shown once and not kept.
    #[sea_orm(unique)]
    pub token_hash: String,
    pub created_by_account_id: i32,
    /// The participant whose short-lived tokens the screen's WebSocket uses (it reads
    /// what any participant of the event reads); deleted when the link is revoked.
    pub participant_id: Option<i32>,
    pub created_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
