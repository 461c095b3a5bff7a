//! schedule.xml: c3voc's XML schema (`tests/fixtures/schedule/schedule.xml.xsd`), as
//! pentabarf began it and frab and pretalx write it.

use std::fmt::Write as _;

use chrono::{DateTime, FixedOffset, NaiveDate};
use roxmltree::{Document, Node};

use super::{
    Conference, Day, Link, Problems, Room, Schedule, SchedulePerson, Talk, Track, format_duration,
    numeric_id, parse_duration,
};
use crate::programme_file::InvalidFile;

/// The schedule as c3voc's schedule.xml.
pub fn write(schedule: &Schedule, own_url: Option<&str>) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<schedule>\n");
    let _ = writeln!(
        out,
        "  <generator name=\"buurtgraph\" version=\"{}\"/>",
        env!("CARGO_PKG_VERSION")
    );
    if let Some(url) = own_url {
        element(&mut out, 1, "url", url);
    }
    element(&mut out, 1, "version", &schedule.version);
    let c = &schedule.conference;
    out.push_str("  <conference>\n");
    element(&mut out, 2, "acronym", &c.acronym);
    element(&mut out, 2, "title", &c.title);
    element(&mut out, 2, "start", &c.start.to_string());
    element(&mut out, 2, "end", &c.end.to_string());
    element(&mut out, 2, "days", &schedule.days.len().to_string());
    element(&mut out, 2, "timeslot_duration", "00:15");
    if let Some(base) = &schedule.base_url {
        element(&mut out, 2, "base_url", base);
    }
    if let Some(url) = &c.url {
        element(&mut out, 2, "url", url);
    }
    if let Some(zone) = &c.time_zone_name {
        element(&mut out, 2, "time_zone_name", zone);
    }
    for track in &c.tracks {
        let _ = write!(out, "    <track name=\"{}\"", escape(&track.name));
        // The schema's track slug must start with a letter.
        if let Some(slug) = track
            .slug
            .as_ref()
            .filter(|s| s.len() >= 2 && s.starts_with(|c: char| c.is_ascii_lowercase()))
        {
            let _ = write!(out, " slug=\"{}\"", escape(slug));
        }
        out.push_str("/>\n");
    }
    out.push_str("  </conference>\n");
    for day in &schedule.days {
        let _ = writeln!(
            out,
            "  <day index=\"{}\" date=\"{}\" start=\"{}\" end=\"{}\">",
            day.index,
            day.date,
            day.start.to_rfc3339(),
            day.end.to_rfc3339()
        );
        for (room, talks) in &day.rooms {
            let _ = write!(out, "    <room name=\"{}\"", escape(&room.name));
            if let Some(guid) = &room.guid {
                let _ = write!(out, " guid=\"{guid}\"");
            }
            out.push_str(">\n");
            for talk in talks {
                write_talk(&mut out, talk);
            }
            out.push_str("    </room>\n");
        }
        out.push_str("  </day>\n");
    }
    out.push_str("</schedule>\n");
    out
}

fn write_talk(out: &mut String, talk: &Talk) {
    let _ = writeln!(
        out,
        "      <event guid=\"{}\" id=\"{}\">",
        talk.guid, talk.id
    );
    element(out, 4, "date", &talk.date.to_rfc3339());
    element(out, 4, "start", &talk.date.format("%H:%M").to_string());
    element(out, 4, "duration", &format_duration(talk.duration));
    element(out, 4, "room", &talk.room);
    // The schema's slug is "acronym-rest" with at least four characters on either side.
    if let Some(slug) = talk.slug.as_ref().filter(|s| xml_slug_fits(s)) {
        element(out, 4, "slug", slug);
    }
    if let Some(url) = &talk.url {
        element(out, 4, "url", url);
    }
    element(out, 4, "title", &talk.title);
    if let Some(subtitle) = &talk.subtitle {
        element(out, 4, "subtitle", subtitle);
    }
    element(out, 4, "track", talk.track.as_deref().unwrap_or_default());
    element(out, 4, "type", &talk.kind);
    if let Some(language) = &talk.language {
        element(out, 4, "language", language);
    }
    element(out, 4, "abstract", &talk.abstract_text);
    if let Some(description) = &talk.description {
        element(out, 4, "description", description);
    }
    out.push_str("        <persons>\n");
    for person in &talk.persons {
        out.push_str("          <person");
        if let Some(guid) = &person.guid {
            // The legacy integer id too: ConfClerk drops persons without one.
            let _ = write!(out, " id=\"{}\" guid=\"{guid}\"", numeric_id(guid));
        }
        let _ = writeln!(out, ">{}</person>", escape(&person.name));
    }
    out.push_str("        </persons>\n        <links>\n");
    for link in &talk.links {
        let _ = write!(out, "          <link href=\"{}\"", escape(&link.url));
        if let Some(kind) = &link.kind {
            let _ = write!(out, " type=\"{}\"", escape(kind));
        }
        let _ = writeln!(out, ">{}</link>", escape(&link.title));
    }
    out.push_str("        </links>\n");
    if let Some(url) = &talk.feedback_url {
        element(out, 4, "feedback_url", url);
    }
    out.push_str("      </event>\n");
}

fn xml_slug_fits(slug: &str) -> bool {
    let Some((head, tail)) = slug.split_once('-') else {
        return false;
    };
    head.len() >= 4
        && tail.len() >= 4
        && head
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && tail
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

fn element(out: &mut String, depth: usize, name: &str, text: &str) {
    let _ = writeln!(
        out,
        "{:indent$}<{name}>{}</{name}>",
        "",
        escape(text),
        indent = depth * 2
    );
}

/// Text and attribute values escaped; characters XML 1.0 cannot hold are left out.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' | '\t' => out.push(c),
            '\r' => out.push_str("&#13;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Reads a schedule.xml; every problem names its path (elements with their 1-based
/// position, as XPath does) and line.
pub fn read(file: &str, bytes: &[u8]) -> Result<Schedule, InvalidFile> {
    let mut problems = Problems::default();
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text.trim_start_matches('\u{feff}'),
        Err(err) => {
            problems.add("$", format!("not UTF-8: {err}"));
            return Err(problems.into_error(file));
        }
    };
    let document = match Document::parse(text) {
        Ok(document) => document,
        Err(err) => {
            problems.add("$", format!("not XML: {err}"));
            return Err(problems.into_error(file));
        }
    };
    let root = document.root_element();
    if root.tag_name().name() != "schedule" {
        problems.add("$", "the root element must be <schedule>");
        return Err(problems.into_error(file));
    }
    let mut r = Reader {
        problems: &mut problems,
        document: &document,
    };
    let schedule = r.schedule(root);
    match schedule {
        Some(schedule) if problems.is_empty() => Ok(schedule),
        _ => {
            if problems.is_empty() {
                problems.add("schedule", "not a schedule");
            }
            Err(problems.into_error(file))
        }
    }
}

struct Reader<'p, 'd> {
    problems: &'p mut Problems,
    document: &'d Document<'d>,
}

fn child<'a>(node: Node<'a, 'a>, name: &str) -> Option<Node<'a, 'a>> {
    node.children().find(|c| c.has_tag_name(name))
}

fn text_of(node: Node<'_, '_>, name: &str) -> Option<String> {
    child(node, name)
        .and_then(|c| c.text())
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

impl Reader<'_, '_> {
    fn problem(&mut self, node: Node<'_, '_>, path: &str, reason: impl Into<String>) {
        let line = self.document.text_pos_at(node.range().start).row;
        self.problems
            .add(path, format!("{} (line {line})", reason.into()));
    }

    fn required(&mut self, node: Node<'_, '_>, name: &str, path: &str) -> Option<String> {
        let found = text_of(node, name);
        if found.is_none() {
            self.problem(node, &format!("{path}/{name}"), "is missing");
        }
        found
    }

    fn date(&mut self, node: Node<'_, '_>, name: &str, path: &str) -> Option<NaiveDate> {
        let text = self.required(node, name, path)?;
        let found = text.get(..10).and_then(|d| d.parse().ok());
        if found.is_none() {
            self.problem(
                node,
                &format!("{path}/{name}"),
                format!("{text:?} is not a date"),
            );
        }
        found
    }

    fn time(
        &mut self,
        node: Node<'_, '_>,
        text: Option<&str>,
        path: &str,
    ) -> Option<DateTime<FixedOffset>> {
        let Some(text) = text else {
            self.problem(node, path, "is missing");
            return None;
        };
        let parsed = DateTime::parse_from_rfc3339(text.trim()).ok();
        if parsed.is_none() {
            self.problem(
                node,
                path,
                format!("{text:?} is not a date and time with an offset (RFC 3339)"),
            );
        }
        parsed
    }

    fn schedule(&mut self, root: Node<'_, '_>) -> Option<Schedule> {
        let Some(conference) = child(root, "conference") else {
            self.problem(root, "schedule/conference", "is missing");
            return None;
        };
        let at = "schedule/conference";
        let title = self.required(conference, "title", at);
        let acronym = self.required(conference, "acronym", at);
        let start = self.date(conference, "start", at);
        let end = self.date(conference, "end", at);
        let tracks = conference
            .children()
            .filter(|c| c.has_tag_name("track"))
            .filter_map(|t| {
                let name = t
                    .attribute("name")
                    .map(str::to_owned)
                    .or_else(|| t.text().map(|s| s.trim().to_owned()))
                    .filter(|s| !s.is_empty())?;
                Some(Track {
                    name,
                    slug: t.attribute("slug").map(str::to_owned),
                })
            })
            .collect();
        let mut rooms: Vec<Room> = Vec::new();
        let mut days = Vec::new();
        for (i, day) in root
            .children()
            .filter(|c| c.has_tag_name("day"))
            .enumerate()
        {
            let day_at = format!("schedule/day[{}]", i + 1);
            if let Some(day) = self.day(day, &day_at) {
                for (room, _) in &day.rooms {
                    if !rooms.iter().any(|r| r.name == room.name) {
                        rooms.push(room.clone());
                    }
                }
                days.push(day);
            }
        }
        Some(Schedule {
            version: text_of(root, "version").unwrap_or_default(),
            base_url: text_of(conference, "base_url"),
            conference: Conference {
                acronym: acronym?,
                title: title?,
                start: start?,
                end: end?,
                time_zone_name: text_of(conference, "time_zone_name"),
                url: text_of(conference, "url"),
                tracks,
                rooms,
            },
            days,
        })
    }

    fn day(&mut self, day: Node<'_, '_>, at: &str) -> Option<Day> {
        let date = day.attribute("date").and_then(|d| d.parse().ok());
        if date.is_none() {
            self.problem(day, &format!("{at}/@date"), "is missing or not a date");
        }
        let start = self.time(day, day.attribute("start"), &format!("{at}/@start"));
        let end = self.time(day, day.attribute("end"), &format!("{at}/@end"));
        let mut rooms = Vec::new();
        for (r, room) in day
            .children()
            .filter(|c| c.has_tag_name("room"))
            .enumerate()
        {
            let room_at = format!("{at}/room[{}]", r + 1);
            let Some(name) = room.attribute("name") else {
                self.problem(room, &format!("{room_at}/@name"), "is missing");
                continue;
            };
            let talks = room
                .children()
                .filter(|c| c.has_tag_name("event"))
                .enumerate()
                .filter_map(|(e, event)| {
                    self.talk(event, &format!("{room_at}/event[{}]", e + 1), name)
                })
                .collect();
            rooms.push((
                Room {
                    name: name.to_owned(),
                    guid: room.attribute("guid").map(str::to_owned),
                },
                talks,
            ));
        }
        Some(Day {
            index: day
                .attribute("index")
                .and_then(|i| i.parse().ok())
                .unwrap_or(0),
            date: date?,
            start: start?,
            end: end?,
            rooms,
        })
    }

    fn talk(&mut self, event: Node<'_, '_>, at: &str, room: &str) -> Option<Talk> {
        let title = self.required(event, "title", at);
        let date_text = text_of(event, "date");
        let date = self.time(event, date_text.as_deref(), &format!("{at}/date"));
        let duration_text = self.required(event, "duration", at);
        let duration = duration_text.as_deref().and_then(|text| {
            let parsed = parse_duration(text);
            if parsed.is_none() {
                self.problem(
                    event,
                    &format!("{at}/duration"),
                    format!("{text:?} is not a duration (hh:mm)"),
                );
            }
            parsed
        });
        let persons = child(event, "persons")
            .map(|persons| {
                persons
                    .children()
                    .filter(|c| c.has_tag_name("person"))
                    .filter_map(|p| {
                        Some(SchedulePerson {
                            name: p
                                .text()
                                .map(str::trim)
                                .filter(|t| !t.is_empty())?
                                .to_owned(),
                            guid: p.attribute("guid").map(str::to_owned),
                            code: p
                                .attribute("code")
                                .or_else(|| p.attribute("id"))
                                .map(str::to_owned),
                            biography: None,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let links = child(event, "links")
            .map(|links| {
                links
                    .children()
                    .filter(|c| c.has_tag_name("link"))
                    .filter_map(|l| {
                        Some(Link {
                            url: l.attribute("href")?.to_owned(),
                            title: l.text().map(str::trim).unwrap_or_default().to_owned(),
                            kind: l.attribute("type").map(str::to_owned),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        Some(Talk {
            guid: event
                .attribute("guid")
                .or_else(|| event.attribute("id"))
                .unwrap_or_default()
                .to_owned(),
            id: event
                .attribute("id")
                .and_then(|id| id.parse().ok())
                .unwrap_or(0),
            date: date?,
            duration: duration?,
            room: text_of(event, "room").unwrap_or_else(|| room.to_owned()),
            slug: text_of(event, "slug"),
            url: text_of(event, "url"),
            title: title?,
            subtitle: text_of(event, "subtitle"),
            track: text_of(event, "track"),
            kind: text_of(event, "type").unwrap_or_default(),
            language: text_of(event, "language"),
            abstract_text: text_of(event, "abstract").unwrap_or_default(),
            description: text_of(event, "description"),
            persons,
            links,
            feedback_url: text_of(event, "feedback_url"),
        })
    }
}
