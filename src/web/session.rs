//! Cookies: the participant's token, the signed-in account's token, the language choice
//! and the CSRF token. Cookies are `HttpOnly` (the language too: no script reads it) and
//! `Secure` when the request came over HTTPS, directly or through a trusted proxy that says
//! so in `X-Forwarded-Proto` (only with `TRUST_FORWARDED_FOR`, like the client address).
//! The participant's cookies are `SameSite=Lax` (a QR code or a link from elsewhere still
//! arrives signed in; a cross-site POST does not carry them); an account's cookie is
//! `SameSite=Strict`: a moderator's or staff member's power never travels from another site.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use entity::enums::AccountRole;
use sea_orm::EntityTrait;

use super::{ErrorPage, Visitor, see_other};
use crate::auth::jwt::{Claims, IssuedToken, Subject};
use crate::auth::{Role, Viewer};
use crate::error::AppError;
use crate::service::accounts;
use crate::state::AppState;

/// Holds the participant's token (a JWT, as `joinEvent` returns).
pub const PARTICIPANT_COOKIE: &str = "deelnemer";

/// A signed-in participant of one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
    let Some(claims) = participant_claims(state, headers) else {
        return Ok(None);
    };
    participant_in_database(state, &claims).await
}

/// The claims of a valid participant cookie (not yet checked against the database).
fn participant_claims(state: &AppState, headers: &HeaderMap) -> Option<Claims> {
    cookie(headers, PARTICIPANT_COOKIE).and_then(|t| state.keys.verify(t))
}

/// The participant the claims name, if their row says they still are one.
async fn participant_in_database(
    state: &AppState,
    claims: &Claims,
) -> Result<Option<Participant>, AppError> {
    match accounts::viewer_for(&state.db, claims).await {
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

/// The participant behind the cookie, for a page that only reads: as `participant`, but a
/// participant whose row this process saw lately is trusted without reading it again (a
/// page view then runs no statement for the cookie). Forms that write keep `participant`.
pub async fn participant_for_reading(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<Participant>, AppError> {
    let Some(claims) = participant_claims(state, headers) else {
        return Ok(None);
    };
    let Some(Subject::Participant {
        participant_id,
        event_id,
    }) = claims.subject()
    else {
        return Ok(None);
    };
    let claimed = Participant {
        participant_id,
        event_id,
    };
    let erasures = state.changes.participants_version();
    if state.known_participants.knows(claimed, erasures) {
        return Ok(Some(claimed));
    }
    let found = participant_in_database(state, &claims).await?;
    if found == Some(claimed) {
        state.known_participants.saw(claimed, erasures);
    }
    Ok(found)
}

/// How long a participant seen in the database is trusted without reading it again. An
/// erasure through any instance forgets them all at once (`Changes::participant_erased`);
/// this bounds what no notification announces (the CLI's purge of an event's participants
/// after the retention period, run by another process).
const KNOWN_FOR: Duration = Duration::from_secs(60);

/// Most participants remembered (then all are forgotten and seen again).
const MOST_KNOWN: usize = 100_000;

/// Participants whose row this process read lately, as of an erasure count.
#[derive(Debug, Default)]
pub struct KnownParticipants {
    known: Mutex<Known>,
}

#[derive(Debug, Default)]
struct Known {
    /// The erasure count (`Changes::participants_version`) these were seen at.
    erasures: u64,
    seen_at: HashMap<Participant, Instant>,
}

impl KnownParticipants {
    /// Whether `participant` was seen lately and nobody has been erased since.
    fn knows(&self, participant: Participant, erasures: u64) -> bool {
        let known = self.known.lock().unwrap_or_else(PoisonError::into_inner);
        known.erasures == erasures
            && known
                .seen_at
                .get(&participant)
                .is_some_and(|seen| seen.elapsed() < KNOWN_FOR)
    }

    /// Records that `participant` was read from the database after the erasure count was
    /// `erasures`; an erasure since then makes the sighting worthless.
    fn saw(&self, participant: Participant, erasures: u64) {
        let mut known = self.known.lock().unwrap_or_else(PoisonError::into_inner);
        if known.erasures != erasures {
            if erasures < known.erasures {
                return;
            }
            known.erasures = erasures;
            known.seen_at.clear();
        }
        if known.seen_at.len() >= MOST_KNOWN {
            known.seen_at.clear();
        }
        known.seen_at.insert(participant, Instant::now());
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

/// Holds a signed-in account's token (a JWT, as `login` returns).
pub const ACCOUNT_COOKIE: &str = "account";

/// A moderator, staff member or admin signed in by cookie, checked against the database on
/// every request (a disabled account or a revoked token is nobody). Use it as an extractor:
/// a page that needs an account sends a visitor without one to `/inloggen?terug=<page>`.
#[derive(Debug, Clone)]
pub struct SignedInAccount {
    pub account_id: i32,
    pub email: String,
    pub role: AccountRole,
    /// The viewer the services take (with the moderator's scopes).
    pub viewer: Viewer,
    /// The scopes as labels (`theme:SLUG`, `session:KEY`); empty for staff and admins.
    pub scope_labels: Vec<String>,
}

impl SignedInAccount {
    /// The role, in the order roles are compared.
    pub fn role(&self) -> Role {
        self.viewer.role()
    }

    /// Whether the account has at least `role` (a page answers 403 if not:
    /// `ErrorPage::new(&visitor, StatusCode::FORBIDDEN)`).
    pub fn has(&self, role: Role) -> bool {
        self.role() >= role
    }

    /// Whether the account screens questions: moderators (in their scope) and admins.
    pub fn moderates(&self) -> bool {
        matches!(self.role, AccountRole::Moderator | AccountRole::Admin)
    }
}

/// The account behind the cookie; a missing, invalid, expired, revoked or signed-out token,
/// a disabled account or a participant's token is nobody.
pub async fn account(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<SignedInAccount>, AppError> {
    let Some((token, claims)) = cookie(headers, ACCOUNT_COOKIE)
        .and_then(|t| state.keys.verify(t).map(|claims| (t, claims)))
    else {
        return Ok(None);
    };
    match crate::service::signed_out::check(&state.db, token, &claims).await {
        Ok(()) => {}
        Err(AppError::Unauthenticated) => return Ok(None),
        Err(err) => return Err(err),
    }
    let viewer = match accounts::viewer_for(&state.db, &claims).await {
        Ok(viewer @ Viewer::Account { .. }) => viewer,
        Ok(_) | Err(AppError::Unauthenticated) => return Ok(None),
        Err(err) => return Err(err),
    };
    let Viewer::Account {
        account_id, role, ..
    } = &viewer
    else {
        return Ok(None);
    };
    let (account_id, role) = (*account_id, *role);
    let Some(row) = entity::account::Entity::find_by_id(account_id)
        .one(&state.db)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(SignedInAccount {
        account_id,
        email: row.email,
        role,
        scope_labels: accounts::scope_labels(&state.db, account_id).await?,
        viewer,
    }))
}

/// The cookie that signs an account in, for as long as its token lasts (12 hours).
pub fn account_cookie(issued: &IssuedToken, secure: bool) -> Option<HeaderValue> {
    let seconds = (issued.expires_at - chrono::Utc::now())
        .num_seconds()
        .max(0);
    set_cookie_with(
        ACCOUNT_COOKIE,
        &issued.token,
        Lifetime::Seconds(seconds),
        secure,
        SameSite::Strict,
    )
}

/// Signs out the token in the request's account cookie for good (a copy of the cookie no
/// longer opens anything), if it holds a valid one.
pub async fn revoke_account_cookie(state: &AppState, headers: &HeaderMap) -> Result<(), AppError> {
    let Some(token) = cookie(headers, ACCOUNT_COOKIE) else {
        return Ok(());
    };
    let Some(claims) = state.keys.verify(token) else {
        return Ok(());
    };
    crate::service::signed_out::revoke(state.writer.connection(), token, &claims).await
}

/// The cookie that signs an account out.
pub fn account_cookie_removed(secure: bool) -> Option<HeaderValue> {
    set_cookie_with(
        ACCOUNT_COOKIE,
        "",
        Lifetime::Expired,
        secure,
        SameSite::Strict,
    )
}

/// Where a page that needs an account sends a visitor without one: the sign-in form, which
/// returns to `path` afterwards.
pub fn sign_in_url(path: &str) -> String {
    let back: String = url_encode(path);
    format!("/inloggen?terug={back}")
}

/// Percent-encodes a query value (only unreserved characters stay).
fn url_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl FromRequestParts<AppState> for SignedInAccount {
    /// A redirect to the sign-in form, or the error page when the database fails.
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let visitor = match Visitor::from_request_parts(parts, state).await {
            Ok(visitor) => visitor,
            Err(never) => match never {},
        };
        match account(state, &parts.headers).await {
            Ok(Some(account)) => Ok(account),
            Ok(None) => Err(see_other(&sign_in_url(&visitor.path))),
            Err(err) => Err(ErrorPage::from_app(&visitor, err).into_response()),
        }
    }
}

/// The signed-in account, if any (for pages anyone may see that show more to accounts).
#[derive(Debug, Clone)]
pub struct MaybeAccount(pub Option<SignedInAccount>);

impl FromRequestParts<AppState> for MaybeAccount {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match account(state, &parts.headers).await {
            Ok(account) => Ok(Self(account)),
            Err(err) => {
                let visitor = match Visitor::from_request_parts(parts, state).await {
                    Ok(visitor) => visitor,
                    Err(never) => match never {},
                };
                Err(ErrorPage::from_app(&visitor, err).into_response())
            }
        }
    }
}

/// A short-lived token for a signed-in account's page WebSocket (the page cannot read the
/// `HttpOnly` cookie).
pub fn account_live_token(state: &AppState, account: &SignedInAccount) -> Option<String> {
    state
        .keys
        .issue_for(
            Subject::Account(account.account_id),
            chrono::Utc::now(),
            LIVE_TOKEN_TTL,
        )
        .ok()
        .map(|issued| issued.token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_returns_to_the_page_with_its_query() {
        assert_eq!(
            sign_in_url("/moderatie?status=PENDING&x=a b"),
            "/inloggen?terug=/moderatie%3Fstatus%3DPENDING%26x%3Da%20b"
        );
    }

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
