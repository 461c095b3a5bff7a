//! Issue 13, moderation during the session: a question can be starred (queued for the
//! table), highlighted (being discussed now; one per event and theme) and marked discussed;
//! and an event, or one theme of it, can be post-moderated (questions appear at once).

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261128_000001_create_programme::{index, unique_index};

#[derive(DeriveMigrationName)]
pub struct Migration;

// MigrationTrait's async_trait signature elides SchemaManager's lifetime; naming it breaks the impl.
#[expect(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one at a time.
        for column in [
            boolean("starred").default(false).take(),
            timestamp_with_time_zone_null("highlighted_at"),
            timestamp_with_time_zone_null("discussed_at"),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table("learning_question")
                        .add_column(column)
                        .take(),
                )
                .await?;
        }
        manager
            .create_index(index("learning_question", &["event_id", "highlighted_at"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("moderation_mode")
                    .col(pk_auto("id"))
                    .col(integer("event_id"))
                    // No theme: the event's default for its themes.
                    .col(integer_null("theme_id"))
                    .col(boolean("post_moderation"))
                    .col(integer("updated_by"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .take(),
            )
            .await?;
        manager
            .create_index(unique_index("moderation_mode", &["event_id", "theme_id"]))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("moderation_mode").take())
            .await?;
        for column in ["starred", "highlighted_at", "discussed_at"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("learning_question")
                        .drop_column(column)
                        .take(),
                )
                .await?;
        }
        Ok(())
    }
}
