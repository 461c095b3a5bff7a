//! `Event`: a neighbourhood event with its programme, and the filter on its sessions.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use entity::event;

use super::search::MAX_QUERY_CHARS;
use super::{
    Organisation, Person, ProgrammeBlock, Session, SessionKind, Theme, ThemeKind, snapshot,
};
use crate::error::AppError;
use crate::graphql::ids::{self, NodeType};
use crate::graphql::pagination::{CountedConnection, PageRequest};
use crate::service::programme::SessionFilter as ServiceSessionFilter;

/// A neighbourhood event with its programme.
pub struct Event(pub Arc<event::Model>);

/// The rows of one page (`offset`, `limit`) of a list, and the list's length.
fn page_of<T: Clone>(rows: &[T], offset: u64, limit: u64) -> (Vec<T>, u64) {
    let skip = usize::try_from(offset).unwrap_or(usize::MAX);
    let take = usize::try_from(limit).unwrap_or(usize::MAX);
    let page = rows.iter().skip(skip).take(take).cloned().collect();
    (page, rows.len() as u64)
}

#[Object]
impl Event {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::Event, self.0.id)
    }
    /// Stable, human-readable key, e.g. `dag-van-de-buurt-2021`.
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    async fn starts_at(&self) -> DateTime<Utc> {
        self.0.starts_at
    }
    async fn ends_at(&self) -> DateTime<Utc> {
        self.0.ends_at
    }
    /// IANA time zone of the event, for showing times locally.
    async fn timezone(&self) -> &str {
        &self.0.timezone
    }
    async fn location(&self) -> Option<&str> {
        self.0.location.as_deref()
    }
    /// Who leads the day.
    async fn hosts(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Person>> {
        let snapshot = snapshot(ctx).await?;
        Ok(snapshot
            .host_ids_of_event(self.0.id)
            .iter()
            .filter_map(|id| snapshot.person(*id).cloned().map(Person))
            .collect())
    }
    /// Programme blocks in time order.
    async fn blocks(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ProgrammeBlock>> {
        let snapshot = snapshot(ctx).await?;
        Ok(snapshot
            .blocks_of_event(self.0.id)
            .iter()
            .cloned()
            .map(ProgrammeBlock)
            .collect())
    }
    /// Themes of the event, optionally of one kind.
    async fn themes(
        &self,
        ctx: &Context<'_>,
        kind: Option<ThemeKind>,
    ) -> async_graphql::Result<Vec<Theme>> {
        let snapshot = snapshot(ctx).await?;
        let kind = kind.map(entity::enums::ThemeKind::from);
        Ok(snapshot
            .themes_of_event(self.0.id)
            .iter()
            .filter(|t| kind.is_none_or(|k| t.kind == k))
            .cloned()
            .map(Theme)
            .collect())
    }
    /// Sessions in programme order, filtered and paginated.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn sessions(
        &self,
        ctx: &Context<'_>,
        filter: Option<SessionFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<CountedConnection<Session>> {
        let page = PageRequest::parse(first, after.as_deref())?;
        let filter = filter
            .map(SessionFilter::into_service)
            .transpose()?
            .unwrap_or_default();
        let snapshot = snapshot(ctx).await?;
        let matching = snapshot.sessions_matching(self.0.id, &filter);
        let (rows, total) = page_of(&matching, page.offset, page.limit);
        Ok(page.connection(rows, total, |s| Session(s.clone())))
    }
    /// Everyone taking part (hosts, speakers, facilitators, table guests), by name.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn people(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<CountedConnection<Person>> {
        let page = PageRequest::parse(first, after.as_deref())?;
        let snapshot = snapshot(ctx).await?;
        let (rows, total) = page_of(snapshot.people_of_event(self.0.id), page.offset, page.limit);
        Ok(page.connection(rows, total, Person))
    }
    /// Organisations taking part, by name.
    async fn organisations(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Organisation>> {
        let snapshot = snapshot(ctx).await?;
        Ok(snapshot
            .organisations_of_event(self.0.id)
            .iter()
            .cloned()
            .map(Organisation)
            .collect())
    }
}

/// Filters on `Event.sessions`; all given filters must hold.
#[derive(InputObject, Default)]
pub struct SessionFilter {
    pub block_id: Option<ID>,
    pub kind: Option<SessionKind>,
    pub theme_id: Option<ID>,
    pub person_id: Option<ID>,
    pub organisation_id: Option<ID>,
    /// Words that must all occur in the title, description, people or organisations (case and accents ignored).
    pub text: Option<String>,
    pub feedback_open: Option<bool>,
}

impl SessionFilter {
    fn into_service(self) -> Result<ServiceSessionFilter, AppError> {
        let decode = |id: Option<ID>, node_type, field: &str| {
            id.map(|id| ids::decode(&id, node_type, &format!("filter.{field}")))
                .transpose()
        };
        if self
            .text
            .as_ref()
            .is_some_and(|t| t.chars().count() > MAX_QUERY_CHARS)
        {
            return Err(AppError::bad_input(
                "filter.text",
                format!("at most {MAX_QUERY_CHARS} characters"),
            ));
        }
        Ok(ServiceSessionFilter {
            block_id: decode(self.block_id, NodeType::ProgrammeBlock, "blockId")?,
            kind: self.kind.map(Into::into),
            theme_id: decode(self.theme_id, NodeType::Theme, "themeId")?,
            person_id: decode(self.person_id, NodeType::Person, "personId")?,
            organisation_id: decode(
                self.organisation_id,
                NodeType::Organisation,
                "organisationId",
            )?,
            text: self.text,
            feedback_open: self.feedback_open,
        })
    }
}
