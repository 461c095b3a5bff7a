//! Whether a request would change anything: GET must not, and only reads are cached.

use async_graphql::extensions::apollo_persisted_queries::CacheStorage;
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::{BatchRequest, Request};

use super::cache::CacheLookup;
use crate::state::AppState;

/// How the request came: GET may only run queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Method {
    Get,
    Post,
}

/// Whether the batch may run a mutation. Only queries are cached, so a cache hit needs no
/// check; it runs where its answer matters: for GET, and before storing. Batches count as
/// mutating (they are never cached, and GET cannot send them).
pub(super) async fn may_mutate(
    state: &AppState,
    batch: &mut BatchRequest,
    method: Method,
    lookup: &CacheLookup,
) -> bool {
    match batch {
        BatchRequest::Single(request)
            if method == Method::Get || matches!(lookup, CacheLookup::Miss { .. }) =>
        {
            runs_a_mutation(state, request).await
        }
        _ => true,
    }
}

/// Whether a request would run a mutation, looking up persisted queries sent by hash alone.
/// The parsed document stays in the request, so the schema does not parse it again.
async fn runs_a_mutation(state: &AppState, request: &mut Request) -> bool {
    if !request.query.is_empty() {
        let operation_name = request.operation_name.clone();
        return match request.parsed_query() {
            Ok(document) => has_mutation(document, operation_name.as_deref()),
            Err(_) => false,
        };
    }
    let operation_name = request.operation_name.as_deref();
    let Some(hash) = persisted_query_hash(request) else {
        return false;
    };
    match state.persisted_queries.get(hash.to_owned()).await {
        Some(document) => has_mutation(&document, operation_name),
        None => false,
    }
}

/// The hash of an automatic persisted query, as Apollo clients send it.
pub(super) fn persisted_query_hash(request: &Request) -> Option<&str> {
    match request.extensions.get("persistedQuery") {
        Some(async_graphql::Value::Object(fields)) => match fields.get("sha256Hash") {
            Some(async_graphql::Value::String(hash)) => Some(hash),
            _ => None,
        },
        _ => None,
    }
}

/// Whether the operation that would run is a mutation (or subscription), which GET must not run.
fn has_mutation(document: &ExecutableDocument, operation_name: Option<&str>) -> bool {
    document.operations.iter().any(|(name, operation)| {
        let selected = match (operation_name, name) {
            (Some(wanted), Some(name)) => name.as_str() == wanted,
            (Some(_), None) => false,
            (None, _) => true,
        };
        selected && operation.node.ty != OperationType::Query
    })
}
