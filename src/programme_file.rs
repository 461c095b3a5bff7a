//! The programme file: one JSON document per event (format documented in
//! `docs/programme-format.md`). Parsing and validation are pure; `service::import` writes.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::Path;

use chrono::{DateTime, FixedOffset};
use entity::enums::{BlockKind, SessionKind, SpeakerRole, ThemeKind};
use serde::{Deserialize, Serialize};

use crate::domain::slug::is_valid_key;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProgrammeFile {
    pub event: EventEntry,
    #[serde(default)]
    pub organisations: Vec<OrganisationEntry>,
    #[serde(default)]
    pub people: Vec<PersonEntry>,
    #[serde(default)]
    pub themes: Vec<ThemeEntry>,
    pub blocks: Vec<BlockEntry>,
    /// Corrections and assumptions made while writing the file; kept with the data, not imported.
    #[serde(default)]
    pub notes: Vec<NoteEntry>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EventEntry {
    pub slug: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub starts_at: DateTime<FixedOffset>,
    pub ends_at: DateTime<FixedOffset>,
    pub timezone: String,
    pub location: Option<String>,
    #[serde(default)]
    pub hosts: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrganisationEntry {
    pub key: String,
    pub name: String,
    pub url: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PersonEntry {
    pub key: String,
    pub name: String,
    pub bio: Option<String>,
    #[serde(default)]
    pub affiliations: Vec<AffiliationEntry>,
    #[serde(default)]
    pub contact: ContactEntry,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AffiliationEntry {
    pub organisation: String,
    pub title: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContactEntry {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub website: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ThemeEntry {
    pub slug: String,
    pub title: String,
    pub kind: ThemeKind,
    pub description: Option<String>,
    #[serde(default)]
    pub guiding_questions: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BlockEntry {
    pub key: String,
    pub kind: BlockKind,
    pub title: String,
    pub description: Option<String>,
    pub starts_at: DateTime<FixedOffset>,
    pub ends_at: DateTime<FixedOffset>,
    #[serde(default)]
    pub sessions: Vec<SessionEntry>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SessionEntry {
    pub key: String,
    pub title: String,
    pub kind: SessionKind,
    #[serde(default)]
    pub description: String,
    pub starts_at: Option<DateTime<FixedOffset>>,
    pub ends_at: Option<DateTime<FixedOffset>>,
    pub workshop: Option<String>,
    #[serde(default)]
    pub people: Vec<SessionPersonEntry>,
    #[serde(default)]
    pub organisations: Vec<String>,
    #[serde(default)]
    pub themes: Vec<String>,
    #[serde(default)]
    pub feedback_open: bool,
    /// Room or online location (e.g. "Zaal 2", "Online: Zoom").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
    /// Stream or meeting link: an absolute http(s) URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SessionPersonEntry {
    pub person: String,
    pub role: SpeakerRole,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NoteEntry {
    #[serde(rename = "where")]
    pub location: String,
    pub source: Option<String>,
    pub corrected: Option<String>,
    pub reason: String,
}

/// One problem in a programme file: where it is and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileProblem {
    /// JSON path inside the file, e.g. `blocks[1].sessions[3].people[0].person`.
    pub path: String,
    pub reason: String,
}

/// Every problem found in one file, reported together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidFile {
    pub file: String,
    pub problems: Vec<FileProblem>,
}

impl fmt::Display for InvalidFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} problem(s)", self.file, self.problems.len())?;
        for problem in &self.problems {
            write!(f, "\n  {}: {}: {}", self.file, problem.path, problem.reason)?;
        }
        Ok(())
    }
}

impl std::error::Error for InvalidFile {}

impl ProgrammeFile {
    /// Reads, parses and validates a file; every error names the file.
    pub fn load(path: &Path) -> Result<Self, InvalidFile> {
        let file = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|err| InvalidFile {
            file: file.clone(),
            problems: vec![FileProblem {
                path: "$".into(),
                reason: format!("cannot read the file: {err}"),
            }],
        })?;
        Self::parse_bytes(&file, &bytes)
    }

    /// Parses and validates `text`; `file` is the name used in error messages.
    pub fn parse(file: &str, text: &str) -> Result<Self, InvalidFile> {
        Self::parse_bytes(file, text.as_bytes())
    }

    /// Parses and validates the raw bytes of a file (invalid UTF-8 is reported with its
    /// position, like any other syntax error); `file` is the name used in error messages.
    /// This is what the fuzz target (`fuzz/fuzz_targets/programme_file.rs`) exercises.
    pub fn parse_bytes(file: &str, bytes: &[u8]) -> Result<Self, InvalidFile> {
        let deserializer = &mut serde_json::Deserializer::from_slice(bytes);
        let parsed: Self = serde_path_to_error::deserialize(deserializer).map_err(|err| {
            let path = err.path().to_string();
            let inner = err.into_inner();
            InvalidFile {
                file: file.to_owned(),
                problems: vec![FileProblem {
                    // The root is "." (or "?" when unknown); an unknown field named "" at
                    // the top level gives "" (found by the fuzzer). All of them are "$".
                    path: if path.is_empty() || path == "." || path == "?" {
                        "$".into()
                    } else {
                        path
                    },
                    reason: format!("{inner}"),
                }],
            }
        })?;
        let problems = parsed.problems();
        if problems.is_empty() {
            Ok(parsed)
        } else {
            Err(InvalidFile {
                file: file.to_owned(),
                problems,
            })
        }
    }

    /// All rule violations (references, keys, times); empty when the file is valid.
    pub fn problems(&self) -> Vec<FileProblem> {
        let mut check = Checker::default();
        let event = &self.event;
        check.key("event.slug", &event.slug);
        check.not_blank("event.title", &event.title);
        check.period("event", event.starts_at, event.ends_at);
        if event.timezone.parse::<chrono_tz::Tz>().is_err() {
            check.problem(
                "event.timezone",
                format!("unknown time zone {:?}", event.timezone),
            );
        }

        let organisations = check.unique_keys(
            "organisations",
            self.organisations.iter().map(|o| o.key.as_str()),
        );
        for (i, organisation) in self.organisations.iter().enumerate() {
            check.not_blank(&format!("organisations[{i}].name"), &organisation.name);
        }
        let people = check.unique_keys("people", self.people.iter().map(|p| p.key.as_str()));
        for (i, person) in self.people.iter().enumerate() {
            check.not_blank(&format!("people[{i}].name"), &person.name);
            for (j, affiliation) in person.affiliations.iter().enumerate() {
                check.reference(
                    &format!("people[{i}].affiliations[{j}].organisation"),
                    &affiliation.organisation,
                    &organisations,
                    "organisation",
                );
            }
        }
        let themes = check.unique_keys("themes", self.themes.iter().map(|t| t.slug.as_str()));
        for (i, theme) in self.themes.iter().enumerate() {
            check.not_blank(&format!("themes[{i}].title"), &theme.title);
            for (j, question) in theme.guiding_questions.iter().enumerate() {
                check.not_blank(&format!("themes[{i}].guidingQuestions[{j}]"), question);
            }
        }
        for (i, host) in event.hosts.iter().enumerate() {
            check.reference(&format!("event.hosts[{i}]"), host, &people, "person");
        }

        check.unique_keys("blocks", self.blocks.iter().map(|b| b.key.as_str()));
        let mut session_keys: HashMap<&str, String> = HashMap::new();
        for (b, block) in self.blocks.iter().enumerate() {
            let at = format!("blocks[{b}]");
            check.not_blank(&format!("{at}.title"), &block.title);
            check.period(&at, block.starts_at, block.ends_at);
            for (s, session) in block.sessions.iter().enumerate() {
                let at = format!("{at}.sessions[{s}]");
                check.key(&format!("{at}.key"), &session.key);
                if let Some(first) = session_keys.insert(&session.key, at.clone()) {
                    check.problem(
                        &format!("{at}.key"),
                        format!(
                            "duplicate session key {:?} (first used at {first})",
                            session.key
                        ),
                    );
                }
                check.not_blank(&format!("{at}.title"), &session.title);
                let starts_at = session.starts_at.unwrap_or(block.starts_at);
                let ends_at = session.ends_at.unwrap_or(block.ends_at);
                if check.period(&at, starts_at, ends_at)
                    && (starts_at < block.starts_at || ends_at > block.ends_at)
                {
                    check.problem(
                        &format!("{at}.startsAt"),
                        "the session must lie within its block".into(),
                    );
                }
                if let Some(room) = &session.room
                    && let Err(reason) = crate::domain::venue::parse_room(room)
                {
                    check.problem(&format!("{at}.room"), reason);
                }
                if let Some(url) = &session.url
                    && let Err(reason) = crate::domain::venue::parse_url(url)
                {
                    check.problem(&format!("{at}.url"), reason);
                }
                if let Some(workshop) = &session.workshop {
                    check.key(&format!("{at}.workshop"), workshop);
                }
                let mut roles = HashSet::new();
                for (p, entry) in session.people.iter().enumerate() {
                    check.reference(
                        &format!("{at}.people[{p}].person"),
                        &entry.person,
                        &people,
                        "person",
                    );
                    if !roles.insert((&entry.person, entry.role)) {
                        check.problem(
                            &format!("{at}.people[{p}]"),
                            format!("{:?} is listed twice with the same role", entry.person),
                        );
                    }
                }
                for (o, key) in session.organisations.iter().enumerate() {
                    check.reference(
                        &format!("{at}.organisations[{o}]"),
                        key,
                        &organisations,
                        "organisation",
                    );
                }
                for (t, slug) in session.themes.iter().enumerate() {
                    check.reference(&format!("{at}.themes[{t}]"), slug, &themes, "theme");
                }
            }
        }
        check.problems
    }
}

#[derive(Default)]
struct Checker {
    problems: Vec<FileProblem>,
}

impl Checker {
    fn problem(&mut self, path: &str, reason: String) {
        self.problems.push(FileProblem {
            path: path.to_owned(),
            reason,
        });
    }

    fn key(&mut self, path: &str, key: &str) {
        if !is_valid_key(key) {
            self.problem(
                path,
                format!("{key:?} is not a key: use lowercase letters, digits and single hyphens, at most 100 characters"),
            );
        }
    }

    fn not_blank(&mut self, path: &str, value: &str) {
        if value.trim().is_empty() {
            self.problem(path, "must not be empty".into());
        }
    }

    /// Checks the period and reports whether it is valid.
    fn period(
        &mut self,
        path: &str,
        starts_at: DateTime<FixedOffset>,
        ends_at: DateTime<FixedOffset>,
    ) -> bool {
        let valid = ends_at > starts_at;
        if !valid {
            self.problem(&format!("{path}.endsAt"), "must be after startsAt".into());
        }
        valid
    }

    fn unique_keys<'a>(
        &mut self,
        list: &str,
        keys: impl Iterator<Item = &'a str>,
    ) -> HashSet<&'a str> {
        let mut seen = HashSet::new();
        for (i, key) in keys.enumerate() {
            let path = if list == "themes" {
                format!("{list}[{i}].slug")
            } else {
                format!("{list}[{i}].key")
            };
            self.key(&path, key);
            if !seen.insert(key) {
                self.problem(&path, format!("duplicate key {key:?}"));
            }
        }
        seen
    }

    fn reference(&mut self, path: &str, key: &str, known: &HashSet<&str>, kind: &str) {
        if !known.contains(key) {
            self.problem(path, format!("unknown {kind} {key:?}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"{
      "event": {"slug": "e", "title": "E", "startsAt": "2021-01-28T13:00:00+01:00",
                "endsAt": "2021-01-28T17:00:00+01:00", "timezone": "Europe/Amsterdam"},
      "blocks": [{"key": "b", "kind": "PLENARY", "title": "B",
                  "startsAt": "2021-01-28T13:00:00+01:00", "endsAt": "2021-01-28T14:00:00+01:00",
                  "sessions": [{"key": "s", "title": "S", "kind": "PLENARY",
                                "people": [{"person": "nobody", "role": "HOST"}]}]}]
    }"#;

    #[test]
    fn unknown_references_are_reported_with_their_path() {
        let err = ProgrammeFile::parse("x.json", MINIMAL).expect_err("must be refused");
        assert_eq!(err.problems.len(), 1);
        assert_eq!(
            err.problems[0].path,
            "blocks[0].sessions[0].people[0].person"
        );
        assert!(
            err.to_string()
                .contains("x.json: blocks[0].sessions[0].people[0].person: unknown person")
        );
    }

    #[test]
    fn invalid_utf8_is_a_problem_with_a_position_not_a_panic() {
        let mut bytes = MINIMAL
            .replace(r#""title": "E""#, "\"title\": \"E\u{1}\"")
            .into_bytes();
        let at = bytes
            .iter()
            .position(|b| *b == 1)
            .expect("the marker byte is there");
        bytes[at] = 0xff;
        let err = ProgrammeFile::parse_bytes("x.json", &bytes).expect_err("must be refused");
        assert_eq!(err.problems.len(), 1);
        assert_eq!(err.problems[0].path, "event.title");
        assert!(err.problems[0].reason.contains("invalid unicode"), "{err}");
    }

    /// The fuzzer's hand-written seeds say what they are: `valid-*` parse, `invalid-*` do not.
    #[test]
    fn the_fuzz_seeds_are_accepted_or_refused_as_their_names_say() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/programme_file");
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).expect("the seed directory") {
            let path = entry.expect("a seed").path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .expect("a name")
                .to_owned();
            let bytes = std::fs::read(&path).expect("readable");
            let result = ProgrammeFile::parse_bytes(&name, &bytes);
            if name.starts_with("valid-") {
                assert!(
                    result.is_ok(),
                    "{name}: {}",
                    result.err().map(|e| e.to_string()).unwrap_or_default()
                );
            } else {
                assert!(
                    name.starts_with("invalid-") && result.is_err(),
                    "{name} is accepted"
                );
            }
            seen += 1;
        }
        assert!(seen >= 5, "only {seen} seeds in {}", dir.display());
    }

    /// Found by the fuzzer (fuzz/seeds/programme_file/invalid-empty-field-name.json).
    #[test]
    fn an_unknown_field_with_an_empty_name_is_reported_at_the_root() {
        let err = ProgrammeFile::parse("x.json", r#"{"": 1}"#).expect_err("must be refused");
        assert_eq!(err.problems[0].path, "$");
        assert!(err.problems[0].reason.contains("unknown field ``"), "{err}");
    }

    #[test]
    fn type_errors_name_the_path() {
        let text = MINIMAL.replace(
            r#""kind": "PLENARY", "title": "B""#,
            r#""kind": "LUNCH", "title": "B""#,
        );
        let err = ProgrammeFile::parse("x.json", &text).expect_err("must be refused");
        assert_eq!(err.problems[0].path, "blocks[0].kind");
    }
}
