//! Crash safety: a real server process is killed with SIGKILL in the middle of a
//! submission load and started again on the same database. Every submission it
//! acknowledged is there exactly once, also when clients retry with their idempotency keys.

use std::collections::{BTreeMap, BTreeSet};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use entity::learning_question;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use hyper::{Method, Request, header};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::actors::EVENT;

const PARTICIPANTS: usize = 16;
const SUBMIT: &str =
    "mutation($i: SubmitLearningQuestionInput!) { submitLearningQuestion(input: $i) { id } }";

/// Keep-alive HTTP/1.1 to the server process (a real socket, so a kill cuts requests off).
type HttpClient = Client<HttpConnector, Full<Bytes>>;

fn http_client() -> HttpClient {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    Client::builder(TokioExecutor::new()).build(connector)
}

async fn is_ready(client: &HttpClient, base: &str) -> bool {
    let Ok(request) = Request::get(format!("{base}/readyz")).body(Full::default()) else {
        return false;
    };
    client
        .request(request)
        .await
        .is_ok_and(|r| r.status().is_success())
}

/// POSTs a GraphQL request, with a bearer token when given, and returns its `data`; a failed
/// connection, a non-2xx status and GraphQL `errors` are errors.
async fn graphql_data(
    client: &HttpClient,
    base: &str,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> anyhow::Result<Value> {
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(format!("{base}/graphql"))
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let body = json!({ "query": query, "variables": variables }).to_string();
    let response = client
        .request(request.body(Full::new(Bytes::from(body)))?)
        .await?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    let value: Value =
        serde_json::from_slice(&body).with_context(|| format!("HTTP {status} without JSON"))?;
    if !status.is_success() || value.get("errors").is_some() {
        anyhow::bail!("HTTP {status}: {value}");
    }
    Ok(value.get("data").cloned().unwrap_or(Value::Null))
}

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start(database_url: &str, client: &HttpClient) -> Server {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_buurtgraph"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", database_url)
        .env("SUBMISSIONS_PER_MINUTE", "1000000")
        .env("IP_REQUESTS_PER_SECOND", "0")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server starts");
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if is_ready(client, &server.base).await {
            return server;
        }
        assert!(Instant::now() < deadline, "not ready within 60 s");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn submit(
    client: &HttpClient,
    base: &str,
    token: &str,
    theme: &str,
    key: &str,
) -> anyhow::Result<Value> {
    let input = json!({ "i": {
        "themeId": theme,
        "text": format!("Hoe houden we de vraag {key} vast na een storing?"),
        "idempotencyKey": key,
    }});
    graphql_data(client, base, Some(token), SUBMIT, input).await
}

/// The id in an acknowledged submission, `None` for anything else.
fn acknowledged(reply: &anyhow::Result<Value>) -> Option<String> {
    reply.as_ref().ok()?["submitLearningQuestion"]["id"]
        .as_str()
        .map(str::to_owned)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_submissions_survive_a_killed_server_exactly_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database_url = match std::env::var("TEST_DATABASE_URL") {
        Ok(admin) => crate::helpers::fresh_postgres_database(&admin).await,
        Err(_) => format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("crash.db").display()
        ),
    };
    let client = http_client();
    let server = start(&database_url, &client).await;
    let db = buurtgraph::db::connect(&database_url)
        .await
        .expect("database");
    let code = buurtgraph::service::accounts::access_code(&db, EVENT, None)
        .await
        .expect("code");
    let theme = graphql_data(
        &client,
        &server.base,
        None,
        "{ event { themes { id slug } } }",
        json!({}),
    )
    .await
    .expect("themes")["event"]["themes"][0]["id"]
        .as_str()
        .expect("a theme")
        .to_owned();
    let mut tokens = Vec::new();
    for _ in 0..PARTICIPANTS {
        let joined = graphql_data(
            &client,
            &server.base,
            None,
            "mutation($i: JoinEventInput!) { joinEvent(input: $i) { token } }",
            json!({ "i": { "eventSlug": EVENT, "accessCode": code } }),
        )
        .await
        .expect("joins");
        tokens.push(
            joined["joinEvent"]["token"]
                .as_str()
                .expect("token")
                .to_owned(),
        );
    }

    // Load: every participant submits back to back until the server dies.
    let dead = Arc::new(AtomicBool::new(false));
    let mut load = Vec::new();
    for (n, token) in tokens.iter().cloned().enumerate() {
        let (client, base, theme, dead) = (
            client.clone(),
            server.base.clone(),
            theme.clone(),
            dead.clone(),
        );
        load.push(tokio::spawn(async move {
            let mut attempted = Vec::new();
            let mut acked = BTreeMap::new();
            for i in 0.. {
                if dead.load(Ordering::Relaxed) && i > 0 && attempted.len() > acked.len() {
                    break;
                }
                let key = format!("p{n}-{i}");
                attempted.push(key.clone());
                let reply = submit(&client, &base, &token, &theme, &key).await;
                match acknowledged(&reply) {
                    Some(id) => {
                        acked.insert(key, id);
                    }
                    None if dead.load(Ordering::Relaxed) => break,
                    None => panic!("refused before the crash: {reply:?}"),
                }
            }
            (token, attempted, acked)
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut server = server;
    dead.store(true, Ordering::Relaxed);
    server.child.kill().expect("SIGKILL");
    server.child.wait().expect("reaped");
    let mut results = Vec::new();
    for task in load {
        results.push(task.await.expect("load task"));
    }
    let acked_total: usize = results.iter().map(|(_, _, acked)| acked.len()).sum();
    assert!(acked_total > 0, "the load got going before the kill");

    // Restart on the same database; every client retries everything it attempted.
    let server = start(&database_url, &client).await;
    let mut retried_ids = BTreeMap::new();
    for (token, attempted, _) in &results {
        for key in attempted {
            let reply = submit(&client, &server.base, token, &theme, key).await;
            let id = acknowledged(&reply).unwrap_or_else(|| panic!("retry of {key}: {reply:?}"));
            retried_ids.insert(key.clone(), id);
        }
    }
    for (_, _, acked) in &results {
        for (key, id) in acked {
            assert_eq!(
                retried_ids.get(key),
                Some(id),
                "{key} kept its id across the crash"
            );
        }
    }
    let rows = learning_question::Entity::find()
        .filter(learning_question::Column::IdempotencyKey.is_not_null())
        .all(&db)
        .await
        .expect("reads");
    let keys: Vec<String> = rows
        .iter()
        .filter_map(|r| r.idempotency_key.clone())
        .collect();
    let distinct: BTreeSet<&String> = keys.iter().collect();
    assert_eq!(keys.len(), distinct.len(), "no submission is stored twice");
    assert_eq!(
        keys.len(),
        retried_ids.len(),
        "every attempted submission is stored once"
    );
    println!(
        "crash test: {acked_total} submissions acknowledged before SIGKILL, {} attempted, all present once after restart",
        retried_ids.len()
    );
    drop(server);
}
