use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A foreign key that removes the row with its parent.
pub(crate) fn cascade(
    table: &'static str,
    column: &'static str,
    parent: &'static str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(table, column)
        .to(parent, "id")
        .on_delete(ForeignKeyAction::Cascade)
        .take()
}

pub(crate) fn index(table: &'static str, columns: &[&'static str]) -> IndexCreateStatement {
    let mut statement = Index::create();
    statement
        .name(format!("ix_{table}_{}", columns.join("_")))
        .table(table);
    for column in columns {
        statement.col(*column);
    }
    statement.take()
}

pub(crate) fn unique_index(table: &'static str, columns: &[&'static str]) -> IndexCreateStatement {
    let mut statement = index(table, columns);
    statement
        .name(format!("ux_{table}_{}", columns.join("_")))
        .unique();
    statement
}

/// A link table whose primary key is the pair it links.
fn link_table(
    table: &'static str,
    (left, left_parent): (&'static str, &'static str),
    (right, right_parent): (&'static str, &'static str),
    with_position: bool,
) -> TableCreateStatement {
    let mut statement = Table::create();
    statement
        .table(table)
        .col(integer(left))
        .col(integer(right))
        .primary_key(Index::create().col(left).col(right))
        .foreign_key(&mut cascade(table, left, left_parent))
        .foreign_key(&mut cascade(table, right, right_parent));
    if with_position {
        statement.col(integer("position").default(0));
    }
    statement.take()
}

// MigrationTrait's async_trait signature elides SchemaManager's lifetime; naming it breaks the impl.
#[expect(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("event")
                    .col(pk_auto("id"))
                    .col(string_len_uniq("slug", 100))
                    .col(string("title"))
                    .col(text("description"))
                    .col(timestamp_with_time_zone("starts_at"))
                    .col(timestamp_with_time_zone("ends_at"))
                    .col(string_len("timezone", 64))
                    .col(string_null("location"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("programme_block")
                    .col(pk_auto("id"))
                    .col(integer("event_id"))
                    .col(string_len("key", 100))
                    .col(integer("position"))
                    .col(string_len("kind", 32))
                    .col(string("title"))
                    .col(text_null("description"))
                    .col(timestamp_with_time_zone("starts_at"))
                    .col(timestamp_with_time_zone("ends_at"))
                    .foreign_key(&mut cascade("programme_block", "event_id", "event"))
                    .take(),
            )
            .await?;
        manager
            .create_index(unique_index("programme_block", &["event_id", "key"]))
            .await?;
        manager
            .create_index(index(
                "programme_block",
                &["event_id", "starts_at", "position"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("session")
                    .col(pk_auto("id"))
                    .col(integer("event_id"))
                    .col(integer("block_id"))
                    .col(string_len("key", 100))
                    .col(integer("position"))
                    .col(string_len("kind", 32))
                    .col(string("title"))
                    .col(text("description"))
                    .col(timestamp_with_time_zone("starts_at"))
                    .col(timestamp_with_time_zone("ends_at"))
                    .col(string_len_null("workshop_key", 100))
                    .col(boolean("feedback_open").default(false))
                    .foreign_key(&mut cascade("session", "event_id", "event"))
                    .foreign_key(&mut cascade("session", "block_id", "programme_block"))
                    .take(),
            )
            .await?;
        manager
            .create_index(unique_index("session", &["event_id", "key"]))
            .await?;
        manager
            .create_index(index("session", &["block_id", "position"]))
            .await?;
        manager
            .create_index(index("session", &["event_id", "kind"]))
            .await?;
        manager
            .create_index(index("session", &["event_id", "workshop_key"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("person")
                    .col(pk_auto("id"))
                    .col(string_len_uniq("key", 100))
                    .col(string("name"))
                    .col(text_null("bio"))
                    .col(string_null("email"))
                    .col(string_null("phone"))
                    .col(string_null("website"))
                    .take(),
            )
            .await?;
        manager.create_index(index("person", &["name"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("organisation")
                    .col(pk_auto("id"))
                    .col(string_len_uniq("key", 100))
                    .col(string("name"))
                    .col(string_null("url"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("organisation", &["name"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("theme")
                    .col(pk_auto("id"))
                    .col(string_len_uniq("slug", 100))
                    .col(string("title"))
                    .col(text_null("description"))
                    .col(string_len("kind", 32))
                    .col(json("guiding_questions"))
                    .take(),
            )
            .await?;
        manager.create_index(index("theme", &["kind"])).await?;

        let mut person_organisation = link_table(
            "person_organisation",
            ("person_id", "person"),
            ("organisation_id", "organisation"),
            true,
        );
        person_organisation.col(string_null("title"));
        manager.create_table(person_organisation).await?;
        manager
            .create_index(index("person_organisation", &["organisation_id"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("session_person")
                    .col(integer("session_id"))
                    .col(integer("person_id"))
                    .col(string_len("role", 32))
                    .col(integer("position").default(0))
                    .primary_key(
                        Index::create()
                            .col("session_id")
                            .col("person_id")
                            .col("role"),
                    )
                    .foreign_key(&mut cascade("session_person", "session_id", "session"))
                    .foreign_key(&mut cascade("session_person", "person_id", "person"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("session_person", &["person_id"]))
            .await?;

        manager
            .create_table(link_table(
                "session_organisation",
                ("session_id", "session"),
                ("organisation_id", "organisation"),
                true,
            ))
            .await?;
        manager
            .create_index(index("session_organisation", &["organisation_id"]))
            .await?;
        manager
            .create_table(link_table(
                "session_theme",
                ("session_id", "session"),
                ("theme_id", "theme"),
                false,
            ))
            .await?;
        manager
            .create_index(index("session_theme", &["theme_id"]))
            .await?;
        manager
            .create_table(link_table(
                "event_theme",
                ("event_id", "event"),
                ("theme_id", "theme"),
                true,
            ))
            .await?;
        manager
            .create_index(index("event_theme", &["theme_id"]))
            .await?;
        manager
            .create_table(link_table(
                "event_host",
                ("event_id", "event"),
                ("person_id", "person"),
                true,
            ))
            .await?;
        manager
            .create_index(index("event_host", &["person_id"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("search_document")
                    .col(pk_auto("id"))
                    .col(integer("event_id"))
                    .col(string_len("kind", 16))
                    .col(integer("entity_id"))
                    .col(text("title_folded"))
                    .col(text("body_folded"))
                    .foreign_key(&mut cascade("search_document", "event_id", "event"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("search_document", &["event_id", "kind"]))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "search_document",
            "event_host",
            "event_theme",
            "session_theme",
            "session_organisation",
            "session_person",
            "person_organisation",
            "theme",
            "organisation",
            "person",
            "session",
            "programme_block",
            "event",
        ] {
            manager
                .drop_table(Table::drop().table(table).take())
                .await?;
        }
        Ok(())
    }
}
