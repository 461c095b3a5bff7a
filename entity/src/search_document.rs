use sea_orm::entity::prelude::*;

use crate::enums::SearchKind;

/// One searchable item of an event, with its text folded (lowercase, no accents) so that
/// a plain `LIKE` matches the same way on SQLite and PostgreSQL.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "search_document")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub event_id: i32,
    pub kind: SearchKind,
    pub entity_id: i32,
    /// Folded title or name: a hit here ranks first.
    #[sea_orm(column_type = "Text")]
    pub title_folded: String,
    /// Folded description, bio, affiliations.
    #[sea_orm(column_type = "Text")]
    pub body_folded: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
