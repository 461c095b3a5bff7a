//! The bundled programme says what the source text says.

use serde_json::{Value, json};

use crate::fixtures::WHOLE_PROGRAMME;
use crate::helpers::TestApp;

async fn whole_programme(app: &TestApp) -> Value {
    app.data(WHOLE_PROGRAMME, json!({})).await["event"].clone()
}

fn sessions(event: &Value) -> Vec<&Value> {
    event["blocks"]
        .as_array()
        .expect("blocks")
        .iter()
        .flat_map(|b| b["sessions"].as_array().expect("sessions"))
        .collect()
}

fn session<'a>(event: &'a Value, key: &str) -> &'a Value {
    sessions(event)
        .into_iter()
        .find(|s| s["key"] == key)
        .unwrap_or_else(|| panic!("no session {key}"))
}

fn people_with_role(session: &Value, role: &str) -> Vec<String> {
    session["speakers"]
        .as_array()
        .expect("speakers")
        .iter()
        .filter(|s| s["role"] == role)
        .map(|s| s["person"]["name"].as_str().expect("name").to_owned())
        .collect()
}

fn titles(list: &Value, field: &str) -> Vec<String> {
    list.as_array()
        .expect("list")
        .iter()
        .map(|v| v[field].as_str().expect("string").to_owned())
        .collect()
}

#[tokio::test]
async fn the_default_event_is_the_dag_van_de_buurt_led_by_hadassah_de_boer() {
    let app = TestApp::bundled().await;
    let event = whole_programme(&app).await;
    assert_eq!(event["slug"], "dag-van-de-buurt-2021");
    assert_eq!(event["timezone"], "Europe/Amsterdam");
    assert_eq!(event["startsAt"], "2021-01-28T12:00:00+00:00");
    assert_eq!(titles(&event["hosts"], "name"), ["Hadassah de Boer"]);
    assert!(
        event["description"]
            .as_str()
            .expect("description")
            .contains("De dag wordt geleid door Hadassah de Boer.")
    );
}

#[tokio::test]
async fn four_blocks_at_13_14_15_and_16_hours_amsterdam_time() {
    let app = TestApp::bundled().await;
    let event = whole_programme(&app).await;
    let blocks = event["blocks"].as_array().expect("blocks");
    let starts: Vec<&str> = blocks
        .iter()
        .map(|b| b["startsAt"].as_str().expect("time"))
        .collect();
    assert_eq!(
        starts,
        [
            "2021-01-28T12:00:00+00:00",
            "2021-01-28T13:00:00+00:00",
            "2021-01-28T14:00:00+00:00",
            "2021-01-28T15:00:00+00:00"
        ]
    );
    let kinds: Vec<&str> = blocks
        .iter()
        .map(|b| b["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(
        kinds,
        ["PLENARY", "WORKSHOP_ROUND", "WORKSHOP_ROUND", "PLENARY"]
    );
    let positions: Vec<i64> = blocks
        .iter()
        .map(|b| b["position"].as_i64().expect("position"))
        .collect();
    assert_eq!(positions, [0, 1, 2, 3]);
}

#[tokio::test]
async fn twenty_six_workshops_thirteen_per_round() {
    let app = TestApp::bundled().await;
    let event = whole_programme(&app).await;
    let blocks = event["blocks"].as_array().expect("blocks");
    assert_eq!(
        blocks[1]["sessions"].as_array().expect("round one").len(),
        13
    );
    assert_eq!(
        blocks[2]["sessions"].as_array().expect("round two").len(),
        13
    );
    let workshops = sessions(&event)
        .into_iter()
        .filter(|s| s["kind"] != "PLENARY")
        .count();
    assert_eq!(workshops, 26);
    let round_one = titles(&blocks[1]["sessions"], "title");
    assert_eq!(
        round_one[0],
        "ABCD in de wijkaanpak: van binnenuit met bewoners als programmamakers"
    );
    assert_eq!(round_one[12], "De Capability Approach in de praktijk");
    let round_two = titles(&blocks[2]["sessions"], "title");
    assert_eq!(round_two[0], "Een veilige wijk? Kijk niet weg!");
    assert_eq!(round_two[12], "Bouwen aan buurtgeluk");
}

#[tokio::test]
async fn three_workshops_are_given_in_both_rounds_and_linked() {
    let app = TestApp::bundled().await;
    let event = whole_programme(&app).await;
    let repeated: Vec<&Value> = sessions(&event)
        .into_iter()
        .filter(|s| !s["otherOccurrences"].as_array().expect("list").is_empty())
        .collect();
    let mut titles: Vec<&str> = repeated
        .iter()
        .map(|s| s["title"].as_str().expect("title"))
        .collect();
    titles.sort_unstable();
    titles.dedup();
    assert_eq!(titles.len(), 3, "{titles:?}");
    assert!(
        titles
            .iter()
            .any(|t| t.starts_with("ABCD in de wijkaanpak"))
    );
    assert!(
        titles
            .iter()
            .any(|t| t.starts_with("Het nieuwe wijkgericht werken"))
    );
    assert!(titles.contains(&"Zeggenschap door geld: de burgerbegroting"));
    let abcd = session(&event, "r1-abcd-in-de-wijkaanpak");
    assert_eq!(
        abcd["otherOccurrences"][0]["key"],
        "r2-abcd-in-de-wijkaanpak"
    );
    assert_eq!(
        abcd["otherOccurrences"][0]["block"]["title"],
        "Workshops ronde twee"
    );
    assert_eq!(people_with_role(abcd, "FACILITATOR"), ["Birgit Oelkers"]);
}

#[tokio::test]
async fn facilitators_named_in_the_workshop_texts_are_linked_to_their_sessions() {
    let app = TestApp::bundled().await;
    let event = whole_programme(&app).await;
    let facilitators = |key| people_with_role(session(&event, key), "FACILITATOR");
    assert_eq!(
        facilitators("r1-het-nieuwe-wijkgericht-werken"),
        ["Jetze van der Ham", "Willem Stam", "Han van Geel"]
    );
    assert_eq!(
        facilitators("r1-groningen-experimenteert-met-zeggenschap"),
        ["Liesbeth van de Wetering"]
    );
    assert_eq!(
        facilitators("r1-innoveren-in-de-wijkaanpak"),
        ["Jornt van Zuylen", "Suzanne Potjer"]
    );
    assert_eq!(facilitators("r1-zeggenschap-door-geld"), ["Joop Hofman"]);
    assert_eq!(facilitators("r2-een-veilige-wijk"), ["Loes van der Wees"]);
    assert_eq!(
        facilitators("r2-hart-voor-de-k-buurt"),
        ["Mike Brantjes", "Roos van Schaijk"]
    );
    assert_eq!(
        facilitators("r2-sociale-basis-heroveren"),
        ["Han van Geel", "Mariel van Pelt"]
    );
    assert_eq!(facilitators("r2-bouwen-aan-buurtgeluk").len(), 4);
    assert_eq!(facilitators("r2-sociaal-fysieke-wijkaanpak").len(), 5);
}

#[tokio::test]
async fn plenary_speakers_and_the_four_table_guests() {
    let app = TestApp::bundled().await;
    let event = whole_programme(&app).await;
    let opening = session(&event, "opening");
    assert_eq!(people_with_role(opening, "HOST"), ["Hadassah de Boer"]);
    assert_eq!(
        people_with_role(opening, "SPEAKER"),
        [
            "Lucas de Man",
            "Dave Ensberg-Kleijkers",
            "Jos van der Lans",
            "Petra van Duijnhoven"
        ]
    );
    let closing = session(&event, "slot");
    assert_eq!(
        people_with_role(closing, "TABLE_GUEST"),
        [
            "Ahmed Marcouch",
            "Harry van der Molen",
            "Marco Pastors",
            "Tanja Jadnanansing"
        ]
    );
    let dave = &opening["speakers"][2]["person"];
    assert!(
        dave["bio"]
            .as_str()
            .expect("bio")
            .contains("directeur-bestuurder van Nationaal Jeugdfonds Jantje Beton")
    );
    assert!(
        titles(&dave["organisations"], "name")
            .contains(&"Nationaal Jeugdfonds Jantje Beton".to_owned())
    );
}

#[tokio::test]
async fn affiliations_carry_the_persons_function() {
    let app = TestApp::bundled().await;
    let data = app
        .data(
            r#"{ event { people(first: 100) { totalCount edges { node { name affiliations { title organisation { name } } } } } } }"#,
            json!({}),
        )
        .await;
    let people = &data["event"]["people"];
    assert_eq!(people["totalCount"], 41);
    let person = |name: &str| {
        people["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| &e["node"])
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("no {name}"))
            .clone()
    };
    let marcouch = person("Ahmed Marcouch");
    assert_eq!(
        marcouch["affiliations"][0]["organisation"]["name"],
        "Gemeente Arnhem"
    );
    assert_eq!(marcouch["affiliations"][0]["title"], "burgemeester");
    assert_eq!(
        person("Suzanne Potjer")["affiliations"][0]["organisation"]["name"],
        "Twynstra Gudde"
    );
    assert_eq!(
        person("Jetze van der Ham")["affiliations"][0]["organisation"]["name"],
        "Platform31"
    );
}

#[tokio::test]
async fn learning_agenda_sessions_serve_their_themes_with_guiding_questions() {
    let app = TestApp::bundled().await;
    let event = whole_programme(&app).await;
    let learning: Vec<&Value> = sessions(&event)
        .into_iter()
        .filter(|s| s["kind"] == "LEARNING_AGENDA")
        .collect();
    assert_eq!(learning.len(), 3);
    assert!(learning.iter().all(|s| s["feedbackOpen"] == true));
    let gemengd = session(&event, "r2-leeragenda-gemengde-wijken");
    assert!(titles(&gemengd["themes"], "slug").contains(&"gemengde-wijken".to_owned()));
    let theme = event["themes"]
        .as_array()
        .expect("themes")
        .iter()
        .find(|t| t["slug"] == "gemengde-wijken")
        .expect("theme");
    assert_eq!(theme["kind"], "LEARNING_AGENDA");
    assert!(
        theme["guidingQuestions"]
            .as_array()
            .expect("questions")
            .contains(&json!(
                "Hoe maken we wijken waar iedereen zich welkom voelt?"
            ))
    );
    let learning_themes: Vec<&Value> = event["themes"]
        .as_array()
        .expect("themes")
        .iter()
        .filter(|t| t["kind"] == "LEARNING_AGENDA")
        .collect();
    assert_eq!(learning_themes.len(), 3);
}

#[tokio::test]
async fn the_closing_plenary_asks_about_the_minister_van_wijken_and_is_open_for_input() {
    let app = TestApp::bundled().await;
    let event = whole_programme(&app).await;
    let closing = session(&event, "slot");
    assert_eq!(closing["feedbackOpen"], true);
    let theme = &closing["themes"][0];
    assert_eq!(theme["slug"], "minister-van-wijken");
    let data = app
        .data(
            r#"{ event { themes(kind: PLENARY_QUESTION) { title guidingQuestions } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        data["event"]["themes"][0]["title"],
        "Waar moet een toekomstig Minister van Wijken echt mee aan de slag?"
    );
    let open = sessions(&event)
        .into_iter()
        .filter(|s| s["feedbackOpen"] == true)
        .count();
    assert_eq!(
        open, 4,
        "three learning-agenda sessions and the closing plenary"
    );
}

#[tokio::test]
async fn contact_details_printed_in_the_text_are_kept() {
    let app = TestApp::bundled().await;
    let data = app
        .data(
            r#"query($q: String!) { search(query: $q) { nodes { ... on Person { name contact { email phone website } } } } }"#,
            json!({ "q": "Birgit Oelkers" }),
        )
        .await;
    let contact = &data["search"]["nodes"][0]["contact"];
    assert_eq!(contact["email"], "oelkers@planenaanpak.nl");
    assert_eq!(contact["phone"], "06-21224567");
    assert_eq!(contact["website"], "www.planenaanpak.nl");
    let event = whole_programme(&app).await;
    assert!(
        session(&event, "r1-abcd-in-de-wijkaanpak")["description"]
            .as_str()
            .expect("description")
            .contains("oelkers@planenaanpak.nl of telefonisch 06-21224567")
    );
}

#[tokio::test]
async fn descriptions_are_complete_and_names_are_corrected() {
    let app = TestApp::bundled().await;
    let event = whole_programme(&app).await;
    let source = include_str!("../../data/dag-van-de-buurt-2021.json");
    // The bio keeps the text, with the doubled letter in the name fixed and noted.
    let dave = &session(&event, "opening")["speakers"][2]["person"];
    assert!(!dave["bio"].as_str().expect("bio").contains("Kleijjkers"));
    assert!(
        source.contains("Kleijjkers"),
        "the fix is noted in the file"
    );
    // The truncated repeat gets the whole description of its first occurrence.
    let first = session(&event, "r1-het-nieuwe-wijkgericht-werken")["description"].clone();
    let repeat = session(&event, "r2-het-nieuwe-wijkgericht-werken")["description"].clone();
    assert_eq!(first, repeat);
    assert!(
        first
            .as_str()
            .expect("text")
            .ends_with("Han van Geel (Gemeente Zutphen)")
    );
}

#[tokio::test]
async fn person_and_theme_sessions_point_back() {
    let app = TestApp::bundled().await;
    let data = app
        .data(
            r#"query($q: String!) { search(query: $q) { nodes { ... on Person { id name sessions { key } } } } }"#,
            json!({ "q": "Han van Geel" }),
        )
        .await;
    let han = &data["search"]["nodes"][0];
    assert_eq!(han["name"], "Han van Geel");
    let keys = titles(&han["sessions"], "key");
    // In time order; within the second round in programme order.
    assert_eq!(
        keys,
        [
            "r1-het-nieuwe-wijkgericht-werken",
            "r2-sociale-basis-heroveren",
            "r2-het-nieuwe-wijkgericht-werken"
        ]
    );
    let theme = app
        .data(
            r#"{ event { themes(kind: LEARNING_AGENDA) { slug sessions { key } } } }"#,
            json!({}),
        )
        .await;
    let vertrouwen = theme["event"]["themes"]
        .as_array()
        .expect("themes")
        .iter()
        .find(|t| t["slug"] == "vertrouwen-in-instituties-en-elkaar")
        .expect("theme")
        .clone();
    assert_eq!(
        titles(&vertrouwen["sessions"], "key"),
        ["r1-leeragenda-vertrouwen-in-instituties-en-elkaar"]
    );
}

#[tokio::test]
async fn sessions_and_people_are_found_by_their_readable_key() {
    let app = TestApp::bundled().await;
    app.import(&crate::fixtures::scaled(1, "andere-dag")).await;
    const BY_KEY: &str = r#"
    query($session: String!, $person: String!, $event: String) {
      sessionByKey(key: $session, eventSlug: $event) { key title event { slug } }
      personByKey(key: $person, eventSlug: $event) { key name }
    }"#;

    // Without a slug: the default (first) event, as `event` does.
    let data = app
        .data(
            BY_KEY,
            json!({ "session": "r1-abcd-in-de-wijkaanpak", "person": "hadassah-de-boer" }),
        )
        .await;
    assert_eq!(
        data["sessionByKey"]["title"],
        "ABCD in de wijkaanpak: van binnenuit met bewoners als programmamakers"
    );
    assert_eq!(
        data["sessionByKey"]["event"]["slug"],
        "dag-van-de-buurt-2021"
    );
    assert_eq!(data["personByKey"]["name"], "Hadassah de Boer");

    // In another event, by its slug.
    let data = app
        .data(
            BY_KEY,
            json!({ "session": "opening-x0", "person": "hadassah-de-boer-x0", "event": "andere-dag" }),
        )
        .await;
    assert_eq!(data["sessionByKey"]["key"], "opening-x0");
    assert_eq!(data["sessionByKey"]["event"]["slug"], "andere-dag");
    assert_eq!(data["personByKey"]["key"], "hadassah-de-boer-x0");

    // A key of another event (sessions' keys are per event; a person must take part).
    for (session, person, event) in [
        ("opening-x0", "hadassah-de-boer-x0", None),
        ("opening", "hadassah-de-boer", Some("andere-dag")),
        ("bestaat-niet", "bestaat-niet", None),
    ] {
        let response = app
            .gql(
                BY_KEY,
                json!({ "session": session, "person": person, "event": event }),
            )
            .await;
        // `null` or, until the response keeps failed fields in place, absent.
        assert!(response["data"]["sessionByKey"].is_null(), "{response:#}");
        assert!(response["data"]["personByKey"].is_null(), "{response:#}");
        let errors = response["errors"].as_array().expect("errors");
        assert_eq!(errors.len(), 2, "{response:#}");
        assert!(
            errors
                .iter()
                .all(|e| e["extensions"]["code"] == "NOT_FOUND"),
            "{response:#}"
        );
    }

    // The service functions the web pages use.
    let event = buurtgraph::service::programme::event_by_slug(&app.db, Some("andere-dag"))
        .await
        .expect("query runs")
        .expect("event");
    let session = buurtgraph::service::programme::session_by_key(&app.db, event.id, "slot-x0")
        .await
        .expect("query runs");
    assert_eq!(session.map(|s| s.key).as_deref(), Some("slot-x0"));
    let person =
        buurtgraph::service::programme::person_by_key(&app.db, event.id, "hadassah-de-boer")
            .await
            .expect("query runs");
    assert_eq!(person, None);
}

#[tokio::test]
async fn lookups_that_find_nothing_answer_null_with_not_found_and_the_rest_stands() {
    use buurtgraph::graphql::ids::{NodeType, encode};
    let app = TestApp::bundled().await;
    let lookups = [
        (
            "event",
            r#"event(slug: "bestaat-niet") { title }"#.to_owned(),
        ),
        (
            "session",
            format!(
                r#"session(id: "{}") {{ title }}"#,
                encode(NodeType::Session, 999_999).0
            ),
        ),
        (
            "person",
            format!(
                r#"person(id: "{}") {{ name }}"#,
                encode(NodeType::Person, 999_999).0
            ),
        ),
        (
            "theme",
            format!(
                r#"theme(id: "{}") {{ title }}"#,
                encode(NodeType::Theme, 999_999).0
            ),
        ),
        (
            "sessionByKey",
            r#"sessionByKey(key: "bestaat-niet") { title }"#.to_owned(),
        ),
        (
            "personByKey",
            r#"personByKey(key: "bestaat-niet") { name }"#.to_owned(),
        ),
        (
            "sessionByKey",
            r#"sessionByKey(key: "opening", eventSlug: "bestaat-niet") { title }"#.to_owned(),
        ),
    ];
    for (field, selection) in lookups {
        let response = app
            .gql(&format!("{{ events {{ slug }} {selection} }}"), json!({}))
            .await;
        // `null` or, until the response keeps failed fields in place, absent.
        assert!(response["data"][field].is_null(), "{response:#}");
        assert_eq!(
            response["data"]["events"][0]["slug"],
            "dag-van-de-buurt-2021"
        );
        assert_eq!(
            response["errors"][0]["extensions"]["code"], "NOT_FOUND",
            "{response:#}"
        );
        assert_eq!(response["errors"][0]["path"], json!([field]));
    }

    // The schema says so: every lookup is nullable.
    let sdl = buurtgraph::graphql::sdl();
    let query_type = sdl
        .split("type QueryRoot {")
        .nth(1)
        .and_then(|rest| rest.split("\n}").next())
        .expect("the Query type");
    for field in [
        "node",
        "event",
        "session",
        "sessionByKey",
        "person",
        "personByKey",
        "theme",
    ] {
        let line = query_type
            .lines()
            .find(|line| line.trim_start().starts_with(&format!("{field}(")))
            .unwrap_or_else(|| panic!("no field {field}"));
        assert!(!line.trim_end().ends_with('!'), "{line}");
    }
}

#[tokio::test]
async fn programme_services_fail_with_app_errors_that_show_no_database_text() {
    use buurtgraph::error::{AppError, ErrorCode};
    use buurtgraph::service::{content, programme, search};
    let app = TestApp::bundled().await;
    let event = programme::event_by_slug(&app.db, None)
        .await
        .expect("query runs")
        .expect("event");
    for table in ["event_host", "search_document", "content_version"] {
        sea_orm::ConnectionTrait::execute_unprepared(&app.db, &format!("DROP TABLE {table}"))
            .await
            .expect("table dropped");
    }
    // The services answer `AppError` (not `DbErr`), so nothing can pass on the database's text.
    let errors: Vec<AppError> = vec![
        programme::person_by_key(&app.db, event.id, "hadassah-de-boer")
            .await
            .expect_err("no event_host"),
        programme::people_page(&app.db, event.id, 0, 10)
            .await
            .expect_err("no event_host"),
        search::search(&app.db, "wijk", None, 0, 10)
            .await
            .expect_err("no search_document"),
        content::current(&app.db)
            .await
            .expect_err("no content_version"),
    ];
    for err in errors {
        assert_eq!(err.code(), ErrorCode::Internal, "{err:?}");
        assert_eq!(err.message(), "internal error");
    }
    let response = app
        .gql(
            r#"{ search(query: "wijk") { totalCount } event { people { totalCount } } }"#,
            json!({}),
        )
        .await;
    let errors = response["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 2, "{response:#}");
    for error in errors {
        assert_eq!(error["extensions"]["code"], "INTERNAL", "{response:#}");
        assert_eq!(error["message"], "internal error");
    }
}
