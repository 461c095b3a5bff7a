use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Room (or online location) and a link (stream or meeting) per session, both optional.
const COLUMNS: [(&str, u32); 2] = [("room", 200), ("url", 2000)];

// MigrationTrait's async_trait signature elides SchemaManager's lifetime; naming it breaks the impl.
#[expect(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds only one per ALTER TABLE.
        for (column, length) in COLUMNS {
            manager
                .alter_table(
                    Table::alter()
                        .table("session")
                        .add_column(string_len_null(column, length))
                        .take(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (column, _) in COLUMNS {
            manager
                .alter_table(Table::alter().table("session").drop_column(column).take())
                .await?;
        }
        Ok(())
    }
}
