//! The programme's root fields: `node`, `events`, `event`, the lookups of sessions, people and
//! themes by ID or key, and `search`.

use std::sync::Arc;

use async_graphql::{Context, ID, Object};
use entity::event;

use super::search::{self, SearchConnection};
use super::{Event, Node, Organisation, Person, ProgrammeBlock, Session, Theme, snapshot};
use crate::error::AppError;
use crate::graphql::context::{ContextExt, load_one};
use crate::graphql::ids::{self, NodeType};

#[derive(Default)]
pub struct ProgrammeQuery;

#[Object]
impl ProgrammeQuery {
    /// Any object by its global ID; `null` when there is none.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Node>> {
        let Some((node_type, number)) = ids::decode_any(&id) else {
            return Err(AppError::bad_input("id", "not a valid ID").into());
        };
        if node_type == NodeType::LearningQuestion {
            let viewer = ctx.viewer();
            return Ok(load_one(ctx, crate::graphql::loaders::QuestionById(number))
                .await?
                .filter(|q| crate::auth::policy::may_read(&viewer, q))
                .map(|q| Node::LearningQuestion(crate::graphql::feedback::LearningQuestion(q))));
        }
        let snapshot = snapshot(ctx).await?;
        Ok(match node_type {
            NodeType::Event => snapshot
                .event(number)
                .cloned()
                .map(|m| Node::Event(Event(m))),
            NodeType::ProgrammeBlock => snapshot
                .block(number)
                .cloned()
                .map(|m| Node::ProgrammeBlock(ProgrammeBlock(m))),
            NodeType::Session => snapshot
                .session(number)
                .cloned()
                .map(|m| Node::Session(Session(m))),
            NodeType::Person => snapshot
                .person(number)
                .cloned()
                .map(|m| Node::Person(Person(m))),
            NodeType::Organisation => snapshot
                .organisation(number)
                .cloned()
                .map(|m| Node::Organisation(Organisation(m))),
            NodeType::Theme => snapshot
                .theme(number)
                .cloned()
                .map(|m| Node::Theme(Theme(m))),
            NodeType::LearningQuestion => None,
        })
    }

    /// All events, earliest first.
    async fn events(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Event>> {
        let snapshot = snapshot(ctx).await?;
        Ok(snapshot.events().iter().cloned().map(Event).collect())
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
        let session = snapshot(ctx).await?.session(number).cloned();
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
        let session = snapshot(ctx).await?.session_by_key(event.id, &key).cloned();
        Ok(Some(Session(found(
            session,
            "no session with this key in the event",
        )?)))
    }

    /// A person by ID; `null` with `NOT_FOUND` when there is none.
    async fn person(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Person>> {
        let number = ids::decode(&id, NodeType::Person, "id")?;
        let person = snapshot(ctx).await?.person(number).cloned();
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
        let person = snapshot(ctx)
            .await?
            .person_in_event(event.id, &key)
            .cloned();
        Ok(Some(Person(found(
            person,
            "no person with this key in the event",
        )?)))
    }

    /// A theme by ID; `null` with `NOT_FOUND` when there is none.
    async fn theme(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Theme>> {
        let number = ids::decode(&id, NodeType::Theme, "id")?;
        let theme = snapshot(ctx).await?.theme(number).cloned();
        Ok(Some(Theme(found(theme, "no theme with this ID")?)))
    }

    /// Searches sessions, people, themes and organisations, ignoring case and accents.
    /// Every word must occur; hits in a title or name rank before hits in a description.
    /// Pages like the other connections, in a stable order: by relevance, then kind, title and ID.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn search(
        &self,
        ctx: &Context<'_>,
        query: String,
        event_slug: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<SearchConnection> {
        Ok(search::search(ctx, &query, event_slug.as_deref(), first, after.as_deref()).await?)
    }
}

/// What a lookup found, or `NOT_FOUND` with this message.
fn found<T>(row: Option<T>, message: &str) -> Result<T, AppError> {
    row.ok_or_else(|| AppError::not_found(message))
}

/// The event with this slug, or the default event; `NOT_FOUND` otherwise.
pub async fn find_event(
    ctx: &Context<'_>,
    slug: Option<&str>,
) -> Result<Arc<event::Model>, AppError> {
    snapshot(ctx)
        .await?
        .event_by_slug(slug)
        .cloned()
        .ok_or_else(|| match slug {
            Some(slug) => AppError::not_found(format!("no event with slug {slug:?}")),
            None => AppError::not_found("there is no event yet"),
        })
}
