//! The public calendar of an event (`/events/{slug}/calendar.ics`): one VEVENT per session
//! in the event's time zone, the zone's VTIMEZONE, and a link to each session's page.

use axum::extract::{Path, State};
use axum::http::uri::Authority;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;
use entity::{event, session};

use super::ical::{Ical, write_vtimezone};
use crate::http::error::error_response;
use crate::service::export;
use crate::state::AppState;

pub async fn calendar(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (base, from_request) = base_url(&state, &headers);
    let (event, sessions) = match export::calendar(&state.db, slug.trim_end_matches(".ics")).await {
        Ok(found) => found,
        Err(err) => return error_response(err),
    };
    let text = render(&event, &sessions, base.as_deref(), &event.title, true);
    calendar_response(text, from_request)
}

/// One session's calendar (`/events/{slug}/sessies/{key}.ics`): the same VEVENT as in the
/// event's feed, with its VTIMEZONE.
pub async fn session_calendar(
    state: &AppState,
    slug: &str,
    key: &str,
    headers: &HeaderMap,
) -> Response {
    let (base, from_request) = base_url(state, headers);
    let (event, sessions) = match export::calendar(&state.db, slug).await {
        Ok(found) => found,
        Err(err) => return error_response(err),
    };
    let Some(session) = sessions.into_iter().find(|s| s.key == key) else {
        return error_response(crate::error::AppError::not_found("no such session"));
    };
    let title = session.title.clone();
    let text = render(&event, &[session], base.as_deref(), &title, false);
    calendar_response(text, from_request)
}

fn calendar_response(text: String, from_request: bool) -> Response {
    let mut response = (
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        text,
    )
        .into_response();
    if from_request {
        // The links depend on these headers: a shared cache must not mix them up.
        response.headers_mut().insert(
            header::VARY,
            HeaderValue::from_static("host, x-forwarded-proto"),
        );
    }
    response
}

/// The base URL of links: `PUBLIC_URL`, or else as the client reached us (then the second
/// value is true: the response varies with the request's headers).
pub(super) fn base_url(state: &AppState, headers: &HeaderMap) -> (Option<String>, bool) {
    match &state.config.public_url {
        Some(url) => (Some(url.as_str().trim_end_matches('/').to_owned()), false),
        None => (
            base_from_request(headers, state.config.trust_forwarded_for),
            true,
        ),
    }
}

/// The calendar text. Session pages are linked as `{base}/events/{slug}/sessies/{key}`
/// when a base URL is known.
fn render(
    event: &event::Model,
    sessions: &[session::Model],
    base: Option<&str>,
    name: &str,
    feed: bool,
) -> String {
    let tz: Tz = event
        .timezone
        .parse()
        .unwrap_or(chrono_tz::Europe::Amsterdam);
    let local = |time: DateTime<Utc>| time.with_timezone(&tz).naive_local();
    let years = sessions
        .iter()
        .flat_map(|s| [local(s.starts_at).year(), local(s.ends_at).year()])
        .chain([local(event.starts_at).year()]);
    let (first, last) = years.fold((i32::MAX, i32::MIN), |(first, last), year| {
        (first.min(year), last.max(year))
    });

    let mut ical = Ical::default();
    ical.begin("VCALENDAR");
    ical.line("VERSION", "2.0");
    ical.line("PRODID", "-//buurtgraph//buurtgraph//NL");
    ical.line("CALSCALE", "GREGORIAN");
    ical.line("METHOD", "PUBLISH");
    ical.text("NAME", name);
    ical.text("X-WR-CALNAME", name);
    ical.line("X-WR-TIMEZONE", tz.name());
    if feed {
        // A subscribed calendar asks again every hour (RFC 7986 and Outlook's name for it).
        ical.line("REFRESH-INTERVAL;VALUE=DURATION", "PT1H");
        ical.line("X-PUBLISHED-TTL", "PT1H");
        if let Some(base) = base {
            ical.line(
                "SOURCE;VALUE=URI",
                &format!("{base}/events/{}/calendar.ics", path_segment(&event.slug)),
            );
        }
    }
    write_vtimezone(&mut ical, tz, first..=last);
    for s in sessions {
        ical.begin("VEVENT");
        ical.text("UID", &format!("{}-{}@buurtgraph", event.slug, s.key));
        ical.utc_time("DTSTAMP", event.updated_at);
        ical.local_time("DTSTART", tz.name(), local(s.starts_at));
        ical.local_time("DTEND", tz.name(), local(s.ends_at));
        ical.text("SUMMARY", &s.title);
        if !s.description.is_empty() {
            ical.text("DESCRIPTION", &s.description);
        }
        // The session's room, else the event's place.
        if let Some(location) = s.room.as_ref().or(event.location.as_ref()) {
            ical.text("LOCATION", location);
        }
        if let Some(link) = &s.url {
            // RFC 7986: how to join (a stream or meeting link).
            ical.line("CONFERENCE;VALUE=URI;FEATURE=VIDEO", link);
        }
        if let Some(base) = base {
            ical.line(
                "URL",
                &format!(
                    "{base}/events/{}/sessies/{}",
                    path_segment(&event.slug),
                    path_segment(&s.key)
                ),
            );
        }
        ical.end("VEVENT");
    }
    ical.end("VCALENDAR");
    ical.finish()
}

/// The base URL as the client reached us, when no `PUBLIC_URL` is set: `http://` and the
/// `Host` header, which must be a plain host and port (so a forged header cannot put text
/// into the calendar); `https://` when a trusted proxy says so in `X-Forwarded-Proto`.
pub(crate) fn base_from_request(headers: &HeaderMap, trust_proxy: bool) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let authority: Authority = host.parse().ok()?;
    let plain = |b: u8| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b);
    if authority.host().is_empty() || !authority.as_str().bytes().all(plain) {
        return None;
    }
    let https = trust_proxy
        && headers
            .get("x-forwarded-proto")
            .is_some_and(|proto| proto.as_bytes().eq_ignore_ascii_case(b"https"));
    let scheme = if https { "https" } else { "http" };
    Some(format!("{scheme}://{}", authority.as_str()))
}

/// `segment` with every byte outside the URI's unreserved characters percent-encoded.
fn path_segment(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(value: &str, proto: Option<&str>, trust: bool) -> Option<String> {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_str(value).ok()?);
        if let Some(proto) = proto {
            headers.insert("x-forwarded-proto", HeaderValue::from_str(proto).ok()?);
        }
        base_from_request(&headers, trust)
    }

    #[test]
    fn the_base_url_comes_from_a_plain_host_header_only() {
        assert_eq!(
            host("buurt.example:8080", None, false).as_deref(),
            Some("http://buurt.example:8080")
        );
        assert_eq!(
            host("[::1]:8080", None, false).as_deref(),
            Some("http://[::1]:8080")
        );
        assert_eq!(
            host("buurt.example", Some("https"), true).as_deref(),
            Some("https://buurt.example")
        );
        assert_eq!(
            host("buurt.example", Some("https"), false).as_deref(),
            Some("http://buurt.example")
        );
        for forged in [
            "evil@buurt.example",
            "buurt.example/x",
            "a b",
            "x;y",
            "",
            "%41",
        ] {
            assert_eq!(host(forged, None, false), None, "{forged:?}");
        }
    }

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(path_segment("ws-1_a.b~"), "ws-1_a.b~");
        assert_eq!(path_segment("a b/é"), "a%20b%2F%C3%A9");
    }
}
