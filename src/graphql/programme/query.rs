//! The programme's root fields: `node`, `events`, `event`, `session`, `person`, `theme`, `search`.

use async_graphql::{Context, ID, Object};
use entity::{event, organisation, person, session, theme};

use super::search::{MAX_QUERY_CHARS, MAX_SEARCH_HITS};
use super::{Event, Node, Organisation, Person, ProgrammeBlock, SearchHit, Session, Theme};
use crate::error::AppError;
use crate::graphql::context::{ContextExt, load_many, load_one};
use crate::graphql::ids::{self, NodeType};
use crate::graphql::loaders::{
    BlockById, EventById, OrganisationById, PersonById, SessionById, ThemeById,
};
use crate::service::programme as service;
use crate::service::search as search_service;

#[derive(Default)]
pub struct ProgrammeQuery;

#[Object]
impl ProgrammeQuery {
    /// Any object by its global ID; `null` when there is none.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Node>> {
        let Some((node_type, number)) = ids::decode_any(&id) else {
            return Err(AppError::bad_input("id", "not a valid ID").into());
        };
        Ok(match node_type {
            NodeType::Event => load_one(ctx, EventById(number))
                .await?
                .map(|m| Node::Event(Event(m))),
            NodeType::ProgrammeBlock => load_one(ctx, BlockById(number))
                .await?
                .map(|m| Node::ProgrammeBlock(ProgrammeBlock(m))),
            NodeType::Session => load_one(ctx, SessionById(number))
                .await?
                .map(|m| Node::Session(Session(m))),
            NodeType::Person => load_one(ctx, PersonById(number))
                .await?
                .map(|m| Node::Person(Person(m))),
            NodeType::Organisation => load_one(ctx, OrganisationById(number))
                .await?
                .map(|m| Node::Organisation(Organisation(m))),
            NodeType::Theme => load_one(ctx, ThemeById(number))
                .await?
                .map(|m| Node::Theme(Theme(m))),
            NodeType::LearningQuestion => {
                let viewer = ctx.viewer();
                load_one(ctx, crate::graphql::loaders::QuestionById(number))
                    .await?
                    .filter(|q| crate::auth::policy::may_read(&viewer, q))
                    .map(|q| Node::LearningQuestion(crate::graphql::feedback::LearningQuestion(q)))
            }
        })
    }

    /// All events, earliest first.
    async fn events(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Event>> {
        let rows = service::events(ctx.db()?).await.map_err(AppError::from)?;
        Ok(rows.into_iter().map(Event).collect())
    }

    // Lookups are nullable, as in GitHub's API: when nothing is found the field is `null`
    // with a `NOT_FOUND` error, and the rest of the response still stands.

    /// The event with this slug; without a slug, the default (first) event.
    /// `null` with `NOT_FOUND` when there is none.
    async fn event(
        &self,
        ctx: &Context<'_>,
        slug: Option<String>,
    ) -> async_graphql::Result<Option<Event>> {
        Ok(Some(Event(find_event(ctx, slug.as_deref()).await?)))
    }

    /// A session by ID; `null` with `NOT_FOUND` when there is none.
    async fn session(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Session>> {
        let number = ids::decode(&id, NodeType::Session, "id")?;
        let session = load_one(ctx, SessionById(number)).await?;
        Ok(Some(Session(found(session, "no session with this ID")?)))
    }

    /// A session by its readable key (e.g. `r1-abcd-in-de-wijkaanpak`) in the event with this
    /// slug; without a slug, in the default (first) event. For readable addresses, such as
    /// `/events/{eventSlug}/sessies/{key}`. `null` with `NOT_FOUND` when there is none.
    async fn session_by_key(
        &self,
        ctx: &Context<'_>,
        key: String,
        event_slug: Option<String>,
    ) -> async_graphql::Result<Option<Session>> {
        let event = find_event(ctx, event_slug.as_deref()).await?;
        let session = service::session_by_key(ctx.db()?, event.id, &key).await?;
        Ok(Some(Session(found(
            session,
            "no session with this key in the event",
        )?)))
    }

    /// A person by ID; `null` with `NOT_FOUND` when there is none.
    async fn person(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Person>> {
        let number = ids::decode(&id, NodeType::Person, "id")?;
        let person = load_one(ctx, PersonById(number)).await?;
        Ok(Some(Person(found(person, "no person with this ID")?)))
    }

    /// A person by their readable key (e.g. `hadassah-de-boer`) among the people taking part
    /// in the event with this slug; without a slug, in the default (first) event. For
    /// readable addresses, such as `/events/{eventSlug}/personen/{key}`. `null` with
    /// `NOT_FOUND` when there is none.
    async fn person_by_key(
        &self,
        ctx: &Context<'_>,
        key: String,
        event_slug: Option<String>,
    ) -> async_graphql::Result<Option<Person>> {
        let event = find_event(ctx, event_slug.as_deref()).await?;
        let person = service::person_by_key(ctx.db()?, event.id, &key).await?;
        Ok(Some(Person(found(
            person,
            "no person with this key in the event",
        )?)))
    }

    /// A theme by ID; `null` with `NOT_FOUND` when there is none.
    async fn theme(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Theme>> {
        let number = ids::decode(&id, NodeType::Theme, "id")?;
        let theme = load_one(ctx, ThemeById(number)).await?;
        Ok(Some(Theme(found(theme, "no theme with this ID")?)))
    }

    /// Searches sessions, people, themes and organisations, ignoring case and accents.
    /// Every word must occur; hits in a title or name rank before hits in a description.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn search(
        &self,
        ctx: &Context<'_>,
        query: String,
        event_slug: Option<String>,
        first: Option<i32>,
    ) -> async_graphql::Result<Vec<SearchHit>> {
        if query.trim().is_empty() {
            return Err(AppError::bad_input("query", "must not be empty").into());
        }
        if query.chars().count() > MAX_QUERY_CHARS {
            return Err(AppError::bad_input(
                "query",
                format!("at most {MAX_QUERY_CHARS} characters"),
            )
            .into());
        }
        let limit = match first {
            None => 20,
            Some(n) if (0..=MAX_SEARCH_HITS).contains(&n) => n,
            Some(_) => {
                return Err(AppError::bad_input(
                    "first",
                    format!("between 0 and {MAX_SEARCH_HITS}"),
                )
                .into());
            }
        };
        let event_id = match event_slug {
            Some(slug) => Some(find_event(ctx, Some(&slug)).await?.id),
            None => None,
        };
        let matches = search_service::search(
            ctx.db()?,
            &query,
            event_id,
            usize::try_from(limit).unwrap_or(0),
        )
        .await
        .map_err(AppError::from)?;
        // One batch per kind, whatever the number of hits.
        use entity::enums::SearchKind;
        let ids_of = |kind| {
            matches
                .iter()
                .filter(move |m| m.kind == kind)
                .map(|m| m.entity_id)
        };
        let (sessions, people, themes, organisations) = futures_util::try_join!(
            load_many(ctx, ids_of(SearchKind::Session).map(SessionById).collect()),
            load_many(ctx, ids_of(SearchKind::Person).map(PersonById).collect()),
            load_many(ctx, ids_of(SearchKind::Theme).map(ThemeById).collect()),
            load_many(
                ctx,
                ids_of(SearchKind::Organisation)
                    .map(OrganisationById)
                    .collect()
            ),
        )?;
        let hits = matches
            .iter()
            .filter_map(|m| match m.kind {
                SearchKind::Session => sessions
                    .iter()
                    .find(|s: &&session::Model| s.id == m.entity_id)
                    .map(|s| SearchHit::Session(Session(s.clone()))),
                SearchKind::Person => people
                    .iter()
                    .find(|p: &&person::Model| p.id == m.entity_id)
                    .map(|p| SearchHit::Person(Person(p.clone()))),
                SearchKind::Theme => themes
                    .iter()
                    .find(|t: &&theme::Model| t.id == m.entity_id)
                    .map(|t| SearchHit::Theme(Theme(t.clone()))),
                SearchKind::Organisation => organisations
                    .iter()
                    .find(|o: &&organisation::Model| o.id == m.entity_id)
                    .map(|o| SearchHit::Organisation(Organisation(o.clone()))),
            })
            .collect();
        Ok(hits)
    }
}

/// What a lookup found, or `NOT_FOUND` with this message.
fn found<T>(row: Option<T>, message: &str) -> Result<T, AppError> {
    row.ok_or_else(|| AppError::not_found(message))
}

/// The event with this slug, or the default event; `NOT_FOUND` otherwise.
pub async fn find_event(ctx: &Context<'_>, slug: Option<&str>) -> Result<event::Model, AppError> {
    service::event_by_slug(ctx.db()?, slug)
        .await?
        .ok_or_else(|| match slug {
            Some(slug) => AppError::not_found(format!("no event with slug {slug:?}")),
            None => AppError::not_found("there is no event yet"),
        })
}
