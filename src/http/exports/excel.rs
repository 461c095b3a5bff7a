//! The Excel download for staff (`/exports/learning-questions.xlsx`): a summary sheet and
//! one sheet per theme, written with `rust_xlsxwriter`.
//!
//! Cells carry real types: counts are numbers, times are dates (in the event's time zone),
//! and every text is written as a string cell, so a question that starts with `=` is shown,
//! never run. Headers come from the message files (Dutch unless the browser asks for
//! English); each sheet has a frozen header row and an autofilter.

use std::collections::HashSet;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, Timelike, Utc};
use entity::enums::{LearningFormat, ModerationStatus};
use entity::learning_question;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use super::access;
use crate::error::{AppError, AppResult};
use crate::graphql::ids::{self, NodeType};
use crate::http::error::error_response;
use crate::service::export::{ExportFilter, QuestionExport};
use crate::service::summary::{self, Summary};
use crate::state::AppState;
use crate::web::i18n::{self, Lang};
use crate::web::session;

/// Rows read from the database per query while the workbook is filled.
const CHUNK: u64 = 500;

/// Excel's limit on a sheet's name.
const SHEET_NAME_MAX: usize = 31;

/// `GET /exports/learning-questions.xlsx`: the same filters and the same authorization as
/// the CSV and JSON exports.
pub async fn questions_xlsx(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(filter): Query<ExportFilter>,
) -> Response {
    let lang = Lang::negotiate(&headers, session::cookie(&headers, i18n::LANG_COOKIE));
    match workbook_bytes(&state, &headers, &filter, lang).await {
        Ok(bytes) => (
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"leervragen.xlsx\"",
                ),
                (header::CACHE_CONTROL, "no-store"),
            ],
            bytes,
        )
            .into_response(),
        Err(err) => error_response(err),
    }
}

async fn workbook_bytes(
    state: &AppState,
    headers: &HeaderMap,
    filter: &ExportFilter,
    lang: Lang,
) -> AppResult<Vec<u8>> {
    let viewer = access::viewer(state, headers).await?;
    let export = QuestionExport::prepare(&state.db, &viewer, filter).await?;
    let scope = summary::summary_scope(&viewer)?;
    let counts =
        summary::summarise(&state.db, scope, export.event().id, export.theme_filter()).await?;
    let mut questions = Vec::new();
    let mut after = 0;
    loop {
        let chunk = export.chunk(&state.db, after, CHUNK).await?;
        let full = chunk.len() as u64 == CHUNK;
        after = chunk.last().map_or(after, |q| q.id);
        questions.extend(chunk);
        if !full {
            break;
        }
    }
    let book = Book::new(lang, &export, &counts, questions);
    // Compressing the workbook is CPU work: off the async threads.
    tokio::task::spawn_blocking(move || book.write())
        .await
        .map_err(AppError::internal)?
}

/// Everything the workbook shows, owned, so it can be written on a blocking thread.
struct Book {
    lang: Lang,
    timezone: chrono_tz::Tz,
    summary: Vec<SummaryLine>,
    themes: Vec<ThemeSheet>,
}

struct SummaryLine {
    theme: String,
    dimension: String,
    value: String,
    count: i64,
}

struct ThemeSheet {
    title: String,
    rows: Vec<QuestionLine>,
}

struct QuestionLine {
    text: String,
    context: String,
    status: String,
    votes: i32,
    role: String,
    formats: String,
    region: String,
    session: String,
    created_at: DateTime<Utc>,
    duplicate_of: String,
    id: String,
}

/// The columns of a theme's sheet, by message key, with their widths.
const QUESTION_COLUMNS: [(&str, f64); 11] = [
    ("xlsx-column-text", 60.0),
    ("xlsx-column-context", 40.0),
    ("xlsx-column-status", 18.0),
    ("xlsx-column-votes", 12.0),
    ("xlsx-column-role", 18.0),
    ("xlsx-column-formats", 28.0),
    ("xlsx-column-region", 16.0),
    ("xlsx-column-session", 36.0),
    ("xlsx-column-created", 18.0),
    ("xlsx-column-duplicate-of", 24.0),
    ("xlsx-column-id", 24.0),
];

const SUMMARY_COLUMNS: [(&str, f64); 4] = [
    ("xlsx-column-theme", 36.0),
    ("xlsx-column-dimension", 18.0),
    ("xlsx-column-value", 36.0),
    ("xlsx-column-count", 10.0),
];

impl Book {
    fn new(
        lang: Lang,
        export: &QuestionExport,
        counts: &Summary,
        questions: Vec<learning_question::Model>,
    ) -> Self {
        let text = |key: &str| i18n::text(lang, key);
        let mut summary = Vec::new();
        for (theme_id, c) in &counts.themes {
            let theme = export.theme_title(*theme_id).to_owned();
            let mut push = |dimension: &str, value: String, count: i64| {
                summary.push(SummaryLine {
                    theme: theme.clone(),
                    dimension: text(dimension),
                    value,
                    count,
                });
            };
            push("xlsx-dimension-total", String::new(), c.total);
            push("xlsx-dimension-votes", String::new(), c.votes);
            // Every status, zero included, as `feedbackSummary` counts them.
            for status in ModerationStatus::ALL {
                push(
                    "xlsx-dimension-status",
                    i18n::label(lang, "status", status.api_name()),
                    c.status(status),
                );
            }
            for (role, count) in &c.by_role {
                let name = role.map_or("UNKNOWN", |r| r.api_name());
                push(
                    "xlsx-dimension-role",
                    i18n::label(lang, "submitter-role", name),
                    *count,
                );
            }
            for (format, count) in &c.by_format {
                push(
                    "xlsx-dimension-format",
                    i18n::label(lang, "format", format.api_name()),
                    *count,
                );
            }
            for (session_id, count) in &c.by_session {
                let title = session_id
                    .and_then(|id| export.session_title(id))
                    .map_or_else(|| text("xlsx-no-session"), str::to_owned);
                push("xlsx-dimension-session", title, *count);
            }
            for (region, count) in &c.by_region {
                let region = region.clone().unwrap_or_else(|| text("xlsx-no-region"));
                push("xlsx-dimension-region", region, *count);
            }
        }
        // One sheet per theme of the summary, in its order, even when a filter leaves it
        // without rows (the headers still say what would be there).
        let mut themes: Vec<(i32, ThemeSheet)> = counts
            .themes
            .keys()
            .map(|id| {
                (
                    *id,
                    ThemeSheet {
                        title: export.theme_title(*id).to_owned(),
                        rows: Vec::new(),
                    },
                )
            })
            .collect();
        for q in questions {
            let Some((_, sheet)) = themes.iter_mut().find(|(id, _)| *id == q.theme_id) else {
                continue;
            };
            let formats: Vec<String> = LearningFormat::list_from_json(&q.preferred_formats)
                .into_iter()
                .map(|f| i18n::label(lang, "format", f.api_name()))
                .collect();
            sheet.rows.push(QuestionLine {
                status: i18n::label(lang, "status", q.status.api_name()),
                votes: q.vote_count,
                role: q
                    .submitter_role
                    .map(|r| i18n::label(lang, "submitter-role", r.api_name()))
                    .unwrap_or_default(),
                formats: formats.join(", "),
                region: q.region.unwrap_or_default(),
                session: q
                    .session_id
                    .and_then(|id| export.session_title(id))
                    .unwrap_or_default()
                    .to_owned(),
                created_at: q.created_at,
                duplicate_of: q
                    .duplicate_of_id
                    .map(|id| ids::encode(NodeType::LearningQuestion, id).to_string())
                    .unwrap_or_default(),
                id: ids::encode(NodeType::LearningQuestion, q.id).to_string(),
                text: q.text,
                context: q.context.unwrap_or_default(),
            });
        }
        Self {
            lang,
            timezone: export.event().timezone.parse().unwrap_or(chrono_tz::UTC),
            summary,
            themes: themes.into_iter().map(|(_, sheet)| sheet).collect(),
        }
    }

    fn write(self) -> AppResult<Vec<u8>> {
        self.write_xlsx().map_err(AppError::internal)
    }

    fn write_xlsx(self) -> Result<Vec<u8>, XlsxError> {
        let mut workbook = Workbook::new();
        let header = Format::new().set_bold().set_background_color(0xDDE6EE);
        let wrapped = Format::new().set_text_wrap();
        let date = Format::new().set_num_format("dd-mm-yyyy hh:mm");
        let text = |key: &str| i18n::text(self.lang, key);
        let mut names = SheetNames::default();

        let sheet = workbook.add_worksheet();
        sheet.set_name(names.claim(&text("xlsx-sheet-summary")))?;
        write_header(sheet, &SUMMARY_COLUMNS, self.lang, &header)?;
        for (i, line) in self.summary.iter().enumerate() {
            let row = row_number(i)?;
            sheet.write_string(row, 0, &line.theme)?;
            sheet.write_string(row, 1, &line.dimension)?;
            sheet.write_string(row, 2, &line.value)?;
            sheet.write_number(row, 3, line.count as f64)?;
        }
        finish_table(sheet, self.summary.len(), SUMMARY_COLUMNS.len())?;

        let created_header = i18n::text_with(
            self.lang,
            "xlsx-column-created",
            &i18n::Args::from([("timezone".into(), self.timezone.name().to_owned().into())]),
        );
        for theme in &self.themes {
            let sheet = workbook.add_worksheet();
            sheet.set_name(names.claim(&theme.title))?;
            write_header(sheet, &QUESTION_COLUMNS, self.lang, &header)?;
            sheet.write_string_with_format(0, 8, &created_header, &header)?;
            for (i, q) in theme.rows.iter().enumerate() {
                let row = row_number(i)?;
                sheet.write_string_with_format(row, 0, &q.text, &wrapped)?;
                sheet.write_string_with_format(row, 1, &q.context, &wrapped)?;
                sheet.write_string(row, 2, &q.status)?;
                sheet.write_number(row, 3, f64::from(q.votes))?;
                sheet.write_string(row, 4, &q.role)?;
                sheet.write_string(row, 5, &q.formats)?;
                sheet.write_string(row, 6, &q.region)?;
                sheet.write_string(row, 7, &q.session)?;
                sheet.write_datetime_with_format(
                    row,
                    8,
                    excel_time(q.created_at, self.timezone)?,
                    &date,
                )?;
                sheet.write_string(row, 9, &q.duplicate_of)?;
                sheet.write_string(row, 10, &q.id)?;
            }
            finish_table(sheet, theme.rows.len(), QUESTION_COLUMNS.len())?;
        }
        workbook.save_to_buffer()
    }
}

fn write_header(
    sheet: &mut Worksheet,
    columns: &[(&str, f64)],
    lang: Lang,
    format: &Format,
) -> Result<(), XlsxError> {
    for (col, (key, width)) in columns.iter().enumerate() {
        let col = u16::try_from(col).map_err(|_| XlsxError::RowColumnLimitError)?;
        sheet.write_string_with_format(0, col, i18n::text(lang, key), format)?;
        sheet.set_column_width(col, *width)?;
    }
    Ok(())
}

/// The frozen header row and an autofilter over the header and `rows` data rows.
fn finish_table(sheet: &mut Worksheet, rows: usize, columns: usize) -> Result<(), XlsxError> {
    let last_row = u32::try_from(rows).map_err(|_| XlsxError::RowColumnLimitError)?;
    let last_col =
        u16::try_from(columns.saturating_sub(1)).map_err(|_| XlsxError::RowColumnLimitError)?;
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, last_row, last_col)?;
    Ok(())
}

/// The sheet row of the `i`th data row (the header is row 0).
fn row_number(i: usize) -> Result<u32, XlsxError> {
    u32::try_from(i + 1).map_err(|_| XlsxError::RowColumnLimitError)
}

/// A UTC time as Excel's local date and time in the event's zone (Excel has no zones).
fn excel_time(time: DateTime<Utc>, zone: chrono_tz::Tz) -> Result<ExcelDateTime, XlsxError> {
    let local = time.with_timezone(&zone);
    let year = u16::try_from(local.year())
        .map_err(|_| XlsxError::DateTimeRangeError(local.to_string()))?;
    let narrow = |n: u32| u8::try_from(n).unwrap_or(0);
    ExcelDateTime::from_ymd(year, narrow(local.month()), narrow(local.day()))?.and_hms(
        u16::try_from(local.hour()).unwrap_or(0),
        narrow(local.minute()),
        local.second(),
    )
}

/// Sheet names as Excel takes them: at most 31 characters, none of `[]:*?/\`, not
/// starting or ending with `'`, and unique regardless of case.
#[derive(Default)]
struct SheetNames {
    taken: HashSet<String>,
}

impl SheetNames {
    fn claim(&mut self, wanted: &str) -> String {
        let cleaned: String = wanted
            .chars()
            .map(|c| if "[]:*?/\\".contains(c) { ' ' } else { c })
            .collect();
        let cleaned = cleaned.trim().trim_matches('\'').trim();
        let base = if cleaned.is_empty() { "-" } else { cleaned };
        let mut number = 1;
        loop {
            let suffix = if number == 1 {
                String::new()
            } else {
                format!(" ({number})")
            };
            let room = SHEET_NAME_MAX - suffix.chars().count();
            let stem: String = base.chars().take(room).collect();
            let name = format!("{}{suffix}", stem.trim_end());
            if self.taken.insert(name.to_lowercase()) {
                return name;
            }
            number += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_fit_excels_rules_and_stay_unique() {
        let mut names = SheetNames::default();
        assert_eq!(
            names.claim("Vertrouwen in instituties en elkaar"),
            "Vertrouwen in instituties en el"
        );
        assert_eq!(
            names.claim("vertrouwen in instituties en elkaar, deel 2"),
            "vertrouwen in instituties e (2)"
        );
        assert_eq!(names.claim("Wat/waarom? [kort]"), "Wat waarom   kort");
        assert_eq!(names.claim("'"), "-");
        for name in ["Gemengde wijken", "Samenvatting"] {
            assert_eq!(names.claim(name), name);
        }
        for name in names.taken {
            assert!(name.chars().count() <= SHEET_NAME_MAX, "{name}");
        }
    }

    #[test]
    fn times_are_written_in_the_events_zone() -> Result<(), XlsxError> {
        let time = DateTime::parse_from_rfc3339("2021-01-28T13:05:09Z")
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| XlsxError::ParameterError(String::new()))?;
        let expected = ExcelDateTime::from_ymd(2021, 1, 28)?.and_hms(14, 5, 9)?;
        let written = excel_time(time, chrono_tz::Europe::Amsterdam)?;
        assert_eq!(written.to_excel(), expected.to_excel());
        Ok(())
    }
}
