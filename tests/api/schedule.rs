//! Other systems' formats (issue 15): rooms and links of sessions, the frab/c3voc schedule
//! export and import, and calendars per session.

use serde_json::{Value, json};

use crate::actors::setup;
use crate::fixtures::bundled;
use crate::helpers::TestApp;

const EVENT: &str = "dag-van-de-buurt-2021";

/// The bundled programme with a room and a link on the first workshop of round one.
fn with_room_and_link() -> buurtgraph::programme_file::ProgrammeFile {
    let mut file = bundled();
    let session = &mut file.blocks[1].sessions[0];
    session.room = Some("Zaal 2".into());
    session.url = Some("https://meet.example/abcd?pwd=1".into());
    file
}

#[tokio::test]
async fn sessions_have_an_optional_room_and_link_in_the_api_and_on_their_page() {
    let app = TestApp::empty().await;
    let file = with_room_and_link();
    let key = file.blocks[1].sessions[0].key.clone();
    app.import(&file).await;
    let data = app
        .data(
            "query($k: String!) { withRoom: sessionByKey(key: $k) { room url }
               plain: sessionByKey(key: \"opening\") { room url } }",
            json!({ "k": key }),
        )
        .await;
    assert_eq!(
        data["withRoom"],
        json!({ "room": "Zaal 2", "url": "https://meet.example/abcd?pwd=1" })
    );
    assert_eq!(data["plain"], json!({ "room": null, "url": null }));

    // minijinja escapes `/` in attributes; a browser reads it back as `/`.
    let page = app
        .get(&format!("/events/{EVENT}/sessies/{key}"))
        .await
        .text()
        .replace("&#x2f;", "/");
    assert!(page.contains("Zaal 2"), "{page}");
    assert!(
        page.contains("href=\"https://meet.example/abcd?pwd=1\""),
        "{page}"
    );
    let programme = app.get(&format!("/events/{EVENT}")).await.text();
    assert!(programme.contains("Zaal 2"));
}

#[tokio::test]
async fn the_bundled_programme_names_no_room_and_no_link() {
    let file = bundled();
    assert!(
        file.blocks
            .iter()
            .flat_map(|b| &b.sessions)
            .all(|s| s.room.is_none() && s.url.is_none())
    );
}

#[test]
fn a_bad_room_or_link_is_refused_with_its_path() {
    let mut document: Value =
        serde_json::from_str(buurtgraph::programme_bundle::BUNDLED_JSON).expect("json");
    document["blocks"][1]["sessions"][2]["room"] = json!("  ");
    document["blocks"][1]["sessions"][3]["url"] = json!("javascript:alert(1)");
    let err = buurtgraph::programme_file::ProgrammeFile::parse("p.json", &document.to_string())
        .expect_err("refused");
    let text = err.to_string();
    assert!(
        text.contains("p.json: blocks[1].sessions[2].room: must not be empty"),
        "{text}"
    );
    assert!(
        text.contains(
            "p.json: blocks[1].sessions[3].url: must be an absolute http:// or https:// URL"
        ),
        "{text}"
    );
}

#[tokio::test]
async fn admins_set_and_clear_a_room_and_link() {
    let (app, actors) = setup().await;
    let update = "mutation($s: ID!, $i: UpdateSessionInput!) { updateSession(id: $s, input: $i) { room url title } }";
    let set = app
        .gql_as(
            &actors.admin,
            update,
            json!({ "s": actors.session, "i": { "room": " Online: Zoom ", "url": "https://zoom.example/j/1" } }),
        )
        .await;
    assert_eq!(
        set["data"]["updateSession"]["room"], "Online: Zoom",
        "{set:#}"
    );
    assert_eq!(
        set["data"]["updateSession"]["url"],
        "https://zoom.example/j/1"
    );

    // Absent fields stay; null clears.
    let kept = app
        .gql_as(
            &actors.admin,
            update,
            json!({ "s": actors.session, "i": { "title": "Nieuw" } }),
        )
        .await;
    assert_eq!(kept["data"]["updateSession"]["room"], "Online: Zoom");
    let cleared = app
        .gql_as(
            &actors.admin,
            update,
            json!({ "s": actors.session, "i": { "room": null, "url": null } }),
        )
        .await;
    assert_eq!(cleared["data"]["updateSession"]["room"], Value::Null);
    assert_eq!(cleared["data"]["updateSession"]["url"], Value::Null);

    let bad = app
        .gql_as(
            &actors.admin,
            update,
            json!({ "s": actors.session, "i": { "url": "ftp://x.example/" } }),
        )
        .await;
    assert_eq!(bad["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(bad["errors"][0]["extensions"]["field"], "input.url");

    let denied = app
        .gql_as(
            &actors.staff,
            update,
            json!({ "s": actors.session, "i": { "room": "Zaal 9" } }),
        )
        .await;
    assert_eq!(denied["errors"][0]["extensions"]["code"], "FORBIDDEN");
}
