//! Aggregated input for staff, computed by the database (GROUP BY), never by loading rows.
//! One definition of what is counted: every question the viewer may summarise; `votes`
//! sums the votes of approved questions.

use std::collections::BTreeMap;

use entity::enums::{LearningFormat, ModerationStatus, SubmitterRole};
use entity::learning_question::{self, Column};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::auth::{Viewer, policy};
use crate::error::AppResult;

/// Counts for one theme.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThemeCounts {
    pub total: i64,
    /// Statuses with at least one question; see `status()` for any status.
    pub by_status: BTreeMap<ModerationStatus, i64>,
    pub votes: i64,
    pub by_role: Vec<(Option<SubmitterRole>, i64)>,
    /// Formats asked for at least once, in `LearningFormat::ALL` order.
    pub by_format: Vec<(LearningFormat, i64)>,
    /// (session id, count); `None` for questions given without a session.
    pub by_session: Vec<(Option<i32>, i64)>,
    /// (region, count); `None` for questions without a region.
    pub by_region: Vec<(Option<String>, i64)>,
}

impl ThemeCounts {
    /// Questions in `status` (zero when there are none).
    pub fn status(&self, status: ModerationStatus) -> i64 {
        self.by_status.get(&status).copied().unwrap_or(0)
    }
}

/// The summary: counts per theme, in theme id order.
#[derive(Debug, Clone)]
pub struct Summary {
    pub scope: Condition,
    pub themes: BTreeMap<i32, ThemeCounts>,
}

/// Which questions `viewer` may summarise: staff and admins all, moderators their scopes.
pub fn summary_scope(viewer: &Viewer) -> AppResult<Condition> {
    policy::require_summary_reader(viewer)?;
    Ok(match viewer {
        Viewer::Account {
            role: entity::enums::AccountRole::Moderator,
            scopes,
            ..
        } => policy::moderator_scope(scopes),
        _ => Condition::all(),
    })
}

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
) -> AppResult<Summary> {
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
    // Questions name few distinct format lists: count per list, then per format here.
    let formats_text = || Expr::col(Column::PreferredFormats).cast_as("TEXT");
    let format_query = base()
        .column(Column::ThemeId)
        .column_as(formats_text(), "formats")
        .column_as(Expr::col(Column::Id).count(), "count")
        .group_by(Column::ThemeId)
        .group_by(formats_text())
        .into_tuple::<(i32, String, i64)>();
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
        *counts.by_status.entry(row.status).or_default() += row.count;
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
    let mut format_counts: BTreeMap<i32, BTreeMap<LearningFormat, i64>> = BTreeMap::new();
    for (theme_id, formats, count) in format_rows {
        let counts = format_counts.entry(theme_id).or_default();
        for format in LearningFormat::list_from_json_text(&formats) {
            *counts.entry(format).or_default() += count;
        }
    }
    for (theme_id, counts) in format_counts {
        // A BTreeMap keyed by the enum iterates in declaration order, which is `ALL` order.
        themes.entry(theme_id).or_default().by_format = counts.into_iter().collect();
    }
    Ok(Summary {
        scope: condition,
        themes,
    })
}

/// The most recognised approved questions of a theme within the summary's scope.
pub async fn top_questions(
    db: &impl ConnectionTrait,
    scope: Condition,
    theme_id: i32,
    limit: u64,
) -> AppResult<Vec<learning_question::Model>> {
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

/// The questions of a theme that moderators marked as discussed in the session, in the
/// order they were taken up.
pub async fn discussed_questions(
    db: &impl ConnectionTrait,
    scope: Condition,
    theme_id: i32,
) -> AppResult<Vec<learning_question::Model>> {
    Ok(learning_question::Entity::find()
        .filter(scope)
        .filter(Column::ThemeId.eq(theme_id))
        .filter(Column::DiscussedAt.is_not_null())
        .order_by_asc(Column::DiscussedAt)
        .order_by_asc(Column::Id)
        .all(db)
        .await?)
}

/// The most recognised questions matching `condition` (the studio screen's approved ones).
pub async fn top_approved(
    db: &impl ConnectionTrait,
    condition: Condition,
    limit: u64,
) -> AppResult<Vec<learning_question::Model>> {
    Ok(learning_question::Entity::find()
        .filter(condition)
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
) -> AppResult<Vec<(String, i64)>> {
    use sea_orm::DbBackend;
    let seconds: i64 = match granularity {
        Granularity::Hour => 3_600,
        Granularity::Day => 86_400,
    };
    // The bucket's start in Unix seconds: integer arithmetic, cheaper than formatting
    // every row's timestamp; the few buckets are formatted below.
    let bucket = match db.get_database_backend() {
        DbBackend::Postgres => {
            format!("(floor(extract(epoch from created_at) / {seconds}) * {seconds})::bigint")
        }
        _ => format!("unixepoch(created_at) / {seconds} * {seconds}"),
    };
    let mut condition = Condition::all()
        .add(scope)
        .add(Column::EventId.eq(event_id));
    if let Some(theme_id) = theme_id {
        condition = condition.add(Column::ThemeId.eq(theme_id));
    }
    let rows: Vec<(i64, i64)> = learning_question::Entity::find()
        .select_only()
        .column_as(Expr::cust(bucket.clone()), "bucket")
        .column_as(Expr::col(Column::Id).count(), "count")
        .filter(condition)
        .group_by(Expr::cust(bucket.clone()))
        .order_by_asc(Expr::cust(bucket))
        .into_tuple()
        .all(db)
        .await?;
    let pattern = match granularity {
        Granularity::Hour => "%Y-%m-%dT%H:00:00Z",
        Granularity::Day => "%Y-%m-%d",
    };
    Ok(rows
        .into_iter()
        .filter_map(|(start, count)| {
            let start = chrono::DateTime::from_timestamp(start, 0)?;
            Some((start.format(pattern).to_string(), count))
        })
        .collect())
}

/// A theme followed through the learning network: its counts per event.
pub async fn across_events(
    db: &impl ConnectionTrait,
    scope: Condition,
    theme_id: i32,
) -> AppResult<Vec<(i32, i64, i64)>> {
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

/// One moderation action as staff read it: who (by e-mail), when, what, on which question.
#[derive(Debug, Clone)]
pub struct LogEntry {
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub email: String,
    /// The action's API name (`APPROVE`, …).
    pub action: String,
    pub from_status: ModerationStatus,
    pub to_status: ModerationStatus,
    pub question: String,
    pub note: Option<String>,
}

/// The newest moderation actions on an event's questions, with the moderators' e-mails.
pub async fn moderation_log(
    db: &impl ConnectionTrait,
    event_id: i32,
    limit: u64,
) -> AppResult<Vec<LogEntry>> {
    use entity::{account, moderation_action};
    use sea_orm::sea_query::Query;
    let of_event = Query::select()
        .column(Column::Id)
        .from(learning_question::Entity)
        .and_where(Expr::col(Column::EventId).eq(event_id))
        .to_owned();
    let actions = moderation_action::Entity::find()
        .filter(moderation_action::Column::QuestionId.in_subquery(of_event))
        .order_by_desc(moderation_action::Column::CreatedAt)
        .order_by_desc(moderation_action::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    let texts: std::collections::HashMap<i32, String> = learning_question::Entity::find()
        .filter(Column::Id.is_in(actions.iter().map(|a| a.question_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|q| (q.id, q.text))
        .collect();
    let emails: std::collections::HashMap<i32, String> = account::Entity::find()
        .filter(account::Column::Id.is_in(actions.iter().map(|a| a.actor_account_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a.email))
        .collect();
    Ok(actions
        .into_iter()
        .map(|a| LogEntry {
            created_at: a.created_at,
            email: emails.get(&a.actor_account_id).cloned().unwrap_or_default(),
            action: sea_orm::ActiveEnum::to_value(&a.action),
            from_status: a.from_status,
            to_status: a.to_status,
            question: texts.get(&a.question_id).cloned().unwrap_or_default(),
            note: a.note,
        })
        .collect())
}
