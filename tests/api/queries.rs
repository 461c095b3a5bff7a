//! Filters, pagination, node lookups and the errors of bad arguments.

use std::time::Duration;

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

/// A JSON value that keeps its objects' keys in the order of the body (`serde_json::Value`
/// sorts them).
enum Ordered {
    Object(Vec<(String, Ordered)>),
    List(Vec<Ordered>),
    Other,
}

impl<'de> serde::Deserialize<'de> for Ordered {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Ordered;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("JSON")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Ordered, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Ordered::Object(entries))
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Ordered, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Ordered::List(items))
            }

            fn visit_bool<E>(self, _: bool) -> Result<Ordered, E> {
                Ok(Ordered::Other)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Ordered, E> {
                Ok(Ordered::Other)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Ordered, E> {
                Ok(Ordered::Other)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Ordered, E> {
                Ok(Ordered::Other)
            }
            fn visit_str<E>(self, _: &str) -> Result<Ordered, E> {
                Ok(Ordered::Other)
            }
            fn visit_unit<E>(self) -> Result<Ordered, E> {
                Ok(Ordered::Other)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl Ordered {
    /// The keys of the object at `path` (keys, and list indices as numbers), in order.
    fn keys_at(&self, path: &[&str]) -> Vec<String> {
        let mut value = self;
        for step in path {
            value = match value {
                Ordered::Object(entries) => {
                    &entries
                        .iter()
                        .find(|(key, _)| key == step)
                        .unwrap_or_else(|| panic!("no {step}"))
                        .1
                }
                Ordered::List(items) => &items[step.parse::<usize>().expect("an index")],
                Ordered::Other => panic!("nothing under {step}"),
            };
        }
        match value {
            Ordered::Object(entries) => entries.iter().map(|(key, _)| key.clone()).collect(),
            _ => panic!("not an object at {path:?}"),
        }
    }
}

/// The order of the keys at `path` in the response to `query`.
async fn key_order(app: &TestApp, query: &str, path: &[&str]) -> Vec<String> {
    let response = app.post_json("/graphql", &json!({ "query": query })).await;
    let body: Ordered = serde_json::from_slice(&response.body).expect("JSON");
    body.keys_at(path)
}

#[tokio::test]
async fn root_fields_answer_in_the_order_of_the_query() {
    let app = TestApp::bundled_uncached().await;
    let cases: [(&str, &[&str]); 6] = [
        ("{ event { slug } events { slug } }", &["event", "events"]),
        ("{ events { slug } event { slug } }", &["events", "event"]),
        (
            "{ me { role } event { slug } search(query: \"buurt\") { __typename } events { slug } }",
            &["me", "event", "search", "events"],
        ),
        // Aliases are the keys.
        (
            "{ b: events { slug } a: event { slug } c: me { role } aa: event { title } }",
            &["b", "a", "c", "aa"],
        ),
        // Fragments on the root: their fields where the fragment is spread; a key selected
        // twice stays where it came first.
        (
            "query { me { role } ...Programme events { id } } fragment Programme on QueryRoot { event { slug } events { slug } }",
            &["me", "event", "events"],
        ),
        (
            "{ ... on QueryRoot { event { slug } } me { role } ... { events { slug } } }",
            &["event", "me", "events"],
        ),
    ];
    for (query, expected) in cases {
        // Several runs: the order async-graphql gives depends on which resolver finishes first.
        for _ in 0..3 {
            assert_eq!(key_order(&app, query, &["data"]).await, expected, "{query}");
        }
    }
}

#[tokio::test]
async fn nested_fields_answer_in_the_order_of_the_query() {
    let app = TestApp::bundled_uncached().await;
    let query = "{ event { blocks { sessions { speakers { role person { organisations { name } name } } title } } title } }";
    assert_eq!(
        key_order(&app, query, &["data", "event"]).await,
        ["blocks", "title"]
    );
    assert_eq!(
        key_order(
            &app,
            query,
            &["data", "event", "blocks", "1", "sessions", "0"]
        )
        .await,
        ["speakers", "title"]
    );
    assert_eq!(
        key_order(
            &app,
            query,
            &[
                "data", "event", "blocks", "1", "sessions", "0", "speakers", "0", "person"
            ]
        )
        .await,
        ["organisations", "name"]
    );
    // On an interface, by the fragment of the object's own type.
    let ids = app
        .data(
            "{ event { id themes { id } blocks { sessions { id } } } }",
            json!({}),
        )
        .await;
    let node = "query($id: ID!) { node(id: $id) { ... on Session { speakers { role } title } ... on Theme { sessions { id } slug } ... on Event { blocks { id } title } } }";
    for (id, expected) in [
        (
            &ids["event"]["blocks"][1]["sessions"][0]["id"],
            ["speakers", "title"],
        ),
        (&ids["event"]["themes"][0]["id"], ["sessions", "slug"]),
        (&ids["event"]["id"], ["blocks", "title"]),
    ] {
        let response = app
            .post_json(
                "/graphql",
                &json!({ "query": node, "variables": { "id": id } }),
            )
            .await;
        let body: Ordered = serde_json::from_slice(&response.body).expect("JSON");
        assert_eq!(body.keys_at(&["data", "node"]), expected, "{id}");
    }
}

/// A root field of the schema, as introspection shows it.
struct RootField {
    name: String,
    nullable: bool,
    /// Arguments that make it fail: malformed IDs, unknown slugs.
    failing_arguments: String,
    selection: &'static str,
}

/// Every root query field, from introspection, so that fields added later are covered too.
async fn root_fields(app: &TestApp) -> Vec<RootField> {
    const TYPE: &str = "kind name ofType { kind name ofType { kind name ofType { kind name } } }";
    let schema = app
        .data(
            &format!(
                "{{ __schema {{ queryType {{ fields {{ name type {{ {TYPE} }} args {{ name type {{ {TYPE} }} }} }} }} }} }}"
            ),
            json!({}),
        )
        .await;
    fn named(ty: &Value) -> &Value {
        if ty["name"].is_null() {
            named(&ty["ofType"])
        } else {
            ty
        }
    }
    let fields = schema["__schema"]["queryType"]["fields"]
        .as_array()
        .expect("fields");
    fields
        .iter()
        .map(|field| {
            let name = field["name"].as_str().expect("name").to_owned();
            let arguments: Vec<String> = field["args"]
                .as_array()
                .expect("args")
                .iter()
                .filter_map(|arg| {
                    let arg_name = arg["name"].as_str().expect("name");
                    let required = arg["type"]["kind"] == "NON_NULL";
                    let value = match named(&arg["type"])["name"].as_str() {
                        Some("ID") => "\"garbage\"",
                        Some("String") if required || arg_name.to_lowercase().ends_with("slug") => {
                            "\"bestaat-niet\""
                        }
                        _ if required => panic!("say how to fail {name}({arg_name})"),
                        _ => return None,
                    };
                    Some(format!("{arg_name}: {value}"))
                })
                .collect();
            let selection = match named(&field["type"])["kind"].as_str() {
                Some("OBJECT" | "INTERFACE" | "UNION") => "{ __typename }",
                _ => "",
            };
            RootField {
                nullable: field["type"]["kind"] != "NON_NULL",
                failing_arguments: if arguments.is_empty() {
                    String::new()
                } else {
                    format!("({})", arguments.join(", "))
                },
                selection,
                name,
            }
        })
        .collect()
}

/// Runs `field` aliased between two fields that succeed; `true` when it failed, after
/// checking that every selected key is in place by the spec's rules.
async fn fails_in_place(app: &TestApp, field: &RootField) -> bool {
    let query = format!(
        "{{ before: __typename failing: {}{} {} after: me {{ role }} }}",
        field.name, field.failing_arguments, field.selection
    );
    let response = app.post_json("/graphql", &json!({ "query": query })).await;
    let body = response.json();
    let failed = body["errors"]
        .as_array()
        .is_some_and(|errors| errors.iter().any(|e| e["path"] == json!(["failing"])));
    if !failed {
        return false;
    }
    if field.nullable {
        // The failed field is null under its alias; the others keep their values.
        let order: Ordered = serde_json::from_slice(&response.body).expect("JSON");
        assert_eq!(
            order.keys_at(&["data"]),
            ["before", "failing", "after"],
            "{query}: {body}"
        );
        assert_eq!(body["data"]["failing"], Value::Null, "{query}");
        assert_eq!(body["data"]["before"], "QueryRoot", "{query}");
        assert_eq!(body["data"]["after"]["role"], "ANONYMOUS", "{query}");
    } else {
        // A non-null root field cannot be null: all of `data` is, but it is there.
        assert!(body.get("data").is_some(), "{query}: {body}");
        assert_eq!(body["data"], Value::Null, "{query}: {body}");
    }
    true
}

#[tokio::test]
async fn every_root_field_failing_leaves_every_selected_key_in_place() {
    // Uncached, so that closing the database makes every read fail.
    let app = TestApp::bundled_uncached().await;
    let fields = root_fields(&app).await;
    let mut not_failed = Vec::new();
    for field in &fields {
        if !fails_in_place(&app, field).await {
            not_failed.push(field);
        }
    }
    // What no argument can make fail (for an anonymous viewer) fails when the database is
    // gone.
    app.db.clone().close().await.expect("closes");
    // Programme fields answer from the snapshot in memory while the content version is
    // trusted; past that interval they must read it, and fail.
    tokio::time::sleep(
        buurtgraph::http::response_cache::VERSION_CHECK_INTERVAL + Duration::from_millis(100),
    )
    .await;
    let mut never_failed = Vec::new();
    for field in not_failed {
        if !fails_in_place(&app, field).await {
            never_failed.push(field.name.as_str());
        }
    }
    // `me` answers from the token alone, and cannot fail.
    assert_eq!(never_failed, ["me"]);
    assert!(fields.len() > 15, "{} root fields", fields.len());
}

#[tokio::test]
async fn a_failed_field_nulls_its_nearest_nullable_ancestor() {
    let app = TestApp::bundled().await;
    let event_id = app.data("{ event { id } }", json!({})).await["event"]["id"].clone();
    // `sessions` is non-null, so its event is null, and `node` may be.
    let response = app
        .gql(
            "query($id: ID!) { node(id: $id) { ... on Event { title sessions(first: 101) { totalCount } } } me { role } }",
            json!({ "id": event_id }),
        )
        .await;
    assert_eq!(
        response["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );
    assert_eq!(
        response["data"],
        json!({ "node": null, "me": { "role": "ANONYMOUS" } })
    );
    // Through a list of non-null items into a non-null root field: all of `data`.
    let response = app
        .gql(
            "{ me { role } events { title sessions(first: 101) { totalCount } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        response["errors"][0]["path"],
        json!(["events", 0, "sessions"])
    );
    assert!(
        response.get("data").is_some_and(Value::is_null),
        "{response}"
    );
}
