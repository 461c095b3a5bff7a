//! Aggregated input for staff, computed by the database (GROUP BY), never by loading rows.
//! One definition of what is counted: every question the viewer may summarise; `votes`
//! sums the votes of approved questions.

use std::collections::BTreeMap;

use entity::enums::{ModerationStatus, SubmitterRole};
use entity::learning_question::{self, Column};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::auth::{Viewer, policy};
use crate::error::AppError;

/// The learning formats participants can ask for, as stored.
pub const FORMATS: [&str; 7] = [
    "WORKSHOP",
    "WEBINAR",
    "PEER_LEARNING",
    "FIELD_VISIT",
    "PUBLICATION",
    "LEARNING_NETWORK",
    "COACHING",
];

/// Counts for one theme.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThemeCounts {
    pub total: i64,
    pub by_status: BTreeMap<String, i64>,
    pub votes: i64,
    pub by_role: Vec<(Option<SubmitterRole>, i64)>,
    pub by_format: Vec<(&'static str, i64)>,
}

/// The summary: counts per theme, in theme id order.
#[derive(Debug, Clone)]
pub struct Summary {
    pub scope: Condition,
    pub themes: BTreeMap<i32, ThemeCounts>,
}

/// Which questions `viewer` may summarise: staff and admins all, moderators their scopes.
pub fn summary_scope(viewer: &Viewer) -> Result<Condition, AppError> {
    policy::require_summary_reader(viewer)?;
    Ok(match viewer {
        Viewer::Account {
            role: entity::enums::AccountRole::Moderator,
            scopes,
            ..
        } => Condition::any()
            .add(Column::ThemeId.is_in(scopes.theme_ids.iter().copied()))
            .add(Column::SessionId.is_in(scopes.session_ids.iter().copied())),
        _ => Condition::all(),
    })
}

/// A theme id and the number of questions asking for each of the seven formats.
type FormatRow = (i32, i64, i64, i64, i64, i64, i64, i64);

#[derive(FromQueryResult)]
struct StatusRow {
    theme_id: i32,
    status: ModerationStatus,
    count: i64,
    votes: Option<i64>,
}

#[derive(FromQueryResult)]
struct RoleRow {
    theme_id: i32,
    submitter_role: Option<SubmitterRole>,
    count: i64,
}

pub async fn summarise(
    db: &impl ConnectionTrait,
    scope: Condition,
    event_id: i32,
    theme_id: Option<i32>,
) -> Result<Summary, AppError> {
    let mut condition = Condition::all()
        .add(scope)
        .add(Column::EventId.eq(event_id));
    if let Some(theme_id) = theme_id {
        condition = condition.add(Column::ThemeId.eq(theme_id));
    }
    let base = || {
        learning_question::Entity::find()
            .select_only()
            .filter(condition.clone())
    };

    let status_rows = base()
        .column(Column::ThemeId)
        .column(Column::Status)
        .column_as(Expr::col(Column::Id).count(), "count")
        .column_as(
            Expr::col(Column::VoteCount).sum().cast_as("BIGINT"),
            "votes",
        )
        .group_by(Column::ThemeId)
        .group_by(Column::Status)
        .into_model::<StatusRow>()
        .all(db)
        .await?;
    let role_rows = base()
        .column(Column::ThemeId)
        .column(Column::SubmitterRole)
        .column_as(Expr::col(Column::Id).count(), "count")
        .group_by(Column::ThemeId)
        .group_by(Column::SubmitterRole)
        .order_by_asc(Column::SubmitterRole)
        .into_model::<RoleRow>()
        .all(db)
        .await?;
    // One pass over the questions per theme, a CASE per format.
    let mut format_query = base().column(Column::ThemeId);
    for (i, format) in FORMATS.iter().enumerate() {
        let pattern = format!("%\"{format}\"%");
        format_query = format_query.column_as(
            Expr::case(
                Expr::col(Column::PreferredFormats)
                    .cast_as("TEXT")
                    .like(LikeExpr::new(pattern)),
                1,
            )
            .finally(0)
            .sum()
            .cast_as("BIGINT"),
            format!("f{i}"),
        );
    }
    let format_rows: Vec<FormatRow> = format_query
        .group_by(Column::ThemeId)
        .into_tuple()
        .all(db)
        .await?;
    let mut themes: BTreeMap<i32, ThemeCounts> = BTreeMap::new();
    for row in status_rows {
        let counts = themes.entry(row.theme_id).or_default();
        counts.total += row.count;
        *counts
            .by_status
            .entry(status_name(row.status).to_owned())
            .or_default() += row.count;
        if row.status == ModerationStatus::Approved {
            counts.votes += row.votes.unwrap_or(0);
        }
    }
    for row in role_rows {
        themes
            .entry(row.theme_id)
            .or_default()
            .by_role
            .push((row.submitter_role, row.count));
    }
    for (theme_id, f0, f1, f2, f3, f4, f5, f6) in format_rows {
        let counts = themes.entry(theme_id).or_default();
        counts.by_format = FORMATS
            .iter()
            .zip([f0, f1, f2, f3, f4, f5, f6])
            .map(|(format, count)| (*format, count))
            .filter(|(_, count)| *count > 0)
            .collect();
    }
    Ok(Summary {
        scope: condition,
        themes,
    })
}

pub fn status_name(status: ModerationStatus) -> &'static str {
    match status {
        ModerationStatus::Pending => "PENDING",
        ModerationStatus::Approved => "APPROVED",
        ModerationStatus::Rejected => "REJECTED",
        ModerationStatus::Duplicate => "DUPLICATE",
        ModerationStatus::Hidden => "HIDDEN",
    }
}

/// The most recognised approved questions of a theme within the summary's scope.
pub async fn top_questions(
    db: &impl ConnectionTrait,
    scope: Condition,
    theme_id: i32,
    limit: u64,
) -> Result<Vec<learning_question::Model>, AppError> {
    Ok(learning_question::Entity::find()
        .filter(scope)
        .filter(Column::ThemeId.eq(theme_id))
        .filter(Column::Status.eq(ModerationStatus::Approved))
        .order_by_desc(Column::VoteCount)
        .order_by_asc(Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}
