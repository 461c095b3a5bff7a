//! Live updates: `learningQuestionEvents` over WebSocket (graphql-transport-ws). The changes
//! come from the service layer's channel (`service::live`); each subscriber receives those
//! its role may read.

use async_graphql::{Context, Enum, ID, SimpleObject, Subscription};
use futures_util::{Stream, StreamExt};
use tokio_stream::wrappers::BroadcastStream;

use super::context::ContextExt;
use super::feedback::LearningQuestion;
use super::ids::{self, NodeType};
use super::programme::find_event;
use crate::auth::{Viewer, policy};

/// Request data set by the WebSocket transport when the part of a participant's subscription
/// that all participants of the event see is delivered by a shared execution: this one then
/// delivers only what the participant alone may read (their own questions while not shared).
#[derive(Debug, Clone, Copy)]
pub struct OwnQuestionsOnly;

/// What happened to a question.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::service::live::QuestionChange")]
pub enum QuestionChange {
    Submitted,
    Moderated,
    /// Its vote count changed (several votes within a quarter of a second make one event).
    Voted,
}

/// One change delivered to a subscriber.
#[derive(SimpleObject)]
pub struct LearningQuestionEvent {
    pub change: QuestionChange,
    pub question: LearningQuestion,
}

#[derive(Default)]
pub struct SubscriptionRoot;

#[Subscription]
impl SubscriptionRoot {
    /// New and changed questions the viewer may see: moderators their scope (and approved
    /// questions), participants approved questions of their event (and their own), staff all.
    async fn learning_question_events(
        &self,
        ctx: &Context<'_>,
        event_slug: Option<String>,
        theme_id: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = LearningQuestionEvent>> {
        let viewer = ctx.viewer();
        policy::readable_questions(&viewer)?;
        let theme_id = theme_id
            .map(|id| ids::decode(&id, NodeType::Theme, "themeId"))
            .transpose()?;
        let event_id = match event_slug {
            Some(slug) => Some(find_event(ctx, Some(&slug)).await?.id),
            None => None,
        };
        let shared_part = match (ctx.data_opt::<OwnQuestionsOnly>(), &viewer) {
            (Some(_), Viewer::Participant { event_id, .. }) => {
                Some(Viewer::any_participant_of(*event_id))
            }
            _ => None,
        };
        let stream = BroadcastStream::new(ctx.changes()?.subscribe()).filter_map(move |loaded| {
            // A lagging subscriber skips what it missed; a re-query recovers it.
            let delivered = loaded.ok().and_then(|loaded| {
                let question = &*loaded.question;
                let wanted = event_id.is_none_or(|id| id == question.event_id)
                    && theme_id.is_none_or(|id| id == question.theme_id)
                    && policy::may_read(&viewer, question)
                    && !shared_part
                        .as_ref()
                        .is_some_and(|shared| policy::may_read(shared, question));
                wanted.then(|| LearningQuestionEvent {
                    change: loaded.change.into(),
                    question: LearningQuestion(question.clone()),
                })
            });
            std::future::ready(delivered)
        });
        Ok(stream)
    }
}
