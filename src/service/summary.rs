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
    /// (session id, count); `None` for questions given without a session.
    pub by_session: Vec<(Option<i32>, i64)>,
    /// (region, count); `None` for questions without a region.
    pub by_region: Vec<(Option<String>, i64)>,
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

    let status_query = base()
        .column(Column::ThemeId)
        .column(Column::Status)
        .column_as(Expr::col(Column::Id).count(), "count")
        .column_as(
            Expr::col(Column::VoteCount).sum().cast_as("BIGINT"),
            "votes",
        )
        .group_by(Column::ThemeId)
        .group_by(Column::Status)
        .into_model::<StatusRow>();
    let session_query = base()
        .column(Column::ThemeId)
        .column(Column::SessionId)
        .column_as(Expr::col(Column::Id).count(), "count")
        .group_by(Column::ThemeId)
        .group_by(Column::SessionId)
        .order_by_asc(Column::SessionId)
        .into_tuple::<(i32, Option<i32>, i64)>();
    let region_query = base()
        .column(Column::ThemeId)
        .column(Column::Region)
        .column_as(Expr::col(Column::Id).count(), "count")
        .group_by(Column::ThemeId)
        .group_by(Column::Region)
        .order_by_asc(Column::Region)
        .into_tuple::<(i32, Option<String>, i64)>();
    let role_query = base()
        .column(Column::ThemeId)
        .column(Column::SubmitterRole)
        .column_as(Expr::col(Column::Id).count(), "count")
        .group_by(Column::ThemeId)
        .group_by(Column::SubmitterRole)
        .order_by_asc(Column::SubmitterRole)
        .into_model::<RoleRow>();
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
    let format_query = format_query
        .group_by(Column::ThemeId)
        .into_tuple::<FormatRow>();
    // Independent scans: on a pool they run side by side.
    let (status_rows, session_rows, region_rows, role_rows, format_rows) = tokio::try_join!(
        status_query.all(db),
        session_query.all(db),
        region_query.all(db),
        role_query.all(db),
        format_query.all(db),
    )?;
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
    for (theme_id, session_id, count) in session_rows {
        themes
            .entry(theme_id)
            .or_default()
            .by_session
            .push((session_id, count));
    }
    for (theme_id, region, count) in region_rows {
        themes
            .entry(theme_id)
            .or_default()
            .by_region
            .push((region, count));
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

/// How finely the timeline counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granularity {
    Hour,
    Day,
}

/// Questions per hour or day (UTC buckets, ISO 8601 text), counted by the database.
pub async fn timeline(
    db: &impl ConnectionTrait,
    scope: Condition,
    event_id: i32,
    theme_id: Option<i32>,
    granularity: Granularity,
) -> Result<Vec<(String, i64)>, AppError> {
    use sea_orm::DbBackend;
    let bucket = match (db.get_database_backend(), granularity) {
        (DbBackend::Postgres, Granularity::Hour) => {
            "to_char(date_trunc('hour', created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD\"T\"HH24:00:00\"Z\"')"
        }
        (DbBackend::Postgres, Granularity::Day) => {
            "to_char(date_trunc('day', created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD')"
        }
        (_, Granularity::Hour) => "strftime('%Y-%m-%dT%H:00:00Z', created_at)",
        (_, Granularity::Day) => "strftime('%Y-%m-%d', created_at)",
    };
    let mut condition = Condition::all()
        .add(scope)
        .add(Column::EventId.eq(event_id));
    if let Some(theme_id) = theme_id {
        condition = condition.add(Column::ThemeId.eq(theme_id));
    }
    Ok(learning_question::Entity::find()
        .select_only()
        .column_as(Expr::cust(bucket), "bucket")
        .column_as(Expr::col(Column::Id).count(), "count")
        .filter(condition)
        .group_by(Expr::cust(bucket))
        .order_by_asc(Expr::cust(bucket))
        .into_tuple()
        .all(db)
        .await?)
}

/// A theme followed through the learning network: its counts per event.
pub async fn across_events(
    db: &impl ConnectionTrait,
    scope: Condition,
    theme_id: i32,
) -> Result<Vec<(i32, i64, i64)>, AppError> {
    Ok(learning_question::Entity::find()
        .select_only()
        .column(Column::EventId)
        .column_as(Expr::col(Column::Id).count(), "count")
        .column_as(
            Expr::case(
                Column::Status.eq(ModerationStatus::Approved),
                Expr::col(Column::VoteCount),
            )
            .finally(0)
            .sum()
            .cast_as("BIGINT"),
            "votes",
        )
        .filter(scope)
        .filter(Column::ThemeId.eq(theme_id))
        .group_by(Column::EventId)
        .order_by_asc(Column::EventId)
        .into_tuple()
        .all(db)
        .await?)
}
