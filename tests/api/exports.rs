//! Exports for staff (CSV with BOM, JSON) and the public calendar.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::json;

use crate::actors::{Actors, moderate, setup, submit};
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
