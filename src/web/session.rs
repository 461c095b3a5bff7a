//! Cookies: the participant's token, the language choice and the CSRF token. Cookies are
//! `HttpOnly` (the language too: no script reads it), `SameSite=Lax` (a QR code or a link
//! from elsewhere still arrives signed in; a cross-site POST does not carry them) and
//! `Secure` when the request came over HTTPS, directly or through a trusted proxy that says
//! so in `X-Forwarded-Proto` (only with `TRUST_FORWARDED_FOR`, like the client address).

use axum::http::{HeaderMap, HeaderValue, header};

use crate::auth::Viewer;
use crate::auth::jwt::{IssuedToken, Subject};
use crate::error::AppError;
use crate::service::accounts;
use crate::state::AppState;

/// Holds the participant's token (a JWT, as `joinEvent` returns).
pub const PARTICIPANT_COOKIE: &str = "deelnemer";

/// A signed-in participant of one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Participant {
    pub participant_id: i32,
    pub event_id: i32,
}

/// The value of cookie `name`, if the request has it.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"'))
}

/// Whether the request reached us over HTTPS.
pub fn is_https(headers: &HeaderMap, trust_forwarded: bool) -> bool {
    trust_forwarded
        && headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"))
}

/// How long a cookie lives.
#[derive(Debug, Clone, Copy)]
pub enum Lifetime {
    /// Until the browser closes.
    Session,
    Seconds(i64),
    /// Remove the cookie now.
    Expired,
}

/// Which cross-site requests carry a cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SameSite {
    /// Sent on top-level navigations from elsewhere (a QR code, a link): participants.
    Lax,
    /// Never sent from elsewhere: accounts' sign-in cookies (issue 13).
    Strict,
}

/// A `Set-Cookie` value (`SameSite=Lax`); `None` only if `value` holds characters a
/// cookie cannot.
pub fn set_cookie(
    name: &str,
    value: &str,
    lifetime: Lifetime,
    secure: bool,
) -> Option<HeaderValue> {
    set_cookie_with(name, value, lifetime, secure, SameSite::Lax)
}

/// A `Set-Cookie` value with the given `SameSite`.
pub fn set_cookie_with(
    name: &str,
    value: &str,
    lifetime: Lifetime,
    secure: bool,
    same_site: SameSite,
) -> Option<HeaderValue> {
    let max_age = match lifetime {
        Lifetime::Session => String::new(),
        Lifetime::Seconds(seconds) => format!("; Max-Age={seconds}"),
        Lifetime::Expired => "; Max-Age=0".to_owned(),
    };
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite={same_site:?}{max_age}{secure}"
    ))
    .ok()
}

/// The participant behind the cookie; a missing, invalid, expired or erased one is nobody.
pub async fn participant(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<Participant>, AppError> {
    let Some(claims) = cookie(headers, PARTICIPANT_COOKIE).and_then(|t| state.keys.verify(t))
    else {
        return Ok(None);
    };
    match accounts::viewer_for(&state.db, &claims).await {
        Ok(Viewer::Participant {
            participant_id,
            event_id,
        }) => Ok(Some(Participant {
            participant_id,
            event_id,
        })),
        Ok(_) | Err(AppError::Unauthenticated) => Ok(None),
        Err(err) => Err(err),
    }
}

/// The cookie that signs a new participant in, for as long as their token lasts.
pub fn participant_cookie(issued: &IssuedToken, secure: bool) -> Option<HeaderValue> {
    let seconds = (issued.expires_at - chrono::Utc::now())
        .num_seconds()
        .max(0);
    set_cookie(
        PARTICIPANT_COOKIE,
        &issued.token,
        Lifetime::Seconds(seconds),
        secure,
    )
}

/// A short-lived token for the page's WebSocket: the page cannot read the `HttpOnly`
/// cookie, and a token rendered into the page should not outlive the visit by much.
pub fn live_token(state: &AppState, participant: Participant) -> Option<String> {
    state
        .keys
        .issue_for(
            Subject::Participant {
                participant_id: participant.participant_id,
                event_id: participant.event_id,
            },
            chrono::Utc::now(),
            LIVE_TOKEN_TTL,
        )
        .ok()
        .map(|issued| issued.token)
}

/// How long the page's WebSocket token lasts (the socket, once open, stays open).
pub const LIVE_TOKEN_TTL: chrono::Duration = chrono::Duration::hours(2);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; deelnemer=xyz; lang=en"),
        );
        assert_eq!(cookie(&headers, "deelnemer"), Some("xyz"));
        assert_eq!(cookie(&headers, "lang"), Some("en"));
        assert_eq!(cookie(&headers, "csrf"), None);
    }

    #[test]
    fn secure_only_over_https() {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert!(is_https(&headers, true));
        assert!(
            !is_https(&headers, false),
            "an untrusted header says nothing"
        );
        let cookie = set_cookie("a", "b", Lifetime::Session, true);
        assert_eq!(
            cookie.as_ref().and_then(|c| c.to_str().ok()),
            Some("a=b; Path=/; HttpOnly; SameSite=Lax; Secure")
        );
    }
}
