//! The learning-agenda report: a printable HTML page per event for staff, rendered with
//! minijinja (auto-escaped), charts as inline SVG.

use std::sync::LazyLock;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use entity::{learning_question, moderation_action, theme};
use minijinja::context;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;

use super::csp;
use super::error::error_response;
use crate::error::AppError;
use crate::service::{clusters, programme, summary};
use crate::state::AppState;
use crate::web::i18n::{self, Lang};
use crate::web::summary_views::{GroupLine, QuestionLine, group_lines, question_lines};
use crate::web::{render as pages, session};

/// The report is written for Movisie and Platform31 staff, in Dutch unless the browser asks
/// for English (the `lang` cookie of the pages' switch, else `Accept-Language`, as the pages
/// and the Excel download choose); every word comes from the message files
/// (`locales/*/report.ftl`).
const TEMPLATE_NAME: &str = "report/leeragenda.html";

/// The template's source, for the policy's hashes (the page is rendered from the same file,
/// embedded with the other templates).
const TEMPLATE: &str = include_str!("../../templates/report/leeragenda.html");

/// Hashed from the template, never from a rendered page: a block smuggled into the output
/// through some escaping slip gets no hash, and does not run.
static REPORT_POLICY: LazyLock<Option<HeaderValue>> =
    LazyLock::new(|| HeaderValue::from_str(&csp::policy(TEMPLATE, &csp::Sources::NONE)).ok());
const BAR_MAX: f64 = 170.0;

#[derive(Serialize)]
struct Bar {
    label: String,
    count: i64,
    width: i64,
    y: i64,
}

#[derive(Serialize)]
struct Chart {
    title: String,
    height: i64,
    bars: Vec<Bar>,
}

fn chart(title: String, values: Vec<(String, i64)>) -> Chart {
    let max = values.iter().map(|(_, c)| *c).max().unwrap_or(0).max(1) as f64;
    let bars: Vec<Bar> = values
        .into_iter()
        .enumerate()
        .map(|(i, (label, count))| Bar {
            label,
            count,
            width: ((count as f64 / max) * BAR_MAX).round() as i64,
            y: i64::try_from(i).unwrap_or(0) * 22,
        })
        .collect();
    Chart {
        title,
        height: i64::try_from(bars.len()).unwrap_or(0) * 22 + 4,
        bars,
    }
}

#[derive(Serialize)]
struct ThemeView {
    title: String,
    total: i64,
    approved: i64,
    pending: i64,
    votes: i64,
    charts: Vec<Chart>,
    top: Vec<QuestionLine>,
    /// Taken up in the session (marked discussed by a moderator).
    discussed: Vec<QuestionLine>,
    clusters: Vec<GroupLine>,
    notes: Vec<String>,
}

pub async fn leeragenda(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Response {
    match render(&state, &headers, &slug).await {
        Ok(html) => {
            let mut response = Html(html).into_response();
            let headers = response.headers_mut();
            if let Some(policy) = &*REPORT_POLICY {
                headers.insert(header::CONTENT_SECURITY_POLICY, policy.clone());
            }
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            headers.insert(
                header::VARY,
                HeaderValue::from_static("Accept-Language, Cookie"),
            );
            response
        }
        // A person who opened the report without being signed in: to the sign-in form,
        // which brings them back here.
        Err(AppError::Unauthenticated) if wants_html(&headers) => crate::web::see_other(
            &session::sign_in_url(&format!("/reports/{slug}/leeragenda")),
        ),
        Err(err) => error_response(err),
    }
}

/// Whether the request comes from a browser navigating (it asks for HTML) rather than a
/// script with a token.
fn wants_html(headers: &HeaderMap) -> bool {
    !headers.contains_key(header::AUTHORIZATION)
        && headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
}

async fn render(state: &AppState, headers: &HeaderMap, slug: &str) -> Result<String, AppError> {
    let viewer = super::exports::access::viewer(state, headers).await?;
    let lang = Lang::negotiate(headers, session::cookie(headers, i18n::LANG_COOKIE));
    let scope = summary::summary_scope(&viewer)?;
    let db = &state.db;
    let event = programme::event_by_slug(db, Some(slug))
        .await?
        .ok_or_else(|| AppError::not_found(format!("no event with slug {slug:?}")))?;
    let counts = summary::summarise(db, scope.clone(), event.id, None).await?;
    let titles: std::collections::HashMap<i32, String> = theme::Entity::find()
        .filter(theme::Column::Id.is_in(counts.themes.keys().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.title))
        .collect();
    let mut themes = Vec::new();
    for (theme_id, c) in &counts.themes {
        let title = titles.get(theme_id).cloned().unwrap_or_default();
        let top = summary::top_questions(db, scope.clone(), *theme_id, 10).await?;
        let discussed = summary::discussed_questions(db, scope.clone(), *theme_id).await?;
        let groups = clusters::clusters(db, scope.clone(), event.id, *theme_id, 2).await?;
        let question_ids: Vec<i32> = learning_question::Entity::find()
            .select_only()
            .column(learning_question::Column::Id)
            .filter(scope.clone())
            .filter(learning_question::Column::EventId.eq(event.id))
            .filter(learning_question::Column::ThemeId.eq(*theme_id))
            .into_tuple()
            .all(db)
            .await?;
        let notes = moderation_action::Entity::find()
            .filter(moderation_action::Column::QuestionId.is_in(question_ids))
            .filter(moderation_action::Column::Note.is_not_null())
            .order_by_asc(moderation_action::Column::CreatedAt)
            .limit(50)
            .all(db)
            .await?
            .into_iter()
            .filter_map(|a| a.note)
            .collect();
        themes.push(ThemeView {
            title,
            total: c.total,
            approved: c.status(entity::enums::ModerationStatus::Approved),
            pending: c.status(entity::enums::ModerationStatus::Pending),
            votes: c.votes,
            charts: vec![
                chart(
                    i18n::text(lang, "report-chart-roles"),
                    c.by_role
                        .iter()
                        .map(|(role, n)| {
                            let name = role
                                .map_or_else(|| "UNKNOWN".to_owned(), |r| r.api_name().to_owned());
                            (i18n::label(lang, "submitter-role", &name), *n)
                        })
                        .collect(),
                ),
                chart(
                    i18n::text(lang, "report-chart-formats"),
                    c.by_format
                        .iter()
                        .map(|(f, n)| (i18n::label(lang, "format", f.api_name()), *n))
                        .collect(),
                ),
            ],
            top: question_lines(top),
            discussed: question_lines(discussed),
            clusters: group_lines(&groups),
            notes,
        });
    }
    let total: i64 = counts.themes.values().map(|c| c.total).sum();
    pages::to_string(
        TEMPLATE_NAME,
        context! {
            lang => lang.code(),
            event => context! { title => event.title, slug => event.slug },
            total => total,
            generated_at => chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
            themes => minijinja::value::Serde(themes),
        },
    )
    .map_err(AppError::internal)
}
