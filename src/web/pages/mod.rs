//! One handler per page, thin: read through the services, render a template.

pub mod account;
pub mod moderation;
pub mod participant;
pub mod programme;
pub mod screen;
pub mod staff;
pub mod views;

use axum::extract::Query;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::csrf::CheckedForm;
use super::i18n::{LANG_COOKIE, Lang};
use super::session::{Lifetime, set_cookie};
use super::{Visitor, see_other};

/// Messages a page may show after a redirect (`?melding=…`); only these, by key.
const NOTICES: &[&str] = &[
    "ingediend",
    "gestemd",
    "ingetrokken",
    "al-gestemd",
    "niet-gestemd",
    "te-snel",
    "gesloten",
    "mislukt",
    "meegedaan",
    "verlaten",
    "gegevens-verwijderd",
];

/// The notice named in the query, as a message key.
pub fn notice(query: Option<&str>) -> Option<String> {
    let wanted = query?
        .split('&')
        .find_map(|pair| pair.strip_prefix("melding="))?;
    NOTICES
        .iter()
        .find(|known| **known == wanted)
        .map(|known| format!("notice-{known}"))
}

/// A local path to return to (never another site: `//host` and `/\host` are refused).
pub fn safe_return(path: Option<&str>) -> &str {
    match path {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.starts_with("/\\") => p,
        _ => "/",
    }
}

/// `POST /taal`: remembers the language for a year and returns to the page.
pub async fn switch_language(visitor: Visitor, form: CheckedForm) -> Response {
    remember_language(&visitor, form.get("lang"), form.get("return"))
}

#[derive(Debug, Default, Deserialize)]
pub struct LanguageLink {
    lang: Option<String>,
    #[serde(rename = "return")]
    return_to: Option<String>,
}

/// `GET /taal?lang=en&return=/…`: the switch in every page's header. A link, not a form, so
/// that pages without forms carry no token and are the same for every visitor (they can be
/// kept, `page_cache`). Another site can at most switch a visitor's language; it returns
/// only to a local path.
pub async fn switch_language_link(visitor: Visitor, Query(link): Query<LanguageLink>) -> Response {
    remember_language(&visitor, link.lang.as_deref(), link.return_to.as_deref())
}

fn remember_language(visitor: &Visitor, lang: Option<&str>, return_to: Option<&str>) -> Response {
    let lang = lang.and_then(Lang::from_code).unwrap_or_default();
    let mut response = see_other(safe_return(return_to));
    if let Some(cookie) = set_cookie(
        LANG_COOKIE,
        lang.code(),
        Lifetime::Seconds(365 * 24 * 3600),
        visitor.secure,
    ) {
        response
            .headers_mut()
            .append(axum::http::header::SET_COOKIE, cookie);
    }
    response.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_notices_and_local_paths() {
        assert_eq!(
            notice(Some("melding=ingediend")).as_deref(),
            Some("notice-ingediend")
        );
        assert_eq!(notice(Some("melding=<script>")), None);
        assert_eq!(safe_return(Some("/events/x?q=1")), "/events/x?q=1");
        assert_eq!(safe_return(Some("//evil.example")), "/");
        assert_eq!(safe_return(Some("https://evil.example")), "/");
    }
}
