//! Prometheus metrics (issue 15): `/metrics` parses, its counters move with the traffic of
//! the test, label values are bounded, and it is served on `METRICS_BIND` only.

mod exposition;

use std::collections::BTreeMap;
use std::net::SocketAddr;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use buurtgraph::Application;
use buurtgraph::config::{MetricsConfig, ServeConfig};
use http_body_util::BodyExt;
use serde_json::json;
use tower::ServiceExt;

use crate::actors::{EVENT, MODERATE, VOTE, setup_with, submit};
use crate::helpers::TestApp;
use crate::live::{connect, send};
use exposition::Kind;

/// Metrics on, with one operation name counted by name.
pub(crate) fn config() -> ServeConfig {
    ServeConfig {
        metrics: Box::new(MetricsConfig {
            bind: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
            operations: vec!["Programme".into()],
        }),
        ..ServeConfig::default()
    }
}

/// `GET /metrics` on the app's metrics router: status, headers and body.
async fn get_metrics(app: &TestApp) -> (StatusCode, axum::http::HeaderMap, axum::body::Bytes) {
    let response = app
        .metrics
        .clone()
        .oneshot(
            Request::get("/metrics")
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("metrics router answers");
    let (parts, body) = response.into_parts();
    let body = body.collect().await.expect("body").to_bytes();
    (parts.status, parts.headers, body)
}

/// `/metrics` of the app, parsed as Prometheus reads it.
async fn scrape(app: &TestApp) -> Metrics {
    let (status, headers, body) = get_metrics(app).await;
    assert_eq!(status, StatusCode::OK);
    let content_type = headers[axum::http::header::CONTENT_TYPE].clone();
    assert!(
        content_type
            .to_str()
            .is_ok_and(|t| t.starts_with("text/plain; version=0.0.4")),
        "{content_type:?}"
    );
    Metrics::parse(&String::from_utf8_lossy(&body))
}

/// A scrape, read by `exposition::parse`.
pub(crate) struct Metrics {
    families: exposition::Exposition,
    text: String,
}

impl Metrics {
    fn parse(text: &str) -> Self {
        let families = exposition::parse(text).unwrap_or_else(|err| panic!("{err}\n{text}"));
        Self {
            families,
            text: text.to_owned(),
        }
    }

    /// The value of the sample with exactly these labels; 0 when not reported yet.
    fn value(&self, sample: &str, labels: &[(&str, &str)]) -> f64 {
        self.find(sample, labels).map_or(0.0, |sample| sample.value)
    }

    /// The number of observations of a histogram (its `_count`); 0 when not reported yet.
    fn observations(&self, histogram: &str, labels: &[(&str, &str)]) -> f64 {
        assert_eq!(
            self.families.get(histogram).and_then(|family| family.kind),
            Some(Kind::Histogram),
            "{histogram} is a histogram:\n{}",
            self.text
        );
        self.value(&format!("{histogram}_count"), labels)
    }

    fn find(&self, name: &str, labels: &[(&str, &str)]) -> Option<&exposition::Sample> {
        let wanted: BTreeMap<String, String> = labels
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect();
        self.families
            .values()
            .flat_map(|family| &family.samples)
            .find(|sample| sample.name == name && sample.labels == wanted)
    }

    /// Every value a label takes in a family's samples.
    fn label_values(&self, family: &str, label: &str) -> Vec<String> {
        let mut values: Vec<String> = self.families[family]
            .samples
            .iter()
            .filter_map(|sample| sample.labels.get(label).cloned())
            .collect();
        values.sort();
        values.dedup();
        values
    }
}

const PROGRAMME: &str = "query Programme { event { title themes { slug } } }";

#[tokio::test]
async fn counters_move_with_the_traffic_and_labels_stay_bounded() {
    let (app, actors) = setup_with(config()).await;
    let before = scrape(&app).await;

    // Queries: a listed name twice (a cache miss, then a hit), an unlisted name, no name.
    for _ in 0..2 {
        let response = app.gql(PROGRAMME, json!({})).await;
        assert!(response.get("errors").is_none(), "{response:#}");
    }
    app.gql("query MadeUpByAClient { __typename }", json!({}))
        .await;
    app.gql("{ __typename }", json!({})).await;
    // A submission waits for moderation, is approved, and gets a vote.
    let question = submit(
        &app,
        &actors.participant,
        &actors.theme,
        "Hoe houden we de buurtkamer open als de subsidie stopt?",
    )
    .await;
    let waiting = scrape(&app).await;
    let approved = app
        .gql_as(
            &actors.moderator,
            MODERATE,
            json!({ "i": { "id": question, "action": "APPROVE" } }),
        )
        .await;
    assert_eq!(
        approved["data"]["moderateLearningQuestion"]["status"], "APPROVED",
        "{approved:#}"
    );
    let voted = app
        .gql_as(&actors.other_participant, VOTE, json!({ "id": question }))
        .await;
    assert!(voted.get("errors").is_none(), "{voted:#}");
    // Other routes: a template with a parameter, and a path that matches none.
    let schedule = app.get(&format!("/events/{EVENT}/schedule.json")).await;
    assert_eq!(schedule.status, StatusCode::OK);
    assert_eq!(app.get("/no/such/page").await.status, StatusCode::NOT_FOUND);
    // The public router does not serve the metrics.
    assert_eq!(app.get("/metrics").await.status, StatusCode::NOT_FOUND);
    let after = scrape(&app).await;

    let moved = |metric: &str, labels: &[(&str, &str)]| {
        after.value(metric, labels) - before.value(metric, labels)
    };
    let http = "buurtgraph_http_requests_total";
    // 4 queries, the submission, the approval and the vote.
    assert_eq!(
        moved(http, &[("route", "/graphql"), ("status", "200")]),
        7.0
    );
    assert_eq!(
        moved(
            http,
            &[("route", "/events/{slug}/schedule.json"), ("status", "200")]
        ),
        1.0
    );
    assert_eq!(
        moved(http, &[("route", "unmatched"), ("status", "404")]),
        2.0
    );
    let routes = after.label_values(http, "route");
    assert!(
        routes
            .iter()
            .all(|route| route == "unmatched" || !route.contains("dag-van-de-buurt")),
        "routes are templates, not paths: {routes:?}"
    );

    let operations = "buurtgraph_graphql_operations_total";
    assert_eq!(moved(operations, &[("operation", "Programme")]), 2.0);
    assert_eq!(moved(operations, &[("operation", "other")]), 1.0);
    // `{ __typename }` and the three mutations of `actors`, which have no name.
    assert_eq!(moved(operations, &[("operation", "anonymous")]), 4.0);
    assert_eq!(
        after.label_values(operations, "operation"),
        ["Programme", "anonymous", "other"],
        "a name not listed in METRICS_OPERATIONS is no label"
    );
    let latency = "buurtgraph_graphql_operation_duration_seconds";
    assert_eq!(
        after.observations(latency, &[("operation", "Programme")])
            - before.observations(latency, &[("operation", "Programme")]),
        2.0
    );

    assert_eq!(moved("buurtgraph_submissions_total", &[]), 1.0);
    assert_eq!(moved("buurtgraph_votes_total", &[("change", "add")]), 1.0);
    assert_eq!(
        moved(
            "buurtgraph_moderation_actions_total",
            &[("action", "APPROVE")]
        ),
        1.0
    );

    // The question waited in its theme until it was approved.
    let in_theme = [("event", EVENT), ("theme", "gemengde-wijken")];
    let gauge = "buurtgraph_questions_waiting";
    assert_eq!(
        waiting.value(gauge, &in_theme),
        before.value(gauge, &in_theme) + 1.0
    );
    assert_eq!(
        after.value(gauge, &in_theme),
        before.value(gauge, &in_theme)
    );
    assert!(
        after
            .find(
                gauge,
                &[
                    ("event", EVENT),
                    ("theme", "vertrouwen-in-instituties-en-elkaar")
                ]
            )
            .is_some(),
        "themes without waiting questions report 0"
    );

    // The submission and the vote went through the writer: two requests in its batches.
    let batches = after.observations("buurtgraph_writer_batch_size", &[])
        - before.observations("buurtgraph_writer_batch_size", &[]);
    assert!((1.0..=2.0).contains(&batches), "{batches} batches");
    assert_eq!(
        after.observations("buurtgraph_writer_commit_duration_seconds", &[])
            - before.observations("buurtgraph_writer_commit_duration_seconds", &[]),
        batches
    );
    assert_eq!(
        after.value("buurtgraph_writer_batch_size_sum", &[])
            - before.value("buurtgraph_writer_batch_size_sum", &[]),
        2.0
    );

    // Anonymous queries only: Programme missed, then hit; the other two missed.
    let cache = "buurtgraph_response_cache_lookups_total";
    assert_eq!(moved(cache, &[("result", "hit")]), 1.0);
    assert_eq!(moved(cache, &[("result", "miss")]), 3.0);
}

#[tokio::test]
async fn without_metrics_bind_there_is_no_listener_and_no_recording() {
    let app = TestApp::with_config(ServeConfig::default()).await;
    let server = Application::with_database(ServeConfig::default(), app.db.clone())
        .await
        .expect("server");
    assert_eq!(server.metrics_addr(), None);
    app.gql("{ __typename }", json!({})).await;
    let (_, _, body) = get_metrics(&app).await;
    assert!(body.is_empty(), "{body:?}");
}

/// One GET over a real socket; the status and the body.
async fn http_get(address: SocketAddr, path: &str) -> (StatusCode, String) {
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<http_body_util::Empty<axum::body::Bytes>>();
    let response = client
        .get(format!("http://{address}{path}").parse().expect("uri"))
        .await
        .expect("the server answers");
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn metrics_bind_serves_metrics_apart_from_the_public_address_with_open_sockets() {
    let (app, actors) = setup_with(ServeConfig::default()).await;
    let server = Application::with_database(config(), app.db.clone())
        .await
        .expect("server");
    let public = server.local_addr().expect("address");
    let metrics = server.metrics_addr().expect("METRICS_BIND listens");
    assert_ne!(public, metrics);
    tokio::spawn(server.run_until_stopped());

    assert_eq!(http_get(public, "/metrics").await.0, StatusCode::NOT_FOUND);
    let mut socket = connect(public, Some(&actors.moderator)).await;
    send(
        &mut socket,
        json!({ "id": "s", "type": "subscribe", "payload": { "query":
            "subscription { learningQuestionEvents { change question { id } } }" } }),
    )
    .await;
    let open = scrape_until(metrics, |m| m.value("buurtgraph_subscriptions", &[]) == 1.0).await;
    assert_eq!(open.value("buurtgraph_websocket_connections", &[]), 1.0);
    assert_eq!(open.value("buurtgraph_subscriptions", &[]), 1.0);
    assert_eq!(
        open.value(
            "buurtgraph_http_requests_total",
            &[("route", "unmatched"), ("status", "404")]
        ),
        1.0,
        "the public /metrics was a miss"
    );

    socket.close(None).await.expect("closes");
    drop(socket);
    let closed = scrape_until(metrics, |m| {
        m.value("buurtgraph_websocket_connections", &[]) == 0.0
    })
    .await;
    assert_eq!(closed.value("buurtgraph_subscriptions", &[]), 0.0);
}

/// Scrapes `METRICS_BIND` until `done` holds (the server takes a moment to see a socket
/// open or close); the last scrape either way.
pub(crate) async fn scrape_until(address: SocketAddr, done: impl Fn(&Metrics) -> bool) -> Metrics {
    let mut scraped;
    let mut tries = 0;
    loop {
        let (status, text) = http_get(address, "/metrics").await;
        assert_eq!(status, StatusCode::OK);
        scraped = Metrics::parse(&text);
        tries += 1;
        if done(&scraped) || tries == 50 {
            return scraped;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// The three subscription gauges of a scrape: open, shared, shared executions.
pub(crate) fn subscription_gauges(metrics: &Metrics) -> (f64, f64, f64) {
    (
        metrics.value("buurtgraph_subscriptions", &[]),
        metrics.value("buurtgraph_subscriptions_shared", &[]),
        metrics.value("buurtgraph_subscription_shared_executions", &[]),
    )
}

#[tokio::test]
async fn the_subscription_gauges_count_shared_and_unshared_subscribers_exactly() {
    let (app, actors) = setup_with(ServeConfig::default()).await;
    let server = Application::with_database(config(), app.db.clone())
        .await
        .expect("server");
    let public = server.local_addr().expect("address");
    let metrics = server.metrics_addr().expect("METRICS_BIND listens");
    tokio::spawn(server.run_until_stopped());
    let subscribe = |id: &str, query: &str| json!({ "id": id, "type": "subscribe", "payload": { "query": query } });
    // Answers every viewer alike: shared among participants.
    let shared =
        "subscription { learningQuestionEvents { change question { id status voteCount } } }";
    // Reads the viewer: run per subscriber.
    let own = "subscription { learningQuestionEvents { change question { id isMine } } }";

    let mut first = connect(public, Some(&actors.participant)).await;
    send(&mut first, subscribe("s", shared)).await;
    let mut second = connect(public, Some(&actors.other_participant)).await;
    send(&mut second, subscribe("s", shared)).await;
    let third_token = crate::actors::join(&app, EVENT).await;
    let mut third = connect(public, Some(&third_token)).await;
    send(&mut third, subscribe("s", own)).await;
    // A moderator's subscription is never shared, whatever it asks.
    let mut moderator = connect(public, Some(&actors.moderator)).await;
    send(&mut moderator, subscribe("s", shared)).await;
    let open = scrape_until(metrics, |m| subscription_gauges(m) == (4.0, 2.0, 1.0)).await;
    assert_eq!(subscription_gauges(&open), (4.0, 2.0, 1.0), "{}", open.text);

    // A query over the socket is answered and ends: not a subscription.
    send(&mut moderator, subscribe("q", "{ __typename }")).await;
    let answer = crate::live::next(&mut moderator).await;
    assert_eq!(
        answer["payload"]["data"]["__typename"], "QueryRoot",
        "{answer}"
    );
    let after_query = scrape_until(metrics, |_| true).await;
    assert_eq!(subscription_gauges(&after_query), (4.0, 2.0, 1.0));

    // The first stops its subscription; the shared execution goes on for the second.
    send(&mut first, json!({ "id": "s", "type": "complete" })).await;
    let one_shared = scrape_until(metrics, |m| subscription_gauges(m) == (3.0, 1.0, 1.0)).await;
    assert_eq!(
        subscription_gauges(&one_shared),
        (3.0, 1.0, 1.0),
        "{}",
        one_shared.text
    );

    // The second goes away: no shared execution is left.
    second.close(None).await.expect("closes");
    drop(second);
    let none_shared = scrape_until(metrics, |m| subscription_gauges(m) == (2.0, 0.0, 0.0)).await;
    assert_eq!(
        subscription_gauges(&none_shared),
        (2.0, 0.0, 0.0),
        "{}",
        none_shared.text
    );

    for mut socket in [first, third, moderator] {
        socket.close(None).await.expect("closes");
    }
    let closed = scrape_until(metrics, |m| {
        m.value("buurtgraph_websocket_connections", &[]) == 0.0
            && subscription_gauges(m) == (0.0, 0.0, 0.0)
    })
    .await;
    assert_eq!(
        subscription_gauges(&closed),
        (0.0, 0.0, 0.0),
        "{}",
        closed.text
    );
}
