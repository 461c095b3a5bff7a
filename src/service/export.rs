//! What the staff exports and the public calendar contain, read from the database (the
//! questions in bounded chunks). The HTTP layer encodes it as CSV, JSON or iCalendar.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use entity::enums::ModerationStatus;
use entity::{event, learning_question, session, theme};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Deserialize;

use super::{programme, summary};
use crate::auth::Viewer;
use crate::error::{AppError, AppResult};

/// Filters as query parameters: `event` (slug), `theme` (slug), `status`, `session` (key).
#[derive(Debug, Default, Deserialize)]
pub struct ExportFilter {
    pub event: Option<String>,
    pub theme: Option<String>,
    pub status: Option<String>,
    pub session: Option<String>,
}

/// A time in machine outputs: RFC 3339 in UTC, to the second (`2021-01-28T13:00:00Z`).
pub fn machine_time(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The questions one export covers, and the readable names of what they refer to.
pub struct QuestionExport {
    condition: Condition,
    event_slug: String,
    themes: HashMap<i32, String>,
    sessions: HashMap<i32, String>,
    /// For people's downloads (Excel): the event, and theme and session titles.
    event: event::Model,
    theme_id: Option<i32>,
    theme_titles: HashMap<i32, String>,
    session_titles: HashMap<i32, String>,
}

impl QuestionExport {
    /// Checks that `viewer` may export, and resolves the filter; bad filters are
    /// `BAD_USER_INPUT` naming the parameter.
    pub async fn prepare(
        db: &impl ConnectionTrait,
        viewer: &Viewer,
        filter: &ExportFilter,
    ) -> AppResult<Self> {
        let scope = summary::summary_scope(viewer)?;
        let event = find_event(db, filter.event.as_deref()).await?;
        let all_themes = theme::Entity::find().all(db).await?;
        let themes: HashMap<i32, String> =
            all_themes.iter().map(|t| (t.id, t.slug.clone())).collect();
        let theme_titles = all_themes.into_iter().map(|t| (t.id, t.title)).collect();
        let event_sessions = session::Entity::find()
            .filter(session::Column::EventId.eq(event.id))
            .all(db)
            .await?;
        let sessions: HashMap<i32, String> = event_sessions
            .iter()
            .map(|s| (s.id, s.key.clone()))
            .collect();
        let session_titles = event_sessions
            .into_iter()
            .map(|s| (s.id, s.title))
            .collect();
        let mut condition = Condition::all()
            .add(scope)
            .add(learning_question::Column::EventId.eq(event.id));
        let mut theme_id = None;
        if let Some(slug) = &filter.theme {
            let id = id_named(&themes, slug)
                .ok_or_else(|| AppError::bad_input("theme", format!("no theme {slug:?}")))?;
            condition = condition.add(learning_question::Column::ThemeId.eq(id));
            theme_id = Some(id);
        }
        if let Some(key) = &filter.session {
            let id = id_named(&sessions, key).ok_or_else(|| {
                AppError::bad_input("session", format!("no session {key:?} in this event"))
            })?;
            condition = condition.add(learning_question::Column::SessionId.eq(id));
        }
        if let Some(status) = &filter.status {
            let status = ModerationStatus::from_api_name(status).ok_or_else(|| {
                let names: Vec<&str> = ModerationStatus::ALL
                    .into_iter()
                    .map(ModerationStatus::api_name)
                    .collect();
                AppError::bad_input("status", format!("one of {}", names.join(", ")))
            })?;
            condition = condition.add(learning_question::Column::Status.eq(status));
        }
        Ok(Self {
            condition,
            event_slug: event.slug.clone(),
            themes,
            sessions,
            event,
            theme_id,
            theme_titles,
            session_titles,
        })
    }

    /// The next `limit` questions after id `after`, in id order (keyset pagination: each
    /// chunk is one bounded query, never the whole table).
    pub async fn chunk(
        &self,
        db: &impl ConnectionTrait,
        after: i32,
        limit: u64,
    ) -> AppResult<Vec<learning_question::Model>> {
        Ok(learning_question::Entity::find()
            .filter(self.condition.clone())
            .filter(learning_question::Column::Id.gt(after))
            .order_by_asc(learning_question::Column::Id)
            .limit(limit)
            .all(db)
            .await?)
    }

    pub fn event_slug(&self) -> &str {
        &self.event_slug
    }

    pub fn theme_slug(&self, theme_id: i32) -> &str {
        self.themes.get(&theme_id).map_or("", String::as_str)
    }

    pub fn session_key(&self, session_id: i32) -> Option<&str> {
        self.sessions.get(&session_id).map(String::as_str)
    }

    /// The event the export covers.
    pub fn event(&self) -> &event::Model {
        &self.event
    }

    /// The theme the filter names, if it names one.
    pub fn theme_filter(&self) -> Option<i32> {
        self.theme_id
    }

    pub fn theme_title(&self, theme_id: i32) -> &str {
        self.theme_titles.get(&theme_id).map_or("", String::as_str)
    }

    pub fn session_title(&self, session_id: i32) -> Option<&str> {
        self.session_titles.get(&session_id).map(String::as_str)
    }
}

/// One count of the summary in long form: theme, what is counted, which value, how many.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryRow {
    pub theme: String,
    /// `total`, `votes`, `status`, `role`, `format`, `session` or `region`.
    pub dimension: &'static str,
    /// The GraphQL enum name, session key or region; empty for totals and for questions
    /// without a role, session or region.
    pub value: String,
    pub count: i64,
}

/// The per-theme counts of `feedbackSummary`, one count per row, ready for a pivot table.
pub async fn summary_rows(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: &ExportFilter,
) -> AppResult<Vec<SummaryRow>> {
    let scope = summary::summary_scope(viewer)?;
    let event = find_event(db, filter.event.as_deref()).await?;
    let themes = theme_slugs(db).await?;
    let theme_id = match &filter.theme {
        Some(slug) => Some(
            id_named(&themes, slug)
                .ok_or_else(|| AppError::bad_input("theme", format!("no theme {slug:?}")))?,
        ),
        None => None,
    };
    let sessions: HashMap<i32, String> = session::Entity::find()
        .filter(session::Column::EventId.eq(event.id))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.key))
        .collect();
    let summary = summary::summarise(db, scope, event.id, theme_id).await?;
    let mut rows = Vec::new();
    for (theme_id, counts) in &summary.themes {
        let theme = themes.get(theme_id).cloned().unwrap_or_default();
        let mut push = |dimension, value: Option<&str>, count| {
            rows.push(SummaryRow {
                theme: theme.clone(),
                dimension,
                value: value.unwrap_or_default().to_owned(),
                count,
            });
        };
        push("total", None, counts.total);
        push("votes", None, counts.votes);
        for (status, count) in &counts.by_status {
            push("status", Some(status.api_name()), *count);
        }
        for (role, count) in &counts.by_role {
            push("role", role.map(|r| r.api_name()), *count);
        }
        for (format, count) in &counts.by_format {
            push("format", Some(format.api_name()), *count);
        }
        for (session_id, count) in &counts.by_session {
            let key = session_id
                .and_then(|id| sessions.get(&id))
                .map(String::as_str);
            push("session", key, *count);
        }
        for (region, count) in &counts.by_region {
            push("region", region.as_deref(), *count);
        }
    }
    Ok(rows)
}

/// An event and its sessions in programme order, for its calendar.
pub async fn calendar(
    db: &impl ConnectionTrait,
    slug: &str,
) -> AppResult<(event::Model, Vec<session::Model>)> {
    let event = programme::event_by_slug(db, Some(slug))
        .await?
        .ok_or_else(|| AppError::not_found(format!("no event with slug {slug:?}")))?;
    let sessions = session::Entity::find()
        .filter(session::Column::EventId.eq(event.id))
        .order_by_asc(session::Column::StartsAt)
        .order_by_asc(session::Column::Position)
        .all(db)
        .await?;
    Ok((event, sessions))
}

async fn find_event(db: &impl ConnectionTrait, slug: Option<&str>) -> AppResult<event::Model> {
    programme::event_by_slug(db, slug)
        .await?
        .ok_or_else(|| AppError::not_found("no such event"))
}

async fn theme_slugs(db: &impl ConnectionTrait) -> AppResult<HashMap<i32, String>> {
    Ok(theme::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.slug))
        .collect())
}

fn id_named(names: &HashMap<i32, String>, name: &str) -> Option<i32> {
    names.iter().find(|(_, n)| *n == name).map(|(id, _)| *id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machine_times_are_rfc_3339_to_the_second_in_utc() {
        let time = DateTime::parse_from_rfc3339("2021-01-28T14:00:00.123456789+01:00")
            .map(|t| t.with_timezone(&Utc));
        assert_eq!(
            time.map(machine_time).as_deref(),
            Ok("2021-01-28T13:00:00Z")
        );
    }
}
