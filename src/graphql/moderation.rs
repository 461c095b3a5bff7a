//! Moderation: screening learning questions, and the log of who did what.

use async_graphql::{Context, Enum, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use entity::{moderation_action, moderation_mode};

use super::context::{ContextExt, load_one};
use super::feedback::{LearningQuestion, ModerationStatus};
use super::ids::{self, NodeType};
use super::loaders::QuestionById;
use super::pagination::{CountedConnection, PageRequest};
use super::programme::find_event;
use crate::auth::policy;
use crate::service::moderation::{self as service, Marks, Moderation};

/// What a moderator does to a question. See the README for the allowed transitions.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::ModerationActionKind")]
pub enum ModerationAction {
    Approve,
    Reject,
    MarkDuplicate,
    Hide,
    Restore,
    /// Moves the question to another input theme of its event (`themeId`); its status stays.
    Move,
}

#[derive(InputObject)]
pub struct ModerateLearningQuestionInput {
    pub id: ID,
    pub action: ModerationAction,
    /// With MARK_DUPLICATE: the question this one repeats (same theme).
    pub duplicate_of_id: Option<ID>,
    /// Kept in the audit log; up to 2000 characters.
    pub note: Option<String>,
    /// Moves the question to another input theme of its event: required with MOVE; with
    /// another action, the question moves as well.
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

/// How an event, or one theme of it, is moderated.
pub struct ModerationModeSetting(pub moderation_mode::Model);

#[Object]
impl ModerationModeSetting {
    /// The theme this setting is for; none: the event's default for its themes.
    async fn theme_id(&self) -> Option<ID> {
        self.0.theme_id.map(|id| ids::encode(NodeType::Theme, id))
    }
    /// Questions appear at once and moderators hide what does not belong; otherwise they
    /// wait in the approval queue.
    async fn post_moderation(&self) -> bool {
        self.0.post_moderation
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

#[derive(InputObject)]
pub struct SetModerationModeInput {
    /// No slug: the default (first) event.
    pub event_slug: Option<String>,
    /// One theme of the event; none: the event's default.
    pub theme_id: Option<ID>,
    pub post_moderation: bool,
}

#[derive(InputObject)]
pub struct MarkLearningQuestionInput {
    pub id: ID,
    /// Queue it for the table (or take it off).
    pub starred: Option<bool>,
    /// Show it as being discussed now; takes the highlight from the theme's other question.
    pub highlighted: Option<bool>,
    /// Mark it as taken up in the session (or undo).
    pub discussed: Option<bool>,
}

#[derive(Default)]
pub struct ModerationQuery;

#[Object]
impl ModerationQuery {
    /// How the event's questions are moderated: its own setting and any per theme (a theme's
    /// wins). No settings: every question waits for approval.
    async fn moderation_modes(
        &self,
        ctx: &Context<'_>,
        event_slug: Option<String>,
    ) -> async_graphql::Result<Vec<ModerationModeSetting>> {
        let event = find_event(ctx, event_slug.as_deref()).await?;
        Ok(service::modes(ctx.db()?, event.id)
            .await?
            .into_iter()
            .map(ModerationModeSetting)
            .collect())
    }

    /// The question being discussed now, per theme (or for one theme), as far as the viewer
    /// may read it: what the studio screen and the participants' page show on top.
    async fn highlighted_questions(
        &self,
        ctx: &Context<'_>,
        event_slug: Option<String>,
        theme_id: Option<ID>,
    ) -> async_graphql::Result<Vec<LearningQuestion>> {
        let viewer = ctx.viewer();
        policy::readable_questions(&viewer)?;
        let event = find_event(ctx, event_slug.as_deref()).await?;
        let theme_id = theme_id
            .map(|id| ids::decode(&id, NodeType::Theme, "themeId"))
            .transpose()?;
        Ok(service::highlighted(ctx.db()?, event.id, theme_id)
            .await?
            .into_iter()
            .filter(|q| policy::may_read(&viewer, q))
            .map(LearningQuestion)
            .collect())
    }

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
    /// Approves, rejects, marks as duplicate, hides, restores or moves a question (moderators
    /// with the question, and a theme it moves to, in scope; admins). The change and its
    /// audit entry are written together.
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

    /// Stars, highlights (being discussed now) or marks as discussed an approved question
    /// (moderators in scope, admins). Fields left out stay as they are.
    async fn mark_learning_question(
        &self,
        ctx: &Context<'_>,
        input: MarkLearningQuestionInput,
    ) -> async_graphql::Result<LearningQuestion> {
        let id = ids::decode(&input.id, NodeType::LearningQuestion, "id")?;
        let marks = Marks {
            starred: input.starred,
            highlighted: input.highlighted,
            discussed: input.discussed,
        };
        let question =
            service::mark(ctx.writer()?, ctx.changes()?, &ctx.viewer(), id, marks).await?;
        Ok(LearningQuestion(question))
    }

    /// Chooses post-moderation (questions appear at once) or the approval queue for an
    /// event or one theme of it (staff, admins). Recorded in the audit log.
    async fn set_moderation_mode(
        &self,
        ctx: &Context<'_>,
        input: SetModerationModeInput,
    ) -> async_graphql::Result<ModerationModeSetting> {
        let viewer = ctx.viewer();
        if viewer == crate::auth::Viewer::Anonymous {
            return Err(crate::error::AppError::Unauthenticated.into());
        }
        let event = find_event(ctx, input.event_slug.as_deref()).await?;
        let theme_id = input
            .theme_id
            .map(|id| ids::decode(&id, NodeType::Theme, "themeId"))
            .transpose()?;
        let setting = service::set_mode(
            ctx.writer()?.connection(),
            &viewer,
            event.id,
            theme_id,
            input.post_moderation,
        )
        .await?;
        Ok(ModerationModeSetting(setting))
    }
}
