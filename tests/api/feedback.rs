//! The learning flow: submit, moderate, vote, read the summary.

use serde_json::{Value, json};

use crate::actors::{EVENT, SUBMIT, VOTE, join, moderate, setup, submit};
use crate::helpers::{TestApp, first_error_code};

fn code(response: &Value) -> Option<&str> {
    response["errors"][0]["extensions"]["code"].as_str()
}

#[tokio::test]
async fn the_whole_flow_from_question_to_summary() {
    let (app, actors) = setup().await;
    let submitted = app
        .gql_as(
            &actors.participant,
            SUBMIT,
            json!({ "i": {
                "themeId": actors.theme,
                "sessionId": actors.session,
                "text": "  Hoe voorkomen we dat nieuwe bewoners en oude bewoners langs elkaar heen leven?  ",
                "context": "Wijk met veel nieuwbouw",
                "submitterRole": "PROFESSIONAL",
                "preferredFormats": ["PEER_LEARNING", "FIELD_VISIT", "PEER_LEARNING"],
                "region": "Utrecht"
            } }),
        )
        .await;
    let question = &submitted["data"]["submitLearningQuestion"];
    assert_eq!(question["status"], "PENDING");
    assert_eq!(question["isMine"], true);
    assert_eq!(
        question["text"],
        "Hoe voorkomen we dat nieuwe bewoners en oude bewoners langs elkaar heen leven?"
    );
    let id = question["id"].as_str().expect("id").to_owned();

    // Pending: other participants cannot vote yet.
    let early = app
        .gql_as(&actors.other_participant, VOTE, json!({ "id": id }))
        .await;
    assert_eq!(code(&early), Some("NOT_FOUND"));

    let approved = moderate(
        &app,
        &actors.moderator,
        json!({ "id": id, "action": "APPROVE", "note": "helder" }),
    )
    .await;
    assert_eq!(
        approved["data"]["moderateLearningQuestion"]["status"],
        "APPROVED"
    );

    let voted = app
        .gql_as(&actors.other_participant, VOTE, json!({ "id": id }))
        .await;
    assert_eq!(voted["data"]["voteLearningQuestion"]["voteCount"], 1);
    assert_eq!(
        voted["data"]["voteLearningQuestion"]["viewerHasVoted"],
        true
    );
    let twice = app
        .gql_as(&actors.other_participant, VOTE, json!({ "id": id }))
        .await;
    assert_eq!(code(&twice), Some("CONFLICT"));

    let summary = app
        .gql_as(
            &actors.staff,
            r#"{ feedbackSummary(eventSlug: "dag-van-de-buurt-2021") {
                 total byStatus { status count }
                 themes { theme { slug } total approved pending votes
                          byRole { role count } byFormat { format count }
                          topQuestions(limit: 3) { id voteCount preferredFormats } } } }"#,
            json!({}),
        )
        .await;
    let summary = &summary["data"]["feedbackSummary"];
    assert_eq!(summary["total"], 1);
    let theme = &summary["themes"][0];
    assert_eq!(theme["theme"]["slug"], "gemengde-wijken");
    assert_eq!(
        (
            theme["approved"].clone(),
            theme["pending"].clone(),
            theme["votes"].clone()
        ),
        (json!(1), json!(0), json!(1))
    );
    assert_eq!(
        theme["byRole"],
        json!([{ "role": "PROFESSIONAL", "count": 1 }])
    );
    assert_eq!(
        theme["byFormat"],
        json!([{ "format": "PEER_LEARNING", "count": 1 }, { "format": "FIELD_VISIT", "count": 1 }])
    );
    assert_eq!(theme["topQuestions"][0]["id"], json!(id));
    assert_eq!(
        theme["topQuestions"][0]["preferredFormats"],
        json!(["PEER_LEARNING", "FIELD_VISIT"])
    );

    let log = app
        .gql_as(
            &actors.staff,
            "{ moderationLog { edges { node { action fromStatus toStatus note } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        log["data"]["moderationLog"]["edges"][0]["node"],
        json!({ "action": "APPROVE", "fromStatus": "PENDING", "toStatus": "APPROVED", "note": "helder" })
    );

    let unvoted = app
        .gql_as(
            &actors.other_participant,
            "mutation($id: ID!) { unvoteLearningQuestion(id: $id) { voteCount viewerHasVoted } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        unvoted["data"]["unvoteLearningQuestion"],
        json!({ "voteCount": 0, "viewerHasVoted": false })
    );
}

#[tokio::test]
async fn every_validation_error_names_its_field_and_stores_nothing() {
    let (app, actors) = setup().await;
    let topic = app
        .data(r#"{ event { themes(kind: TOPIC) { id } } }"#, json!({}))
        .await["event"]["themes"][0]["id"]
        .clone();
    let opening = app
        .data(r#"{ event { blocks { sessions { id } } } }"#, json!({}))
        .await["event"]["blocks"][0]["sessions"][0]["id"]
        .clone();
    let valid = json!({ "themeId": actors.theme, "text": "Een goede vraag over gemengde wijken" });
    let with = |field: &str, value: Value| {
        let mut input = valid.clone();
        input[field] = value;
        input
    };
    let cases = [
        (with("text", json!("te kort")), "text"),
        (with("text", json!("          ")), "text"),
        (with("text", json!("x".repeat(1001))), "text"),
        (with("context", json!("x".repeat(2001))), "context"),
        (with("region", json!("x".repeat(101))), "region"),
        (with("themeId", topic), "themeId"),
        (with("themeId", json!("garbage")), "themeId"),
        (with("sessionId", opening), "sessionId"),
        (
            with("idempotencyKey", json!("k".repeat(101))),
            "idempotencyKey",
        ),
    ];
    for (input, field) in cases {
        let response = app
            .gql_as(&actors.participant, SUBMIT, json!({ "i": input }))
            .await;
        assert_eq!(
            code(&response),
            Some("BAD_USER_INPUT"),
            "{field}: {response:#}"
        );
        assert_eq!(response["errors"][0]["extensions"]["field"], field);
    }
    let bad_enum = app
        .gql_as(
            &actors.participant,
            SUBMIT,
            json!({ "i": with("submitterRole", json!("KING")) }),
        )
        .await;
    assert!(bad_enum.get("errors").is_some());
    assert_eq!(app.count_rows("learning_question").await, 0);
}

#[tokio::test]
async fn a_theme_whose_sessions_all_closed_feedback_takes_no_questions() {
    let (app, actors) = setup().await;
    let themes = app
        .data(
            r#"{ event { themes { id sessions { id event { slug } } } } }"#,
            json!({}),
        )
        .await;
    let sessions: Vec<Value> = themes["event"]["themes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| t["id"] == json!(actors.theme))
        .flat_map(|t| t["sessions"].as_array().cloned().unwrap_or_default())
        .filter(|s| s["event"]["slug"] == EVENT)
        .map(|s| s["id"].clone())
        .collect();
    assert!(!sessions.is_empty());
    let set_open = |open: bool| {
        let (app, admin, sessions) = (&app, &actors.admin, sessions.clone());
        async move {
            for session in sessions {
                let response = app
                    .gql_as(
                        admin,
                        "mutation($s: ID!, $o: Boolean!) { setFeedbackOpen(sessionId: $s, open: $o) { feedbackOpen } }",
                        json!({ "s": session, "o": open }),
                    )
                    .await;
                assert!(response["errors"].is_null(), "{response}");
            }
        }
    };
    let input =
        json!({ "i": { "themeId": actors.theme, "text": "Mag deze vraag nog binnenkomen?" } });

    set_open(false).await;
    let refused = app.gql_as(&actors.participant, SUBMIT, input.clone()).await;
    assert_eq!(code(&refused), Some("BAD_USER_INPUT"), "{refused}");
    assert_eq!(refused["errors"][0]["extensions"]["field"], "themeId");
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("closed")),
        "{refused}"
    );
    assert_eq!(app.count_rows("learning_question").await, 0);

    set_open(true).await;
    let accepted = app.gql_as(&actors.participant, SUBMIT, input).await;
    assert!(accepted["errors"].is_null(), "{accepted}");
    assert_eq!(app.count_rows("learning_question").await, 1);
}

#[tokio::test]
async fn a_retry_with_the_same_idempotency_key_returns_the_first_question() {
    let (app, actors) = setup().await;
    let input = json!({ "i": { "themeId": actors.theme, "text": "Dezelfde vraag, twee keer verstuurd", "idempotencyKey": "abc-123" } });
    let first = app.gql_as(&actors.participant, SUBMIT, input.clone()).await;
    let second = app.gql_as(&actors.participant, SUBMIT, input.clone()).await;
    assert_eq!(
        first["data"]["submitLearningQuestion"]["id"],
        second["data"]["submitLearningQuestion"]["id"]
    );
    // Another participant's key is their own.
    let other = app.gql_as(&actors.other_participant, SUBMIT, input).await;
    assert_ne!(
        other["data"]["submitLearningQuestion"]["id"],
        first["data"]["submitLearningQuestion"]["id"]
    );
    assert_eq!(app.count_rows("learning_question").await, 2);
}

#[tokio::test]
async fn submissions_are_rate_limited_per_participant() {
    let (app, actors) = setup().await;
    let mut last = Value::Null;
    for i in 0..11 {
        last = app
            .gql_as(&actors.participant, SUBMIT, json!({ "i": { "themeId": actors.theme, "text": format!("Vraag nummer {i} over wijken") } }))
            .await;
    }
    assert_eq!(code(&last), Some("RATE_LIMITED"));
    assert!(
        last["errors"][0]["extensions"]["retryAfter"]
            .as_u64()
            .is_some()
    );
    // Someone else at the same venue is not affected.
    let other = submit(
        &app,
        &actors.other_participant,
        &actors.theme,
        "Mijn eigen vraag over wijken",
    )
    .await;
    assert!(!other.is_empty());
}

#[tokio::test]
async fn concurrent_votes_are_counted_exactly() {
    let (app, actors) = setup().await;
    let id = submit(
        &app,
        &actors.participant,
        &actors.theme,
        "Welke vraag herkent iedereen?",
    )
    .await;
    moderate(
        &app,
        &actors.admin,
        json!({ "id": id, "action": "APPROVE" }),
    )
    .await;
    let mut voters = Vec::new();
    for _ in 0..40 {
        voters.push(join(&app, EVENT).await);
    }
    // Every voter votes twice at once: the second is refused, and on SQLite it shares a
    // group commit with others' votes, which must stand.
    let mut tasks = Vec::new();
    for token in voters.iter().chain(&voters) {
        let router = app.router.clone();
        let (id, token) = (id.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let request = axum::http::Request::post("/graphql")
                .header("content-type", "application/json")
                .header("authorization", format!("Bearer {token}"))
                .body(axum::body::Body::from(
                    json!({ "query": VOTE, "variables": { "id": id } }).to_string(),
                ))
                .expect("request");
            let response = tower::ServiceExt::oneshot(router, request)
                .await
                .expect("answer");
            let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .expect("body");
            serde_json::from_slice::<Value>(&body).expect("json")
        }));
    }
    let (mut counted, mut refused) = (0, 0);
    for task in tasks {
        let body = task.await.expect("task");
        if body["errors"].is_null() {
            counted += 1;
        } else {
            assert_eq!(first_error_code(&body), "CONFLICT", "{body}");
            refused += 1;
        }
    }
    assert_eq!((counted, refused), (40, 40));
    let count = app
        .gql_as(
            &actors.staff,
            "query($id: ID!) { learningQuestion(id: $id) { voteCount } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(count["data"]["learningQuestion"]["voteCount"], 40);
    assert_eq!(app.count_rows("vote").await, 40);
}

async fn status(app: &TestApp, token: &str, id: &str) -> Value {
    app.gql_as(
        token,
        "query($id: ID!) { learningQuestion(id: $id) { status voteCount duplicateOf { id } } }",
        json!({ "id": id }),
    )
    .await["data"]["learningQuestion"]
        .clone()
}

#[tokio::test]
async fn each_moderation_transition_is_allowed_or_refused() {
    let (app, actors) = setup().await;
    let admin = &actors.admin;
    let q = submit(
        &app,
        &actors.participant,
        &actors.theme,
        "Een vraag om te modereren",
    )
    .await;
    let act = |action: &'static str| moderate(&app, admin, json!({ "id": q, "action": action }));
    // From PENDING: HIDE and RESTORE are refused.
    assert_eq!(code(&act("HIDE").await), Some("CONFLICT"));
    assert_eq!(code(&act("RESTORE").await), Some("CONFLICT"));
    assert_eq!(
        act("REJECT").await["data"]["moderateLearningQuestion"]["status"],
        "REJECTED"
    );
    assert_eq!(code(&act("APPROVE").await), Some("CONFLICT"));
    assert_eq!(
        act("RESTORE").await["data"]["moderateLearningQuestion"]["status"],
        "PENDING"
    );
    assert_eq!(
        act("APPROVE").await["data"]["moderateLearningQuestion"]["status"],
        "APPROVED"
    );
    assert_eq!(code(&act("REJECT").await), Some("CONFLICT"));
    assert_eq!(
        act("HIDE").await["data"]["moderateLearningQuestion"]["status"],
        "HIDDEN"
    );
    assert_eq!(
        act("RESTORE").await["data"]["moderateLearningQuestion"]["status"],
        "APPROVED"
    );
    assert_eq!(
        app.count_rows("moderation_action").await,
        5,
        "one audit row per accepted action"
    );
}

#[tokio::test]
async fn a_duplicate_lends_its_votes_to_the_original_and_stays_readable() {
    let (app, actors) = setup().await;
    let original = submit(
        &app,
        &actors.participant,
        &actors.theme,
        "Hoe mengen we wijken op een goede manier?",
    )
    .await;
    let duplicate = submit(
        &app,
        &actors.other_participant,
        &actors.theme,
        "Hoe meng je een wijk goed?",
    )
    .await;
    moderate(
        &app,
        &actors.admin,
        json!({ "id": original, "action": "APPROVE" }),
    )
    .await;
    // MARK_DUPLICATE needs an original of the same theme.
    let missing = moderate(
        &app,
        &actors.moderator,
        json!({ "id": duplicate, "action": "MARK_DUPLICATE" }),
    )
    .await;
    assert_eq!(missing["errors"][0]["extensions"]["field"], "duplicateOfId");
    let itself = moderate(
        &app,
        &actors.moderator,
        json!({ "id": duplicate, "action": "MARK_DUPLICATE", "duplicateOfId": duplicate }),
    )
    .await;
    assert_eq!(code(&itself), Some("BAD_USER_INPUT"));

    // Both approved; A recognises both, B only the duplicate.
    moderate(
        &app,
        &actors.admin,
        json!({ "id": duplicate, "action": "APPROVE" }),
    )
    .await;
    let (a, b) = (join(&app, EVENT).await, join(&app, EVENT).await);
    app.gql_as(&a, VOTE, json!({ "id": original })).await;
    app.gql_as(&a, VOTE, json!({ "id": duplicate })).await;
    app.gql_as(&b, VOTE, json!({ "id": duplicate })).await;
    let marked = moderate(
        &app,
        &actors.moderator,
        json!({ "id": duplicate, "action": "MARK_DUPLICATE", "duplicateOfId": original, "note": "zelfde vraag" }),
    )
    .await;
    assert_eq!(
        marked["data"]["moderateLearningQuestion"]["status"],
        "DUPLICATE"
    );
    assert_eq!(
        marked["data"]["moderateLearningQuestion"]["duplicateOf"]["id"],
        json!(original)
    );
    assert_eq!(
        status(&app, &actors.staff, &original).await["voteCount"],
        2,
        "B's vote is carried over, A's not twice"
    );
    assert_eq!(
        status(&app, &actors.staff, &duplicate).await["voteCount"],
        2,
        "the duplicate keeps its votes"
    );
    // The submitter still reads their question, linked to the original.
    let own = status(&app, &actors.other_participant, &duplicate).await;
    assert_eq!(own["status"], "DUPLICATE");
    assert_eq!(own["duplicateOf"]["id"], json!(original));
    let restored = moderate(
        &app,
        &actors.moderator,
        json!({ "id": duplicate, "action": "RESTORE" }),
    )
    .await;
    assert_eq!(
        restored["data"]["moderateLearningQuestion"]["status"],
        "PENDING"
    );
    assert_eq!(
        restored["data"]["moderateLearningQuestion"]["duplicateOf"],
        Value::Null
    );
    assert_eq!(status(&app, &actors.staff, &original).await["voteCount"], 1);
}

#[tokio::test]
async fn moderators_can_move_a_question_to_another_theme_in_their_scope_only() {
    let (app, actors) = setup().await;
    let q = submit(
        &app,
        &actors.participant,
        &actors.theme,
        "Hoort deze vraag wel bij dit thema?",
    )
    .await;
    let refused = moderate(
        &app,
        &actors.moderator,
        json!({ "id": q, "action": "APPROVE", "themeId": actors.other_theme }),
    )
    .await;
    assert_eq!(code(&refused), Some("FORBIDDEN"));
    let moved = moderate(
        &app,
        &actors.admin,
        json!({ "id": q, "action": "APPROVE", "themeId": actors.other_theme }),
    )
    .await;
    assert_eq!(
        moved["data"]["moderateLearningQuestion"]["theme"]["slug"],
        "vertrouwen-in-instituties-en-elkaar"
    );
}

#[tokio::test]
async fn sessions_and_themes_list_the_questions_the_viewer_may_read() {
    let (app, actors) = setup().await;
    let approved = submit(
        &app,
        &actors.participant,
        &actors.theme,
        "Zichtbaar voor de hele zaal straks",
    )
    .await;
    submit(
        &app,
        &actors.participant,
        &actors.theme,
        "Nog niet gemodereerd, dus verborgen",
    )
    .await;
    moderate(
        &app,
        &actors.admin,
        json!({ "id": approved, "action": "APPROVE" }),
    )
    .await;
    let query = r#"{ event { themes(kind: LEARNING_AGENDA) { slug learningQuestions(eventSlug: "dag-van-de-buurt-2021") { totalCount edges { node { id } } } } } }"#;
    let count_for = |response: &Value| {
        response["data"]["event"]["themes"]
            .as_array()
            .expect("themes")
            .iter()
            .find(|t| t["slug"] == "gemengde-wijken")
            .expect("theme")["learningQuestions"]["totalCount"]
            .clone()
    };
    assert_eq!(
        count_for(
            &app.gql_as(&actors.other_participant, query, json!({}))
                .await
        ),
        1
    );
    assert_eq!(
        count_for(&app.gql_as(&actors.staff, query, json!({})).await),
        2
    );
    let anonymous = app.gql(query, json!({})).await;
    assert_eq!(code(&anonymous), Some("UNAUTHENTICATED"));
    let by_session = app
        .gql_as(
            &actors.staff,
            "query($id: ID!) { session(id: $id) { learningQuestions { totalCount } } }",
            json!({ "id": actors.session }),
        )
        .await;
    assert_eq!(
        by_session["data"]["session"]["learningQuestions"]["totalCount"], 0,
        "submitted without a session"
    );
}

#[tokio::test]
async fn a_reimport_never_removes_a_session_with_input() {
    let (app, actors) = setup().await;
    app.gql_as(
        &actors.participant,
        SUBMIT,
        json!({ "i": { "themeId": actors.theme, "sessionId": actors.session, "text": "Een vraag in de sessie zelf" } }),
    )
    .await;
    let mut edited = crate::fixtures::bundled();
    for block in &mut edited.blocks {
        block
            .sessions
            .retain(|s| s.key != "r2-leeragenda-gemengde-wijken");
    }
    let result = buurtgraph::service::import::import_programme(&app.db, &edited).await;
    let message = format!("{:?}", result.expect_err("refused"));
    assert!(
        message.contains("r2-leeragenda-gemengde-wijken"),
        "{message}"
    );
    assert_eq!(
        app.count_rows("session").await,
        56,
        "both events keep all their sessions"
    );
}

#[tokio::test]
async fn learning_questions_filter_and_order() {
    let (app, actors) = setup().await;
    let submit_with = |token: String,
                       theme: String,
                       text: &'static str,
                       role: &'static str,
                       formats: Value| {
        let app = &app;
        async move {
            let response = app
                .gql_as(
                    &token,
                    SUBMIT,
                    json!({ "i": { "themeId": theme, "text": text, "submitterRole": role, "preferredFormats": formats } }),
                )
                .await;
            response["data"]["submitLearningQuestion"]["id"]
                .as_str()
                .expect("id")
                .to_owned()
        }
    };
    let a = submit_with(
        actors.participant.clone(),
        actors.theme.clone(),
        "Hoe meng je huur en koop in één straat?",
        "RESIDENT",
        json!(["WORKSHOP"]),
    )
    .await;
    let b = submit_with(
        actors.other_participant.clone(),
        actors.theme.clone(),
        "Wat doet een corporatie bij menging?",
        "HOUSING_CORPORATION",
        json!(["WEBINAR", "WORKSHOP"]),
    )
    .await;
    let c = submit_with(
        actors.participant.clone(),
        actors.other_theme.clone(),
        "Hoe win je vertrouwen terug na een sloopplan?",
        "MUNICIPALITY",
        json!(["COACHING"]),
    )
    .await;
    for id in [&a, &b] {
        moderate(
            &app,
            &actors.admin,
            json!({ "id": id, "action": "APPROVE" }),
        )
        .await;
    }
    let voter = join(&app, EVENT).await;
    app.gql_as(&voter, VOTE, json!({ "id": b })).await;

    let query = "query($f: LearningQuestionFilter, $o: LearningQuestionOrder) { learningQuestions(filter: $f, orderBy: $o, first: 50) { totalCount edges { node { id } } } }";
    let ids = |response: Value| -> Vec<String> {
        response["data"]["learningQuestions"]["edges"]
            .as_array()
            .unwrap_or_else(|| panic!("{response:#}"))
            .iter()
            .map(|e| e["node"]["id"].as_str().expect("id").to_owned())
            .collect()
    };
    let staff = |filter: Value, order: &'static str| {
        app.gql_as(&actors.staff, query, json!({ "f": filter, "o": order }))
    };
    assert_eq!(
        ids(staff(json!({}), "NEWEST").await),
        [c.clone(), b.clone(), a.clone()]
    );
    assert_eq!(ids(staff(json!({}), "MOST_VOTES").await)[0], b);
    assert_eq!(
        ids(staff(json!({ "themeId": actors.theme }), "NEWEST").await),
        [b.clone(), a.clone()]
    );
    assert_eq!(
        ids(staff(json!({ "status": "PENDING" }), "NEWEST").await),
        vec![c.clone()]
    );
    assert_eq!(
        ids(staff(json!({ "submitterRole": "RESIDENT" }), "NEWEST").await),
        vec![a.clone()]
    );
    assert_eq!(
        ids(staff(json!({ "format": "WORKSHOP" }), "NEWEST").await),
        [b.clone(), a.clone()]
    );
    assert_eq!(
        ids(staff(json!({ "format": "COACHING" }), "NEWEST").await),
        vec![c.clone()]
    );
    assert_eq!(
        ids(staff(json!({ "text": "CORPORATIE menging" }), "NEWEST").await),
        vec![b.clone()]
    );
    assert_eq!(
        ids(staff(json!({ "eventSlug": "buurtdag-elders" }), "NEWEST").await),
        Vec::<String>::new()
    );
    let mine = app
        .gql_as(&actors.participant, query, json!({ "f": { "mine": true } }))
        .await;
    assert_eq!(ids(mine), [c.clone(), a.clone()]);
    let not_a_participant = staff(json!({ "mine": true }), "NEWEST").await;
    assert_eq!(code(&not_a_participant), Some("BAD_USER_INPUT"));
    // Pagination over questions.
    let page = app
        .gql_as(
            &actors.staff,
            "{ learningQuestions(first: 2) { totalCount pageInfo { hasNextPage endCursor } } }",
            json!({}),
        )
        .await;
    assert_eq!(page["data"]["learningQuestions"]["totalCount"], 3);
    assert_eq!(
        page["data"]["learningQuestions"]["pageInfo"]["hasNextPage"],
        true
    );
}

#[tokio::test]
async fn the_summary_counts_by_session_region_time_and_across_events() {
    let (app, actors) = setup().await;
    app.gql_as(
        &actors.participant,
        SUBMIT,
        json!({ "i": { "themeId": actors.theme, "sessionId": actors.session, "text": "Vraag uit de sessie zelf", "region": "Utrecht" } }),
    )
    .await;
    app.gql_as(
        &actors.other_participant,
        SUBMIT,
        json!({ "i": { "themeId": actors.theme, "text": "Vraag van daarna, zonder sessie" } }),
    )
    .await;
    let elsewhere = crate::actors::join(&app, crate::actors::OTHER_EVENT).await;
    submit(
        &app,
        &elsewhere,
        &actors.theme,
        "Dezelfde thema, ander evenement",
    )
    .await;

    let data = app
        .gql_as(
            &actors.staff,
            r#"{ feedbackSummary { total
                 hours: timeline(granularity: HOUR) { bucket count }
                 days: timeline(granularity: DAY) { bucket count }
                 themes { total bySession { session { id } count } byRegion { region count } } } }"#,
            json!({}),
        )
        .await;
    let summary = &data["data"]["feedbackSummary"];
    assert_eq!(summary["total"], 2, "{data:#}");
    let theme = &summary["themes"][0];
    let mut by_session = theme["bySession"].as_array().expect("list").clone();
    by_session.sort_by_key(|s| s["session"].is_null());
    assert_eq!(
        by_session,
        vec![
            json!({ "session": { "id": actors.session }, "count": 1 }),
            json!({ "session": null, "count": 1 })
        ]
    );
    assert!(
        theme["byRegion"]
            .as_array()
            .expect("list")
            .contains(&json!({ "region": "Utrecht", "count": 1 }))
    );
    // One definition of what is counted: the summary agrees with `learningQuestions`.
    let listed = app
        .gql_as(
            &actors.staff,
            "query($t: ID!) { learningQuestions(filter: { eventSlug: \"dag-van-de-buurt-2021\", themeId: $t }) { totalCount } }",
            json!({ "t": actors.theme }),
        )
        .await;
    assert_eq!(
        listed["data"]["learningQuestions"]["totalCount"],
        summary["themes"][0]["total"]
    );
    let hours: i64 = summary["hours"]
        .as_array()
        .expect("hours")
        .iter()
        .map(|p| p["count"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(hours, 2, "every question is in one hour");
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    assert_eq!(summary["days"], json!([{ "bucket": today, "count": 2 }]));
    assert!(
        summary["hours"][0]["bucket"]
            .as_str()
            .expect("bucket")
            .ends_with(":00:00Z")
    );

    let across = app
        .gql_as(
            &actors.staff,
            "query($t: ID!) { themeAcrossEvents(themeId: $t) { event { slug } total votes } }",
            json!({ "t": actors.theme }),
        )
        .await;
    assert_eq!(
        across["data"]["themeAcrossEvents"],
        json!([
            { "event": { "slug": "dag-van-de-buurt-2021" }, "total": 2, "votes": 0 },
            { "event": { "slug": "buurtdag-elders" }, "total": 1, "votes": 0 }
        ])
    );
}

const UNVOTE: &str =
    "mutation($id: ID!) { unvoteLearningQuestion(id: $id) { id voteCount viewerHasVoted } }";
const SET_FEEDBACK_OPEN: &str =
    "mutation($s: ID!, $o: Boolean!) { setFeedbackOpen(sessionId: $s, open: $o) { feedbackOpen } }";

/// Opens or closes feedback on these sessions, as the admin.
async fn set_feedback_open(app: &TestApp, admin: &str, sessions: &[Value], open: bool) {
    for session in sessions {
        let response = app
            .gql_as(admin, SET_FEEDBACK_OPEN, json!({ "s": session, "o": open }))
            .await;
        assert!(response["errors"].is_null(), "{response}");
    }
}

/// The sessions of the bundled event that serve this theme.
async fn sessions_of_theme(app: &TestApp, theme: &str) -> Vec<Value> {
    let data = app
        .data(
            r#"{ event { themes { id sessions { id event { slug } } } } }"#,
            json!({}),
        )
        .await;
    data["event"]["themes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| t["id"] == json!(theme))
        .flat_map(|t| t["sessions"].as_array().cloned().unwrap_or_default())
        .filter(|s| s["event"]["slug"] == EVENT)
        .map(|s| s["id"].clone())
        .collect()
}

/// Asserts that a vote or unvote was refused as a submission to a closed session is.
fn assert_refused_as_closed(response: &Value) {
    assert_eq!(code(response), Some("BAD_USER_INPUT"), "{response}");
    assert_eq!(
        response["errors"][0]["extensions"]["field"], "id",
        "{response}"
    );
    assert!(
        response["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("feedback is closed")),
        "{response}"
    );
}

#[tokio::test]
async fn votes_are_refused_once_the_session_of_the_question_closed_feedback() {
    let (app, actors) = setup().await;
    let submitted = app
        .gql_as(
            &actors.participant,
            SUBMIT,
            json!({ "i": { "themeId": actors.theme, "sessionId": actors.session, "text": "Gesteld in de sessie zelf" } }),
        )
        .await;
    let id = submitted["data"]["submitLearningQuestion"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    moderate(
        &app,
        &actors.admin,
        json!({ "id": id, "action": "APPROVE" }),
    )
    .await;
    let voter = join(&app, EVENT).await;
    let voted = app.gql_as(&voter, VOTE, json!({ "id": id })).await;
    assert_eq!(
        voted["data"]["voteLearningQuestion"]["voteCount"], 1,
        "{voted}"
    );

    let session = [json!(actors.session)];
    set_feedback_open(&app, &actors.admin, &session, false).await;
    let refused = app
        .gql_as(&actors.other_participant, VOTE, json!({ "id": id }))
        .await;
    assert_refused_as_closed(&refused);
    assert_refused_as_closed(&app.gql_as(&voter, UNVOTE, json!({ "id": id })).await);
    assert_eq!(app.count_rows("vote").await, 1, "nothing changed");

    set_feedback_open(&app, &actors.admin, &session, true).await;
    let withdrawn = app.gql_as(&voter, UNVOTE, json!({ "id": id })).await;
    assert_eq!(
        withdrawn["data"]["unvoteLearningQuestion"]["voteCount"], 0,
        "{withdrawn}"
    );
}

#[tokio::test]
async fn votes_on_a_question_without_a_session_follow_its_theme() {
    let (app, actors) = setup().await;
    let id = submit(
        &app,
        &actors.participant,
        &actors.theme,
        "Gesteld zonder sessie erbij",
    )
    .await;
    moderate(
        &app,
        &actors.admin,
        json!({ "id": id, "action": "APPROVE" }),
    )
    .await;
    let sessions = sessions_of_theme(&app, &actors.theme).await;
    assert!(!sessions.is_empty());

    set_feedback_open(&app, &actors.admin, &sessions, false).await;
    assert_refused_as_closed(
        &app.gql_as(&actors.other_participant, VOTE, json!({ "id": id }))
            .await,
    );
    assert_eq!(app.count_rows("vote").await, 0);

    // One open session serving the theme is enough, as for submitting.
    set_feedback_open(&app, &actors.admin, &sessions[..1], true).await;
    let voted = app
        .gql_as(&actors.other_participant, VOTE, json!({ "id": id }))
        .await;
    assert_eq!(
        voted["data"]["voteLearningQuestion"]["voteCount"], 1,
        "{voted}"
    );
}

#[tokio::test]
async fn refused_submissions_do_not_use_up_the_quota() {
    let (app, actors) = setup().await;
    for _ in 0..10 {
        let refused = app
            .gql_as(
                &actors.participant,
                SUBMIT,
                json!({ "i": { "themeId": actors.theme, "text": "kort" } }),
            )
            .await;
        assert_eq!(code(&refused), Some("BAD_USER_INPUT"), "{refused}");
    }
    let accepted = submit(
        &app,
        &actors.participant,
        &actors.theme,
        "Na tien mislukte pogingen een goede vraag",
    )
    .await;
    assert!(!accepted.is_empty());
}

#[tokio::test]
async fn endless_refused_attempts_are_still_rate_limited() {
    // Two questions a minute: ten attempts, then one more every 6 s (time enough for the test).
    let (app, actors) = crate::actors::setup_with(buurtgraph::config::ServeConfig {
        submissions_per_minute: 2,
        ..Default::default()
    })
    .await;
    let attempt = || {
        app.gql_as(
            &actors.participant,
            SUBMIT,
            json!({ "i": { "themeId": actors.theme, "text": "kort" } }),
        )
    };
    // Five attempts per question of the quota.
    for _ in 0..10 {
        assert_eq!(code(&attempt().await), Some("BAD_USER_INPUT"));
    }
    let limited = attempt().await;
    assert_eq!(code(&limited), Some("RATE_LIMITED"), "{limited}");
    let valid = app
        .gql_as(
            &actors.participant,
            SUBMIT,
            json!({ "i": { "themeId": actors.theme, "text": "Ook een goede vraag wacht nu even" } }),
        )
        .await;
    assert_eq!(code(&valid), Some("RATE_LIMITED"), "{valid}");
}

const PENDING_QUESTIONS: &str =
    r#"{ learningQuestions(filter: { status: PENDING }) { edges { node { id } } } }"#;
const ONE_QUESTION: &str = "query($id: ID!) { learningQuestion(id: $id) { id status } }";

/// A moderator whose only scope is `session`, signed in.
async fn session_moderator(app: &TestApp, admin: &str, email: &str, session: &str) -> String {
    let created = app
        .gql_as(
            admin,
            "mutation($i: CreateAccountInput!) { createAccount(input: $i) { id } }",
            json!({ "i": { "email": email, "role": "MODERATOR",
                "password": crate::actors::PASSWORD, "sessionIds": [session] } }),
        )
        .await;
    assert!(created["errors"].is_null(), "{created}");
    crate::actors::login(app, email).await
}

#[tokio::test]
async fn moderators_of_a_session_screen_the_questions_of_its_theme_given_without_a_session() {
    let (app, actors) = setup().await;
    let moderator =
        session_moderator(&app, &actors.admin, "zaal@example.org", &actors.session).await;
    let own_theme = submit(
        &app,
        &actors.participant,
        &actors.theme,
        "Zonder sessie, wel ons thema",
    )
    .await;
    let other_theme = submit(
        &app,
        &actors.participant,
        &actors.other_theme,
        "Zonder sessie, een ander thema",
    )
    .await;

    let listed = app.gql_as(&moderator, PENDING_QUESTIONS, json!({})).await;
    let ids: Vec<&str> = listed["data"]["learningQuestions"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter_map(|e| e["node"]["id"].as_str())
        .collect();
    assert_eq!(ids, vec![own_theme.as_str()], "{listed}");
    // The check of one row agrees with the list.
    let one = app
        .gql_as(&moderator, ONE_QUESTION, json!({ "id": own_theme }))
        .await;
    assert_eq!(
        one["data"]["learningQuestion"]["status"], "PENDING",
        "{one}"
    );
    let other = app
        .gql_as(&moderator, ONE_QUESTION, json!({ "id": other_theme }))
        .await;
    assert_eq!(code(&other), Some("NOT_FOUND"), "{other}");

    let approved = moderate(
        &app,
        &moderator,
        json!({ "id": own_theme, "action": "APPROVE" }),
    )
    .await;
    assert_eq!(
        approved["data"]["moderateLearningQuestion"]["status"], "APPROVED",
        "{approved}"
    );
    let refused = moderate(
        &app,
        &moderator,
        json!({ "id": other_theme, "action": "APPROVE" }),
    )
    .await;
    assert_eq!(code(&refused), Some("FORBIDDEN"), "{refused}");
}

#[tokio::test]
async fn staff_see_how_many_questions_wait_without_a_moderator_in_scope() {
    let (app, actors) = setup().await;
    let unscreenable = || async {
        let data = app
            .gql_as(
                &actors.staff,
                "{ feedbackSummary { unscreenable } }",
                json!({}),
            )
            .await;
        assert!(data["errors"].is_null(), "{data}");
        data["data"]["feedbackSummary"]["unscreenable"].clone()
    };
    let themes = app
        .data(r#"{ event { themes { id slug } } }"#, json!({}))
        .await;
    let unmoderated_theme = themes["event"]["themes"]
        .as_array()
        .expect("themes")
        .iter()
        .find(|t| t["slug"] == "integraal-preventief-signaleren")
        .expect("theme")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    // The setup's moderators have the two other learning-agenda themes.
    submit(
        &app,
        &actors.participant,
        &actors.theme,
        "Deze vraag heeft een moderator",
    )
    .await;
    let waiting = submit(
        &app,
        &actors.participant,
        &unmoderated_theme,
        "Wie modereert deze vraag?",
    )
    .await;
    submit(
        &app,
        &actors.participant,
        &unmoderated_theme,
        "En wie deze tweede vraag?",
    )
    .await;
    assert_eq!(unscreenable().await, 2);

    moderate(
        &app,
        &actors.admin,
        json!({ "id": waiting, "action": "APPROVE" }),
    )
    .await;
    assert_eq!(unscreenable().await, 1, "only waiting questions count");

    let session = sessions_of_theme(&app, &unmoderated_theme).await[0].clone();
    session_moderator(
        &app,
        &actors.admin,
        "signaleren@example.org",
        session.as_str().expect("id"),
    )
    .await;
    assert_eq!(
        unscreenable().await,
        0,
        "the moderator of a session serving the theme screens it"
    );
}
