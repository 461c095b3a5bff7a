//! `Session` and the people in it (`SessionSpeaker`).

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::session;

use super::{Event, Organisation, Person, ProgrammeBlock, SessionKind, SpeakerRole, Theme};
use crate::error::AppError;
use crate::graphql::context::{load_list, load_many, load_one};
use crate::graphql::ids::{self, NodeType};
use crate::graphql::loaders::{
    BlockById, EventById, OrganisationById, OrganisationIdsOfSession, PersonById,
    SessionsOfWorkshop, SpeakersOfSession, ThemeById, ThemeIdsOfSession,
};
use crate::graphql::pagination::CountedConnection;

/// A plenary, workshop or learning-agenda session.
pub struct Session(pub session::Model);

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
        let block = load_one(ctx, BlockById(self.0.block_id)).await?;
        Ok(ProgrammeBlock(
            block.ok_or_else(|| AppError::not_found("block"))?,
        ))
    }
    async fn event(&self, ctx: &Context<'_>) -> async_graphql::Result<Event> {
        let event = load_one(ctx, EventById(self.0.event_id)).await?;
        Ok(Event(event.ok_or_else(|| AppError::not_found("event"))?))
    }
    async fn starts_at(&self) -> DateTime<Utc> {
        self.0.starts_at
    }
    async fn ends_at(&self) -> DateTime<Utc> {
        self.0.ends_at
    }
    /// Hosts, speakers, facilitators and table guests, in the programme's order.
    async fn speakers(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<SessionSpeaker>> {
        let links = load_list(ctx, SpeakersOfSession(self.0.id)).await?;
        let people =
            load_many(ctx, links.iter().map(|l| PersonById(l.person_id)).collect()).await?;
        Ok(links
            .iter()
            .filter_map(|link| {
                let person = people.iter().find(|p| p.id == link.person_id)?;
                Some(SessionSpeaker {
                    person: Person(person.clone()),
                    role: link.role.into(),
                })
            })
            .collect())
    }
    async fn themes(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Theme>> {
        let theme_ids = load_list(ctx, ThemeIdsOfSession(self.0.id)).await?;
        let themes = load_many(ctx, theme_ids.into_iter().map(ThemeById).collect()).await?;
        Ok(themes.into_iter().map(Theme).collect())
    }
    /// Organisations taking part in the session.
    async fn organisations(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Organisation>> {
        let organisation_ids = load_list(ctx, OrganisationIdsOfSession(self.0.id)).await?;
        let organisations = load_many(
            ctx,
            organisation_ids.into_iter().map(OrganisationById).collect(),
        )
        .await?;
        Ok(organisations.into_iter().map(Organisation).collect())
    }
    /// The other times this same workshop is given (e.g. in both rounds).
    async fn other_occurrences(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Session>> {
        let Some(workshop) = &self.0.workshop_key else {
            return Ok(Vec::new());
        };
        let sessions =
            load_list(ctx, SessionsOfWorkshop((self.0.event_id, workshop.clone()))).await?;
        Ok(sessions
            .into_iter()
            .filter(|s| s.id != self.0.id)
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
        let event = load_one(ctx, EventById(self.0.event_id))
            .await?
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
