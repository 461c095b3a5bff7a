//! Who may download: the viewer behind a bearer token (scripts, curl), or behind the
//! signed-in account's cookie when a person opens a download, the report or the calendar
//! in their browser. A cookie is honoured only on a request from our own origin, so
//! another site can never make a signed-in browser fetch an export for it.

use axum::http::HeaderMap;

use crate::auth::Viewer;
use crate::error::AppResult;
use crate::http::graphql::viewer_from_headers;
use crate::state::AppState;

/// The viewer of a download: the bearer token when there is one (a bad one is an error,
/// never silently the cookie), else the signed-in account of a same-origin request, else
/// anonymous.
pub async fn viewer(state: &AppState, headers: &HeaderMap) -> AppResult<Viewer> {
    viewer_from_headers(state, headers).await
}
