//! Staff exports of the learning questions (CSV for spreadsheets, JSON), streamed in
//! chunks, and the public calendar of an event.

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use entity::enums::ModerationStatus;
use entity::{learning_question, session, theme};
use futures_util::stream;
use icalendar::{Calendar, CalendarDateTime, Component, EventLike};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};

use super::error::error_response;
use super::graphql::viewer_from_headers;
use crate::error::AppError;
use crate::graphql::ids::{self, NodeType};
use crate::service::{programme, summary};
use crate::state::AppState;

/// Rows read from the database per chunk of the stream.
const CHUNK: u64 = 500;

/// Filters as query parameters: `event` (slug), `theme` (slug), `status`, `session` (key).
#[derive(Debug, Default, Deserialize)]
pub struct ExportFilter {
    event: Option<String>,
    theme: Option<String>,
    status: Option<String>,
    session: Option<String>,
}

/// One exported question. No participant id, no token: only what was asked and its state.
#[derive(Debug, Serialize)]
struct ExportRow {
    id: String,
    event: String,
    theme: String,
    session: Option<String>,
    status: String,
    text: String,
    context: Option<String>,
    submitter_role: Option<String>,
    preferred_formats: String,
    region: Option<String>,
    votes: i32,
    duplicate_of: Option<String>,
    created_at: DateTime<Utc>,
}

#[derive(Clone, Copy)]
enum Format {
    Csv,
    Json,
}

pub async fn questions_csv(
    state: State<AppState>,
    headers: HeaderMap,
    query: Query<ExportFilter>,
) -> Response {
    export(state, headers, query, Format::Csv).await
}

pub async fn questions_json(
    state: State<AppState>,
    headers: HeaderMap,
    query: Query<ExportFilter>,
) -> Response {
    export(state, headers, query, Format::Json).await
}

/// Lookup tables for the readable columns, and the filter.
struct Prepared {
    condition: Condition,
    event_slug: String,
    themes: std::collections::HashMap<i32, String>,
    sessions: std::collections::HashMap<i32, String>,
}

async fn prepare(
    state: &AppState,
    headers: &HeaderMap,
    filter: ExportFilter,
) -> Result<Prepared, AppError> {
    let viewer = viewer_from_headers(state, headers).await?;
    let scope = summary::summary_scope(&viewer)?;
    let db = &state.db;
    let event = programme::event_by_slug(db, filter.event.as_deref())
        .await?
        .ok_or_else(|| AppError::not_found("no such event"))?;
    let mut condition = Condition::all()
        .add(scope)
        .add(learning_question::Column::EventId.eq(event.id));
    let themes: std::collections::HashMap<i32, String> = theme::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.slug))
        .collect();
    let sessions: std::collections::HashMap<i32, String> = session::Entity::find()
        .filter(session::Column::EventId.eq(event.id))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.key))
        .collect();
    if let Some(slug) = &filter.theme {
        let id = themes
            .iter()
            .find(|(_, s)| *s == slug)
            .map(|(id, _)| *id)
            .ok_or_else(|| AppError::bad_input("theme", format!("no theme {slug:?}")))?;
        condition = condition.add(learning_question::Column::ThemeId.eq(id));
    }
    if let Some(key) = &filter.session {
        let id = sessions
            .iter()
            .find(|(_, k)| *k == key)
            .map(|(id, _)| *id)
            .ok_or_else(|| {
                AppError::bad_input("session", format!("no session {key:?} in this event"))
            })?;
        condition = condition.add(learning_question::Column::SessionId.eq(id));
    }
    if let Some(status) = &filter.status {
        let status = parse_status(status).ok_or_else(|| {
            AppError::bad_input(
                "status",
                "one of PENDING, APPROVED, REJECTED, DUPLICATE, HIDDEN",
            )
        })?;
        condition = condition.add(learning_question::Column::Status.eq(status));
    }
    Ok(Prepared {
        condition,
        event_slug: event.slug,
        themes,
        sessions,
    })
}

fn parse_status(text: &str) -> Option<ModerationStatus> {
    use ModerationStatus as S;
    [
        S::Pending,
        S::Approved,
        S::Rejected,
        S::Duplicate,
        S::Hidden,
    ]
    .into_iter()
    .find(|s| summary::status_name(*s).eq_ignore_ascii_case(text))
}

impl Prepared {
    fn row(&self, q: learning_question::Model) -> ExportRow {
        ExportRow {
            id: ids::encode(NodeType::LearningQuestion, q.id).to_string(),
            event: self.event_slug.clone(),
            theme: self.themes.get(&q.theme_id).cloned().unwrap_or_default(),
            session: q.session_id.and_then(|id| self.sessions.get(&id).cloned()),
            status: summary::status_name(q.status).to_owned(),
            text: q.text,
            context: q.context,
            submitter_role: q.submitter_role.map(|r| format!("{r:?}")),
            preferred_formats: q
                .preferred_formats
                .as_array()
                .map(|f| {
                    f.iter()
                        .filter_map(|v| v.as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default(),
            region: q.region,
            votes: q.vote_count,
            duplicate_of: q
                .duplicate_of_id
                .map(|id| ids::encode(NodeType::LearningQuestion, id).to_string()),
            created_at: q.created_at,
        }
    }
}

async fn export(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(filter): Query<ExportFilter>,
    format: Format,
) -> Response {
    let prepared = match prepare(&state, &headers, filter).await {
        Ok(prepared) => prepared,
        Err(err) => return error_response(err),
    };
    // Keyset pagination by id: each chunk is one bounded query, never the whole table.
    let chunks = stream::unfold(
        (state, prepared, Some(0_i32), true),
        move |(state, prepared, last_id, first)| async move {
            let last_id = last_id?;
            let rows = learning_question::Entity::find()
                .filter(prepared.condition.clone())
                .filter(learning_question::Column::Id.gt(last_id))
                .order_by_asc(learning_question::Column::Id)
                .limit(CHUNK)
                .all(&state.db)
                .await;
            let rows = match rows {
                Ok(rows) => rows,
                Err(err) => {
                    tracing::error!(error = %err, "export stopped");
                    return Some((
                        Err(std::io::Error::other("export failed")),
                        (state, prepared, None, false),
                    ));
                }
            };
            let next = if rows.len() as u64 == CHUNK {
                rows.last().map(|r| r.id)
            } else {
                None
            };
            let done = next.is_none();
            let rows: Vec<ExportRow> = rows.into_iter().map(|q| prepared.row(q)).collect();
            let bytes = match format {
                Format::Csv => csv_chunk(&rows, first),
                Format::Json => json_chunk(&rows, first, done),
            };
            Some((
                Ok::<Bytes, std::io::Error>(bytes),
                (state, prepared, next, false),
            ))
        },
    );
    let (content_type, file_name) = match format {
        Format::Csv => ("text/csv; charset=utf-8", "learning-questions.csv"),
        Format::Json => ("application/json", "learning-questions.json"),
    };
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        Body::from_stream(chunks),
    )
        .into_response()
}

/// A chunk of CSV; the first starts with a BOM (so spreadsheets read UTF-8) and the header row.
fn csv_chunk(rows: &[ExportRow], first: bool) -> Bytes {
    let mut writer = csv::WriterBuilder::new()
        .has_headers(first)
        .from_writer(Vec::new());
    if first && rows.is_empty() {
        // The header row alone, from an empty record of the same shape.
        let _ = writer.write_record([
            "id",
            "event",
            "theme",
            "session",
            "status",
            "text",
            "context",
            "submitter_role",
            "preferred_formats",
            "region",
            "votes",
            "duplicate_of",
            "created_at",
        ]);
    }
    for row in rows {
        if let Err(err) = writer.serialize(row) {
            tracing::error!(error = %err, "a row could not be written");
        }
    }
    let mut bytes = if first {
        "\u{feff}".as_bytes().to_vec()
    } else {
        Vec::new()
    };
    bytes.extend(writer.into_inner().unwrap_or_default());
    Bytes::from(bytes)
}

/// A chunk of one JSON array, written piece by piece.
fn json_chunk(rows: &[ExportRow], first: bool, last: bool) -> Bytes {
    let mut out = Vec::new();
    if first {
        out.push(b'[');
    }
    for (i, row) in rows.iter().enumerate() {
        if !first || i > 0 {
            out.push(b',');
        }
        if let Err(err) = serde_json::to_writer(&mut out, row) {
            tracing::error!(error = %err, "a row could not be written");
        }
    }
    if last {
        out.push(b']');
    }
    Bytes::from(out)
}

/// The public calendar: one VEVENT per session, in the event's time zone.
pub async fn calendar(State(state): State<AppState>, Path(slug): Path<String>) -> Response {
    match calendar_text(&state, slug.trim_end_matches(".ics")).await {
        Ok(text) => (
            [
                (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=300"),
            ],
            text,
        )
            .into_response(),
        Err(err) => error_response(err),
    }
}

async fn calendar_text(state: &AppState, slug: &str) -> Result<String, AppError> {
    let event = programme::event_by_slug(&state.db, Some(slug))
        .await?
        .ok_or_else(|| AppError::not_found(format!("no event with slug {slug:?}")))?;
    let tz: chrono_tz::Tz = event
        .timezone
        .parse()
        .unwrap_or(chrono_tz::Europe::Amsterdam);
    let sessions = session::Entity::find()
        .filter(session::Column::EventId.eq(event.id))
        .order_by_asc(session::Column::StartsAt)
        .order_by_asc(session::Column::Position)
        .all(&state.db)
        .await?;
    let local = |t: DateTime<Utc>| CalendarDateTime::WithTimezone {
        date_time: t.with_timezone(&tz).naive_local(),
        tzid: event.timezone.clone(),
    };
    let mut calendar = Calendar::new();
    calendar
        .name(&event.title)
        .timezone(event.timezone.as_str());
    for s in sessions {
        let mut entry = icalendar::Event::new();
        entry
            .uid(&format!("{}-{}@buurtgraph", event.slug, s.key))
            .summary(&s.title)
            .description(&s.description)
            .starts(local(s.starts_at))
            .ends(local(s.ends_at))
            .timestamp(event.updated_at);
        if let Some(location) = &event.location {
            entry.location(location);
        }
        calendar.push(entry.done());
    }
    Ok(calendar.done().to_string())
}

/// One line of the summary in long form: theme, what is counted, which value, how many.
#[derive(Debug, Serialize)]
struct SummaryRow {
    theme: String,
    dimension: &'static str,
    value: String,
    count: i64,
}

/// `GET /exports/summary.csv`: the per-theme counts of `feedbackSummary`, one count per
/// line (theme, dimension, value, count), ready for a pivot table.
pub async fn summary_csv(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(filter): Query<ExportFilter>,
) -> Response {
    match summary_text(&state, &headers, filter).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"summary.csv\"",
                ),
                (header::CACHE_CONTROL, "no-store"),
            ],
            bytes,
        )
            .into_response(),
        Err(err) => error_response(err),
    }
}

async fn summary_text(
    state: &AppState,
    headers: &HeaderMap,
    filter: ExportFilter,
) -> Result<Bytes, AppError> {
    let viewer = viewer_from_headers(state, headers).await?;
    let scope = summary::summary_scope(&viewer)?;
    let event = programme::event_by_slug(&state.db, filter.event.as_deref())
        .await?
        .ok_or_else(|| AppError::not_found("no such event"))?;
    let themes: std::collections::HashMap<i32, String> = theme::Entity::find()
        .all(&state.db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.slug))
        .collect();
    let theme_id = match &filter.theme {
        Some(slug) => Some(
            themes
                .iter()
                .find(|(_, s)| *s == slug)
                .map(|(id, _)| *id)
                .ok_or_else(|| AppError::bad_input("theme", format!("no theme {slug:?}")))?,
        ),
        None => None,
    };
    let summary = summary::summarise(&state.db, scope, event.id, theme_id).await?;
    let mut rows = Vec::new();
    for (theme_id, counts) in &summary.themes {
        let theme = themes.get(theme_id).cloned().unwrap_or_default();
        let row = |dimension, value: String, count| SummaryRow {
            theme: theme.clone(),
            dimension,
            value,
            count,
        };
        rows.push(row("total", String::new(), counts.total));
        rows.push(row("votes", String::new(), counts.votes));
        for (status, count) in &counts.by_status {
            rows.push(row("status", status.clone(), *count));
        }
        for (role, count) in &counts.by_role {
            rows.push(row(
                "role",
                role.map(|r| format!("{r:?}")).unwrap_or_default(),
                *count,
            ));
        }
        for (format, count) in &counts.by_format {
            rows.push(row("format", (*format).to_owned(), *count));
        }
    }
    let mut writer = csv::Writer::from_writer("\u{feff}".as_bytes().to_vec());
    if rows.is_empty() {
        writer
            .write_record(["theme", "dimension", "value", "count"])
            .map_err(AppError::internal)?;
    }
    for row in &rows {
        writer.serialize(row).map_err(AppError::internal)?;
    }
    Ok(Bytes::from(writer.into_inner().map_err(|err| {
        AppError::internal(anyhow::anyhow!("{err}"))
    })?))
}
