//! An event's programme as a frab/c3voc schedule (`crate::schedule`), read in a fixed
//! number of statements.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, FixedOffset, Utc};
use chrono_tz::Tz;
use entity::enums::SessionKind;
use entity::{person, session, theme};
use sea_orm::ConnectionTrait;
use sha2::{Digest, Sha256};

use super::programme as service;
use crate::error::AppResult;
use crate::schedule::{
    self, Conference, Day, Link, Room, STREAM_LINK_TITLE, Schedule, SchedulePerson, Talk, Track,
};

/// The schedule of the event `slug`; links point below `base` (e.g. `https://buurt.example`,
/// without a trailing slash). `NOT_FOUND` for an unknown event.
pub async fn schedule_of(db: &impl ConnectionTrait, slug: &str, base: &str) -> AppResult<Schedule> {
    let (event, sessions) = super::export::calendar(db, slug).await?;
    let zone: Tz = event.timezone.parse().unwrap_or(chrono_tz::UTC);
    let local =
        |t: DateTime<Utc>| -> DateTime<FixedOffset> { t.with_timezone(&zone).fixed_offset() };
    let session_ids: Vec<i32> = sessions.iter().map(|s| s.id).collect();
    let speakers = service::speakers_by_session(db, &session_ids).await?;
    let person_ids: Vec<i32> = speakers
        .values()
        .flatten()
        .map(|s| s.person_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let people = service::by_ids::<person::Entity>(db, person::Column::Id, &person_ids).await?;
    let theme_ids = service::theme_ids_by_session(db, &session_ids).await?;
    let event_themes = service::themes_by_event(db, &[event.id])
        .await?
        .remove(&event.id)
        .unwrap_or_default();
    let used: Vec<i32> = theme_ids.values().flatten().copied().collect();
    let themes = service::by_ids::<theme::Entity>(db, theme::Column::Id, &used).await?;

    let acronym = schedule::acronym_of(&event.slug);
    let event_url = format!("{base}/events/{}", event.slug);
    let rooms = rooms_of(&event.slug, &sessions);
    let mut ids_taken = HashSet::new();
    let mut days: Vec<Day> = Vec::new();
    for s in &sessions {
        let guid = schedule::session_guid(&event.slug, &s.key);
        let mut id = schedule::numeric_id(&guid);
        while !ids_taken.insert(id) {
            id = id % 0x7fff_ffff + 1;
        }
        let room = &rooms.of_session[&s.id];
        let talk = Talk {
            guid,
            id,
            date: local(s.starts_at),
            duration: s.ends_at - s.starts_at,
            room: room.name.clone(),
            slug: Some(format!("{acronym}-{}", s.key)),
            url: Some(format!("{event_url}/sessies/{}", s.key)),
            title: s.title.clone(),
            subtitle: None,
            track: theme_ids
                .get(&s.id)
                .and_then(|ids| ids.first())
                .and_then(|id| themes.get(id))
                .map(|t| t.title.clone()),
            kind: kind_name(s.kind).to_owned(),
            language: None,
            abstract_text: s.description.clone(),
            description: None,
            persons: speakers
                .get(&s.id)
                .into_iter()
                .flatten()
                .filter_map(|link| people.get(&link.person_id))
                .map(|p| SchedulePerson {
                    name: p.name.clone(),
                    guid: Some(schedule::person_guid(&p.key)),
                    code: None,
                    biography: p.bio.clone(),
                })
                .collect(),
            links: s
                .url
                .iter()
                .map(|url| Link {
                    url: url.clone(),
                    title: STREAM_LINK_TITLE.to_owned(),
                    kind: Some("web".to_owned()),
                })
                .collect(),
            feedback_url: s.feedback_open.then(|| format!("{event_url}/leeragenda")),
        };
        let date = talk.date.date_naive();
        let end = talk.date + talk.duration;
        let day = match days.iter_mut().find(|d| d.date == date) {
            Some(day) => day,
            None => {
                days.push(Day {
                    index: u32::try_from(days.len() + 1).unwrap_or(u32::MAX),
                    date,
                    start: talk.date,
                    end,
                    rooms: Vec::new(),
                });
                days.last_mut().expect("just pushed")
            }
        };
        day.start = day.start.min(talk.date);
        day.end = day.end.max(end);
        match day.rooms.iter_mut().find(|(r, _)| r.name == room.name) {
            Some((_, talks)) => talks.push(talk),
            None => day.rooms.push((room.clone(), vec![talk])),
        }
    }
    for day in &mut days {
        day.rooms.sort_by_key(|(room, _)| {
            rooms
                .all
                .iter()
                .position(|r| r.name == room.name)
                .unwrap_or(usize::MAX)
        });
    }
    let mut schedule = Schedule {
        version: String::new(),
        base_url: Some(format!("{base}/")),
        conference: Conference {
            acronym,
            title: event.title.clone(),
            start: local(event.starts_at).date_naive(),
            end: local(event.ends_at).date_naive(),
            time_zone_name: Some(zone.name().to_owned()),
            url: Some(event_url),
            tracks: event_themes
                .iter()
                .map(|t| Track {
                    name: t.title.clone(),
                    slug: Some(t.slug.clone()),
                })
                .collect(),
            rooms: rooms.all,
        },
        days,
    };
    // The version follows the content, so an app reloads exactly when something changed.
    let digest = Sha256::digest(schedule::json::write(&schedule).to_string().as_bytes());
    schedule.version = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    Ok(schedule)
}

fn kind_name(kind: SessionKind) -> &'static str {
    match kind {
        SessionKind::Plenary => "plenary",
        SessionKind::Workshop => "workshop",
        SessionKind::LearningAgenda => "learning-agenda",
    }
}

struct Rooms {
    /// Named rooms by first use, then the virtual ones.
    all: Vec<Room>,
    of_session: HashMap<i32, Room>,
}

/// Each session's room: its own, or else the first virtual room free at its start, so the
/// parallel sessions of a round stand side by side (`Parallel 1`, `Parallel 2`, …).
fn rooms_of(event_slug: &str, sessions: &[session::Model]) -> Rooms {
    let mut named: Vec<Room> = Vec::new();
    let mut virtual_ends: Vec<DateTime<Utc>> = Vec::new();
    let mut of_session = HashMap::new();
    for s in sessions {
        let room = match &s.room {
            Some(name) => {
                if !named.iter().any(|r| &r.name == name) {
                    named.push(Room {
                        name: name.clone(),
                        guid: Some(schedule::room_guid(event_slug, name)),
                    });
                }
                Room {
                    name: name.clone(),
                    guid: Some(schedule::room_guid(event_slug, name)),
                }
            }
            None => {
                let free = virtual_ends.iter().position(|end| *end <= s.starts_at);
                let index = match free {
                    Some(index) => {
                        virtual_ends[index] = s.ends_at;
                        index
                    }
                    None => {
                        virtual_ends.push(s.ends_at);
                        virtual_ends.len() - 1
                    }
                };
                Room {
                    name: schedule::virtual_room_name(index + 1),
                    guid: Some(schedule::virtual_room_guid(event_slug, index + 1)),
                }
            }
        };
        of_session.insert(s.id, room);
    }
    let mut all = named;
    all.extend((1..=virtual_ends.len()).map(|n| Room {
        name: schedule::virtual_room_name(n),
        guid: Some(schedule::virtual_room_guid(event_slug, n)),
    }));
    Rooms { all, of_session }
}
