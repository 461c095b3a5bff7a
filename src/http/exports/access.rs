//! Who may download: the viewer behind a bearer token (scripts, curl), or behind the
//! signed-in account's cookie when a person opens a download, the report or the calendar
//! in their browser. A cookie is honoured only on a request from our own origin, so
//! another site can never make a signed-in browser fetch an export for it (the cookie is
//! `SameSite=Strict` as well, and no CORS answer allows credentials).

use axum::http::{HeaderMap, header};

use crate::auth::Viewer;
use crate::error::AppResult;
use crate::http::graphql::viewer_from_headers;
use crate::state::AppState;
use crate::web::{csrf, session};

/// The viewer of a download: the bearer token when there is one (a bad one is an error,
/// never silently the cookie), else the signed-in account of a same-origin request, else
/// anonymous.
pub async fn viewer(state: &AppState, headers: &HeaderMap) -> AppResult<Viewer> {
    if headers.contains_key(header::AUTHORIZATION)
        || !from_our_origin(headers, state.config.trust_forwarded_for)
    {
        return viewer_from_headers(state, headers).await;
    }
    Ok(session::account(state, headers)
        .await?
        .map_or(Viewer::Anonymous, |account| account.viewer))
}

/// Whether a cookie may stand for the request: the browser's `Sec-Fetch-Site` says
/// `same-origin` (a link or script of our pages) or `none` (typed, a bookmark); without
/// that header (older browsers, curl), `Origin` or `Referer` must name our host if given.
pub fn from_our_origin(headers: &HeaderMap, trust_forwarded: bool) -> bool {
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some(site) => site == "same-origin" || site == "none",
        None => csrf::same_origin(headers, trust_forwarded),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn only_our_own_pages_and_the_address_bar_may_use_the_cookie() {
        for site in ["same-origin", "none"] {
            assert!(from_our_origin(
                &headers(&[("sec-fetch-site", site)]),
                false
            ));
        }
        for site in ["same-site", "cross-site", "other"] {
            assert!(!from_our_origin(
                &headers(&[("sec-fetch-site", site)]),
                false
            ));
        }
        let evil = headers(&[
            ("host", "buurt.example"),
            ("origin", "https://evil.example"),
        ]);
        assert!(!from_our_origin(&evil, false));
        let ours = headers(&[
            ("host", "buurt.example"),
            ("referer", "https://buurt.example/staf/x"),
        ]);
        assert!(from_our_origin(&ours, false));
    }
}
