//! The roles table, enforced: every protected query and mutation as every role.

use serde_json::{Value, json};

use crate::actors::{Actors, MODERATE, SUBMIT, VOTE, moderate, setup, submit};
use crate::helpers::TestApp;

fn code(response: &Value) -> Option<&str> {
    response["errors"][0]["extensions"]["code"].as_str()
}

fn ids(connection: &Value) -> Vec<String> {
    connection["edges"]
        .as_array()
        .map(|edges| {
            edges
                .iter()
                .map(|e| e["node"]["id"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// One approved and one pending question on the moderator's theme, one pending on another theme.
async fn questions(app: &TestApp, actors: &Actors) -> (String, String, String) {
    let approved = submit(
        app,
        &actors.participant,
        &actors.theme,
        "Hoe maken we wijken waar iedereen welkom is?",
    )
    .await;
    let pending = submit(
        app,
        &actors.participant,
        &actors.theme,
        "Wat werkt bij het mengen van woningtypes?",
    )
    .await;
    let elsewhere = submit(
        app,
        &actors.participant,
        &actors.other_theme,
        "Hoe herstellen we vertrouwen in de gemeente?",
    )
    .await;
    let response = moderate(
        app,
        &actors.admin,
        json!({ "id": approved, "action": "APPROVE" }),
    )
    .await;
    assert!(response.get("errors").is_none(), "{response:#}");
    (approved, pending, elsewhere)
}

#[tokio::test]
async fn reading_questions_follows_the_roles_table() {
    let (app, actors) = setup().await;
    let (approved, pending, elsewhere) = questions(&app, &actors).await;
    let query =
        "{ learningQuestions(first: 100) { totalCount edges { node { id status isMine } } } }";
    // Who asks, with which token, and which questions they see (`None`: refused).
    type Expectation<'a> = (&'a str, Option<&'a str>, Option<Vec<&'a String>>);
    let expectations: Vec<Expectation<'_>> = vec![
        ("anonymous", None, None),
        (
            "participant",
            Some(&actors.participant),
            Some(vec![&approved, &pending, &elsewhere]),
        ),
        (
            "other participant of the event",
            Some(&actors.other_participant),
            Some(vec![&approved]),
        ),
        (
            "participant of another event",
            Some(&actors.participant_elsewhere),
            Some(vec![]),
        ),
        (
            "moderator in scope",
            Some(&actors.moderator),
            Some(vec![&approved, &pending]),
        ),
        (
            "moderator out of scope",
            Some(&actors.moderator_elsewhere),
            Some(vec![&approved, &elsewhere]),
        ),
        (
            "staff",
            Some(&actors.staff),
            Some(vec![&approved, &pending, &elsewhere]),
        ),
        (
            "admin",
            Some(&actors.admin),
            Some(vec![&approved, &pending, &elsewhere]),
        ),
    ];
    for (who, token, expected) in expectations {
        let response = app.gql_maybe_as(token, query, json!({})).await;
        match expected {
            None => assert_eq!(code(&response), Some("UNAUTHENTICATED"), "{who}"),
            Some(expected) => {
                let mut seen = ids(&response["data"]["learningQuestions"]);
                seen.sort();
                let mut expected: Vec<String> = expected.into_iter().cloned().collect();
                expected.sort();
                assert_eq!(seen, expected, "{who}: {response:#}");
            }
        }
    }
    // The same rules hold for single lookups and `node`.
    let single = "query($id: ID!) { learningQuestion(id: $id) { id } }";
    let by_other = app
        .gql_as(&actors.other_participant, single, json!({ "id": pending }))
        .await;
    assert_eq!(code(&by_other), Some("NOT_FOUND"));
    let node = app
        .gql_as(
            &actors.moderator_elsewhere,
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": pending }),
        )
        .await;
    assert_eq!(node["data"]["node"], Value::Null);
}

#[tokio::test]
async fn only_participants_submit_and_vote() {
    let (app, actors) = setup().await;
    let (approved, _, _) = questions(&app, &actors).await;
    let input = json!({ "i": { "themeId": actors.theme, "text": "Een vraag van iemand anders dan een deelnemer" } });
    for (who, token) in actors.all() {
        let submitted = app.gql_maybe_as(token, SUBMIT, input.clone()).await;
        let voted = app
            .gql_maybe_as(token, VOTE, json!({ "id": approved }))
            .await;
        let (submit_code, vote_code) = match who {
            "anonymous" => (Some("UNAUTHENTICATED"), Some("UNAUTHENTICATED")),
            "participant" => (None, None),
            // Their own event has the theme too, so they may submit there, but not vote here.
            "participant of another event" => (None, Some("NOT_FOUND")),
            _ => (Some("FORBIDDEN"), Some("FORBIDDEN")),
        };
        assert_eq!(
            code(&submitted),
            submit_code,
            "{who} submits: {submitted:#}"
        );
        assert_eq!(code(&voted), vote_code, "{who} votes: {voted:#}");
    }
}

#[tokio::test]
async fn moderation_is_for_moderators_in_scope_and_admins() {
    let (app, actors) = setup().await;
    for (who, token) in actors.all() {
        let question = submit(
            &app,
            &actors.participant,
            &actors.theme,
            "Hoe betrekken we nieuwe bewoners?",
        )
        .await;
        let response = app
            .gql_maybe_as(
                token,
                MODERATE,
                json!({ "i": { "id": question, "action": "APPROVE" } }),
            )
            .await;
        let expected = match who {
            "anonymous" => Some("UNAUTHENTICATED"),
            "moderator in scope" | "admin" => None,
            _ => Some("FORBIDDEN"),
        };
        assert_eq!(code(&response), expected, "{who}: {response:#}");
        let status = app
            .gql_as(
                &actors.staff,
                "query($id: ID!) { learningQuestion(id: $id) { status } }",
                json!({ "id": question }),
            )
            .await;
        let expected_status = if expected.is_none() {
            "APPROVED"
        } else {
            "PENDING"
        };
        assert_eq!(
            status["data"]["learningQuestion"]["status"], expected_status,
            "{who}"
        );
    }
}

#[tokio::test]
async fn summaries_and_the_audit_log_follow_the_roles_table() {
    let (app, actors) = setup().await;
    questions(&app, &actors).await;
    let summary =
        "{ feedbackSummary { total themes { theme { slug } total approved pending votes } } }";
    let log = "{ moderationLog { totalCount } }";
    for (who, token) in actors.all() {
        let summary_response = app.gql_maybe_as(token, summary, json!({})).await;
        let log_response = app.gql_maybe_as(token, log, json!({})).await;
        match who {
            "anonymous" => {
                assert_eq!(code(&summary_response), Some("UNAUTHENTICATED"));
                assert_eq!(code(&log_response), Some("UNAUTHENTICATED"));
            }
            "participant" | "participant of another event" => {
                assert_eq!(code(&summary_response), Some("FORBIDDEN"), "{who}");
                assert_eq!(code(&log_response), Some("FORBIDDEN"), "{who}");
            }
            _ => {
                let total = &summary_response["data"]["feedbackSummary"]["total"];
                let expected_total = match who {
                    "moderator in scope" => 2,
                    "moderator out of scope" => 1,
                    _ => 3,
                };
                assert_eq!(total, expected_total, "{who}: {summary_response:#}");
                // The admin approved once; moderators see only their own actions.
                let expected_log = if who.starts_with("moderator") { 0 } else { 1 };
                assert_eq!(
                    log_response["data"]["moderationLog"]["totalCount"], expected_log,
                    "{who}"
                );
            }
        }
    }
}

#[tokio::test]
async fn only_admins_open_and_close_feedback() {
    let (app, actors) = setup().await;
    let mutation =
        "mutation($s: ID!) { setFeedbackOpen(sessionId: $s, open: false) { feedbackOpen } }";
    for (who, token) in actors.all() {
        let response = app
            .gql_maybe_as(token, mutation, json!({ "s": actors.session }))
            .await;
        let expected = match who {
            "anonymous" => Some("UNAUTHENTICATED"),
            "admin" => None,
            _ => Some("FORBIDDEN"),
        };
        assert_eq!(code(&response), expected, "{who}");
    }
    // Closed now: submitting to that session is refused, nothing stored.
    let before = app.count_rows("learning_question").await;
    let response = app
        .gql_as(
            &actors.participant,
            SUBMIT,
            json!({ "i": { "themeId": actors.theme, "sessionId": actors.session, "text": "Mag dit nog na sluiting?" } }),
        )
        .await;
    assert_eq!(code(&response), Some("BAD_USER_INPUT"));
    assert_eq!(response["errors"][0]["extensions"]["field"], "sessionId");
    assert_eq!(app.count_rows("learning_question").await, before);
}
