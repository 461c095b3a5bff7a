//! Cross-site request forgery: every form carries a token that must equal the browser's
//! `csrf` cookie (a random value per browser, compared in constant time), and a POST must
//! come from our own origin when the browser says where it came from (`Origin`, else
//! `Referer`). A cross-site page can neither read the cookie nor forge the origin.

use std::sync::OnceLock;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;

use super::session::{Lifetime, cookie, set_cookie};
use super::{ErrorPage, Visitor};
use crate::state::AppState;

/// The cookie holding the browser's token.
pub const COOKIE: &str = "csrf";
/// The hidden form field carrying the same token.
pub const FIELD: &str = "csrfToken";

/// The browser's token, or a new one (to be set as a cookie with the page). A new one is
/// made only when a page asks for it: pages without forms (most views) cost no randomness.
#[derive(Debug, Clone)]
pub struct CsrfToken {
    existing: Option<String>,
    made: OnceLock<String>,
}

impl CsrfToken {
    pub fn from_headers(headers: &HeaderMap) -> Self {
        Self {
            existing: cookie(headers, COOKIE)
                .filter(|v| v.len() >= 32)
                .map(str::to_owned),
            made: OnceLock::new(),
        }
    }

    /// The token forms carry.
    pub fn value(&self) -> &str {
        match &self.existing {
            Some(value) => value,
            None => self.made.get_or_init(|| {
                let mut bytes = [0u8; 32];
                rand::rng().fill_bytes(&mut bytes);
                URL_SAFE_NO_PAD.encode(bytes)
            }),
        }
    }

    /// Whether the browser has no token yet.
    #[cfg(test)]
    fn is_new(&self) -> bool {
        self.existing.is_none()
    }

    /// The cookie to set when a new token was handed out.
    pub fn set_cookie(&self, secure: bool) -> Option<axum::http::HeaderValue> {
        match (&self.existing, self.made.get()) {
            (None, Some(made)) => set_cookie(COOKIE, made, Lifetime::Session, secure),
            _ => None,
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whether the request says it comes from the host it was sent to. A request that says
/// nothing (no `Origin`, no `Referer`) passes here and relies on the token alone.
pub fn same_origin(headers: &HeaderMap, trust_forwarded: bool) -> bool {
    let host = trust_forwarded
        .then(|| headers.get("x-forwarded-host"))
        .flatten()
        .or_else(|| headers.get(header::HOST))
        .and_then(|v| v.to_str().ok());
    let Some(host) = host else {
        return false;
    };
    let claimed = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok());
    match claimed {
        None => true,
        Some(url) => url
            .split_once("://")
            .map(|(_, rest)| rest.split('/').next().unwrap_or_default())
            .is_some_and(|authority| authority.eq_ignore_ascii_case(host)),
    }
}

/// A submitted form whose token and origin were checked: its fields as pairs, in order
/// (a field may repeat, like the boxes of `preferredFormats`).
#[derive(Debug, Clone, Default)]
pub struct CheckedForm {
    fields: Vec<(String, String)>,
}

impl CheckedForm {
    /// The first value of `name`, trimmed; an empty field is no value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .filter(|v| !v.trim().is_empty())
    }

    /// The value of `name` as typed (kept for re-showing the form).
    pub fn raw(&self, name: &str) -> String {
        self.fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .unwrap_or_default()
    }

    /// Every value of `name`.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.fields
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .collect()
    }

    #[cfg(test)]
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Self {
        Self {
            fields: pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }
}

impl FromRequest<AppState> for CheckedForm {
    type Rejection = ErrorPage;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let headers = request.headers().clone();
        let trust = state.config.trust_forwarded_for;
        let visitor = Visitor::from_headers(&headers, request.uri(), trust);
        if !same_origin(&headers, trust) {
            return Err(ErrorPage::new(&visitor, axum::http::StatusCode::FORBIDDEN));
        }
        let body = Bytes::from_request(request, state)
            .await
            .map_err(|_| ErrorPage::new(&visitor, axum::http::StatusCode::BAD_REQUEST))?;
        let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
            .map_err(|_| ErrorPage::new(&visitor, axum::http::StatusCode::BAD_REQUEST))?;
        let sent = fields
            .iter()
            .find(|(key, _)| key == FIELD)
            .map(|(_, value)| value.as_str())
            .unwrap_or_default();
        let expected = cookie(&headers, COOKIE).unwrap_or_default();
        if expected.is_empty() || !constant_time_eq(expected.as_bytes(), sent.as_bytes()) {
            return Err(ErrorPage::new(&visitor, axum::http::StatusCode::FORBIDDEN));
        }
        Ok(Self { fields })
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
    fn only_our_own_origin_may_post() {
        let ours = headers(&[("host", "example.org"), ("origin", "https://example.org")]);
        assert!(same_origin(&ours, false));
        let theirs = headers(&[("host", "example.org"), ("origin", "https://evil.example")]);
        assert!(!same_origin(&theirs, false));
        let null = headers(&[("host", "example.org"), ("origin", "null")]);
        assert!(!same_origin(&null, false));
        let referer = headers(&[("host", "a.test:8080"), ("referer", "http://a.test:8080/x")]);
        assert!(same_origin(&referer, false));
        let silent = headers(&[("host", "example.org")]);
        assert!(same_origin(&silent, false), "the token still has to match");
        let proxied = headers(&[
            ("host", "127.0.0.1:8080"),
            ("x-forwarded-host", "buurt.example"),
            ("origin", "https://buurt.example"),
        ]);
        assert!(same_origin(&proxied, true));
        assert!(!same_origin(&proxied, false));
    }

    #[test]
    fn tokens_are_new_only_without_a_cookie() {
        let fresh = CsrfToken::from_headers(&HeaderMap::new());
        assert!(
            fresh.is_new() && fresh.set_cookie(false).is_none(),
            "made only when used"
        );
        assert!(fresh.value().len() >= 32 && fresh.set_cookie(false).is_some());
        let kept = CsrfToken::from_headers(&headers(&[(
            "cookie",
            "csrf=abcdefghijklmnopqrstuvwxyz0123456789ABCD",
        )]));
        assert!(!kept.is_new() && kept.value().len() >= 32 && kept.set_cookie(false).is_none());
        assert!(constant_time_eq(b"abc", b"abc") && !constant_time_eq(b"abc", b"abd"));
    }
}
