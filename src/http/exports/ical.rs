//! Writing iCalendar (RFC 5545): text escaped, content lines folded at 75 octets, and a
//! VTIMEZONE for any zone of the tz database.

use std::ops::RangeInclusive;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};

/// The longest content line in octets, without its line break (RFC 5545 section 3.1).
const LINE_OCTETS: usize = 75;

/// A local date-time, as DTSTART and DTEND with a TZID carry it.
const LOCAL: &str = "%Y%m%dT%H%M%S";

/// An iCalendar object being written, one content line at a time.
#[derive(Debug, Default)]
pub struct Ical {
    out: String,
}

impl Ical {
    pub fn begin(&mut self, component: &str) {
        self.line("BEGIN", component);
    }

    pub fn end(&mut self, component: &str) {
        self.line("END", component);
    }

    /// A property whose value is written as given (numbers, URIs, rules, times).
    pub fn line(&mut self, name: &str, value: &str) {
        self.fold(&format!("{name}:{value}"));
    }

    /// A TEXT property: backslashes, semicolons, commas and line breaks escaped.
    pub fn text(&mut self, name: &str, value: &str) {
        self.fold(&format!("{name}:{}", escape_text(value)));
    }

    /// A local time in the zone `tzid` (defined by a VTIMEZONE of the same object).
    pub fn local_time(&mut self, name: &str, tzid: &str, time: NaiveDateTime) {
        self.fold(&format!(
            "{name};TZID={}:{}",
            param_value(tzid),
            time.format(LOCAL)
        ));
    }

    /// A time in UTC (DTSTAMP must be one).
    pub fn utc_time(&mut self, name: &str, time: DateTime<Utc>) {
        self.fold(&format!("{name}:{}Z", time.format(LOCAL)));
    }

    pub fn finish(self) -> String {
        self.out
    }

    /// Writes `line` in pieces of at most 75 octets, each continuation starting with a
    /// space, never splitting a UTF-8 character; every line ends with CRLF.
    fn fold(&mut self, line: &str) {
        let mut rest = line;
        let mut room = LINE_OCTETS;
        while rest.len() > room {
            let mut cut = room;
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            self.out.push_str(&rest[..cut]);
            self.out.push_str("\r\n ");
            rest = &rest[cut..];
            // The leading space of a continuation line counts too.
            room = LINE_OCTETS - 1;
        }
        self.out.push_str(rest);
        self.out.push_str("\r\n");
    }
}

/// TEXT as RFC 5545 section 3.3.11 writes it. Control characters other than line breaks and
/// tabs are not allowed in TEXT, so they are left out.
fn escape_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push_str("\\n");
                }
            }
            c if c.is_control() && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// A parameter value, quoted when it holds a character that would end it.
fn param_value(value: &str) -> String {
    if value.contains([';', ':', ',']) {
        format!("\"{}\"", value.replace('"', ""))
    } else {
        value.to_owned()
    }
}

/// What a zone observes at one instant.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Observed {
    /// Seconds east of UTC.
    offset: i32,
    daylight: bool,
    name: String,
}

fn observed(tz: Tz, utc: NaiveDateTime) -> Observed {
    let offset = tz.offset_from_utc_datetime(&utc);
    Observed {
        offset: offset.fix().local_minus_utc(),
        daylight: !offset.dst_offset().is_zero(),
        name: offset.abbreviation().unwrap_or_default().to_owned(),
    }
}

/// A change of what the zone observes, at `at` (UTC).
#[derive(Debug, Clone)]
struct Change {
    at: NaiveDateTime,
    from: Observed,
    to: Observed,
}

impl Change {
    /// The wall-clock time of the change in the offset it ends, as an observance's
    /// DTSTART is written.
    fn local_start(&self) -> NaiveDateTime {
        self.at + Duration::seconds(i64::from(self.from.offset))
    }
}

/// Every change in `[from, to)`: a day at a time, then to the second within the day.
fn changes(tz: Tz, from: NaiveDateTime, to: NaiveDateTime) -> Vec<Change> {
    let mut found = Vec::new();
    let mut start = from;
    let mut before = observed(tz, start);
    while start < to {
        let end = start + Duration::days(1);
        if observed(tz, end) == before {
            start = end;
            continue;
        }
        // `low` observes `before`, `high` does not.
        let (mut low, mut high) = (start, end);
        while high - low > Duration::seconds(1) {
            let middle = low + (high - low) / 2;
            if observed(tz, middle) == before {
                low = middle;
            } else {
                high = middle;
            }
        }
        let after = observed(tz, high);
        found.push(Change {
            at: high,
            from: before,
            to: after.clone(),
        });
        before = after;
        start = high;
    }
    found
}

/// One STANDARD or DAYLIGHT sub-component.
#[derive(Debug)]
struct Observance {
    start: NaiveDateTime,
    rule: Option<String>,
    from: i32,
    to: Observed,
}

/// The yearly rule a change follows, as RRULE parts: its month and its weekday in the
/// month (`-1SU` for the last Sunday, `2SU` for the second).
fn yearly_rule(local: NaiveDateTime) -> (u32, String) {
    let date = local.date();
    let days_in_month = last_day_of_month(date);
    let ordinal = if date.day() + 7 > days_in_month {
        "-1".to_owned()
    } else {
        ((date.day() - 1) / 7 + 1).to_string()
    };
    let weekday = match date.weekday() {
        chrono::Weekday::Mon => "MO",
        chrono::Weekday::Tue => "TU",
        chrono::Weekday::Wed => "WE",
        chrono::Weekday::Thu => "TH",
        chrono::Weekday::Fri => "FR",
        chrono::Weekday::Sat => "SA",
        chrono::Weekday::Sun => "SU",
    };
    (date.month(), format!("{ordinal}{weekday}"))
}

fn last_day_of_month(date: NaiveDate) -> u32 {
    (28..=31)
        .rev()
        .find(|day| date.with_day(*day).is_some())
        .unwrap_or(28)
}

fn start_of_year(year: i32) -> NaiveDateTime {
    NaiveDate::from_yo_opt(year, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_default()
}

/// The observances of `tz` that cover the years `years` (local time). Changes that follow a
/// yearly rule through the years examined become one observance with an RRULE; others are
/// written one by one, so any zone comes out right.
fn observances(tz: Tz, years: RangeInclusive<i32>) -> Vec<Observance> {
    // From the year before (the observance in force when the first year begins) to the
    // year after (so that a rule is seen to go on).
    let window_start = start_of_year(years.start() - 1);
    let first_year = start_of_year(*years.start());
    let last_year = years.end() + 1;
    let found = changes(tz, window_start, start_of_year(last_year + 1));

    // Changes alike in all but their year, in order of first appearance.
    type Key = (i32, Observed, u32, String, chrono::NaiveTime);
    let mut groups: Vec<(Key, Vec<&Change>)> = Vec::new();
    for change in &found {
        let local = change.local_start();
        let (month, day) = yearly_rule(local);
        let key = (
            change.from.offset,
            change.to.clone(),
            month,
            day,
            local.time(),
        );
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, members)) => members.push(change),
            None => groups.push((key, vec![change])),
        }
    }

    let mut list = Vec::new();
    let covered_from_start = found.first().is_some_and(|c| c.at <= first_year);
    if !covered_from_start {
        let at_start = observed(tz, window_start);
        list.push(Observance {
            start: window_start + Duration::seconds(i64::from(at_start.offset)),
            rule: None,
            from: at_start.offset,
            to: at_start,
        });
    }
    for (_, members) in &groups {
        let years: Vec<i32> = members.iter().map(|c| c.local_start().year()).collect();
        let every_year_to_the_end = members.len() >= 2
            && years.windows(2).all(|pair| pair[1] == pair[0] + 1)
            && years.last() == Some(&last_year);
        match members.first() {
            Some(first) if every_year_to_the_end => {
                let (month, day) = yearly_rule(first.local_start());
                list.push(Observance {
                    start: first.local_start(),
                    rule: Some(format!("FREQ=YEARLY;BYMONTH={month};BYDAY={day}")),
                    from: first.from.offset,
                    to: first.to.clone(),
                });
            }
            _ => list.extend(members.iter().map(|change| Observance {
                start: change.local_start(),
                rule: None,
                from: change.from.offset,
                to: change.to.clone(),
            })),
        }
    }
    list.sort_by_key(|o| o.start);
    list
}

/// `+0100`, `-0330`, or with seconds where the offset has them.
fn utc_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let seconds = seconds.unsigned_abs();
    let (hours, minutes, rest) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if rest == 0 {
        format!("{sign}{hours:02}{minutes:02}")
    } else {
        format!("{sign}{hours:02}{minutes:02}{rest:02}")
    }
}

/// Writes the VTIMEZONE of `tz`, correct for local times in the years `years`.
pub fn write_vtimezone(ical: &mut Ical, tz: Tz, years: RangeInclusive<i32>) {
    ical.begin("VTIMEZONE");
    ical.line("TZID", tz.name());
    for observance in observances(tz, years) {
        let kind = if observance.to.daylight {
            "DAYLIGHT"
        } else {
            "STANDARD"
        };
        ical.begin(kind);
        ical.line("DTSTART", &observance.start.format(LOCAL).to_string());
        if let Some(rule) = &observance.rule {
            ical.line("RRULE", rule);
        }
        ical.line("TZOFFSETFROM", &utc_offset(observance.from));
        ical.line("TZOFFSETTO", &utc_offset(observance.to.offset));
        if !observance.to.name.is_empty() {
            ical.text("TZNAME", &observance.to.name);
        }
        ical.end(kind);
    }
    ical.end("VTIMEZONE");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vtimezone(tz: Tz, years: RangeInclusive<i32>) -> String {
        let mut ical = Ical::default();
        write_vtimezone(&mut ical, tz, years);
        ical.finish()
    }

    #[test]
    fn amsterdam_has_its_yearly_rules() {
        assert_eq!(
            vtimezone(chrono_tz::Europe::Amsterdam, 2021..=2021),
            [
                "BEGIN:VTIMEZONE",
                "TZID:Europe/Amsterdam",
                "BEGIN:DAYLIGHT",
                "DTSTART:20200329T020000",
                "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
                "TZOFFSETFROM:+0100",
                "TZOFFSETTO:+0200",
                "TZNAME:CEST",
                "END:DAYLIGHT",
                "BEGIN:STANDARD",
                "DTSTART:20201025T030000",
                "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
                "TZOFFSETFROM:+0200",
                "TZOFFSETTO:+0100",
                "TZNAME:CET",
                "END:STANDARD",
                "END:VTIMEZONE",
                "",
            ]
            .join("\r\n")
        );
    }

    #[test]
    fn other_zones_get_their_own_rules() {
        let new_york = vtimezone(chrono_tz::America::New_York, 2024..=2025);
        assert!(new_york.contains("RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\n"));
        assert!(new_york.contains("RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r\n"));
        assert!(new_york.contains("TZOFFSETTO:-0400\r\n"));
        // The southern hemisphere: daylight time spans the new year.
        let sydney = vtimezone(chrono_tz::Australia::Sydney, 2021..=2021);
        assert!(sydney.contains("RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=1SU\r\n"));
        assert!(sydney.contains("RRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=1SU\r\n"));
        assert!(sydney.contains("TZOFFSETTO:+1100\r\n"));
    }

    #[test]
    fn a_zone_without_changes_has_one_standard_observance() {
        let tokyo = vtimezone(chrono_tz::Asia::Tokyo, 2021..=2021);
        assert_eq!(tokyo.matches("BEGIN:STANDARD").count(), 1);
        assert!(!tokyo.contains("DAYLIGHT"));
        assert!(
            tokyo.contains("DTSTART:20200101T090000\r\nTZOFFSETFROM:+0900\r\nTZOFFSETTO:+0900\r\n")
        );
    }

    #[test]
    fn a_zone_that_stops_changing_is_written_change_by_change() {
        // Brazil kept daylight time until February 2019, and none after.
        let sao_paulo = vtimezone(chrono_tz::America::Sao_Paulo, 2019..=2020);
        assert!(!sao_paulo.contains("RRULE"));
        assert!(
            sao_paulo
                .contains("DTSTART:20190217T000000\r\nTZOFFSETFROM:-0200\r\nTZOFFSETTO:-0300\r\n")
        );
    }

    #[test]
    fn lines_fold_at_75_octets_between_characters() {
        let mut ical = Ical::default();
        let text = "Één wijk, één aanpak; ".repeat(20);
        ical.text("DESCRIPTION", &text);
        let written = ical.finish();
        for line in written.split_terminator("\r\n") {
            assert!(line.len() <= LINE_OCTETS, "{} octets: {line}", line.len());
        }
        let unfolded = written.replace("\r\n ", "");
        assert_eq!(
            unfolded,
            format!(
                "DESCRIPTION:{}\r\n",
                text.replace(',', "\\,").replace(';', "\\;")
            )
        );
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape_text("a\\b;c,d\r\ne\nf\rg\u{7}\th"),
            "a\\\\b\\;c\\,d\\ne\\nf\\ng\th"
        );
    }
}
