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

const STAFF_PAGE: &str = "/staf/dag-van-de-buurt-2021";
const SCREEN: &str = "/events/dag-van-de-buurt-2021/scherm";

#[tokio::test]
async fn the_staff_page_shows_charts_downloads_and_the_log_with_e_mails_to_staff_only() {
    let (app, actors) = setup().await;
    let q = submit(
        &app,
        &actors.participant,
        &actors.theme,
        "Hoe mengen we wijken beter?",
    )
    .await;
    moderate(
        &app,
        &actors.moderator,
        json!({ "id": q, "action": "APPROVE", "note": "Mooie vraag" }),
    )
    .await;
    submit(
        &app,
        &actors.other_participant,
        &actors.other_theme,
        "Wie vertrouwt de gemeente nog?",
    )
    .await;

    let mut staff = signed_in(&app, "staff@movisie.example").await;
    let page = staff.get(STAFF_PAGE).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("Overzicht voor staf: Dag van de Buurt 2021"));
    assert!(
        html.contains("Gemengde wijken") && html.contains("Vertrouwen in instituties en elkaar")
    );
    for chart in [
        "Per status",
        "Wie vraagt",
        "Gewenste leervormen",
        "Per sessie",
        "Per regio",
        "Ingediend per uur",
    ] {
        assert!(html.contains(chart), "chart {chart}");
    }
    assert!(html.contains("<svg") && html.contains("<title id=") && html.contains("<desc id="));
    assert!(html.contains("role=\"img\"") && html.contains("aria-labelledby="));
    assert!(html.contains("<table>"), "the numbers also as a table");
    for link in [
        "/exports/learning-questions.xlsx?event=dag-van-de-buurt-2021",
        "/exports/learning-questions.csv?event=dag-van-de-buurt-2021",
        "/exports/learning-questions.json?event=dag-van-de-buurt-2021",
        "/reports/dag-van-de-buurt-2021/leeragenda",
    ] {
        assert!(html.contains(link), "link {link}");
    }
    assert!(
        html.contains("moderator@example.org"),
        "the log names the moderator's e-mail"
    );
    assert!(html.contains("Mooie vraag"));
    assert!(!html.contains("style=\""), "no inline styles under the CSP");

    // Filters narrow every part and travel with the downloads.
    let filtered = staff
        .get(&format!(
            "{STAFF_PAGE}?thema=gemengde-wijken&status=APPROVED"
        ))
        .await
        .text();
    assert!(!filtered.contains("id=\"thema-vertrouwen-in-instituties-en-elkaar\""));
    assert!(filtered.contains(
        "/exports/learning-questions.xlsx?event=dag-van-de-buurt-2021&amp;theme=gemengde-wijken&amp;status=APPROVED"
    ));

    let mut admin = signed_in(&app, "admin@example.org").await;
    assert_eq!(admin.get(STAFF_PAGE).await.status, StatusCode::OK);
    let mut moderator = signed_in(&app, "moderator@example.org").await;
    assert_eq!(
        moderator.get(STAFF_PAGE).await.status,
        StatusCode::FORBIDDEN
    );
    let mut nobody = Browser::new(&app);
    let redirected = nobody.get(STAFF_PAGE).await;
    assert_eq!(redirected.status, StatusCode::SEE_OTHER);
    assert_eq!(
        location(&redirected),
        "/inloggen?terug=/staf/dag-van-de-buurt-2021"
    );
    let mut participant = Browser::new(&app);
    participant.join().await;
    assert_eq!(
        participant.get(STAFF_PAGE).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        staff.get("/staf/bestaat-niet").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_studio_screen_opens_for_moderators_staff_and_a_screen_link_until_it_is_revoked() {
    let (app, actors) = setup().await;
    buurtgraph::service::accounts::access_code(&app.db, EVENT, Some("K7QD-M4XP"))
        .await
        .expect("code set");
    let q = submit(
        &app,
        &actors.participant,
        &actors.theme,
        "Hoe mengen we wijken beter?",
    )
    .await;
    moderate(&app, &actors.admin, json!({ "id": q, "action": "APPROVE" })).await;
    submit(
        &app,
        &actors.participant,
        &actors.theme,
        "Deze vraag wacht nog op een moderator",
    )
    .await;

    // Nobody, a participant: refused.
    let mut nobody = Browser::new(&app);
    assert_eq!(nobody.get(SCREEN).await.status, StatusCode::FORBIDDEN);
    let mut participant = Browser::new(&app);
    participant.join().await;
    assert_eq!(participant.get(SCREEN).await.status, StatusCode::FORBIDDEN);

    // A signed-in moderator sees the approved questions, the QR code and the code.
    let mut moderator = signed_in(&app, "moderator@example.org").await;
    let screen = moderator.get(SCREEN).await;
    assert_eq!(screen.status, StatusCode::OK);
    let html = screen.text();
    assert!(html.contains("Hoe mengen we wijken beter?"));
    assert!(
        !html.contains("wacht nog op een moderator"),
        "approved questions only"
    );
    assert!(
        html.contains("<svg class=\"scherm__qr\""),
        "the QR code, inline SVG"
    );
    assert!(html.contains("K7QD-M4XP"));
    assert!(
        html.replace("&#x2f;", "/")
            .contains("http://buurt.test/events/dag-van-de-buurt-2021/meedoen?code=K7QDM4XP"),
        "the join link the QR code holds"
    );
    assert!(
        html.contains("data-live-token="),
        "a token for the live socket"
    );
    assert!(
        !html.contains("<button") && !html.contains("<form"),
        "no controls"
    );
    let themed = moderator
        .get(&format!(
            "{SCREEN}?thema=vertrouwen-in-instituties-en-elkaar"
        ))
        .await;
    assert!(
        !themed.text().contains("Hoe mengen we wijken beter?"),
        "one theme"
    );
    assert_eq!(
        moderator
            .get(&format!("{SCREEN}?thema=bestaat-niet"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Staff make a screen link; a browser without an account opens the screen with it.
    let mut staff = signed_in(&app, "staff@movisie.example").await;
    assert_eq!(staff.get(SCREEN).await.status, StatusCode::OK);
    staff.get(STAFF_PAGE).await;
    let made = staff
        .post(
            "/staf/dag-van-de-buurt-2021/schermlinks",
            &[("label", "Zaal 2"), ("themeSlug", "gemengde-wijken")],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER);
    let token = location(&made)
        .split("scherm=")
        .nth(1)
        .and_then(|rest| rest.split('#').next())
        .expect("the new link's token")
        .to_owned();
    let page = staff.get(location(&made)).await.text();
    assert!(page.contains(&format!("/scherm/{token}")), "shown once");
    assert!(page.contains("Zaal 2"));
    assert!(
        !staff.get(STAFF_PAGE).await.text().contains(&token),
        "and not again"
    );

    let mut room = Browser::new(&app);
    let opened = room.get(&format!("/scherm/{token}")).await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER);
    assert_eq!(
        location(&opened),
        "/events/dag-van-de-buurt-2021/scherm?thema=gemengde-wijken"
    );
    let screen = room.get(location(&opened)).await;
    assert_eq!(
        screen.status,
        StatusCode::OK,
        "the link's cookie opens the screen"
    );
    assert!(screen.text().contains("Hoe mengen we wijken beter?"));
    assert!(screen.text().contains("data-live-token="));
    let wrong = Browser::new(&app)
        .get("/scherm/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN, "a made-up link");

    // Only the link's hash is stored; creating and revoking are in the audit log.
    let stored: Vec<entity::screen_link::Model> = {
        use sea_orm::EntityTrait;
        entity::screen_link::Entity::find()
            .all(&app.db)
            .await
            .expect("links")
    };
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0].token_hash, token);
    let html = staff.get(STAFF_PAGE).await.text();
    let revoke = format!(
        "/staf/dag-van-de-buurt-2021/schermlinks/{}/intrekken",
        stored[0].id
    );
    assert!(html.contains(&revoke));
    let revoked = staff.post(&revoke, &[]).await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    assert!(
        staff
            .get(location(&revoked))
            .await
            .text()
            .contains("De schermlink is ingetrokken")
    );
    assert_eq!(
        room.get(SCREEN).await.status,
        StatusCode::FORBIDDEN,
        "a revoked link opens nothing"
    );
    assert_eq!(
        Browser::new(&app)
            .get(&format!("/scherm/{token}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let audit = app
        .gql_as(
            &actors.admin,
            "{ auditLog { nodes { action actorId } } }",
            json!({}),
        )
        .await;
    let text = audit.to_string();
    assert!(
        text.contains("screen_link.create") && text.contains("screen_link.revoke"),
        "{text}"
    );

    // A moderator cannot make or revoke links.
    moderator.get(SCREEN).await;
    let denied = moderator
        .post("/staf/dag-van-de-buurt-2021/schermlinks", &[("label", "x")])
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn staff_choose_moderation_afterwards_on_the_staff_page_and_moderators_cannot() {
    let (app, actors) = setup().await;
    let mut staff = signed_in(&app, "staff@movisie.example").await;
    let page = staff.get(&format!("/staf/{EVENT}")).await.text();
    assert!(
        page.contains("vooraf: vragen wachten op goedkeuring"),
        "the current mode is shown"
    );
    let saved = staff
        .post(
            &format!("/staf/{EVENT}/moderatie"),
            &[("themeSlug", "gemengde-wijken"), ("postModeration", "true")],
        )
        .await;
    assert_eq!(
        location(&saved),
        format!("/staf/{EVENT}?melding=moderatie-gewijzigd#moderatie")
    );
    let modes = app
        .data(
            &format!("{{ moderationModes(eventSlug: \"{EVENT}\") {{ themeId postModeration }} }}"),
            json!({}),
        )
        .await;
    assert_eq!(
        modes["moderationModes"],
        json!([{ "themeId": actors.theme, "postModeration": true }])
    );
    let page = staff
        .get(&format!("/staf/{EVENT}?melding=moderatie-gewijzigd"))
        .await
        .text();
    assert!(page.contains("De manier van modereren is opgeslagen."));
    assert!(page.contains("achteraf: vragen verschijnen meteen"));
    // A question on that theme now appears at once.
    let id = submit(
        &app,
        &actors.participant,
        &actors.theme,
        "Hoe houden we de straat schoon met alle buren samen?",
    )
    .await;
    let status = app
        .gql_as(
            &actors.staff,
            "query($id: ID!) { learningQuestion(id: $id) { status } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        status["data"]["learningQuestion"]["status"], "APPROVED",
        "{status}"
    );

    let mut moderator = signed_in(&app, "moderator@example.org").await;
    let refused = moderator
        .post(
            &format!("/staf/{EVENT}/moderatie"),
            &[("postModeration", "true")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let unchanged = app
        .data(
            &format!("{{ moderationModes(eventSlug: \"{EVENT}\") {{ themeId }} }}"),
            json!({}),
        )
        .await;
    assert_eq!(
        unchanged["moderationModes"].as_array().map(Vec::len),
        Some(1)
    );
}

#[tokio::test]
async fn the_staff_page_and_the_report_show_which_questions_were_discussed() {
    let (app, actors) = setup().await;
    let text = "Hoe houden we de buurttafel open als de vrijwilligers stoppen?";
    let id = submit(&app, &actors.participant, &actors.theme, text).await;
    moderate(
        &app,
        &actors.moderator,
        json!({ "id": id, "action": "APPROVE" }),
    )
    .await;
    let mut staff = signed_in(&app, "staff@movisie.example").await;
    let before = staff.get(&format!("/staf/{EVENT}")).await.text();
    assert!(before.contains("Nog geen vraag als besproken gemarkeerd."));

    let marked = app
        .gql_as(
            &actors.moderator,
            "mutation($i: MarkLearningQuestionInput!) { markLearningQuestion(input: $i) { discussed } }",
            json!({ "i": { "id": id, "discussed": true } }),
        )
        .await;
    assert_eq!(
        marked["data"]["markLearningQuestion"]["discussed"], true,
        "{marked}"
    );

    let page = staff.get(&format!("/staf/{EVENT}")).await.text();
    let discussed = page
        .split_once("Besproken in de sessie")
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    assert!(discussed.contains(text), "listed under discussed");
    let report = staff
        .get(&format!("/reports/{EVENT}/leeragenda"))
        .await
        .text();
    let discussed = report
        .split_once("Besproken in de sessie")
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    assert!(discussed.contains(text), "the report names it too");
}

#[tokio::test]
async fn the_reports_headings_are_dutch_or_english_as_the_browser_chooses() {
    let (app, actors) = setup().await;
    let approved = submit(
        &app,
        &actors.participant,
        &actors.theme,
        "Hoe houden we de buurttafel open als de vrijwilligers stoppen?",
    )
    .await;
    let rejected = submit(
        &app,
        &actors.participant,
        &actors.theme,
        "Een vraag die niet bij dit thema hoort",
    )
    .await;
    moderate(
        &app,
        &actors.moderator,
        json!({ "id": approved, "action": "APPROVE" }),
    )
    .await;
    moderate(
        &app,
        &actors.moderator,
        json!({ "id": rejected, "action": "REJECT", "note": "Hoort bij een ander thema" }),
    )
    .await;
    app.gql_as(
        &actors.other_participant,
        crate::actors::VOTE,
        json!({ "id": approved }),
    )
    .await;
    app.gql_as(
        &actors.moderator,
        "mutation($i: MarkLearningQuestionInput!) { markLearningQuestion(input: $i) { discussed } }",
        json!({ "i": { "id": approved, "discussed": true } }),
    )
    .await;

    let mut staff = signed_in(&app, "staff@movisie.example").await;
    let dutch = staff.get(REPORT).await.text();
    let english_words = [
        "<html lang=\"en\">",
        "Learning agenda: ",
        "input per theme · 2 learning questions",
        "learning questions</div>",
        "to review</div>",
        "time recognised</div>",
        "<h3>Most recognised questions</h3>",
        "<h3>Discussed in the session</h3>",
        "<h3>Moderators",
        "<figcaption>Who asks</figcaption>",
    ];
    for words in [
        "<html lang=\"nl\">",
        "<title>Leeragenda — ",
        "Leeragenda: ",
        "Input van deelnemers per thema · 2 leervragen",
        "leervragen</div>",
        "te beoordelen</div>",
        "keer herkend</div>",
        "<h3>Meest herkende vragen</h3>",
        "<h3>Besproken in de sessie</h3>",
        "<h3>Notities van moderatoren</h3>",
        "<figcaption>Wie vraagt</figcaption>",
    ] {
        assert!(dutch.contains(words), "{words} in {dutch}");
    }
    for words in english_words {
        assert!(!dutch.contains(words), "{words}");
    }

    // English: asked for by the browser, or chosen with the pages' switch.
    staff
        .headers
        .push(("accept-language", "en-GB,en;q=0.9".into()));
    let asked = staff.get(REPORT).await;
    assert_eq!(
        asked.header(axum::http::header::VARY),
        Some("Accept-Language, Cookie")
    );
    staff.headers.clear();
    staff
        .post("/taal", &[("lang", "en"), ("return", "/")])
        .await;
    let switched = staff.get(REPORT).await.text();
    for english in [asked.text(), switched] {
        for words in english_words {
            assert!(english.contains(words), "{words} in {english}");
        }
        assert!(
            !english.contains("Meest herkende vragen") && !english.contains("leervragen"),
            "no Dutch left"
        );
    }
}
