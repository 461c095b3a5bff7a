//! Live updates: `learningQuestionEvents` over WebSocket (graphql-transport-ws). Changes are
//! published in-process after their transaction commits; each subscriber re-reads the
//! question and receives it only if its role may read it. A dropped connection loses nothing
//! that a `learningQuestions` query cannot recover: events carry no state of their own.

use async_graphql::{Context, Enum, ID, SimpleObject, Subscription};
use futures_util::{Stream, StreamExt};
use sea_orm::EntityTrait;
use tokio::sync::broadcast;
use tokio_stream::wrappers::BroadcastStream;

use super::context::ContextExt;
use super::feedback::LearningQuestion;
use super::ids::{self, NodeType};
use super::programme::find_event;
use crate::auth::policy;
use crate::error::AppError;

/// What happened to a question.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuestionChange {
    Submitted,
    Moderated,
    Voted,
}

/// A change to a question, as published.
#[derive(Debug, Clone, Copy)]
pub struct Published {
    pub change: QuestionChange,
    pub question_id: i32,
}

/// The channel of changes; cheap to clone.
#[derive(Clone)]
pub struct Changes(broadcast::Sender<Published>);

impl Changes {
    pub fn new() -> Self {
        Self(broadcast::channel(4096).0)
    }

    /// Announces a committed change; nobody listening is fine.
    pub fn publish(&self, change: QuestionChange, question_id: i32) {
        let _ = self.0.send(Published {
            change,
            question_id,
        });
    }
}

impl Default for Changes {
    fn default() -> Self {
        Self::new()
    }
}

/// Publishes from a resolver, if the schema has a channel.
pub fn publish(ctx: &Context<'_>, change: QuestionChange, question_id: i32) {
    if let Ok(changes) = ctx.data::<Changes>() {
        changes.publish(change, question_id);
    }
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
        let db = ctx.db()?.clone();
        let changes = ctx
            .data::<Changes>()
            .map_err(|_| AppError::internal(anyhow::anyhow!("no change channel")))?;
        let stream = BroadcastStream::new(changes.0.subscribe()).filter_map(move |published| {
            let db = db.clone();
            let viewer = viewer.clone();
            async move {
                // A lagging subscriber skips what it missed; a re-query recovers it.
                let published = published.ok()?;
                let question = entity::learning_question::Entity::find_by_id(published.question_id)
                    .one(&db)
                    .await
                    .ok()??;
                let wanted = event_id.is_none_or(|id| id == question.event_id)
                    && theme_id.is_none_or(|id| id == question.theme_id)
                    && policy::may_read(&viewer, &question);
                wanted.then_some(LearningQuestionEvent {
                    change: published.change,
                    question: LearningQuestion(question),
                })
            }
        });
        Ok(stream)
    }
}
