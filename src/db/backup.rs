//! `buurtgraph backup FILE`: a consistent copy of a live SQLite database.

use std::path::Path;

use anyhow::Context as _;
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};

/// Copies the database into `target` with `VACUUM INTO`: one read transaction, so the copy
/// is the database as of one moment (every write committed before it began, none after),
/// while the service goes on writing (WAL mode lets readers and the writer run side by
/// side). Returns the size of the copy in bytes. PostgreSQL is refused: use `pg_dump`.
pub async fn backup(db: &DatabaseConnection, target: &Path) -> anyhow::Result<u64> {
    if db.get_database_backend() != DatabaseBackend::Sqlite {
        anyhow::bail!(
            "backup copies SQLite databases; for PostgreSQL use pg_dump (see the README, section Andere systemen)"
        );
    }
    if target.exists() {
        anyhow::bail!("{} exists already; choose a new file", target.display());
    }
    let path = target
        .to_str()
        .with_context(|| format!("{} is not a UTF-8 path", target.display()))?;
    db.execute_raw(Statement::from_sql_and_values(
        DatabaseBackend::Sqlite,
        "VACUUM INTO ?",
        [path.into()],
    ))
    .await
    .with_context(|| format!("cannot write the copy to {}", target.display()))?;
    Ok(std::fs::metadata(target)
        .with_context(|| format!("cannot read the copy at {}", target.display()))?
        .len())
}
