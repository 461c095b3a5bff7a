//! Abuse limits: per-address and per-participant rates, WebSocket connections and message
//! sizes, and the query-shape limits. Each is refused with a clear code while the server
//! keeps answering everyone else.

use axum::http::{StatusCode, header};
use buurtgraph::config::ServeConfig;
use futures_util::SinkExt;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use crate::actors::{self, EVENT, VOTE};
use crate::helpers::{TestApp, first_error_code};
use crate::live::{connect, connect_raw, instance_with, next, send};

const EVENT_QUERY: &str = "{ event { slug } }";

#[tokio::test]
async fn one_address_over_its_rate_gets_429_with_retry_after_and_health_stays_up() {
    let app = TestApp::with_config(ServeConfig {
        ip_requests_per_second: 1,
        ip_request_burst: 3,
        ..ServeConfig::default()
    })
    .await;
    for _ in 0..3 {
        let ok = app
            .post_json("/graphql", &json!({ "query": "{ me { role } }" }))
            .await;
        assert_eq!(ok.status, StatusCode::OK);
    }
    let refused = app
        .post_json("/graphql", &json!({ "query": "{ me { role } }" }))
        .await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        refused.json()["errors"][0]["extensions"]["code"],
        "RATE_LIMITED"
    );
    let retry_after: u64 = refused
        .header(header::RETRY_AFTER)
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After in seconds");
    assert!(retry_after >= 1);
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_venue_behind_one_address_joins_and_votes_within_a_minute() {
    let (app, actors) = actors::setup().await;
    let question = actors::submit(
        &app,
        &actors.participant,
        &actors.theme,
        "Hoe betrekken we jongeren bij de buurtaanpak?",
    )
    .await;
    actors::moderate(
        &app,
        &actors.moderator,
        json!({ "id": question, "action": "APPROVE" }),
    )
    .await;
    for n in 0..300 {
        let token = actors::join(&app, EVENT).await;
        let voted = app.gql_as(&token, VOTE, json!({ "id": question })).await;
        assert!(voted.get("errors").is_none(), "participant {n}: {voted}");
    }
    let count = app
        .gql_as(
            &actors.staff,
            "query($id: ID!) { learningQuestion(id: $id) { voteCount } }",
            json!({ "id": question }),
        )
        .await;
    assert_eq!(count["data"]["learningQuestion"]["voteCount"], 300);
}

#[tokio::test]
async fn one_participant_voting_too_often_is_limited_and_others_are_not() {
    let (app, actors) = actors::setup_with(ServeConfig {
        votes_per_minute: 3,
        ..ServeConfig::default()
    })
    .await;
    let question = actors::submit(
        &app,
        &actors.participant,
        &actors.theme,
        "Hoe houden we bewoners betrokken na het project?",
    )
    .await;
    actors::moderate(
        &app,
        &actors.moderator,
        json!({ "id": question, "action": "APPROVE" }),
    )
    .await;
    let unvote = "mutation($id: ID!) { unvoteLearningQuestion(id: $id) { voteCount } }";
    for query in [VOTE, unvote, VOTE] {
        let ok = app
            .gql_as(&actors.other_participant, query, json!({ "id": question }))
            .await;
        assert!(ok.get("errors").is_none(), "{ok}");
    }
    let limited = app
        .gql_as(&actors.other_participant, unvote, json!({ "id": question }))
        .await;
    assert_eq!(first_error_code(&limited), "RATE_LIMITED");
    assert!(
        limited["errors"][0]["extensions"]["retryAfter"]
            .as_u64()
            .is_some_and(|s| s >= 1),
        "{limited}"
    );
    let someone_else = app
        .gql_as(&actors.participant, VOTE, json!({ "id": question }))
        .await;
    assert!(someone_else.get("errors").is_none(), "{someone_else}");
}

#[tokio::test]
async fn guessing_access_codes_from_one_address_is_throttled() {
    let app = TestApp::with_config(ServeConfig {
        joins_per_minute: 2,
        ..ServeConfig::default()
    })
    .await;
    buurtgraph::programme_bundle::import_if_empty(&app.db)
        .await
        .expect("imports");
    let join = "mutation($i: JoinEventInput!) { joinEvent(input: $i) { token } }";
    let guess = |code: &str| json!({ "i": { "eventSlug": EVENT, "accessCode": code } });
    for code in ["AAAA-BBBB", "CCCC-DDDD"] {
        let wrong = app.gql(join, guess(code)).await;
        assert_ne!(first_error_code(&wrong), "RATE_LIMITED");
    }
    let code = buurtgraph::service::accounts::access_code(&app.db, EVENT, None)
        .await
        .expect("code");
    let right_but_too_late = app.gql(join, guess(&code)).await;
    assert_eq!(first_error_code(&right_but_too_late), "RATE_LIMITED");
}

#[tokio::test]
async fn one_token_may_hold_only_so_many_websocket_connections() {
    let (app, actors) = actors::setup().await;
    let address = instance_with(
        &app,
        ServeConfig {
            ws_connections_per_token: 2,
            ..ServeConfig::default()
        },
    )
    .await;
    let first = connect(address, Some(&actors.moderator)).await;
    let _second = connect(address, Some(&actors.moderator)).await;
    let (_third, refused) = connect_raw(address, Some(&actors.moderator)).await;
    assert_eq!(refused["type"], "close", "{refused}");
    assert!(
        refused["reason"]
            .as_str()
            .is_some_and(|r| r.contains("too many")),
        "{refused}"
    );
    let _other_token = connect(address, Some(&actors.staff)).await;

    drop(first);
    // The server notices the closed socket and gives the slot back.
    let mut again = None;
    for _ in 0..100 {
        let (socket, reply) = connect_raw(address, Some(&actors.moderator)).await;
        if reply["type"] == "connection_ack" {
            again = Some(socket);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(again.is_some(), "a closed connection frees its slot");
}

#[tokio::test]
async fn an_oversized_websocket_message_closes_that_connection_only() {
    let (app, actors) = actors::setup().await;
    let address = instance_with(
        &app,
        ServeConfig {
            ws_max_message_bytes: 4 * 1024,
            ..ServeConfig::default()
        },
    )
    .await;
    let mut big = connect(address, Some(&actors.staff)).await;
    let huge = "x".repeat(64 * 1024);
    let _ = big
        .send(Message::text(
            json!({ "id": "1", "type": "subscribe", "payload": { "query": huge } }).to_string(),
        ))
        .await;
    let closed = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        use futures_util::StreamExt;
        loop {
            match big.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return true,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert_eq!(
        closed,
        Ok(true),
        "the oversized message ends the connection"
    );

    let mut healthy = connect(address, Some(&actors.staff)).await;
    send(
        &mut healthy,
        json!({ "id": "2", "type": "subscribe", "payload": { "query": "{ __typename }" } }),
    )
    .await;
    assert_eq!(next(&mut healthy).await["type"], "next");
}

#[tokio::test]
async fn many_aliases_fragment_cycles_and_directive_floods_are_refused() {
    let app = TestApp::bundled_uncached().await;
    let aliases: String = (0..1_500)
        .map(|n| format!("a{n}: event {{ title }} "))
        .collect();
    let response = app.gql(&format!("{{ {aliases} }}"), json!({})).await;
    assert_eq!(first_error_code(&response), "QUERY_TOO_COMPLEX");

    let cycle = "query { event { ...A } } fragment A on Event { blocks { event { ...B } } } fragment B on Event { ...A }";
    let response = app.gql(cycle, json!({})).await;
    let code = first_error_code(&response);
    assert!(
        ["QUERY_TOO_COMPLEX", "GRAPHQL_VALIDATION_FAILED"].contains(&code.as_str()),
        "{response}"
    );
    assert!(response["data"].is_null());

    let directives: String = (0..50).map(|_| "@include(if: true) ").collect();
    let response = app
        .gql(&format!("{{ event {{ title {directives} }} }}"), json!({}))
        .await;
    assert_eq!(first_error_code(&response), "QUERY_TOO_COMPLEX");

    assert_eq!(
        app.data(EVENT_QUERY, json!({})).await["event"]["slug"],
        EVENT
    );
}

#[tokio::test]
async fn a_client_trickling_its_headers_is_cut_off_and_others_are_served() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::bundled().await;
    let address = instance_with(
        &app,
        ServeConfig {
            header_read_timeout_secs: 1,
            ..ServeConfig::default()
        },
    )
    .await;
    let mut slow = tokio::net::TcpStream::connect(address)
        .await
        .expect("connects");
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: buurtgraph\r\n")
        .await
        .expect("writes");
    let started = std::time::Instant::now();

    let mut fast = tokio::net::TcpStream::connect(address)
        .await
        .expect("connects");
    fast.write_all(b"GET /healthz HTTP/1.1\r\nHost: buurtgraph\r\nConnection: close\r\n\r\n")
        .await
        .expect("writes");
    let mut answer = String::new();
    fast.read_to_string(&mut answer).await.expect("reads");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    let mut rest = Vec::new();
    let ended = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        slow.read_to_end(&mut rest),
    )
    .await;
    assert!(ended.is_ok(), "the slow connection is closed by the server");
    let waited = started.elapsed();
    assert!(
        waited >= std::time::Duration::from_millis(900),
        "not before the timeout: {waited:?}"
    );
    let text = String::from_utf8_lossy(&rest);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 408"),
        "{text}"
    );
}

#[tokio::test]
async fn a_request_body_that_stalls_gets_408_and_others_are_served() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::bundled().await;
    let address = instance_with(
        &app,
        ServeConfig {
            body_read_timeout_secs: 1,
            ..ServeConfig::default()
        },
    )
    .await;
    let mut slow = tokio::net::TcpStream::connect(address)
        .await
        .expect("connects");
    slow.write_all(
        b"POST /graphql HTTP/1.1\r\nHost: buurtgraph\r\nContent-Type: application/json\r\n\
          Content-Length: 100\r\n\r\n{\"query\":",
    )
    .await
    .expect("writes");
    let started = std::time::Instant::now();

    let served = query_over_tcp(address, EVENT_QUERY).await;
    assert!(
        served.starts_with("HTTP/1.1 200") && served.contains(EVENT),
        "others are served while the body stalls: {served}"
    );

    let mut answer = Vec::new();
    let answered = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        let mut chunk = [0u8; 1024];
        while !String::from_utf8_lossy(&answer).contains("REQUEST_TIMEOUT") {
            match slow.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(read) => answer.extend_from_slice(&chunk[..read]),
            }
        }
    })
    .await;
    assert!(answered.is_ok(), "the stalled request is answered");
    let waited = started.elapsed();
    assert!(
        waited >= std::time::Duration::from_millis(900),
        "not before the timeout: {waited:?}"
    );
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"REQUEST_TIMEOUT\""), "{answer}");
}

#[tokio::test]
async fn one_address_may_open_only_so_many_websocket_connections() {
    let app = TestApp::bundled().await;
    let address = instance_with(
        &app,
        ServeConfig {
            ws_connections_per_ip: 2,
            ..ServeConfig::default()
        },
    )
    .await;
    let first = connect(address, None).await;
    let _second = connect(address, None).await;
    match open_websocket(address).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
            assert!(response.headers().contains_key(header::RETRY_AFTER));
            let body = String::from_utf8_lossy(response.body().as_deref().unwrap_or_default())
                .into_owned();
            assert!(body.contains("RATE_LIMITED"), "{body}");
        }
        Err(other) => panic!("refused in another way: {other}"),
        Ok(_) => panic!("a third connection from one address was accepted"),
    }
    let served = query_over_tcp(address, EVENT_QUERY).await;
    assert!(
        served.starts_with("HTTP/1.1 200") && served.contains(EVENT),
        "plain queries from that address still pass: {served}"
    );

    drop(first);
    let mut again = None;
    for _ in 0..100 {
        if let Ok(socket) = open_websocket(address).await {
            again = Some(socket);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        again.is_some(),
        "a closed connection frees the address's slot"
    );
}

async fn open_websocket(
    address: std::net::SocketAddr,
) -> Result<crate::live::Socket, tokio_tungstenite::tungstenite::Error> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = format!("ws://{address}/graphql/ws").into_client_request()?;
    request.headers_mut().insert(
        "sec-websocket-protocol",
        header::HeaderValue::from_static("graphql-transport-ws"),
    );
    let (socket, _) = tokio_tungstenite::connect_async(request).await?;
    Ok(socket)
}

/// Reads until the server ends the connection; `false` if it is still open after 5 s.
async fn ends(socket: &mut crate::live::Socket) -> bool {
    tokio::time::timeout(std::time::Duration::from_secs(5), async {
        use futures_util::StreamExt;
        loop {
            match socket.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return true,
                Some(Ok(_)) => {}
            }
        }
    })
    .await
    .unwrap_or(false)
}

#[tokio::test]
async fn a_websocket_connection_holds_only_so_many_subscriptions() {
    let (app, actors) = actors::setup().await;
    let address = instance_with(
        &app,
        ServeConfig {
            ws_subscriptions_per_connection: 2,
            ..ServeConfig::default()
        },
    )
    .await;
    let subscribe = |id: &str| {
        json!({ "id": id, "type": "subscribe", "payload": {
            "query": "subscription { learningQuestionEvents { change } }" } })
    };
    let query = |id: &str| json!({ "id": id, "type": "subscribe", "payload": { "query": "{ __typename }" } });
    let mut greedy = connect(address, Some(&actors.staff)).await;
    for id in ["1", "2", "3"] {
        send(&mut greedy, subscribe(id)).await;
    }
    assert!(
        ends(&mut greedy).await,
        "the third open subscription ends the connection"
    );

    // Completed subscriptions, by the client or (for a query) by the server, free their place.
    let mut within = connect(address, Some(&actors.staff)).await;
    for message in [
        subscribe("1"),
        subscribe("2"),
        json!({ "id": "1", "type": "complete" }),
        subscribe("3"),
        json!({ "id": "3", "type": "complete" }),
    ] {
        send(&mut within, message).await;
    }
    for id in ["q1", "q2", "q3"] {
        send(&mut within, query(id)).await;
        let mut answer = crate::live::next_or_close(&mut within).await;
        while answer["type"] == "complete" && answer["id"] != id {
            answer = crate::live::next_or_close(&mut within).await;
        }
        assert_eq!(answer["type"], "next", "{answer}");
        assert_eq!(answer["id"], id, "{answer}");
        let done = crate::live::next_or_close(&mut within).await;
        assert_eq!(done["type"], "complete", "{done}");
    }
}

#[tokio::test]
async fn a_websocket_connection_flooding_messages_is_closed() {
    let app = TestApp::bundled().await;
    let address = instance_with(
        &app,
        ServeConfig {
            ws_messages_per_second: 2,
            ..ServeConfig::default()
        },
    )
    .await;
    let mut calm = connect(address, None).await;
    let mut flood = connect(address, None).await;
    for _ in 0..30 {
        if flood
            .send(Message::text(json!({ "type": "ping" }).to_string()))
            .await
            .is_err()
        {
            break;
        }
    }
    assert!(ends(&mut flood).await, "the flood ends its connection");

    send(
        &mut calm,
        json!({ "id": "q", "type": "subscribe", "payload": { "query": "{ __typename }" } }),
    )
    .await;
    assert_eq!(crate::live::next_or_close(&mut calm).await["type"], "next");
}

/// Sends `query` to the server at `address` over a connection of its own; the whole answer.
async fn query_over_tcp(address: std::net::SocketAddr, query: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let body = json!({ "query": query }).to_string();
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connects");
    stream
        .write_all(
            format!(
                "POST /graphql HTTP/1.1\r\nHost: buurtgraph\r\nContent-Type: application/json\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
            .as_bytes(),
        )
        .await
        .expect("writes");
    let mut answer = String::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(5),
        stream.read_to_string(&mut answer),
    )
    .await
    .expect("answered within 5 s")
    .expect("reads");
    answer
}
