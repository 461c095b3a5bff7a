//! Search over the programme as a cursor connection of hits (sessions, people, themes,
//! organisations), like the other lists that can grow.

use async_graphql::connection::{Connection, ConnectionNameType, EdgeNameType, EmptyFields};
use async_graphql::{Context, OutputType, Union};
use entity::enums::SearchKind;

use super::{Organisation, Person, Session, Theme, find_event, snapshot};
use crate::error::AppError;
use crate::graphql::pagination::{ConnectionTotals, PageRequest};
use crate::readmodel::Snapshot;
use crate::service::search::SearchMatch;

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
    let snapshot = snapshot(ctx).await?;
    let (matches, total) = snapshot.search(query, event_id, page.offset, page.limit);
    let hits = matches.iter().map(|m| hit(&snapshot, m)).collect();
    Ok(page.connection_with_gaps(hits, total))
}

/// The item behind a match.
fn hit(snapshot: &Snapshot, found: &SearchMatch) -> Option<SearchHit> {
    let id = found.entity_id;
    Some(match found.kind {
        SearchKind::Session => SearchHit::Session(Session(snapshot.session(id)?.clone())),
        SearchKind::Person => SearchHit::Person(Person(snapshot.person(id)?.clone())),
        SearchKind::Theme => SearchHit::Theme(Theme(snapshot.theme(id)?.clone())),
        SearchKind::Organisation => {
            SearchHit::Organisation(Organisation(snapshot.organisation(id)?.clone()))
        }
    })
}
