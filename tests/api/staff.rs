//! Staff in the browser: the report, exports and calendar open with the signed-in cookie
//! (from our own origin only), the staff page, its denials and its audit log.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::json;

use crate::actors::{EVENT, moderate, setup, submit};
use crate::helpers::TestApp;
use crate::web::{Browser, location};
use crate::web_account::sign_in;

const REPORT: &str = "/reports/dag-van-de-buurt-2021/leeragenda";

/// Every staff download a browser may open, and the calendar.
const DOWNLOADS: [&str; 5] = [
    REPORT,
    "/exports/learning-questions.csv",
    "/exports/learning-questions.json",
    "/exports/learning-questions.xlsx",
    "/exports/summary.csv",
];

async fn signed_in<'a>(app: &'a TestApp, email: &str) -> Browser<'a> {
    let mut browser = Browser::new(app);
    let response = sign_in(&mut browser, email).await;
    assert_eq!(response.status, StatusCode::SEE_OTHER, "signed in");
    assert!(browser.cookies.contains_key("account"));
    browser
}

#[tokio::test]
async fn the_report_and_exports_open_with_the_signed_in_cookie_and_not_without_it() {
    let (app, actors) = setup().await;
    let q = submit(
        &app,
        &actors.participant,
        &actors.theme,
        "Hoe mengen we wijken beter?",
    )
    .await;
    moderate(&app, &actors.admin, json!({ "id": q, "action": "APPROVE" })).await;

    let mut staff = signed_in(&app, "staff@movisie.example").await;
    for route in DOWNLOADS {
        let response = staff.get(route).await;
        assert_eq!(
            response.status,
            StatusCode::OK,
            "staff with the cookie: {route}"
        );
    }
    let report = staff.get(REPORT).await.text();
    assert!(report.contains("Hoe mengen we wijken beter?"));
    // The browser says where a request comes from: our own pages and the address bar pass.
    for site in ["same-origin", "none"] {
        staff.headers = vec![("sec-fetch-site", site.to_owned())];
        assert_eq!(staff.get(REPORT).await.status, StatusCode::OK, "{site}");
    }
    // Another site cannot borrow the cookie, whether the browser says so or `Origin` does.
    for (name, value) in [
        ("sec-fetch-site", "cross-site"),
        ("sec-fetch-site", "same-site"),
        ("origin", "https://evil.example"),
        ("referer", "https://evil.example/page"),
    ] {
        staff.headers = vec![(name, value.to_owned())];
        for route in DOWNLOADS {
            let response = staff.get(route).await;
            assert_eq!(
                response.status,
                StatusCode::UNAUTHORIZED,
                "{name}: {value} on {route}"
            );
        }
    }
    staff.headers.clear();
    let calendar = staff.get(&format!("/events/{EVENT}/calendar.ics")).await;
    assert_eq!(calendar.status, StatusCode::OK, "the calendar opens too");

    // Without the cookie: nothing; a browser asking for the report goes to the sign-in form.
    let mut nobody = Browser::new(&app);
    for route in DOWNLOADS {
        assert_eq!(
            nobody.get(route).await.status,
            StatusCode::UNAUTHORIZED,
            "{route}"
        );
    }
    nobody.headers = vec![("accept", "text/html,application/xhtml+xml".to_owned())];
    let redirected = nobody.get(REPORT).await;
    assert_eq!(redirected.status, StatusCode::SEE_OTHER);
    assert_eq!(
        location(&redirected),
        "/inloggen?terug=/reports/dag-van-de-buurt-2021/leeragenda"
    );

    // A participant's cookie is no account; a moderator sees their scope only.
    let mut participant = Browser::new(&app);
    participant.join().await;
    assert_eq!(
        participant.get(REPORT).await.status,
        StatusCode::UNAUTHORIZED
    );
    let mut moderator = signed_in(&app, "moderator2@example.org").await;
    let json = moderator
        .get("/exports/learning-questions.json")
        .await
        .json();
    assert_eq!(json, json!([]), "nothing of another theme");

    // After signing out the cookie is gone and so is the access.
    staff.post("/uitloggen", &[]).await;
    assert_eq!(staff.get(REPORT).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_bearer_token_still_wins_over_a_cookie() {
    let (app, actors) = setup().await;
    let mut staff = signed_in(&app, "staff@movisie.example").await;
    staff.headers = vec![("authorization", format!("Bearer {}", actors.participant))];
    assert_eq!(
        staff.get("/exports/learning-questions.csv").await.status,
        StatusCode::FORBIDDEN,
        "the token says participant"
    );
    staff.headers = vec![("authorization", "Bearer nonsense".to_owned())];
    assert_eq!(
        staff.get("/exports/learning-questions.csv").await.status,
        StatusCode::UNAUTHORIZED,
        "a bad token is an error, not the cookie"
    );
}

#[tokio::test]
async fn the_report_prints_on_a4_with_each_theme_on_its_own_page() {
    let (app, actors) = setup().await;
    for theme in [&actors.theme, &actors.other_theme] {
        submit(
            &app,
            &actors.participant,
            theme,
            "Een vraag voor het rapport, graag.",
        )
        .await;
    }
    let request = Request::get(REPORT)
        .header(header::AUTHORIZATION, format!("Bearer {}", actors.staff))
        .body(Body::empty())
        .expect("request");
    let html = app.request(request).await.text();
    assert!(html.contains("@page { size: A4;"), "A4 pages");
    let print = html
        .split("@media print")
        .nth(1)
        .expect("a print stylesheet");
    assert!(
        print.contains("section { break-before: page;"),
        "a page break between themes"
    );
    assert_eq!(
        html.matches("<section>").count(),
        2,
        "one section per theme"
    );
}
