//! Schedules as conference tools exchange them: the frab format that pretalx and frab
//! export and that c3voc's schemas describe (XML and JSON), read by apps such as
//! EventFahrplan, Giggity, ConfClerk and info-beamer.
//!
//! One neutral model ([`Schedule`]) with a writer and a reader per syntax (`json`, `xml`)
//! and the translation into a programme file (`programme`), so that an import goes through
//! the same validation and upsert as `buurtgraph import`. Pure: no database, no HTTP.

pub mod json;
pub mod programme;
pub mod xml;

use chrono::{DateTime, Duration, FixedOffset, NaiveDate};
use uuid::Uuid;

use crate::programme_file::{FileProblem, InvalidFile};

/// A whole schedule: the conference and its days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// Changes whenever the content does (apps compare it to see whether to reload).
    pub version: String,
    /// Where the event's pages live, e.g. `https://buurt.example/`.
    pub base_url: Option<String>,
    pub conference: Conference,
    pub days: Vec<Day>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conference {
    pub acronym: String,
    pub title: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// IANA name, e.g. `Europe/Amsterdam`.
    pub time_zone_name: Option<String>,
    /// The event's page.
    pub url: Option<String>,
    pub tracks: Vec<Track>,
    pub rooms: Vec<Room>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Track {
    pub name: String,
    pub slug: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Room {
    pub name: String,
    pub guid: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Day {
    /// 1, 2, …
    pub index: u32,
    pub date: NaiveDate,
    pub start: DateTime<FixedOffset>,
    pub end: DateTime<FixedOffset>,
    /// Rooms of this day, in the conference's order, with their talks by time.
    pub rooms: Vec<(Room, Vec<Talk>)>,
}

/// One entry of the schedule ("event" in frab's words; a session here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Talk {
    pub guid: String,
    /// frab's legacy number (required by the XML schema).
    pub id: u32,
    pub date: DateTime<FixedOffset>,
    pub duration: Duration,
    pub room: String,
    pub slug: Option<String>,
    pub url: Option<String>,
    pub title: String,
    pub subtitle: Option<String>,
    pub track: Option<String>,
    pub kind: String,
    pub language: Option<String>,
    pub abstract_text: String,
    pub description: Option<String>,
    pub persons: Vec<SchedulePerson>,
    pub links: Vec<Link>,
    pub feedback_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchedulePerson {
    pub name: String,
    pub guid: Option<String>,
    /// pretalx's speaker code or frab's number, when there is no GUID.
    pub code: Option<String>,
    pub biography: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub url: String,
    pub title: String,
    pub kind: Option<String>,
}

/// The title given to a session's stream or meeting link among a talk's links.
pub const STREAM_LINK_TITLE: &str = "Stream of vergaderlink";

/// The name of the n-th virtual room (1-based): sessions without a room are put side by
/// side in these, one per parallel slot.
pub fn virtual_room_name(n: usize) -> String {
    format!("Parallel {n}")
}

/// GUIDs are UUID v5 of a readable name in the URL namespace, so they stay the same across
/// restarts, re-imports and machines.
fn guid_of(name: &str) -> String {
    Uuid::new_v5(&Uuid::NAMESPACE_URL, name.as_bytes()).to_string()
}

/// A session's GUID, from its event and key.
pub fn session_guid(event_slug: &str, session_key: &str) -> String {
    guid_of(&format!(
        "buurtgraph:event:{event_slug}:session:{session_key}"
    ))
}

/// A named room's GUID.
pub fn room_guid(event_slug: &str, room: &str) -> String {
    guid_of(&format!("buurtgraph:event:{event_slug}:room:{room}"))
}

/// A virtual room's GUID; the importer recognises it and leaves such sessions without room.
pub fn virtual_room_guid(event_slug: &str, n: usize) -> String {
    guid_of(&format!("buurtgraph:event:{event_slug}:parallel:{n}"))
}

/// A person's GUID, from their key.
pub fn person_guid(person_key: &str) -> String {
    guid_of(&format!("buurtgraph:person:{person_key}"))
}

/// The acronym of an event: its slug with underscores, as c3voc's JSON schema allows no
/// hyphens inside an acronym.
pub fn acronym_of(slug: &str) -> String {
    slug.replace('-', "_")
}

/// The legacy numeric id for a GUID: its first 31 bits, at least 1.
pub fn numeric_id(guid: &str) -> u32 {
    let Ok(uuid) = Uuid::parse_str(guid) else {
        return 1;
    };
    let bytes = uuid.as_bytes();
    (u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) & 0x7fff_ffff).max(1)
}

/// `hh:mm` (hours may exceed 24).
pub fn format_duration(duration: Duration) -> String {
    let minutes = duration.num_minutes().max(0);
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// `hh:mm`, `hh:mm:ss` or `d:hh:mm:ss`-free forms as frab and pretalx write them.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let parts: Vec<&str> = text.trim().split(':').collect();
    let number = |s: &str| -> Option<i64> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (hours, minutes, seconds) = match parts.as_slice() {
        [h, m] => (number(h)?, number(m)?, 0),
        [h, m, s] => (number(h)?, number(m)?, number(s)?),
        _ => return None,
    };
    (minutes < 60 && seconds < 60).then(|| Duration::seconds(hours * 3600 + minutes * 60 + seconds))
}

/// Problems found while reading a schedule file, named like the programme importer's.
#[derive(Debug, Default)]
pub struct Problems(Vec<FileProblem>);

impl Problems {
    pub fn add(&mut self, path: impl Into<String>, reason: impl Into<String>) {
        self.0.push(FileProblem {
            path: path.into(),
            reason: reason.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_error(self, file: &str) -> InvalidFile {
        InvalidFile {
            file: file.to_owned(),
            problems: self.0,
        }
    }
}

/// Reads a schedule file (XML or JSON) as a programme file; every problem names the file.
pub fn load_programme(
    path: &std::path::Path,
) -> Result<crate::programme_file::ProgrammeFile, InvalidFile> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|err| InvalidFile {
        file: file.clone(),
        problems: vec![FileProblem {
            path: "$".into(),
            reason: format!("cannot read the file: {err}"),
        }],
    })?;
    programme::to_programme(&file, &parse(&file, &bytes)?)
}

/// Reads a schedule in either syntax: XML when it starts with `<`, JSON otherwise.
pub fn parse(file: &str, bytes: &[u8]) -> Result<Schedule, InvalidFile> {
    let first = bytes
        .iter()
        .copied()
        .find(|b| !b.is_ascii_whitespace() && *b != 0xef && *b != 0xbb && *b != 0xbf);
    if first == Some(b'<') {
        xml::read(file, bytes)
    } else {
        json::read(file, bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_frab_and_pretalx_write_them() {
        assert_eq!(parse_duration("00:30"), Some(Duration::minutes(30)));
        assert_eq!(parse_duration("1:30"), Some(Duration::minutes(90)));
        assert_eq!(parse_duration("00:05:00"), Some(Duration::minutes(5)));
        assert_eq!(parse_duration("25:00"), Some(Duration::hours(25)));
        for bad in ["", "1", "1:60", "a:00", "1:2:3:4", "-1:00"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
        assert_eq!(format_duration(Duration::minutes(90)), "01:30");
    }

    #[test]
    fn guids_are_stable_version_5_uuids() {
        let guid = session_guid("dag-van-de-buurt-2021", "opening");
        assert_eq!(guid, session_guid("dag-van-de-buurt-2021", "opening"));
        assert_ne!(guid, session_guid("dag-van-de-buurt-2022", "opening"));
        assert_eq!(guid.as_bytes()[14], b'5');
        assert!(numeric_id(&guid) >= 1);
    }
}
