//! The schedule for conference apps and screens: `/events/{slug}/schedule.xml` and
//! `/events/{slug}/schedule.json` (frab format, valid against c3voc's schemas).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::calendar::base_url;
use crate::http::error::error_response;
use crate::schedule;
use crate::service::schedule::schedule_of;
use crate::state::AppState;

pub async fn schedule_xml(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (base, from_request) = base_of(&state, &headers);
    match schedule_of(&state.db, &slug, &base).await {
        Ok(found) => {
            let own = format!("{base}/events/{slug}/schedule.xml");
            respond(
                "application/xml; charset=utf-8",
                schedule::xml::write(&found, Some(&own)),
                from_request,
            )
        }
        Err(err) => error_response(err),
    }
}

pub async fn schedule_json(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (base, from_request) = base_of(&state, &headers);
    match schedule_of(&state.db, &slug, &base).await {
        Ok(found) => respond(
            "application/json",
            schedule::json::write(&found).to_string(),
            from_request,
        ),
        Err(err) => error_response(err),
    }
}

/// Links in a schedule must be absolute: without `PUBLIC_URL` or a usable `Host`, the
/// address the server listens on.
fn base_of(state: &AppState, headers: &HeaderMap) -> (String, bool) {
    let (base, from_request) = base_url(state, headers);
    (
        base.unwrap_or_else(|| format!("http://{}", state.config.bind)),
        from_request,
    )
}

fn respond(content_type: &'static str, body: String, from_request: bool) -> Response {
    let mut response = (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=300"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        body,
    )
        .into_response();
    if from_request {
        response.headers_mut().insert(
            header::VARY,
            HeaderValue::from_static("host, x-forwarded-proto"),
        );
    }
    response
}
