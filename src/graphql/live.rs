//! Live updates: `learningQuestionEvents` over WebSocket (graphql-transport-ws). The changes
//! come from the service layer's channel (`service::live`); each subscriber receives those
//! its role may read.

use async_graphql::{Context, Enum, ID, SimpleObject, Subscription};
use futures_util::stream::{self, Stream, StreamExt};
use tokio_stream::wrappers::BroadcastStream;

use super::context::ContextExt;
use super::feedback::LearningQuestion;
use super::ids::{self, NodeType};
use super::programme::find_event;
use crate::auth::policy;
use crate::service::live::Loaded;

/// Request data set by the WebSocket transport to run a participant's shared document for one
/// change only (of their own question, which the shared execution does not deliver): the
/// subscription then yields that change, if its arguments and the viewer let it through,
/// and ends.
#[derive(Debug, Clone)]
pub struct OneChange(pub Loaded);

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
        let changes = match ctx.data_opt::<OneChange>() {
            Some(OneChange(loaded)) => stream::iter([Ok(loaded.clone())]).boxed(),
            None => BroadcastStream::new(ctx.changes()?.subscribe()).boxed(),
        };
        let stream = changes.filter_map(move |loaded| {
            // A lagging subscriber skips what it missed; a re-query recovers it.
            let delivered = loaded.ok().and_then(|loaded| {
                let question = &*loaded.question;
                let wanted = event_id.is_none_or(|id| id == question.event_id)
                    && theme_id.is_none_or(|id| id == question.theme_id)
                    && policy::may_read(&viewer, question);
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
