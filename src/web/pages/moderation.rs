//! The moderator's page, `/moderatie`: the queue of their scope, oldest first, with filters
//! by theme, session and status (`themeId`, `sessionId`, `status`, as the API names them).
//! Every action is a form that calls the service function the GraphQL resolver calls
//! (`service::moderation::{moderate, mark}`), then redirects back to the queue as it was.
//! `assets/js/moderatie.js` adds new submissions live and keyboard shortcuts.

use std::collections::{HashMap, HashSet};

use async_graphql::ID;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use entity::enums::{ModerationActionKind, ModerationStatus, ThemeKind};
use entity::learning_question;
use sea_orm::{ColumnTrait, Iterable};
use serde::{Deserialize, Serialize};

use super::safe_return;
use super::views::{clock, zone};
use crate::auth::Viewer;
use crate::error::AppError;
use crate::graphql::ids::{self, NodeType};
use crate::service::feedback::QuestionFilter;
use crate::service::moderation::{self as service, Marks, Moderation};
use crate::service::{clusters, programme};
use crate::state::AppState;
use crate::web::csrf::CheckedForm;
use crate::web::session::{self, SignedInAccount};
use crate::web::{ErrorPage, PageResult, Visitor, lookup, render, see_other};

/// Questions shown per page of the queue.
const PAGE_SIZE: u64 = 50;
/// Similar questions offered as the original of a duplicate.
const SIMILAR_LIMIT: usize = 5;

/// Notices after an action (`?melding=`), by key.
const NOTICES: &[&str] = &[
    "goedgekeurd",
    "afgewezen",
    "dubbel",
    "verborgen",
    "teruggezet",
    "verplaatst",
    "verplaatst-goedgekeurd",
    "gemarkeerd",
    "bulk",
    "bulk-deels",
    "niets-gekozen",
    "conflict",
    "buiten-bereik",
    "ongeldig",
];

#[derive(Debug, Default, Deserialize)]
struct QueueQuery {
    #[serde(rename = "themeId")]
    theme_id: Option<String>,
    #[serde(rename = "sessionId")]
    session_id: Option<String>,
    status: Option<String>,
    melding: Option<String>,
    pagina: Option<u64>,
}

#[derive(Debug, Serialize)]
struct Option_ {
    id: String,
    title: String,
}

#[derive(Debug, Serialize)]
struct SimilarView {
    id: String,
    text: String,
    status: String,
}

#[derive(Debug, Serialize)]
struct CardView {
    id: String,
    number: i32,
    text: String,
    context: Option<String>,
    theme: String,
    theme_id: String,
    session: Option<String>,
    status: String,
    submitted: String,
    votes: i32,
    starred: bool,
    highlighted: bool,
    discussed: bool,
    reason: Option<String>,
    similar: Vec<SimilarView>,
    /// Themes of the question's event it may be moved to (in the moderator's scope).
    move_targets: Vec<Option_>,
    post_moderated: bool,
}

#[derive(Debug, Serialize)]
struct ModeView {
    theme: String,
    post_moderation: bool,
}

fn fail(visitor: &Visitor) -> impl Fn(AppError) -> ErrorPage + '_ {
    move |e| ErrorPage::from_app(visitor, e)
}

/// Each event's input themes (where questions are asked, so where they may be moved to).
type InputThemes = HashMap<i32, Vec<entity::theme::Model>>;

/// The themes a moderator screens (admins: every input theme), with their events; and
/// every event's input themes.
async fn screened_themes(
    state: &AppState,
    viewer: &Viewer,
) -> Result<
    (
        Vec<(entity::event::Model, entity::theme::Model)>,
        InputThemes,
    ),
    AppError,
> {
    let events = programme::events(&state.db).await?;
    let ids: Vec<i32> = events.iter().map(|e| e.id).collect();
    let mut by_event = programme::themes_by_event(&state.db, &ids).await?;
    for themes in by_event.values_mut() {
        themes.retain(|t| t.kind != ThemeKind::Topic);
    }
    let mut themes = Vec::new();
    for event in events {
        for theme in by_event.get(&event.id).cloned().unwrap_or_default() {
            let screened = match viewer {
                Viewer::Account {
                    role: entity::enums::AccountRole::Moderator,
                    scopes,
                    ..
                } => {
                    scopes.theme_ids.contains(&theme.id)
                        || scopes.served_themes.contains(&(event.id, theme.id))
                }
                _ => true,
            };
            // A theme shared by several events is listed once.
            if screened
                && !themes
                    .iter()
                    .any(|(_, t): &(_, entity::theme::Model)| t.id == theme.id)
            {
                themes.push((event.clone(), theme));
            }
        }
    }
    Ok((themes, by_event))
}

/// The themes `q` may move to: the other input themes of its event that `viewer` may move
/// it to (the service's own rule).
fn move_targets(
    viewer: &Viewer,
    input_themes: &InputThemes,
    q: &learning_question::Model,
) -> Vec<Option_> {
    if q.status == ModerationStatus::Duplicate {
        return Vec::new();
    }
    input_themes
        .get(&q.event_id)
        .into_iter()
        .flatten()
        .filter(|t| {
            t.id != q.theme_id
                && crate::auth::policy::in_scope(viewer, q.event_id, t.id, q.session_id)
        })
        .map(|t| Option_ {
            id: ids::encode(NodeType::Theme, t.id).to_string(),
            title: t.title.clone(),
        })
        .collect()
}

fn decode(value: Option<&str>, kind: NodeType, field: &str) -> Option<i32> {
    value
        .filter(|v| !v.is_empty())
        .and_then(|v| ids::decode(&ID::from(v), kind, field).ok())
}

/// `GET /moderatie`: moderators (their scope) and admins.
pub async fn queue(
    State(state): State<AppState>,
    visitor: Visitor,
    account: SignedInAccount,
    RawQuery(raw): RawQuery,
) -> PageResult {
    if !account.moderates() {
        return Err(ErrorPage::new(&visitor, StatusCode::FORBIDDEN));
    }
    let query: QueueQuery =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()).unwrap_or_default();
    let fail = fail(&visitor);
    let db = &state.db;
    let viewer = &account.viewer;
    let (themes, input_themes) = screened_themes(&state, viewer).await.map_err(&fail)?;
    let theme_ids: Vec<i32> = themes.iter().map(|(_, t)| t.id).collect();
    let sessions = programme::sessions_by_theme(db, &theme_ids)
        .await
        .map_err(&fail)?;
    let mut session_options = Vec::new();
    let mut seen_sessions = HashSet::new();
    for (event, theme) in &themes {
        for s in sessions.get(&theme.id).into_iter().flatten() {
            if s.event_id == event.id && seen_sessions.insert(s.id) {
                session_options.push(Option_ {
                    id: ids::encode(NodeType::Session, s.id).to_string(),
                    title: format!("{} {}", clock(zone(event), s.starts_at), s.title),
                });
            }
        }
    }

    let status = match query.status.as_deref() {
        None | Some("") => Some(ModerationStatus::Pending),
        Some("ALL") => None,
        Some(name) => Some(
            ModerationStatus::iter()
                .find(|s| s.api_name() == name)
                .unwrap_or(ModerationStatus::Pending),
        ),
    };
    let filter = QuestionFilter {
        theme_id: decode(query.theme_id.as_deref(), NodeType::Theme, "themeId"),
        session_id: decode(query.session_id.as_deref(), NodeType::Session, "sessionId"),
        status,
        ..QuestionFilter::default()
    };
    let page = query.pagina.unwrap_or(1).max(1);
    let (rows, total) = service::queue(db, viewer, &filter, (page - 1) * PAGE_SIZE, PAGE_SIZE)
        .await
        .map_err(&fail)?;

    let theme_titles: HashMap<i32, String> = themes
        .iter()
        .map(|(_, t)| (t.id, t.title.clone()))
        .collect();
    let session_titles: HashMap<i32, String> = sessions
        .values()
        .flatten()
        .map(|s| (s.id, s.title.clone()))
        .collect();
    let event_zones: HashMap<i32, chrono_tz::Tz> =
        themes.iter().map(|(e, _)| (e.id, zone(e))).collect();
    let rejected: Vec<i32> = rows
        .iter()
        .filter(|q| q.status == ModerationStatus::Rejected)
        .map(|q| q.id)
        .collect();
    let reasons = lookup::rejection_reasons(db, &rejected)
        .await
        .map_err(&fail)?;
    let scope = service::queue_scope(viewer).map_err(&fail)?;
    let mut post: HashMap<(i32, i32), bool> = HashMap::new();
    let mut cards = Vec::with_capacity(rows.len());
    for q in rows {
        let post_moderated = match post.get(&(q.event_id, q.theme_id)) {
            Some(known) => *known,
            None => {
                let known = service::post_moderated(db, q.event_id, q.theme_id)
                    .await
                    .map_err(&fail)?;
                post.insert((q.event_id, q.theme_id), known);
                known
            }
        };
        let mut view = card(
            &state,
            &scope,
            &q,
            &theme_titles,
            &session_titles,
            &event_zones,
            &reasons,
            post_moderated,
        )
        .await
        .map_err(&fail)?;
        view.move_targets = move_targets(viewer, &input_themes, &q);
        cards.push(view);
    }

    let mut modes = Vec::new();
    for (event, theme) in &themes {
        modes.push(ModeView {
            theme: theme.title.clone(),
            post_moderation: service::post_moderated(db, event.id, theme.id)
                .await
                .map_err(&fail)?,
        });
    }
    let notice = query
        .melding
        .as_deref()
        .and_then(|m| NOTICES.iter().find(|known| **known == m))
        .map(|known| format!("notice-moderation-{known}"));
    let live_token = session::account_live_token(&state, &account);
    let statuses: Vec<&str> = ModerationStatus::iter().map(|s| s.api_name()).collect();
    Ok(render::page(
        &visitor,
        StatusCode::OK,
        "moderatie/queue.html",
        minijinja::context! {
            account => render::value(minijinja::context! {
                email => account.email.clone(),
                role => account.role.api_name(),
            }),
            // What the moderator screens, by name (admins: everything).
            scopes => render::value(if account.role == entity::enums::AccountRole::Admin {
                Vec::new()
            } else {
                themes.iter().map(|(_, t)| t.title.clone()).collect::<Vec<_>>()
            }),
            has_pending => render::value(cards.iter().any(|c| c.status == "PENDING")),
            themes => render::value(themes.iter().map(|(_, t)| Option_ {
                id: ids::encode(NodeType::Theme, t.id).to_string(),
                title: t.title.clone(),
            }).collect::<Vec<_>>()),
            sessions => render::value(&session_options),
            statuses => render::value(&statuses),
            selected => render::value(minijinja::context! {
                theme_id => query.theme_id.clone().unwrap_or_default(),
                session_id => query.session_id.clone().unwrap_or_default(),
                status => status.map_or("ALL", |s| s.api_name()),
            }),
            cards => render::value(&cards),
            total => render::value(total),
            page => render::value(page),
            pages => render::value(total.div_ceil(PAGE_SIZE).max(1)),
            modes => render::value(&modes),
            live_token => render::value(&live_token),
            notice => render::value(notice),
        },
    ))
}

#[expect(clippy::too_many_arguments)]
async fn card(
    state: &AppState,
    scope: &sea_orm::Condition,
    q: &learning_question::Model,
    theme_titles: &HashMap<i32, String>,
    session_titles: &HashMap<i32, String>,
    event_zones: &HashMap<i32, chrono_tz::Tz>,
    reasons: &HashMap<i32, String>,
    post_moderated: bool,
) -> Result<CardView, AppError> {
    // Originals for a duplicate: similar questions of the theme that are not duplicates.
    let similar = if matches!(
        q.status,
        ModerationStatus::Pending | ModerationStatus::Approved
    ) {
        let readable = sea_orm::Condition::all().add(scope.clone()).add(
            learning_question::Column::Status
                .is_in([ModerationStatus::Pending, ModerationStatus::Approved]),
        );
        clusters::similar(
            &state.db,
            readable,
            q.theme_id,
            &q.text,
            Some(q.id),
            SIMILAR_LIMIT,
        )
        .await?
        .into_iter()
        .map(|(s, _)| SimilarView {
            id: ids::encode(NodeType::LearningQuestion, s.id).to_string(),
            text: s.text,
            status: s.status.api_name().to_owned(),
        })
        .collect()
    } else {
        Vec::new()
    };
    let zone = event_zones
        .get(&q.event_id)
        .copied()
        .unwrap_or(chrono_tz::Europe::Amsterdam);
    Ok(CardView {
        id: ids::encode(NodeType::LearningQuestion, q.id).to_string(),
        number: q.id,
        text: q.text.clone(),
        context: q.context.clone(),
        theme: theme_titles.get(&q.theme_id).cloned().unwrap_or_default(),
        theme_id: ids::encode(NodeType::Theme, q.theme_id).to_string(),
        session: q.session_id.and_then(|id| session_titles.get(&id).cloned()),
        status: q.status.api_name().to_owned(),
        submitted: clock(zone, q.created_at),
        votes: q.vote_count,
        starred: q.starred,
        highlighted: q.highlighted_at.is_some(),
        discussed: q.discussed_at.is_some(),
        reason: reasons.get(&q.id).cloned(),
        similar,
        move_targets: Vec::new(),
        post_moderated,
    })
}

/// The queue as it was (`terug`), with a notice.
fn back_with(form: &CheckedForm, notice: &str) -> Response {
    let back = safe_return(form.get("terug"));
    let back = if back.starts_with("/moderatie") {
        back
    } else {
        "/moderatie"
    };
    let (path, query) = back.split_once('?').unwrap_or((back, ""));
    let kept: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("melding="))
        .collect();
    let mut query = kept.join("&");
    if !query.is_empty() {
        query.push('&');
    }
    see_other(&format!("{path}?{query}melding={notice}"))
}

/// The notice for a service error an action may meet; other errors show the error page.
fn notice_for(error: &AppError) -> Option<&'static str> {
    match error {
        AppError::Conflict(_) => Some("conflict"),
        AppError::Forbidden(_) => Some("buiten-bereik"),
        AppError::BadUserInput { .. } | AppError::NotFound(_) => Some("ongeldig"),
        _ => None,
    }
}

fn action_of(name: &str) -> Option<ModerationActionKind> {
    ModerationActionKind::iter().find(|a| a.api_name() == name)
}

fn done_notice(action: ModerationActionKind, moved: bool) -> &'static str {
    match (action, moved) {
        (ModerationActionKind::Approve, true) => return "verplaatst-goedgekeurd",
        (_, true) => return "verplaatst",
        _ => {}
    }
    match action {
        ModerationActionKind::Approve => "goedgekeurd",
        ModerationActionKind::Reject => "afgewezen",
        ModerationActionKind::MarkDuplicate => "dubbel",
        ModerationActionKind::Hide => "verborgen",
        ModerationActionKind::Restore => "teruggezet",
        ModerationActionKind::Move => "verplaatst",
    }
}

/// `POST /moderatie/actie` (`id`, `action`, `note`, `duplicateOfId`, `themeId`): one
/// question, as `moderateLearningQuestion` takes it.
pub async fn act(
    State(state): State<AppState>,
    visitor: Visitor,
    account: SignedInAccount,
    form: CheckedForm,
) -> PageResult {
    let question_id = decode(form.get("id"), NodeType::LearningQuestion, "id");
    let action = form.get("action").and_then(action_of);
    let (Some(question_id), Some(action)) = (question_id, action) else {
        return Ok(back_with(&form, "ongeldig"));
    };
    let theme_id = decode(form.get("themeId"), NodeType::Theme, "themeId");
    let request = Moderation {
        question_id,
        action,
        duplicate_of_id: decode(
            form.get("duplicateOfId"),
            NodeType::LearningQuestion,
            "duplicateOfId",
        ),
        note: form.get("note").map(str::to_owned),
        theme_id,
    };
    if action == ModerationActionKind::MarkDuplicate && request.duplicate_of_id.is_none() {
        return Ok(back_with(&form, "ongeldig"));
    }
    match service::moderate(&state.writer, &state.changes, &account.viewer, request).await {
        Ok(_) => Ok(back_with(&form, done_notice(action, theme_id.is_some()))),
        Err(error) => match notice_for(&error) {
            Some(notice) => Ok(back_with(&form, notice)),
            None => Err(ErrorPage::from_app(&visitor, error)),
        },
    }
}

/// `POST /moderatie/bulk` (`id` repeated, `action` APPROVE or REJECT, `note`): the same
/// action on each selected question; one that fails leaves the others done.
pub async fn bulk(
    State(state): State<AppState>,
    visitor: Visitor,
    account: SignedInAccount,
    form: CheckedForm,
) -> PageResult {
    let action = form.get("action").and_then(action_of).filter(|a| {
        matches!(
            a,
            ModerationActionKind::Approve | ModerationActionKind::Reject
        )
    });
    let Some(action) = action else {
        return Ok(back_with(&form, "ongeldig"));
    };
    let ids: Vec<i32> = form
        .all("id")
        .iter()
        .filter_map(|id| decode(Some(id), NodeType::LearningQuestion, "id"))
        .collect();
    if ids.is_empty() {
        return Ok(back_with(&form, "niets-gekozen"));
    }
    let mut failed = 0;
    for question_id in ids {
        let request = Moderation {
            question_id,
            action,
            duplicate_of_id: None,
            note: form.get("note").map(str::to_owned),
            theme_id: None,
        };
        match service::moderate(&state.writer, &state.changes, &account.viewer, request).await {
            Ok(_) => {}
            Err(error) if notice_for(&error).is_some() => failed += 1,
            Err(error) => return Err(ErrorPage::from_app(&visitor, error)),
        }
    }
    Ok(back_with(
        &form,
        if failed == 0 { "bulk" } else { "bulk-deels" },
    ))
}

/// `POST /moderatie/markeer` (`id`, and `starred`, `highlighted` or `discussed` as `true`
/// or `false`): as `markLearningQuestion`.
pub async fn mark(
    State(state): State<AppState>,
    visitor: Visitor,
    account: SignedInAccount,
    form: CheckedForm,
) -> PageResult {
    let Some(question_id) = decode(form.get("id"), NodeType::LearningQuestion, "id") else {
        return Ok(back_with(&form, "ongeldig"));
    };
    let flag = |name: &str| form.get(name).map(|v| v == "true");
    let marks = Marks {
        starred: flag("starred"),
        highlighted: flag("highlighted"),
        discussed: flag("discussed"),
    };
    match service::mark(
        &state.writer,
        &state.changes,
        &account.viewer,
        question_id,
        marks,
    )
    .await
    {
        Ok(_) => Ok(back_with(&form, "gemarkeerd")),
        Err(error) => match notice_for(&error) {
            Some(notice) => Ok(back_with(&form, notice)),
            None => Err(ErrorPage::from_app(&visitor, error)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_return_to_the_queue_as_it_was_with_one_notice() {
        let form = CheckedForm::from_pairs(&[("terug", "/moderatie?status=APPROVED&melding=bulk")]);
        let response = back_with(&form, "goedgekeurd");
        assert_eq!(
            response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok()),
            Some("/moderatie?status=APPROVED&melding=goedgekeurd")
        );
        let elsewhere = CheckedForm::from_pairs(&[("terug", "/events/x")]);
        assert_eq!(
            back_with(&elsewhere, "bulk")
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok()),
            Some("/moderatie?melding=bulk")
        );
    }
}
