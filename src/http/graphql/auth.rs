//! The viewer behind a request's bearer token.

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;

use super::render::{request_error, with_header};
use crate::auth::Viewer;
use crate::error::AppError;
use crate::service::accounts;
use crate::state::AppState;

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
    crate::service::signed_out::check(&state.db, token.trim(), &claims).await?;
    accounts::viewer_for(&state.db, &claims).await
}

/// The answer when no viewer could be found: `401` for a bad token, `503` otherwise.
pub(super) fn refusal(err: &AppError) -> Response {
    if let AppError::Unauthenticated = err {
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
    if let AppError::Internal(cause) = err {
        tracing::error!(error = %cause, "resolving the viewer failed");
    }
    request_error(
        StatusCode::SERVICE_UNAVAILABLE,
        &err.message(),
        err.code().as_str(),
    )
}
