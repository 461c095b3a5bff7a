//! GraphQL over HTTP (POST and GET), following the GraphQL-over-HTTP spec: JSON in,
//! `application/graphql-response+json` out, request errors as 400, mutations only over POST.

use async_graphql::parser::types::OperationType;
use async_graphql::{BatchRequest, BatchResponse, Variables};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use crate::auth::Viewer;
use crate::error::AppError;
use crate::graphql::loaders::loaders;
use crate::service::accounts;
use crate::state::AppState;

/// Most operations in one batched POST.
pub const MAX_BATCH: usize = 10;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

pub async fn graphiql() -> Html<String> {
    Html(
        async_graphql::http::GraphiQLSource::build()
            .endpoint("/graphql")
            .title("buurtgraph")
            .finish(),
    )
}

pub async fn post_handler(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
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
    execute(&state, &headers, batch).await
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
    let Some(query) = params.query else {
        return request_error(
            StatusCode::BAD_REQUEST,
            "the `query` parameter is missing",
            "BAD_REQUEST",
        );
    };
    if is_mutation(&query, params.operation_name.as_deref()) {
        let mut response = request_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "mutations are only accepted over POST",
            "METHOD_NOT_ALLOWED",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
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
    execute(&state, &headers, BatchRequest::Single(request)).await
}

/// Whether the operation that would run is a mutation (or subscription), which GET must not run.
fn is_mutation(query: &str, operation_name: Option<&str>) -> bool {
    let Ok(document) = async_graphql::parser::parse_query(query) else {
        return false;
    };
    document.operations.iter().any(|(name, operation)| {
        let selected = match (operation_name, name) {
            (Some(wanted), Some(name)) => name.as_str() == wanted,
            (Some(_), None) => false,
            (None, _) => true,
        };
        selected && operation.node.ty != OperationType::Query
    })
}

async fn execute(state: &AppState, headers: &HeaderMap, batch: BatchRequest) -> Response {
    let viewer = match viewer_from_headers(state, headers).await {
        Ok(viewer) => viewer,
        Err(AppError::Unauthenticated) => {
            let mut response = request_error(
                StatusCode::UNAUTHORIZED,
                "the token is invalid, expired or revoked",
                "UNAUTHENTICATED",
            );
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return response;
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
    let (loaders, batches) = loaders(state.db.clone());
    let batch = batch.data(viewer).data(loaders);
    let response = batches.run_with(state.schema.execute_batch(batch)).await;
    respond(headers, response)
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

fn respond(headers: &HeaderMap, response: BatchResponse) -> Response {
    let spec_media_type = wants_graphql_response_json(headers);
    let is_request_error = match &response {
        BatchResponse::Single(r) => r.data == async_graphql::Value::Null && !r.errors.is_empty(),
        BatchResponse::Batch(_) => false,
    };
    let status = if spec_media_type && is_request_error {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let body = match serde_json::to_vec(&response) {
        Ok(body) => body,
        Err(err) => {
            tracing::error!(error = %err, "could not serialise a response");
            return request_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error",
                "INTERNAL",
            );
        }
    };
    let content_type = if spec_media_type {
        GRAPHQL_RESPONSE_JSON
    } else {
        "application/json"
    };
    (status, [(header::CONTENT_TYPE, content_type)], body).into_response()
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
    protocol: async_graphql_axum::GraphQLProtocol,
    upgrade: axum::extract::WebSocketUpgrade,
) -> Response {
    upgrade
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| {
            let schema = state.schema.clone();
            async_graphql_axum::GraphQLWebSocket::new(socket, schema, protocol)
                .on_connection_init(move |payload| connection_init(state, payload))
                .serve()
        })
}

async fn connection_init(
    state: AppState,
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
    data.insert(viewer);
    data.insert(crate::graphql::loaders::spawned_loaders(state.db.clone()));
    Ok(data)
}
