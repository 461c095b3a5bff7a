//! Moderation: screening learning questions, and the log of who did what.

use async_graphql::{Context, Enum, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use entity::moderation_action;

use super::context::{ContextExt, load_one};
use super::feedback::{LearningQuestion, ModerationStatus};
use super::ids::{self, NodeType};
use super::loaders::QuestionById;
use super::pagination::{CountedConnection, PageRequest};
use crate::service::moderation::{self as service, Moderation};

/// What a moderator does to a question. See the README for the allowed transitions.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::ModerationActionKind")]
pub enum ModerationAction {
    Approve,
    Reject,
    MarkDuplicate,
    Hide,
    Restore,
}

#[derive(InputObject)]
pub struct ModerateLearningQuestionInput {
    pub id: ID,
    pub action: ModerationAction,
    /// With MARK_DUPLICATE: the question this one repeats (same theme).
    pub duplicate_of_id: Option<ID>,
    /// Kept in the audit log; up to 2000 characters.
    pub note: Option<String>,
    /// Moves the question to another input theme of its event.
    pub theme_id: Option<ID>,
}

/// One moderation action in the audit log.
pub struct ModerationEntry(pub moderation_action::Model);

#[Object]
impl ModerationEntry {
    async fn question(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<LearningQuestion>> {
        Ok(load_one(ctx, QuestionById(self.0.question_id))
            .await?
            .map(LearningQuestion))
    }
    async fn action(&self) -> ModerationAction {
        self.0.action.into()
    }
    async fn from_status(&self) -> ModerationStatus {
        self.0.from_status.into()
    }
    async fn to_status(&self) -> ModerationStatus {
        self.0.to_status.into()
    }
    /// Whether the action moved the question to another theme.
    async fn theme_changed(&self) -> bool {
        self.0.from_theme_id != self.0.to_theme_id
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// The account that acted (its number, not its e-mail address).
    async fn actor_id(&self) -> i32 {
        self.0.actor_account_id
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

#[derive(Default)]
pub struct ModerationQuery;

#[Object]
impl ModerationQuery {
    /// The moderation audit log, newest first: staff and admins all of it, moderators their own actions.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn moderation_log(
        &self,
        ctx: &Context<'_>,
        question_id: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<CountedConnection<ModerationEntry>> {
        let page = PageRequest::parse(first, after.as_deref())?;
        let question_id = question_id
            .map(|id| ids::decode(&id, NodeType::LearningQuestion, "questionId"))
            .transpose()?;
        let (rows, total) = service::log_page(
            ctx.db()?,
            &ctx.viewer(),
            question_id,
            page.offset,
            page.limit,
        )
        .await?;
        Ok(page.connection(rows, total, ModerationEntry))
    }
}

#[derive(Default)]
pub struct ModerationMutation;

#[Object]
impl ModerationMutation {
    /// Approves, rejects, marks as duplicate, hides or restores a question (moderators in
    /// scope, admins). The change and its audit entry are written together.
    async fn moderate_learning_question(
        &self,
        ctx: &Context<'_>,
        input: ModerateLearningQuestionInput,
    ) -> async_graphql::Result<LearningQuestion> {
        let request = Moderation {
            question_id: ids::decode(&input.id, NodeType::LearningQuestion, "id")?,
            action: input.action.into(),
            duplicate_of_id: input
                .duplicate_of_id
                .map(|id| ids::decode(&id, NodeType::LearningQuestion, "duplicateOfId"))
                .transpose()?,
            note: input.note,
            theme_id: input
                .theme_id
                .map(|id| ids::decode(&id, NodeType::Theme, "themeId"))
                .transpose()?,
        };
        let question =
            service::moderate(ctx.writer()?, ctx.changes()?, &ctx.viewer(), request).await?;
        Ok(LearningQuestion(question))
    }
}
