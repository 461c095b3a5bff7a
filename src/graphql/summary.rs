//! Aggregated input per theme, for staff, admins and (in their scope) moderators.

use async_graphql::{ComplexObject, Context, Enum, ID, Object, SimpleObject};
use sea_orm::Condition;

use super::context::{ContextExt, load_one};
use super::feedback::{LearningFormat, LearningQuestion, ModerationStatus, SubmitterRole};
use super::ids::{self, NodeType};
use super::loaders::{EventById, SessionById, ThemeById};
use super::programme::{Event, Session, Theme, find_event};
use crate::error::AppError;
use crate::service::summary::{self as service, ThemeCounts};

#[derive(SimpleObject)]
pub struct StatusCount {
    pub status: ModerationStatus,
    pub count: i64,
}

#[derive(SimpleObject)]
pub struct RoleCount {
    /// `null` for questions without a role.
    pub role: Option<SubmitterRole>,
    pub count: i64,
}

#[derive(SimpleObject)]
pub struct RegionCount {
    /// `null` for questions without a region.
    pub region: Option<String>,
    pub count: i64,
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct SessionCount {
    #[graphql(skip)]
    pub session_id: Option<i32>,
    pub count: i64,
}

#[ComplexObject]
impl SessionCount {
    /// `null` for questions given without a session.
    async fn session(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Session>> {
        let Some(id) = self.session_id else {
            return Ok(None);
        };
        Ok(load_one(ctx, SessionById(id)).await?.map(Session))
    }
}

/// Questions in one hour or day.
#[derive(SimpleObject)]
pub struct TimelinePoint {
    /// Start of the bucket (UTC): `2021-01-28T14:00:00Z` or `2021-01-29`.
    pub bucket: String,
    pub count: i64,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimelineGranularity {
    Hour,
    Day,
}

/// A theme's input in one event.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct ThemeEventCount {
    #[graphql(skip)]
    pub event_id: i32,
    pub total: i64,
    pub votes: i64,
}

#[ComplexObject]
impl ThemeEventCount {
    async fn event(&self, ctx: &Context<'_>) -> async_graphql::Result<Event> {
        let event = load_one(ctx, EventById(self.event_id)).await?;
        Ok(Event(event.ok_or_else(|| AppError::not_found("event"))?))
    }
}

#[derive(SimpleObject)]
pub struct FormatCount {
    pub format: LearningFormat,
    pub count: i64,
}

/// The input of one event, per theme.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct FeedbackSummary {
    /// Questions in any state.
    pub total: i64,
    pub by_status: Vec<StatusCount>,
    pub themes: Vec<ThemeSummary>,
    #[graphql(skip)]
    pub event_id: i32,
    #[graphql(skip)]
    pub theme_id: Option<i32>,
    #[graphql(skip)]
    pub scope: Condition,
}

#[ComplexObject]
impl FeedbackSummary {
    /// Pending questions that no moderator has in scope, so only an admin can screen them
    /// (a question given without a session is in the scope of the moderators of the
    /// sessions serving its theme).
    async fn unscreenable(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        Ok(crate::service::moderation::unscreenable(
            ctx.db()?,
            self.scope.clone(),
            self.event_id,
            self.theme_id,
        )
        .await?)
    }

    /// Questions over time: per hour (e.g. during the event day) or per day (after it).
    async fn timeline(
        &self,
        ctx: &Context<'_>,
        granularity: TimelineGranularity,
    ) -> async_graphql::Result<Vec<TimelinePoint>> {
        let granularity = match granularity {
            TimelineGranularity::Hour => service::Granularity::Hour,
            TimelineGranularity::Day => service::Granularity::Day,
        };
        let points = service::timeline(
            ctx.db()?,
            self.scope.clone(),
            self.event_id,
            self.theme_id,
            granularity,
        )
        .await?;
        Ok(points
            .into_iter()
            .map(|(bucket, count)| TimelinePoint { bucket, count })
            .collect())
    }
}

/// Similar questions grouped together.
#[derive(SimpleObject)]
pub struct QuestionCluster {
    /// The most recognised question of the group.
    pub representative: LearningQuestion,
    pub members: Vec<LearningQuestion>,
    pub size: i32,
    pub total_votes: i64,
    /// Its two or three most characteristic words (by TF-IDF weight within the theme).
    pub label: Vec<String>,
}

/// The input on one theme.
pub struct ThemeSummary {
    event_id: i32,
    theme_id: i32,
    counts: ThemeCounts,
    scope: Condition,
}

fn status_counts(counts: &ThemeCounts) -> Vec<StatusCount> {
    entity::enums::ModerationStatus::ALL
        .into_iter()
        .map(|status| StatusCount {
            status: status.into(),
            count: counts.status(status),
        })
        .collect()
}

#[Object]
impl ThemeSummary {
    async fn theme(&self, ctx: &Context<'_>) -> async_graphql::Result<Theme> {
        let theme = load_one(ctx, ThemeById(self.theme_id)).await?;
        Ok(Theme(theme.ok_or_else(|| AppError::not_found("theme"))?))
    }
    /// Questions in any state.
    async fn total(&self) -> i64 {
        self.counts.total
    }
    async fn approved(&self) -> i64 {
        self.counts
            .status(entity::enums::ModerationStatus::Approved)
    }
    async fn pending(&self) -> i64 {
        self.counts.status(entity::enums::ModerationStatus::Pending)
    }
    async fn by_status(&self) -> Vec<StatusCount> {
        status_counts(&self.counts)
    }
    /// Votes on approved questions.
    async fn votes(&self) -> i64 {
        self.counts.votes
    }
    async fn by_role(&self) -> Vec<RoleCount> {
        self.counts
            .by_role
            .iter()
            .map(|(role, count)| RoleCount {
                role: role.map(Into::into),
                count: *count,
            })
            .collect()
    }
    async fn by_session(&self) -> Vec<SessionCount> {
        self.counts
            .by_session
            .iter()
            .map(|(session_id, count)| SessionCount {
                session_id: *session_id,
                count: *count,
            })
            .collect()
    }
    async fn by_region(&self) -> Vec<RegionCount> {
        self.counts
            .by_region
            .iter()
            .map(|(region, count)| RegionCount {
                region: region.clone(),
                count: *count,
            })
            .collect()
    }
    async fn by_format(&self) -> Vec<FormatCount> {
        self.counts
            .by_format
            .iter()
            .map(|(format, count)| FormatCount {
                format: (*format).into(),
                count: *count,
            })
            .collect()
    }
    /// Groups of similar approved or pending questions (at least `minSize`, default 2), largest first.
    async fn clusters(
        &self,
        ctx: &Context<'_>,
        min_size: Option<i32>,
    ) -> async_graphql::Result<Vec<QuestionCluster>> {
        let min_size = usize::try_from(min_size.unwrap_or(2).max(1)).unwrap_or(1);
        let groups = crate::service::clusters::clusters(
            ctx.db()?,
            self.scope.clone(),
            self.event_id,
            self.theme_id,
            min_size,
        )
        .await?;
        Ok(groups
            .into_iter()
            .filter_map(|group| {
                let members = group.members;
                let representative = members.first()?.clone();
                Some(QuestionCluster {
                    representative: LearningQuestion(representative),
                    size: i32::try_from(members.len()).unwrap_or(i32::MAX),
                    total_votes: members.iter().map(|m| i64::from(m.vote_count)).sum(),
                    members: members.into_iter().map(LearningQuestion).collect(),
                    label: group.label,
                })
            })
            .collect())
    }
    /// The most recognised approved questions (at most 50).
    async fn top_questions(
        &self,
        ctx: &Context<'_>,
        limit: Option<i32>,
    ) -> async_graphql::Result<Vec<LearningQuestion>> {
        let limit = limit.unwrap_or(5);
        if !(0..=50).contains(&limit) {
            return Err(AppError::bad_input("limit", "between 0 and 50").into());
        }
        let rows = service::top_questions(
            ctx.db()?,
            self.scope.clone(),
            self.theme_id,
            u64::try_from(limit).unwrap_or(0),
        )
        .await?;
        Ok(rows.into_iter().map(LearningQuestion).collect())
    }
}

#[derive(Default)]
pub struct SummaryQuery;

#[Object]
impl SummaryQuery {
    /// Readable questions on a theme that resemble `text`: to suggest duplicates to moderators
    /// and to show participants what others asked before they submit.
    async fn similar_questions(
        &self,
        ctx: &Context<'_>,
        theme_id: ID,
        text: String,
        first: Option<i32>,
    ) -> async_graphql::Result<Vec<LearningQuestion>> {
        let readable = crate::auth::policy::readable_questions(&ctx.viewer())?;
        let theme_id = ids::decode(&theme_id, NodeType::Theme, "themeId")?;
        if text.trim().is_empty() || text.chars().count() > 1000 {
            return Err(AppError::bad_input("text", "1 to 1000 characters").into());
        }
        let limit = usize::try_from(first.unwrap_or(5).clamp(0, 20)).unwrap_or(5);
        let found =
            crate::service::clusters::similar(ctx.db()?, readable, theme_id, &text, None, limit)
                .await?;
        Ok(found
            .into_iter()
            .map(|(q, _)| LearningQuestion(q))
            .collect())
    }

    /// One theme followed through the learning network: its input per event.
    async fn theme_across_events(
        &self,
        ctx: &Context<'_>,
        theme_id: ID,
    ) -> async_graphql::Result<Vec<ThemeEventCount>> {
        let scope = service::summary_scope(&ctx.viewer())?;
        let theme_id = ids::decode(&theme_id, NodeType::Theme, "themeId")?;
        let rows = service::across_events(ctx.db()?, scope, theme_id).await?;
        Ok(rows
            .into_iter()
            .map(|(event_id, total, votes)| ThemeEventCount {
                event_id,
                total,
                votes,
            })
            .collect())
    }

    /// Counts of an event's input per theme: by status, role and format, with votes and top questions.
    async fn feedback_summary(
        &self,
        ctx: &Context<'_>,
        event_slug: Option<String>,
        theme_id: Option<ID>,
    ) -> async_graphql::Result<FeedbackSummary> {
        let scope = service::summary_scope(&ctx.viewer())?;
        let theme_id = theme_id
            .map(|id| ids::decode(&id, NodeType::Theme, "themeId"))
            .transpose()?;
        let event = find_event(ctx, event_slug.as_deref()).await?;
        let summary = service::summarise(ctx.db()?, scope, event.id, theme_id).await?;
        let mut all = ThemeCounts::default();
        for counts in summary.themes.values() {
            all.total += counts.total;
            for (status, count) in &counts.by_status {
                *all.by_status.entry(*status).or_default() += count;
            }
        }
        Ok(FeedbackSummary {
            event_id: event.id,
            theme_id,
            scope: summary.scope.clone(),
            total: all.total,
            by_status: status_counts(&all),
            themes: summary
                .themes
                .into_iter()
                .map(|(theme_id, counts)| ThemeSummary {
                    event_id: event.id,
                    theme_id,
                    counts,
                    scope: summary.scope.clone(),
                })
                .collect(),
        })
    }
}
