//! The WebSocket protocols themselves: graphql-transport-ws's close codes for what the server
//! refuses, pings, the legacy graphql-ws, and errors of shared subscriptions.

use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use buurtgraph::config::ServeConfig;

use crate::actors::setup;
use crate::live::{
    connect, connect_raw, instance, instance_with, next_or_close, next_text, open, send,
};

fn assert_closed_with(reply: &Value, code: u16) {
    assert_eq!(reply["type"], "close", "{reply}");
    assert_eq!(reply["code"], code, "{reply}");
}

const SUBSCRIPTION: &str = "subscription { learningQuestionEvents { change } }";

#[tokio::test]
async fn the_socket_closes_with_the_protocols_codes_for_what_it_refuses() {
    let (app, actors) = setup().await;
    let address = instance(&app).await;
    let subscribe =
        |id: &str| json!({ "id": id, "type": "subscribe", "payload": { "query": SUBSCRIPTION } });

    let mut early = open(address, "graphql-transport-ws").await;
    send(&mut early, subscribe("1")).await;
    assert_closed_with(&next_or_close(&mut early).await, 4401);

    let mut twice = connect(address, Some(&actors.staff)).await;
    send(
        &mut twice,
        json!({ "type": "connection_init", "payload": {} }),
    )
    .await;
    assert_closed_with(&next_or_close(&mut twice).await, 4429);

    let mut duplicate = connect(address, Some(&actors.staff)).await;
    send(&mut duplicate, subscribe("s")).await;
    send(&mut duplicate, subscribe("s")).await;
    assert_closed_with(&next_or_close(&mut duplicate).await, 4409);

    let mut garbled = connect(address, Some(&actors.staff)).await;
    garbled
        .send(Message::text("dit is geen json"))
        .await
        .expect("sends");
    assert_closed_with(&next_or_close(&mut garbled).await, 4400);

    let (_, refused) = connect_raw(address, Some("not-a-token")).await;
    assert_closed_with(&refused, 4403);
    assert!(
        refused["reason"].as_str().is_some_and(|r| !r.is_empty()),
        "{refused}"
    );

    // None of that touched a well-behaved connection.
    let mut calm = connect(address, Some(&actors.staff)).await;
    send(&mut calm, json!({ "type": "ping" })).await;
    assert_eq!(next_text(&mut calm).await, json!({ "type": "pong" }));
    send(
        &mut calm,
        json!({ "id": "q", "type": "subscribe", "payload": { "query": "{ __typename }" } }),
    )
    .await;
    let answer = next_or_close(&mut calm).await;
    assert_eq!(answer["type"], "next", "{answer}");
    assert_eq!(answer["id"], "q");
    assert_eq!(answer["payload"]["data"]["__typename"], "QueryRoot");
    assert_eq!(
        next_or_close(&mut calm).await,
        json!({ "type": "complete", "id": "q" })
    );
}

#[tokio::test]
async fn the_legacy_graphql_ws_protocol_is_served_with_its_own_names() {
    let (app, actors) = setup().await;
    let address = instance(&app).await;
    let mut socket = open(address, "graphql-ws").await;
    send(
        &mut socket,
        json!({ "type": "connection_init", "payload": { "token": actors.staff } }),
    )
    .await;
    assert_eq!(next_text(&mut socket).await["type"], "connection_ack");

    send(
        &mut socket,
        json!({ "id": "1", "type": "start", "payload": { "query": "{ __typename }" } }),
    )
    .await;
    let answer = next_text(&mut socket).await;
    assert_eq!(answer["type"], "data", "{answer}");
    assert_eq!(answer["payload"]["data"]["__typename"], "QueryRoot");
    assert_eq!(
        next_text(&mut socket).await,
        json!({ "type": "complete", "id": "1" })
    );

    send(
        &mut socket,
        json!({ "id": "2", "type": "start", "payload": { "query": SUBSCRIPTION } }),
    )
    .await;
    send(&mut socket, json!({ "id": "2", "type": "stop" })).await;
    assert_eq!(
        next_text(&mut socket).await,
        json!({ "type": "complete", "id": "2" })
    );

    let mut refused = open(address, "graphql-ws").await;
    send(
        &mut refused,
        json!({ "type": "connection_init", "payload": { "token": "not-a-token" } }),
    )
    .await;
    let error = next_text(&mut refused).await;
    assert_eq!(error["type"], "connection_error", "{error}");
    assert!(error["payload"]["message"].is_string(), "{error}");
}

#[tokio::test]
async fn a_shared_subscription_that_fails_tells_each_subscriber_and_completes() {
    let (app, actors) = setup().await;
    let address = instance(&app).await;
    let failing = json!({ "id": "s", "type": "subscribe", "payload": {
        "query": "subscription { learningQuestionEvents(eventSlug: \"bestaat-niet\") { change } }" } });
    for token in [&actors.participant, &actors.other_participant] {
        let mut socket = connect(address, Some(token)).await;
        send(&mut socket, failing.clone()).await;
        let answer = next_or_close(&mut socket).await;
        assert_eq!(answer["type"], "next", "{answer}");
        let code = &answer["payload"]["errors"][0]["extensions"]["code"];
        assert_eq!(code, "NOT_FOUND", "{answer}");
        assert_eq!(
            next_or_close(&mut socket).await,
            json!({ "type": "complete", "id": "s" })
        );
    }
}

#[tokio::test]
async fn a_connection_that_never_initialises_is_closed_after_the_timeout() {
    let (app, actors) = setup().await;
    let address = instance_with(
        &app,
        ServeConfig {
            ws_init_timeout_secs: 1,
            ..ServeConfig::default()
        },
    )
    .await;
    let mut silent = open(address, "graphql-transport-ws").await;
    let mut prompt = connect(address, Some(&actors.staff)).await;
    assert_closed_with(&next_or_close(&mut silent).await, 4408);
    // An initialised connection stays.
    send(&mut prompt, json!({ "type": "ping" })).await;
    assert_eq!(next_text(&mut prompt).await, json!({ "type": "pong" }));
}
