//! Search: case- and accent-insensitive, title hits before description hits, a cursor
//! connection like the other lists.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::helpers::TestApp;

const SEARCH: &str = r#"
query($q: String!, $event: String, $first: Int, $after: String) {
  search(query: $q, eventSlug: $event, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges {
      cursor
      node {
        __typename
        ... on Session { id key title }
        ... on Person { id name }
        ... on Theme { id slug title }
        ... on Organisation { id name }
      }
    }
  }
}"#;

/// The first page (of at most 100) of hits.
async fn search(app: &TestApp, q: &str) -> Vec<Value> {
    nodes(&app.data(SEARCH, json!({ "q": q, "first": 100 })).await["search"])
}

fn nodes(connection: &Value) -> Vec<Value> {
    connection["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

/// Every hit, a page of `first` at a time, following `endCursor`.
async fn all_pages(app: &TestApp, q: &str, first: i64) -> (Vec<Value>, Vec<Value>) {
    let mut hits = Vec::new();
    let mut pages = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = app
            .data(SEARCH, json!({ "q": q, "first": first, "after": after }))
            .await["search"]
            .clone();
        hits.extend(nodes(&page));
        pages.push(page.clone());
        if page["pageInfo"]["hasNextPage"] != true {
            return (hits, pages);
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
        assert!(pages.len() < 100, "no end to the pages");
    }
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
    // Paged, too: the same hits in the same order, whatever the spelling.
    let (accented, _) = all_pages(&app, "WÍJK", 7).await;
    let (plain, _) = all_pages(&app, "wijk", 7).await;
    assert_eq!(accented, plain);
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
async fn every_word_must_match_and_pages_are_bounded() {
    let app = TestApp::bundled().await;
    let both = search(&app, "Platform31 Movisie").await;
    assert!(both.iter().any(|h| h["key"] == "r1-buurtagenda-in-een-uur"));
    assert!(
        !both.iter().any(|h| h["name"] == "Platform31"),
        "an organisation named after one word only"
    );
    let limited = app.data(SEARCH, json!({ "q": "wijk", "first": 3 })).await;
    assert_eq!(nodes(&limited["search"]).len(), 3);
    let default = app.data(SEARCH, json!({ "q": "e" })).await;
    assert_eq!(nodes(&default["search"]).len(), 20, "the default page");
    assert!(search(&app, "xyzzy").await.is_empty());
    // LIKE wildcards are literal.
    assert!(search(&app, "%").await.is_empty());
}

#[tokio::test]
async fn paging_through_every_hit_counts_them_all_once_in_a_stable_order() {
    let app = TestApp::bundled().await;
    // "e" is in nearly everything: far more hits than the 50 search used to stop at.
    let first_page = app.data(SEARCH, json!({ "q": "e", "first": 10 })).await["search"].clone();
    let total = first_page["totalCount"].as_u64().expect("totalCount");
    assert!(total > 100, "{total} hits");
    assert_eq!(first_page["pageInfo"]["hasNextPage"], true);
    assert_eq!(first_page["pageInfo"]["hasPreviousPage"], false);

    let (hits, pages) = all_pages(&app, "e", 10).await;
    assert_eq!(hits.len() as u64, total, "no gaps");
    let ids: HashSet<&str> = hits.iter().map(|h| h["id"].as_str().expect("id")).collect();
    assert_eq!(ids.len(), hits.len(), "no duplicates");
    assert!(pages.iter().all(|p| p["totalCount"] == total));
    assert!(
        pages[1..]
            .iter()
            .all(|p| p["pageInfo"]["hasPreviousPage"] == true)
    );

    // The same order as one big page, and a page started at any cursor continues it.
    let (big, _) = all_pages(&app, "e", 100).await;
    assert_eq!(big, hits);
    let cursor = pages[2]["edges"][4]["cursor"].as_str().expect("cursor");
    let from_cursor = app
        .data(SEARCH, json!({ "q": "e", "first": 5, "after": cursor }))
        .await["search"]
        .clone();
    assert_eq!(nodes(&from_cursor), hits[25..30]);
    // Past the end: an empty page.
    let last = pages.last().expect("a page")["pageInfo"]["endCursor"].clone();
    let after_last = app.data(SEARCH, json!({ "q": "e", "after": last })).await["search"].clone();
    assert!(nodes(&after_last).is_empty());
    assert_eq!(after_last["pageInfo"]["hasNextPage"], false);
}

#[tokio::test]
async fn a_hit_in_several_events_is_one_hit() {
    let app = TestApp::bundled().await;
    // A second event with the same themes (themes are shared between events).
    app.import(&crate::fixtures::scaled(1, "andere-dag")).await;
    let everywhere = app
        .data(SEARCH, json!({ "q": "gemengde wijken", "first": 100 }))
        .await["search"]
        .clone();
    let themes: Vec<Value> = nodes(&everywhere)
        .into_iter()
        .filter(|h| h["__typename"] == "Theme" && h["slug"] == "gemengde-wijken")
        .collect();
    assert_eq!(themes.len(), 1, "{everywhere:#}");
    let ids: HashSet<String> = nodes(&everywhere)
        .iter()
        .map(|h| h["id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(
        ids.len() as u64,
        everywhere["totalCount"].as_u64().expect("count")
    );
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
    assert!(!nodes(&scoped["search"]).is_empty());
    let response = app
        .gql(SEARCH, json!({ "q": "commons", "event": "onbekend" }))
        .await;
    assert_eq!(response["errors"][0]["extensions"]["code"], "NOT_FOUND");
    for (q, first, after, field) in [
        ("   ", 5, None, "query"),
        ("a", 101, None, "first"),
        ("a", -1, None, "first"),
        (&"x".repeat(201) as &str, 5, None, "query"),
        ("a", 5, Some("bm9wZQ"), "after"),
    ] {
        let response = app
            .gql(SEARCH, json!({ "q": q, "first": first, "after": after }))
            .await;
        assert_eq!(
            response["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{q:?} {first}"
        );
        assert_eq!(response["errors"][0]["extensions"]["field"], field);
    }
}
