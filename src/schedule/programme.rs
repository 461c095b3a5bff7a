//! A schedule as a programme file, so that it is validated and written by the same
//! importer as any programme: tracks become themes (TOPIC), persons people (SPEAKER),
//! rooms stay rooms, and the blocks are the schedule's time slots (sessions that overlap
//! form one block, a round of workshops when there are several).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, FixedOffset, TimeZone};
use chrono_tz::Tz;
use entity::enums::{BlockKind, SessionKind, SpeakerRole, ThemeKind};

use super::{Problems, STREAM_LINK_TITLE, Schedule, Talk, virtual_room_guid};
use crate::domain::slug::{MAX_KEY_LEN, is_valid_key};
use crate::domain::text::fold;
use crate::domain::venue;
use crate::programme_file::{
    BlockEntry, EventEntry, InvalidFile, PersonEntry, ProgrammeFile, SessionEntry,
    SessionPersonEntry, ThemeEntry,
};

/// The programme file a schedule describes; problems name the file and what is wrong.
pub fn to_programme(file: &str, schedule: &Schedule) -> Result<ProgrammeFile, InvalidFile> {
    let mut problems = Problems::default();
    let conference = &schedule.conference;
    let slug = keyify(&conference.acronym.replace('_', "-"));
    if !is_valid_key(&slug) {
        problems.add(
            "conference.acronym",
            format!("{:?} cannot be made into an event slug", conference.acronym),
        );
    }
    let zone_name = conference
        .time_zone_name
        .clone()
        .unwrap_or_else(|| "UTC".to_owned());
    let zone: Tz = match zone_name.parse() {
        Ok(zone) => zone,
        Err(_) => {
            problems.add(
                "conference.time_zone_name",
                format!("unknown time zone {zone_name:?}"),
            );
            chrono_tz::UTC
        }
    };
    let local = |t: DateTime<FixedOffset>| -> DateTime<FixedOffset> {
        t.with_timezone(&zone).fixed_offset()
    };

    // Talks by time; a talk listed twice (same GUID) counts once.
    let mut seen = HashSet::new();
    let mut talks: Vec<(&Talk, Option<String>)> = Vec::new();
    for day in &schedule.days {
        for (room, list) in &day.rooms {
            let is_virtual = (1..=64)
                .any(|n| room.guid.as_deref() == Some(virtual_room_guid(&slug, n).as_str()));
            for talk in list {
                if !talk.guid.is_empty() && !seen.insert(talk.guid.clone()) {
                    continue;
                }
                let room_name = (!is_virtual)
                    .then(|| venue::parse_room(&talk.room).ok())
                    .flatten();
                talks.push((talk, room_name));
            }
        }
    }
    talks.sort_by_key(|(t, _)| (t.date, t.date + t.duration));

    // Themes from tracks, in the conference's order, then any a talk names.
    let mut themes: Vec<ThemeEntry> = Vec::new();
    let mut theme_of_track: HashMap<String, String> = HashMap::new();
    let track_names = conference
        .tracks
        .iter()
        .map(|t| (t.name.clone(), t.slug.clone()))
        .chain(
            talks
                .iter()
                .filter_map(|(t, _)| Some((t.track.clone()?, None))),
        );
    for (name, given_slug) in track_names {
        if theme_of_track.contains_key(&name) {
            continue;
        }
        let base = given_slug
            .filter(|s| is_valid_key(s))
            .unwrap_or_else(|| keyify(&name));
        let slug = unique(&base, themes.iter().map(|t| t.slug.as_str()));
        theme_of_track.insert(name.clone(), slug.clone());
        themes.push(ThemeEntry {
            slug,
            title: name,
            kind: ThemeKind::Topic,
            description: None,
            guiding_questions: Vec::new(),
        });
    }

    // People: one per GUID (or code, or name), keyed by their name.
    let mut people: Vec<PersonEntry> = Vec::new();
    let mut person_of: HashMap<String, String> = HashMap::new();
    for (talk, _) in &talks {
        for person in &talk.persons {
            let identity = person_identity(person);
            if person_of.contains_key(&identity) {
                continue;
            }
            let key = unique(&keyify(&person.name), people.iter().map(|p| p.key.as_str()));
            person_of.insert(identity, key.clone());
            people.push(PersonEntry {
                key,
                name: person.name.trim().to_owned(),
                bio: person.biography.clone(),
                affiliations: Vec::new(),
                contact: Default::default(),
            });
        }
    }

    // Blocks: runs of overlapping talks.
    let prefix = format!("{}-", conference.acronym.to_lowercase());
    let feedback_suffix = format!("/events/{slug}/leeragenda");
    let mut blocks: Vec<BlockEntry> = Vec::new();
    let mut session_keys: Vec<String> = Vec::new();
    for (i, (talk, room)) in talks.iter().enumerate() {
        let at = format!("talks[{i}] ({:?})", talk.title);
        let starts_at = local(talk.date);
        let ends_at = local(talk.date + talk.duration);
        if talk.duration.num_seconds() <= 0 {
            problems.add(format!("{at}.duration"), "must be longer than zero");
            continue;
        }
        let base = talk
            .slug
            .as_deref()
            .map(str::to_lowercase)
            .map(|s| s.strip_prefix(&prefix).map(str::to_owned).unwrap_or(s))
            .map(|s| keyify(&s))
            .filter(|k| is_valid_key(k))
            .unwrap_or_else(|| keyify(&talk.title));
        let key = unique(&base, session_keys.iter().map(String::as_str));
        session_keys.push(key.clone());
        let url = talk
            .links
            .iter()
            .find(|l| l.title == STREAM_LINK_TITLE)
            .and_then(|l| venue::parse_url(&l.url).ok());
        let session = SessionEntry {
            key,
            title: talk.title.trim().to_owned(),
            kind: session_kind(&talk.kind),
            description: description(talk),
            starts_at: Some(starts_at),
            ends_at: Some(ends_at),
            workshop: None,
            people: talk
                .persons
                .iter()
                .map(|p| SessionPersonEntry {
                    person: person_of[&person_identity(p)].clone(),
                    role: SpeakerRole::Speaker,
                })
                .collect::<Vec<_>>(),
            organisations: Vec::new(),
            themes: talk
                .track
                .as_ref()
                .and_then(|t| theme_of_track.get(t).cloned())
                .into_iter()
                .collect(),
            feedback_open: talk
                .feedback_url
                .as_deref()
                .is_some_and(|u| u.ends_with(&feedback_suffix)),
            room: room.clone(),
            url,
        };
        match blocks.last_mut() {
            Some(block) if starts_at < block.ends_at => {
                block.ends_at = block.ends_at.max(ends_at);
                block.kind = BlockKind::WorkshopRound;
                block.sessions.push(session);
            }
            _ => blocks.push(BlockEntry {
                key: format!("blok-{}", starts_at.format("%Y%m%d-%H%M")),
                kind: BlockKind::Plenary,
                title: String::new(),
                description: None,
                starts_at,
                ends_at,
                sessions: vec![session],
            }),
        }
    }
    for block in &mut blocks {
        block.title = format!(
            "{} {}–{}",
            block.starts_at.format("%d-%m-%Y"),
            block.starts_at.format("%H:%M"),
            block.ends_at.format("%H:%M")
        );
        // A person listed twice in one talk is one speaker.
        for session in &mut block.sessions {
            let mut seen = HashSet::new();
            session.people.retain(|p| seen.insert(p.person.clone()));
        }
    }

    let day_start = |date: chrono::NaiveDate| {
        zone.from_local_datetime(&date.and_time(chrono::NaiveTime::MIN))
            .earliest()
            .map(|t| t.fixed_offset())
    };
    let starts_at = blocks
        .first()
        .map(|b| b.starts_at)
        .or_else(|| day_start(conference.start));
    let ends_at = blocks
        .iter()
        .map(|b| b.ends_at)
        .max()
        .or_else(|| day_start(conference.end.succ_opt()?));
    let (Some(starts_at), Some(ends_at)) = (starts_at, ends_at) else {
        problems.add("conference.start", "no time for the event");
        return Err(problems.into_error(file));
    };
    if !problems.is_empty() {
        return Err(problems.into_error(file));
    }
    let programme = ProgrammeFile {
        event: EventEntry {
            slug,
            title: conference.title.trim().to_owned(),
            description: String::new(),
            starts_at,
            ends_at,
            timezone: zone_name,
            location: None,
            hosts: Vec::new(),
        },
        organisations: Vec::new(),
        people,
        themes,
        blocks,
        notes: Vec::new(),
    };
    // The programme importer's own rules, reported against this file.
    let problems = programme.problems();
    if problems.is_empty() {
        Ok(programme)
    } else {
        Err(InvalidFile {
            file: file.to_owned(),
            problems,
        })
    }
}

fn person_identity(person: &super::SchedulePerson) -> String {
    person
        .guid
        .clone()
        .or_else(|| person.code.clone())
        .unwrap_or_else(|| format!("name:{}", fold(&person.name)))
}

/// frab's and pretalx's types as session kinds: workshops stay workshops, our own
/// learning-agenda sessions come back as such, everything else is a plenary talk.
fn session_kind(kind: &str) -> SessionKind {
    let kind = fold(kind);
    if kind == "learning-agenda" {
        SessionKind::LearningAgenda
    } else if kind.contains("workshop") || kind.contains("hands-on") {
        SessionKind::Workshop
    } else {
        SessionKind::Plenary
    }
}

/// The abstract, then the description when it says more.
fn description(talk: &Talk) -> String {
    let abstract_text = talk.abstract_text.trim();
    match talk.description.as_deref().map(str::trim) {
        Some(more) if !more.is_empty() && more != abstract_text => {
            if abstract_text.is_empty() {
                more.replace("\r\n", "\n")
            } else {
                format!("{abstract_text}\n\n{}", more.replace("\r\n", "\n"))
            }
        }
        _ => abstract_text.replace("\r\n", "\n"),
    }
}

/// A key from any text: folded to lowercase ASCII letters and digits joined by single
/// hyphens, at most 100 characters; `x` when nothing is left.
pub fn keyify(text: &str) -> String {
    let mut key = String::new();
    for c in fold(text).chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            key.push(c);
        } else if !key.is_empty() && !key.ends_with('-') {
            key.push('-');
        }
    }
    let mut key = key.trim_end_matches('-').to_owned();
    if key.len() > MAX_KEY_LEN {
        key.truncate(MAX_KEY_LEN);
        key = key.trim_end_matches('-').to_owned();
    }
    if key.is_empty() { "x".to_owned() } else { key }
}

/// `base`, or `base-2`, `base-3`, … when taken.
fn unique<'a>(base: &str, taken: impl Iterator<Item = &'a str>) -> String {
    let taken: HashSet<&str> = taken.collect();
    if !taken.contains(base) {
        return base.to_owned();
    }
    (2..)
        .map(|n| {
            let suffix = format!("-{n}");
            let room = MAX_KEY_LEN - suffix.len();
            format!(
                "{}{suffix}",
                base[..base.len().min(room)].trim_end_matches('-')
            )
        })
        .find(|k| !taken.contains(k.as_str()))
        .unwrap_or_else(|| base.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_made_from_any_text() {
        assert_eq!(keyify("Lucien Stöpler"), "lucien-stopler");
        assert_eq!(
            keyify("Camp2019-10400-opencodes"),
            "camp2019-10400-opencodes"
        );
        assert_eq!(keyify("  --  "), "x");
        assert!(is_valid_key(&keyify(&"Å b ".repeat(80))));
        assert_eq!(unique("a", ["a", "a-2"].into_iter()), "a-3");
    }
}
