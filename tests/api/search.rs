//! Search: case- and accent-insensitive, title hits before description hits.

use serde_json::{Value, json};

use crate::helpers::TestApp;

const SEARCH: &str = r#"
query($q: String!, $event: String, $first: Int) {
  search(query: $q, eventSlug: $event, first: $first) {
    __typename
    ... on Session { key title }
    ... on Person { name }
    ... on Theme { slug title }
    ... on Organisation { name }
  }
}"#;

async fn search(app: &TestApp, q: &str) -> Vec<Value> {
    app.data(SEARCH, json!({ "q": q })).await["search"]
        .as_array()
        .expect("hits")
        .clone()
}

#[tokio::test]
async fn accents_and_case_do_not_matter() {
    let app = TestApp::bundled().await;
    for q in ["Stöpler", "stopler", "STÖPLER"] {
        let hits = search(&app, q).await;
        assert_eq!(hits[0]["name"], "Lucien Stöpler", "query {q}");
    }
    let with_accent = search(&app, "coöperatie").await;
    let without = search(&app, "Cooperatie").await;
    assert_eq!(with_accent, without);
    assert!(
        with_accent
            .iter()
            .any(|h| h["name"] == "Afrikaanderwijk Coöperatie")
    );
}

#[tokio::test]
async fn a_title_hit_ranks_before_a_description_hit() {
    let app = TestApp::bundled().await;
    let hits = search(&app, "energietransitie").await;
    let first_body_hit = hits
        .iter()
        .position(|h| {
            let title = h["title"]
                .as_str()
                .or(h["name"].as_str())
                .unwrap_or_default();
            !title.to_lowercase().contains("energietransitie")
        })
        .expect("some hit only in a description");
    let last_title_hit = hits
        .iter()
        .rposition(|h| {
            let title = h["title"]
                .as_str()
                .or(h["name"].as_str())
                .unwrap_or_default();
            title.to_lowercase().contains("energietransitie")
        })
        .expect("some hit in a title");
    assert!(last_title_hit < first_body_hit, "{hits:#?}");
    assert_eq!(
        hits[0]["title"],
        "De energietransitie als vliegwiel voor een leefbare buurt"
    );
    // The session "Lessen uit de stadsvernieuwing" mentions it in its description only.
    assert!(
        hits.iter()
            .any(|h| h["key"] == "r2-lessen-uit-de-stadsvernieuwing")
    );
}

#[tokio::test]
async fn every_word_must_match_and_results_are_bounded() {
    let app = TestApp::bundled().await;
    let both = search(&app, "Platform31 Movisie").await;
    assert!(both.iter().any(|h| h["key"] == "r1-buurtagenda-in-een-uur"));
    assert!(
        !both.iter().any(|h| h["name"] == "Platform31"),
        "an organisation named after one word only"
    );
    let limited = app.data(SEARCH, json!({ "q": "wijk", "first": 3 })).await;
    assert_eq!(limited["search"].as_array().expect("hits").len(), 3);
    assert!(search(&app, "xyzzy").await.is_empty());
    // LIKE wildcards are literal.
    assert!(search(&app, "%").await.is_empty());
}

#[tokio::test]
async fn search_finds_every_kind_and_checks_its_arguments() {
    let app = TestApp::bundled().await;
    let kinds = |hits: &[Value]| {
        hits.iter()
            .map(|h| h["__typename"].as_str().unwrap_or_default().to_owned())
            .collect::<Vec<_>>()
    };
    assert!(kinds(&search(&app, "gemengde wijken").await).contains(&"Theme".to_owned()));
    assert!(kinds(&search(&app, "Twynstra").await).contains(&"Organisation".to_owned()));
    assert!(kinds(&search(&app, "Hadassah").await).contains(&"Person".to_owned()));
    assert!(kinds(&search(&app, "commons").await).contains(&"Session".to_owned()));

    let scoped = app
        .data(
            SEARCH,
            json!({ "q": "commons", "event": "dag-van-de-buurt-2021" }),
        )
        .await;
    assert!(!scoped["search"].as_array().expect("hits").is_empty());
    let response = app
        .gql(SEARCH, json!({ "q": "commons", "event": "onbekend" }))
        .await;
    assert_eq!(response["errors"][0]["extensions"]["code"], "NOT_FOUND");
    for (q, first) in [("   ", 5), ("a", 51), (&"x".repeat(201) as &str, 5)] {
        let response = app.gql(SEARCH, json!({ "q": q, "first": first })).await;
        assert_eq!(
            response["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{q:?} {first}"
        );
    }
}
