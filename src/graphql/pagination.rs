//! Cursor pagination (`first`/`after`) with a capped page size. Cursors are opaque
//! (base64 of the offset) and checked: a cursor that was not issued is `BAD_USER_INPUT`.

use async_graphql::SimpleObject;
use async_graphql::connection::{Connection, ConnectionNameType, Edge, EdgeNameType, EmptyFields};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::AppError;

/// Page size when `first` is not given.
pub const DEFAULT_PAGE_SIZE: u64 = 20;
/// Largest page a client can ask for.
pub const MAX_PAGE_SIZE: u64 = 100;

/// Extra fields on every connection.
#[derive(SimpleObject)]
pub struct ConnectionTotals {
    /// How many items match, over all pages.
    pub total_count: u64,
}

/// A connection with `totalCount`.
pub type CountedConnection<Node> = Connection<String, Node, ConnectionTotals>;

/// A validated page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub offset: u64,
    pub limit: u64,
}

impl PageRequest {
    pub fn parse(first: Option<i32>, after: Option<&str>) -> Result<Self, AppError> {
        let limit = match first {
            None => DEFAULT_PAGE_SIZE,
            Some(n) if n < 0 => return Err(AppError::bad_input("first", "must not be negative")),
            Some(n) if u64::try_from(n).unwrap_or(u64::MAX) > MAX_PAGE_SIZE => {
                return Err(AppError::bad_input(
                    "first",
                    format!("at most {MAX_PAGE_SIZE}"),
                ));
            }
            Some(n) => u64::try_from(n).unwrap_or(0),
        };
        let offset = match after {
            None => 0,
            Some(cursor) => {
                decode_cursor(cursor).ok_or_else(|| {
                    AppError::bad_input("after", "not a cursor issued by this API")
                })? + 1
            }
        };
        Ok(Self { offset, limit })
    }

    /// Builds the connection for the rows of this page.
    pub fn connection<Row, Node: async_graphql::OutputType>(
        self,
        rows: Vec<Row>,
        total: u64,
        into_node: impl Fn(Row) -> Node,
    ) -> CountedConnection<Node> {
        self.connection_with_gaps(
            rows.into_iter().map(|row| Some(into_node(row))).collect(),
            total,
        )
    }

    /// Builds a connection, of any name, for the nodes of this page in order. A `None` is a
    /// row that went away between counting and loading: it is left out, and the others keep
    /// the cursors of their places, so the next page neither repeats nor skips one.
    pub fn connection_with_gaps<Node, Name, EdgeName>(
        self,
        nodes: Vec<Option<Node>>,
        total: u64,
    ) -> Connection<String, Node, ConnectionTotals, EmptyFields, Name, EdgeName>
    where
        Node: async_graphql::OutputType,
        Name: ConnectionNameType,
        EdgeName: EdgeNameType,
    {
        let end = self.offset + nodes.len() as u64;
        let mut connection = Connection::with_additional_fields(
            self.offset > 0,
            end < total,
            ConnectionTotals { total_count: total },
        );
        connection.edges.extend(
            nodes.into_iter().enumerate().filter_map(|(i, node)| {
                Some(Edge::new(encode_cursor(self.offset + i as u64), node?))
            }),
        );
        connection
    }
}

const CURSOR_PREFIX: &str = "o:";

fn encode_cursor(offset: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{offset}"))
}

fn decode_cursor(cursor: &str) -> Option<u64> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).ok()?).ok()?;
    text.strip_prefix(CURSOR_PREFIX)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_bad_ones_are_refused() {
        let page = PageRequest::parse(Some(5), Some(&encode_cursor(9))).expect("valid");
        assert_eq!(
            page,
            PageRequest {
                offset: 10,
                limit: 5
            }
        );
        assert!(PageRequest::parse(None, Some("garbage")).is_err());
        assert!(PageRequest::parse(Some(-1), None).is_err());
        assert!(PageRequest::parse(Some(101), None).is_err());
    }

    #[test]
    fn a_node_gone_since_counting_leaves_a_gap_and_the_cursors_keep_their_places() {
        let page = PageRequest::parse(Some(3), Some(&encode_cursor(9))).expect("valid");
        let connection: CountedConnection<i32> =
            page.connection_with_gaps(vec![Some(10), None, Some(12)], 20);
        let cursors: Vec<Option<u64>> = connection
            .edges
            .iter()
            .map(|edge| decode_cursor(&edge.cursor))
            .collect();
        assert_eq!(cursors, [Some(10), Some(12)]);
        assert_eq!(
            connection.edges.iter().map(|e| e.node).collect::<Vec<_>>(),
            [10, 12]
        );
        assert!(connection.has_next_page && connection.has_previous_page);
    }
}
