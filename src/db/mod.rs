//! Connecting to SQLite or PostgreSQL, migrating, and the write path.

pub mod backup;
mod writer;

pub use writer::Writer;

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

/// Opens a pool. SQLite runs in WAL mode with `synchronous=NORMAL`: an acknowledged
/// write survives a killed process, and readers do not block the writer.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(if url.starts_with("sqlite") { 8 } else { 16 })
        .min_connections(1)
        // Short: when the database is down, requests fail fast with UNAVAILABLE instead of
        // piling up; a healthy pool hands out connections in milliseconds.
        .connect_timeout(Duration::from_secs(2))
        .acquire_timeout(Duration::from_secs(2))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true)
        });
    Database::connect(options).await
}

/// Applies all pending migrations.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}
