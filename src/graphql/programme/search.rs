//! Search over the programme: what a hit can be, and the limits on a query.

use async_graphql::Union;

use super::{Organisation, Person, Session, Theme};

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
/// Most search hits returned.
pub const MAX_SEARCH_HITS: i32 = 50;
