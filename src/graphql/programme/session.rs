//! `Session` and the people in it (`SessionSpeaker`).

use std::sync::Arc;

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::session;

use super::{
    Event, Organisation, Person, ProgrammeBlock, SessionKind, SpeakerRole, Theme, snapshot,
};
use crate::error::AppError;
use crate::graphql::ids::{self, NodeType};
use crate::graphql::pagination::CountedConnection;

/// A plenary, workshop or learning-agenda session.
pub struct Session(pub Arc<session::Model>);

#[Object]
impl Session {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::Session, self.0.id)
    }
    /// Stable key within the event, e.g. `r1-abcd-in-de-wijkaanpak`.
    async fn key(&self) -> &str {
        &self.0.key
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    async fn kind(&self) -> SessionKind {
        self.0.kind.into()
    }
    async fn block(&self, ctx: &Context<'_>) -> async_graphql::Result<ProgrammeBlock> {
        let snapshot = snapshot(ctx).await?;
        let block = snapshot.block(self.0.block_id);
        Ok(ProgrammeBlock(
            block.ok_or_else(|| AppError::not_found("block"))?.clone(),
        ))
    }
    async fn event(&self, ctx: &Context<'_>) -> async_graphql::Result<Event> {
        let snapshot = snapshot(ctx).await?;
        let event = snapshot.event(self.0.event_id);
        Ok(Event(
            event.ok_or_else(|| AppError::not_found("event"))?.clone(),
        ))
    }
    async fn starts_at(&self) -> DateTime<Utc> {
        self.0.starts_at
    }
    async fn ends_at(&self) -> DateTime<Utc> {
        self.0.ends_at
    }
    /// Hosts, speakers, facilitators and table guests, in the programme's order.
    async fn speakers(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<SessionSpeaker>> {
        let snapshot = snapshot(ctx).await?;
        Ok(snapshot
            .speakers_of_session(self.0.id)
            .iter()
            .filter_map(|link| {
                Some(SessionSpeaker {
                    person: Person(snapshot.person(link.person_id)?.clone()),
                    role: link.role.into(),
                })
            })
            .collect())
    }
    async fn themes(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Theme>> {
        let snapshot = snapshot(ctx).await?;
        Ok(snapshot
            .theme_ids_of_session(self.0.id)
            .iter()
            .filter_map(|id| snapshot.theme(*id).cloned().map(Theme))
            .collect())
    }
    /// Organisations taking part in the session.
    async fn organisations(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Organisation>> {
        let snapshot = snapshot(ctx).await?;
        Ok(snapshot
            .organisation_ids_of_session(self.0.id)
            .iter()
            .filter_map(|id| snapshot.organisation(*id).cloned().map(Organisation))
            .collect())
    }
    /// The other times this same workshop is given (e.g. in both rounds).
    async fn other_occurrences(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Session>> {
        let Some(workshop) = &self.0.workshop_key else {
            return Ok(Vec::new());
        };
        let snapshot = snapshot(ctx).await?;
        Ok(snapshot
            .sessions_of_workshop(self.0.event_id, workshop)
            .iter()
            .filter(|s| s.id != self.0.id)
            .cloned()
            .map(Session)
            .collect())
    }
    /// Room or online location (e.g. "Zaal 2"); `null` when the programme names none.
    async fn room(&self) -> Option<&str> {
        self.0.room.as_deref()
    }
    /// Stream or meeting link (absolute http(s) URL); `null` when there is none.
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }
    /// This session's calendar (iCalendar, with its time zone), as a path on this server:
    /// `/events/{slug}/sessies/{key}.ics`. The event's feed is `/events/{slug}/calendar.ics`.
    async fn calendar_url(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        let snapshot = snapshot(ctx).await?;
        let event = snapshot
            .event(self.0.event_id)
            .ok_or_else(|| AppError::not_found("event"))?;
        Ok(format!("/events/{}/sessies/{}.ics", event.slug, self.0.key))
    }
    /// Whether participants may submit learning questions in this session now.
    async fn feedback_open(&self) -> bool {
        self.0.feedback_open
    }
    /// Learning questions submitted in this session that the viewer may read.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn learning_questions(
        &self,
        ctx: &Context<'_>,
        order_by: Option<crate::graphql::feedback::LearningQuestionOrder>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<CountedConnection<crate::graphql::feedback::LearningQuestion>> {
        let filter = crate::service::feedback::QuestionFilter {
            session_id: Some(self.0.id),
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

/// A person in the role they have in one session.
#[derive(SimpleObject)]
pub struct SessionSpeaker {
    pub person: Person,
    pub role: SpeakerRole,
}
