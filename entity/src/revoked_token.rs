//! An account token signed out on the pages (issue 13): refused until it would have expired.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "revoked_token")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// SHA-256 of the token, hex; the token itself is not kept.
    #[sea_orm(unique)]
    pub token_hash: String,
    pub account_id: i32,
    pub revoked_at: DateTimeUtc,
    /// When the token expires anyway; the row may go after that.
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
