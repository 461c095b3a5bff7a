//! Whether a request would change anything: GET must not, and only reads are cached.

use async_graphql::BatchRequest;
use axum::http::{StatusCode, header};
use axum::response::Response;

use super::cache::CacheLookup;
use super::operation::Operation;
use super::render::{request_error, with_header};

/// How the request came: GET may only run queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Method {
    Get,
    Post,
}

impl Method {
    pub(super) fn name(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
        }
    }
}

/// Whether the batch may run a mutation (or subscription). Only queries are cached, so a
/// cache hit needs no check; it runs where its answer matters: for GET, and before storing.
/// Batches count as mutating (they are never cached, and GET cannot send them).
pub(super) fn may_mutate(
    batch: &BatchRequest,
    operations: &[Operation],
    method: Method,
    lookup: &CacheLookup,
) -> bool {
    match batch {
        BatchRequest::Single(_)
            if method == Method::Get || matches!(lookup, CacheLookup::Miss { .. }) =>
        {
            operations.iter().any(Operation::is_mutation)
        }
        _ => true,
    }
}

/// The response to a mutation sent over GET.
pub(super) fn refused_over_get() -> Response {
    with_header(
        request_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "mutations are only accepted over POST",
            "METHOD_NOT_ALLOWED",
        ),
        header::ALLOW,
        "POST",
    )
}
