//! Database migrations, in order. Each one runs on an empty SQLite file and an empty
//! PostgreSQL database alike: only portable column types and plain indexes.

pub use sea_orm_migration::prelude::*;

mod m20261128_000001_create_programme;
mod m20261128_000002_create_feedback;
mod m20261128_000003_create_audit_log;
mod m20261129_000004_create_content_version;
mod m20261129_000005_index_order_ties;
mod m20261129_000006_summary_indexes;
mod m2026113_h13b_000001_revoked_tokens;
mod m2026113_h13moderation_000001_session_moderation;
mod m2026113_h13staff_screen_links;
mod m2026113_h15_000001_session_room_url;

/// All migrations of buurtgraph.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_create_programme::Migration),
            Box::new(m20261128_000002_create_feedback::Migration),
            Box::new(m20261128_000003_create_audit_log::Migration),
            Box::new(m20261129_000004_create_content_version::Migration),
            Box::new(m20261129_000005_index_order_ties::Migration),
            Box::new(m20261129_000006_summary_indexes::Migration),
            Box::new(m2026113_h13moderation_000001_session_moderation::Migration),
            Box::new(m2026113_h13staff_screen_links::Migration),
            Box::new(m2026113_h15_000001_session_room_url::Migration),
            Box::new(m2026113_h13b_000001_revoked_tokens::Migration),
        ]
    }
}
