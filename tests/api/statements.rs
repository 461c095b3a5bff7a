//! The programme is read from the snapshot in memory: once it is built, a programme query
//! runs no SQL, whatever the size of the programme; an admin's change is in the very next
//! query; and a burst of queries after a change builds the new snapshot once.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use buurtgraph::config::ServeConfig;
use serde_json::{Value, json};

use crate::actors::{self, EVENT};
use crate::fixtures::{WHOLE_PROGRAMME, bundled, scaled};
use crate::helpers::TestApp;

fn uncached() -> ServeConfig {
    ServeConfig {
        response_cache: false,
        ..ServeConfig::default()
    }
}

/// The statements other than the content-version check (made at most once a second).
fn programme_statements(app: &TestApp) -> Vec<String> {
    app.statement_log()
        .into_iter()
        .filter(|sql| !sql.contains("content_version"))
        .collect()
}

async fn whole_programme(app: &TestApp, slug: &str) -> Value {
    app.data(WHOLE_PROGRAMME, json!({ "slug": slug })).await
}

fn session_count(data: &Value) -> usize {
    data["event"]["blocks"]
        .as_array()
        .expect("blocks")
        .iter()
        .map(|b| b["sessions"].as_array().expect("sessions").len())
        .sum()
}

#[tokio::test]
async fn the_whole_programme_on_a_warm_snapshot_runs_no_sql() {
    // No response cache: every request executes in full.
    let app = TestApp::with_config(uncached()).await;
    app.import(&bundled()).await;
    app.import(&scaled(10, "tien-keer-groter")).await;
    let first = whole_programme(&app, "dag-van-de-buurt-2021").await;
    assert_eq!(session_count(&first), 28);

    for (slug, sessions) in [("dag-van-de-buurt-2021", 28), ("tien-keer-groter", 280)] {
        app.reset_statements();
        let data = whole_programme(&app, slug).await;
        assert_eq!(session_count(&data), sessions);
        assert_eq!(
            programme_statements(&app),
            Vec::<String>::new(),
            "{slug}: the programme comes from memory"
        );
        assert!(app.statements() <= 1, "{:?}", app.statement_log());
    }
    let again = whole_programme(&app, "dag-van-de-buurt-2021").await;
    assert_eq!(
        again, first,
        "the same answer from memory as from the first build"
    );
}

const TITLES: &str = "{ event { blocks { sessions { id title speakers { person { key } } } } } }";

fn first_session(data: &Value) -> &Value {
    &data["event"]["blocks"][1]["sessions"][0]
}

#[tokio::test]
async fn an_admin_edit_and_an_import_are_in_the_very_next_query() {
    let (app, actors) = actors::setup_with(uncached()).await;
    let before = app.data(TITLES, json!({})).await;
    let session = first_session(&before).clone();
    let id = session["id"].as_str().expect("id");

    let moved = format!("{} (verplaatst)", session["title"].as_str().expect("title"));
    let edited = app
        .gql_as(
            &actors.admin,
            "mutation($id: ID!, $t: String!) { updateSession(id: $id, input: { title: $t }) { title } }",
            json!({ "id": id, "t": moved }),
        )
        .await;
    assert!(edited.get("errors").is_none(), "{edited}");
    assert_eq!(
        first_session(&app.data(TITLES, json!({})).await)["title"],
        moved.as_str()
    );

    // What a mutation returns shows its own change.
    let person = app
        .data(
            "{ personByKey(key: \"hadassah-de-boer\") { id } }",
            json!({}),
        )
        .await["personByKey"]["id"]
        .clone();
    let linked = app
        .gql_as(
            &actors.admin,
            "mutation($s: ID!, $p: ID!) { linkSpeaker(sessionId: $s, personId: $p, role: HOST) { speakers { person { key } } } }",
            json!({ "s": id, "p": person }),
        )
        .await;
    let keys = |speakers: &Value| -> Vec<String> {
        speakers
            .as_array()
            .expect("speakers")
            .iter()
            .map(|s| s["person"]["key"].as_str().expect("key").to_owned())
            .collect()
    };
    assert!(
        keys(&linked["data"]["linkSpeaker"]["speakers"]).contains(&"hadassah-de-boer".to_owned()),
        "{linked}"
    );
    assert!(
        keys(&first_session(&app.data(TITLES, json!({})).await)["speakers"])
            .contains(&"hadassah-de-boer".to_owned())
    );

    // An import through the API, with a new title for the event.
    let mut document: Value =
        serde_json::from_str(buurtgraph::programme_bundle::BUNDLED_JSON).expect("json");
    document["event"]["title"] = json!("Dag van de Buurt 2021 (herzien)");
    let imported = app
        .gql_as(
            &actors.admin,
            "mutation($d: JSON!) { importProgramme(programme: $d) { eventSlug } }",
            json!({ "d": document }),
        )
        .await;
    assert!(imported.get("errors").is_none(), "{imported}");
    let title = app
        .data(
            "query($s: String) { event(slug: $s) { title } }",
            json!({ "s": EVENT }),
        )
        .await;
    assert_eq!(title["event"]["title"], "Dag van de Buurt 2021 (herzien)");
}

#[tokio::test]
async fn a_burst_of_queries_after_a_change_builds_the_new_snapshot_once() {
    let app = TestApp::with_config(uncached()).await;
    app.import(&bundled()).await;
    whole_programme(&app, EVENT).await;

    // Another writer changes the programme past this server, so that the next requests
    // find the snapshot out of date.
    let mut file = bundled();
    file.event.title = "Dag van de Buurt 2021 (nog eens herzien)".to_owned();
    app.import(&file).await;
    tokio::time::sleep(buurtgraph::http::response_cache::VERSION_CHECK_INTERVAL).await;
    app.reset_statements();
    let body = json!({ "query": WHOLE_PROGRAMME }).to_string();
    let answers = futures_util::future::join_all((0..16).map(|_| {
        let request = Request::post("/graphql")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.clone()))
            .expect("request");
        tower::ServiceExt::oneshot(app.router.clone(), request)
    }))
    .await;
    for answer in answers {
        assert_eq!(answer.expect("answer").status(), StatusCode::OK);
    }
    let sessions_read = programme_statements(&app)
        .iter()
        .filter(|sql| sql.contains("FROM \"session\""))
        .count();
    assert_eq!(sessions_read, 1, "{:#?}", app.statement_log());
    let title = app.data("{ event { title } }", json!({})).await;
    assert_eq!(
        title["event"]["title"],
        "Dag van de Buurt 2021 (nog eens herzien)"
    );
}

#[tokio::test]
async fn the_snapshot_of_the_bundled_programme_is_small() {
    use buurtgraph::http::response_cache::ResponseCache;
    use buurtgraph::readmodel::ReadModel;
    let app = TestApp::bundled().await;
    let read_model = ReadModel::new(std::sync::Arc::new(ResponseCache::disabled()));
    let snapshot = read_model.current(&app.db).await.expect("snapshot");
    let bytes = snapshot.approximate_bytes();
    println!(
        "the bundled programme's snapshot: about {} KB",
        bytes / 1024
    );
    assert_eq!(snapshot.events().len(), 1);
    assert!(bytes < 1024 * 1024, "{bytes} bytes");
    assert_eq!(read_model.builds(), 1);
    read_model.current(&app.db).await.expect("snapshot");
    assert_eq!(
        read_model.builds(),
        1,
        "an unchanged programme is not built again"
    );
}
