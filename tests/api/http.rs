//! GraphQL over HTTP as the spec has it, and the other routes.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::json;

use crate::helpers::{TestApp, TestResponse};

fn encode(query: &str) -> String {
    serde_urlencoded::to_string([("query", query)]).expect("encodes")
}

const SPEC_TYPE: &str = "application/graphql-response+json";

/// A POST of `body` that accepts `accept` (no `Accept` header when `None`).
async fn post_accepting(
    app: &TestApp,
    accept: Option<&str>,
    body: &serde_json::Value,
) -> TestResponse {
    let mut request = Request::post("/graphql").header(header::CONTENT_TYPE, "application/json");
    if let Some(accept) = accept {
        request = request.header(header::ACCEPT, accept);
    }
    app.request(request.body(Body::from(body.to_string())).expect("request"))
        .await
}

#[tokio::test]
async fn post_answers_with_the_graphql_response_media_type_to_clients_that_ask_for_it() {
    let app = TestApp::bundled().await;
    let response = post_accepting(
        &app,
        Some("application/graphql-response+json, application/json;q=0.9"),
        &json!({ "query": "{ event { slug } }" }),
    )
    .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.header(header::CONTENT_TYPE), Some(SPEC_TYPE));
    assert_eq!(
        response.json()["data"]["event"]["slug"],
        "dag-van-de-buurt-2021"
    );
    assert_eq!(
        response.header(header::X_CONTENT_TYPE_OPTIONS),
        Some("nosniff")
    );
}

#[tokio::test]
async fn any_or_no_accept_gets_application_json() {
    let app = TestApp::bundled().await;
    for accept in [
        None,
        Some("*/*"),
        Some("application/json"),
        Some("application/*"),
    ] {
        for query in ["{ __typename }", "{ nope }", "{ event { "] {
            let response = post_accepting(&app, accept, &json!({ "query": query })).await;
            // Plain JSON answers 200, request errors included.
            assert_eq!(response.status, StatusCode::OK, "{accept:?} {query}");
            assert_eq!(
                response.header(header::CONTENT_TYPE),
                Some("application/json"),
                "{accept:?} {query}"
            );
        }
    }
}

#[tokio::test]
async fn get_runs_queries_with_variables() {
    let app = TestApp::bundled().await;
    let query = serde_urlencoded::to_string([
        ("query", "query($s: String) { event(slug: $s) { title } }"),
        ("variables", r#"{"s":"dag-van-de-buurt-2021"}"#),
    ])
    .expect("encodes");
    let response = app.get(&format!("/graphql?{query}")).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        response.json()["data"]["event"]["title"],
        "Dag van de Buurt 2021"
    );
}

#[tokio::test]
async fn a_mutation_over_get_is_405() {
    let app = TestApp::bundled().await;
    let response = app
        .get(&format!("/graphql?{}", encode("mutation { x }")))
        .await;
    assert_eq!(response.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.header(header::ALLOW), Some("POST"));
    assert_eq!(
        response.json()["errors"][0]["extensions"]["code"],
        "METHOD_NOT_ALLOWED"
    );
    // Only the operation that would run counts.
    let both = serde_urlencoded::to_string([
        ("query", "query Q { me { role } } mutation M { x }"),
        ("operationName", "Q"),
    ])
    .expect("encodes");
    assert_ne!(
        app.get(&format!("/graphql?{both}")).await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );
}

#[tokio::test]
async fn request_errors_are_400_with_a_code_and_no_data_entry() {
    let app = TestApp::bundled().await;
    let cases = [
        (json!({ "query": "{ event { " }), "GRAPHQL_PARSE_FAILED"),
        (json!({ "query": "{ nope }" }), "GRAPHQL_VALIDATION_FAILED"),
        (
            json!({ "query": "query($id: ID!) { node(id: $id) { id } }", "variables": { "id": null } }),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        // A required variable left out is a request error too, not a failed field.
        (
            json!({ "query": "query($id: ID!) { node(id: $id) { id } }" }),
            "GRAPHQL_VALIDATION_FAILED",
        ),
    ];
    for (request, code) in cases {
        let query = &request["query"];
        for accept in [Some(SPEC_TYPE), Some("application/json")] {
            let response = post_accepting(&app, accept, &request).await;
            let expected = if accept == Some(SPEC_TYPE) {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::OK
            };
            assert_eq!(response.status, expected, "{query} {accept:?}");
            let body = response.json();
            assert_eq!(body["errors"][0]["extensions"]["code"], code, "{query}");
            // Nothing ran, so there is no `data` entry at all, not even `null`.
            assert!(body.get("data").is_none(), "{query}: {body}");
        }
    }
    // A POST without a query is malformed, whatever the client accepts.
    for accept in [None, Some(SPEC_TYPE)] {
        let response = post_accepting(&app, accept, &json!({ "qeury": "{ __typename }" })).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST);
    }
    let not_json = app
        .request(
            Request::post("/graphql")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{ nope"))
                .expect("request"),
        )
        .await;
    assert_eq!(not_json.status, StatusCode::BAD_REQUEST);
    let wrong_type = app
        .request(
            Request::post("/graphql")
                .header(header::CONTENT_TYPE, "text/plain")
                .body(Body::from("{ me { role } }"))
                .expect("request"),
        )
        .await;
    assert_eq!(wrong_type.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(app.get("/graphql").await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn field_errors_are_200_under_the_spec_media_type_as_data_is_there() {
    let app = TestApp::bundled().await;
    // Data beside the error.
    let partial = post_accepting(
        &app,
        Some(SPEC_TYPE),
        &json!({ "query": r#"{ me { role } node: node(id: "garbage") { id } }"# }),
    )
    .await;
    assert_eq!(partial.status, StatusCode::OK);
    let body = partial.json();
    assert_eq!(body["data"]["me"]["role"], "ANONYMOUS");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    // Only a field failed: `data` is there, null or not, so it is not a request error.
    let failed = post_accepting(
        &app,
        Some(SPEC_TYPE),
        &json!({ "query": r#"{ session(id: "garbage") { title } }"# }),
    )
    .await;
    assert_eq!(failed.status, StatusCode::OK);
    assert!(failed.json().get("data").is_some(), "{}", failed.text());
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused() {
    let app = TestApp::bundled().await;
    let huge = json!({ "query": format!("{{ me {{ role }} }} # {}", "x".repeat(100_000)) });
    let response = app.post_json("/graphql", &huge).await;
    assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        response.json()["errors"][0]["extensions"]["code"],
        "BAD_REQUEST"
    );
}

#[tokio::test]
async fn batches_run_and_are_bounded() {
    let app = TestApp::bundled().await;
    let one = json!({ "query": "{ me { role } }" });
    let response = app.post_json("/graphql", &json!([one, one])).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.json().as_array().expect("batch").len(), 2);
    let too_many = json!(vec![one; 11]);
    assert_eq!(
        app.post_json("/graphql", &too_many).await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn health_readiness_and_graphiql() {
    let app = TestApp::bundled().await;
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.text(), "ready");
    let graphiql = app.get("/graphiql").await;
    assert_eq!(graphiql.status, StatusCode::OK);
    assert!(graphiql.text().contains("graphiql"));
    let policy = graphiql
        .header(header::CONTENT_SECURITY_POLICY)
        .expect("GraphiQL has a content security policy");
    assert!(policy.contains("script-src 'self';"), "{policy}");
    assert!(policy.contains("connect-src 'self'"), "{policy}");
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let app = TestApp::bundled().await;
    app.db.clone().close().await.expect("closes");
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    // Queries fail cleanly, without internals.
    let response = app
        .post_json("/graphql", &json!({ "query": "{ events { slug } }" }))
        .await;
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    let body = response.json();
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAVAILABLE");
    assert_eq!(
        body["errors"][0]["message"],
        "the service is temporarily unavailable; try again shortly"
    );
}

#[tokio::test]
async fn cors_allows_the_configured_origins_only() {
    let config = buurtgraph::config::ServeConfig {
        cors_origins: vec!["https://buurt.example".into()],
        ..Default::default()
    };
    let app = TestApp::with_config(config).await;
    let preflight = |origin: &'static str| {
        Request::options("/graphql")
            .header(header::ORIGIN, origin)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .body(Body::empty())
            .expect("request")
    };
    let allowed = app.request(preflight("https://buurt.example")).await;
    assert_eq!(
        allowed.header(header::ACCESS_CONTROL_ALLOW_ORIGIN),
        Some("https://buurt.example")
    );
    let other = app.request(preflight("https://elders.example")).await;
    assert_eq!(other.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), None);
}

/// Collects what a subscriber writes, to read the log lines a test caused.
#[derive(Clone, Default)]
struct LogCapture(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl LogCapture {
    /// The lines written so far, emptying the buffer.
    fn take_lines(&self) -> Vec<String> {
        let bytes = std::mem::take(&mut *self.0.lock().expect("log buffer"));
        String::from_utf8_lossy(&bytes)
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

impl std::io::Write for LogCapture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogCapture {
    type Writer = Self;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

// A current-thread runtime, so the subscriber set for this thread sees everything.
#[tokio::test(flavor = "current_thread")]
async fn every_request_is_logged_once_at_the_default_level() {
    let capture = LogCapture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(buurtgraph::telemetry::default_filter("info"))
        .with_writer(capture.clone())
        .with_ansi(false)
        .finish();
    // With a single dispatcher, tracing caches each call site's interest from whichever
    // thread reaches it first, and other tests' threads have no subscriber. A second
    // dispatcher makes it ask every dispatcher instead.
    let _second = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());
    let _default = tracing::subscriber::set_default(subscriber);
    let app = TestApp::bundled().await;
    capture.take_lines();

    let programme = json!({ "query": "query Programme { events { slug } }" });
    assert_eq!(
        app.post_json("/graphql", &programme).await.status,
        StatusCode::OK
    );
    let chosen = json!({
        "query": "query A { me { role } } query B { events { slug } }",
        "operationName": "B",
    });
    app.post_json("/graphql", &chosen).await;
    let secret_query = serde_urlencoded::to_string([
        (
            "query",
            "query Lookup($text: String!) { search(query: $text) { __typename } }",
        ),
        ("variables", r#"{"text":"geheime-code-123"}"#),
    ])
    .expect("encodes");
    app.get(&format!("/graphql?{secret_query}")).await;
    post_accepting(&app, Some(SPEC_TYPE), &json!({ "query": "{ event { " })).await;
    app.get("/healthz").await;
    // A cached answer is logged too, with its operation.
    app.post_json("/graphql", &programme).await;

    let lines = capture.take_lines();
    let answered: Vec<&String> = lines.iter().filter(|l| l.contains("answered")).collect();
    assert_eq!(answered.len(), 6, "one line per request: {lines:#?}");
    let expected = [
        ("POST", "/graphql", Some("Programme"), 200),
        ("POST", "/graphql", Some("B"), 200),
        ("GET", "/graphql", Some("Lookup"), 200),
        ("POST", "/graphql", None, 400),
        ("GET", "/healthz", None, 200),
        ("POST", "/graphql", Some("Programme"), 200),
    ];
    for (line, (method, path, operation, status)) in answered.iter().zip(expected) {
        assert!(line.contains(" INFO "), "{line}");
        assert!(line.contains(&format!("method={method}")), "{line}");
        assert!(
            line.contains(&format!("path={path} ")) || line.contains(&format!("path={path}}}")),
            "{line}"
        );
        match operation {
            Some(name) => assert!(line.contains(&format!("operation={name}")), "{line}"),
            None => assert!(!line.contains("operation="), "{line}"),
        }
        assert!(line.contains(&format!("status={status}")), "{line}");
        assert!(line.contains(" ms="), "{line}");
    }
    // The path only: no query string, whose values may be codes or tokens.
    assert!(
        lines.iter().all(|l| !l.contains("geheime-code")),
        "{lines:#?}"
    );
}
