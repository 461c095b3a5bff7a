//! GraphQL over HTTP as the spec has it, and the other routes.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::json;

use crate::helpers::TestApp;

fn encode(query: &str) -> String {
    serde_urlencoded::to_string([("query", query)]).expect("encodes")
}

#[tokio::test]
async fn post_answers_with_the_graphql_response_media_type() {
    let app = TestApp::bundled().await;
    let response = app
        .post_json("/graphql", &json!({ "query": "{ event { slug } }" }))
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        response.header(header::CONTENT_TYPE),
        Some("application/graphql-response+json")
    );
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
async fn request_errors_are_400_with_a_code() {
    let app = TestApp::bundled().await;
    let parse = app
        .post_json("/graphql", &json!({ "query": "{ event { " }))
        .await;
    assert_eq!(parse.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        parse.json()["errors"][0]["extensions"]["code"],
        "GRAPHQL_PARSE_FAILED"
    );
    let unknown_field = app
        .post_json("/graphql", &json!({ "query": "{ nope }" }))
        .await;
    assert_eq!(unknown_field.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        unknown_field.json()["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
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
async fn legacy_clients_asking_for_json_get_200_and_application_json() {
    let app = TestApp::bundled().await;
    let response = app
        .request(
            Request::post("/graphql")
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::ACCEPT, "application/json")
                .body(Body::from(json!({ "query": "{ nope }" }).to_string()))
                .expect("request"),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        response.header(header::CONTENT_TYPE),
        Some("application/json")
    );
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
