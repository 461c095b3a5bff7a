//! `Theme`: of the learning agenda, a topic, or a question put to all participants.

use std::sync::Arc;

use async_graphql::{Context, ID, Object};
use entity::theme;

use super::{Session, ThemeKind, find_event, snapshot};
use crate::graphql::ids::{self, NodeType};
use crate::graphql::pagination::CountedConnection;

/// A theme: of the learning agenda, a topic, or a question put to all participants.
pub struct Theme(pub Arc<theme::Model>);

#[Object]
impl Theme {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::Theme, self.0.id)
    }
    /// Stable across events, e.g. `gemengde-wijken`.
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    async fn kind(&self) -> ThemeKind {
        self.0.kind.into()
    }
    /// The questions that guide the conversation on this theme, in order.
    async fn guiding_questions(&self) -> Vec<String> {
        self.0
            .guiding_questions
            .as_array()
            .map(|questions| {
                questions
                    .iter()
                    .filter_map(|q| q.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
    /// Sessions on this theme, in time order (over all events).
    async fn sessions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Session>> {
        let snapshot = snapshot(ctx).await?;
        Ok(snapshot
            .sessions_of_theme(self.0.id)
            .iter()
            .cloned()
            .map(Session)
            .collect())
    }
    /// Learning questions on this theme that the viewer may read (over all events unless `eventSlug` is given).
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn learning_questions(
        &self,
        ctx: &Context<'_>,
        event_slug: Option<String>,
        order_by: Option<crate::graphql::feedback::LearningQuestionOrder>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<CountedConnection<crate::graphql::feedback::LearningQuestion>> {
        let event_id = match event_slug {
            Some(slug) => Some(find_event(ctx, Some(&slug)).await?.id),
            None => None,
        };
        let filter = crate::service::feedback::QuestionFilter {
            theme_id: Some(self.0.id),
            event_id,
            ..Default::default()
        };
        crate::graphql::feedback::list_questions(
            ctx,
            filter,
            order_by.unwrap_or_default(),
            first,
            after,
        )
        .await
    }
}
