//! Connecting to SQLite or PostgreSQL and migrating.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DbBackend, DbErr, SqlxSqliteConnector,
};

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

/// The connection for the busiest write paths (submissions, votes, moderation).
///
/// On SQLite it is a pool of one connection over the same file: writers queue in the pool
/// instead of colliding inside SQLite, whose busy handler would make them sleep and retry.
/// On PostgreSQL, which handles concurrent writers itself, it is the main pool.
#[derive(Clone)]
pub struct Writer(pub DatabaseConnection);

impl Writer {
    pub fn for_database(db: &DatabaseConnection) -> Self {
        if db.get_database_backend() != DbBackend::Sqlite {
            return Self(db.clone());
        }
        let options = (*db.get_sqlite_connection_pool().connect_options()).clone();
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(5))
            .connect_lazy_with(options);
        Self(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool))
    }
}

/// Applies all pending migrations.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}
