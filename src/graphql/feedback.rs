//! Learning questions: what participants want to learn, and who recognises it.

use async_graphql::{Context, Enum, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use entity::learning_question;

use super::context::{ContextExt, load_one};
use super::ids::{self, NodeType};
use super::loaders::{EventById, QuestionById, SessionById, ThemeById, VoteOf};
use super::pagination::{CountedConnection, PageRequest};
use super::programme::{Event, Session, Theme, find_event};
use crate::auth::{Viewer, policy};
use crate::error::AppError;
use crate::service::feedback::{
    self as service, Handles, Participant, QuestionFilter, QuestionOrder, Submission,
};

/// Where a question stands in moderation.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::ModerationStatus")]
pub enum ModerationStatus {
    Pending,
    Approved,
    Rejected,
    Duplicate,
    Hidden,
}

/// Who the participant says they are.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::SubmitterRole")]
pub enum SubmitterRole {
    Resident,
    Professional,
    Municipality,
    HousingCorporation,
    Researcher,
    Policymaker,
    Other,
}

/// How a participant would like to learn.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::LearningFormat")]
pub enum LearningFormat {
    Workshop,
    Webinar,
    PeerLearning,
    FieldVisit,
    Publication,
    LearningNetwork,
    Coaching,
}

/// Orderings of learning questions.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LearningQuestionOrder {
    /// Newest first.
    #[default]
    Newest,
    /// Most recognised first.
    MostVotes,
}

/// A learning question: what a participant wants to learn, on a theme.
pub struct LearningQuestion(pub learning_question::Model);

#[Object]
impl LearningQuestion {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::LearningQuestion, self.0.id)
    }
    async fn text(&self) -> &str {
        &self.0.text
    }
    /// The participant's own situation, if they gave it.
    async fn context(&self) -> Option<&str> {
        self.0.context.as_deref()
    }
    async fn theme(&self, ctx: &Context<'_>) -> async_graphql::Result<Theme> {
        let theme = load_one(ctx, ThemeById(self.0.theme_id)).await?;
        Ok(Theme(theme.ok_or_else(|| AppError::not_found("theme"))?))
    }
    async fn session(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Session>> {
        let Some(id) = self.0.session_id else {
            return Ok(None);
        };
        Ok(load_one(ctx, SessionById(id)).await?.map(Session))
    }
    async fn event(&self, ctx: &Context<'_>) -> async_graphql::Result<Event> {
        let event = load_one(ctx, EventById(self.0.event_id)).await?;
        Ok(Event(event.ok_or_else(|| AppError::not_found("event"))?))
    }
    async fn submitter_role(&self) -> Option<SubmitterRole> {
        self.0.submitter_role.map(Into::into)
    }
    async fn preferred_formats(&self) -> Vec<LearningFormat> {
        entity::enums::LearningFormat::list_from_json(&self.0.preferred_formats)
            .into_iter()
            .map(Into::into)
            .collect()
    }
    async fn region(&self) -> Option<&str> {
        self.0.region.as_deref()
    }
    async fn status(&self) -> ModerationStatus {
        self.0.status.into()
    }
    /// The question this one repeats, when marked as a duplicate (and readable by the viewer).
    async fn duplicate_of(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<LearningQuestion>> {
        let Some(id) = self.0.duplicate_of_id else {
            return Ok(None);
        };
        let viewer = ctx.viewer();
        Ok(load_one(ctx, QuestionById(id))
            .await?
            .filter(|q| policy::may_read(&viewer, q))
            .map(LearningQuestion))
    }
    /// How many participants recognise this question.
    async fn vote_count(&self) -> i32 {
        self.0.vote_count
    }
    async fn viewer_has_voted(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        match ctx.viewer() {
            Viewer::Participant { participant_id, .. } => {
                Ok(load_one(ctx, VoteOf((participant_id, self.0.id)))
                    .await?
                    .unwrap_or(false))
            }
            _ => Ok(false),
        }
    }
    /// Whether the viewer submitted this question.
    async fn is_mine(&self, ctx: &Context<'_>) -> bool {
        matches!(ctx.viewer(), Viewer::Participant { participant_id, .. } if participant_id == self.0.participant_id)
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Queued by a moderator for the table during the session.
    async fn starred(&self) -> bool {
        self.0.starred
    }
    /// Being discussed now (one per event and theme); the studio screen shows it on top.
    async fn highlighted(&self) -> bool {
        self.0.highlighted_at.is_some()
    }
    /// Taken up in the session (kept for the report).
    async fn discussed(&self) -> bool {
        self.0.discussed_at.is_some()
    }
    /// When it was marked as discussed.
    async fn discussed_at(&self) -> Option<DateTime<Utc>> {
        self.0.discussed_at
    }
    /// Other questions on the same theme that resemble this one (candidates for MARK_DUPLICATE).
    async fn similar_questions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
    ) -> async_graphql::Result<Vec<LearningQuestion>> {
        let readable = policy::readable_questions(&ctx.viewer())?;
        let limit = usize::try_from(first.unwrap_or(5).clamp(0, 20)).unwrap_or(5);
        let found = crate::service::clusters::similar(
            ctx.db()?,
            readable,
            self.0.theme_id,
            &self.0.text,
            Some(self.0.id),
            limit,
        )
        .await?;
        Ok(found
            .into_iter()
            .map(|(q, _)| LearningQuestion(q))
            .collect())
    }
}

#[derive(InputObject)]
pub struct SubmitLearningQuestionInput {
    /// A learning-agenda theme of your event, or its plenary question.
    pub theme_id: ID,
    /// The session you are in; it must serve the theme and be open for feedback.
    pub session_id: Option<ID>,
    /// 10 to 1000 characters.
    pub text: String,
    /// Up to 2000 characters.
    pub context: Option<String>,
    pub submitter_role: Option<SubmitterRole>,
    pub preferred_formats: Option<Vec<LearningFormat>>,
    /// Up to 100 characters.
    pub region: Option<String>,
    /// Send the same key when retrying: you get the first question back instead of a second one.
    pub idempotency_key: Option<String>,
}

/// Filters on learning questions; all given filters must hold.
#[derive(InputObject, Default)]
pub struct LearningQuestionFilter {
    pub event_slug: Option<String>,
    pub theme_id: Option<ID>,
    pub session_id: Option<ID>,
    pub status: Option<ModerationStatus>,
    pub submitter_role: Option<SubmitterRole>,
    pub format: Option<LearningFormat>,
    /// Words that must all occur in the text (case ignored).
    pub text: Option<String>,
    /// Only the viewer's own questions (participants).
    pub mine: Option<bool>,
}

/// Lists learning questions visible to the viewer.
pub async fn list_questions(
    ctx: &Context<'_>,
    mut filter: QuestionFilter,
    order: LearningQuestionOrder,
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<CountedConnection<LearningQuestion>> {
    let viewer = ctx.viewer();
    let visible = policy::readable_questions(&viewer)?;
    let page = PageRequest::parse(first, after.as_deref())?;
    if filter
        .text
        .as_ref()
        .is_some_and(|t| t.chars().count() > 200)
    {
        return Err(AppError::bad_input("filter.text", "at most 200 characters").into());
    }
    if filter.participant_id == Some(-1) {
        filter.participant_id = match viewer {
            Viewer::Participant { participant_id, .. } => Some(participant_id),
            _ => {
                return Err(AppError::bad_input(
                    "filter.mine",
                    "only participants have questions of their own",
                )
                .into());
            }
        };
    }
    let order = match order {
        LearningQuestionOrder::Newest => QuestionOrder::Newest,
        LearningQuestionOrder::MostVotes => QuestionOrder::MostVotes,
    };
    let (rows, total) =
        service::questions_page(ctx.db()?, visible, &filter, order, page.offset, page.limit)
            .await?;
    Ok(page.connection(rows, total, LearningQuestion))
}

impl LearningQuestionFilter {
    async fn into_service(self, ctx: &Context<'_>) -> Result<QuestionFilter, AppError> {
        let decode = |id: Option<ID>, node_type, field: &str| {
            id.map(|id| ids::decode(&id, node_type, &format!("filter.{field}")))
                .transpose()
        };
        let event_id = match self.event_slug {
            Some(slug) => Some(find_event(ctx, Some(&slug)).await?.id),
            None => None,
        };
        Ok(QuestionFilter {
            event_id,
            theme_id: decode(self.theme_id, NodeType::Theme, "themeId")?,
            session_id: decode(self.session_id, NodeType::Session, "sessionId")?,
            status: self.status.map(Into::into),
            submitter_role: self.submitter_role.map(Into::into),
            format: self
                .format
                .map(|f| entity::enums::LearningFormat::from(f).api_name().to_owned()),
            text: self.text,
            // Resolved against the viewer in `list_questions`.
            participant_id: self.mine.filter(|m| *m).map(|_| -1),
        })
    }
}

#[derive(Default)]
pub struct FeedbackQuery;

#[Object]
impl FeedbackQuery {
    /// Learning questions the viewer may read: participants their own and the approved ones
    /// of their event, moderators approved ones and everything in their scope, staff and admins all.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn learning_questions(
        &self,
        ctx: &Context<'_>,
        filter: Option<LearningQuestionFilter>,
        order_by: Option<LearningQuestionOrder>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<CountedConnection<LearningQuestion>> {
        let filter = filter.unwrap_or_default().into_service(ctx).await?;
        list_questions(ctx, filter, order_by.unwrap_or_default(), first, after).await
    }

    /// One learning question, if the viewer may read it.
    async fn learning_question(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<LearningQuestion> {
        let number = ids::decode(&id, NodeType::LearningQuestion, "id")?;
        let viewer = ctx.viewer();
        policy::readable_questions(&viewer)?;
        load_one(ctx, QuestionById(number))
            .await?
            .filter(|q| policy::may_read(&viewer, q))
            .map(LearningQuestion)
            .ok_or_else(|| AppError::not_found("no question with this ID").into())
    }
}

#[derive(Default)]
pub struct FeedbackMutation;

#[Object]
impl FeedbackMutation {
    /// Submits a learning question (participants, while feedback is open). It waits for a moderator.
    async fn submit_learning_question(
        &self,
        ctx: &Context<'_>,
        input: SubmitLearningQuestionInput,
    ) -> async_graphql::Result<LearningQuestion> {
        let participant = participant(ctx)?;
        let submission = Submission {
            theme_id: ids::decode(&input.theme_id, NodeType::Theme, "themeId")?,
            session_id: input
                .session_id
                .map(|id| ids::decode(&id, NodeType::Session, "sessionId"))
                .transpose()?,
            text: input.text,
            context: input.context,
            submitter_role: input.submitter_role.map(Into::into),
            preferred_formats: input
                .preferred_formats
                .unwrap_or_default()
                .into_iter()
                .map(|f| entity::enums::LearningFormat::from(f).api_name().to_owned())
                .collect(),
            region: input.region,
            idempotency_key: input.idempotency_key,
        };
        let question = service::submit(handles(ctx)?, participant, submission).await?;
        Ok(LearningQuestion(question))
    }

    /// "Ik herken deze vraag": one vote per participant, on approved questions of their event.
    async fn vote_learning_question(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<LearningQuestion> {
        change_vote(ctx, &id, service::VoteChange::Add).await
    }

    /// Withdraws the viewer's vote.
    async fn unvote_learning_question(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<LearningQuestion> {
        change_vote(ctx, &id, service::VoteChange::Withdraw).await
    }
}

async fn change_vote(
    ctx: &Context<'_>,
    id: &ID,
    change: service::VoteChange,
) -> async_graphql::Result<LearningQuestion> {
    let participant = participant(ctx)?;
    let question_id = ids::decode(id, NodeType::LearningQuestion, "id")?;
    let question = service::change_vote(handles(ctx)?, participant, question_id, change).await?;
    Ok(LearningQuestion(question))
}

fn participant(ctx: &Context<'_>) -> Result<Participant, AppError> {
    let (id, event_id) = policy::require_participant(&ctx.viewer())?;
    Ok(Participant { id, event_id })
}

fn handles<'a>(ctx: &'a Context<'_>) -> Result<Handles<'a>, AppError> {
    Ok(Handles {
        db: ctx.db()?,
        writer: ctx.writer()?,
        changes: ctx.changes()?,
        limits: ctx.limits()?,
    })
}
