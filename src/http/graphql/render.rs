//! Turning GraphQL responses into HTTP responses: media type, status and body.

use async_graphql::BatchResponse;
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::ErrorCode;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// The media type of the answer, chosen from the request's `Accept`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MediaType {
    /// `application/graphql-response+json`: statuses tell request errors apart.
    GraphqlResponseJson,
    /// `application/json` for legacy clients: always `200`.
    Json,
}

impl MediaType {
    /// The spec's media type (the default) or plain JSON (legacy clients).
    pub(super) fn negotiate(headers: &HeaderMap) -> Self {
        let accept = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("*/*");
        if accept.contains(GRAPHQL_RESPONSE_JSON)
            || accept.contains("*/*")
            || !accept.contains("application/json")
        {
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

/// A response ready to send or to cache.
pub(super) struct Rendered {
    pub status: StatusCode,
    pub content_type: &'static str,
    pub body: Bytes,
}

/// The response's status and bytes; `None` (logged) if it cannot be serialised.
pub(super) fn render(media_type: MediaType, response: &BatchResponse) -> Option<Rendered> {
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
    let spec_media_type = media_type == MediaType::GraphqlResponseJson;
    let status = match (spec_media_type && is_request_error, unavailable) {
        (true, true) => StatusCode::SERVICE_UNAVAILABLE,
        (true, false) => StatusCode::BAD_REQUEST,
        (false, _) => StatusCode::OK,
    };
    let body = serde_json::to_vec(response)
        .inspect_err(|err| tracing::error!(error = %err, "could not serialise a response"))
        .ok()?;
    Some(Rendered {
        status,
        content_type: media_type.content_type(),
        body: Bytes::from(body),
    })
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
