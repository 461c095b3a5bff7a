//! Search over the programme as a cursor connection of hits (sessions, people, themes,
//! organisations), like the other lists that can grow.

use async_graphql::connection::{Connection, ConnectionNameType, EdgeNameType, EmptyFields};
use async_graphql::{Context, OutputType, Union};
use entity::enums::SearchKind;
use entity::{organisation, person, session, theme};

use super::{Organisation, Person, Session, Theme, find_event};
use crate::error::AppError;
use crate::graphql::context::{ContextExt, load_many};
use crate::graphql::loaders::{OrganisationById, PersonById, SessionById, ThemeById};
use crate::graphql::pagination::{ConnectionTotals, PageRequest};
use crate::service::search::{self as service, SearchMatch};

/// A search result.
#[derive(Union)]
pub enum SearchHit {
    Session(Session),
    Person(Person),
    Theme(Theme),
    Organisation(Organisation),
}

/// Longest search text accepted.
pub const MAX_QUERY_CHARS: usize = 200;

/// Names the connection `SearchConnection` (not `SearchHitConnection`), as the contract has it.
pub struct SearchConnectionName;

impl ConnectionNameType for SearchConnectionName {
    fn type_name<T: OutputType>() -> String {
        "SearchConnection".to_owned()
    }
}

/// Names the edges `SearchEdge`.
pub struct SearchEdgeName;

impl EdgeNameType for SearchEdgeName {
    fn type_name<T: OutputType>() -> String {
        "SearchEdge".to_owned()
    }
}

/// Hits of a search, a page at a time, with `totalCount`.
pub type SearchConnection = Connection<
    String,
    SearchHit,
    ConnectionTotals,
    EmptyFields,
    SearchConnectionName,
    SearchEdgeName,
>;

/// One page of the hits of `query`, in the event with `event_slug` or in all events.
pub async fn search(
    ctx: &Context<'_>,
    query: &str,
    event_slug: Option<&str>,
    first: Option<i32>,
    after: Option<&str>,
) -> Result<SearchConnection, AppError> {
    if query.trim().is_empty() {
        return Err(AppError::bad_input("query", "must not be empty"));
    }
    if query.chars().count() > MAX_QUERY_CHARS {
        return Err(AppError::bad_input(
            "query",
            format!("at most {MAX_QUERY_CHARS} characters"),
        ));
    }
    let page = PageRequest::parse(first, after)?;
    let event_id = match event_slug {
        Some(slug) => Some(find_event(ctx, Some(slug)).await?.id),
        None => None,
    };
    let (matches, total) =
        service::search(ctx.db()?, query, event_id, page.offset, page.limit).await?;
    let hits = load_hits(ctx, &matches).await?;
    Ok(page.connection_with_gaps(hits, total))
}

/// The items behind the matches, in their order; one batch per kind, whatever the number
/// of hits. An item deleted since the search leaves a gap (`None`).
async fn load_hits(
    ctx: &Context<'_>,
    matches: &[SearchMatch],
) -> Result<Vec<Option<SearchHit>>, AppError> {
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
    Ok(matches
        .iter()
        .map(|m| match m.kind {
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
        .collect())
}
