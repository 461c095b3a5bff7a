//! Importing programme files: idempotent upserts, and broken files rejected whole.

use buurtgraph::programme_file::ProgrammeFile;
use serde_json::json;

use crate::fixtures::bundled;
use crate::helpers::TestApp;

const TABLES: [&str; 12] = [
    "event",
    "programme_block",
    "session",
    "person",
    "organisation",
    "theme",
    "person_organisation",
    "session_person",
    "session_organisation",
    "session_theme",
    "event_theme",
    "event_host",
];

async fn row_counts(app: &TestApp) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in TABLES {
        counts.push(app.count_rows(table).await);
    }
    counts
}

#[tokio::test]
async fn importing_twice_changes_nothing_the_second_time() {
    let app = TestApp::empty().await;
    let first = app.import(&bundled()).await;
    assert_eq!(first.sessions.created, 28);
    assert_eq!(first.people.created, 41);
    let counts = row_counts(&app).await;
    let ids = app
        .data(
            r#"{ event { sessions(first: 100) { edges { node { id } } } } }"#,
            json!({}),
        )
        .await;

    let second = app.import(&bundled()).await;
    assert!(!second.changed(), "{second}");
    assert_eq!(second.sessions.unchanged, 28);
    assert_eq!(row_counts(&app).await, counts);
    let ids_again = app
        .data(
            r#"{ event { sessions(first: 100) { edges { node { id } } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(ids, ids_again, "stable keys keep their IDs");
}

#[tokio::test]
async fn a_changed_file_changes_exactly_what_changed() {
    let app = TestApp::empty().await;
    app.import(&bundled()).await;
    let mut edited = bundled();
    edited.blocks[1].sessions[0].title = "ABCD, nu met nieuwe titel".into();
    edited.blocks[2].sessions.pop(); // Bouwen aan buurtgeluk is cancelled.
    edited.people[0].bio = Some("Presentator van de dag.".into());
    edited.blocks[1].sessions[1]
        .themes
        .push("vertrouwen".into());

    let report = app.import(&edited).await;
    assert_eq!(report.sessions.updated, 1);
    assert_eq!(report.sessions.deleted, 1);
    assert_eq!(report.sessions.unchanged, 26);
    assert_eq!(report.people.updated, 1);
    assert_eq!(report.links_added, 1);

    let data = app
        .data(
            r#"{ event { sessions(first: 100) { totalCount edges { node { key title themes { slug } } } } hosts { bio } } }"#,
            json!({}),
        )
        .await;
    let sessions = &data["event"]["sessions"];
    assert_eq!(sessions["totalCount"], 27);
    let edges = sessions["edges"].as_array().expect("edges");
    assert!(
        edges
            .iter()
            .any(|e| e["node"]["title"] == "ABCD, nu met nieuwe titel")
    );
    assert!(
        !edges
            .iter()
            .any(|e| e["node"]["key"] == "r2-bouwen-aan-buurtgeluk")
    );
    assert_eq!(data["event"]["hosts"][0]["bio"], "Presentator van de dag.");
    // Search sees the change immediately.
    let hits = app
        .data(
            r#"{ search(query: "nieuwe titel") { nodes { ... on Session { key } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        hits["search"]["nodes"][0]["key"],
        "r1-abcd-in-de-wijkaanpak"
    );
}

fn broken(edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut value: serde_json::Value =
        serde_json::from_str(buurtgraph::programme_bundle::BUNDLED_JSON).expect("bundled JSON");
    edit(&mut value);
    value.to_string()
}

#[test]
fn each_kind_of_error_names_the_path_and_reason() {
    let cases: Vec<(String, &str, &str)> = vec![
        ("{ not json".into(), "$", "key must be a string"),
        (
            broken(|v| v["blocks"][0]["kind"] = json!("LUNCH")),
            "blocks[0].kind",
            "unknown variant",
        ),
        (
            broken(|v| v["event"]["extra"] = json!(1)),
            "event.extra",
            "unknown field",
        ),
        (
            broken(|v| v["event"]["startsAt"] = json!("gisteren")),
            "event.startsAt",
            "input contains invalid characters",
        ),
        (
            broken(|v| v["event"]["slug"] = json!("Dag Van")),
            "event.slug",
            "is not a key",
        ),
        (
            broken(|v| v["event"]["timezone"] = json!("Europe/Utrecht")),
            "event.timezone",
            "unknown time zone",
        ),
        (
            broken(|v| v["event"]["hosts"][0] = json!("niemand")),
            "event.hosts[0]",
            "unknown person",
        ),
        (
            broken(|v| v["people"][1]["key"] = json!("hadassah-de-boer")),
            "people[1].key",
            "duplicate key",
        ),
        (
            broken(|v| v["blocks"][1]["sessions"][0]["themes"][0] = json!("x")),
            "blocks[1].sessions[0].themes[0]",
            "unknown theme",
        ),
        (
            broken(|v| v["blocks"][1]["sessions"][1]["key"] = json!("r1-abcd-in-de-wijkaanpak")),
            "blocks[1].sessions[1].key",
            "duplicate session key",
        ),
        (
            broken(|v| v["blocks"][1]["sessions"][0]["title"] = json!("  ")),
            "blocks[1].sessions[0].title",
            "must not be empty",
        ),
        (
            broken(|v| v["blocks"][0]["endsAt"] = json!("2021-01-28T12:00:00+01:00")),
            "blocks[0].endsAt",
            "must be after startsAt",
        ),
        (
            broken(|v| {
                v["blocks"][0]["sessions"][0]["endsAt"] = json!("2021-01-28T18:00:00+01:00")
            }),
            "blocks[0].sessions[0].startsAt",
            "within its block",
        ),
        (
            broken(|v| v["people"][9]["affiliations"][0]["organisation"] = json!("nergens")),
            "people[9].affiliations[0].organisation",
            "unknown organisation",
        ),
    ];
    for (text, path, reason) in cases {
        let err = ProgrammeFile::parse("programma.json", &text).expect_err(path);
        let problem = err
            .problems
            .iter()
            .find(|p| p.path == path)
            .unwrap_or_else(|| panic!("no problem at {path}: {err}"));
        assert!(
            problem.reason.contains(reason),
            "{path}: {:?} should mention {reason:?}",
            problem.reason
        );
        assert!(err.to_string().starts_with("programma.json:"), "{err}");
    }
}

#[test]
fn several_errors_are_reported_together() {
    let text = broken(|v| {
        v["event"]["hosts"][0] = json!("niemand");
        v["blocks"][1]["sessions"][0]["themes"][0] = json!("x");
        v["blocks"][2]["sessions"][0]["people"][0]["person"] = json!("y");
    });
    let err = ProgrammeFile::parse("p.json", &text).expect_err("invalid");
    assert_eq!(err.problems.len(), 3, "{err}");
}

#[tokio::test]
async fn the_import_command_refuses_a_broken_file_and_writes_nothing() {
    let app = TestApp::empty().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("kapot.json");
    std::fs::write(&path, broken(|v| v["event"]["hosts"][0] = json!("niemand"))).expect("write");
    let err = ProgrammeFile::load(&path).expect_err("invalid");
    let message = err.to_string();
    assert!(message.contains("kapot.json"), "{message}");
    assert!(
        message.contains("event.hosts[0]: unknown person \"niemand\""),
        "{message}"
    );
    assert_eq!(app.count_rows("event").await, 0);

    let missing = ProgrammeFile::load(&dir.path().join("bestaat-niet.json")).expect_err("missing");
    assert!(missing.to_string().contains("cannot read the file"));
}

#[tokio::test]
async fn a_failing_import_rolls_back_everything() {
    let app = TestApp::empty().await;
    // A database failure half-way (here: the search index is gone) must leave no trace.
    app.import(&bundled()).await;
    let before = row_counts(&app).await;
    let mut edited = bundled();
    edited.blocks[1].sessions[0].title = "Gewijzigd".into();
    sea_orm::ConnectionTrait::execute_unprepared(&app.db, "DROP TABLE search_document")
        .await
        .expect("drop");
    let result = buurtgraph::service::import::import_programme(&app.db, &edited).await;
    assert!(result.is_err(), "reindexing fails without its table");
    assert_eq!(row_counts(&app).await, before);
    let title = app
        .data(r#"{ event { blocks { sessions { title } } } }"#, json!({}))
        .await;
    assert_eq!(
        title["event"]["blocks"][1]["sessions"][0]["title"],
        "ABCD in de wijkaanpak: van binnenuit met bewoners als programmamakers"
    );
}
