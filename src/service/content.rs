//! The version of published content. Every change to the programme bumps it in the same
//! transaction, so caches of programme responses in any process can tell they are stale.

use entity::content_version;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement};

use crate::error::AppResult;

const ROW: i32 = 1;

/// Marks published content as changed. On PostgreSQL the change is also announced to every
/// instance; the notification is delivered when (and only if) the transaction commits.
pub async fn bump(db: &impl ConnectionTrait) -> AppResult<()> {
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_notify($1, '')",
            [crate::service::live::CONTENT_CHANNEL.into()],
        ))
        .await?;
    }
    content_version::Entity::update_many()
        .col_expr(
            content_version::Column::Version,
            Expr::col(content_version::Column::Version).add(1),
        )
        .filter(content_version::Column::Id.eq(ROW))
        .exec(db)
        .await?;
    Ok(())
}

/// The current version of published content.
pub async fn current(db: &impl ConnectionTrait) -> AppResult<i64> {
    Ok(content_version::Entity::find_by_id(ROW)
        .one(db)
        .await?
        .map_or(0, |row| row.version))
}
