//! The people of the learning flow, signed in: participants of two events, moderators in
//! and out of scope, staff and an admin.

use buurtgraph::config::ServeConfig;
use buurtgraph::service::accounts::{self, ScopeSpec};
use entity::enums::AccountRole;
use serde_json::{Value, json};

use crate::fixtures::scaled;
use crate::helpers::TestApp;

pub const PASSWORD: &str = "paars-fiets-op-de-dijk";
pub const EVENT: &str = "dag-van-de-buurt-2021";
pub const OTHER_EVENT: &str = "buurtdag-elders";

pub struct Actors {
    pub participant: String,
    pub other_participant: String,
    pub participant_elsewhere: String,
    pub moderator: String,
    pub moderator_elsewhere: String,
    pub staff: String,
    pub admin: String,
    /// Theme "gemengde-wijken" (the moderator's scope) and "vertrouwen-in-instituties-en-elkaar".
    pub theme: String,
    pub other_theme: String,
    /// The session of the theme, open for feedback.
    pub session: String,
}

impl Actors {
    /// Every role, with its token (anonymous is no token).
    pub fn all(&self) -> Vec<(&'static str, Option<&str>)> {
        vec![
            ("anonymous", None),
            ("participant", Some(&self.participant)),
            (
                "participant of another event",
                Some(&self.participant_elsewhere),
            ),
            ("moderator in scope", Some(&self.moderator)),
            ("moderator out of scope", Some(&self.moderator_elsewhere)),
            ("staff", Some(&self.staff)),
            ("admin", Some(&self.admin)),
        ]
    }
}

pub async fn login(app: &TestApp, email: &str) -> String {
    let data = app
        .data(
            "mutation($i: LoginInput!) { login(input: $i) { token viewer { role } } }",
            json!({ "i": { "email": email, "password": PASSWORD } }),
        )
        .await;
    data["login"]["token"].as_str().expect("token").to_owned()
}

pub async fn join(app: &TestApp, event: &str) -> String {
    let code = accounts::access_code(&app.db, event, None)
        .await
        .expect("code");
    let data = app
        .data(
            "mutation($i: JoinEventInput!) { joinEvent(input: $i) { token expiresAt viewer { role } } }",
            json!({ "i": { "eventSlug": event, "accessCode": code } }),
        )
        .await;
    assert_eq!(data["joinEvent"]["viewer"]["role"], "PARTICIPANT");
    data["joinEvent"]["token"]
        .as_str()
        .expect("token")
        .to_owned()
}

pub async fn add_account(app: &TestApp, email: &str, role: AccountRole, scopes: &[ScopeSpec]) {
    accounts::create_account(&app.db, email, role, PASSWORD, scopes)
        .await
        .expect("account created");
}

async fn theme_and_session(app: &TestApp, slug: &str) -> (String, String) {
    let data = app
        .data(
            r#"{ event { themes { id slug sessions { id feedbackOpen event { slug } } } } }"#,
            json!({}),
        )
        .await;
    let theme = data["event"]["themes"]
        .as_array()
        .expect("themes")
        .iter()
        .find(|t| t["slug"] == slug)
        .expect("theme")
        .clone();
    let session = theme["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .find(|s| s["event"]["slug"] == EVENT && s["feedbackOpen"] == true)
        .expect("open session")["id"]
        .clone();
    (
        theme["id"].as_str().expect("id").to_owned(),
        session.as_str().expect("id").to_owned(),
    )
}

/// The bundled event and a second one, with everyone signed in.
pub async fn setup() -> (TestApp, Actors) {
    setup_with(ServeConfig::default()).await
}

/// As `setup`, on a server with these settings.
pub async fn setup_with(config: ServeConfig) -> (TestApp, Actors) {
    let app = TestApp::with_config(config).await;
    buurtgraph::programme_bundle::import_if_empty(&app.db)
        .await
        .expect("bundled programme imports");
    app.import(&scaled(1, OTHER_EVENT)).await;
    add_account(
        &app,
        "moderator@example.org",
        AccountRole::Moderator,
        &[ScopeSpec::Theme("gemengde-wijken".into())],
    )
    .await;
    add_account(
        &app,
        "moderator2@example.org",
        AccountRole::Moderator,
        &[ScopeSpec::Theme(
            "vertrouwen-in-instituties-en-elkaar".into(),
        )],
    )
    .await;
    add_account(&app, "staff@movisie.example", AccountRole::Staff, &[]).await;
    add_account(&app, "admin@example.org", AccountRole::Admin, &[]).await;
    let (theme, session) = theme_and_session(&app, "gemengde-wijken").await;
    let (other_theme, _) = theme_and_session(&app, "vertrouwen-in-instituties-en-elkaar").await;
    let actors = Actors {
        participant: join(&app, EVENT).await,
        other_participant: join(&app, EVENT).await,
        participant_elsewhere: join(&app, OTHER_EVENT).await,
        moderator: login(&app, "moderator@example.org").await,
        moderator_elsewhere: login(&app, "moderator2@example.org").await,
        staff: login(&app, "staff@movisie.example").await,
        admin: login(&app, "admin@example.org").await,
        theme,
        other_theme,
        session,
    };
    (app, actors)
}

pub const SUBMIT: &str = "mutation($i: SubmitLearningQuestionInput!) { submitLearningQuestion(input: $i) { id text status isMine voteCount theme { slug } } }";
pub const MODERATE: &str = "mutation($i: ModerateLearningQuestionInput!) { moderateLearningQuestion(input: $i) { id status voteCount duplicateOf { id } theme { slug } } }";
pub const VOTE: &str =
    "mutation($id: ID!) { voteLearningQuestion(id: $id) { id voteCount viewerHasVoted } }";

/// Submits a question as `token` and returns its ID.
pub async fn submit(app: &TestApp, token: &str, theme: &str, text: &str) -> String {
    let response = app
        .gql_as(
            token,
            SUBMIT,
            json!({ "i": { "themeId": theme, "text": text } }),
        )
        .await;
    assert!(response.get("errors").is_none(), "{response:#}");
    response["data"]["submitLearningQuestion"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

pub async fn moderate(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql_as(token, MODERATE, json!({ "i": input })).await
}
