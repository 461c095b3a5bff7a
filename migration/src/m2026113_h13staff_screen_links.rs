use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261128_000001_create_programme::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Links that open an event's studio screen without an account. Only a hash of the link's
/// random token is stored; a revoked link keeps its row (the audit log refers to it). Its
/// screen follows the live questions as a participant of its own, erased on revoking.
// MigrationTrait's async_trait signature elides SchemaManager's lifetime; naming it breaks the impl.
#[expect(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("screen_link")
                    .col(pk_auto("id"))
                    .col(integer("event_id"))
                    .col(integer_null("theme_id"))
                    .col(string_len("label", 100))
                    .col(string_len_uniq("token_hash", 64))
                    .col(integer("created_by_account_id"))
                    .col(integer_null("participant_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("screen_link", &["event_id", "created_at"]))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("screen_link").take())
            .await
    }
}
