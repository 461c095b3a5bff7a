//! Charts drawn on the server as SVG (templates/staf/charts.html draws them): horizontal
//! bars for counts, columns for the timeline. Each chart carries a title and a one-line
//! description for screen readers; the template shows the same numbers as a table.

use serde::Serialize;

use super::i18n::{self, Args, Lang};

/// Width of the longest bar in the SVG's own units.
const BAR_MAX: f64 = 300.0;
/// Height of one labelled bar (label above, bar below).
const BAR_ROW: i64 = 36;
/// Characters of a label the SVG shows; the table has the whole text.
const LABEL_MAX: usize = 60;

#[derive(Debug, Serialize)]
pub struct Bar {
    pub label: String,
    pub short_label: String,
    pub count: i64,
    pub width: i64,
    pub y: i64,
}

#[derive(Debug, Serialize)]
pub struct BarChart {
    /// Unique on the page (for `aria-labelledby`).
    pub id: String,
    pub title: String,
    pub desc: String,
    pub height: i64,
    pub bars: Vec<Bar>,
}

/// A bar chart of `values` (label, count), in the given order.
pub fn bars(lang: Lang, id: String, title: String, values: Vec<(String, i64)>) -> BarChart {
    let max = values.iter().map(|(_, c)| *c).max().unwrap_or(0).max(1) as f64;
    let desc = describe(lang, &values);
    let bars: Vec<Bar> = values
        .into_iter()
        .enumerate()
        .map(|(i, (label, count))| Bar {
            short_label: shorten(&label),
            label,
            count,
            width: ((count as f64 / max) * BAR_MAX).round().max(1.0) as i64,
            y: i64::try_from(i).unwrap_or(0) * BAR_ROW,
        })
        .collect();
    BarChart {
        id,
        title,
        desc,
        height: i64::try_from(bars.len()).unwrap_or(0) * BAR_ROW + 4,
        bars,
    }
}

#[derive(Debug, Serialize)]
pub struct Column {
    pub label: String,
    pub count: i64,
    pub x: i64,
    pub y: i64,
    pub height: i64,
}

#[derive(Debug, Serialize)]
pub struct ColumnChart {
    pub id: String,
    pub title: String,
    pub desc: String,
    pub width: i64,
    pub columns: Vec<Column>,
}

/// Height of the tallest column.
const COLUMN_MAX: f64 = 120.0;
const COLUMN_STEP: i64 = 44;

/// A column chart of counts over time (label, count), oldest first.
pub fn columns(lang: Lang, id: String, title: String, values: Vec<(String, i64)>) -> ColumnChart {
    let max = values.iter().map(|(_, c)| *c).max().unwrap_or(0).max(1) as f64;
    let desc = describe(lang, &values);
    let columns: Vec<Column> = values
        .into_iter()
        .enumerate()
        .map(|(i, (label, count))| {
            let height = ((count as f64 / max) * COLUMN_MAX).round().max(1.0) as i64;
            Column {
                label,
                count,
                x: i64::try_from(i).unwrap_or(0) * COLUMN_STEP,
                y: 20 + COLUMN_MAX as i64 - height,
                height,
            }
        })
        .collect();
    ColumnChart {
        id,
        title,
        desc,
        width: (i64::try_from(columns.len()).unwrap_or(0) * COLUMN_STEP).max(COLUMN_STEP),
        columns,
    }
}

/// "12 in total; most: Bewoner (7)." in words, for `<desc>`.
fn describe(lang: Lang, values: &[(String, i64)]) -> String {
    let total: i64 = values.iter().map(|(_, c)| *c).sum();
    let Some((label, count)) = values.iter().max_by_key(|(_, c)| *c) else {
        return i18n::text(lang, "chart-empty");
    };
    let args = Args::from([
        ("total".into(), total.into()),
        ("label".into(), label.clone().into()),
        ("count".into(), (*count).into()),
    ]);
    i18n::text_with(lang, "chart-desc", &args)
}

fn shorten(label: &str) -> String {
    if label.chars().count() <= LABEL_MAX {
        label.to_owned()
    } else {
        let cut: String = label.chars().take(LABEL_MAX - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_describe_themselves() {
        let chart = bars(
            Lang::Nl,
            "c".into(),
            "Wie vraagt".into(),
            vec![
                ("Bewoner".into(), 4),
                ("Gemeente".into(), 1),
                ("x".repeat(80), 0),
            ],
        );
        assert_eq!(chart.bars[0].width, 300);
        assert_eq!(chart.bars[1].width, 75);
        assert_eq!(chart.bars[2].width, 1, "a zero still shows as a line");
        assert_eq!(chart.bars[2].short_label.chars().count(), 60);
        assert!(
            chart.desc.contains("Bewoner") && chart.desc.contains('5'),
            "{}",
            chart.desc
        );
        let empty = columns(Lang::Nl, "t".into(), "Tijdlijn".into(), Vec::new());
        assert!(empty.columns.is_empty() && !empty.desc.is_empty());
    }
}
