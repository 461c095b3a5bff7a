//! Staff exports of the learning questions (CSV for spreadsheets, JSON), streamed in
//! chunks; the summary as CSV; and the public calendar of an event.
//!
//! Machine outputs spell every value one way: enum values by their GraphQL names
//! (`api_name()`), times as RFC 3339 in UTC to the second, lists as JSON arrays (in CSV,
//! joined by `;`). Every CSV cell that a spreadsheet would run as a formula is neutralised.

pub mod access;
pub(crate) mod calendar;
mod excel;
mod ical;
mod schedule;
mod spreadsheet;

use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use entity::enums::{LearningFormat, ModerationStatus, SubmitterRole};
use entity::learning_question;
use futures_util::stream;
use serde::{Serialize, Serializer};

pub use self::calendar::{calendar, session_calendar};
pub use self::excel::questions_xlsx;
pub use self::schedule::{schedule_json, schedule_xml};
use self::spreadsheet::{LIST_SEPARATOR, SafeCsv};
use super::error::error_response;
use crate::error::{AppError, AppResult};
use crate::graphql::ids::{self, NodeType};
use crate::service::export::{self, ExportFilter, QuestionExport};
use crate::state::AppState;

/// Rows read from the database per chunk of the stream.
const CHUNK: u64 = 500;

/// One exported question. No participant id, no token: only what was asked and its state.
#[derive(Debug, Serialize)]
struct ExportRow<'a> {
    id: String,
    event: &'a str,
    theme: &'a str,
    session: Option<&'a str>,
    status: ModerationStatus,
    text: String,
    context: Option<String>,
    submitter_role: Option<SubmitterRole>,
    preferred_formats: Vec<LearningFormat>,
    region: Option<String>,
    votes: i32,
    duplicate_of: Option<String>,
    #[serde(serialize_with = "machine_time")]
    created_at: DateTime<Utc>,
}

fn machine_time<S: Serializer>(time: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&export::machine_time(*time))
}

impl<'a> ExportRow<'a> {
    /// The CSV header; `csv_cells` gives the cells in this order.
    const CSV_COLUMNS: [&'static str; 13] = [
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
    ];

    fn new(export: &'a QuestionExport, q: learning_question::Model) -> Self {
        Self {
            id: ids::encode(NodeType::LearningQuestion, q.id).to_string(),
            event: export.event_slug(),
            theme: export.theme_slug(q.theme_id),
            session: q.session_id.and_then(|id| export.session_key(id)),
            status: q.status,
            text: q.text,
            context: q.context,
            submitter_role: q.submitter_role,
            preferred_formats: LearningFormat::list_from_json(&q.preferred_formats),
            region: q.region,
            votes: q.vote_count,
            duplicate_of: q
                .duplicate_of_id
                .map(|id| ids::encode(NodeType::LearningQuestion, id).to_string()),
            created_at: q.created_at,
        }
    }

    fn csv_cells(&self) -> [String; 13] {
        let formats: Vec<&str> = self
            .preferred_formats
            .iter()
            .map(|f| f.api_name())
            .collect();
        [
            self.id.clone(),
            self.event.to_owned(),
            self.theme.to_owned(),
            self.session.unwrap_or_default().to_owned(),
            self.status.api_name().to_owned(),
            self.text.clone(),
            self.context.clone().unwrap_or_default(),
            self.submitter_role
                .map(SubmitterRole::api_name)
                .unwrap_or_default()
                .to_owned(),
            formats.join(LIST_SEPARATOR),
            self.region.clone().unwrap_or_default(),
            self.votes.to_string(),
            self.duplicate_of.clone().unwrap_or_default(),
            export::machine_time(self.created_at),
        ]
    }
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
    questions(state, headers, query, Format::Csv).await
}

pub async fn questions_json(
    state: State<AppState>,
    headers: HeaderMap,
    query: Query<ExportFilter>,
) -> Response {
    questions(state, headers, query, Format::Json).await
}

async fn questions(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(filter): Query<ExportFilter>,
    format: Format,
) -> Response {
    let prepared = async {
        let viewer = access::viewer(&state, &headers).await?;
        QuestionExport::prepare(&state.db, &viewer, &filter).await
    };
    let export = match prepared.await {
        Ok(export) => export,
        Err(err) => return error_response(err),
    };
    let chunks = stream::unfold(
        (state, export, Some(0_i32), true),
        move |(state, export, after, first)| async move {
            let after = after?;
            let (bytes, next) = match encode_chunk(&state, &export, after, first, format).await {
                Ok(encoded) => encoded,
                Err(err) => {
                    // The status line has gone out: all that is left is to cut the body short.
                    if let AppError::Internal(cause) = &err {
                        tracing::error!(error = %cause, "export stopped");
                    }
                    return Some((
                        Err(std::io::Error::other("export failed")),
                        (state, export, None, false),
                    ));
                }
            };
            Some((
                Ok::<Bytes, std::io::Error>(bytes),
                (state, export, next, false),
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

/// The chunk of questions after id `after`, encoded, and the id to continue after (none
/// when this was the last chunk).
async fn encode_chunk(
    state: &AppState,
    export: &QuestionExport,
    after: i32,
    first: bool,
    format: Format,
) -> AppResult<(Bytes, Option<i32>)> {
    let questions = export.chunk(&state.db, after, CHUNK).await?;
    let next = if questions.len() as u64 == CHUNK {
        questions.last().map(|q| q.id)
    } else {
        None
    };
    let rows: Vec<ExportRow<'_>> = questions
        .into_iter()
        .map(|q| ExportRow::new(export, q))
        .collect();
    let bytes = match format {
        Format::Csv => csv_chunk(&rows, first)?,
        Format::Json => json_chunk(&rows, first, next.is_none())?,
    };
    Ok((bytes, next))
}

/// A chunk of CSV; the first starts with a BOM (so spreadsheets read UTF-8) and the header row.
fn csv_chunk(rows: &[ExportRow<'_>], first: bool) -> AppResult<Bytes> {
    let mut csv = SafeCsv::new(first);
    if first {
        csv.row(ExportRow::CSV_COLUMNS)?;
    }
    for row in rows {
        csv.row(row.csv_cells())?;
    }
    csv.finish()
}

/// A chunk of one JSON array, written piece by piece.
fn json_chunk(rows: &[ExportRow<'_>], first: bool, last: bool) -> AppResult<Bytes> {
    let mut out = Vec::new();
    if first {
        out.push(b'[');
    }
    for (i, row) in rows.iter().enumerate() {
        if !first || i > 0 {
            out.push(b',');
        }
        serde_json::to_writer(&mut out, row).map_err(AppError::internal)?;
    }
    if last {
        out.push(b']');
    }
    Ok(Bytes::from(out))
}

/// `GET /exports/summary.csv`: the per-theme counts of `feedbackSummary`, one count per
/// line (theme, dimension, value, count), ready for a pivot table.
pub async fn summary_csv(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(filter): Query<ExportFilter>,
) -> Response {
    match summary_text(&state, &headers, &filter).await {
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
    filter: &ExportFilter,
) -> AppResult<Bytes> {
    let viewer = access::viewer(state, headers).await?;
    let rows = export::summary_rows(&state.db, &viewer, filter).await?;
    let mut csv = SafeCsv::new(true);
    csv.row(["theme", "dimension", "value", "count"])?;
    for row in rows {
        csv.row([
            row.theme,
            row.dimension.to_owned(),
            row.value,
            row.count.to_string(),
        ])?;
    }
    csv.finish()
}
