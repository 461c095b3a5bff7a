//! The Excel download for staff, read back with a spreadsheet reader (calamine) and
//! checked against `feedbackSummary`.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use buurtgraph::web::i18n::{Lang, label};
use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use serde_json::{Value, json};

use crate::actors::{Actors, SUBMIT, VOTE, moderate, setup};
use crate::helpers::{TestApp, TestResponse};

const XLSX: &str = "/exports/learning-questions.xlsx";
const FORMULA: &str = "=HYPERLINK(\"https://evil.example\";\"klik hier\") en dan?";

async fn get_as(app: &TestApp, token: Option<&str>, uri: &str) -> TestResponse {
    let mut request = Request::get(uri);
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    app.request(request.body(Body::empty()).expect("request"))
        .await
}

async fn submit(app: &TestApp, token: &str, input: Value) -> String {
    let response = app.gql_as(token, SUBMIT, json!({ "i": input })).await;
    assert!(response.get("errors").is_none(), "{response:#}");
    response["data"]["submitLearningQuestion"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

/// Questions in two themes with every field filled in somewhere, one starting like a formula.
async fn questions(app: &TestApp, actors: &Actors) {
    let formula = submit(
        app,
        &actors.participant,
        json!({
            "themeId": actors.theme,
            "sessionId": actors.session,
            "text": FORMULA,
            "context": "+31 6 12345678 belt terug",
            "submitterRole": "HOUSING_CORPORATION",
            "preferredFormats": ["PEER_LEARNING", "WORKSHOP"],
            "region": "Utrecht",
        }),
    )
    .await;
    moderate(
        app,
        &actors.admin,
        json!({ "id": formula, "action": "APPROVE" }),
    )
    .await;
    let voted = app
        .gql_as(&actors.other_participant, VOTE, json!({ "id": formula }))
        .await;
    assert!(voted.get("errors").is_none(), "{voted:#}");
    submit(
        app,
        &actors.other_participant,
        json!({
            "themeId": actors.theme,
            "text": "Hoe betrekken we jongeren bij de buurt?",
            "submitterRole": "RESIDENT",
            "preferredFormats": ["FIELD_VISIT"],
        }),
    )
    .await;
    submit(
        app,
        &actors.participant,
        json!({ "themeId": actors.other_theme, "text": "Een vraag over vertrouwen in de gemeente" }),
    )
    .await;
}

fn open(bytes: &[u8]) -> Xlsx<Cursor<Vec<u8>>> {
    open_workbook_from_rs(Cursor::new(bytes.to_vec())).expect("a workbook calamine reads")
}

fn text(cell: &Data) -> String {
    match cell {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => panic!("a text cell, got {other:?}"),
    }
}

/// The XML of every worksheet in the file (for what calamine does not read: panes).
fn sheet_xml(bytes: &[u8]) -> Vec<String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).expect("a zip file");
    let names: Vec<String> = archive
        .file_names()
        .filter_map(Result::ok)
        .filter(|n| n.starts_with("xl/worksheets/sheet"))
        .map(|n| n.into_owned())
        .collect();
    names
        .iter()
        .map(|name| {
            let mut xml = String::new();
            archive
                .by_name(name)
                .expect("sheet")
                .read_to_string(&mut xml)
                .expect("utf-8");
            xml
        })
        .collect()
}

const SUMMARY_QUERY: &str = "{ feedbackSummary { total themes { theme { title } total votes
    byStatus { status count } byRole { role count } byFormat { format count }
    bySession { session { title } count } byRegion { region count } } } }";

#[tokio::test]
async fn staff_download_an_excel_file_that_agrees_with_feedback_summary() {
    let (app, actors) = setup().await;
    questions(&app, &actors).await;
    let response = get_as(&app, Some(&actors.staff), XLSX).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        response.header(header::CONTENT_TYPE),
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    );
    assert!(
        response
            .header(header::CONTENT_DISPOSITION)
            .is_some_and(|d| d.starts_with("attachment") && d.contains(".xlsx"))
    );
    let mut book = open(&response.body);
    let sheets = book.sheet_names();
    assert_eq!(
        sheets,
        [
            "Samenvatting",
            "Gemengde wijken",
            "Vertrouwen in instituties en el"
        ],
        "a summary sheet and one sheet per theme (names fit Excel's 31 characters)"
    );

    // The summary sheet: Dutch headers, one count per line, counts as numbers.
    let summary = book.worksheet_range("Samenvatting").expect("summary sheet");
    let rows: Vec<&[Data]> = summary.rows().collect();
    let header: Vec<String> = rows[0].iter().map(text).collect();
    assert_eq!(header, ["Thema", "Onderdeel", "Waarde", "Aantal"]);
    let mut sheet_counts: BTreeMap<(String, String, String), f64> = BTreeMap::new();
    for row in &rows[1..] {
        let Data::Float(count) = row[3] else {
            panic!("a count is a number: {:?}", row[3]);
        };
        sheet_counts.insert((text(&row[0]), text(&row[1]), text(&row[2])), count);
    }

    // The same numbers from the API, named as the sheet names them.
    let api = app.gql_as(&actors.staff, SUMMARY_QUERY, json!({})).await;
    assert!(api.get("errors").is_none(), "{api:#}");
    let mut api_counts: BTreeMap<(String, String, String), f64> = BTreeMap::new();
    let nl = |kind: &str, value: &Value| label(Lang::Nl, kind, value.as_str().unwrap_or("UNKNOWN"));
    for theme in api["data"]["feedbackSummary"]["themes"]
        .as_array()
        .expect("themes")
    {
        let title = theme["theme"]["title"].as_str().expect("title").to_owned();
        let mut put = |dimension: &str, value: String, count: &Value| {
            api_counts.insert(
                (title.clone(), dimension.to_owned(), value),
                count.as_f64().expect("count"),
            );
        };
        put("Leervragen", String::new(), &theme["total"]);
        put("Keer herkend", String::new(), &theme["votes"]);
        for c in theme["byStatus"].as_array().expect("statuses") {
            put("Status", nl("status", &c["status"]), &c["count"]);
        }
        for c in theme["byRole"].as_array().expect("roles") {
            put("Wie vraagt", nl("submitter-role", &c["role"]), &c["count"]);
        }
        for c in theme["byFormat"].as_array().expect("formats") {
            put("Leervorm", nl("format", &c["format"]), &c["count"]);
        }
        for c in theme["bySession"].as_array().expect("sessions") {
            let session = c["session"]["title"].as_str().unwrap_or("Zonder sessie");
            put("Sessie", session.to_owned(), &c["count"]);
        }
        for c in theme["byRegion"].as_array().expect("regions") {
            let region = c["region"].as_str().unwrap_or("Zonder regio");
            put("Regio", region.to_owned(), &c["count"]);
        }
    }
    assert_eq!(
        sheet_counts, api_counts,
        "the summary sheet is feedbackSummary"
    );
    assert_eq!(
        sheet_counts[&(
            "Gemengde wijken".to_owned(),
            "Wie vraagt".to_owned(),
            "Woningcorporatie".to_owned()
        )],
        1.0,
        "roles by their Dutch label"
    );

    // A theme's sheet: one row per question, real types, the formula-like text as text.
    let theme = book
        .worksheet_range("Gemengde wijken")
        .expect("theme sheet");
    let rows: Vec<&[Data]> = theme.rows().collect();
    let header: Vec<String> = rows[0].iter().map(text).collect();
    assert_eq!(
        header,
        [
            "Leervraag",
            "Toelichting",
            "Status",
            "Keer herkend",
            "Wie vraagt",
            "Gewenste leervormen",
            "Regio",
            "Sessie",
            "Ingediend (Europe/Amsterdam)",
            "Dubbel van (ID)",
            "ID"
        ]
    );
    assert_eq!(rows.len() - 1, 2, "the theme's two questions");
    let formula_row = rows
        .iter()
        .find(|r| r[0] == Data::String(FORMULA.to_owned()))
        .expect("the text that starts with = is a text cell, as typed");
    assert_eq!(
        formula_row[1],
        Data::String("+31 6 12345678 belt terug".to_owned())
    );
    assert_eq!(text(&formula_row[2]), "Goedgekeurd");
    assert_eq!(
        formula_row[3],
        Data::Float(1.0),
        "the vote count is a number"
    );
    assert_eq!(text(&formula_row[4]), "Woningcorporatie");
    assert_eq!(text(&formula_row[5]), "Leren van collega's, Workshop");
    assert_eq!(text(&formula_row[6]), "Utrecht");
    assert!(!text(&formula_row[7]).is_empty(), "the session's title");
    let Data::DateTime(created) = &formula_row[8] else {
        panic!("the time is a date: {:?}", formula_row[8]);
    };
    let days_since_1900 = created.as_f64();
    let today = chrono::Utc::now().signed_duration_since(
        chrono::DateTime::parse_from_rfc3339("1899-12-30T00:00:00Z").expect("epoch"),
    );
    assert!(
        (days_since_1900 - today.num_seconds() as f64 / 86_400.0).abs() < 0.2,
        "submitted today, in Amsterdam time: {days_since_1900}"
    );
    for sheet in &sheets {
        let formulas = book.worksheet_formula(sheet).expect("formulas");
        assert!(
            formulas.used_cells().all(|(_, _, f)| f.is_empty()),
            "no formula anywhere in {sheet}"
        );
    }

    // Every sheet: the header row frozen, an autofilter over the table.
    let xml = sheet_xml(&response.body);
    assert_eq!(xml.len(), 3);
    for sheet in &xml {
        assert!(
            sheet.contains(r#"state="frozen""#) && sheet.contains(r#"ySplit="1""#),
            "a frozen header row"
        );
        assert!(sheet.contains("<autoFilter ref=\"A1:"), "an autofilter");
    }
}

#[tokio::test]
async fn the_excel_download_follows_the_roles_table_and_the_filters() {
    let (app, actors) = setup().await;
    questions(&app, &actors).await;
    for (who, token) in actors.all() {
        let response = get_as(&app, token, XLSX).await;
        let expected = match who {
            "anonymous" => StatusCode::UNAUTHORIZED,
            "participant" | "participant of another event" => StatusCode::FORBIDDEN,
            _ => StatusCode::OK,
        };
        assert_eq!(response.status, expected, "{who}");
        if who == "moderator in scope" {
            let book = open(&response.body);
            assert_eq!(
                book.sheet_names(),
                ["Samenvatting", "Gemengde wijken"],
                "a moderator sees their scope only"
            );
        }
    }
    let approved = get_as(
        &app,
        Some(&actors.staff),
        &format!("{XLSX}?theme=gemengde-wijken&status=APPROVED"),
    )
    .await;
    let mut book = open(&approved.body);
    assert_eq!(book.sheet_names(), ["Samenvatting", "Gemengde wijken"]);
    let rows = book.worksheet_range("Gemengde wijken").expect("sheet");
    assert_eq!(rows.height(), 2, "the header and the one approved question");
    let bad = get_as(&app, Some(&actors.staff), &format!("{XLSX}?status=gek")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.json()["error"]["code"], "BAD_USER_INPUT");
}

#[tokio::test]
async fn the_excel_download_speaks_english_when_asked() {
    let (app, actors) = setup().await;
    questions(&app, &actors).await;
    let request = Request::get(XLSX)
        .header(header::AUTHORIZATION, format!("Bearer {}", actors.staff))
        .header(header::ACCEPT_LANGUAGE, "en-GB,en;q=0.9")
        .body(Body::empty())
        .expect("request");
    let response = app.request(request).await;
    let mut book = open(&response.body);
    assert_eq!(book.sheet_names()[0], "Summary");
    let summary = book.worksheet_range("Summary").expect("sheet");
    let header: Vec<String> = summary
        .rows()
        .next()
        .expect("header")
        .iter()
        .map(text)
        .collect();
    assert_eq!(header, ["Theme", "Counted by", "Value", "Count"]);
}
