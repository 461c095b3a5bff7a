//! Exports for staff (CSV with BOM, JSON) and the public calendar.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use buurtgraph::config::{PublicUrl, ServeConfig};
use serde_json::json;

use crate::actors::{Actors, SUBMIT, moderate, setup, submit};
use crate::helpers::{TestApp, TestResponse, assert_strict_csp};

async fn get_as(app: &TestApp, token: Option<&str>, uri: &str) -> TestResponse {
    let mut request = Request::get(uri);
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    app.request(request.body(Body::empty()).expect("request"))
        .await
}

async fn questions(app: &TestApp, actors: &Actors) {
    let q = submit(
        app,
        &actors.participant,
        &actors.theme,
        "Hoe mengen we; met \"aanhalingstekens\", komma's en één accent?",
    )
    .await;
    moderate(app, &actors.admin, json!({ "id": q, "action": "APPROVE" })).await;
    submit(
        app,
        &actors.participant,
        &actors.other_theme,
        "Een vraag over vertrouwen in de gemeente",
    )
    .await;
}

fn read_csv(response: &TestResponse) -> (Vec<String>, Vec<csv::StringRecord>) {
    assert!(
        response.body.starts_with("\u{feff}".as_bytes()),
        "UTF-8 BOM first"
    );
    let mut reader = csv::Reader::from_reader(&response.body[3..]);
    let headers = reader
        .headers()
        .expect("header row")
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.expect("a valid record"))
        .collect();
    (headers, rows)
}

#[tokio::test]
async fn staff_download_a_csv_that_a_spreadsheet_reads() {
    let (app, actors) = setup().await;
    questions(&app, &actors).await;
    let response = get_as(&app, Some(&actors.staff), "/exports/learning-questions.csv").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        response.header(header::CONTENT_TYPE),
        Some("text/csv; charset=utf-8")
    );
    let (headers, rows) = read_csv(&response);
    assert_eq!(
        headers[..6],
        ["id", "event", "theme", "session", "status", "text"]
    );
    assert!(
        !headers.iter().any(|h| h.contains("participant")),
        "no participant ids"
    );
    assert_eq!(rows.len(), 2);
    let text = headers
        .iter()
        .position(|h| h == "text")
        .expect("text column");
    assert!(
        rows.iter()
            .any(|r| &r[text] == "Hoe mengen we; met \"aanhalingstekens\", komma's en één accent?")
    );
    assert!(!response.text().contains("participant"));

    let approved = get_as(
        &app,
        Some(&actors.staff),
        "/exports/learning-questions.csv?status=approved&theme=gemengde-wijken",
    )
    .await;
    assert_eq!(read_csv(&approved).1.len(), 1);
    let empty = get_as(
        &app,
        Some(&actors.staff),
        "/exports/learning-questions.csv?status=hidden",
    )
    .await;
    let (headers, rows) = read_csv(&empty);
    assert_eq!(headers[0], "id");
    assert!(rows.is_empty());
    let bad = get_as(
        &app,
        Some(&actors.staff),
        "/exports/learning-questions.csv?status=gek",
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.json()["error"]["code"], "BAD_USER_INPUT");
}

#[tokio::test]
async fn the_json_export_is_one_array() {
    let (app, actors) = setup().await;
    questions(&app, &actors).await;
    let response = get_as(
        &app,
        Some(&actors.admin),
        "/exports/learning-questions.json?event=dag-van-de-buurt-2021",
    )
    .await;
    let rows = response.json();
    assert_eq!(rows.as_array().expect("array").len(), 2);
    assert_eq!(rows[0]["event"], "dag-van-de-buurt-2021");
    let none = get_as(
        &app,
        Some(&actors.admin),
        "/exports/learning-questions.json?status=HIDDEN",
    )
    .await;
    assert_eq!(none.json(), json!([]));
}

#[tokio::test]
async fn every_export_and_report_route_follows_the_roles_table() {
    let (app, actors) = setup().await;
    questions(&app, &actors).await;
    for route in [
        "/exports/learning-questions.csv",
        "/exports/learning-questions.json",
        "/exports/summary.csv",
        "/reports/dag-van-de-buurt-2021/leeragenda",
    ] {
        for (who, token) in actors.all() {
            let expected = match who {
                "anonymous" => StatusCode::UNAUTHORIZED,
                "participant" | "participant of another event" => StatusCode::FORBIDDEN,
                _ => StatusCode::OK,
            };
            assert_eq!(
                get_as(&app, token, route).await.status,
                expected,
                "{who} {route}"
            );
        }
    }
}

#[tokio::test]
async fn exports_follow_the_roles_table() {
    let (app, actors) = setup().await;
    questions(&app, &actors).await;
    for (who, token) in actors.all() {
        let response = get_as(&app, token, "/exports/learning-questions.json").await;
        match who {
            "anonymous" => assert_eq!(response.status, StatusCode::UNAUTHORIZED),
            "participant" | "participant of another event" => {
                assert_eq!(response.status, StatusCode::FORBIDDEN, "{who}")
            }
            "moderator in scope" | "moderator out of scope" => {
                assert_eq!(
                    response.json().as_array().expect("rows").len(),
                    1,
                    "{who}: their scope only"
                );
            }
            _ => assert_eq!(response.json().as_array().expect("rows").len(), 2, "{who}"),
        }
    }
    let forged = get_as(&app, Some("not-a-token"), "/exports/learning-questions.csv").await;
    assert_eq!(forged.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_calendar_has_every_session_in_amsterdam_time() {
    let app = TestApp::bundled().await;
    let response = app.get("/events/dag-van-de-buurt-2021/calendar.ics").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        response.header(header::CONTENT_TYPE),
        Some("text/calendar; charset=utf-8")
    );
    let calendar: icalendar::Calendar = response.text().parse().expect("a valid iCalendar");
    let events: Vec<&icalendar::Event> = calendar
        .components
        .iter()
        .filter_map(|c| c.as_event())
        .collect();
    assert_eq!(events.len(), 28);
    use icalendar::Component;
    let opening = events
        .iter()
        .find(|e| e.get_summary() == Some("Opening: waarom de buurt alle aandacht verdient"))
        .expect("opening");
    match opening.get_start() {
        Some(icalendar::DatePerhapsTime::DateTime(icalendar::CalendarDateTime::WithTimezone {
            date_time,
            tzid,
        })) => {
            assert_eq!(tzid, "Europe/Amsterdam");
            assert_eq!(date_time.to_string(), "2021-01-28 13:00:00");
        }
        other => panic!("start in the event's time zone, got {other:?}"),
    }
    assert_eq!(
        app.get("/events/bestaat-niet/calendar.ics").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_summary_exports_as_csv_with_the_same_counts() {
    let (app, actors) = setup().await;
    questions(&app, &actors).await;
    let response = get_as(&app, Some(&actors.staff), "/exports/summary.csv").await;
    assert_eq!(response.status, StatusCode::OK);
    let (headers, rows) = read_csv(&response);
    assert_eq!(headers, ["theme", "dimension", "value", "count"]);
    let count = |theme: &str, dimension: &str, value: &str| {
        rows.iter()
            .find(|r| &r[0] == theme && &r[1] == dimension && &r[2] == value)
            .map(|r| r[3].to_owned())
    };
    assert_eq!(count("gemengde-wijken", "total", "").as_deref(), Some("1"));
    assert_eq!(
        count("gemengde-wijken", "status", "APPROVED").as_deref(),
        Some("1")
    );
    assert_eq!(
        count("vertrouwen-in-instituties-en-elkaar", "status", "PENDING").as_deref(),
        Some("1")
    );
    let summary = app
        .gql_as(&actors.staff, "{ feedbackSummary { total } }", json!({}))
        .await;
    let total: i64 = rows
        .iter()
        .filter(|r| &r[1] == "total")
        .map(|r| r[3].parse::<i64>().expect("number"))
        .sum();
    assert_eq!(
        summary["data"]["feedbackSummary"]["total"], total,
        "the CSV agrees with the API"
    );
    let denied = get_as(&app, Some(&actors.participant), "/exports/summary.csv").await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_leeragenda_report_renders_for_staff_only() {
    let (app, actors) = setup().await;
    questions(&app, &actors).await;
    let script = submit(
        &app,
        &actors.other_participant,
        &actors.theme,
        "<script>alert('x')</script> is dit veilig?",
    )
    .await;
    moderate(
        &app,
        &actors.moderator,
        json!({ "id": script, "action": "APPROVE", "note": "Vraag over veiligheid van de site" }),
    )
    .await;
    let response = get_as(
        &app,
        Some(&actors.staff),
        "/reports/dag-van-de-buurt-2021/leeragenda",
    )
    .await;
    assert_eq!(response.status, StatusCode::OK);
    let html = response.text();
    let policy = response
        .header(header::CONTENT_SECURITY_POLICY)
        .expect("the report has a content security policy");
    assert_strict_csp(&html, policy);
    assert!(
        !policy.contains("script-src"),
        "the report runs no script: {policy}"
    );
    assert!(html.contains("Leeragenda: Dag van de Buurt 2021"));
    assert!(
        html.contains("Gemengde wijken") && html.contains("Vertrouwen in instituties en elkaar")
    );
    assert!(html.contains("<svg"), "charts as inline SVG");
    assert!(
        html.contains("Vraag over veiligheid van de site"),
        "moderators' notes"
    );
    assert!(!html.contains("<script>alert"), "question text is escaped");
    assert!(html.contains("&lt;script&gt;"));
    for (who, token) in actors.all() {
        let status = get_as(&app, token, "/reports/dag-van-de-buurt-2021/leeragenda")
            .await
            .status;
        let expected = match who {
            "anonymous" => StatusCode::UNAUTHORIZED,
            "participant" | "participant of another event" => StatusCode::FORBIDDEN,
            _ => StatusCode::OK,
        };
        assert_eq!(status, expected, "{who}");
    }
    let unknown = get_as(
        &app,
        Some(&actors.staff),
        "/reports/bestaat-niet/leeragenda",
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_report_renders_for_the_bundled_event_without_input() {
    let (app, actors) = setup().await;
    let response = get_as(
        &app,
        Some(&actors.admin),
        "/reports/dag-van-de-buurt-2021/leeragenda",
    )
    .await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(response.text().contains("Nog geen leervragen."));
}

/// Submits a question with every optional field, as `token`, and returns its ID.
async fn submit_full(app: &TestApp, token: &str, input: serde_json::Value) -> String {
    let response = app.gql_as(token, SUBMIT, json!({ "i": input })).await;
    assert!(response.get("errors").is_none(), "{response:#}");
    response["data"]["submitLearningQuestion"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

/// The cells of the CSV row whose `column` equals `value`.
fn row_where<'a>(
    headers: &[String],
    rows: &'a [csv::StringRecord],
    column: &str,
    value: &str,
) -> Option<&'a csv::StringRecord> {
    let at = headers.iter().position(|h| h == column)?;
    rows.iter().find(|r| &r[at] == value)
}

fn cell<'a>(headers: &[String], row: &'a csv::StringRecord, column: &str) -> &'a str {
    let at = headers
        .iter()
        .position(|h| h == column)
        .unwrap_or_else(|| panic!("no column {column}"));
    &row[at]
}

/// Characters that make a spreadsheet read a cell as a formula (OWASP "CSV Injection").
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

#[tokio::test]
async fn a_cell_a_spreadsheet_would_run_as_a_formula_is_neutralised_in_every_csv() {
    let (app, actors) = setup().await;
    for (i, start) in FORMULA_STARTS.into_iter().enumerate() {
        let text = format!("{start}HYPERLINK(\"https://evil.example/?{i}\";\"klik\")");
        let id = submit_full(
            &app,
            &actors.participant,
            json!({
                "themeId": actors.theme,
                "text": text,
                "context": format!("{start}SUM(1+{i})*cmd|' /C calc'!A0"),
                "region": format!("{start}1+{i}"),
            }),
        )
        .await;
        moderate(
            &app,
            &actors.admin,
            json!({ "id": id, "action": "APPROVE" }),
        )
        .await;
    }
    // Trimming at submission drops a leading tab or line break, so write those values as
    // another path (an import, an older version) could have stored them.
    {
        use entity::learning_question::{Column, Entity};
        use sea_orm::sea_query::Expr;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        for (i, start) in [(4, '\t'), (5, '\r')] {
            Entity::update_many()
                .col_expr(
                    Column::Text,
                    Expr::value(format!(
                        "{start}HYPERLINK(\"https://evil.example/?{i}\";\"klik\")"
                    )),
                )
                .col_expr(
                    Column::Context,
                    Expr::value(format!("{start}SUM(1+{i})*cmd|' /C calc'!A0")),
                )
                .col_expr(Column::Region, Expr::value(format!("{start}1+{i}")))
                .filter(Column::Text.like(format!("HYPERLINK(\"https://evil.example/?{i}\"%")))
                .exec(&app.db)
                .await
                .expect("stored as is");
        }
    }

    let response = get_as(&app, Some(&actors.staff), "/exports/learning-questions.csv").await;
    let (headers, rows) = read_csv(&response);
    assert_eq!(rows.len(), FORMULA_STARTS.len());
    for (i, start) in FORMULA_STARTS.into_iter().enumerate() {
        let text = format!("{start}HYPERLINK(\"https://evil.example/?{i}\";\"klik\")");
        let row = row_where(&headers, &rows, "text", &format!("'{text}"))
            .unwrap_or_else(|| panic!("{start:?}: the text is prefixed with a quote"));
        assert_eq!(
            cell(&headers, row, "context"),
            format!("'{start}SUM(1+{i})*cmd|' /C calc'!A0"),
            "{start:?}"
        );
        assert_eq!(
            cell(&headers, row, "region"),
            format!("'{start}1+{i}"),
            "{start:?}"
        );
    }
    for row in &rows {
        for value in row {
            assert!(
                !value.starts_with(FORMULA_STARTS),
                "no cell starts a formula: {value:?}"
            );
        }
    }

    // The summary's values (regions here) are cells too.
    let summary = get_as(&app, Some(&actors.staff), "/exports/summary.csv").await;
    let (_, rows) = read_csv(&summary);
    for (i, start) in FORMULA_STARTS.into_iter().enumerate() {
        assert!(
            rows.iter()
                .any(|r| &r[1] == "region" && r[2] == format!("'{start}1+{i}")),
            "{start:?}: the region is neutralised in the summary"
        );
    }
    for row in &rows {
        for value in row {
            assert!(!value.starts_with(FORMULA_STARTS), "{value:?}");
        }
    }

    // JSON is not a spreadsheet: it keeps the text as given.
    let json = get_as(
        &app,
        Some(&actors.staff),
        "/exports/learning-questions.json",
    )
    .await
    .json();
    assert!(
        json.as_array()
            .expect("rows")
            .iter()
            .any(|r| r["text"] == "=HYPERLINK(\"https://evil.example/?0\";\"klik\")")
    );
}

/// `2021-01-28T13:00:00Z`: RFC 3339, to the second, in UTC.
fn assert_machine_time(value: &str) {
    assert_eq!(value.len(), 20, "to the second: {value}");
    assert!(value.ends_with('Z'), "in UTC: {value}");
    assert!(
        chrono::DateTime::parse_from_rfc3339(value).is_ok(),
        "RFC 3339: {value}"
    );
}

#[tokio::test]
async fn every_machine_output_spells_a_value_as_the_graphql_enum_does() {
    let (app, actors) = setup().await;
    let id = submit_full(
        &app,
        &actors.participant,
        json!({
            "themeId": actors.theme,
            "text": "Hoe houden corporaties een wijk gemengd?",
            "submitterRole": "HOUSING_CORPORATION",
            "preferredFormats": ["PEER_LEARNING", "FIELD_VISIT"],
            "region": "Utrecht",
        }),
    )
    .await;
    moderate(
        &app,
        &actors.admin,
        json!({ "id": id, "action": "APPROVE" }),
    )
    .await;

    // CSV: enum names, lists joined by `;`, times to the second.
    let response = get_as(&app, Some(&actors.staff), "/exports/learning-questions.csv").await;
    let (headers, rows) = read_csv(&response);
    let row = row_where(&headers, &rows, "id", &id).expect("the question");
    assert_eq!(cell(&headers, row, "status"), "APPROVED");
    assert_eq!(cell(&headers, row, "submitter_role"), "HOUSING_CORPORATION");
    assert_eq!(
        cell(&headers, row, "preferred_formats"),
        "PEER_LEARNING;FIELD_VISIT"
    );
    assert_machine_time(cell(&headers, row, "created_at"));

    // JSON: the same names, lists as arrays.
    let json = get_as(
        &app,
        Some(&actors.staff),
        "/exports/learning-questions.json",
    )
    .await
    .json();
    let row = &json[0];
    assert_eq!(row["id"], id.as_str());
    assert_eq!(row["status"], "APPROVED");
    assert_eq!(row["submitter_role"], "HOUSING_CORPORATION");
    assert_eq!(
        row["preferred_formats"],
        json!(["PEER_LEARNING", "FIELD_VISIT"])
    );
    assert_machine_time(row["created_at"].as_str().expect("a time"));

    // The summary CSV: the same names for statuses, roles and formats.
    let summary = get_as(&app, Some(&actors.staff), "/exports/summary.csv").await;
    let (_, rows) = read_csv(&summary);
    let values = |dimension: &str| -> Vec<String> {
        rows.iter()
            .filter(|r| &r[1] == dimension)
            .map(|r| r[2].to_owned())
            .collect()
    };
    assert_eq!(values("status"), ["APPROVED"]);
    assert_eq!(values("role"), ["HOUSING_CORPORATION"]);
    assert_eq!(values("format"), ["PEER_LEARNING", "FIELD_VISIT"]);
    assert_eq!(values("region"), ["Utrecht"]);

    // The names are the GraphQL enum's, value for value.
    for (name, api_names) in [
        (
            "SubmitterRole",
            entity::enums::SubmitterRole::ALL
                .map(|v| v.api_name())
                .to_vec(),
        ),
        (
            "LearningFormat",
            entity::enums::LearningFormat::ALL
                .map(|v| v.api_name())
                .to_vec(),
        ),
        (
            "ModerationStatus",
            entity::enums::ModerationStatus::ALL
                .map(|v| v.api_name())
                .to_vec(),
        ),
        (
            "ModerationAction",
            entity::enums::ModerationActionKind::ALL
                .map(|v| v.api_name())
                .to_vec(),
        ),
        (
            "ThemeKind",
            entity::enums::ThemeKind::ALL.map(|v| v.api_name()).to_vec(),
        ),
        (
            "SessionKind",
            entity::enums::SessionKind::ALL
                .map(|v| v.api_name())
                .to_vec(),
        ),
        (
            "SpeakerRole",
            entity::enums::SpeakerRole::ALL
                .map(|v| v.api_name())
                .to_vec(),
        ),
        (
            "BlockKind",
            entity::enums::BlockKind::ALL.map(|v| v.api_name()).to_vec(),
        ),
        (
            "AccountRole",
            entity::enums::AccountRole::ALL
                .map(|v| v.api_name())
                .to_vec(),
        ),
    ] {
        let data = app
            .data(
                "query($name: String!) { __type(name: $name) { enumValues { name } } }",
                json!({ "name": name }),
            )
            .await;
        let graphql: Vec<&str> = data["__type"]["enumValues"]
            .as_array()
            .expect("an enum")
            .iter()
            .filter_map(|v| v["name"].as_str())
            .collect();
        assert_eq!(graphql, api_names, "{name}");
    }
}

/// The calendar's raw lines (between CRLFs), each checked to be whole UTF-8.
fn calendar_lines(response: &TestResponse) -> Vec<String> {
    let body = &response.body;
    assert!(body.ends_with(b"\r\n"), "the last line ends with CRLF");
    body[..body.len() - 1]
        .split(|b| *b == b'\n')
        .map(|line| {
            let line = line.strip_suffix(b"\r").unwrap_or_else(|| {
                panic!(
                    "every line ends with CRLF: {:?}",
                    String::from_utf8_lossy(line)
                )
            });
            String::from_utf8(line.to_vec()).expect("a line never splits a character")
        })
        .collect()
}

#[tokio::test]
async fn the_calendar_has_a_time_zone_a_link_per_session_and_folded_lines() {
    let app = TestApp::with_config(ServeConfig {
        public_url: Some(PublicUrl::parse("https://buurt.example/").expect("a URL")),
        ..ServeConfig::default()
    })
    .await;
    buurtgraph::programme_bundle::import_if_empty(&app.db)
        .await
        .expect("bundled programme imports");
    // Descriptions whose lines end exactly at a fold: 150 octets of ASCII (a naive folder
    // writes a last line of 76), and two-byte characters across the 75th octet.
    {
        use entity::session::{Column, Entity};
        use sea_orm::sea_query::Expr;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
        let ids: Vec<i32> = Entity::find()
            .select_only()
            .column(Column::Id)
            .order_by_asc(Column::Id)
            .limit(2)
            .into_tuple()
            .all(&app.db)
            .await
            .expect("sessions");
        for (id, text) in ids.into_iter().zip(["x".repeat(138), "é".repeat(69)]) {
            Entity::update_many()
                .col_expr(Column::Description, Expr::value(text))
                .filter(Column::Id.eq(id))
                .exec(&app.db)
                .await
                .expect("description set");
        }
    }
    let response = app.get("/events/dag-van-de-buurt-2021/calendar.ics").await;
    assert_eq!(response.status, StatusCode::OK);

    // RFC 5545 section 3.1: lines of at most 75 octets, folded between characters.
    let lines = calendar_lines(&response);
    for line in &lines {
        assert!(line.len() <= 75, "{} octets: {line}", line.len());
    }
    assert!(
        lines.iter().any(|l| l.starts_with(' ')),
        "long descriptions are folded"
    );

    let text = response.text();
    let unfolded = icalendar::parser::unfold(&text);
    let calendar = icalendar::parser::read_calendar(&unfolded).expect("a valid iCalendar");
    let component = |name: &str| {
        calendar
            .components
            .iter()
            .filter(|c| c.name == name)
            .collect::<Vec<_>>()
    };
    let value = |c: &icalendar::parser::Component<'_>, name: &str| {
        c.properties
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.val.to_string())
    };

    // One VTIMEZONE, with Amsterdam's standard and daylight rules.
    let zones = component("VTIMEZONE");
    assert_eq!(zones.len(), 1);
    assert_eq!(value(zones[0], "TZID").as_deref(), Some("Europe/Amsterdam"));
    let observance = |kind: &str| {
        zones[0]
            .components
            .iter()
            .find(|c| c.name == kind)
            .unwrap_or_else(|| panic!("a {kind} observance"))
    };
    let standard = observance("STANDARD");
    assert_eq!(value(standard, "TZOFFSETFROM").as_deref(), Some("+0200"));
    assert_eq!(value(standard, "TZOFFSETTO").as_deref(), Some("+0100"));
    assert_eq!(
        value(standard, "RRULE").as_deref(),
        Some("FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU")
    );
    let daylight = observance("DAYLIGHT");
    assert_eq!(value(daylight, "TZOFFSETTO").as_deref(), Some("+0200"));
    assert_eq!(
        value(daylight, "RRULE").as_deref(),
        Some("FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU")
    );

    // Every session: its times in that zone, its text whole (the parser unescapes it), a
    // link to its page.
    let data = app
        .data(
            "{ event { sessions(first: 100) { edges { node { key title description } } } } }",
            json!({}),
        )
        .await;
    let sessions = data["event"]["sessions"]["edges"]
        .as_array()
        .expect("sessions");
    let events = component("VEVENT");
    assert_eq!(events.len(), sessions.len());
    for session in sessions {
        let node = &session["node"];
        let title = node["title"].as_str().expect("title");
        let url = format!(
            "https://buurt.example/events/dag-van-de-buurt-2021/sessies/{}",
            node["key"].as_str().expect("key")
        );
        let event = events
            .iter()
            .find(|e| value(e, "URL").as_ref() == Some(&url))
            .unwrap_or_else(|| panic!("an event linking to {url}"));
        assert_eq!(value(event, "SUMMARY").as_deref(), Some(title));
        let description = node["description"].as_str().expect("description");
        if !description.is_empty() {
            assert_eq!(
                value(event, "DESCRIPTION"),
                Some(description.replace("\r\n", "\n")),
                "the parser reads back the text as written"
            );
        }
        for time in ["DTSTART", "DTEND"] {
            let property = event
                .properties
                .iter()
                .find(|p| p.name == time)
                .expect("a time");
            let tzid = property
                .params
                .iter()
                .find(|p| p.key == "TZID")
                .and_then(|p| p.val.as_ref())
                .map(|v| v.to_string());
            assert_eq!(tzid.as_deref(), Some("Europe/Amsterdam"), "{title} {time}");
        }
    }
    let opening = events
        .iter()
        .find(|e| {
            value(e, "SUMMARY").as_deref()
                == Some("Opening: waarom de buurt alle aandacht verdient")
        })
        .expect("the opening");
    assert_eq!(
        value(opening, "DTSTART").as_deref(),
        Some("20210128T130000")
    );
}

#[tokio::test]
async fn without_a_public_url_the_calendar_links_to_the_host_asked_for() {
    let app = TestApp::bundled().await;
    let ask = |host: &'static str| {
        Request::get("/events/dag-van-de-buurt-2021/calendar.ics")
            .header(header::HOST, host)
            .body(Body::empty())
            .expect("request")
    };
    let response = app.request(ask("localhost:8080")).await;
    assert!(
        response
            .text()
            .contains("URL:http://localhost:8080/events/dag-van-de-buurt-2021/sessies/"),
        "links to the host asked for"
    );
    assert_eq!(
        response.header(header::VARY),
        Some("host, x-forwarded-proto")
    );
    let forged = app.request(ask("evil.example/phish?x=")).await;
    assert_eq!(forged.status, StatusCode::OK);
    assert!(
        !forged.text().contains("URL:"),
        "a host header that is not a plain host gives no links"
    );
}
