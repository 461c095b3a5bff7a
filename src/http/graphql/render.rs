//! Turning GraphQL responses into HTTP responses: media type, status and body.

use std::collections::BTreeMap;

use async_graphql::{BatchResponse, Response as GraphqlResponse, ServerError, Value};
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::ErrorCode;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// The media type of the answer, chosen from the request's `Accept`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MediaType {
    /// `application/graphql-response+json`: statuses tell request errors apart.
    GraphqlResponseJson,
    /// `application/json`, which every client reads: always `200` but for an outage.
    Json,
}

impl MediaType {
    /// The spec's media type for clients that ask for it by name; plain JSON for the
    /// others, also when they send no `Accept` or accept anything (`*/*`), as the
    /// GraphQL-over-HTTP spec recommends while clients move to the new type.
    pub(super) fn negotiate(headers: &HeaderMap) -> Self {
        let asks_for_spec_type = headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .any(|range| {
                let mut parts = range.split(';').map(str::trim);
                parts.next() == Some(GRAPHQL_RESPONSE_JSON)
                    && parts.all(|parameter| !is_zero_quality(parameter))
            });
        if asks_for_spec_type {
            Self::GraphqlResponseJson
        } else {
            Self::Json
        }
    }

    pub(super) fn content_type(self) -> &'static str {
        match self {
            Self::GraphqlResponseJson => GRAPHQL_RESPONSE_JSON,
            Self::Json => "application/json",
        }
    }
}

/// `q=0`: the client does not accept this type.
fn is_zero_quality(parameter: &str) -> bool {
    parameter
        .strip_prefix("q=")
        .and_then(|q| q.parse::<f32>().ok())
        .is_some_and(|q| q <= 0.0)
}

/// A response ready to send or to cache.
pub(super) struct Rendered {
    pub status: StatusCode,
    pub content_type: &'static str,
    pub body: Bytes,
}

/// The response's status and bytes; `None` (logged) if it cannot be serialised.
pub(super) fn render(media_type: MediaType, response: &BatchResponse) -> Option<Rendered> {
    let (status, body) = match response {
        BatchResponse::Single(response) => (
            status(media_type, response),
            serde_json::to_vec(&Body::of(response)),
        ),
        BatchResponse::Batch(responses) => (
            StatusCode::OK,
            serde_json::to_vec(&responses.iter().map(Body::of).collect::<Vec<_>>()),
        ),
    };
    let body = body
        .inspect_err(|err| tracing::error!(error = %err, "could not serialise a response"))
        .ok()?;
    Some(Rendered {
        status,
        content_type: media_type.content_type(),
        body: Bytes::from(body),
    })
}

/// `503` when the database was unavailable (part of the answer is missing, and a retry may
/// get it); otherwise `200`, but for a request error (one without a `data` entry) under the
/// spec's media type, which is `400`.
fn status(media_type: MediaType, response: &GraphqlResponse) -> StatusCode {
    let unavailable = response.errors.iter().any(|error| {
        matches!(
            error.extensions.as_ref().and_then(|x| x.get("code")),
            Some(Value::String(code)) if code == ErrorCode::Unavailable.as_str()
        )
    });
    if unavailable {
        StatusCode::SERVICE_UNAVAILABLE
    } else if media_type == MediaType::GraphqlResponseJson && !has_data(response) {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    }
}

/// Whether execution started, so the response has a `data` entry (possibly `null`). A
/// request error (parsing, validation, variables) stops before it and has none.
fn has_data(response: &GraphqlResponse) -> bool {
    response.data != Value::Null || response.errors.iter().any(|e| !e.path.is_empty())
}

/// A response as the spec serialises it: async-graphql writes `"data": null` for request
/// errors too.
#[derive(Serialize)]
struct Body<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a Value>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    extensions: &'a BTreeMap<String, Value>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [ServerError],
}

impl<'a> Body<'a> {
    fn of(response: &'a GraphqlResponse) -> Self {
        Self {
            data: has_data(response).then_some(&response.data),
            extensions: &response.extensions,
            errors: &response.errors,
        }
    }
}

impl Rendered {
    /// Sent as it is, and kept by no cache.
    pub(super) fn uncached(self) -> Response {
        let mut response = (
            self.status,
            [(header::CONTENT_TYPE, self.content_type)],
            self.body,
        )
            .into_response();
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

/// A request refused before GraphQL sees it (kept small until it becomes a response).
pub(super) struct Refusal {
    status: StatusCode,
    message: String,
    code: &'static str,
}

impl Refusal {
    pub(super) fn new(status: StatusCode, message: &str, code: &'static str) -> Self {
        Self {
            status,
            message: message.to_owned(),
            code,
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        request_error(self.status, &self.message, self.code)
    }
}

/// A request error in GraphQL's response shape.
pub(super) fn request_error(status: StatusCode, message: &str, code: &str) -> Response {
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

pub(super) fn with_header(
    mut response: Response,
    name: header::HeaderName,
    value: &'static str,
) -> Response {
    response
        .headers_mut()
        .insert(name, HeaderValue::from_static(value));
    response
}
