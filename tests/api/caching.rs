//! Caching of published programme responses: HTTP validators, the in-memory response cache
//! and automatic persisted queries. Correctness only; speed is shown by `buurtgraph-bench`.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use buurtgraph::config::ServeConfig;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::actors::{self, EVENT};
use crate::fixtures::WHOLE_PROGRAMME;
use crate::helpers::TestApp;

const TITLES: &str = "{ event { blocks { sessions { id title } } } }";

fn get_uri(query: &str) -> String {
    format!(
        "/graphql?{}",
        serde_urlencoded::to_string([("query", query)]).expect("encodes")
    )
}

fn get_with(uri: &str, name: header::HeaderName, value: &str) -> Request<Body> {
    Request::get(uri)
        .header(name, value)
        .body(Body::empty())
        .expect("request")
}

fn first_session(response: &serde_json::Value) -> (String, String) {
    let session = &response["data"]["event"]["blocks"][1]["sessions"][0];
    (
        session["id"].as_str().expect("id").to_owned(),
        session["title"].as_str().expect("title").to_owned(),
    )
}

#[tokio::test]
async fn an_unchanged_programme_answers_a_conditional_get_with_304() {
    let app = TestApp::bundled().await;
    let uri = get_uri(WHOLE_PROGRAMME);
    let first = app.get(&uri).await;
    assert_eq!(first.status, StatusCode::OK);
    let etag = first.header(header::ETAG).expect("an ETag").to_owned();
    assert_eq!(
        first.header(header::CACHE_CONTROL),
        Some("public, max-age=60")
    );
    assert!(first.json()["data"]["event"]["blocks"].is_array());

    let again = app
        .request(get_with(&uri, header::IF_NONE_MATCH, &etag))
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    assert_eq!(again.header(header::ETAG), Some(etag.as_str()));

    let other = app
        .request(get_with(&uri, header::IF_NONE_MATCH, "\"something-else\""))
        .await;
    assert_eq!(other.status, StatusCode::OK);
    assert_eq!(other.body, first.body, "the cached bytes are the same");
}

#[tokio::test]
async fn a_repeated_anonymous_query_runs_no_sql() {
    let app = TestApp::bundled().await;
    let first = app.gql(WHOLE_PROGRAMME, json!({})).await;
    app.reset_statements();
    let second = app.gql(WHOLE_PROGRAMME, json!({})).await;
    assert_eq!(first, second);
    assert!(second["data"]["event"]["blocks"].is_array());
    // At most the content version is read again, when the check interval has passed.
    assert!(app.statements() <= 1, "{:?}", app.statement_log());
}

#[tokio::test]
async fn an_admin_edit_is_visible_to_the_next_anonymous_read() {
    let (app, actors) = actors::setup().await;
    let before = app.gql(TITLES, json!({})).await;
    let etag_before = app
        .get(&get_uri(TITLES))
        .await
        .header(header::ETAG)
        .map(str::to_owned);
    let (id, title) = first_session(&before);

    let edited = app
        .gql_as(
            &actors.admin,
            "mutation($id: ID!, $t: String!) { updateSession(id: $id, input: { title: $t }) { title } }",
            json!({ "id": id, "t": format!("{title} (verplaatst)") }),
        )
        .await;
    assert!(edited.get("errors").is_none(), "{edited}");

    let after = app.gql(TITLES, json!({})).await;
    assert_eq!(first_session(&after).1, format!("{title} (verplaatst)"));
    let fresh = app.get(&get_uri(TITLES)).await;
    assert_ne!(fresh.header(header::ETAG).map(str::to_owned), etag_before);
}

#[tokio::test]
async fn a_change_written_by_another_process_is_seen_within_the_check_interval() {
    let app = TestApp::bundled().await;
    let query = "{ event { title } }";
    assert_eq!(
        app.gql(query, json!({})).await["data"]["event"]["title"],
        "Dag van de Buurt 2021"
    );
    // The CLI importer writes straight to the database, past this server's cache.
    let mut file = crate::fixtures::bundled();
    file.event.title = "Dag van de Buurt 2021 (herzien)".to_owned();
    app.import(&file).await;

    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let title = app.gql(query, json!({})).await["data"]["event"]["title"].clone();
        if title == "Dag van de Buurt 2021 (herzien)" {
            break;
        }
        assert!(Instant::now() < deadline, "still {title} after 5 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn responses_for_signed_in_viewers_and_mutations_are_never_stored() {
    let (app, actors) = actors::setup().await;
    let me = "{ me { role } }";
    let signed_in = app
        .request(
            Request::get(get_uri(me))
                .header(header::AUTHORIZATION, format!("Bearer {}", actors.staff))
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(signed_in.json()["data"]["me"]["role"], "STAFF");
    assert_eq!(signed_in.header(header::CACHE_CONTROL), Some("no-store"));
    assert!(signed_in.header(header::ETAG).is_none());

    let anonymous = app.get(&get_uri(me)).await;
    assert_eq!(anonymous.json()["data"]["me"]["role"], "ANONYMOUS");

    let first = actors::join(&app, EVENT).await;
    let second = actors::join(&app, EVENT).await;
    assert_ne!(first, second, "each join is a new participant");
}

#[tokio::test]
async fn with_the_cache_off_every_response_is_computed_and_carries_no_validator() {
    let app = TestApp::with_config(ServeConfig {
        response_cache: false,
        ..ServeConfig::default()
    })
    .await;
    let response = app.get(&get_uri("{ me { role } }")).await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(response.header(header::ETAG).is_none());
    assert_eq!(response.header(header::CACHE_CONTROL), Some("no-store"));
}

fn sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn persisted(hash: &str) -> String {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } }).to_string()
}

#[tokio::test]
async fn a_query_sent_once_can_be_sent_again_by_its_hash() {
    let app = TestApp::bundled().await;
    let query = "{ event { slug title } }";
    let hash = sha256(query);
    let by_hash = format!(
        "/graphql?{}",
        serde_urlencoded::to_string([("extensions", persisted(&hash))]).expect("encodes")
    );

    let unknown = app.get(&by_hash).await;
    assert_eq!(
        unknown.json()["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_NOT_FOUND"
    );

    let registered = app
        .post_json(
            "/graphql",
            &json!({ "query": query, "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash } } }),
        )
        .await;
    assert_eq!(registered.json()["data"]["event"]["slug"], EVENT);

    let known = app.get(&by_hash).await;
    assert_eq!(known.status, StatusCode::OK);
    assert_eq!(known.json()["data"]["event"]["slug"], EVENT);

    let wrong = app
        .post_json(
            "/graphql",
            &json!({ "query": query, "extensions": { "persistedQuery": { "version": 1, "sha256Hash": sha256("other") } } }),
        )
        .await;
    assert_eq!(
        wrong.json()["errors"][0]["extensions"]["code"],
        "BAD_REQUEST"
    );
}

#[tokio::test]
async fn a_persisted_mutation_is_refused_over_get() {
    let app = TestApp::bundled().await;
    let mutation = "mutation { joinEvent(input: { accessCode: \"wrong\" }) { token } }";
    let hash = sha256(mutation);
    app.post_json(
        "/graphql",
        &json!({ "query": mutation, "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash } } }),
    )
    .await;
    let response = app
        .get(&format!(
            "/graphql?{}",
            serde_urlencoded::to_string([("extensions", persisted(&hash))]).expect("encodes")
        ))
        .await;
    assert_eq!(response.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn a_persisted_mutation_sent_by_hash_is_never_answered_from_the_cache() {
    let app = TestApp::bundled().await;
    let code = buurtgraph::service::accounts::access_code(&app.db, EVENT, None)
        .await
        .expect("code");
    let mutation = format!(
        "mutation {{ joinEvent(input: {{ eventSlug: \"{EVENT}\", accessCode: \"{code}\" }}) {{ token }} }}"
    );
    let hash = sha256(&mutation);
    let extensions = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    let first = app
        .post_json(
            "/graphql",
            &json!({ "query": mutation, "extensions": extensions }),
        )
        .await;
    let hash_only = json!({ "extensions": extensions });
    let second = app.post_json("/graphql", &hash_only).await;
    let third = app.post_json("/graphql", &hash_only).await;
    let token = |r: &crate::helpers::TestResponse| r.json()["data"]["joinEvent"]["token"].clone();
    assert!(token(&second).is_string(), "{}", second.text());
    assert_ne!(token(&first), token(&second));
    assert_ne!(
        token(&second),
        token(&third),
        "each join is a new participant"
    );
}

/// Statements other than the content-version check, which every request may make.
fn programme_statements(app: &TestApp) -> usize {
    app.statement_log()
        .iter()
        .filter(|sql| !sql.contains("content_version"))
        .count()
}

#[tokio::test]
async fn identical_requests_that_miss_together_are_computed_once() {
    let app = TestApp::bundled().await;
    let body = json!({ "query": WHOLE_PROGRAMME }).to_string();
    let send = |router: axum::Router| {
        let body = body.clone();
        async move {
            let request = Request::post("/graphql")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body))
                .expect("request");
            let response = tower::ServiceExt::oneshot(router, request)
                .await
                .expect("answer");
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .expect("body");
            (status, bytes)
        }
    };
    // One alone, to know what a computation costs; then a fresh cache met by 16 at once.
    app.reset_statements();
    let (status, alone) = send(app.router.clone()).await;
    assert_eq!(status, StatusCode::OK);
    let one_computation = programme_statements(&app);
    assert!(one_computation > 0);

    let fresh = TestApp::bundled().await;
    fresh.reset_statements();
    let answers = futures_util::future::join_all((0..16).map(|_| send(fresh.router.clone()))).await;
    for (status, bytes) in &answers {
        assert_eq!(*status, StatusCode::OK);
        assert_eq!(
            bytes.len(),
            alone.len(),
            "every request gets the whole answer"
        );
    }
    // The loaders' batches may split differently under load, so one computation's count
    // varies a little; two computations would already double it.
    let ran = programme_statements(&fresh);
    assert!(
        ran < 2 * one_computation,
        "16 identical misses ran {ran} statements; one computation runs {one_computation}"
    );
}

#[tokio::test]
async fn cached_responses_are_sent_compressed_to_clients_that_accept_it() {
    let app = TestApp::bundled().await;
    let uri = get_uri(WHOLE_PROGRAMME);
    let plain = app.get(&uri).await;
    assert_eq!(plain.status, StatusCode::OK);
    assert_eq!(plain.header(header::CONTENT_ENCODING), None);
    let expected = plain.json();

    for (accept, coding) in [
        ("gzip, deflate, br", "br"),
        ("gzip", "gzip"),
        ("br;q=0.1, gzip;q=0.9", "gzip"),
    ] {
        let answer = app
            .request(get_with(&uri, header::ACCEPT_ENCODING, accept))
            .await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(
            answer.header(header::CONTENT_ENCODING),
            Some(coding),
            "{accept}"
        );
        assert!(
            answer
                .header(header::VARY)
                .unwrap_or_default()
                .contains("Accept-Encoding"),
            "shared caches keep the variants apart"
        );
        assert_eq!(
            answer.header(header::ETAG),
            plain.header(header::ETAG),
            "the same representation, encoded"
        );
        assert!(
            answer.body.len() * 4 < plain.body.len(),
            "{coding}: {} bytes",
            answer.body.len()
        );
        let mut decoded = Vec::new();
        if coding == "br" {
            brotli::BrotliDecompress(&mut &answer.body[..], &mut decoded).expect("brotli");
        } else {
            std::io::Read::read_to_end(
                &mut flate2::read::GzDecoder::new(&answer.body[..]),
                &mut decoded,
            )
            .expect("gzip");
        }
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&decoded).expect("json"),
            expected
        );
    }
}

#[tokio::test]
async fn responses_computed_per_request_are_compressed_too() {
    let (app, actors) = actors::setup().await;
    let request = Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {}", actors.staff))
        .header(header::ACCEPT_ENCODING, "gzip, deflate, br")
        .body(Body::from(json!({ "query": WHOLE_PROGRAMME }).to_string()))
        .expect("request");
    let answer = app.request(request).await;
    assert_eq!(answer.status, StatusCode::OK);
    // Per request, gzip even where brotli is welcome: a fraction of brotli's cost.
    assert_eq!(answer.header(header::CONTENT_ENCODING), Some("gzip"));
    let mut decoded = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&answer.body[..]),
        &mut decoded,
    )
    .expect("gzip");
    let data: serde_json::Value = serde_json::from_slice(&decoded).expect("json");
    assert!(data["data"]["event"]["blocks"].is_array());
}

#[tokio::test]
async fn the_programme_page_reads_no_sql_and_shows_an_edit_at_once() {
    let (app, actors) = actors::setup().await;
    let page = format!("/events/{EVENT}");
    let sessions_read = |app: &TestApp| {
        app.statement_log()
            .iter()
            .filter(|sql| sql.contains("\"session\""))
            .count()
    };
    let first = app.get(&page).await;
    assert_eq!(first.status, StatusCode::OK);
    let (id, title) = first_session(&app.gql(TITLES, json!({})).await);
    assert!(first.text().contains(&title));

    app.reset_statements();
    let again = app.get(&page).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(
        sessions_read(&app),
        0,
        "the blocks come from memory: {:?}",
        app.statement_log()
    );

    let moved = format!("{title} (verplaatst)");
    let edited = app
        .gql_as(
            &actors.admin,
            "mutation($id: ID!, $t: String!) { updateSession(id: $id, input: { title: $t }) { title } }",
            json!({ "id": id, "t": moved }),
        )
        .await;
    assert!(edited.get("errors").is_none(), "{edited}");
    let after = app.get(&page).await.text();
    assert!(
        after.contains(&moved),
        "the edit shows on the next page view"
    );
}

#[tokio::test]
async fn a_request_repeated_byte_for_byte_is_answered_from_the_cache_as_its_headers_allow() {
    let app = TestApp::bundled().await;
    let body = json!({ "query": WHOLE_PROGRAMME }).to_string();
    let post = |content_type: &str, accept: &str| {
        Request::post("/graphql")
            .header(header::CONTENT_TYPE, content_type)
            .header(header::ACCEPT, accept)
            .body(Body::from(body.clone()))
            .expect("request")
    };
    let first = app
        .request(post("application/json", "application/json"))
        .await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.header(header::CONTENT_TYPE), Some("application/json"));

    app.reset_statements();
    let again = app
        .request(post("application/json", "application/json"))
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body, first.body);
    assert!(app.statements() <= 1, "{:?}", app.statement_log());

    // The same bytes under another content type are still refused, and another media type
    // gets its own answer.
    let refused = app.request(post("text/plain", "application/json")).await;
    assert_eq!(refused.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let spec = app
        .request(post(
            "application/json",
            "application/graphql-response+json",
        ))
        .await;
    assert_eq!(spec.status, StatusCode::OK);
    assert_eq!(
        spec.header(header::CONTENT_TYPE),
        Some("application/graphql-response+json")
    );
    let spec_again = app
        .request(post(
            "application/json",
            "application/graphql-response+json",
        ))
        .await;
    assert_eq!(
        spec_again.header(header::CONTENT_TYPE),
        Some("application/graphql-response+json")
    );
}
