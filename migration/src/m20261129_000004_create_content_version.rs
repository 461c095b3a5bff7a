use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

// MigrationTrait's async_trait signature elides SchemaManager's lifetime; naming it breaks the impl.
#[expect(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// One row counting changes to published content, so every process can tell when the
    /// responses it cached are out of date (the CLI importer and other instances included).
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("content_version")
                    .col(integer("id").primary_key())
                    .col(big_integer("version"))
                    .take(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table("content_version")
                    .columns(["id", "version"])
                    .values_panic([1.into(), 0_i64.into()])
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("content_version").take())
            .await
    }
}
