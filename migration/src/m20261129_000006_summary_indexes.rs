use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::m20261128_000001_create_programme::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The feedback summary groups an event's questions by theme and one more column. An index
/// per grouping holds every column its query reads, so the database counts from the index
/// alone, in order, instead of fetching each question row.
const GROUPINGS: [&[&str]; 5] = [
    &["event_id", "theme_id", "status", "vote_count"],
    &["event_id", "theme_id", "session_id"],
    &["event_id", "theme_id", "region"],
    &["event_id", "theme_id", "submitter_role"],
    &["event_id", "created_at"],
];

/// The formats are JSON, which PostgreSQL cannot put in a B-tree; SQLite can.
const FORMATS: &[&str] = &["event_id", "theme_id", "preferred_formats"];

const TOP_QUESTIONS: &str = "ix_learning_question_theme_id_status_vote_count_desc_id";

fn name(columns: &[&str]) -> String {
    format!("ix_learning_question_{}", columns.join("_"))
}

// MigrationTrait's async_trait signature elides SchemaManager's lifetime; naming it breaks the impl.
#[expect(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for columns in GROUPINGS {
            manager
                .create_index(index("learning_question", columns))
                .await?;
        }
        if manager.get_database_backend() == DbBackend::Sqlite {
            manager
                .create_index(index("learning_question", FORMATS))
                .await?;
        }
        // The most recognised approved questions of a theme: read in order, first ten only.
        manager
            .create_index(
                Index::create()
                    .name(TOP_QUESTIONS)
                    .table("learning_question")
                    .col("theme_id")
                    .col("status")
                    .col(("vote_count", IndexOrder::Desc))
                    .col("id")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut names: Vec<String> = GROUPINGS.iter().map(|columns| name(columns)).collect();
        if manager.get_database_backend() == DbBackend::Sqlite {
            names.push(name(FORMATS));
        }
        names.push(TOP_QUESTIONS.to_owned());
        for name in names {
            manager
                .drop_index(
                    Index::drop()
                        .name(name)
                        .table("learning_question")
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
