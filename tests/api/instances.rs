//! Two server instances on one PostgreSQL database, as behind a load balancer: a change
//! made through one reaches the other's programme (its snapshot and its response cache)
//! within a second, and live updates cross from one to the other. Skipped on SQLite (one
//! instance per database file).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use buurtgraph::Application;
use buurtgraph::config::ServeConfig;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Request, header};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};

use crate::actors::{self, EVENT};
use crate::helpers::TestApp;
use crate::live::{connect, next, send};

/// A second instance over the test database: a server with a connection pool, caches,
/// snapshot and listener of its own.
async fn second_instance(app: &TestApp) -> SocketAddr {
    let options = app.db.get_postgres_connection_pool().connect_options();
    let pool = sea_orm::sqlx::postgres::PgPoolOptions::new()
        .max_connections(4)
        .connect_with((*options).clone())
        .await
        .expect("a pool of its own");
    let db: DatabaseConnection = sea_orm::SqlxPostgresConnector::from_sqlx_postgres_pool(pool);
    let config = ServeConfig {
        bind: "127.0.0.1:0".parse().expect("address"),
        ..ServeConfig::default()
    };
    let server = Application::with_database(config, db)
        .await
        .expect("second instance");
    let address = server.local_addr().expect("address");
    tokio::spawn(server.run_until_stopped());
    address
}

/// An anonymous query to the instance at `address` (cacheable there).
async fn query(address: SocketAddr, query: &str, variables: Value) -> Value {
    let body = json!({ "query": query, "variables": variables }).to_string();
    let request = Request::post(format!("http://{address}/graphql"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(body)))
        .expect("request");
    serde_json::from_slice(&body_of(request).await).expect("json")
}

/// The body of the answer to `request`, sent over a connection of its own.
async fn body_of(request: Request<Full<Bytes>>) -> Bytes {
    let client: Client<HttpConnector, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build(HttpConnector::new());
    let response = client.request(request).await.expect("answer");
    response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
}

const TITLES: &str = "query($s: String) { event(slug: $s) { blocks { sessions { id title } } } }";

fn first_session(response: &Value) -> &Value {
    &response["data"]["event"]["blocks"][1]["sessions"][0]
}

fn skipped() -> bool {
    if std::env::var_os("TEST_DATABASE_URL").is_none() {
        println!("skipped: several instances share one database on PostgreSQL only");
        return true;
    }
    false
}

#[tokio::test]
async fn an_edit_on_one_instance_is_in_the_others_next_query_within_a_second() {
    if skipped() {
        return;
    }
    let (first, actors) = actors::setup().await;
    let second = second_instance(&first).await;
    // The second instance has the programme in its snapshot and the answer in its cache.
    let before = query(second, TITLES, json!({ "s": EVENT })).await;
    let session = first_session(&before).clone();
    assert_eq!(query(second, TITLES, json!({ "s": EVENT })).await, before);

    let moved = format!("{} (verplaatst)", session["title"].as_str().expect("title"));
    let edited = first
        .gql_as(
            &actors.admin,
            "mutation($id: ID!, $t: String!) { updateSession(id: $id, input: { title: $t }) { title } }",
            json!({ "id": session["id"], "t": moved }),
        )
        .await;
    assert!(edited.get("errors").is_none(), "{edited}");
    let edited_at = Instant::now();
    // The second instance read the content version a moment ago and would trust it for
    // a second: seeing the edit well within that shows the change was announced to it.
    let announced_within = Duration::from_millis(600);
    loop {
        let now = query(second, TITLES, json!({ "s": EVENT })).await;
        if first_session(&now)["title"] == moved.as_str() {
            break;
        }
        assert!(
            edited_at.elapsed() < announced_within,
            "the second instance still answers {}",
            first_session(&now)["title"]
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!(
        "the edit reached the other instance in {} ms",
        edited_at.elapsed().as_millis()
    );
}

const EVENTS: &str =
    "subscription { learningQuestionEvents { change question { id text status } } }";

#[tokio::test]
async fn an_approval_on_one_instance_reaches_a_subscriber_on_the_other() {
    if skipped() {
        return;
    }
    let (first, actors) = actors::setup().await;
    let second = second_instance(&first).await;
    let mut neighbour = connect(second, Some(&actors.other_participant)).await;
    send(
        &mut neighbour,
        json!({ "id": "s", "type": "subscribe", "payload": { "query": EVENTS } }),
    )
    .await;
    // Let the subscription start before the change is made.
    tokio::time::sleep(Duration::from_millis(200)).await;

    let id = actors::submit(
        &first,
        &actors.participant,
        &actors.theme,
        "Hoe houden twee servers elkaar bij?",
    )
    .await;
    let approved = actors::moderate(
        &first,
        &actors.moderator,
        json!({ "id": id, "action": "APPROVE" }),
    )
    .await;
    assert_eq!(
        approved["data"]["moderateLearningQuestion"]["status"], "APPROVED",
        "{approved}"
    );
    let event = next(&mut neighbour).await;
    let delivered = &event["payload"]["data"]["learningQuestionEvents"];
    assert_eq!(delivered["change"], "MODERATED", "{event}");
    assert_eq!(delivered["question"]["id"], id.as_str());
    assert_eq!(delivered["question"]["status"], "APPROVED");
}

/// The learning agenda page at `address` as the participant with `token` sees it.
async fn agenda_page(address: SocketAddr, token: &str) -> String {
    let request = Request::get(format!("http://{address}/events/{EVENT}/leeragenda"))
        .header(header::COOKIE, format!("deelnemer={token}"))
        .body(Full::new(Bytes::new()))
        .expect("request");
    String::from_utf8(body_of(request).await.to_vec()).expect("html")
}

/// Waits until the second instance's page for `token` satisfies `shown`, at most a second.
async fn shown_within_a_second(address: SocketAddr, token: &str, shown: impl Fn(&str) -> bool) {
    let changed_at = Instant::now();
    loop {
        let page = agenda_page(address, token).await;
        if shown(&page) {
            break;
        }
        assert!(
            changed_at.elapsed() < Duration::from_secs(1),
            "the other instance still shows the old agenda"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!(
        "the change reached the other instance's agenda in {} ms",
        changed_at.elapsed().as_millis()
    );
}

#[tokio::test]
async fn a_vote_and_a_highlight_on_one_instance_show_on_the_others_agenda_within_a_second() {
    if skipped() {
        return;
    }
    let (first, actors) = actors::setup().await;
    let second = second_instance(&first).await;
    let id = actors::submit(
        &first,
        &actors.other_participant,
        &actors.theme,
        "Zien twee servers dezelfde stemmen?",
    )
    .await;
    actors::moderate(
        &first,
        &actors.moderator,
        json!({ "id": id, "action": "APPROVE" }),
    )
    .await;
    // The second instance holds the shared agenda with the question unrecognised.
    let before = agenda_page(second, &actors.participant).await;
    assert!(before.contains("Zien twee servers") && before.contains("0 keer herkend"));

    let voted = first
        .gql_as(&actors.participant, actors::VOTE, json!({ "id": id }))
        .await;
    assert!(voted.get("errors").is_none(), "{voted}");
    shown_within_a_second(second, &actors.other_participant, |page| {
        page.contains("1 keer herkend")
    })
    .await;

    let marked = first
        .gql_as(
            &actors.moderator,
            "mutation($q: ID!) { markLearningQuestion(input: { id: $q, highlighted: true }) { highlighted } }",
            json!({ "q": id }),
        )
        .await;
    assert!(marked.get("errors").is_none(), "{marked}");
    let now = format!("data-now-id=\"{id}\">Zien twee servers");
    shown_within_a_second(second, &actors.participant, |page| page.contains(&now)).await;
}

#[tokio::test]
async fn an_erasure_on_one_instance_signs_the_token_out_on_the_other_within_a_second() {
    if skipped() {
        return;
    }
    let (first, actors) = actors::setup().await;
    let second = second_instance(&first).await;
    // The second instance has seen the participant (and trusts them for a while).
    let signed_in = "href=\"#mijn-vragen\"";
    assert!(
        agenda_page(second, &actors.participant)
            .await
            .contains(signed_in)
    );

    let erased = first
        .gql_as(
            &actors.participant,
            "mutation { deleteMyData { questions votes } }",
            json!({}),
        )
        .await;
    assert!(erased.get("errors").is_none(), "{erased}");
    shown_within_a_second(second, &actors.participant, |page| {
        !page.contains(signed_in)
    })
    .await;
}
