//! Aggregated input per theme, for staff, admins and (in their scope) moderators.

use async_graphql::{Context, ID, Object, SimpleObject};
use sea_orm::Condition;

use super::context::{ContextExt, load_one};
use super::feedback::{LearningFormat, LearningQuestion, ModerationStatus, SubmitterRole};
use super::ids::{self, NodeType};
use super::loaders::ThemeById;
use super::programme::{Theme, find_event};
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
pub struct FormatCount {
    pub format: LearningFormat,
    pub count: i64,
}

/// The input of one event, per theme.
#[derive(SimpleObject)]
pub struct FeedbackSummary {
    /// Questions in any state.
    pub total: i64,
    pub by_status: Vec<StatusCount>,
    pub themes: Vec<ThemeSummary>,
}

/// The input on one theme.
pub struct ThemeSummary {
    theme_id: i32,
    counts: ThemeCounts,
    scope: Condition,
}

fn status_counts(counts: &ThemeCounts) -> Vec<StatusCount> {
    use entity::enums::ModerationStatus as S;
    [
        S::Pending,
        S::Approved,
        S::Rejected,
        S::Duplicate,
        S::Hidden,
    ]
    .into_iter()
    .map(|status| StatusCount {
        status: status.into(),
        count: counts
            .by_status
            .get(service::status_name(status))
            .copied()
            .unwrap_or(0),
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
        self.counts.by_status.get("APPROVED").copied().unwrap_or(0)
    }
    async fn pending(&self) -> i64 {
        self.counts.by_status.get("PENDING").copied().unwrap_or(0)
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
    async fn by_format(&self) -> Vec<FormatCount> {
        self.counts
            .by_format
            .iter()
            .filter_map(|(name, count)| {
                LearningFormat::from_name(name).map(|format| FormatCount {
                    format,
                    count: *count,
                })
            })
            .collect()
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
                *all.by_status.entry(status.clone()).or_default() += count;
            }
        }
        Ok(FeedbackSummary {
            total: all.total,
            by_status: status_counts(&all),
            themes: summary
                .themes
                .into_iter()
                .map(|(theme_id, counts)| ThemeSummary {
                    theme_id,
                    counts,
                    scope: summary.scope.clone(),
                })
                .collect(),
        })
    }
}
