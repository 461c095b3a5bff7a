//! A reader of Prometheus's text exposition format (version 0.0.4), as strict as Prometheus
//! itself: metric and label names by their grammar, quoted label values with their escapes
//! (a `}` or `,` inside a value is part of it), `# TYPE` before a family's samples, no sample
//! twice, and histograms whose buckets add up to their `_count`. (The `prometheus-parse`
//! crate was tried first; it cuts a label value at its first `}`, and route templates such as
//! `/events/{slug}/schedule.json` have braces.)

use std::collections::{BTreeMap, HashMap};

/// What kind of metric a family is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
    Summary,
    Untyped,
}

/// A sample's labels by name.
pub type Labels = BTreeMap<String, String>;

/// One sample line: its name (with a histogram's `_bucket`, `_sum` or `_count`), labels and value.
#[derive(Debug, Clone)]
pub struct Sample {
    pub name: String,
    pub labels: Labels,
    pub value: f64,
}

/// A metric family: its kind, its help text and its samples.
#[derive(Debug, Default)]
pub struct Family {
    pub kind: Option<Kind>,
    pub help: Option<String>,
    pub samples: Vec<Sample>,
}

/// Families by name.
pub type Exposition = BTreeMap<String, Family>;

/// Reads a whole exposition; the first problem, with its line number, otherwise.
pub fn parse(text: &str) -> Result<Exposition, String> {
    let mut families = Exposition::new();
    let mut seen = HashMap::new();
    for (index, line) in text.lines().enumerate() {
        let at = |problem: String| format!("line {}: {problem}: {line:?}", index + 1);
        let line = line.trim_end();
        if line.is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            read_comment(comment, &mut families).map_err(at)?;
            continue;
        }
        let sample = read_sample(line).map_err(at)?;
        let family = family_of(&families, &sample.name);
        let entry = families.entry(family).or_default();
        if entry.kind.is_none() {
            entry.kind = Some(Kind::Untyped);
        }
        if let Some(previous) = seen.insert((sample.name.clone(), sample.labels.clone()), index + 1)
        {
            return Err(at(format!("the same sample as on line {previous}")));
        }
        entry.samples.push(sample);
    }
    for (name, family) in &families {
        if family.kind == Some(Kind::Histogram) {
            check_histogram(name, family)?;
        }
    }
    Ok(families)
}

fn read_comment(comment: &str, families: &mut Exposition) -> Result<(), String> {
    let mut words = comment.trim_start().splitn(3, ' ');
    let keyword = words.next().unwrap_or_default();
    if keyword != "HELP" && keyword != "TYPE" {
        return Ok(());
    }
    let name = words.next().unwrap_or_default();
    check_metric_name(name)?;
    let rest = words.next().unwrap_or_default();
    let family = families.entry(name.to_owned()).or_default();
    if keyword == "HELP" {
        if family.help.is_some() {
            return Err("a second HELP".into());
        }
        family.help = Some(rest.replace("\\n", "\n").replace("\\\\", "\\"));
        return Ok(());
    }
    if family.kind.is_some() || !family.samples.is_empty() {
        return Err("TYPE after the family's samples, or twice".into());
    }
    family.kind = Some(match rest.trim() {
        "counter" => Kind::Counter,
        "gauge" => Kind::Gauge,
        "histogram" => Kind::Histogram,
        "summary" => Kind::Summary,
        "untyped" => Kind::Untyped,
        other => return Err(format!("unknown TYPE {other:?}")),
    });
    Ok(())
}

/// The family a sample belongs to: its own name, or a histogram's or summary's name with
/// the suffix taken off.
fn family_of(families: &Exposition, name: &str) -> String {
    for suffix in ["_bucket", "_sum", "_count"] {
        if let Some(base) = name.strip_suffix(suffix)
            && let Some(family) = families.get(base)
            && matches!(family.kind, Some(Kind::Histogram | Kind::Summary))
            && (suffix != "_bucket" || family.kind == Some(Kind::Histogram))
        {
            return base.to_owned();
        }
    }
    name.to_owned()
}

fn read_sample(line: &str) -> Result<Sample, String> {
    let name_end = line
        .find(|c: char| c == '{' || c.is_ascii_whitespace())
        .ok_or("no value")?;
    let name = &line[..name_end];
    check_metric_name(name)?;
    let mut rest = &line[name_end..];
    let mut labels = BTreeMap::new();
    if let Some(after_brace) = rest.strip_prefix('{') {
        rest = read_labels(after_brace, &mut labels)?;
    }
    let mut fields = rest.split_ascii_whitespace();
    let value = fields.next().ok_or("no value")?;
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        number => number
            .parse::<f64>()
            .map_err(|_| format!("{number:?} is not a number"))?,
    };
    if let Some(timestamp) = fields.next() {
        timestamp
            .parse::<i64>()
            .map_err(|_| format!("{timestamp:?} is not a timestamp"))?;
    }
    if fields.next().is_some() {
        return Err("more than a value and a timestamp".into());
    }
    Ok(Sample {
        name: name.to_owned(),
        labels,
        value,
    })
}

/// Reads `name="value",…}` and returns what follows the closing brace.
fn read_labels<'a>(mut text: &'a str, labels: &mut Labels) -> Result<&'a str, String> {
    loop {
        text = text.trim_start();
        if let Some(rest) = text.strip_prefix('}') {
            return Ok(rest);
        }
        let (name, rest) = text.split_once('=').ok_or("a label without a value")?;
        let name = name.trim();
        check_label_name(name)?;
        let mut chars = rest
            .trim_start()
            .strip_prefix('"')
            .ok_or("an unquoted label value")?
            .chars();
        let mut value = String::new();
        loop {
            match chars.next().ok_or("an unterminated label value")? {
                '"' => break,
                '\\' => value.push(match chars.next() {
                    Some('\\') => '\\',
                    Some('"') => '"',
                    Some('n') => '\n',
                    other => return Err(format!("the escape \\{other:?} in a label value")),
                }),
                c => value.push(c),
            }
        }
        if labels.insert(name.to_owned(), value).is_some() {
            return Err(format!("the label {name} twice"));
        }
        text = chars.as_str().trim_start();
        if let Some(rest) = text.strip_prefix(',') {
            text = rest;
        } else if !text.starts_with('}') {
            return Err("labels not separated by commas".into());
        }
    }
}

fn check_metric_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':');
    if first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
        Ok(())
    } else {
        Err(format!("{name:?} is not a metric name"))
    }
}

fn check_label_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_') && !name.starts_with("__") {
        Ok(())
    } else {
        Err(format!("{name:?} is not a label name"))
    }
}

/// Per label set: buckets in increasing `le` with counts that never fall, ending in `+Inf`,
/// which equals `_count`; and a `_sum`.
fn check_histogram(name: &str, family: &Family) -> Result<(), String> {
    // Buckets (upper bound, count) by the labels of their series, `le` left out.
    let mut series: BTreeMap<Labels, Vec<(f64, f64)>> = BTreeMap::new();
    for sample in family
        .samples
        .iter()
        .filter(|s| s.name.ends_with("_bucket"))
    {
        let mut labels = sample.labels.clone();
        let le = labels
            .remove("le")
            .ok_or(format!("{name}: a bucket without le"))?;
        let le = if le == "+Inf" {
            f64::INFINITY
        } else {
            le.parse::<f64>()
                .map_err(|_| format!("{name}: le {le:?}"))?
        };
        series.entry(labels).or_default().push((le, sample.value));
    }
    for (labels, buckets) in series {
        let ordered = buckets
            .windows(2)
            .all(|pair| pair[0].0 < pair[1].0 && pair[0].1 <= pair[1].1);
        let last = buckets.last().copied().unwrap_or_default();
        let labelled = |suffix: &str| {
            family
                .samples
                .iter()
                .find(|s| s.name == format!("{name}{suffix}") && s.labels == labels)
        };
        let count = labelled("_count").map(|s| s.value);
        if !ordered || !last.0.is_infinite() || count != Some(last.1) || labelled("_sum").is_none()
        {
            return Err(format!(
                "{name} {labels:?}: buckets {buckets:?} do not add up to _count {count:?}"
            ));
        }
    }
    Ok(())
}

#[test]
fn label_values_keep_braces_commas_and_escapes() {
    let exposition = parse(concat!(
        "# TYPE requests_total counter\n",
        "requests_total{route=\"/events/{slug}/a,b\",note=\"say \\\"hi\\\"\"} 3\n",
    ))
    .expect("parses");
    let sample = &exposition["requests_total"].samples[0];
    assert_eq!(sample.labels["route"], "/events/{slug}/a,b");
    assert_eq!(sample.labels["note"], "say \"hi\"");
    assert_eq!(sample.value, 3.0);
    for broken in [
        "x{a=\"1\"} 1\nx{a=\"1\"} 2\n",
        "x{a=1} 1\n",
        "x{a=\"1\" b=\"2\"} 1\n",
        "1x 1\n",
        "x 1\n# TYPE x counter\n",
        "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
    ] {
        assert!(parse(broken).is_err(), "{broken}");
    }
}
