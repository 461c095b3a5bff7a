//! GraphQL over HTTP (POST and GET), following the GraphQL-over-HTTP spec: JSON in,
//! `application/graphql-response+json` out, request errors as 400, mutations only over POST.

use std::sync::{Arc, Mutex};

use async_graphql::extensions::apollo_persisted_queries::CacheStorage;
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::{BatchRequest, BatchResponse, ErrorExtensions, Variables};
use axum::Extension;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::ws::Message;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;

use crate::auth::Viewer;
use crate::auth::limits::ClientAddr;
use crate::error::{AppError, ErrorCode};
use crate::graphql::loaders::loaders;
use crate::http::lock;
use crate::http::response_cache::{CachedResponse, etag_of, matches_etag};
use crate::http::ws_guard::MessageGuard;
use crate::service::accounts;
use crate::state::AppState;

/// Initial read and write buffer of a WebSocket connection.
const WS_BUFFER_BYTES: usize = 4 * 1024;

/// Most operations in one batched POST.
pub const MAX_BATCH: usize = 10;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

pub async fn post_handler(
    State(state): State<AppState>,
    Extension(client): Extension<ClientAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) if is_body_timeout(&rejection) => {
            return request_error(
                StatusCode::REQUEST_TIMEOUT,
                &format!(
                    "the request body did not arrive within {} s",
                    state.config.body_read_timeout_secs
                ),
                "REQUEST_TIMEOUT",
            );
        }
        Err(rejection) => {
            return request_error(
                rejection.status(),
                &format!(
                    "the request body could not be read (at most {} bytes are accepted)",
                    state.config.body_limit_bytes
                ),
                "BAD_REQUEST",
            );
        }
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !content_type.starts_with("application/json")
        && !content_type.starts_with("application/graphql+json")
    {
        return request_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the request as application/json",
            "BAD_REQUEST",
        );
    }
    let batch: BatchRequest = match serde_json::from_slice(&body) {
        Ok(batch) => batch,
        Err(_) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                "the body is not a GraphQL request in JSON",
                "BAD_REQUEST",
            );
        }
    };
    if let BatchRequest::Batch(requests) = &batch
        && (requests.is_empty() || requests.len() > MAX_BATCH)
    {
        return request_error(
            StatusCode::BAD_REQUEST,
            &format!("a batch holds 1 to {MAX_BATCH} operations"),
            "BAD_REQUEST",
        );
    }
    execute(&state, client, &headers, batch, Method::Post).await
}

#[derive(Deserialize)]
struct GetParams {
    query: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

pub async fn get_handler(
    State(state): State<AppState>,
    Extension(client): Extension<ClientAddr>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let params: GetParams = match serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()) {
        Ok(params) => params,
        Err(_) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                "malformed query string",
                "BAD_REQUEST",
            );
        }
    };
    // A persisted query may come by hash alone, without its text.
    let Some(query) = params
        .query
        .or_else(|| params.extensions.as_ref().map(|_| String::new()))
    else {
        return request_error(
            StatusCode::BAD_REQUEST,
            "the `query` parameter is missing",
            "BAD_REQUEST",
        );
    };
    let mut request = async_graphql::Request::new(query);
    if let Some(name) = params.operation_name {
        request = request.operation_name(name);
    }
    if let Some(variables) = params.variables {
        match serde_json::from_str::<serde_json::Value>(&variables) {
            Ok(value) => request = request.variables(Variables::from_json(value)),
            Err(_) => {
                return request_error(
                    StatusCode::BAD_REQUEST,
                    "`variables` is not JSON",
                    "BAD_REQUEST",
                );
            }
        }
    }
    if let Some(extensions) = params.extensions {
        match serde_json::from_str(&extensions) {
            Ok(extensions) => request.extensions = extensions,
            Err(_) => {
                return request_error(
                    StatusCode::BAD_REQUEST,
                    "`extensions` is not JSON",
                    "BAD_REQUEST",
                );
            }
        }
    }
    execute(
        &state,
        client,
        &headers,
        BatchRequest::Single(request),
        Method::Get,
    )
    .await
}

/// Whether a GET would run a mutation, looking up persisted queries sent by hash alone.
/// The parsed document stays in the request, so the schema does not parse it again.
async fn runs_a_mutation(state: &AppState, request: &mut async_graphql::Request) -> bool {
    if !request.query.is_empty() {
        let operation_name = request.operation_name.clone();
        return match request.parsed_query() {
            Ok(document) => has_mutation(document, operation_name.as_deref()),
            Err(_) => false,
        };
    }
    let operation_name = request.operation_name.as_deref();
    let hash = match request.extensions.get("persistedQuery") {
        Some(async_graphql::Value::Object(fields)) => match fields.get("sha256Hash") {
            Some(async_graphql::Value::String(hash)) => hash.clone(),
            _ => return false,
        },
        _ => return false,
    };
    match state.persisted_queries.get(hash).await {
        Some(document) => has_mutation(&document, operation_name),
        None => false,
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

/// How the request came: GET may only run queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Get,
    Post,
}

async fn execute(
    state: &AppState,
    client: ClientAddr,
    headers: &HeaderMap,
    mut batch: BatchRequest,
    method: Method,
) -> Response {
    let spec_media_type = wants_graphql_response_json(headers);
    let lookup = look_up(state, headers, &batch, spec_media_type).await;
    if let CacheLookup::Hit(hit) = &lookup {
        return cached_response(headers, hit);
    }
    // Only queries are cached, so a hit needs no mutation check; it runs where its answer
    // matters: for GET, and before storing.
    let may_mutate = match &mut batch {
        BatchRequest::Single(request)
            if method == Method::Get || matches!(lookup, CacheLookup::Miss { .. }) =>
        {
            runs_a_mutation(state, request).await
        }
        _ => true,
    };
    if method == Method::Get && may_mutate {
        return with_header(
            request_error(
                StatusCode::METHOD_NOT_ALLOWED,
                "mutations are only accepted over POST",
                "METHOD_NOT_ALLOWED",
            ),
            header::ALLOW,
            "POST",
        );
    }
    let cache_slot = match lookup {
        CacheLookup::Miss { key, version } if !may_mutate => Some((key, version)),
        _ => None,
    };
    let viewer = match viewer_from_headers(state, headers).await {
        Ok(viewer) => viewer,
        Err(AppError::Unauthenticated) => {
            return with_header(
                request_error(
                    StatusCode::UNAUTHORIZED,
                    "the token is invalid, expired or revoked",
                    "UNAUTHENTICATED",
                ),
                header::WWW_AUTHENTICATE,
                "Bearer",
            );
        }
        Err(err) => {
            let message = err.message();
            if let AppError::Internal(cause) = &err {
                tracing::error!(error = %cause, "resolving the viewer failed");
            }
            return request_error(
                StatusCode::SERVICE_UNAVAILABLE,
                &message,
                err.code().as_str(),
            );
        }
    };
    // Only admins change the programme; their next read must not see an old response.
    let may_change_content = viewer.is_admin();
    let (loaders, batches) = loaders(state.db.clone());
    let batch = batch.data(viewer).data(loaders).data(client);
    let response = batches.run_with(state.schema.execute_batch(batch)).await;
    if may_change_content {
        state.response_cache.content_changed();
    }
    let succeeded = match &response {
        BatchResponse::Single(r) => r.errors.is_empty(),
        BatchResponse::Batch(_) => false,
    };
    let Some(rendered) = render(spec_media_type, &response) else {
        return request_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error",
            "INTERNAL",
        );
    };
    match cache_slot {
        Some((key, version)) if succeeded && rendered.status == StatusCode::OK => {
            let entry = Arc::new(CachedResponse {
                version,
                etag: etag_of(&rendered.body),
                body: rendered.body,
                content_type: rendered.content_type,
            });
            state.response_cache.put(key, entry.clone());
            cached_response(headers, &entry)
        }
        _ => {
            let mut response = (
                rendered.status,
                [(header::CONTENT_TYPE, rendered.content_type)],
                rendered.body,
            )
                .into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
    }
}

enum CacheLookup {
    Hit(Arc<CachedResponse>),
    Miss { key: String, version: i64 },
    NotCacheable,
}

/// Only anonymous requests are cached: they can read nothing but the published programme.
async fn look_up(
    state: &AppState,
    headers: &HeaderMap,
    batch: &BatchRequest,
    spec_media_type: bool,
) -> CacheLookup {
    let BatchRequest::Single(request) = batch else {
        return CacheLookup::NotCacheable;
    };
    if !state.response_cache.is_enabled() || headers.contains_key(header::AUTHORIZATION) {
        return CacheLookup::NotCacheable;
    }
    match state.response_cache.version(&state.db).await {
        Ok(version) => {
            let key = cache_key(request, spec_media_type);
            match state.response_cache.get(&key, version) {
                Some(hit) => CacheLookup::Hit(hit),
                None => CacheLookup::Miss { key, version },
            }
        }
        Err(err) => {
            tracing::warn!(error = %err, "cannot read the content version; not caching");
            CacheLookup::NotCacheable
        }
    }
}

/// Everything that makes two anonymous requests give the same response.
fn cache_key(request: &async_graphql::Request, spec_media_type: bool) -> String {
    let variables = serde_json::to_string(&request.variables).unwrap_or_default();
    let extensions = serde_json::to_string(&request.extensions).unwrap_or_default();
    format!(
        "{}\u{0}{}\u{0}{variables}\u{0}{extensions}\u{0}{spec_media_type}",
        request.query,
        request.operation_name.as_deref().unwrap_or_default(),
    )
}

/// A cacheable response: shared caches may keep it for a minute, and a GET that names its
/// entity tag gets `304 Not Modified`.
fn cached_response(headers: &HeaderMap, entry: &CachedResponse) -> Response {
    let not_modified = headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|wanted| matches_etag(wanted, &entry.etag));
    let mut response = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(header::CONTENT_TYPE, entry.content_type)],
            entry.body.clone(),
        )
            .into_response()
    };
    let response_headers = response.headers_mut();
    response_headers.insert(header::ETAG, entry.etag.clone());
    response_headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    response_headers.insert(
        header::VARY,
        HeaderValue::from_static("Accept, Authorization"),
    );
    response
}

/// The viewer behind `Authorization: Bearer`; no header is anonymous, a bad token is an error.
pub async fn viewer_from_headers(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Viewer, AppError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(Viewer::Anonymous);
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .ok_or(AppError::Unauthenticated)?;
    let claims = state
        .keys
        .verify(token.trim())
        .ok_or(AppError::Unauthenticated)?;
    accounts::viewer_for(&state.db, &claims).await
}

/// Whether the client wants the spec's media type (the default) or plain JSON (legacy clients).
fn wants_graphql_response_json(headers: &HeaderMap) -> bool {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("*/*");
    accept.contains(GRAPHQL_RESPONSE_JSON)
        || accept.contains("*/*")
        || !accept.contains("application/json")
}

struct Rendered {
    status: StatusCode,
    content_type: &'static str,
    body: Bytes,
}

/// The response's status and bytes; `None` (logged) if it cannot be serialised.
fn render(spec_media_type: bool, response: &BatchResponse) -> Option<Rendered> {
    let (is_request_error, unavailable) = match response {
        BatchResponse::Single(r) => (
            r.data == async_graphql::Value::Null && !r.errors.is_empty(),
            r.errors.iter().any(|e| {
                matches!(
                    e.extensions.as_ref().and_then(|x| x.get("code")),
                    Some(async_graphql::Value::String(code))
                        if code == ErrorCode::Unavailable.as_str()
                )
            }),
        ),
        BatchResponse::Batch(_) => (false, false),
    };
    let status = match (spec_media_type && is_request_error, unavailable) {
        (true, true) => StatusCode::SERVICE_UNAVAILABLE,
        (true, false) => StatusCode::BAD_REQUEST,
        (false, _) => StatusCode::OK,
    };
    let body = serde_json::to_vec(response)
        .inspect_err(|err| tracing::error!(error = %err, "could not serialise a response"))
        .ok()?;
    let content_type = if spec_media_type {
        GRAPHQL_RESPONSE_JSON
    } else {
        "application/json"
    };
    Some(Rendered {
        status,
        content_type,
        body: Bytes::from(body),
    })
}

fn with_header(mut response: Response, name: header::HeaderName, value: &'static str) -> Response {
    response
        .headers_mut()
        .insert(name, HeaderValue::from_static(value));
    response
}

/// Whether reading the body failed because the client sent it too slowly.
fn is_body_timeout(rejection: &BytesRejection) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(rejection);
    while let Some(error) = cause {
        if error.is::<tower_http::timeout::TimeoutError>() {
            return true;
        }
        cause = error.source();
    }
    false
}

/// A request error in GraphQL's response shape.
fn request_error(status: StatusCode, message: &str, code: &str) -> Response {
    let body = serde_json::json!({
        "errors": [{ "message": message, "extensions": { "code": code } }]
    });
    (
        status,
        [(header::CONTENT_TYPE, GRAPHQL_RESPONSE_JSON)],
        body.to_string(),
    )
        .into_response()
}

/// WebSocket subscriptions (graphql-transport-ws); the token goes in `connection_init`
/// as `{ "token": "…" }` (or `{ "Authorization": "Bearer …" }`).
pub async fn ws_handler(
    State(state): State<AppState>,
    Extension(client): Extension<ClientAddr>,
    protocol: async_graphql_axum::GraphQLProtocol,
    upgrade: axum::extract::WebSocketUpgrade,
) -> Response {
    let Some(slot) = state.ws_connections.open(
        format!("address:{}", client.0),
        state.config.ws_connections_per_ip,
    ) else {
        return with_header(
            request_error(
                StatusCode::TOO_MANY_REQUESTS,
                "too many open connections from this address",
                "RATE_LIMITED",
            ),
            header::RETRY_AFTER,
            "10",
        );
    };
    let max_message = state.config.ws_max_message_bytes;
    upgrade
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .max_message_size(max_message)
        .max_frame_size(max_message)
        // The 128 KiB defaults, times thousands of idle subscribers, would be most of the
        // memory; messages here are small, and buffers grow when one is not.
        .read_buffer_size(WS_BUFFER_BYTES)
        .write_buffer_size(WS_BUFFER_BYTES)
        .on_upgrade(move |socket| async move {
            let _slot = slot;
            let schema = state.schema.clone();
            let guard = Arc::new(Mutex::new(MessageGuard::new(
                state.config.ws_messages_per_second,
                state.config.ws_subscriptions_per_connection,
            )));
            let (sink, stream) = socket.split();
            let outgoing = guard.clone();
            let sink = sink.with(move |message: Message| {
                lock(&outgoing).sent(&message);
                std::future::ready(Ok::<_, axum::Error>(message))
            });
            // Ending the incoming stream ends the connection.
            let stream = stream.take_while(move |message| {
                let go_on = match message {
                    Ok(message) => match lock(&guard).admit(message) {
                        Ok(()) => true,
                        Err(flood) => {
                            tracing::warn!(?flood, "closing a flooding WebSocket connection");
                            false
                        }
                    },
                    Err(_) => true,
                };
                std::future::ready(go_on)
            });
            async_graphql_axum::GraphQLWebSocket::new_with_pair(sink, stream, schema, protocol)
                .on_connection_init(move |payload| connection_init(state, client, payload))
                .serve()
                .await;
        })
}

async fn connection_init(
    state: AppState,
    client: ClientAddr,
    payload: serde_json::Value,
) -> async_graphql::Result<async_graphql::Data> {
    let token = payload
        .get("token")
        .and_then(|t| t.as_str())
        .map(str::to_owned)
        .or_else(|| {
            payload
                .get("Authorization")
                .or_else(|| payload.get("authorization"))
                .and_then(|v| v.as_str())
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::to_owned)
        });
    let viewer = match token {
        None => Viewer::Anonymous,
        Some(token) => {
            let claims = state.keys.verify(&token).ok_or(AppError::Unauthenticated)?;
            accounts::viewer_for(&state.db, &claims).await?
        }
    };
    let mut data = async_graphql::Data::default();
    if let Some(subject) = viewer.subject_key() {
        // Kept in the connection's data, so the slot is given back when the connection ends.
        let slot = state
            .ws_connections
            .open(subject, state.config.ws_connections_per_token)
            .ok_or_else(|| {
                AppError::RateLimited {
                    retry_after_secs: 10,
                }
                .extend()
            })?;
        data.insert(slot);
    }
    data.insert(viewer);
    data.insert(client);
    data.insert(crate::graphql::loaders::spawned_loaders(state.db.clone()));
    Ok(data)
}
