use sea_orm::entity::prelude::*;

use crate::enums::SessionKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "session")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub event_id: i32,
    pub block_id: i32,
    /// Stable key within the event, from the programme file.
    pub key: String,
    /// Order within the block.
    pub position: i32,
    pub kind: SessionKind,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    /// Sessions of one event that share this key are one workshop given more than once.
    pub workshop_key: Option<String>,
    pub feedback_open: bool,
    /// Room or online location, when the programme names one.
    pub room: Option<String>,
    /// Stream or meeting link.
    pub url: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::event::Entity",
        from = "Column::EventId",
        to = "super::event::Column::Id",
        on_delete = "Cascade"
    )]
    Event,
    #[sea_orm(
        belongs_to = "super::programme_block::Entity",
        from = "Column::BlockId",
        to = "super::programme_block::Column::Id",
        on_delete = "Cascade"
    )]
    ProgrammeBlock,
}

impl Related<super::event::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Event.def()
    }
}

impl Related<super::programme_block::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ProgrammeBlock.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
