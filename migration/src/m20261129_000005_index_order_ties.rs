use sea_orm_migration::prelude::*;

use crate::m20261128_000001_create_programme::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The question lists order by (created_at, id) and (vote_count, id); with `id` in the
/// index, PostgreSQL reads a page straight off the index instead of sorting the whole event.
const REPLACED: [(&[&str], &[&str]); 3] = [
    (
        &["event_id", "status", "created_at"],
        &["event_id", "status", "created_at", "id"],
    ),
    (
        &["event_id", "vote_count"],
        &["event_id", "vote_count", "id"],
    ),
    (
        &["theme_id", "status", "created_at"],
        &["theme_id", "status", "created_at", "id"],
    ),
];

fn name(columns: &[&str]) -> String {
    format!("ix_learning_question_{}", columns.join("_"))
}

// MigrationTrait's async_trait signature elides SchemaManager's lifetime; naming it breaks the impl.
#[expect(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (old, new) in REPLACED {
            manager
                .create_index(index("learning_question", new))
                .await?;
            manager
                .drop_index(
                    Index::drop()
                        .name(name(old))
                        .table("learning_question")
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (old, new) in REPLACED {
            manager
                .create_index(index("learning_question", old))
                .await?;
            manager
                .drop_index(
                    Index::drop()
                        .name(name(new))
                        .table("learning_question")
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
