//! The version of published content. Every change to the programme bumps it in the same
//! transaction, so caches of programme responses in any process can tell they are stale.

use entity::content_version;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::error::AppResult;

const ROW: i32 = 1;

/// Marks published content as changed.
pub async fn bump(db: &impl ConnectionTrait) -> AppResult<()> {
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
