use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261128_000001_create_programme::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Account tokens signed out on the pages (`/uitloggen`): a replayed cookie is refused until
/// the token would have expired anyway, after which its row goes. Only a hash of the token.
// MigrationTrait's async_trait signature elides SchemaManager's lifetime; naming it breaks the impl.
#[expect(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("revoked_token")
                    .col(pk_auto("id"))
                    .col(string_len_uniq("token_hash", 64))
                    .col(integer("account_id"))
                    .col(timestamp_with_time_zone("revoked_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("revoked_token", &["expires_at"]))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("revoked_token").take())
            .await
    }
}
