//! One GraphQL request from parsed operations to HTTP response; each step is a function of
//! its own module.

use async_graphql::{BatchRequest, BatchResponse};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::auth::{refusal, viewer_from_headers};
use super::cache::{self, CacheLookup};
use super::mutation::{Method, may_mutate, refused_over_get};
use super::operation::{self, Operation};
use super::render::{MediaType, Rendered, render, request_error};
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
    raw_key: Option<String>,
) -> Response {
    let media_type = MediaType::negotiate(headers);
    let lookup = cache::look_up(state, headers, &batch, media_type).await;
    if let CacheLookup::Hit(hit) = &lookup {
        if let Some(name) = &hit.operation {
            request_log::record_operation(name);
        }
        // These bytes mean a kept request: next time they need no parsing.
        if let Some(raw_key) = raw_key {
            state.response_cache.put(raw_key, hit.clone());
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
    let Some(slot) = slot else {
        return match run_and_render(state, batch, viewer, client, types, &operations, media_type)
            .await
        {
            Some((rendered, _)) => rendered.uncached(),
            None => internal_error(),
        };
    };
    // A cacheable miss: identical requests arriving meanwhile wait for this one's result.
    let mut own = None;
    let mut unused = Some((batch, viewer));
    let shared = state
        .response_cache
        .compute_once(&slot.key, slot.version, || async {
            let (batch, viewer) = unused.take()?;
            let (rendered, succeeded) =
                run_and_render(state, batch, viewer, client, types, &operations, media_type)
                    .await?;
            let keep = cache::keepable(&slot, succeeded, &rendered, operation_name.clone());
            match &keep {
                // Stored before the waiting room closes, so that no request comes between.
                Some(entry) => state.response_cache.put(slot.key.clone(), entry.clone()),
                None => own = Some(rendered),
            }
            keep
        })
        .await;
    if let Some(entry) = shared {
        if let Some(raw_key) = raw_key {
            state.response_cache.put(raw_key, entry.clone());
        }
        return cache::cached_response(headers, &entry);
    }
    if let Some(rendered) = own {
        return rendered.uncached();
    }
    // The request this one waited for failed: answer on its own.
    let Some((batch, viewer)) = unused else {
        return internal_error();
    };
    match run_and_render(state, batch, viewer, client, types, &operations, media_type).await {
        Some((rendered, _)) => rendered.uncached(),
        None => internal_error(),
    }
}

fn internal_error() -> Response {
    request_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal error",
        "INTERNAL",
    )
}

/// Runs, shapes and renders the operations; whether they all succeeded.
async fn run_and_render(
    state: &AppState,
    batch: BatchRequest,
    viewer: Viewer,
    client: ClientAddr,
    types: &SchemaTypes,
    operations: &[Operation],
    media_type: MediaType,
) -> Option<(Rendered, bool)> {
    let mut response = run(state, batch, viewer, client).await;
    shape_all(types, operations, &mut response);
    let succeeded = match &response {
        BatchResponse::Single(r) => r.errors.is_empty(),
        BatchResponse::Batch(_) => false,
    };
    render(media_type, &response).map(|rendered| (rendered, succeeded))
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
    let (loaders, batches) = loaders(state.db.clone(), state.read_model.clone());
    let batch = batch.data(viewer).data(loaders).data(client);
    let response = batches
        .run_with(crate::graphql::requests::execute_batch(
            &state.schema,
            &state.persisted_queries,
            batch,
        ))
        .await;
    if may_change_content {
        state.response_cache.content_changed();
    }
    response
}
