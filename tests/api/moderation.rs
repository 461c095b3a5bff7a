//! Issue 13, part A: the moderation page (`/moderatie`) and what moderators do during the
//! session (star, highlight, discussed) and post-moderation, through the API and the pages.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::actors::{EVENT, PASSWORD, setup, submit};
use crate::helpers::{TestApp, first_error_code};
use crate::web::{Browser, location};

const MARK: &str = "mutation($i: MarkLearningQuestionInput!) { markLearningQuestion(input: $i) { id starred highlighted discussed discussedAt status } }";
const SET_MODE: &str = "mutation($i: SetModerationModeInput!) { setModerationMode(input: $i) { themeId postModeration } }";
const APPROVE: &str = "mutation($id: ID!) { moderateLearningQuestion(input: { id: $id, action: APPROVE }) { status } }";

async fn approve(app: &TestApp, token: &str, id: &str) {
    let response = app.gql_as(token, APPROVE, json!({ "id": id })).await;
    assert!(response.get("errors").is_none(), "{response:#}");
}

async fn sign_in(browser: &mut Browser<'_>, email: &str) {
    browser.get("/inloggen").await;
    let response = browser
        .post("/inloggen", &[("email", email), ("password", PASSWORD)])
        .await;
    assert_eq!(
        response.status,
        StatusCode::SEE_OTHER,
        "{}",
        response.text()
    );
}

fn ok(response: &Value) -> &Value {
    assert!(response.get("errors").is_none(), "{response:#}");
    &response["data"]
}

#[tokio::test]
async fn moderators_in_scope_star_highlight_and_mark_discussed_and_others_are_refused() {
    let (app, actors) = setup().await;
    let first = submit(
        &app,
        &actors.participant,
        &actors.theme,
        "Hoe houden we gemengde wijken gemengd?",
    )
    .await;
    let second = submit(
        &app,
        &actors.participant,
        &actors.theme,
        "Wat werkt bij het mengen van huurders en kopers?",
    )
    .await;
    let pending = submit(
        &app,
        &actors.participant,
        &actors.theme,
        "Deze vraag wacht nog op een moderator",
    )
    .await;
    approve(&app, &actors.moderator, &first).await;
    approve(&app, &actors.moderator, &second).await;

    let starred = app
        .gql_as(
            &actors.moderator,
            MARK,
            json!({ "i": { "id": first, "starred": true, "highlighted": true } }),
        )
        .await;
    let q = &ok(&starred)["markLearningQuestion"];
    assert_eq!(
        (
            q["starred"].as_bool(),
            q["highlighted"].as_bool(),
            q["discussed"].as_bool()
        ),
        (Some(true), Some(true), Some(false))
    );

    // One highlight per theme: the second takes it from the first.
    ok(&app
        .gql_as(
            &actors.admin,
            MARK,
            json!({ "i": { "id": second, "highlighted": true } }),
        )
        .await);
    let shown = app
        .gql_as(
            &actors.participant,
            "{ highlightedQuestions { id text highlighted } }",
            json!({}),
        )
        .await;
    let shown = ok(&shown)["highlightedQuestions"]
        .as_array()
        .expect("list")
        .clone();
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0]["id"], second);

    let discussed = app
        .gql_as(
            &actors.moderator,
            MARK,
            json!({ "i": { "id": first, "discussed": true } }),
        )
        .await;
    let q = &ok(&discussed)["markLearningQuestion"];
    assert_eq!(q["discussed"], true);
    assert!(q["discussedAt"].is_string());
    assert_eq!(q["starred"], true, "fields left out stay");
    let read = app
        .gql_as(
            &actors.staff,
            "query($id: ID!) { learningQuestion(id: $id) { discussed starred highlighted } }",
            json!({ "id": first }),
        )
        .await;
    assert_eq!(
        ok(&read)["learningQuestion"]["discussed"],
        true,
        "kept on the question"
    );

    let denials = [
        (None, "UNAUTHENTICATED"),
        (Some(actors.participant.as_str()), "FORBIDDEN"),
        (Some(actors.staff.as_str()), "FORBIDDEN"),
        (Some(actors.moderator_elsewhere.as_str()), "FORBIDDEN"),
    ];
    for (token, code) in denials {
        let response = app
            .gql_maybe_as(
                token,
                MARK,
                json!({ "i": { "id": first, "starred": false } }),
            )
            .await;
        assert_eq!(first_error_code(&response), code, "{token:?}");
    }
    let not_yet = app
        .gql_as(
            &actors.moderator,
            MARK,
            json!({ "i": { "id": pending, "highlighted": true } }),
        )
        .await;
    assert_eq!(
        first_error_code(&not_yet),
        "CONFLICT",
        "only approved questions"
    );
    let read = app
        .gql_as(
            &actors.admin,
            "query($id: ID!) { learningQuestion(id: $id) { starred } }",
            json!({ "id": first }),
        )
        .await;
    assert_eq!(
        ok(&read)["learningQuestion"]["starred"],
        true,
        "refused marks changed nothing"
    );
}

#[tokio::test]
async fn staff_choose_post_moderation_per_theme_and_submissions_then_appear_at_once() {
    let (app, actors) = setup().await;
    let before = submit(
        &app,
        &actors.participant,
        &actors.theme,
        "Een vraag uit de tijd van de wachtrij",
    )
    .await;

    for (token, code) in [
        (None, "UNAUTHENTICATED"),
        (Some(actors.participant.as_str()), "FORBIDDEN"),
        (Some(actors.moderator.as_str()), "FORBIDDEN"),
    ] {
        let response = app
            .gql_maybe_as(
                token,
                SET_MODE,
                json!({ "i": { "themeId": actors.theme, "postModeration": true } }),
            )
            .await;
        assert_eq!(first_error_code(&response), code, "{token:?}");
    }
    let set = app
        .gql_as(
            &actors.staff,
            SET_MODE,
            json!({ "i": { "eventSlug": EVENT, "themeId": actors.theme, "postModeration": true } }),
        )
        .await;
    assert_eq!(ok(&set)["setModerationMode"]["postModeration"], true);
    let modes = app
        .gql(
            &format!("{{ moderationModes(eventSlug: \"{EVENT}\") {{ themeId postModeration }} }}"),
            json!({}),
        )
        .await;
    assert_eq!(
        ok(&modes)["moderationModes"],
        json!([{ "themeId": actors.theme, "postModeration": true }])
    );
    assert_eq!(
        app.count_rows("audit_log").await,
        1,
        "recorded in the audit log"
    );

    let after = app
        .gql_as(&actors.participant, crate::actors::SUBMIT, json!({ "i": { "themeId": actors.theme, "text": "Deze vraag verschijnt meteen voor iedereen" } }))
        .await;
    assert_eq!(ok(&after)["submitLearningQuestion"]["status"], "APPROVED");
    let other = app
        .gql_as(&actors.participant, crate::actors::SUBMIT, json!({ "i": { "themeId": actors.other_theme, "text": "Bij een ander thema wacht de vraag nog" } }))
        .await;
    assert_eq!(
        ok(&other)["submitLearningQuestion"]["status"],
        "PENDING",
        "only that theme"
    );
    let status = app
        .gql_as(
            &actors.admin,
            "query($id: ID!) { learningQuestion(id: $id) { status } }",
            json!({ "id": before }),
        )
        .await;
    assert_eq!(
        ok(&status)["learningQuestion"]["status"],
        "PENDING",
        "earlier questions still wait"
    );

    // The moderator hides what does not belong.
    let id = ok(&after)["submitLearningQuestion"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let hidden = crate::actors::moderate(
        &app,
        &actors.moderator,
        json!({ "id": id, "action": "HIDE" }),
    )
    .await;
    assert_eq!(ok(&hidden)["moderateLearningQuestion"]["status"], "HIDDEN");

    // The event's setting, and a theme's that overrides it.
    ok(&app
        .gql_as(
            &actors.admin,
            SET_MODE,
            json!({ "i": { "postModeration": true } }),
        )
        .await);
    ok(&app
        .gql_as(
            &actors.admin,
            SET_MODE,
            json!({ "i": { "themeId": actors.theme, "postModeration": false } }),
        )
        .await);
    let pre = app
        .gql_as(&actors.participant, crate::actors::SUBMIT, json!({ "i": { "themeId": actors.theme, "text": "Hier wacht de vraag weer op goedkeuring" } }))
        .await;
    assert_eq!(ok(&pre)["submitLearningQuestion"]["status"], "PENDING");
    let post = app
        .gql_as(&actors.participant, crate::actors::SUBMIT, json!({ "i": { "themeId": actors.other_theme, "text": "Hier verschijnt de vraag door het evenement meteen" } }))
        .await;
    assert_eq!(ok(&post)["submitLearningQuestion"]["status"], "APPROVED");
}

#[tokio::test]
async fn the_queue_shows_the_moderators_scope_oldest_first_and_nothing_of_another_theme() {
    let (app, actors) = setup().await;
    let older = submit(
        &app,
        &actors.participant,
        &actors.theme,
        "De oudste vraag over gemengde wijken",
    )
    .await;
    submit(
        &app,
        &actors.participant,
        &actors.theme,
        "Een nieuwere vraag over gemengde wijken",
    )
    .await;
    let elsewhere = submit(
        &app,
        &actors.participant,
        &actors.other_theme,
        "Een vraag over vertrouwen in instituties",
    )
    .await;
    approve(&app, &actors.moderator_elsewhere, &elsewhere).await;

    let mut browser = Browser::new(&app);
    sign_in(&mut browser, "moderator@example.org").await;
    let page = browser.get("/moderatie").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    let oldest = html.find("De oudste vraag").expect("in the queue");
    let newer = html.find("Een nieuwere vraag").expect("in the queue");
    assert!(oldest < newer, "oldest first");
    assert!(html.contains(&format!("value=\"{older}\"")));
    assert!(
        !html.contains("vertrouwen in instituties"),
        "nothing of another theme"
    );
    assert!(html.contains("Je modereert: Gemengde wijken."));
    assert!(
        html.contains("<kbd>a</kbd>"),
        "the shortcuts are documented"
    );
    let approved = browser.get("/moderatie?status=APPROVED").await.text();
    assert!(
        !approved.contains("vertrouwen in instituties"),
        "not even approved ones"
    );

    let mut staff = Browser::new(&app);
    sign_in(&mut staff, "staff@movisie.example").await;
    assert_eq!(
        staff.get("/moderatie").await.status,
        StatusCode::FORBIDDEN,
        "staff read, they do not screen"
    );
}

#[tokio::test]
async fn actions_are_forms_that_redirect_back_and_a_rejection_reason_reaches_the_participant() {
    let (app, actors) = setup().await;
    let mut participant = Browser::new(&app);
    participant.join().await;
    let mut moderator = Browser::new(&app);
    sign_in(&mut moderator, "moderator@example.org").await;
    moderator.get("/moderatie").await;

    // The participant's own question, through the page.
    participant
        .get(&format!("/events/{EVENT}/leeragenda"))
        .await;
    let sent = participant
        .post(
            &format!("/events/{EVENT}/leeragenda"),
            &[
                ("themeId", &actors.theme),
                ("text", "Waarom wordt mijn vraag afgewezen?"),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text());
    let (rows, _) = buurtgraph::service::feedback::questions_page(
        &app.db,
        sea_orm::Condition::all(),
        &buurtgraph::service::feedback::QuestionFilter::default(),
        buurtgraph::service::feedback::QuestionOrder::Newest,
        0,
        10,
    )
    .await
    .expect("questions");
    let id = buurtgraph::graphql::ids::encode(
        buurtgraph::graphql::ids::NodeType::LearningQuestion,
        rows[0].id,
    )
    .to_string();

    let rejected = moderator
        .post(
            "/moderatie/actie",
            &[
                ("id", &id),
                ("action", "REJECT"),
                ("note", "Dit hoort bij een ander evenement"),
                ("terug", "/moderatie?status=PENDING"),
            ],
        )
        .await;
    assert_eq!(rejected.status, StatusCode::SEE_OTHER);
    assert_eq!(
        location(&rejected),
        "/moderatie?status=PENDING&melding=afgewezen"
    );
    assert!(
        moderator
            .get(location(&rejected))
            .await
            .text()
            .contains("De vraag is afgewezen.")
    );
    let mine = participant
        .get(&format!("/events/{EVENT}/leeragenda"))
        .await
        .text();
    assert!(
        mine.contains("Dit hoort bij een ander evenement"),
        "the participant sees the reason"
    );

    let again = moderator
        .post("/moderatie/actie", &[("id", &id), ("action", "REJECT")])
        .await;
    assert_eq!(
        location(&again),
        "/moderatie?melding=conflict",
        "a rejected question cannot be rejected"
    );
    let restored = moderator
        .post("/moderatie/actie", &[("id", &id), ("action", "RESTORE")])
        .await;
    assert_eq!(location(&restored), "/moderatie?melding=teruggezet");
    let moved = moderator
        .post(
            "/moderatie/actie",
            &[
                ("id", &id),
                ("action", "APPROVE"),
                ("themeId", &actors.other_theme),
            ],
        )
        .await;
    assert_eq!(
        location(&moved),
        "/moderatie?melding=buiten-bereik",
        "the other theme is outside the scope"
    );
    let approved = moderator
        .post("/moderatie/actie", &[("id", &id), ("action", "APPROVE")])
        .await;
    assert_eq!(location(&approved), "/moderatie?melding=goedgekeurd");
    let star = moderator
        .post("/moderatie/markeer", &[("id", &id), ("starred", "true")])
        .await;
    assert_eq!(location(&star), "/moderatie?melding=gemarkeerd");
    let listed = moderator.get("/moderatie?status=APPROVED").await.text();
    assert!(listed.contains("Met ster") && listed.contains("Ster weghalen"));

    let forged = moderator
        .post_raw(
            "/moderatie/actie",
            &[("id", &id), ("action", "HIDE")],
            Some("http://buurt.test"),
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "no CSRF token");
    let out_of_scope = {
        let mut other = Browser::new(&app);
        sign_in(&mut other, "moderator2@example.org").await;
        other.get("/moderatie").await;
        other
            .post("/moderatie/actie", &[("id", &id), ("action", "HIDE")])
            .await
    };
    assert_eq!(location(&out_of_scope), "/moderatie?melding=buiten-bereik");
}

#[tokio::test]
async fn several_questions_are_approved_or_rejected_at_once() {
    let (app, actors) = setup().await;
    let a = submit(
        &app,
        &actors.participant,
        &actors.theme,
        "Eerste vraag voor de bulkactie",
    )
    .await;
    let b = submit(
        &app,
        &actors.participant,
        &actors.theme,
        "Tweede vraag voor de bulkactie",
    )
    .await;
    let c = submit(
        &app,
        &actors.participant,
        &actors.theme,
        "Derde vraag voor de bulkactie",
    )
    .await;
    let mut moderator = Browser::new(&app);
    sign_in(&mut moderator, "moderator@example.org").await;
    moderator.get("/moderatie").await;
    let none = moderator
        .post("/moderatie/bulk", &[("action", "APPROVE")])
        .await;
    assert_eq!(location(&none), "/moderatie?melding=niets-gekozen");
    let done = moderator
        .post(
            "/moderatie/bulk",
            &[("id", &a), ("id", &b), ("action", "APPROVE")],
        )
        .await;
    assert_eq!(location(&done), "/moderatie?melding=bulk");
    let partly = moderator
        .post(
            "/moderatie/bulk",
            &[
                ("id", &a),
                ("id", &c),
                ("action", "REJECT"),
                ("note", "Te algemeen"),
            ],
        )
        .await;
    assert_eq!(
        location(&partly),
        "/moderatie?melding=bulk-deels",
        "a was approved already"
    );
    // A duplicate, its original chosen from the similar questions the card offers.
    let d = submit(
        &app,
        &actors.participant,
        &actors.theme,
        "Tweede vraag voor de bulkactie, nog een keer",
    )
    .await;
    let queue = moderator.get("/moderatie").await.text();
    assert!(
        queue.contains(&format!("name=\"duplicateOfId\" value=\"{b}\"")),
        "b is offered as the original"
    );
    let marked = moderator
        .post(
            "/moderatie/actie",
            &[
                ("id", &d),
                ("action", "MARK_DUPLICATE"),
                ("duplicateOfId", &b),
            ],
        )
        .await;
    assert_eq!(location(&marked), "/moderatie?melding=dubbel");
    let unnamed = moderator
        .post(
            "/moderatie/actie",
            &[("id", &a), ("action", "MARK_DUPLICATE")],
        )
        .await;
    assert_eq!(
        location(&unnamed),
        "/moderatie?melding=ongeldig",
        "an original is needed"
    );
    for (id, status) in [
        (&a, "APPROVED"),
        (&b, "APPROVED"),
        (&c, "REJECTED"),
        (&d, "DUPLICATE"),
    ] {
        let read = app
            .gql_as(
                &actors.admin,
                "query($id: ID!) { learningQuestion(id: $id) { status } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(ok(&read)["learningQuestion"]["status"], status);
    }
}

#[tokio::test]
async fn post_moderated_questions_and_highlights_reach_participants_live() {
    use crate::live::{connect, instance_with, next, send};
    let (app, actors) = setup().await;
    ok(&app
        .gql_as(
            &actors.staff,
            SET_MODE,
            json!({ "i": { "themeId": actors.theme, "postModeration": true } }),
        )
        .await);
    let address = instance_with(&app, buurtgraph::config::ServeConfig::default()).await;
    let events =
        "subscription { learningQuestionEvents { change question { id status highlighted } } }";
    let mut neighbour = connect(address, Some(&actors.other_participant)).await;
    send(
        &mut neighbour,
        json!({ "id": "s", "type": "subscribe", "payload": { "query": events } }),
    )
    .await;

    let mut participant = connect(address, Some(&actors.participant)).await;
    send(&mut participant, json!({ "id": "m", "type": "subscribe", "payload": {
        "query": "mutation($t: ID!) { submitLearningQuestion(input: { themeId: $t, text: \"Verschijnt deze vraag meteen bij iedereen?\" }) { id status } }",
        "variables": { "t": actors.theme } } })).await;
    let submitted = next(&mut participant).await;
    let id = submitted["payload"]["data"]["submitLearningQuestion"]["id"].clone();
    assert_eq!(
        submitted["payload"]["data"]["submitLearningQuestion"]["status"],
        "APPROVED"
    );

    let arrived = next(&mut neighbour).await;
    let event = &arrived["payload"]["data"]["learningQuestionEvents"];
    assert_eq!(
        (event["change"].as_str(), event["question"]["id"].clone()),
        (Some("SUBMITTED"), id.clone())
    );
    assert_eq!(
        event["question"]["status"], "APPROVED",
        "no approval needed"
    );

    let mut moderator = connect(address, Some(&actors.moderator)).await;
    send(&mut moderator, json!({ "id": "h", "type": "subscribe", "payload": {
        "query": "mutation($q: ID!) { markLearningQuestion(input: { id: $q, highlighted: true }) { highlighted } }",
        "variables": { "q": id } } })).await;
    assert_eq!(
        next(&mut moderator).await["payload"]["data"]["markLearningQuestion"]["highlighted"],
        true
    );
    let highlighted = next(&mut neighbour).await;
    assert_eq!(
        highlighted["payload"]["data"]["learningQuestionEvents"]["question"]["highlighted"],
        true
    );
}

const MOVE: &str = "mutation($i: ModerateLearningQuestionInput!) { moderateLearningQuestion(input: $i) { status highlighted theme { slug } } }";
const READ: &str =
    "query($id: ID!) { learningQuestion(id: $id) { status highlighted theme { slug } } }";

/// A moderator of both themes of the bundled event (the others screen one each).
async fn moderator_of_both(app: &TestApp) -> String {
    crate::actors::add_account(
        app,
        "beide@example.org",
        entity::enums::AccountRole::Moderator,
        &[
            buurtgraph::service::accounts::ScopeSpec::Theme("gemengde-wijken".into()),
            buurtgraph::service::accounts::ScopeSpec::Theme(
                "vertrouwen-in-instituties-en-elkaar".into(),
            ),
        ],
    )
    .await;
    crate::actors::login(app, "beide@example.org").await
}

#[tokio::test]
async fn a_question_moves_to_another_theme_keeping_its_status_and_only_within_scope() {
    let (app, actors) = setup().await;
    let both = moderator_of_both(&app).await;
    let pending = submit(
        &app,
        &actors.participant,
        &actors.theme,
        "Hoort deze vraag niet eerder bij vertrouwen?",
    )
    .await;
    let approved = submit(
        &app,
        &actors.participant,
        &actors.theme,
        "Hoe bouwen bewoners vertrouwen op in de woningcorporatie?",
    )
    .await;
    approve(&app, &actors.moderator, &approved).await;
    ok(&app
        .gql_as(
            &actors.moderator,
            MARK,
            json!({ "i": { "id": approved, "highlighted": true } }),
        )
        .await);
    let move_to =
        |id: &str, theme: &str| json!({ "i": { "id": id, "action": "MOVE", "themeId": theme } });

    // Denied: no account, the wrong role, the question or the target outside the scope.
    let denials = [
        (None, "UNAUTHENTICATED"),
        (Some(actors.participant.as_str()), "FORBIDDEN"),
        (Some(actors.staff.as_str()), "FORBIDDEN"),
        (Some(actors.moderator_elsewhere.as_str()), "FORBIDDEN"),
        (Some(actors.moderator.as_str()), "FORBIDDEN"),
    ];
    for (token, code) in denials {
        let response = app
            .gql_maybe_as(token, MOVE, move_to(&pending, &actors.other_theme))
            .await;
        assert_eq!(first_error_code(&response), code, "{token:?}");
    }
    // Bad input: no theme, or the theme it already has.
    for input in [
        json!({ "i": { "id": pending, "action": "MOVE" } }),
        move_to(&pending, &actors.theme),
    ] {
        let response = app.gql_as(&both, MOVE, input).await;
        assert_eq!(first_error_code(&response), "BAD_USER_INPUT");
        assert_eq!(response["errors"][0]["extensions"]["field"], "themeId");
    }
    let unchanged = app
        .gql_as(&actors.admin, READ, json!({ "id": pending }))
        .await;
    assert_eq!(
        ok(&unchanged)["learningQuestion"]["theme"]["slug"],
        "gemengde-wijken",
        "refused moves changed nothing"
    );

    // A moderator of both themes moves the pending question: it still waits.
    let moved = app
        .gql_as(&both, MOVE, move_to(&pending, &actors.other_theme))
        .await;
    let q = &ok(&moved)["moderateLearningQuestion"];
    assert_eq!(q["status"], "PENDING");
    assert_eq!(q["theme"]["slug"], "vertrouwen-in-instituties-en-elkaar");
    // Now it is in the other theme's moderator's scope, and out of the first one's.
    let back = app
        .gql_as(&actors.moderator, MOVE, move_to(&pending, &actors.theme))
        .await;
    assert_eq!(first_error_code(&back), "FORBIDDEN");

    // An admin moves an approved, highlighted question: approved still, off the table.
    let moved = app
        .gql_as(&actors.admin, MOVE, move_to(&approved, &actors.other_theme))
        .await;
    let q = &ok(&moved)["moderateLearningQuestion"];
    assert_eq!(
        (q["status"].as_str(), q["highlighted"].as_bool()),
        (Some("APPROVED"), Some(false))
    );

    // Audited like every action: MOVE, the status the same, the theme changed.
    let log = app
        .gql_as(
            &actors.staff,
            "query($q: ID!) { moderationLog(questionId: $q) { nodes { action fromStatus toStatus themeChanged } } }",
            json!({ "q": pending }),
        )
        .await;
    assert_eq!(
        ok(&log)["moderationLog"]["nodes"][0],
        json!({ "action": "MOVE", "fromStatus": "PENDING", "toStatus": "PENDING", "themeChanged": true })
    );

    // A duplicate stays with its original.
    let original = submit(
        &app,
        &actors.participant,
        &actors.theme,
        "Hoe mengen we huur en koop in een straat?",
    )
    .await;
    let duplicate = submit(
        &app,
        &actors.participant,
        &actors.theme,
        "Hoe mengen we huur en koop in dezelfde straat?",
    )
    .await;
    ok(&app
        .gql_as(
            &actors.moderator,
            MOVE,
            json!({ "i": { "id": duplicate, "action": "MARK_DUPLICATE", "duplicateOfId": original } }),
        )
        .await);
    let refused = app
        .gql_as(&both, MOVE, move_to(&duplicate, &actors.other_theme))
        .await;
    assert_eq!(first_error_code(&refused), "CONFLICT");
}

#[tokio::test]
async fn the_move_form_works_without_javascript_in_dutch_and_english() {
    let (app, actors) = setup().await;
    moderator_of_both(&app).await;
    let pending = submit(
        &app,
        &actors.participant,
        &actors.theme,
        "Deze vraag gaat naar een ander thema",
    )
    .await;
    let approved = submit(
        &app,
        &actors.participant,
        &actors.theme,
        "Deze goedgekeurde vraag gaat ook naar een ander thema",
    )
    .await;
    approve(&app, &actors.moderator, &approved).await;

    // A moderator of one theme has nowhere to move to: no form.
    let mut single = Browser::new(&app);
    sign_in(&mut single, "moderator@example.org").await;
    let page = single.get("/moderatie").await.text();
    assert!(page.contains("Deze vraag gaat naar een ander thema"));
    assert!(!page.contains("value=\"MOVE\""), "no move without a target");

    let mut both = Browser::new(&app);
    sign_in(&mut both, "beide@example.org").await;
    let page = both.get("/moderatie").await.text();
    assert!(page.contains(&format!("id=\"thema-{pending}\"")));
    assert!(page.contains(&format!(
        "<option value=\"{}\">Vertrouwen",
        actors.other_theme
    )));
    assert!(page.contains(">Verplaats<span"), "{page}");
    both.headers
        .push(("accept-language", "en-GB,en;q=0.9".into()));
    let english = both.get("/moderatie").await.text();
    assert!(english.contains(">Move<span") && english.contains("Move to theme"));
    both.headers.clear();

    let moved = both
        .post(
            "/moderatie/actie",
            &[
                ("id", &pending),
                ("action", "MOVE"),
                ("themeId", &actors.other_theme),
                ("terug", "/moderatie"),
            ],
        )
        .await;
    assert_eq!(location(&moved), "/moderatie?melding=verplaatst");
    assert!(
        both.get(location(&moved))
            .await
            .text()
            .contains("De vraag is naar een ander thema verplaatst")
    );
    let moved = both
        .post(
            "/moderatie/actie",
            &[
                ("id", &approved),
                ("action", "MOVE"),
                ("themeId", &actors.other_theme),
                ("terug", "/moderatie?status=APPROVED"),
            ],
        )
        .await;
    assert_eq!(
        location(&moved),
        "/moderatie?status=APPROVED&melding=verplaatst"
    );
    for (id, status) in [(&pending, "PENDING"), (&approved, "APPROVED")] {
        let read = app.gql_as(&actors.admin, READ, json!({ "id": id })).await;
        let q = &ok(&read)["learningQuestion"];
        assert_eq!(q["status"], status, "the status stays");
        assert_eq!(q["theme"]["slug"], "vertrouwen-in-instituties-en-elkaar");
    }
    // Moving back is outside the single-theme moderator's scope, and the form says so.
    let refused = single
        .post(
            "/moderatie/actie",
            &[
                ("id", &pending),
                ("action", "MOVE"),
                ("themeId", &actors.theme),
            ],
        )
        .await;
    assert_eq!(location(&refused), "/moderatie?melding=buiten-bereik");
    let no_theme = both
        .post("/moderatie/actie", &[("id", &pending), ("action", "MOVE")])
        .await;
    assert_eq!(location(&no_theme), "/moderatie?melding=ongeldig");
}
