//! What the metrics read from the database when scraped (`crate::metrics`).

use entity::enums::{ModerationStatus, ThemeKind};
use entity::{event, event_theme, learning_question, theme};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};

/// Questions waiting for moderation in one theme of one event.
#[derive(Debug, FromQueryResult)]
pub struct Waiting {
    pub event: String,
    pub theme: String,
    pub waiting: i64,
}

/// Every theme of every event that takes input, with its questions waiting for moderation
/// (zero included): one grouped statement, however many questions there are.
pub async fn questions_waiting(db: &impl ConnectionTrait) -> Result<Vec<Waiting>, DbErr> {
    let pairs = |table: event_theme::Column| Expr::col((event_theme::Entity, table));
    let question =
        |column: learning_question::Column| Expr::col((learning_question::Entity, column));
    let query = Query::select()
        .expr_as(Expr::col((event::Entity, event::Column::Slug)), "event")
        .expr_as(Expr::col((theme::Entity, theme::Column::Slug)), "theme")
        .expr_as(question(learning_question::Column::Id).count(), "waiting")
        .from(event_theme::Entity)
        .inner_join(
            event::Entity,
            Expr::col((event::Entity, event::Column::Id)).eq(pairs(event_theme::Column::EventId)),
        )
        .inner_join(
            theme::Entity,
            Expr::col((theme::Entity, theme::Column::Id)).eq(pairs(event_theme::Column::ThemeId)),
        )
        .left_join(
            learning_question::Entity,
            Condition::all()
                .add(
                    question(learning_question::Column::EventId)
                        .eq(pairs(event_theme::Column::EventId)),
                )
                .add(
                    question(learning_question::Column::ThemeId)
                        .eq(pairs(event_theme::Column::ThemeId)),
                )
                .add(question(learning_question::Column::Status).eq(ModerationStatus::Pending)),
        )
        .and_where(Expr::col((theme::Entity, theme::Column::Kind)).ne(ThemeKind::Topic))
        .group_by_col((event::Entity, event::Column::Slug))
        .group_by_col((theme::Entity, theme::Column::Slug))
        .to_owned();
    Waiting::find_by_statement(db.get_database_backend().build(&query))
        .all(db)
        .await
}
