//! Filters, pagination, node lookups and the errors of bad arguments.

use serde_json::{Value, json};

use crate::helpers::TestApp;

const SESSIONS: &str = r#"
query($filter: SessionFilter, $first: Int, $after: String) {
  event {
    sessions(filter: $filter, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id key title } }
    }
  }
}"#;

async fn sessions(app: &TestApp, filter: Value, first: Option<i64>, after: Option<&str>) -> Value {
    app.data(
        SESSIONS,
        json!({ "filter": filter, "first": first, "after": after }),
    )
    .await["event"]["sessions"]
        .clone()
}

fn keys(connection: &Value) -> Vec<String> {
    connection["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["key"].as_str().expect("key").to_owned())
        .collect()
}

#[tokio::test]
async fn sessions_filter_by_block_kind_theme_person_organisation_and_text() {
    let app = TestApp::bundled().await;
    let blocks = app
        .data(r#"{ event { blocks { id title } } }"#, json!({}))
        .await;
    let round_two = blocks["event"]["blocks"][2]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(
        sessions(&app, json!({ "blockId": round_two }), Some(100), None).await["totalCount"],
        13
    );

    let learning = sessions(&app, json!({ "kind": "LEARNING_AGENDA" }), None, None).await;
    assert_eq!(learning["totalCount"], 3);

    let themes = app
        .data(r#"{ event { themes { id slug } } }"#, json!({}))
        .await;
    let energie = themes["event"]["themes"]
        .as_array()
        .expect("themes")
        .iter()
        .find(|t| t["slug"] == "energietransitie")
        .expect("theme")["id"]
        .clone();
    assert_eq!(
        keys(&sessions(&app, json!({ "themeId": energie }), None, None).await),
        [
            "r1-energietransitie-als-vliegwiel",
            "r2-lessen-uit-de-stadsvernieuwing"
        ]
    );

    let matthijs = app
        .data(
            r#"{ search(query: "Matthijs Uyterlinde") { nodes { ... on Person { id } } } }"#,
            json!({}),
        )
        .await["search"]["nodes"][0]["id"]
        .clone();
    assert_eq!(
        keys(&sessions(&app, json!({ "personId": matthijs }), None, None).await),
        [
            "r1-energietransitie-als-vliegwiel",
            "r2-sociaal-fysieke-wijkaanpak"
        ]
    );

    let movisie = app
        .data(
            r#"{ search(query: "Movisie") { nodes { ... on Organisation { id name } } } }"#,
            json!({}),
        )
        .await["search"]["nodes"]
        .as_array()
        .expect("hits")
        .iter()
        .find(|h| h["name"] == "Movisie")
        .expect("Movisie")["id"]
        .clone();
    let with_movisie = sessions(&app, json!({ "organisationId": movisie }), Some(100), None).await;
    assert!(keys(&with_movisie).contains(&"r1-buurtagenda-in-een-uur".to_owned()));
    assert!(keys(&with_movisie).contains(&"r2-hart-voor-de-k-buurt".to_owned()));

    // Text ignores case and accents, and all filters combine.
    // "Coöperatieve Wijkraad" in Groningen's description, "Coöperatie" in the Afrikaanderwijk's title.
    let text = sessions(&app, json!({ "text": "COOPERATIE" }), None, None).await;
    assert_eq!(
        keys(&text),
        [
            "r1-groningen-experimenteert-met-zeggenschap",
            "r2-wijkeconomie-afrikaanderwijk-cooperatie"
        ]
    );
    let combined = sessions(
        &app,
        json!({ "kind": "WORKSHOP", "text": "burgerbegroting" }),
        None,
        None,
    )
    .await;
    assert_eq!(
        keys(&combined),
        ["r1-zeggenschap-door-geld", "r2-zeggenschap-door-geld"]
    );
    let none = sessions(
        &app,
        json!({ "kind": "PLENARY", "text": "burgerbegroting" }),
        None,
        None,
    )
    .await;
    assert_eq!(none["totalCount"], 0);
    assert_eq!(none["pageInfo"]["hasNextPage"], false);
}

#[tokio::test]
async fn pagination_walks_all_sessions_without_gaps_or_repeats() {
    let app = TestApp::bundled().await;
    let all = keys(&sessions(&app, json!({}), Some(100), None).await);
    assert_eq!(all.len(), 28);
    let mut walked = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = sessions(&app, json!({}), Some(10), after.as_deref()).await;
        assert_eq!(page["totalCount"], 28);
        assert_eq!(page["pageInfo"]["hasPreviousPage"], after.is_some());
        walked.extend(keys(&page));
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(walked, all);
    assert_eq!(walked[0], "opening");
    assert_eq!(walked[27], "slot");
}

#[tokio::test]
async fn pagination_edges_first_zero_after_the_last_and_bad_cursors() {
    let app = TestApp::bundled().await;
    let empty = sessions(&app, json!({}), Some(0), None).await;
    assert_eq!(keys(&empty), Vec::<String>::new());
    assert_eq!(empty["pageInfo"]["hasNextPage"], true);

    let all = sessions(&app, json!({}), Some(100), None).await;
    let last_cursor = all["edges"][27]["cursor"]
        .as_str()
        .expect("cursor")
        .to_owned();
    let beyond = sessions(&app, json!({}), Some(5), Some(&last_cursor)).await;
    assert!(keys(&beyond).is_empty());
    assert_eq!(beyond["pageInfo"]["hasNextPage"], false);
    assert_eq!(beyond["pageInfo"]["hasPreviousPage"], true);

    let bad = app
        .gql(
            SESSIONS,
            json!({ "filter": {}, "first": 5, "after": "not-a-cursor" }),
        )
        .await;
    assert_eq!(bad["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(bad["errors"][0]["extensions"]["field"], "after");

    for (first, field) in [(101, "first"), (-1, "first")] {
        let response = app.gql(SESSIONS, json!({ "first": first })).await;
        assert_eq!(
            response["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "first = {first}"
        );
        assert_eq!(response["errors"][0]["extensions"]["field"], field);
    }
}

#[tokio::test]
async fn every_node_round_trips_through_node() {
    let app = TestApp::bundled().await;
    let data = app
        .data(
            r#"{ event { id blocks { id sessions { id speakers { person { id organisations { id } } } themes { id } } } } }"#,
            json!({}),
        )
        .await;
    let event = &data["event"];
    let block = &event["blocks"][1];
    let session = &block["sessions"][1];
    let person = &session["speakers"][0]["person"];
    let ids = [
        ("Event", event["id"].clone()),
        ("ProgrammeBlock", block["id"].clone()),
        ("Session", session["id"].clone()),
        ("Person", person["id"].clone()),
        ("Organisation", person["organisations"][0]["id"].clone()),
        ("Theme", session["themes"][0]["id"].clone()),
    ];
    for (type_name, id) in ids {
        let node = app
            .data(
                r#"query($id: ID!) { node(id: $id) { __typename id } }"#,
                json!({ "id": id }),
            )
            .await;
        assert_eq!(node["node"]["__typename"], type_name);
        assert_eq!(node["node"]["id"], id);
    }
}

#[tokio::test]
async fn unknown_ids_and_bad_arguments_give_clear_errors() {
    let app = TestApp::bundled().await;
    let session_id = app
        .data(r#"{ event { blocks { sessions { id } } } }"#, json!({}))
        .await["event"]["blocks"][0]["sessions"][0]["id"]
        .clone();

    // A well-formed ID of the wrong type.
    let response = app
        .gql(
            r#"query($id: ID!) { person(id: $id) { name } }"#,
            json!({ "id": session_id }),
        )
        .await;
    assert_eq!(
        response["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );
    assert_eq!(response["errors"][0]["extensions"]["field"], "id");
    assert!(
        response["errors"][0]["message"]
            .as_str()
            .expect("message")
            .contains("Person")
    );

    // Garbage.
    for query in [
        r#"{ session(id: "garbage") { title } }"#,
        r#"{ node(id: "garbage") { id } }"#,
    ] {
        assert_eq!(
            app.error_code(query, json!({})).await,
            "BAD_USER_INPUT",
            "{query}"
        );
    }

    // Well-formed but unknown: the field is NOT_FOUND, `node` is null as Relay asks.
    let unknown =
        buurtgraph::graphql::ids::encode(buurtgraph::graphql::ids::NodeType::Session, 999_999);
    let response = app
        .gql(
            r#"query($id: ID!) { session(id: $id) { title } }"#,
            json!({ "id": unknown }),
        )
        .await;
    assert_eq!(response["errors"][0]["extensions"]["code"], "NOT_FOUND");
    let node = app
        .data(
            r#"query($id: ID!) { node(id: $id) { id } }"#,
            json!({ "id": unknown }),
        )
        .await;
    assert_eq!(node["node"], Value::Null);

    assert_eq!(
        app.error_code(r#"{ event(slug: "bestaat-niet") { title } }"#, json!({}))
            .await,
        "NOT_FOUND"
    );
    assert_eq!(
        app.error_code(
            r#"{ event { sessions(filter: { themeId: "garbage" }) { totalCount } } }"#,
            json!({})
        )
        .await,
        "BAD_USER_INPUT"
    );
    // A type error in the arguments is caught before anything runs.
    assert_eq!(
        app.error_code(
            r#"{ event { sessions(first: "ten") { totalCount } } }"#,
            json!({})
        )
        .await,
        "GRAPHQL_VALIDATION_FAILED"
    );
}

#[tokio::test]
async fn an_empty_database_has_no_default_event() {
    let app = TestApp::empty().await;
    assert_eq!(
        app.data("{ events { slug } }", json!({})).await["events"],
        json!([])
    );
    assert_eq!(
        app.error_code("{ event { slug } }", json!({})).await,
        "NOT_FOUND"
    );
}

#[tokio::test]
async fn me_is_anonymous_without_a_token() {
    let app = TestApp::bundled().await;
    assert_eq!(
        app.data("{ me { role } }", json!({})).await["me"]["role"],
        "ANONYMOUS"
    );
}
