//! The staff page, `/staf/{slug}`: the event's input per theme (counts as SVG charts with
//! their numbers as tables, top questions, clusters, the timeline), filters, downloads, the
//! report, the screen links and the audit log with e-mails. Staff and admins only.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use entity::enums::{LearningFormat, ModerationStatus};
use entity::{learning_question, session, theme};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};

use crate::auth::Role;
use crate::error::AppError;
use crate::service::{clusters, programme, screen_links, summary};
use crate::state::AppState;
use crate::web::charts::{self, BarChart, ColumnChart};
use crate::web::csrf::CheckedForm;
use crate::web::i18n;
use crate::web::session::SignedInAccount;
use crate::web::summary_views::{GroupLine, QuestionLine, group_lines, question_lines};
use crate::web::{ErrorPage, PageResult, Visitor, lookup, render, see_other};

/// The filters of the page (a GET form): theme slug, session key, status (API name).
#[derive(Debug, Default, Deserialize)]
pub struct StaffFilter {
    pub thema: Option<String>,
    pub sessie: Option<String>,
    pub status: Option<String>,
}

#[derive(Serialize)]
struct Option_ {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Serialize)]
struct ThemeView {
    title: String,
    slug: String,
    total: i64,
    approved: i64,
    pending: i64,
    votes: i64,
    charts: Vec<BarChart>,
    timeline: ColumnChart,
    top: Vec<QuestionLine>,
    /// Taken up in the session (marked discussed by a moderator).
    discussed: Vec<QuestionLine>,
    clusters: Vec<GroupLine>,
}

/// The staff gate: staff and admins pass; anyone else gets the 403 page.
fn require_staff(visitor: &Visitor, account: &SignedInAccount) -> Result<(), Box<ErrorPage>> {
    if account.has(Role::Staff) {
        Ok(())
    } else {
        Err(Box::new(ErrorPage::new(visitor, StatusCode::FORBIDDEN)))
    }
}

/// `GET /staf/{slug}`.
pub async fn page(
    State(state): State<AppState>,
    visitor: Visitor,
    account: SignedInAccount,
    Path(slug): Path<String>,
    Query(filter): Query<StaffFilter>,
) -> PageResult {
    require_staff(&visitor, &account).map_err(|page| *page)?;
    let fail = |e: AppError| ErrorPage::from_app(&visitor, e);
    let db = &state.db;
    let lang = visitor.lang;
    let event = lookup::event(db, &slug).await.map_err(&fail)?;
    let zone: chrono_tz::Tz = event.timezone.parse().unwrap_or(chrono_tz::UTC);
    let themes: Vec<theme::Model> = programme::themes_by_event(db, &[event.id])
        .await
        .map_err(&fail)?
        .remove(&event.id)
        .unwrap_or_default();
    let sessions: Vec<session::Model> = session::Entity::find()
        .filter(session::Column::EventId.eq(event.id))
        .order_by_asc(session::Column::StartsAt)
        .order_by_asc(session::Column::Position)
        .all(db)
        .await
        .map_err(|e| fail(e.into()))?;
    let session_titles: HashMap<i32, &str> =
        sessions.iter().map(|s| (s.id, s.title.as_str())).collect();

    // The filters, as a condition on the questions every part of the page reads.
    let pick = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let theme_slug = pick(&filter.thema);
    let session_key = pick(&filter.sessie);
    let status_name = pick(&filter.status);
    let chosen_theme = theme_slug
        .as_deref()
        .and_then(|s| themes.iter().find(|t| t.slug == s));
    let chosen_session = session_key
        .as_deref()
        .and_then(|k| sessions.iter().find(|s| s.key == k));
    let chosen_status = status_name
        .as_deref()
        .and_then(ModerationStatus::from_api_name);
    let mut scope = summary::summary_scope(&account.viewer).map_err(&fail)?;
    if let Some(s) = chosen_session {
        scope = scope.add(learning_question::Column::SessionId.eq(s.id));
    }
    if let Some(status) = chosen_status {
        scope = scope.add(learning_question::Column::Status.eq(status));
    }
    let counts = summary::summarise(db, scope.clone(), event.id, chosen_theme.map(|t| t.id))
        .await
        .map_err(&fail)?;

    let mut views = Vec::new();
    for (theme_id, c) in &counts.themes {
        let Some(theme) = themes.iter().find(|t| t.id == *theme_id) else {
            continue;
        };
        let id = |what: &str| format!("{}-{what}", theme.slug);
        let title = |key: &str| i18n::text(lang, key);
        let mut charts = vec![
            charts::bars(
                lang,
                id("status"),
                title("staff-chart-status"),
                ModerationStatus::ALL
                    .into_iter()
                    .map(|s| (i18n::label(lang, "status", s.api_name()), c.status(s)))
                    .collect(),
            ),
            charts::bars(
                lang,
                id("role"),
                title("staff-chart-role"),
                c.by_role
                    .iter()
                    .map(|(r, n)| {
                        let name = r.map_or("UNKNOWN", |r| r.api_name());
                        (i18n::label(lang, "submitter-role", name), *n)
                    })
                    .collect(),
            ),
            charts::bars(
                lang,
                id("format"),
                title("staff-chart-format"),
                LearningFormat::ALL
                    .iter()
                    .map(|f| {
                        let n = c
                            .by_format
                            .iter()
                            .find(|(g, _)| g == f)
                            .map_or(0, |(_, n)| *n);
                        (i18n::label(lang, "format", f.api_name()), n)
                    })
                    .collect(),
            ),
            charts::bars(
                lang,
                id("session"),
                title("staff-chart-session"),
                c.by_session
                    .iter()
                    .map(|(s, n)| {
                        let label = s
                            .and_then(|id| session_titles.get(&id).map(|t| (*t).to_owned()))
                            .unwrap_or_else(|| title("staff-no-session"));
                        (label, *n)
                    })
                    .collect(),
            ),
            charts::bars(
                lang,
                id("region"),
                title("staff-chart-region"),
                c.by_region
                    .iter()
                    .map(|(r, n)| (r.clone().unwrap_or_else(|| title("staff-no-region")), *n))
                    .collect(),
            ),
        ];
        charts.retain(|chart| !chart.bars.is_empty());
        let points = summary::timeline(
            db,
            scope.clone(),
            event.id,
            Some(*theme_id),
            summary::Granularity::Hour,
        )
        .await
        .map_err(&fail)?;
        let timeline = charts::columns(
            lang,
            id("timeline"),
            i18n::text_with(
                lang,
                "staff-chart-timeline",
                &i18n::Args::from([("timezone".into(), event.timezone.clone().into())]),
            ),
            points
                .into_iter()
                .map(|(bucket, n)| (hour_label(&bucket, zone), n))
                .collect(),
        );
        let top = summary::top_questions(db, scope.clone(), *theme_id, 10)
            .await
            .map_err(&fail)?;
        let discussed = summary::discussed_questions(db, scope.clone(), *theme_id)
            .await
            .map_err(&fail)?;
        let groups = clusters::clusters(db, scope.clone(), event.id, *theme_id, 2)
            .await
            .map_err(&fail)?;
        views.push(ThemeView {
            title: theme.title.clone(),
            slug: theme.slug.clone(),
            total: c.total,
            approved: c.status(ModerationStatus::Approved),
            pending: c.status(ModerationStatus::Pending),
            votes: c.votes,
            charts,
            timeline,
            top: question_lines(top),
            discussed: question_lines(discussed),
            clusters: group_lines(&groups),
        });
    }

    // Downloads carry the same filters, in the exports' own parameter names.
    let mut query = vec![("event", event.slug.clone())];
    if let Some(t) = chosen_theme {
        query.push(("theme", t.slug.clone()));
    }
    if let Some(s) = chosen_session {
        query.push(("session", s.key.clone()));
    }
    if let Some(s) = chosen_status {
        query.push(("status", s.api_name().to_owned()));
    }
    let download_query = serde_urlencoded::to_string(&query).unwrap_or_default();

    let log = summary::moderation_log(db, event.id, 50)
        .await
        .map_err(&fail)?;
    let log: Vec<_> = log
        .into_iter()
        .map(|entry| {
            minijinja::context! {
                when => local_time(entry.created_at, zone),
                email => entry.email,
                action => i18n::label(lang, "staff-action", &entry.action),
                from => i18n::label(lang, "status", entry.from_status.api_name()),
                to => i18n::label(lang, "status", entry.to_status.api_name()),
                question => entry.question,
                note => entry.note,
            }
        })
        .collect();
    let links = screen_links::list(db, event.id).await.map_err(&fail)?;
    let links: Vec<_> = links
        .into_iter()
        .map(|link| {
            minijinja::context! {
                id => link.id,
                label => link.label,
                theme => link.theme_id.and_then(|id| themes.iter().find(|t| t.id == id)).map(|t| t.title.clone()),
                created => local_time(link.created_at, zone),
                email => link.created_by,
                revoked => link.revoked_at.map(|t| local_time(t, zone)),
            }
        })
        .collect();

    let theme_options = options(
        themes.iter().map(|t| (t.slug.clone(), t.title.clone())),
        theme_slug.as_deref(),
    );
    let session_options = options(
        sessions
            .iter()
            .filter(|s| {
                s.feedback_open
                    || counts
                        .themes
                        .values()
                        .any(|c| c.by_session.iter().any(|(id, _)| *id == Some(s.id)))
            })
            .map(|s| (s.key.clone(), s.title.clone())),
        session_key.as_deref(),
    );
    let status_options = options(
        ModerationStatus::ALL.into_iter().map(|s| {
            (
                s.api_name().to_owned(),
                i18n::label(lang, "status", s.api_name()),
            )
        }),
        chosen_status.map(ModerationStatus::api_name),
    );
    let new_link = notice_link(&visitor);
    // How each theme is moderated now (a theme's own setting, else its event's): one query.
    let settings = crate::service::moderation::modes(db, event.id)
        .await
        .map_err(&fail)?;
    let modes: Vec<_> = themes
        .iter()
        .map(|theme| {
            let post = crate::service::moderation::post_moderated_in(&settings, theme.id);
            minijinja::context! { title => theme.title.clone(), post => post }
        })
        .collect();
    Ok(render::page(
        &visitor,
        StatusCode::OK,
        "staf/overzicht.html",
        minijinja::context! {
            account => render::value(minijinja::context! {
                email => account.email.clone(),
                role => account.role.api_name(),
            }),
            event => minijinja::context! { title => event.title.clone(), slug => event.slug.clone() },
            themes => render::value(views),
            filtered => chosen_theme.is_some() || chosen_session.is_some() || chosen_status.is_some(),
            theme_options => render::value(theme_options),
            session_options => render::value(session_options),
            status_options => render::value(status_options),
            download_query => download_query,
            log => log,
            links => links,
            all_themes => render::value(themes.iter().map(|t| (t.slug.clone(), t.title.clone())).collect::<Vec<_>>()),
            new_link => new_link,
            modes => modes,
            notice => if visitor.path.contains("melding=link-ingetrokken") {
                Some("staff-notice-revoked")
            } else if visitor.path.contains("melding=moderatie-gewijzigd") {
                Some("staff-notice-mode")
            } else {
                None
            },
        },
    ))
}

/// The theme a staff form names by `themeSlug` (none: the whole event); a slug that is not
/// one of the event's themes is a bad request.
async fn form_theme_id(
    state: &AppState,
    visitor: &Visitor,
    event_id: i32,
    form: &CheckedForm,
) -> Result<Option<i32>, ErrorPage> {
    let Some(wanted) = form.get("themeSlug") else {
        return Ok(None);
    };
    let themes = programme::themes_by_event(&state.db, &[event_id])
        .await
        .map_err(|e| ErrorPage::from_app(visitor, e))?
        .remove(&event_id)
        .unwrap_or_default();
    themes
        .into_iter()
        .find(|t| t.slug == wanted)
        .map(|t| Some(t.id))
        .ok_or_else(|| ErrorPage::new(visitor, StatusCode::BAD_REQUEST))
}

/// `POST /staf/{slug}/moderatie` (`themeSlug` optional, `postModeration` `true`/`false`):
/// moderation beforehand or afterwards for the event or one theme, through the same service
/// (and audit row) as `setModerationMode`.
pub async fn set_moderation_mode(
    State(state): State<AppState>,
    visitor: Visitor,
    account: SignedInAccount,
    Path(slug): Path<String>,
    form: CheckedForm,
) -> PageResult {
    require_staff(&visitor, &account).map_err(|page| *page)?;
    let fail = |e: AppError| ErrorPage::from_app(&visitor, e);
    let event = lookup::event(&state.db, &slug).await.map_err(&fail)?;
    let theme_id = form_theme_id(&state, &visitor, event.id, &form).await?;
    let post_moderation = match form.get("postModeration") {
        Some("true") => true,
        Some("false") => false,
        _ => return Err(ErrorPage::new(&visitor, StatusCode::BAD_REQUEST)),
    };
    crate::service::moderation::set_mode(
        &state.db,
        &account.viewer,
        event.id,
        theme_id,
        post_moderation,
    )
    .await
    .map_err(&fail)?;
    Ok(see_other(&format!(
        "/staf/{}?melding=moderatie-gewijzigd#moderatie",
        event.slug
    )))
}

/// A screen link just made is shown once, from the redirect's query (`?scherm=<token>`).
fn notice_link(visitor: &Visitor) -> Option<String> {
    let query = visitor.path.split_once('?')?.1;
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix("scherm="))
        .filter(|t| {
            t.len() >= 32
                && t.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .map(str::to_owned)
}

fn options(values: impl Iterator<Item = (String, String)>, selected: Option<&str>) -> Vec<Option_> {
    values
        .map(|(value, label)| Option_ {
            selected: selected == Some(value.as_str()),
            value,
            label,
        })
        .collect()
}

/// A timeline bucket (`2021-01-28T14:00:00Z`) as the event's local hour (`28-01 15:00`).
fn hour_label(bucket: &str, zone: chrono_tz::Tz) -> String {
    chrono::DateTime::parse_from_rfc3339(bucket)
        .map(|t| t.with_timezone(&zone).format("%d-%m %H:%M").to_string())
        .unwrap_or_else(|_| bucket.to_owned())
}

fn local_time(time: chrono::DateTime<chrono::Utc>, zone: chrono_tz::Tz) -> String {
    time.with_timezone(&zone)
        .format("%d-%m-%Y %H:%M")
        .to_string()
}

/// `POST /staf/{slug}/schermlinks` (`label`, optional `themeSlug`): makes a screen link and
/// returns to the page, which shows the new link once.
pub async fn create_link(
    State(state): State<AppState>,
    visitor: Visitor,
    account: SignedInAccount,
    Path(slug): Path<String>,
    form: CheckedForm,
) -> PageResult {
    require_staff(&visitor, &account).map_err(|page| *page)?;
    let fail = |e: AppError| ErrorPage::from_app(&visitor, e);
    let event = lookup::event(&state.db, &slug).await.map_err(&fail)?;
    let theme_id = form_theme_id(&state, &visitor, event.id, &form).await?;
    let label = form.get("label").unwrap_or_default();
    let label = if label.trim().is_empty() {
        i18n::text(visitor.lang, "staff-links-default-label")
    } else {
        label.to_owned()
    };
    let token = screen_links::create(&state.db, &account.viewer, event.id, theme_id, &label)
        .await
        .map_err(&fail)?;
    Ok(see_other(&format!(
        "/staf/{}?scherm={token}#schermlinks",
        event.slug
    )))
}

/// `POST /staf/{slug}/schermlinks/{id}/intrekken`: revokes a screen link.
pub async fn revoke_link(
    State(state): State<AppState>,
    visitor: Visitor,
    account: SignedInAccount,
    Path((slug, id)): Path<(String, i32)>,
    _form: CheckedForm,
) -> PageResult {
    require_staff(&visitor, &account).map_err(|page| *page)?;
    let fail = |e: AppError| ErrorPage::from_app(&visitor, e);
    let event = lookup::event(&state.db, &slug).await.map_err(&fail)?;
    screen_links::revoke(&state.db, &account.viewer, event.id, id)
        .await
        .map_err(&fail)?;
    Ok(see_other(&format!(
        "/staf/{}?melding=link-ingetrokken#schermlinks",
        event.slug
    )))
}
