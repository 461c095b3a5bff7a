use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261128_000001_create_programme::{cascade, index, unique_index};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn set_null(
    table: &'static str,
    column: &'static str,
    parent: &'static str,
) -> ForeignKeyCreateStatement {
    let mut key = cascade(table, column, parent);
    key.on_delete(ForeignKeyAction::SetNull);
    key
}

fn restrict(
    table: &'static str,
    column: &'static str,
    parent: &'static str,
) -> ForeignKeyCreateStatement {
    let mut key = cascade(table, column, parent);
    key.on_delete(ForeignKeyAction::Restrict);
    key
}

// MigrationTrait's async_trait signature elides SchemaManager's lifetime; naming it breaks the impl.
#[expect(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("event")
                    .add_column(string_len_null("access_code", 64))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("app_secret")
                    .col(string_len("name", 64).primary_key())
                    .col(text("value"))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("account")
                    .col(pk_auto("id"))
                    .col(string_len_uniq("email", 254))
                    .col(string("password_hash"))
                    .col(string_len("role", 16))
                    .col(boolean("disabled").default(false))
                    .col(timestamp_with_time_zone("tokens_valid_after"))
                    .col(timestamp_with_time_zone("created_at"))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("moderator_scope")
                    .col(pk_auto("id"))
                    .col(integer("account_id"))
                    .col(integer_null("theme_id"))
                    .col(integer_null("session_id"))
                    .foreign_key(&mut cascade("moderator_scope", "account_id", "account"))
                    .foreign_key(&mut cascade("moderator_scope", "theme_id", "theme"))
                    .foreign_key(&mut cascade("moderator_scope", "session_id", "session"))
                    .take(),
            )
            .await?;
        manager
            .create_index(unique_index(
                "moderator_scope",
                &["account_id", "theme_id", "session_id"],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("participant")
                    .col(pk_auto("id"))
                    .col(integer("event_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut cascade("participant", "event_id", "event"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("participant", &["event_id"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("learning_question")
                    .col(pk_auto("id"))
                    .col(integer("event_id"))
                    .col(integer("theme_id"))
                    .col(integer_null("session_id"))
                    .col(integer("participant_id"))
                    .col(text("text"))
                    .col(text_null("context"))
                    .col(string_len_null("submitter_role", 32))
                    .col(json("preferred_formats"))
                    .col(string_len_null("region", 100))
                    .col(string_len("status", 16))
                    .col(integer_null("duplicate_of_id"))
                    .col(integer("vote_count").default(0))
                    .col(string_len_null("idempotency_key", 100))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut cascade("learning_question", "event_id", "event"))
                    .foreign_key(&mut restrict("learning_question", "theme_id", "theme"))
                    .foreign_key(&mut restrict("learning_question", "session_id", "session"))
                    .foreign_key(&mut cascade(
                        "learning_question",
                        "participant_id",
                        "participant",
                    ))
                    .foreign_key(&mut set_null(
                        "learning_question",
                        "duplicate_of_id",
                        "learning_question",
                    ))
                    .take(),
            )
            .await?;
        for columns in [
            &["event_id", "status", "created_at"][..],
            &["event_id", "vote_count"],
            &["theme_id", "status", "created_at"],
            &["session_id", "status"],
            &["participant_id", "created_at"],
            &["duplicate_of_id"],
        ] {
            manager
                .create_index(index("learning_question", columns))
                .await?;
        }
        manager
            .create_index(unique_index(
                "learning_question",
                &["participant_id", "idempotency_key"],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("vote")
                    .col(integer("question_id"))
                    .col(integer("participant_id"))
                    .col(integer_null("carried_from_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .primary_key(Index::create().col("question_id").col("participant_id"))
                    .foreign_key(&mut cascade("vote", "question_id", "learning_question"))
                    .foreign_key(&mut cascade("vote", "participant_id", "participant"))
                    .foreign_key(&mut cascade("vote", "carried_from_id", "learning_question"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("vote", &["participant_id"]))
            .await?;
        manager
            .create_index(index("vote", &["carried_from_id"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("moderation_action")
                    .col(pk_auto("id"))
                    .col(integer("question_id"))
                    .col(integer("actor_account_id"))
                    .col(string_len("action", 16))
                    .col(string_len("from_status", 16))
                    .col(string_len("to_status", 16))
                    .col(integer("from_theme_id"))
                    .col(integer("to_theme_id"))
                    .col(integer_null("duplicate_of_id"))
                    .col(text_null("note"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut cascade(
                        "moderation_action",
                        "question_id",
                        "learning_question",
                    ))
                    .foreign_key(&mut restrict(
                        "moderation_action",
                        "actor_account_id",
                        "account",
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("moderation_action", &["question_id", "created_at"]))
            .await?;
        manager
            .create_index(index(
                "moderation_action",
                &["actor_account_id", "created_at"],
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "moderation_action",
            "vote",
            "learning_question",
            "participant",
            "moderator_scope",
            "account",
            "app_secret",
        ] {
            manager
                .drop_table(Table::drop().table(table).take())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("event")
                    .drop_column("access_code")
                    .take(),
            )
            .await
    }
}
