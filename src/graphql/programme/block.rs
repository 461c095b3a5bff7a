//! `ProgrammeBlock`: a plenary or a round of parallel workshops.

use std::sync::Arc;

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::programme_block;

use super::{BlockKind, Event, Session, snapshot};
use crate::error::AppError;
use crate::graphql::ids::{self, NodeType};

/// A part of the day: a plenary or a round of parallel workshops.
pub struct ProgrammeBlock(pub Arc<programme_block::Model>);

#[Object]
impl ProgrammeBlock {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::ProgrammeBlock, self.0.id)
    }
    async fn kind(&self) -> BlockKind {
        self.0.kind.into()
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    async fn starts_at(&self) -> DateTime<Utc> {
        self.0.starts_at
    }
    async fn ends_at(&self) -> DateTime<Utc> {
        self.0.ends_at
    }
    /// Order within the event, from 0.
    async fn position(&self) -> i32 {
        self.0.position
    }
    async fn event(&self, ctx: &Context<'_>) -> async_graphql::Result<Event> {
        let snapshot = snapshot(ctx).await?;
        let event = snapshot.event(self.0.event_id);
        Ok(Event(
            event.ok_or_else(|| AppError::not_found("event"))?.clone(),
        ))
    }
    /// Sessions of this block in programme order.
    async fn sessions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Session>> {
        let snapshot = snapshot(ctx).await?;
        Ok(snapshot
            .sessions_of_block(self.0.id)
            .iter()
            .cloned()
            .map(Session)
            .collect())
    }
}
