//! What the programme templates show, read through `service::programme`: times in the
//! event's time zone, enum values as API names (the templates label them).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;
use entity::{event, organisation, person, programme_block, session, theme};
use sea_orm::ConnectionTrait;
use serde::Serialize;

use crate::error::AppError;
use crate::graphql::ids::{self, NodeType};
use crate::service::programme as service;
use crate::web::i18n::{self, Args, Lang};

/// The event's clock: its time zone, Amsterdam when the stored name is unknown.
pub fn zone(event: &event::Model) -> Tz {
    event
        .timezone
        .parse()
        .unwrap_or(chrono_tz::Europe::Amsterdam)
}

pub fn clock(zone: Tz, at: DateTime<Utc>) -> String {
    at.with_timezone(&zone).format("%H:%M").to_string()
}

/// "donderdag 28 januari 2021" / "Thursday 28 January 2021".
pub fn long_date(lang: Lang, zone: Tz, at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&zone);
    let mut args = Args::new();
    let weekday = local.weekday().number_from_monday();
    args.insert(
        "weekday".into(),
        i18n::text(lang, &format!("weekday-{weekday}")).into(),
    );
    args.insert("day".into(), i64::from(local.day()).into());
    args.insert(
        "month".into(),
        i18n::text(lang, &format!("month-{}", local.month())).into(),
    );
    args.insert("year".into(), i64::from(local.year()).into());
    i18n::text_with(lang, "date-long", &args)
}

/// A text's paragraphs (blank lines separate them).
pub fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

#[derive(Debug, Serialize)]
pub struct EventView {
    pub slug: String,
    pub title: String,
    pub paragraphs: Vec<String>,
    pub date: String,
    pub starts: String,
    pub ends: String,
    pub location: Option<String>,
    pub timezone: String,
}

pub fn event_view(lang: Lang, event: &event::Model) -> EventView {
    let zone = zone(event);
    EventView {
        slug: event.slug.clone(),
        title: event.title.clone(),
        paragraphs: paragraphs(&event.description),
        date: long_date(lang, zone, event.starts_at),
        starts: clock(zone, event.starts_at),
        ends: clock(zone, event.ends_at),
        location: event.location.clone(),
        timezone: event.timezone.clone(),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ThemeChip {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub kind: String,
}

impl ThemeChip {
    pub fn new(theme: &theme::Model) -> Self {
        Self {
            id: ids::encode(NodeType::Theme, theme.id).to_string(),
            slug: theme.slug.clone(),
            title: theme.title.clone(),
            kind: theme.kind.api_name().to_owned(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Affiliation {
    pub title: Option<String>,
    pub organisation: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SpeakerView {
    pub key: String,
    pub name: String,
    pub role: String,
    pub affiliations: Vec<Affiliation>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OtherRound {
    pub key: String,
    pub block: String,
    pub starts: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SessionCard {
    pub id: String,
    pub key: String,
    pub title: String,
    pub kind: String,
    pub paragraphs: Vec<String>,
    pub block: String,
    pub block_id: i32,
    pub starts: String,
    pub ends: String,
    pub speakers: Vec<SpeakerView>,
    pub organisations: Vec<String>,
    pub themes: Vec<ThemeChip>,
    pub other_rounds: Vec<OtherRound>,
    pub feedback_open: bool,
    /// Room or online location, when the programme names one.
    pub room: Option<String>,
    /// Stream or meeting link.
    pub url: Option<String>,
}

/// Cards for these sessions of one event, in the order given; a fixed number of
/// statements however many sessions.
pub async fn session_cards(
    db: &impl ConnectionTrait,
    event: &event::Model,
    sessions: &[session::Model],
) -> Result<Vec<SessionCard>, AppError> {
    let zone = zone(event);
    let session_ids: Vec<i32> = sessions.iter().map(|s| s.id).collect();
    let blocks: HashMap<i32, programme_block::Model> = service::blocks_by_event(db, &[event.id])
        .await?
        .remove(&event.id)
        .unwrap_or_default()
        .into_iter()
        .map(|b| (b.id, b))
        .collect();
    let speakers = service::speakers_by_session(db, &session_ids).await?;
    let person_ids: Vec<i32> = speakers
        .values()
        .flatten()
        .map(|s| s.person_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let people = service::by_ids::<person::Entity>(db, person::Column::Id, &person_ids).await?;
    let affiliations = service::affiliations_by_person(db, &person_ids).await?;
    let session_orgs = service::organisation_ids_by_session(db, &session_ids).await?;
    let organisation_ids: Vec<i32> = affiliations
        .values()
        .flatten()
        .map(|a| a.organisation_id)
        .chain(session_orgs.values().flatten().copied())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let organisations =
        service::by_ids::<organisation::Entity>(db, organisation::Column::Id, &organisation_ids)
            .await?;
    let theme_ids = service::theme_ids_by_session(db, &session_ids).await?;
    let all_theme_ids: Vec<i32> = theme_ids.values().flatten().copied().collect();
    let themes = service::by_ids::<theme::Entity>(db, theme::Column::Id, &all_theme_ids).await?;
    let workshop_keys: Vec<(i32, String)> = sessions
        .iter()
        .filter_map(|s| Some((event.id, s.workshop_key.clone()?)))
        .collect();
    let workshops = service::sessions_by_workshop(db, &workshop_keys).await?;

    let org_name = |id: &i32| organisations.get(id).map(|o| o.name.clone());
    let block_title = |id: i32| blocks.get(&id).map(|b| b.title.clone()).unwrap_or_default();
    Ok(sessions
        .iter()
        .map(|s| SessionCard {
            id: ids::encode(NodeType::Session, s.id).to_string(),
            key: s.key.clone(),
            title: s.title.clone(),
            kind: s.kind.api_name().to_owned(),
            paragraphs: paragraphs(&s.description),
            block: block_title(s.block_id),
            block_id: s.block_id,
            starts: clock(zone, s.starts_at),
            ends: clock(zone, s.ends_at),
            speakers: speakers
                .get(&s.id)
                .into_iter()
                .flatten()
                .filter_map(|link| {
                    let person = people.get(&link.person_id)?;
                    Some(SpeakerView {
                        key: person.key.clone(),
                        name: person.name.clone(),
                        role: link.role.api_name().to_owned(),
                        affiliations: affiliations
                            .get(&person.id)
                            .into_iter()
                            .flatten()
                            .filter_map(|a| {
                                Some(Affiliation {
                                    title: a.title.clone(),
                                    organisation: org_name(&a.organisation_id)?,
                                })
                            })
                            .collect(),
                    })
                })
                .collect(),
            organisations: session_orgs
                .get(&s.id)
                .into_iter()
                .flatten()
                .filter_map(org_name)
                .collect(),
            themes: theme_ids
                .get(&s.id)
                .into_iter()
                .flatten()
                .filter_map(|id| themes.get(id).map(ThemeChip::new))
                .collect(),
            other_rounds: s
                .workshop_key
                .as_ref()
                .and_then(|key| workshops.get(&(event.id, key.clone())))
                .into_iter()
                .flatten()
                .filter(|other| other.id != s.id)
                .map(|other| OtherRound {
                    key: other.key.clone(),
                    block: block_title(other.block_id),
                    starts: clock(zone, other.starts_at),
                })
                .collect(),
            feedback_open: s.feedback_open,
            room: s.room.clone(),
            url: s.url.clone(),
        })
        .collect())
}

#[derive(Debug, Serialize)]
pub struct BlockView {
    pub title: String,
    pub kind: String,
    pub starts: String,
    pub ends: String,
    pub sessions: Vec<SessionCard>,
}

/// The event's blocks with their sessions; with `theme_id`, only sessions of that theme
/// (and only blocks that keep one).
pub async fn programme(
    db: &impl ConnectionTrait,
    event: &event::Model,
    theme_id: Option<i32>,
) -> Result<Vec<BlockView>, AppError> {
    let zone = zone(event);
    let blocks = service::blocks_by_event(db, &[event.id])
        .await?
        .remove(&event.id)
        .unwrap_or_default();
    let block_ids: Vec<i32> = blocks.iter().map(|b| b.id).collect();
    let mut by_block = service::sessions_by_block(db, &block_ids).await?;
    let mut ordered = Vec::new();
    for block in &blocks {
        ordered.extend(by_block.remove(&block.id).unwrap_or_default());
    }
    let mut cards = session_cards(db, event, &ordered).await?;
    if let Some(theme_id) = theme_id {
        let wanted = ids::encode(NodeType::Theme, theme_id).to_string();
        cards.retain(|card| card.themes.iter().any(|t| t.id == wanted));
    }
    Ok(blocks
        .iter()
        .map(|block| BlockView {
            title: block.title.clone(),
            kind: block.kind.api_name().to_owned(),
            starts: clock(zone, block.starts_at),
            ends: clock(zone, block.ends_at),
            sessions: cards
                .iter()
                .filter(|c| c.block_id == block.id)
                .cloned()
                .collect(),
        })
        .filter(|block| theme_id.is_none() || !block.sessions.is_empty())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_the_events_zone() {
        let at = DateTime::parse_from_rfc3339("2021-01-28T12:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        assert_eq!(clock(chrono_tz::Europe::Amsterdam, at), "13:00");
        assert_eq!(
            long_date(Lang::Nl, chrono_tz::Europe::Amsterdam, at),
            "donderdag 28 januari 2021"
        );
        assert_eq!(
            long_date(Lang::En, chrono_tz::Europe::Amsterdam, at),
            "Thursday 28 January 2021"
        );
    }
}
