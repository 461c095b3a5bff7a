//! The programme for visitors: the events, an event's programme, a session, a person, search.

use axum::extract::{Path, Query, RawQuery, State};
use axum::http::StatusCode;
use entity::enums::SearchKind;
use entity::{organisation, person, session, theme};
use serde::{Deserialize, Serialize};

use super::notice;
use super::views::{self, ThemeChip};
use crate::service::{programme as service, search as search_service};
use crate::state::AppState;
use crate::web::programme_views::ProgrammeViews;
use crate::web::{ErrorPage, PageResult, Visitor, lookup, render};

/// `GET /`: the events; with only one, its programme.
pub async fn home(
    State(state): State<AppState>,
    visitor: Visitor,
    RawQuery(query): RawQuery,
    Query(filter): Query<ProgrammeFilter>,
) -> PageResult {
    let events = service::events(&state.db)
        .await
        .map_err(|e| ErrorPage::from_app(&visitor, e))?;
    if let [event] = events.as_slice() {
        return programme_page(&state, &visitor, event, filter, query.as_deref()).await;
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
    let event = lookup::event(&state.db, &slug)
        .await
        .map_err(|e| ErrorPage::from_app(&visitor, e))?;
    programme_page(&state, &visitor, &event, filter, query.as_deref()).await
}

async fn programme_page(
    state: &AppState,
    visitor: &Visitor,
    event: &entity::event::Model,
    filter: ProgrammeFilter,
    query: Option<&str>,
) -> PageResult {
    let fail = |e: crate::error::AppError| ErrorPage::from_app(visitor, e);
    let themes: Vec<theme::Model> = service::themes_by_event(&state.db, &[event.id])
        .await
        .map_err(&fail)?
        .remove(&event.id)
        .unwrap_or_default();
    let selected = filter
        .thema
        .as_deref()
        .filter(|s| !s.is_empty())
        .and_then(|slug| themes.iter().find(|t| t.slug == slug));
    let blocks = ProgrammeViews::blocks(state, event, selected.map(|t| t.id))
        .await
        .map_err(fail)?;
    Ok(render::page(
        visitor,
        StatusCode::OK,
        "programme/event.html",
        minijinja::context! {
            event => render::value(views::event_view(visitor.lang, event)),
            blocks => render::value(&*blocks),
            themes => render::value(themes.iter().map(ThemeChip::new).collect::<Vec<_>>()),
            selected_theme => render::value(selected.map(ThemeChip::new)),
            notice => render::value(notice(query)),
        },
    ))
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
    let fail = |e: crate::error::AppError| ErrorPage::from_app(&visitor, e);
    let event = lookup::event(&state.db, &slug).await.map_err(fail)?;
    let session = crate::service::programme::session_by_key(&state.db, event.id, &key)
        .await
        .map_err(fail)?
        .ok_or_else(|| ErrorPage::not_found(&visitor))?;
    let mut cards = views::session_cards(&state.db, &event, &[session])
        .await
        .map_err(fail)?;
    let Some(card) = cards.pop() else {
        return Err(ErrorPage::not_found(&visitor));
    };
    Ok(render::page(
        &visitor,
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
    let fail = |e: crate::error::AppError| ErrorPage::from_app(&visitor, e);
    let event = lookup::event(&state.db, &slug).await.map_err(fail)?;
    let person = lookup::person_by_key(&state.db, &key)
        .await
        .map_err(fail)?
        .ok_or_else(|| ErrorPage::not_found(&visitor))?;
    let sessions: Vec<session::Model> = service::sessions_by_person(&state.db, &[person.id])
        .await
        .map_err(&fail)?
        .remove(&person.id)
        .unwrap_or_default()
        .into_iter()
        .filter(|s| s.event_id == event.id)
        .collect();
    let cards = views::session_cards(&state.db, &event, &sessions)
        .await
        .map_err(fail)?;
    let affiliations = service::affiliations_by_person(&state.db, &[person.id])
        .await
        .map_err(&fail)?
        .remove(&person.id)
        .unwrap_or_default();
    let org_ids: Vec<i32> = affiliations.iter().map(|a| a.organisation_id).collect();
    let organisations =
        service::by_ids::<organisation::Entity>(&state.db, organisation::Column::Id, &org_ids)
            .await
            .map_err(fail)?;
    let affiliations: Vec<views::Affiliation> = affiliations
        .iter()
        .filter_map(|a| {
            Some(views::Affiliation {
                title: a.title.clone(),
                organisation: organisations.get(&a.organisation_id)?.name.clone(),
            })
        })
        .collect();
    // Someone who has no session in this event is not part of its programme.
    if cards.is_empty() {
        return Err(ErrorPage::not_found(&visitor));
    }
    Ok(render::page(
        &visitor,
        StatusCode::OK,
        "programme/person.html",
        minijinja::context! {
            event => render::value(views::event_view(visitor.lang, &event)),
            person => minijinja::context! {
                name => render::value(person.name),
                paragraphs => render::value(views::paragraphs(person.bio.as_deref().unwrap_or_default())),
                website => render::value(person.website),
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
    let fail = |e: crate::error::AppError| ErrorPage::from_app(&visitor, e);
    let event = lookup::event(&state.db, &slug).await.map_err(fail)?;
    let q: String = query
        .q
        .unwrap_or_default()
        .trim()
        .chars()
        .take(QUERY_MAX)
        .collect();
    let hits = if q.is_empty() {
        Vec::new()
    } else {
        let (matches, _total) =
            search_service::search(&state.db, &q, Some(event.id), 0, SEARCH_LIMIT as u64)
                .await
                .map_err(fail)?;
        let of = |kind: SearchKind| -> Vec<i32> {
            matches
                .iter()
                .filter(|m| m.kind == kind)
                .map(|m| m.entity_id)
                .collect()
        };
        let db = &state.db;
        let (session_ids, person_ids, theme_ids, organisation_ids) = (
            of(SearchKind::Session),
            of(SearchKind::Person),
            of(SearchKind::Theme),
            of(SearchKind::Organisation),
        );
        let sessions = service::by_ids::<session::Entity>(db, session::Column::Id, &session_ids);
        let people = service::by_ids::<person::Entity>(db, person::Column::Id, &person_ids);
        let themes = service::by_ids::<theme::Entity>(db, theme::Column::Id, &theme_ids);
        let organisations = service::by_ids::<organisation::Entity>(
            db,
            organisation::Column::Id,
            &organisation_ids,
        );
        let (sessions, people, themes, organisations) =
            futures_util::try_join!(sessions, people, themes, organisations).map_err(fail)?;
        matches
            .iter()
            .filter_map(|m| {
                let (kind, title, url) = match m.kind {
                    SearchKind::Session => {
                        let s = sessions.get(&m.entity_id)?;
                        (
                            "SESSION",
                            s.title.clone(),
                            Some(format!("/events/{}/sessies/{}", event.slug, s.key)),
                        )
                    }
                    SearchKind::Person => {
                        let p = people.get(&m.entity_id)?;
                        (
                            "PERSON",
                            p.name.clone(),
                            Some(format!("/events/{}/personen/{}", event.slug, p.key)),
                        )
                    }
                    SearchKind::Theme => {
                        let t = themes.get(&m.entity_id)?;
                        (
                            "THEME",
                            t.title.clone(),
                            Some(format!("/events/{}?thema={}#programma", event.slug, t.slug)),
                        )
                    }
                    SearchKind::Organisation => {
                        let o = organisations.get(&m.entity_id)?;
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
