//! What the programme templates show, read from the programme snapshot (`readmodel`): times in the
//! event's time zone, enum values as API names (the templates label them).

use std::sync::Arc;

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;
use entity::{event, session, theme};
use serde::Serialize;

use crate::graphql::ids::{self, NodeType};
use crate::readmodel::Snapshot;
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

/// Cards for these sessions of one event, in the order given, from the snapshot.
pub fn session_cards(
    snapshot: &Snapshot,
    event: &event::Model,
    sessions: &[Arc<session::Model>],
) -> Vec<SessionCard> {
    let zone = zone(event);
    let org_name = |id: &i32| snapshot.organisation(*id).map(|o| o.name.clone());
    let block_title = |id: i32| {
        snapshot
            .block(id)
            .map(|b| b.title.clone())
            .unwrap_or_default()
    };
    sessions
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
            speakers: snapshot
                .speakers_of_session(s.id)
                .iter()
                .filter_map(|link| {
                    let person = snapshot.person(link.person_id)?;
                    Some(SpeakerView {
                        key: person.key.clone(),
                        name: person.name.clone(),
                        role: link.role.api_name().to_owned(),
                        affiliations: snapshot
                            .affiliations_of_person(person.id)
                            .iter()
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
            organisations: snapshot
                .organisation_ids_of_session(s.id)
                .iter()
                .filter_map(org_name)
                .collect(),
            themes: snapshot
                .theme_ids_of_session(s.id)
                .iter()
                .filter_map(|id| snapshot.theme(*id).map(|t| ThemeChip::new(t)))
                .collect(),
            other_rounds: s
                .workshop_key
                .as_deref()
                .map(|key| snapshot.sessions_of_workshop(event.id, key))
                .unwrap_or_default()
                .iter()
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
        .collect()
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
pub fn programme(
    snapshot: &Snapshot,
    event: &event::Model,
    theme_id: Option<i32>,
) -> Vec<BlockView> {
    let zone = zone(event);
    snapshot
        .blocks_of_event(event.id)
        .iter()
        .map(|block| {
            let sessions: Vec<Arc<session::Model>> = snapshot
                .sessions_of_block(block.id)
                .iter()
                .filter(|s| {
                    theme_id.is_none_or(|id| snapshot.theme_ids_of_session(s.id).contains(&id))
                })
                .cloned()
                .collect();
            BlockView {
                title: block.title.clone(),
                kind: block.kind.api_name().to_owned(),
                starts: clock(zone, block.starts_at),
                ends: clock(zone, block.ends_at),
                sessions: session_cards(snapshot, event, &sessions),
            }
        })
        .filter(|block| theme_id.is_none() || !block.sessions.is_empty())
        .collect()
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
