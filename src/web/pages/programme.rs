//! The programme for visitors: the events, an event's programme, a session, a person, search.

use std::sync::Arc;

use axum::extract::{Path, Query, RawQuery, State};
use axum::http::StatusCode;
use entity::enums::SearchKind;
use entity::{event, session};
use serde::{Deserialize, Serialize};

use super::notice;
use super::views::{self, ThemeChip};
use crate::error::AppError;
use crate::readmodel::Snapshot;
use crate::state::AppState;
use crate::web::{ErrorPage, PageResult, Visitor, render};

/// The programme as this process knows it now.
async fn snapshot(state: &AppState, visitor: &Visitor) -> Result<Arc<Snapshot>, ErrorPage> {
    state
        .read_model
        .current(&state.db)
        .await
        .map_err(|e| ErrorPage::from_app(visitor, e))
}

/// The event with this slug; a missing one is `NOT_FOUND`.
fn event_named(snapshot: &Snapshot, slug: &str) -> Result<Arc<event::Model>, AppError> {
    snapshot
        .event_by_slug(Some(slug))
        .cloned()
        .ok_or_else(|| AppError::not_found("no such event"))
}

/// `GET /`: the events; with only one, its programme.
pub async fn home(
    State(state): State<AppState>,
    visitor: Visitor,
    RawQuery(query): RawQuery,
    Query(filter): Query<ProgrammeFilter>,
) -> PageResult {
    let snapshot = snapshot(&state, &visitor).await?;
    let render = || async {
        let events = snapshot.events();
        if let [event] = events {
            return Ok(programme_page(
                &snapshot,
                &visitor,
                event,
                filter,
                query.as_deref(),
            ));
        }
        let events: Vec<views::EventView> = events
            .iter()
            .map(|e| views::event_view(visitor.lang, e))
            .collect();
        Ok(render::page(
            &visitor,
            StatusCode::OK,
            "programme/events.html",
            minijinja::context! { events => render::value(&events), notice => notice(query.as_deref()) },
        ))
    };
    state
        .page_cache
        .page(&visitor, snapshot.version, render)
        .await
}

#[derive(Debug, Default, Deserialize)]
pub struct ProgrammeFilter {
    /// A theme's slug.
    thema: Option<String>,
}

/// `GET /events/{slug}`: blocks, sessions, speakers, themes; `?thema=` filters.
pub async fn event(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(slug): Path<String>,
    RawQuery(query): RawQuery,
    Query(filter): Query<ProgrammeFilter>,
) -> PageResult {
    let snapshot = snapshot(&state, &visitor).await?;
    let render = || async {
        let event = event_named(&snapshot, &slug).map_err(|e| ErrorPage::from_app(&visitor, e))?;
        Ok(programme_page(
            &snapshot,
            &visitor,
            &event,
            filter,
            query.as_deref(),
        ))
    };
    state
        .page_cache
        .page(&visitor, snapshot.version, render)
        .await
}

fn programme_page(
    snapshot: &Snapshot,
    visitor: &Visitor,
    event: &event::Model,
    filter: ProgrammeFilter,
    query: Option<&str>,
) -> axum::response::Response {
    let themes = snapshot.themes_of_event(event.id);
    let selected = filter
        .thema
        .as_deref()
        .filter(|s| !s.is_empty())
        .and_then(|slug| themes.iter().find(|t| t.slug == slug));
    let blocks = views::programme(snapshot, event, selected.map(|t| t.id));
    render::page(
        visitor,
        StatusCode::OK,
        "programme/event.html",
        minijinja::context! {
            event => render::value(views::event_view(visitor.lang, event)),
            blocks => render::value(&blocks),
            themes => render::value(themes.iter().map(|t| ThemeChip::new(t)).collect::<Vec<_>>()),
            selected_theme => render::value(selected.map(|t| ThemeChip::new(t))),
            notice => render::value(notice(query)),
        },
    )
}

/// `GET /events/{slug}/sessies/{key}`, and the session's calendar at `{key}.ics`.
pub async fn session(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((slug, key)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
) -> PageResult {
    // The router cannot match a suffix within a segment; keys never contain a dot.
    if let Some(key) = key.strip_suffix(".ics") {
        return Ok(crate::http::exports::session_calendar(&state, &slug, key, &headers).await);
    }
    let snapshot = snapshot(&state, &visitor).await?;
    let render = || session_page(&snapshot, &visitor, &slug, &key);
    state
        .page_cache
        .page(&visitor, snapshot.version, render)
        .await
}

async fn session_page(snapshot: &Snapshot, visitor: &Visitor, slug: &str, key: &str) -> PageResult {
    let event = event_named(snapshot, slug).map_err(|e| ErrorPage::from_app(visitor, e))?;
    let session = snapshot
        .session_by_key(event.id, key)
        .cloned()
        .ok_or_else(|| ErrorPage::not_found(visitor))?;
    let mut cards = views::session_cards(snapshot, &event, &[session]);
    let Some(card) = cards.pop() else {
        return Err(ErrorPage::not_found(visitor));
    };
    Ok(render::page(
        visitor,
        StatusCode::OK,
        "programme/session.html",
        minijinja::context! {
            event => render::value(views::event_view(visitor.lang, &event)),
            session => render::value(card),
        },
    ))
}

/// `GET /events/{slug}/personen/{key}`: who they are and their sessions in this event.
pub async fn person(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((slug, key)): Path<(String, String)>,
) -> PageResult {
    let snapshot = snapshot(&state, &visitor).await?;
    let render = || person_page(&snapshot, &visitor, &slug, &key);
    state
        .page_cache
        .page(&visitor, snapshot.version, render)
        .await
}

async fn person_page(snapshot: &Snapshot, visitor: &Visitor, slug: &str, key: &str) -> PageResult {
    let event = event_named(snapshot, slug).map_err(|e| ErrorPage::from_app(visitor, e))?;
    let person = snapshot
        .person_with_key(key)
        .cloned()
        .ok_or_else(|| ErrorPage::not_found(visitor))?;
    let sessions: Vec<Arc<session::Model>> = snapshot
        .sessions_of_person(person.id)
        .iter()
        .filter(|s| s.event_id == event.id)
        .cloned()
        .collect();
    let cards = views::session_cards(snapshot, &event, &sessions);
    let affiliations: Vec<views::Affiliation> = snapshot
        .affiliations_of_person(person.id)
        .iter()
        .filter_map(|a| {
            Some(views::Affiliation {
                title: a.title.clone(),
                organisation: snapshot.organisation(a.organisation_id)?.name.clone(),
            })
        })
        .collect();
    // Someone who has no session in this event is not part of its programme.
    if cards.is_empty() {
        return Err(ErrorPage::not_found(visitor));
    }
    Ok(render::page(
        visitor,
        StatusCode::OK,
        "programme/person.html",
        minijinja::context! {
            event => render::value(views::event_view(visitor.lang, &event)),
            person => minijinja::context! {
                name => render::value(&person.name),
                paragraphs => render::value(views::paragraphs(person.bio.as_deref().unwrap_or_default())),
                website => render::value(&person.website),
                affiliations => render::value(&affiliations),
            },
            sessions => render::value(&cards),
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
}

#[derive(Debug, Serialize)]
struct Hit {
    kind: String,
    title: String,
    url: Option<String>,
}

/// Most hits shown.
const SEARCH_LIMIT: usize = 50;
/// Longest query read.
const QUERY_MAX: usize = 200;

/// `GET /events/{slug}/zoeken?q=`: the API's search (accents and case ignored).
pub async fn search(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(slug): Path<String>,
    Query(query): Query<SearchQuery>,
) -> PageResult {
    let snapshot = snapshot(&state, &visitor).await?;
    let event = event_named(&snapshot, &slug).map_err(|e| ErrorPage::from_app(&visitor, e))?;
    let q: String = query
        .q
        .unwrap_or_default()
        .trim()
        .chars()
        .take(QUERY_MAX)
        .collect();
    let hits: Vec<Hit> = if q.is_empty() {
        Vec::new()
    } else {
        let (matches, _total) = snapshot.search(&q, Some(event.id), 0, SEARCH_LIMIT as u64);
        matches
            .iter()
            .filter_map(|m| {
                let (kind, title, url) = match m.kind {
                    SearchKind::Session => {
                        let s = snapshot.session(m.entity_id)?;
                        (
                            "SESSION",
                            s.title.clone(),
                            Some(format!("/events/{}/sessies/{}", event.slug, s.key)),
                        )
                    }
                    SearchKind::Person => {
                        let p = snapshot.person(m.entity_id)?;
                        (
                            "PERSON",
                            p.name.clone(),
                            Some(format!("/events/{}/personen/{}", event.slug, p.key)),
                        )
                    }
                    SearchKind::Theme => {
                        let t = snapshot.theme(m.entity_id)?;
                        (
                            "THEME",
                            t.title.clone(),
                            Some(format!("/events/{}?thema={}#programma", event.slug, t.slug)),
                        )
                    }
                    SearchKind::Organisation => {
                        let o = snapshot.organisation(m.entity_id)?;
                        ("ORGANISATION", o.name.clone(), None)
                    }
                };
                Some(Hit {
                    kind: kind.to_owned(),
                    title,
                    url,
                })
            })
            .collect()
    };
    Ok(render::page(
        &visitor,
        StatusCode::OK,
        "programme/search.html",
        minijinja::context! {
            event => render::value(views::event_view(visitor.lang, &event)),
            q => render::value(&q),
            hits => render::value(&hits),
        },
    ))
}
