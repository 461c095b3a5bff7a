//! One GraphQL request from parsed operations to HTTP response; each step is a function of
//! its own module.

use async_graphql::{BatchRequest, BatchResponse};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::auth::{refusal, viewer_from_headers};
use super::cache::{self, CacheLookup};
use super::mutation::{Method, may_mutate, refused_over_get};
use super::operation::{self, Operation};
use super::render::{MediaType, render, request_error};
use super::shape::{SchemaTypes, shape};
use crate::auth::Viewer;
use crate::auth::limits::ClientAddr;
use crate::graphql::loaders::loaders;
use crate::http::request_log;
use crate::state::AppState;

/// Answers from the cache when it can; otherwise checks the method and the token, runs the
/// operations, renders them, and stores a cacheable answer.
pub(super) async fn execute(
    state: &AppState,
    client: ClientAddr,
    headers: &HeaderMap,
    mut batch: BatchRequest,
    method: Method,
    types: &SchemaTypes,
) -> Response {
    let media_type = MediaType::negotiate(headers);
    let lookup = cache::look_up(state, headers, &batch, media_type).await;
    if let CacheLookup::Hit(hit) = &lookup {
        if let Some(name) = &hit.operation {
            request_log::record_operation(name);
        }
        return cache::cached_response(headers, hit);
    }
    let operations = Operation::of_batch(state, &mut batch).await;
    let operation_name = operation::log_name(&operations);
    if let Some(name) = &operation_name {
        request_log::record_operation(name);
    }
    let may_mutate = may_mutate(&batch, &operations, method, &lookup);
    if method == Method::Get && may_mutate {
        return refused_over_get();
    }
    let slot = lookup.into_slot(may_mutate);
    let viewer = match viewer_from_headers(state, headers).await {
        Ok(viewer) => viewer,
        Err(err) => return refusal(&err),
    };
    let mut response = run(state, batch, viewer, client).await;
    shape_all(types, &operations, &mut response);
    let succeeded = match &response {
        BatchResponse::Single(r) => r.errors.is_empty(),
        BatchResponse::Batch(_) => false,
    };
    let Some(rendered) = render(media_type, &response) else {
        return request_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error",
            "INTERNAL",
        );
    };
    cache::store_and_send(state, headers, slot, succeeded, rendered, operation_name)
}

/// Shapes each response by the operation that produced it.
fn shape_all(types: &SchemaTypes, operations: &[Operation], response: &mut BatchResponse) {
    match response {
        BatchResponse::Single(response) => {
            if let Some(operation) = operations.first() {
                shape(types, operation, response);
            }
        }
        BatchResponse::Batch(responses) => {
            for (operation, response) in operations.iter().zip(responses) {
                shape(types, operation, response);
            }
        }
    }
}

/// Runs the operations as the viewer, with loaders of their own.
async fn run(
    state: &AppState,
    batch: BatchRequest,
    viewer: Viewer,
    client: ClientAddr,
) -> BatchResponse {
    // Only admins change the programme; their next read must not see an old response.
    let may_change_content = viewer.is_admin();
    let (loaders, batches) = loaders(state.db.clone());
    let batch = batch.data(viewer).data(loaders).data(client);
    let response = batches.run_with(state.schema.execute_batch(batch)).await;
    if may_change_content {
        state.response_cache.content_changed();
    }
    response
}
