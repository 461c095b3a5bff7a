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

// ---- the schedule export ----

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/schedule")
        .join(name)
}

async fn get_from_host(app: &TestApp, uri: &str) -> crate::helpers::TestResponse {
    app.request(
        axum::http::Request::get(uri)
            .header(axum::http::header::HOST, "buurt.example")
            .body(axum::body::Body::empty())
            .expect("request"),
    )
    .await
}

async fn schedule_json(app: &TestApp, slug: &str) -> Value {
    let response = get_from_host(app, &format!("/events/{slug}/schedule.json")).await;
    assert_eq!(response.status, 200, "{}", response.text());
    response.json()
}

async fn schedule_xml(app: &TestApp, slug: &str) -> String {
    let response = get_from_host(app, &format!("/events/{slug}/schedule.xml")).await;
    assert_eq!(response.status, 200, "{}", response.text());
    assert!(
        response
            .header(axum::http::header::CONTENT_TYPE)
            .is_some_and(|t| t.starts_with("application/xml"))
    );
    response.text()
}

/// Validates against c3voc's JSON schema, formats (uri, uuid, date-time) included.
fn assert_valid_json(document: &Value) {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("schema.json")).expect("schema.json"),
    )
    .expect("the schema is JSON");
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(document)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "schedule.json is invalid:\n{}",
        errors.join("\n")
    );
}

/// Validates against c3voc's XSD with xmllint (Debian: libxml2-utils; `.ci/run` installs it).
fn assert_valid_xml(document: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("schedule.xml");
    std::fs::write(&file, document).expect("written");
    let output = std::process::Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(fixture("schedule.xml.xsd"))
        .arg(&file)
        .output()
        .unwrap_or_else(|err| {
            panic!(
                "xmllint is needed to validate schedule.xml (apt-get install libxml2-utils): {err}"
            )
        });
    assert!(
        output.status.success(),
        "schedule.xml is invalid:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn the_schedule_export_is_valid_against_both_c3voc_schemas() {
    let app = TestApp::empty().await;
    app.import(&with_room_and_link()).await;
    let json = schedule_json(&app, EVENT).await;
    assert_valid_json(&json);
    let xml = schedule_xml(&app, EVENT).await;
    assert_valid_xml(&xml);

    let conference = &json["schedule"]["conference"];
    assert_eq!(conference["acronym"], "dag_van_de_buurt_2021");
    assert_eq!(conference["time_zone_name"], "Europe/Amsterdam");
    let talks: Vec<&Value> = conference["days"][0]["rooms"]
        .as_object()
        .expect("rooms")
        .values()
        .flat_map(|list| list.as_array().expect("talks"))
        .collect();
    assert_eq!(talks.len(), 28, "every session once");
    let opening = talks
        .iter()
        .find(|t| t["slug"] == "dag_van_de_buurt_2021-opening")
        .expect("opening");
    assert_eq!(opening["date"], "2021-01-28T13:00:00+01:00");
    assert_eq!(opening["duration"], "01:00");
    assert_eq!(
        opening["url"],
        "http://buurt.example/events/dag-van-de-buurt-2021/sessies/opening"
    );
    assert!(
        opening["persons"]
            .as_array()
            .is_some_and(|p| p.iter().any(|p| p["name"] == "Hadassah de Boer"))
    );
    let linked = talks
        .iter()
        .find(|t| t["room"] == "Zaal 2")
        .expect("the session with a room");
    assert_eq!(linked["links"][0]["url"], "https://meet.example/abcd?pwd=1");
    let learning = talks
        .iter()
        .filter(|t| t["type"] == "learning-agenda")
        .count();
    assert_eq!(learning, 3);
    assert!(talks.iter().any(|t| t["track"] == "Gemengde wijken"));
    assert!(xml.contains("<room name=\"Zaal 2\""));
    // Persons carry the legacy integer id besides their GUID: ConfClerk drops persons without.
    let guid = opening["persons"][0]["guid"].as_str().expect("a GUID");
    let id = buurtgraph::schedule::numeric_id(guid);
    assert!(
        xml.contains(&format!("<person id=\"{id}\" guid=\"{guid}\">")),
        "{xml}"
    );
}

#[tokio::test]
async fn sessions_without_a_room_stand_side_by_side_with_guids_that_never_change() {
    let app = TestApp::bundled().await;
    let json = schedule_json(&app, EVENT).await;
    let day = &json["schedule"]["conference"]["days"][0];
    let rooms = day["rooms"].as_object().expect("rooms");
    // 13 workshops per round: 13 parallel rooms; the plenaries share the first.
    assert_eq!(rooms.len(), 13, "{:?}", rooms.keys().collect::<Vec<_>>());
    assert_eq!(rooms["Parallel 1"].as_array().map(Vec::len), Some(4));
    assert_eq!(rooms["Parallel 13"].as_array().map(Vec::len), Some(2));

    // The same GUIDs after a re-import and in another database.
    app.import(&bundled()).await;
    let again = schedule_json(&app, EVENT).await;
    assert_eq!(again, json);
    let other = TestApp::bundled().await;
    assert_eq!(schedule_json(&other, EVENT).await, json);
    let guid = buurtgraph::schedule::session_guid(EVENT, "opening");
    assert_eq!(rooms["Parallel 1"][0]["guid"], guid);
}

#[tokio::test]
async fn an_unknown_event_has_no_schedule() {
    let app = TestApp::empty().await;
    assert_eq!(
        app.get("/events/bestaat-niet/schedule.json").await.status,
        404
    );
    assert_eq!(
        app.get("/events/bestaat-niet/schedule.xml").await.status,
        404
    );
}

// ---- the schedule import ----

async fn import_schedule(app: &TestApp, name: &str) -> buurtgraph::programme_file::ProgrammeFile {
    let programme =
        buurtgraph::schedule::load_programme(&fixture(name)).unwrap_or_else(|err| panic!("{err}"));
    app.import(&programme).await;
    programme
}

#[tokio::test]
async fn a_pretalx_export_imports_every_session_person_and_time() {
    for name in ["pretalx-democon.json", "pretalx-democon.xml"] {
        let app = TestApp::empty().await;
        import_schedule(&app, name).await;
        let data = app
            .data(
                r#"{ event(slug: "democon") { title timezone
                     sessions(first: 100) { totalCount nodes { title startsAt endsAt room kind
                       speakers { role person { name } } themes { title } } }
                     people { totalCount } } }"#,
                json!({}),
            )
            .await;
        let event = &data["event"];
        assert_eq!(event["title"], "DemoCon", "{name}");
        assert_eq!(event["timezone"], "UTC");
        assert_eq!(event["sessions"]["totalCount"], 6, "{name}");
        assert_eq!(event["people"]["totalCount"], 7, "{name}");
        let sessions = event["sessions"]["nodes"].as_array().expect("sessions");
        let talk = sessions
            .iter()
            .find(|s| s["title"] == "Secured grid-enabled policy")
            .expect("a talk with two speakers");
        // 11:30 at +01:00, for 1:30.
        assert_eq!(talk["startsAt"], "2020-12-14T10:30:00+00:00");
        assert_eq!(talk["endsAt"], "2020-12-14T12:00:00+00:00");
        assert_eq!(talk["room"], "Tan Room");
        assert_eq!(talk["themes"][0]["title"], "Horizontal");
        let names: Vec<&str> = talk["speakers"]
            .as_array()
            .expect("speakers")
            .iter()
            .map(|s| s["person"]["name"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(names, ["Amy Sanchez", "Teresa Terrell"]);
        // Served again as a schedule, valid.
        assert_valid_json(&schedule_json(&app, "democon").await);
        assert_valid_xml(&schedule_xml(&app, "democon").await);
    }
}

#[tokio::test]
async fn a_frab_export_imports_completely_in_its_time_zone() {
    let app = TestApp::empty().await;
    let programme = import_schedule(&app, "frab-camp2019.json").await;
    assert_eq!(programme.event.slug, "camp2019");
    assert_eq!(programme.event.timezone, "Europe/Berlin");
    let data = app
        .data(
            r#"{ event(slug: "camp2019") { sessions(first: 100) { totalCount nodes { key title startsAt endsAt room kind speakers { person { name } } } } } }"#,
            json!({}),
        )
        .await;
    let sessions = &data["event"]["sessions"];
    assert_eq!(sessions["totalCount"], 6);
    let lightning = sessions["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .find(|s| s["title"] == "Lightning Talks")
        .expect("lightning talks");
    assert_eq!(lightning["startsAt"], "2019-08-22T10:00:00+00:00");
    assert_eq!(lightning["endsAt"], "2019-08-22T13:00:00+00:00");
    assert_eq!(lightning["room"], "Meitner");
    assert_eq!(lightning["key"], "10380-lightning-talks");
    assert_eq!(lightning["speakers"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn export_then_import_then_export_gives_the_same_schedule() {
    let source = TestApp::empty().await;
    source.import(&with_room_and_link()).await;
    let json = schedule_json(&source, EVENT).await;
    let xml = schedule_xml(&source, EVENT).await;
    for (name, text) in [
        ("schedule.json", json.to_string()),
        ("schedule.xml", xml.clone()),
    ] {
        let parsed = buurtgraph::schedule::parse(name, text.as_bytes()).expect("parses");
        let programme =
            buurtgraph::schedule::programme::to_programme(name, &parsed).expect("a programme");
        let copy = TestApp::empty().await;
        copy.import(&programme).await;
        if name.ends_with("json") {
            assert_eq!(schedule_json(&copy, EVENT).await, json, "{name}");
        } else {
            // schedule.xml has no place for biographies, so the copy has none, and the
            // version (which follows all content, biographies too) differs; all else is equal.
            let without_version = |text: &str| {
                text.lines()
                    .filter(|l| !l.trim_start().starts_with("<version>"))
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            let again = schedule_xml(&copy, EVENT).await;
            assert!(
                without_version(&again) == without_version(&xml),
                "{name}: the schedule changed"
            );
        }
    }
}

#[test]
fn a_broken_schedule_names_the_file_the_field_and_the_reason() {
    let mut document: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("frab-camp2019.json")).expect("fixture"),
    )
    .expect("json");
    let talk = &mut document["schedule"]["conference"]["days"][0]["rooms"]["Curie"][1];
    talk["duration"] = json!("lang");
    talk["date"] = json!("22 augustus");
    let err = buurtgraph::schedule::parse("camp.json", document.to_string().as_bytes())
        .expect_err("refused");
    let text = err.to_string();
    assert!(
        text.contains("camp.json: schedule.conference.days[0].rooms.Curie[1].duration: \"lang\" is not a duration"),
        "{text}"
    );
    assert!(
        text.contains("camp.json: schedule.conference.days[0].rooms.Curie[1].date: "),
        "{text}"
    );

    let xml = std::fs::read_to_string(fixture("pretalx-democon.xml"))
        .expect("fixture")
        .replacen(
            "<duration>00:30</duration>",
            "<duration>half uur</duration>",
            1,
        );
    let err = buurtgraph::schedule::parse("democon.xml", xml.as_bytes()).expect_err("refused");
    assert!(
        err.to_string().contains("democon.xml: schedule/day[1]/room[1]/event[1]/duration: \"half uur\" is not a duration (hh:mm) (line "),
        "{err}"
    );
    let err = buurtgraph::schedule::parse("x.xml", b"<schedule><conference>").expect_err("refused");
    assert!(err.to_string().contains("x.xml: $: not XML"), "{err}");
}

// ---- calendars ----

#[tokio::test]
async fn each_session_has_its_own_calendar_linked_from_the_api_and_its_page() {
    let app = TestApp::empty().await;
    let file = with_room_and_link();
    let key = file.blocks[1].sessions[0].key.clone();
    app.import(&file).await;
    let data = app
        .data(
            "query($k: String!) { sessionByKey(key: $k) { calendarUrl } }",
            json!({ "k": key }),
        )
        .await;
    let url = data["sessionByKey"]["calendarUrl"]
        .as_str()
        .expect("a URL")
        .to_owned();
    assert_eq!(url, format!("/events/{EVENT}/sessies/{key}.ics"));
    let response = get_from_host(&app, &url).await;
    assert_eq!(response.status, 200);
    assert!(
        response
            .header(axum::http::header::CONTENT_TYPE)
            .is_some_and(|t| t.starts_with("text/calendar"))
    );
    let text = response.text().replace("\r\n ", "");
    let calendar: icalendar::Calendar = text.parse().expect("valid iCalendar");
    let events: Vec<_> = calendar
        .components
        .iter()
        .filter_map(|c| c.as_event())
        .collect();
    assert_eq!(events.len(), 1);
    assert!(
        text.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/Amsterdam"),
        "{text}"
    );
    assert!(
        text.contains("DTSTART;TZID=Europe/Amsterdam:20210128T140000"),
        "{text}"
    );
    assert!(text.contains("LOCATION:Zaal 2"));
    assert!(text.contains("CONFERENCE;VALUE=URI;FEATURE=VIDEO:https://meet.example/abcd?pwd=1"));
    assert!(text.contains(&format!(
        "URL:http://buurt.example/events/{EVENT}/sessies/{key}"
    )));

    let page = app
        .get(&format!("/events/{EVENT}/sessies/{key}"))
        .await
        .text()
        .replace("&#x2f;", "/");
    assert!(
        page.contains(&format!("href=\"{url}\"")),
        "the page links its calendar"
    );
    assert_eq!(
        app.get(&format!("/events/{EVENT}/sessies/bestaat-niet.ics"))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn the_event_calendar_is_a_feed_that_asks_to_be_refreshed() {
    let app = TestApp::empty().await;
    app.import(&with_room_and_link()).await;
    let text = get_from_host(&app, &format!("/events/{EVENT}/calendar.ics"))
        .await
        .text()
        .replace("\r\n ", "");
    assert!(text.contains("REFRESH-INTERVAL;VALUE=DURATION:PT1H"));
    assert!(text.contains("X-PUBLISHED-TTL:PT1H"));
    assert!(text.contains(&format!(
        "SOURCE;VALUE=URI:http://buurt.example/events/{EVENT}/calendar.ics"
    )));
    assert!(text.contains("BEGIN:VTIMEZONE"));
    assert_eq!(text.matches("BEGIN:VEVENT").count(), 28);
    assert!(text.contains("LOCATION:Zaal 2"));
}
