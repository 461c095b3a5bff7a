use sea_orm::entity::prelude::*;

/// What an admin changed: programme content, accounts, scopes, feedback windows.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub actor_account_id: i32,
    pub action: String,
    /// What was changed, e.g. `session:12` or `event:dag-van-de-buurt-2021`.
    pub subject: String,
    /// JSON with the details of the change.
    #[sea_orm(column_type = "Text")]
    pub detail: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
