use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261128_000001_create_programme::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

// MigrationTrait's async_trait signature elides SchemaManager's lifetime; naming it breaks the impl.
#[expect(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("audit_log")
                    .col(pk_auto("id"))
                    .col(integer("actor_account_id"))
                    .col(string_len("action", 64))
                    .col(string("subject"))
                    .col(text("detail"))
                    .col(timestamp_with_time_zone("created_at"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("audit_log", &["created_at"]))
            .await?;
        manager
            .create_index(index("audit_log", &["actor_account_id", "created_at"]))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("audit_log").take())
            .await
    }
}
