//! Subscriptions end to end: a real server, real WebSocket clients (graphql-transport-ws).

use std::time::Duration;

use buurtgraph::Application;
use buurtgraph::config::ServeConfig;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::actors::setup;

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub async fn connect(address: std::net::SocketAddr, token: Option<&str>) -> Socket {
    let (socket, reply) = connect_raw(address, token).await;
    assert_eq!(reply["type"], "connection_ack", "{reply}");
    socket
}

/// Opens a socket speaking `protocol`, without initialising it.
pub async fn open(address: std::net::SocketAddr, protocol: &str) -> Socket {
    let mut request = format!("ws://{address}/graphql/ws")
        .into_client_request()
        .expect("request");
    request
        .headers_mut()
        .insert("sec-websocket-protocol", protocol.parse().expect("header"));
    let (socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connects");
    socket
}

/// Opens a socket and sends `connection_init`; returns the server's first reply.
pub async fn connect_raw(address: std::net::SocketAddr, token: Option<&str>) -> (Socket, Value) {
    let mut socket = open(address, "graphql-transport-ws").await;
    let payload = token.map_or(json!({}), |t| json!({ "token": t }));
    send(
        &mut socket,
        json!({ "type": "connection_init", "payload": payload }),
    )
    .await;
    let reply = next_or_close(&mut socket).await;
    (socket, reply)
}

/// The next message, or `{ "type": "close", "code", "reason" }` when the server hangs up.
pub async fn next_or_close(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("a message within 5 s");
        match message {
            Some(Ok(Message::Text(text))) => {
                let value: Value = serde_json::from_str(&text).expect("json");
                if value["type"] != "ping" && value["type"] != "pong" {
                    return value;
                }
            }
            Some(Ok(Message::Close(frame))) => {
                return json!({
                    "type": "close",
                    "code": frame.as_ref().map(|f| u16::from(f.code)),
                    "reason": frame.as_ref().map(|f| f.reason.to_string()),
                });
            }
            Some(Ok(_)) => {}
            None | Some(Err(_)) => return json!({ "type": "close" }),
        }
    }
}

pub async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::text(message.to_string()))
        .await
        .expect("sends");
}

/// The next message that is not a ping or pong.
pub async fn next(socket: &mut Socket) -> Value {
    loop {
        let value = next_text(socket).await;
        if value["type"] != "ping" && value["type"] != "pong" {
            return value;
        }
    }
}

/// The next text message, whatever its type.
pub async fn next_text(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("a message within 5 s")
            .expect("open")
            .expect("readable");
        if let Message::Text(text) = message {
            return serde_json::from_str(&text).expect("json");
        }
    }
}

async fn no_message(socket: &mut Socket) -> bool {
    tokio::time::timeout(Duration::from_millis(500), socket.next())
        .await
        .is_err()
}

const EVENTS: &str =
    "subscription { learningQuestionEvents { change question { id text status } } }";

#[tokio::test]
async fn a_moderator_receives_a_question_the_moment_it_is_submitted() {
    let (app, actors) = setup().await;
    let config = ServeConfig {
        bind: "127.0.0.1:0".parse().expect("address"),
        ..Default::default()
    };
    let server = Application::with_database(config, app.db.clone())
        .await
        .expect("server");
    let address = server.local_addr().expect("address");
    tokio::spawn(server.run_until_stopped());

    let mut moderator = connect(address, Some(&actors.moderator)).await;
    send(
        &mut moderator,
        json!({ "id": "s", "type": "subscribe", "payload": { "query": EVENTS } }),
    )
    .await;
    let mut neighbour = connect(address, Some(&actors.other_participant)).await;
    send(
        &mut neighbour,
        json!({ "id": "s", "type": "subscribe", "payload": { "query": EVENTS } }),
    )
    .await;

    let mut participant = connect(address, Some(&actors.participant)).await;
    let submit = json!({ "id": "m", "type": "subscribe", "payload": {
        "query": "mutation($t: ID!) { submitLearningQuestion(input: { themeId: $t, text: \"Live: hoe mengen we wijken?\" }) { id } }",
        "variables": { "t": actors.theme } } });
    send(&mut participant, submit).await;
    let submitted = next(&mut participant).await;
    let id = submitted["payload"]["data"]["submitLearningQuestion"]["id"].clone();
    assert!(id.is_string(), "{submitted:#}");

    let event = next(&mut moderator).await;
    assert_eq!(event["type"], "next");
    assert_eq!(
        event["payload"]["data"]["learningQuestionEvents"]["change"],
        "SUBMITTED"
    );
    assert_eq!(
        event["payload"]["data"]["learningQuestionEvents"]["question"]["id"],
        id
    );
    assert!(
        no_message(&mut neighbour).await,
        "a pending question is not shown to other participants"
    );

    // Approval reaches the other participants of the event.
    let approve = json!({ "id": "a", "type": "subscribe", "payload": {
        "query": "mutation($q: ID!) { moderateLearningQuestion(input: { id: $q, action: APPROVE }) { status } }",
        "variables": { "q": id } } });
    send(&mut moderator, approve).await;
    let mut seen = Vec::new();
    for _ in 0..2 {
        seen.push(next(&mut moderator).await);
    }
    assert!(
        seen.iter().any(|m| m["id"] == "a"
            && m["payload"]["data"]["moderateLearningQuestion"]["status"] == "APPROVED"),
        "{seen:#?}"
    );
    let approved = next(&mut neighbour).await;
    assert_eq!(
        approved["payload"]["data"]["learningQuestionEvents"]["change"],
        "MODERATED"
    );
    assert_eq!(
        approved["payload"]["data"]["learningQuestionEvents"]["question"]["status"],
        "APPROVED"
    );

    // Without a token there is nothing to subscribe to.
    let mut anonymous = connect(address, None).await;
    send(
        &mut anonymous,
        json!({ "id": "x", "type": "subscribe", "payload": { "query": EVENTS } }),
    )
    .await;
    let refused = next(&mut anonymous).await;
    let code = refused["payload"]["errors"][0]["extensions"]["code"].clone();
    assert_eq!(code, "UNAUTHENTICATED", "{refused:#}");
}

/// Starts a server instance over the test database.
pub async fn instance(app: &crate::helpers::TestApp) -> std::net::SocketAddr {
    instance_with(app, ServeConfig::default()).await
}

/// Starts a server instance with these settings over the test database.
pub async fn instance_with(
    app: &crate::helpers::TestApp,
    config: ServeConfig,
) -> std::net::SocketAddr {
    let config = ServeConfig {
        bind: "127.0.0.1:0".parse().expect("address"),
        ..config
    };
    let server = Application::with_database(config, app.db.clone())
        .await
        .expect("server");
    let address = server.local_addr().expect("address");
    tokio::spawn(server.run_until_stopped());
    address
}

#[tokio::test]
async fn on_postgresql_an_event_reaches_a_subscriber_on_another_instance() {
    if std::env::var_os("TEST_DATABASE_URL").is_none() {
        println!("skipped: several instances share changes through PostgreSQL only");
        return;
    }
    let (app, actors) = setup().await;
    let (first, second) = (instance(&app).await, instance(&app).await);
    let mut moderator = connect(first, Some(&actors.moderator)).await;
    send(
        &mut moderator,
        json!({ "id": "s", "type": "subscribe", "payload": { "query": EVENTS } }),
    )
    .await;
    // Let the subscription start before the change is made.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut participant = connect(second, Some(&actors.participant)).await;
    send(&mut participant, json!({ "id": "m", "type": "subscribe", "payload": {
        "query": "mutation($t: ID!) { submitLearningQuestion(input: { themeId: $t, text: \"Via de andere server gesteld\" }) { id } }",
        "variables": { "t": actors.theme } } }))
    .await;
    let submitted = next(&mut participant).await;
    let event = next(&mut moderator).await;
    assert_eq!(
        event["payload"]["data"]["learningQuestionEvents"]["change"],
        "SUBMITTED"
    );
    assert_eq!(
        event["payload"]["data"]["learningQuestionEvents"]["question"]["id"],
        submitted["payload"]["data"]["submitLearningQuestion"]["id"]
    );
}

/// Every message that arrives until none has come for `quiet`.
async fn messages_until_quiet(socket: &mut Socket, quiet: Duration) -> Vec<Value> {
    let mut messages = Vec::new();
    while let Ok(Some(Ok(message))) = tokio::time::timeout(quiet, socket.next()).await {
        if let Message::Text(text) = message {
            let value: Value = serde_json::from_str(&text).expect("json");
            if value["type"] != "ping" && value["type"] != "pong" {
                messages.push(value);
            }
        }
    }
    messages
}

const VOTE_EVENTS: &str =
    "subscription { learningQuestionEvents { change question { id voteCount } } }";

/// An approved question, and a subscriber (another participant) listening on `address`.
async fn approved_question_and_listener(
    app: &crate::helpers::TestApp,
    actors: &crate::actors::Actors,
    address: std::net::SocketAddr,
) -> (String, Socket) {
    let id = crate::actors::submit(
        app,
        &actors.participant,
        &actors.theme,
        "Tellen we live mee?",
    )
    .await;
    let approved = crate::actors::moderate(
        app,
        &actors.moderator,
        json!({ "id": id, "action": "APPROVE" }),
    )
    .await;
    assert_eq!(
        approved["data"]["moderateLearningQuestion"]["status"], "APPROVED",
        "{approved}"
    );
    let mut listener = connect(address, Some(&actors.other_participant)).await;
    send(
        &mut listener,
        json!({ "id": "s", "type": "subscribe", "payload": { "query": VOTE_EVENTS } }),
    )
    .await;
    // Let the subscription start before the votes come.
    tokio::time::sleep(Duration::from_millis(200)).await;
    (id, listener)
}

fn vote_message(id: &str) -> Value {
    json!({ "id": "v", "type": "subscribe", "payload": {
        "query": "mutation($q: ID!) { voteLearningQuestion(id: $q) { voteCount } }",
        "variables": { "q": id } } })
}

fn voted_counts(messages: &[Value], id: &str) -> Vec<i64> {
    messages
        .iter()
        .map(|m| &m["payload"]["data"]["learningQuestionEvents"])
        .filter(|e| e["change"] == "VOTED" && e["question"]["id"] == id)
        .filter_map(|e| e["question"]["voteCount"].as_i64())
        .collect()
}

#[tokio::test]
async fn a_single_vote_is_published_with_its_count() {
    let (app, actors) = setup().await;
    let address = instance(&app).await;
    let (id, mut listener) = approved_question_and_listener(&app, &actors, address).await;
    let mut voter = connect(
        address,
        Some(&crate::actors::join(&app, crate::actors::EVENT).await),
    )
    .await;
    send(&mut voter, vote_message(&id)).await;
    let answer = next(&mut voter).await;
    assert_eq!(
        answer["payload"]["data"]["voteLearningQuestion"]["voteCount"], 1,
        "{answer}"
    );
    let messages = messages_until_quiet(&mut listener, Duration::from_millis(1_000)).await;
    assert_eq!(voted_counts(&messages, &id), vec![1], "{messages:#?}");
}

#[tokio::test]
async fn quick_votes_on_a_question_are_published_together_with_the_latest_count() {
    let (app, actors) = setup().await;
    let address = instance(&app).await;
    let (id, mut listener) = approved_question_and_listener(&app, &actors, address).await;
    const VOTERS: usize = 8;
    let mut voters = Vec::new();
    for _ in 0..VOTERS {
        let token = crate::actors::join(&app, crate::actors::EVENT).await;
        voters.push(connect(address, Some(&token)).await);
    }
    let started = std::time::Instant::now();
    for voter in &mut voters {
        send(voter, vote_message(&id)).await;
    }
    for voter in &mut voters {
        let answer = next(voter).await;
        assert!(answer["payload"]["errors"].is_null(), "{answer}");
    }
    let voting = started.elapsed();
    let messages = messages_until_quiet(&mut listener, Duration::from_millis(1_000)).await;
    let counts = voted_counts(&messages, &id);
    assert_eq!(
        counts.last(),
        Some(&(VOTERS as i64)),
        "the last event has the final count: {counts:?}"
    );
    // One event when the first vote comes, then at most one per 250 ms.
    let allowed = 2 + (voting.as_millis() / 250) as usize;
    assert!(
        counts.len() <= allowed.min(VOTERS - 1),
        "{} events for {VOTERS} votes in {voting:?}: {counts:?}",
        counts.len()
    );
}

/// A moderator's action sent over `socket`; waits for its answer (events may come between).
async fn moderate_over(socket: &mut Socket, id: &str, action: &str) {
    send(socket, json!({ "id": "act", "type": "subscribe", "payload": {
        "query": "mutation($i: ModerateLearningQuestionInput!) { moderateLearningQuestion(input: $i) { status } }",
        "variables": { "i": { "id": id, "action": action } } } }))
    .await;
    loop {
        let message = next(socket).await;
        if message["id"] == "act" {
            assert!(message["payload"]["errors"].is_null(), "{message:#}");
            return;
        }
    }
}

/// Waits until the subscriber has the event of this change of question `id`.
async fn event_of(socket: &mut Socket, change: &str, id: &str) -> Value {
    loop {
        let message = next(socket).await;
        let event = &message["payload"]["data"]["learningQuestionEvents"];
        if event["change"] == change && event["question"]["id"] == id {
            return event.clone();
        }
    }
}

const THEMED_EVENTS: &str =
    "subscription { learningQuestionEvents { change question { id status theme { title } } } }";

#[tokio::test]
async fn participants_asking_the_same_share_one_execution_of_each_event() {
    let (app, actors) = setup().await;
    let address = instance(&app).await;
    let first = crate::actors::submit(
        &app,
        &actors.participant,
        &actors.theme,
        "Eerste vraag voor iedereen",
    )
    .await;
    let second = crate::actors::submit(
        &app,
        &actors.participant,
        &actors.theme,
        "Tweede vraag voor iedereen",
    )
    .await;
    let mut moderator = connect(address, Some(&actors.moderator)).await;
    let subscribe =
        json!({ "id": "s", "type": "subscribe", "payload": { "query": THEMED_EVENTS } });

    // One subscriber: what an approval costs in statements.
    let mut listeners = vec![connect(address, Some(&actors.other_participant)).await];
    send(&mut listeners[0], subscribe.clone()).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.reset_statements();
    moderate_over(&mut moderator, &first, "APPROVE").await;
    let event = event_of(&mut listeners[0], "MODERATED", &first).await;
    assert!(event["question"]["theme"]["title"].is_string(), "{event}");
    let with_one = app.statements();

    // Twenty subscribers: each gets the event, and it is executed once for all.
    for _ in 0..19 {
        let token = crate::actors::join(&app, crate::actors::EVENT).await;
        let mut listener = connect(address, Some(&token)).await;
        send(&mut listener, subscribe.clone()).await;
        listeners.push(listener);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    app.reset_statements();
    moderate_over(&mut moderator, &second, "APPROVE").await;
    for listener in &mut listeners {
        let event = event_of(listener, "MODERATED", &second).await;
        assert_eq!(event["question"]["status"], "APPROVED");
        assert!(event["question"]["theme"]["title"].is_string(), "{event}");
    }
    let with_twenty = app.statements();
    assert!(
        with_twenty <= with_one + 2,
        "20 subscribers cost {with_twenty} statements, one cost {with_one}: {:#?}",
        app.statement_log()
    );
}

#[tokio::test]
async fn a_participant_alone_sees_their_own_question_until_all_may_and_then_once() {
    let (app, actors) = setup().await;
    let address = instance(&app).await;
    let subscribe = json!({ "id": "s", "type": "subscribe", "payload": { "query": EVENTS } });
    let mut author = connect(address, Some(&actors.participant)).await;
    send(&mut author, subscribe.clone()).await;
    let mut neighbour = connect(address, Some(&actors.other_participant)).await;
    send(&mut neighbour, subscribe.clone()).await;
    // A document that reads the viewer is not shared, and still answers for this viewer.
    let mut own_view = connect(address, Some(&actors.participant)).await;
    send(
        &mut own_view,
        json!({ "id": "o", "type": "subscribe", "payload": {
        "query": "subscription { learningQuestionEvents { change question { id isMine } } }" } }),
    )
    .await;
    let mut moderator = connect(address, Some(&actors.moderator)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    send(&mut author, json!({ "id": "m", "type": "subscribe", "payload": {
        "query": "mutation($t: ID!) { submitLearningQuestion(input: { themeId: $t, text: \"Alleen van mij, nog even\" }) { id } }",
        "variables": { "t": actors.theme } } }))
    .await;
    let messages = messages_until_quiet(&mut author, Duration::from_millis(700)).await;
    let id = messages
        .iter()
        .find_map(|m| m["payload"]["data"]["submitLearningQuestion"]["id"].as_str())
        .expect("the submission's answer")
        .to_owned();
    let own_events = |messages: &[Value], change: &str| {
        messages
            .iter()
            .map(|m| &m["payload"]["data"]["learningQuestionEvents"])
            .filter(|e| e["change"] == change && e["question"]["id"] == id.as_str())
            .count()
    };
    assert_eq!(own_events(&messages, "SUBMITTED"), 1, "{messages:#?}");
    assert!(
        no_message(&mut neighbour).await,
        "pending: the author's alone"
    );

    moderate_over(&mut moderator, &id, "APPROVE").await;
    let at_author = messages_until_quiet(&mut author, Duration::from_millis(700)).await;
    let at_neighbour = messages_until_quiet(&mut neighbour, Duration::from_millis(300)).await;
    assert_eq!(own_events(&at_author, "MODERATED"), 1, "{at_author:#?}");
    assert_eq!(
        own_events(&at_neighbour, "MODERATED"),
        1,
        "{at_neighbour:#?}"
    );
    let mine = event_of(&mut own_view, "MODERATED", &id).await;
    assert_eq!(mine["question"]["isMine"], true, "{mine}");

    // Hidden again, it is the author's alone once more.
    moderate_over(&mut moderator, &id, "HIDE").await;
    let at_author = messages_until_quiet(&mut author, Duration::from_millis(700)).await;
    assert_eq!(own_events(&at_author, "MODERATED"), 1, "{at_author:#?}");
    assert!(
        no_message(&mut neighbour).await,
        "hidden: not the neighbour's"
    );
}

/// A `data-…` attribute of the page's `<main>`, as the browser's script reads it.
fn main_attribute(html: &str, name: &str) -> String {
    let main = &html[html.find("<main").expect("a <main>")..];
    let main = &main[..main.find('>').expect("the tag ends")];
    let start = format!(" {name}=\"");
    let value = &main[main
        .find(&start)
        .unwrap_or_else(|| panic!("{name} in {main}"))
        + start.len()..];
    value[..value.find('"').expect("the value ends")]
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#x2f;", "/")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[tokio::test]
async fn the_agenda_pages_live_document_is_shared_among_its_participants() {
    let (app, actors) = setup().await;
    let server = Application::with_database(crate::metrics::config(), app.db.clone())
        .await
        .expect("server");
    let address = server.local_addr().expect("address");
    let metrics = server.metrics_addr().expect("METRICS_BIND listens");
    tokio::spawn(server.run_until_stopped());

    // Two phones open the learning agenda; each subscribes as the page's script does: the
    // page's token, document and event.
    let mut sockets = Vec::new();
    for _ in 0..2 {
        let mut browser = crate::web::Browser::new(&app);
        browser.join().await;
        let page = browser
            .get(&format!("/events/{}/leeragenda", crate::actors::EVENT))
            .await
            .text();
        let token = main_attribute(&page, "data-live-token");
        let mut socket = connect(address, Some(&token)).await;
        send(
            &mut socket,
            json!({ "id": "1", "type": "subscribe", "payload": {
            "query": main_attribute(&page, "data-live-query"),
            "variables": { "slug": main_attribute(&page, "data-event") } } }),
        )
        .await;
        sockets.push(socket);
    }
    let gauges = |m: &crate::metrics::Metrics| crate::metrics::subscription_gauges(m);
    let scraped = crate::metrics::scrape_until(metrics, |m| gauges(m) == (2.0, 2.0, 1.0)).await;
    assert_eq!(
        gauges(&scraped),
        (2.0, 2.0, 1.0),
        "both subscriptions are served by one shared execution"
    );

    // And it carries what the script shows.
    let id = crate::actors::submit(
        &app,
        &actors.participant,
        &actors.theme,
        "Delen we dit live?",
    )
    .await;
    // Through this instance, which publishes the change to its subscribers.
    let mut moderator = connect(address, Some(&actors.moderator)).await;
    moderate_over(&mut moderator, &id, "APPROVE").await;
    for socket in &mut sockets {
        let message = next(socket).await;
        let question = &message["payload"]["data"]["learningQuestionEvents"]["question"];
        assert_eq!(question["id"], id.as_str(), "{message}");
        assert_eq!(question["status"], "APPROVED");
        assert_eq!(question["text"], "Delen we dit live?");
        assert!(question["theme"]["id"].is_string(), "{message}");
    }
}
