//! Participants' data rights: listing and erasing their own data, and the purge of an
//! event's participant identifiers after its retention period.

use buurtgraph::service::privacy::purge_participants;
use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::actors::{self, EVENT, VOTE};
use crate::helpers::first_error_code;

const MY_DATA: &str = "{ myData { questions { id text } votedFor { id } } }";
const DELETE: &str = "mutation { deleteMyData { questions votes } }";
const VOTES: &str = "query($id: ID!) { learningQuestion(id: $id) { voteCount } }";

fn ids(list: &Value) -> Vec<&str> {
    list.as_array()
        .map(|items| items.iter().filter_map(|q| q["id"].as_str()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn only_a_participant_reads_and_deletes_their_own_data() {
    let (app, actors) = actors::setup().await;
    for (who, token) in actors.all() {
        let read = app.gql_maybe_as(token, MY_DATA, json!({})).await;
        let expected = match who {
            "anonymous" => Some("UNAUTHENTICATED"),
            "participant" | "participant of another event" => None,
            _ => Some("FORBIDDEN"),
        };
        let code = read.get("errors").map(|_| first_error_code(&read));
        assert_eq!(code.as_deref(), expected, "{who} reads: {read}");
        if expected.is_some() {
            let deleted = app.gql_maybe_as(token, DELETE, json!({})).await;
            assert_eq!(
                first_error_code(&deleted),
                expected.unwrap_or_default(),
                "{who}"
            );
        }
    }
}

#[tokio::test]
async fn deleting_my_data_removes_my_questions_and_votes_and_ends_my_token() {
    let (app, actors) = actors::setup().await;
    let mine = actors::submit(
        &app,
        &actors.participant,
        &actors.theme,
        "Hoe vinden we vrijwilligers die blijven?",
    )
    .await;
    let theirs = actors::submit(
        &app,
        &actors.other_participant,
        &actors.theme,
        "Hoe delen we kennis tussen wijkteams?",
    )
    .await;
    for id in [&mine, &theirs] {
        actors::moderate(
            &app,
            &actors.moderator,
            json!({ "id": id, "action": "APPROVE" }),
        )
        .await;
    }
    app.gql_as(&actors.participant, VOTE, json!({ "id": theirs }))
        .await;
    app.gql_as(&actors.other_participant, VOTE, json!({ "id": mine }))
        .await;

    let data = app.gql_as(&actors.participant, MY_DATA, json!({})).await;
    assert_eq!(
        ids(&data["data"]["myData"]["questions"]),
        vec![mine.as_str()]
    );
    assert_eq!(
        ids(&data["data"]["myData"]["votedFor"]),
        vec![theirs.as_str()]
    );
    let votes = app
        .gql_as(&actors.staff, VOTES, json!({ "id": theirs }))
        .await;
    assert_eq!(votes["data"]["learningQuestion"]["voteCount"], 1);

    let deleted = app.gql_as(&actors.participant, DELETE, json!({})).await;
    assert_eq!(
        deleted["data"]["deleteMyData"],
        json!({ "questions": 1, "votes": 1 })
    );

    let gone = app
        .gql_as(&actors.staff, VOTES, json!({ "id": mine }))
        .await;
    assert_eq!(first_error_code(&gone), "NOT_FOUND");
    let theirs_now = app
        .gql_as(&actors.staff, VOTES, json!({ "id": theirs }))
        .await;
    assert_eq!(theirs_now["data"]["learningQuestion"]["voteCount"], 0);
    let after = app
        .request(
            axum::http::Request::post("/graphql")
                .header("content-type", "application/json")
                .header("authorization", format!("Bearer {}", actors.participant))
                .body(axum::body::Body::from(
                    json!({ "query": MY_DATA }).to_string(),
                ))
                .expect("request"),
        )
        .await;
    assert_eq!(after.status, axum::http::StatusCode::UNAUTHORIZED);
    let others = app
        .gql_as(&actors.other_participant, MY_DATA, json!({}))
        .await;
    assert_eq!(
        ids(&others["data"]["myData"]["questions"]),
        vec![theirs.as_str()]
    );
}

#[tokio::test]
async fn a_purge_waits_for_the_retention_period_then_keeps_only_anonymous_input() {
    let (app, actors) = actors::setup().await;
    let question = actors::submit(
        &app,
        &actors.participant,
        &actors.theme,
        "Wat werkt om buren met elkaar in gesprek te brengen?",
    )
    .await;
    actors::moderate(
        &app,
        &actors.moderator,
        json!({ "id": question, "action": "APPROVE" }),
    )
    .await;
    app.gql_as(&actors.other_participant, VOTE, json!({ "id": question }))
        .await;
    let summary = "{ feedbackSummary { total byStatus { status count } themes { theme { slug } total votes } } }";
    let before = app.gql_as(&actors.staff, summary, json!({})).await;
    assert_eq!(before["data"]["feedbackSummary"]["total"], 1, "{before}");

    let event_end = app.data("{ event { endsAt } }", json!({})).await["event"]["endsAt"]
        .as_str()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .expect("end")
        .to_utc();
    let too_early = purge_participants(
        &app.db,
        EVENT,
        Duration::days(180),
        event_end + Duration::days(10),
    )
    .await;
    let message = too_early.err().map(|e| e.message()).unwrap_or_default();
    assert!(message.contains("retention period"), "{message}");
    assert_eq!(app.count_rows("vote").await, 1, "nothing changed");

    let purged = purge_participants(&app.db, EVENT, Duration::days(180), Utc::now())
        .await
        .expect("purges");
    assert_eq!(purged.questions_kept, 1);
    assert!(purged.participants >= 2);

    let after = app.gql_as(&actors.staff, summary, json!({})).await;
    assert_eq!(before["data"], after["data"], "the aggregated input stays");
    let votes = app
        .gql_as(&actors.staff, VOTES, json!({ "id": question }))
        .await;
    assert_eq!(votes["data"]["learningQuestion"]["voteCount"], 1);
    assert_eq!(
        app.count_rows("vote").await,
        0,
        "no vote links a participant to a question"
    );
    for token in [&actors.participant, &actors.other_participant] {
        let response = app
            .request(
                axum::http::Request::post("/graphql")
                    .header("content-type", "application/json")
                    .header("authorization", format!("Bearer {token}"))
                    .body(axum::body::Body::from(
                        json!({ "query": MY_DATA }).to_string(),
                    ))
                    .expect("request"),
            )
            .await;
        assert_eq!(response.status, axum::http::StatusCode::UNAUTHORIZED);
    }
    let elsewhere = app
        .gql_as(&actors.participant_elsewhere, MY_DATA, json!({}))
        .await;
    assert!(
        elsewhere.get("errors").is_none(),
        "other events are untouched: {elsewhere}"
    );
}
