//! schedule.json: c3voc's JSON schema (`tests/fixtures/schedule/schema.json`), as pretalx
//! and frab write it.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde_json::{Map, Value, json};

use super::{
    Conference, Day, Link, Problems, Room, Schedule, SchedulePerson, Talk, Track, format_duration,
    parse_duration,
};
use crate::programme_file::InvalidFile;

/// The schedule as c3voc's schedule.json.
pub fn write(schedule: &Schedule) -> Value {
    let conference = &schedule.conference;
    let mut conf = Map::new();
    conf.insert("acronym".into(), json!(conference.acronym));
    conf.insert("title".into(), json!(conference.title));
    conf.insert("start".into(), json!(conference.start.to_string()));
    conf.insert("end".into(), json!(conference.end.to_string()));
    conf.insert("daysCount".into(), json!(schedule.days.len()));
    conf.insert("timeslot_duration".into(), json!("00:15"));
    if let Some(zone) = &conference.time_zone_name {
        conf.insert("time_zone_name".into(), json!(zone));
    }
    if let Some(url) = &conference.url {
        conf.insert("url".into(), json!(url));
    }
    conf.insert(
        "tracks".into(),
        conference
            .tracks
            .iter()
            .map(|t| {
                let mut track = Map::new();
                track.insert("name".into(), json!(t.name));
                if let Some(slug) = &t.slug {
                    track.insert("slug".into(), json!(slug));
                }
                Value::Object(track)
            })
            .collect(),
    );
    conf.insert("rooms".into(), conference.rooms.iter().map(room).collect());
    conf.insert(
        "days".into(),
        schedule
            .days
            .iter()
            .map(|day| {
                let rooms: Map<String, Value> = day
                    .rooms
                    .iter()
                    .map(|(room, talks)| (room.name.clone(), talks.iter().map(talk).collect()))
                    .collect();
                json!({
                    "index": day.index,
                    "date": day.date.to_string(),
                    "day_start": day.start.to_rfc3339(),
                    "day_end": day.end.to_rfc3339(),
                    "rooms": rooms,
                })
            })
            .collect(),
    );
    let mut inner = Map::new();
    inner.insert("version".into(), json!(schedule.version));
    if let Some(base) = &schedule.base_url {
        inner.insert("base_url".into(), json!(base));
    }
    inner.insert("conference".into(), Value::Object(conf));
    json!({
        "$schema": "https://c3voc.de/schedule/schema.json",
        "generator": { "name": "buurtgraph", "version": env!("CARGO_PKG_VERSION") },
        "schedule": inner,
    })
}

fn room(room: &Room) -> Value {
    let mut out = Map::new();
    out.insert("name".into(), json!(room.name));
    if let Some(guid) = &room.guid {
        out.insert("guid".into(), json!(guid));
    }
    Value::Object(out)
}

fn talk(talk: &Talk) -> Value {
    let mut out = Map::new();
    out.insert("guid".into(), json!(talk.guid));
    out.insert("id".into(), json!(talk.id));
    out.insert("date".into(), json!(talk.date.to_rfc3339()));
    out.insert("start".into(), json!(talk.date.format("%H:%M").to_string()));
    out.insert(
        "end".into(),
        json!((talk.date + talk.duration).to_rfc3339()),
    );
    out.insert("duration".into(), json!(format_duration(talk.duration)));
    out.insert("room".into(), json!(talk.room));
    out.insert("slug".into(), json!(talk.slug.clone().unwrap_or_default()));
    out.insert("url".into(), json!(talk.url));
    out.insert("title".into(), json!(talk.title));
    out.insert("subtitle".into(), json!(talk.subtitle));
    out.insert("track".into(), json!(talk.track));
    out.insert("type".into(), json!(talk.kind));
    out.insert("language".into(), json!(talk.language));
    out.insert("abstract".into(), json!(talk.abstract_text));
    if let Some(description) = &talk.description {
        out.insert("description".into(), json!(description));
    }
    out.insert(
        "persons".into(),
        talk.persons
            .iter()
            .map(|p| {
                let mut person = Map::new();
                person.insert("name".into(), json!(p.name));
                if let Some(guid) = &p.guid {
                    person.insert("guid".into(), json!(guid));
                }
                if let Some(bio) = &p.biography {
                    person.insert("biography".into(), json!(bio));
                }
                Value::Object(person)
            })
            .collect(),
    );
    out.insert(
        "links".into(),
        talk.links
            .iter()
            .map(|l| {
                let mut link = Map::new();
                link.insert("url".into(), json!(l.url));
                link.insert("title".into(), json!(l.title));
                if let Some(kind) = &l.kind {
                    link.insert("type".into(), json!(kind));
                }
                Value::Object(link)
            })
            .collect(),
    );
    if let Some(url) = &talk.feedback_url {
        out.insert("feedback_url".into(), json!(url));
    }
    Value::Object(out)
}

/// Reads a schedule.json; every problem names its path.
pub fn read(file: &str, bytes: &[u8]) -> Result<Schedule, InvalidFile> {
    let mut problems = Problems::default();
    let root: Value = match serde_json::from_slice(bytes) {
        Ok(root) => root,
        Err(err) => {
            problems.add("$", format!("not JSON: {err}"));
            return Err(problems.into_error(file));
        }
    };
    let mut r = Reader {
        problems: &mut problems,
    };
    let schedule = r.schedule(&root);
    match schedule {
        Some(schedule) if problems.is_empty() => Ok(schedule),
        _ => {
            if problems.is_empty() {
                problems.add("$", "not a schedule");
            }
            Err(problems.into_error(file))
        }
    }
}

struct Reader<'p> {
    problems: &'p mut Problems,
}

impl Reader<'_> {
    fn object<'v>(&mut self, value: &'v Value, path: &str) -> Option<&'v Map<String, Value>> {
        let object = value.as_object();
        if object.is_none() {
            self.problems.add(path, "must be an object");
        }
        object
    }

    fn string(&mut self, object: &Map<String, Value>, key: &str, path: &str) -> Option<String> {
        match object.get(key) {
            Some(Value::String(s)) => Some(s.clone()),
            None | Some(Value::Null) => {
                self.problems.add(format!("{path}.{key}"), "is missing");
                None
            }
            Some(_) => {
                self.problems
                    .add(format!("{path}.{key}"), "must be a string");
                None
            }
        }
    }

    fn date(&mut self, object: &Map<String, Value>, key: &str, path: &str) -> Option<NaiveDate> {
        let text = self.string(object, key, path)?;
        // A date, or the date part of a date-time.
        let found = text.get(..10).and_then(|d| d.parse().ok());
        if found.is_none() {
            self.problems
                .add(format!("{path}.{key}"), format!("{text:?} is not a date"));
        }
        found
    }

    fn schedule(&mut self, root: &Value) -> Option<Schedule> {
        let root = self.object(root, "$")?;
        let Some(schedule) = root.get("schedule") else {
            self.problems.add("schedule", "is missing");
            return None;
        };
        let schedule = self.object(schedule, "schedule")?;
        let version = optional_string(schedule, "version").unwrap_or_default();
        let base_url = optional_string(schedule, "base_url");
        let Some(conference) = schedule.get("conference") else {
            self.problems.add("schedule.conference", "is missing");
            return None;
        };
        let at = "schedule.conference";
        let conference = self.object(conference, at)?;
        let title = self.string(conference, "title", at);
        let acronym = self.string(conference, "acronym", at);
        let start = self.date(conference, "start", at);
        let end = self.date(conference, "end", at);
        let tracks = conference
            .get("tracks")
            .and_then(Value::as_array)
            .map(|tracks| {
                tracks
                    .iter()
                    .filter_map(|t| {
                        Some(Track {
                            name: optional_string(t.as_object()?, "name")?,
                            slug: optional_string(t.as_object()?, "slug"),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let rooms: Vec<Room> = conference
            .get("rooms")
            .and_then(Value::as_array)
            .map(|rooms| {
                rooms
                    .iter()
                    .filter_map(|r| {
                        Some(Room {
                            name: optional_string(r.as_object()?, "name")?,
                            guid: optional_string(r.as_object()?, "guid"),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut days = Vec::new();
        match conference.get("days").and_then(Value::as_array) {
            None => self.problems.add(format!("{at}.days"), "must be a list"),
            Some(list) => {
                for (i, day) in list.iter().enumerate() {
                    if let Some(day) = self.day(day, &format!("{at}.days[{i}]"), &rooms) {
                        days.push(day);
                    }
                }
            }
        }
        Some(Schedule {
            version,
            base_url,
            conference: Conference {
                acronym: acronym?,
                title: title?,
                start: start?,
                end: end?,
                time_zone_name: optional_string(conference, "time_zone_name"),
                url: optional_string(conference, "url"),
                tracks,
                rooms,
            },
            days,
        })
    }

    fn day(&mut self, day: &Value, at: &str, known_rooms: &[Room]) -> Option<Day> {
        let day = self.object(day, at)?;
        let index = day.get("index").and_then(Value::as_u64).unwrap_or(0);
        let date = self.date(day, "date", at);
        let start = self.time(day, "day_start", at);
        let end = self.time(day, "day_end", at);
        let mut rooms = Vec::new();
        match day.get("rooms").and_then(Value::as_object) {
            None => self
                .problems
                .add(format!("{at}.rooms"), "must be an object"),
            Some(map) => {
                for (name, talks) in map {
                    let room_at = format!("{at}.rooms.{name}");
                    let Some(list) = talks.as_array() else {
                        self.problems.add(room_at, "must be a list");
                        continue;
                    };
                    let talks: Vec<Talk> = list
                        .iter()
                        .enumerate()
                        .filter_map(|(i, talk)| self.talk(talk, &format!("{room_at}[{i}]"), name))
                        .collect();
                    let room = known_rooms
                        .iter()
                        .find(|r| &r.name == name)
                        .cloned()
                        .unwrap_or_else(|| Room {
                            name: name.clone(),
                            guid: None,
                        });
                    rooms.push((room, talks));
                }
            }
        }
        // Keep the conference's order of rooms (JSON objects have none of their own).
        rooms.sort_by_key(|(room, _)| {
            known_rooms
                .iter()
                .position(|r| r.name == room.name)
                .unwrap_or(usize::MAX)
        });
        Some(Day {
            index: u32::try_from(index).unwrap_or(0),
            date: date?,
            start: start?,
            end: end?,
            rooms,
        })
    }

    fn time(
        &mut self,
        object: &Map<String, Value>,
        key: &str,
        path: &str,
    ) -> Option<DateTime<FixedOffset>> {
        let text = self.string(object, key, path)?;
        let parsed = DateTime::parse_from_rfc3339(&text).ok();
        if parsed.is_none() {
            self.problems.add(
                format!("{path}.{key}"),
                format!("{text:?} is not a date and time with an offset (RFC 3339)"),
            );
        }
        parsed
    }

    fn talk(&mut self, talk: &Value, at: &str, room: &str) -> Option<Talk> {
        let talk = self.object(talk, at)?;
        let title = self.string(talk, "title", at);
        let date = self.time(talk, "date", at);
        let duration = match optional_string(talk, "duration") {
            Some(text) => {
                let parsed = parse_duration(&text);
                if parsed.is_none() {
                    self.problems.add(
                        format!("{at}.duration"),
                        format!("{text:?} is not a duration (hh:mm)"),
                    );
                }
                parsed
            }
            None => match (date, optional_string(talk, "end")) {
                (Some(date), Some(end)) => DateTime::parse_from_rfc3339(&end)
                    .ok()
                    .map(|end| end - date),
                _ => {
                    self.problems.add(format!("{at}.duration"), "is missing");
                    None
                }
            },
        };
        let guid = optional_string(talk, "guid")
            .or_else(|| talk.get("id").map(|id| id.to_string()))
            .unwrap_or_default();
        let persons = talk
            .get("persons")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(|p| {
                        let p = p.as_object()?;
                        let name = optional_string(p, "name")
                            .or_else(|| optional_string(p, "public_name"))
                            .or_else(|| optional_string(p, "full_public_name"))?;
                        Some(SchedulePerson {
                            name,
                            guid: optional_string(p, "guid"),
                            code: optional_string(p, "code")
                                .or_else(|| p.get("id").map(|id| id.to_string())),
                            biography: optional_string(p, "biography"),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let links = talk
            .get("links")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(|l| {
                        let l = l.as_object()?;
                        Some(Link {
                            url: optional_string(l, "url")?,
                            title: optional_string(l, "title").unwrap_or_default(),
                            kind: optional_string(l, "type"),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        Some(Talk {
            id: talk
                .get("id")
                .and_then(Value::as_u64)
                .and_then(|id| u32::try_from(id).ok())
                .unwrap_or(0),
            guid,
            date: date?,
            duration: duration?,
            room: optional_string(talk, "room").unwrap_or_else(|| room.to_owned()),
            slug: optional_string(talk, "slug"),
            url: optional_string(talk, "url"),
            title: title?,
            subtitle: optional_string(talk, "subtitle"),
            track: optional_string(talk, "track"),
            kind: optional_string(talk, "type").unwrap_or_default(),
            language: optional_string(talk, "language"),
            abstract_text: optional_string(talk, "abstract").unwrap_or_default(),
            description: optional_string(talk, "description"),
            persons,
            links,
            feedback_url: optional_string(talk, "feedback_url"),
        })
    }
}

/// A string field, `None` when absent, null, empty or of another type.
fn optional_string(object: &Map<String, Value>, key: &str) -> Option<String> {
    object
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(str::to_owned)
}
