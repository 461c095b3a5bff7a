//! The command line, run as the real binary: one-shot commands need an existing, migrated
//! database; accounts take scopes by session key or global ID; access codes show in groups.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use buurtgraph::graphql::ids::{self, NodeType};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

const PASSWORD: &str = "paars-fiets-op-de-dijk\n";
const GEMENGDE_WIJKEN: &str = "r2-leeragenda-gemengde-wijken";

/// What a run of the binary printed, and whether it succeeded.
struct Run {
    success: bool,
    stdout: String,
    stderr: String,
}

/// Runs `buurtgraph` in `dir`, with `DATABASE_URL` set to `url` (or unset), feeding `stdin`.
fn buurtgraph(dir: &Path, url: Option<&str>, args: &[&str], stdin: &str) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_buurtgraph"));
    command
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(url) = url {
        command.env("DATABASE_URL", url);
    }
    let mut child = command.spawn().expect("the binary starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("stdin written");
    let output = child.wait_with_output().expect("the binary ends");
    Run {
        success: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A database the binary is pointed at: a SQLite file in a temporary folder, or a new
/// PostgreSQL database when `TEST_DATABASE_URL` is set.
struct Database {
    dir: tempfile::TempDir,
    url: String,
}

impl Database {
    /// Not created yet (SQLite), or created but empty (PostgreSQL).
    async fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = match std::env::var("TEST_DATABASE_URL") {
            Ok(admin_url) => crate::helpers::fresh_postgres_database(&admin_url).await,
            Err(_) => format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display()),
        };
        Self { dir, url }
    }

    /// Migrated, with the bundled programme.
    async fn ready() -> Self {
        let database = Self::new().await;
        let programme =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("data/dag-van-de-buurt-2021.json");
        let migrated = database.run(&["migrate"], "");
        assert!(migrated.success, "{}", migrated.stderr);
        let imported = database.run(&["import", &programme.display().to_string()], "");
        assert!(imported.success, "{}", imported.stderr);
        database
    }

    fn run(&self, args: &[&str], stdin: &str) -> Run {
        buurtgraph(self.dir.path(), Some(&self.url), args, stdin)
    }

    fn is_postgres(&self) -> bool {
        self.url.starts_with("postgres")
    }
}

/// Every command that needs the database, except `serve` and `migrate`.
fn one_shot_commands(programme: &str) -> Vec<(Vec<&str>, &'static str)> {
    vec![
        (
            vec![
                "user",
                "add",
                "--email",
                "a@example.org",
                "--role",
                "staff",
                "--password-stdin",
            ],
            PASSWORD,
        ),
        (vec!["user", "list"], ""),
        (vec!["user", "disable", "--email", "a@example.org"], ""),
        (vec!["event", "access-code", "dag-van-de-buurt-2021"], ""),
        (
            vec!["event", "purge-participants", "dag-van-de-buurt-2021"],
            "",
        ),
        (vec!["import", programme], ""),
    ]
}

fn files_in(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("readable")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

#[tokio::test]
async fn one_shot_commands_in_the_wrong_folder_create_no_database() {
    let dir = tempfile::tempdir().expect("temp dir");
    let programme = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data/dag-van-de-buurt-2021.json")
        .display()
        .to_string();
    for (args, stdin) in one_shot_commands(&programme) {
        // The default DATABASE_URL: buurtgraph.db in the working directory.
        let run = buurtgraph(dir.path(), None, &args, stdin);
        assert!(!run.success, "{args:?}: {}", run.stdout);
        assert!(
            run.stderr.contains("no database at buurtgraph.db")
                && run.stderr.contains("buurtgraph migrate"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(!run.stdout.contains("added"), "{args:?}: {}", run.stdout);
        assert_eq!(files_in(dir.path()), Vec::<String>::new(), "{args:?}");
    }
    let elsewhere = buurtgraph(
        dir.path(),
        Some("sqlite://data/elders.db?mode=rwc"),
        &["user", "list"],
        "",
    );
    assert!(!elsewhere.success);
    assert!(
        elsewhere.stderr.contains("no database at data/elders.db"),
        "{}",
        elsewhere.stderr
    );
    assert_eq!(files_in(dir.path()), Vec::<String>::new());
}

#[tokio::test]
async fn one_shot_commands_refuse_a_database_that_is_not_migrated() {
    let database = Database::new().await;
    let name = if database.is_postgres() {
        database
            .url
            .rsplit_once('/')
            .map(|(_, name)| name.to_owned())
            .expect("a database name")
    } else {
        // An existing file that is not a buurtgraph database (SQLite takes an empty file as an empty database).
        std::fs::write(database.dir.path().join("test.db"), b"").expect("empty file");
        "test.db".to_owned()
    };
    for (args, stdin) in one_shot_commands("programma.json") {
        if args[0] == "import" {
            continue; // refused earlier: the file does not exist
        }
        let run = database.run(&args, stdin);
        assert!(!run.success, "{args:?}: {}", run.stdout);
        assert!(
            run.stderr.contains("is not migrated")
                && run.stderr.contains(&name)
                && run.stderr.contains("buurtgraph migrate"),
            "{args:?}: {}",
            run.stderr
        );
    }
    let migrated = database.run(&["migrate"], "");
    assert!(migrated.success, "{}", migrated.stderr);
    let listed = database.run(&["user", "list"], "");
    assert!(listed.success, "{}", listed.stderr);

    if database.is_postgres() {
        let missing = format!(
            "{}/bg_test_does_not_exist",
            database
                .url
                .rsplit_once('/')
                .map(|(base, _)| base)
                .expect("base")
        );
        let run = buurtgraph(database.dir.path(), Some(&missing), &["user", "list"], "");
        assert!(!run.success);
        assert!(
            run.stderr.contains("cannot open the database")
                && run.stderr.contains("bg_test_does_not_exist"),
            "{}",
            run.stderr
        );
    }
}

#[tokio::test]
async fn user_add_takes_session_keys_and_ids_and_user_list_shows_scopes() {
    let database = Database::ready().await;
    let session_id = {
        let db = buurtgraph::db::connect(&database.url).await.expect("opens");
        let session = entity::session::Entity::find()
            .filter(entity::session::Column::Key.eq(GEMENGDE_WIJKEN))
            .one(&db)
            .await
            .expect("query")
            .expect("session");
        db.close().await.ok();
        ids::encode(NodeType::Session, session.id).to_string()
    };
    let add = |email: &str, role: &str, scopes: &[&str]| {
        let mut args = vec!["user", "add", "--email", email, "--role", role];
        for scope in scopes {
            args.extend(["--scope", scope]);
        }
        args.push("--password-stdin");
        database.run(&args, PASSWORD)
    };
    let by_key = format!("session:{GEMENGDE_WIJKEN}");
    let by_id = format!("session:{session_id}");
    for (email, scopes) in [
        (
            "key@example.org",
            vec![by_key.as_str(), "theme:gemengde-wijken"],
        ),
        ("id@example.org", vec![by_id.as_str()]),
        (
            "event@example.org",
            vec!["session:dag-van-de-buurt-2021/slot"],
        ),
    ] {
        let run = add(email, "moderator", &scopes);
        assert!(run.success, "{email}: {}", run.stderr);
        assert!(
            run.stdout.contains(&format!("added {email}")),
            "{}",
            run.stdout
        );
    }
    let staff = add("staff@example.org", "staff", &[]);
    assert!(staff.success, "{}", staff.stderr);

    for (role, scopes, message) in [
        (
            "staff",
            vec!["theme:gemengde-wijken"],
            "only moderators have scopes",
        ),
        (
            "admin",
            vec![by_key.as_str()],
            "only moderators have scopes",
        ),
        ("moderator", vec![], "a moderator needs at least one scope"),
        (
            "moderator",
            vec!["session:bestaat-niet"],
            "no session \"bestaat-niet\"",
        ),
        (
            "moderator",
            vec!["theme:bestaat-niet"],
            "no theme \"bestaat-niet\"",
        ),
    ] {
        let run = add("nee@example.org", role, &scopes);
        assert!(!run.success, "{role} {scopes:?}");
        assert!(
            run.stderr.contains(&format!("--scope: {message}")),
            "{role} {scopes:?}: {}",
            run.stderr
        );
    }
    let malformed = add("nee@example.org", "moderator", &["sessie:13"]);
    assert!(!malformed.success);
    assert!(
        malformed.stderr.contains("use theme:SLUG or session:KEY"),
        "{}",
        malformed.stderr
    );

    let listed = database.run(&["user", "list"], "");
    assert!(listed.success, "{}", listed.stderr);
    assert_eq!(
        listed.stdout.lines().collect::<Vec<_>>(),
        [
            "event@example.org\tModerator\tactive\tsession:slot".to_owned(),
            format!("id@example.org\tModerator\tactive\t{by_key}"),
            format!("key@example.org\tModerator\tactive\t{by_key} theme:gemengde-wijken"),
            "staff@example.org\tStaff\tactive".to_owned(),
        ]
    );
}

#[tokio::test]
async fn the_access_code_command_shows_codes_in_groups_and_stores_them_normalised() {
    let database = Database::ready().await;
    let shown = database.run(&["event", "access-code", "dag-van-de-buurt-2021"], "");
    assert!(shown.success, "{}", shown.stderr);
    let code = shown.stdout.trim();
    let groups: Vec<&str> = code.split('-').collect();
    assert_eq!(groups.len(), 2, "{code}");
    assert!(
        groups.iter().all(|g| g.len() == 4
            && g.bytes()
                .all(|b| b"23456789ABCDEFGHJKMNPQRSTUVWXYZ".contains(&b))),
        "{code}"
    );
    let again = database.run(&["event", "access-code", "dag-van-de-buurt-2021"], "");
    assert_eq!(again.stdout.trim(), code, "the same code the second time");

    let set = database.run(
        &[
            "event",
            "access-code",
            "dag-van-de-buurt-2021",
            "--set",
            "buurt dag 21",
        ],
        "",
    );
    assert!(set.success, "{}", set.stderr);
    assert_eq!(set.stdout.trim(), "BUUR-TDAG-21");
    let db = buurtgraph::db::connect(&database.url).await.expect("opens");
    let event = entity::event::Entity::find()
        .filter(entity::event::Column::Slug.eq("dag-van-de-buurt-2021"))
        .one(&db)
        .await
        .expect("query")
        .expect("event");
    db.close().await.ok();
    assert_eq!(event.access_code.as_deref(), Some("BUURTDAG21"));

    let refused = database.run(
        &[
            "event",
            "access-code",
            "dag-van-de-buurt-2021",
            "--set",
            "geheim!",
        ],
        "",
    );
    assert!(!refused.success);
    assert!(
        refused.stderr.contains("code: use letters A-Z and digits"),
        "{}",
        refused.stderr
    );
}

fn schedule_fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/schedule")
        .join(name)
}

/// The imported event as the API serves it, from the database the binary wrote.
async fn democon_through_the_api(url: &str) -> serde_json::Value {
    let db = buurtgraph::db::connect(url).await.expect("opens");
    let config = buurtgraph::config::ServeConfig {
        no_bundled_programme: true,
        ..Default::default()
    };
    let router = buurtgraph::build_router(config, db.clone())
        .await
        .expect("router");
    let query = r#"{ event(slug: "democon") { title timezone
        sessions(first: 100) { totalCount nodes { title startsAt endsAt room
          speakers { person { name } } themes { title } } }
        people { totalCount } } }"#;
    let response = tower::ServiceExt::oneshot(
        router,
        axum::http::Request::post("/graphql")
            .header("content-type", "application/json")
            .body(axum::body::Body::from(
                serde_json::json!({ "query": query }).to_string(),
            ))
            .expect("request"),
    )
    .await
    .expect("answers");
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await
        .expect("body")
        .to_bytes();
    db.close().await.ok();
    let response: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert!(response.get("errors").is_none(), "{response:#}");
    response["data"]["event"].clone()
}

#[tokio::test]
async fn import_format_schedule_reads_a_pretalx_export_into_the_database() {
    for name in ["pretalx-democon.xml", "pretalx-democon.json"] {
        let database = Database::new().await;
        assert!(database.run(&["migrate"], "").success);
        let file = schedule_fixture(name).display().to_string();
        let run = database.run(&["import", "--format", "schedule", &file], "");
        assert!(run.success, "{name}: {}", run.stderr);
        assert!(
            run.stdout.contains(&format!("imported {file}")),
            "{}",
            run.stdout
        );

        let event = democon_through_the_api(&database.url).await;
        assert_eq!(event["title"], "DemoCon", "{name}");
        assert_eq!(event["timezone"], "UTC");
        assert_eq!(event["sessions"]["totalCount"], 6, "{name}");
        assert_eq!(event["people"]["totalCount"], 7, "{name}");
        let talk = event["sessions"]["nodes"]
            .as_array()
            .expect("sessions")
            .iter()
            .find(|s| s["title"] == "Secured grid-enabled policy")
            .expect("the talk with two speakers")
            .clone();
        // 11:30 at +01:00, for 1:30.
        assert_eq!(talk["startsAt"], "2020-12-14T10:30:00+00:00", "{name}");
        assert_eq!(talk["endsAt"], "2020-12-14T12:00:00+00:00", "{name}");
        assert_eq!(talk["room"], "Tan Room");
        assert_eq!(talk["themes"][0]["title"], "Horizontal");
        let speakers: Vec<&str> = talk["speakers"]
            .as_array()
            .expect("speakers")
            .iter()
            .filter_map(|s| s["person"]["name"].as_str())
            .collect();
        assert_eq!(speakers, ["Amy Sanchez", "Teresa Terrell"], "{name}");
    }
}

#[tokio::test]
async fn import_format_schedule_refuses_a_broken_file_by_name_field_and_reason_and_changes_nothing()
{
    let database = Database::new().await;
    assert!(database.run(&["migrate"], "").success);
    let good = schedule_fixture("pretalx-democon.xml");
    let imported = database.run(
        &[
            "import",
            "--format",
            "schedule",
            &good.display().to_string(),
        ],
        "",
    );
    assert!(imported.success, "{}", imported.stderr);
    let before = democon_through_the_api(&database.url).await;

    // A renamed talk (which would show if anything were written) and a bad duration.
    let broken = std::fs::read_to_string(&good)
        .expect("fixture")
        .replace("Secured grid-enabled policy", "Een andere titel")
        .replacen(
            "<duration>00:30</duration>",
            "<duration>half uur</duration>",
            1,
        );
    let file = database.dir.path().join("democon-kapot.xml");
    std::fs::write(&file, broken).expect("written");
    let run = database.run(
        &[
            "import",
            "--format",
            "schedule",
            &file.display().to_string(),
        ],
        "",
    );
    assert!(!run.success, "{}", run.stdout);
    assert!(
        run.stderr.contains(&format!(
            "{}: schedule/day[1]/room[1]/event[1]/duration: \"half uur\" is not a duration (hh:mm)",
            file.display()
        )),
        "{}",
        run.stderr
    );
    assert_eq!(democon_through_the_api(&database.url).await, before);

    let missing = database.run(&["import", "--format", "schedule", "bestaat-niet.json"], "");
    assert!(!missing.success);
    assert!(
        missing.stderr.contains("bestaat-niet.json")
            && missing.stderr.contains("cannot read the file"),
        "{}",
        missing.stderr
    );
}

/// A small labelled set: one question of "eenzaamheid" tells a situation in words of its own.
const PARAPHRASE_SET: &str = r#"{
  "groups": [
    {"need": "eenzaamheid onder ouderen", "questions": [
      "Hoe gaan we eenzaamheid bij senioren in de wijk tegen?",
      "Wat kunnen buren doen tegen vereenzaming van oudere bewoners?",
      "Mijn buurvrouw van 82 krijgt nooit bezoek."]},
    {"need": "veiligheid in de straat", "questions": [
      "Wat kunnen bewoners doen tegen criminaliteit in hun straat?",
      "Hoe maken buren samen hun straat veiliger?"]}
  ],
  "singletons": ["Hoe vergroenen we het plein voor de school?"]
}"#;

#[test]
fn thesaurus_check_scores_a_set_and_names_the_questions_its_words_miss() {
    let dir = tempfile::tempdir().expect("temp dir");
    let set = dir.path().join("leervragen.json");
    std::fs::write(&set, PARAPHRASE_SET).expect("written");
    let set = set.display().to_string();

    let builtin = buurtgraph(dir.path(), None, &["thesaurus", "check", &set], "");
    assert!(builtin.success, "{}", builtin.stderr);
    assert!(
        builtin
            .stdout
            .contains("set: 2 needs, 5 questions in them, 1 of no need"),
        "{}",
        builtin.stdout
    );
    assert!(
        builtin.stdout.contains("thesaurus: built-in"),
        "{}",
        builtin.stdout
    );
    assert!(
        builtin.stdout.contains("clusters: precision"),
        "{}",
        builtin.stdout
    );
    let unlinked = builtin
        .stdout
        .split_once(
            "not similar to any other question of their need (their words are missing): 1\n",
        )
        .map(|(_, listed)| listed.lines().collect::<Vec<_>>());
    let unlinked = unlinked.unwrap_or_else(|| panic!("one question listed: {}", builtin.stdout));
    assert_eq!(unlinked.len(), 2, "{unlinked:?}");
    assert_eq!(unlinked[0], "  eenzaamheid onder ouderen");
    assert!(
        unlinked[1].starts_with("    0.0")
            && unlinked[1].ends_with("  Mijn buurvrouw van 82 krijgt nooit bezoek."),
        "{unlinked:?}"
    );
    assert!(
        !builtin.stdout.contains("Hoe maken buren samen"),
        "linked questions are not listed: {}",
        builtin.stdout
    );

    // Staff add "bezoek" to the loneliness line of a copy: the question is found.
    let extended = dir.path().join("thesaurus.txt");
    let shipped = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("data/thesaurus-nl.txt"),
    )
    .expect("the shipped thesaurus");
    std::fs::write(&extended, format!("{shipped}\neenzaamheid bezoek\n")).expect("written");
    let extended = extended.display().to_string();
    let edited = buurtgraph(
        dir.path(),
        None,
        &["thesaurus", "check", &set, "--thesaurus", &extended],
        "",
    );
    assert!(edited.success, "{}", edited.stderr);
    assert!(
        edited.stdout.contains(&format!("thesaurus: {extended}")),
        "{}",
        edited.stdout
    );
    assert!(
        edited
            .stdout
            .contains("every question is similar to another question of its need"),
        "{}",
        edited.stdout
    );
    let mut files = files_in(dir.path());
    files.sort();
    assert_eq!(
        files,
        ["leervragen.json", "thesaurus.txt"],
        "no database is created"
    );
}

#[test]
fn thesaurus_check_refuses_a_broken_set_or_thesaurus_by_file_place_and_reason() {
    let dir = tempfile::tempdir().expect("temp dir");
    let set = dir.path().join("leervragen.json");
    std::fs::write(&set, r#"{"groups": [{"need": "eenzaamheid"}]}"#).expect("written");
    let run = buurtgraph(
        dir.path(),
        None,
        &["thesaurus", "check", &set.display().to_string()],
        "",
    );
    assert!(!run.success, "{}", run.stdout);
    assert!(
        run.stderr.contains(&format!(
            "paraphrase set {}: missing field `questions` at line 1",
            set.display()
        )),
        "{}",
        run.stderr
    );

    std::fs::write(&set, PARAPHRASE_SET).expect("written");
    let thesaurus = dir.path().join("thesaurus.txt");
    std::fs::write(&thesaurus, "jongeren jeugd\n[veel] wijk buurt\n").expect("written");
    let run = buurtgraph(
        dir.path(),
        None,
        &[
            "thesaurus",
            "check",
            &set.display().to_string(),
            "--thesaurus",
            &thesaurus.display().to_string(),
        ],
        "",
    );
    assert!(!run.success, "{}", run.stdout);
    assert!(
        run.stderr
            .contains(&format!("thesaurus {} line 2:", thesaurus.display())),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty(), "nothing measured: {}", run.stdout);
}
