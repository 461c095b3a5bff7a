//! Reading a GraphQL request from a POST body or a GET query string.

use async_graphql::{BatchRequest, Variables};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use serde::Deserialize;

use super::operation::persisted_query_hash;
use super::render::Refusal;
use crate::config::ServeConfig;

/// Most operations in one batched POST.
pub const MAX_BATCH: usize = 10;

/// The operations of a POST: a JSON body holding one request or a batch of them.
pub(super) fn from_post(
    config: &ServeConfig,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<BatchRequest, Refusal> {
    let body = match body {
        Ok(body) => body,
        Err(rejection) if is_body_timeout(&rejection) => {
            return Err(Refusal::new(
                StatusCode::REQUEST_TIMEOUT,
                &format!(
                    "the request body did not arrive within {} s",
                    config.body_read_timeout_secs
                ),
                "REQUEST_TIMEOUT",
            ));
        }
        Err(rejection) => {
            return Err(Refusal::new(
                rejection.status(),
                &format!(
                    "the request body could not be read (at most {} bytes are accepted)",
                    config.body_limit_bytes
                ),
                "BAD_REQUEST",
            ));
        }
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !content_type.starts_with("application/json")
        && !content_type.starts_with("application/graphql+json")
    {
        return Err(Refusal::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the request as application/json",
            "BAD_REQUEST",
        ));
    }
    let Ok(batch) = serde_json::from_slice::<BatchRequest>(&body) else {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "the body is not a GraphQL request in JSON",
            "BAD_REQUEST",
        ));
    };
    if let BatchRequest::Batch(requests) = &batch
        && (requests.is_empty() || requests.len() > MAX_BATCH)
    {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            &format!("a batch holds 1 to {MAX_BATCH} operations"),
            "BAD_REQUEST",
        ));
    }
    // A persisted query may come by hash alone; anything else without a query is malformed.
    if batch
        .iter()
        .any(|request| request.query.is_empty() && persisted_query_hash(request).is_none())
    {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "the `query` parameter is missing",
            "BAD_REQUEST",
        ));
    }
    Ok(batch)
}

#[derive(Deserialize)]
struct GetParams {
    query: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

/// The operation of a GET: `query`, `operationName`, and JSON in `variables` and `extensions`.
pub(super) fn from_get(raw_query: Option<&str>) -> Result<BatchRequest, Refusal> {
    let bad_request = |message: &str| Refusal::new(StatusCode::BAD_REQUEST, message, "BAD_REQUEST");
    let params: GetParams = serde_urlencoded::from_str(raw_query.unwrap_or_default())
        .map_err(|_| bad_request("malformed query string"))?;
    // A persisted query may come by hash alone, without its text.
    let query = params
        .query
        .or_else(|| params.extensions.as_ref().map(|_| String::new()))
        .ok_or_else(|| bad_request("the `query` parameter is missing"))?;
    let mut request = async_graphql::Request::new(query);
    if let Some(name) = params.operation_name {
        request = request.operation_name(name);
    }
    if let Some(variables) = params.variables {
        let value = serde_json::from_str::<serde_json::Value>(&variables)
            .map_err(|_| bad_request("`variables` is not JSON"))?;
        request = request.variables(Variables::from_json(value));
    }
    if let Some(extensions) = params.extensions {
        request.extensions = serde_json::from_str(&extensions)
            .map_err(|_| bad_request("`extensions` is not JSON"))?;
    }
    Ok(BatchRequest::Single(request))
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
