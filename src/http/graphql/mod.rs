//! GraphQL over HTTP (POST and GET), following the GraphQL-over-HTTP spec: JSON in,
//! `application/graphql-response+json` out, request errors as 400, mutations only over POST;
//! and subscriptions over WebSocket.

mod auth;
mod cache;
mod execute;
mod fanout;
mod mutation;
mod operation;
mod render;
mod request;
mod shape;
mod ws;

use std::sync::Arc;

use async_graphql::BatchRequest;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

pub use auth::viewer_from_headers;
pub use fanout::{FanoutStats, Fanouts, SubscriptionCounts};
pub use request::MAX_BATCH;
pub use shape::SchemaTypes;
pub use ws::ws_handler;

use crate::auth::limits::ClientAddr;
use crate::state::AppState;
use execute::execute;
use mutation::Method;
use render::Refusal;

pub async fn post_handler(
    State(state): State<AppState>,
    client: ClientAddr,
    Extension(types): Extension<Arc<SchemaTypes>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let raw_key = cache::raw_key(&state, &headers, Method::Post, body.as_deref().ok());
    answer(
        &state,
        client,
        &headers,
        &types,
        Method::Post,
        raw_key,
        || request::from_post(&state.config, &headers, body),
    )
    .await
}

pub async fn get_handler(
    State(state): State<AppState>,
    client: ClientAddr,
    Extension(types): Extension<Arc<SchemaTypes>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let raw_key = cache::raw_key(
        &state,
        &headers,
        Method::Get,
        raw.as_deref().map(str::as_bytes),
    );
    answer(
        &state,
        client,
        &headers,
        &types,
        Method::Get,
        raw_key,
        || request::from_get(raw.as_deref()),
    )
    .await
}

/// A request known by its bytes is answered from the cache; any other is parsed and run.
async fn answer(
    state: &AppState,
    client: ClientAddr,
    headers: &HeaderMap,
    types: &SchemaTypes,
    method: Method,
    raw_key: Option<String>,
    parse: impl FnOnce() -> Result<BatchRequest, Refusal>,
) -> Response {
    if let Some(hit) = raw_hit(state, headers, raw_key.as_deref()).await {
        return hit;
    }
    match parse() {
        // Boxed: an execution's state is many kilobytes, and inline it would make every
        // request's future that large, moved through each layer even when the cache answers.
        Ok(batch) => {
            Box::pin(execute(
                state, client, headers, batch, method, types, raw_key,
            ))
            .await
        }
        Err(refused) => refused.into_response(),
    }
}

/// The kept answer to a request byte for byte the same as one answered before: no parsing,
/// no key to build from the parsed request.
async fn raw_hit(state: &AppState, headers: &HeaderMap, key: Option<&str>) -> Option<Response> {
    let hit = cache::look_up_raw(state, key?).await?;
    if let Some(name) = &hit.operation {
        crate::http::request_log::record_operation(name);
    }
    Some(cache::cached_response(headers, &hit))
}
