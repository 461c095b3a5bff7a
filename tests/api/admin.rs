//! Admin content management: only admins, audited, visible at once.

use serde_json::{Value, json};

use crate::actors::{moderate, setup, submit};

fn code(response: &Value) -> Option<&str> {
    response["errors"][0]["extensions"]["code"].as_str()
}

#[tokio::test]
async fn only_admins_manage_content_and_accounts() {
    let (app, actors) = setup().await;
    let person = app
        .data(
            r#"{ search(query: "Hadassah") { nodes { ... on Person { id } } } }"#,
            json!({}),
        )
        .await["search"]["nodes"][0]["id"]
        .clone();
    let document: Value =
        serde_json::from_str(buurtgraph::programme_bundle::BUNDLED_JSON).expect("json");
    let operations: Vec<(&str, Value)> = vec![
        (
            "mutation($s: ID!) { updateSession(id: $s, input: { title: \"Nieuwe titel\" }) { title } }",
            json!({ "s": actors.session }),
        ),
        (
            "mutation($s: ID!, $p: ID!) { linkSpeaker(sessionId: $s, personId: $p, role: HOST) { id } }",
            json!({ "s": actors.session, "p": person }),
        ),
        (
            "mutation($s: ID!, $t: ID!) { linkTheme(sessionId: $s, themeId: $t) { id } }",
            json!({ "s": actors.session, "t": actors.other_theme }),
        ),
        (
            "mutation($d: JSON!) { importProgramme(programme: $d) { eventSlug } }",
            json!({ "d": document }),
        ),
        (
            "mutation { createAccount(input: { email: \"nieuw@example.org\", role: STAFF, password: \"lang-genoeg-wachtwoord\" }) { id } }",
            json!({}),
        ),
        (
            "mutation { disableAccount(email: \"nobody@example.org\") }",
            json!({}),
        ),
        ("{ accounts { email } }", json!({})),
    ];
    for (who, token) in actors.all() {
        for (operation, variables) in &operations {
            let response = app.gql_maybe_as(token, operation, variables.clone()).await;
            let expected = match who {
                "anonymous" => Some("UNAUTHENTICATED"),
                // The only admin failure: disabling an account that does not exist.
                "admin" if operation.contains("disableAccount") => Some("NOT_FOUND"),
                "admin" => None,
                _ => Some("FORBIDDEN"),
            };
            assert_eq!(
                code(&response),
                expected,
                "{who}: {operation}: {response:#}"
            );
        }
    }
}

#[tokio::test]
async fn programme_edits_are_visible_at_once_and_audited() {
    let (app, actors) = setup().await;
    let renamed = app
        .gql_as(
            &actors.admin,
            "mutation($s: ID!) { updateSession(id: $s, input: { title: \"Gemengde wijken: de leeragenda\", feedbackOpen: false }) { title feedbackOpen } }",
            json!({ "s": actors.session }),
        )
        .await;
    assert_eq!(renamed["data"]["updateSession"]["feedbackOpen"], false);
    let hits = app
        .data(
            r#"{ search(query: "de leeragenda") { nodes { ... on Session { id title } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(hits["search"]["nodes"][0]["id"], json!(actors.session));

    let person = app
        .data(
            r#"{ search(query: "Hadassah") { nodes { ... on Person { id } } } }"#,
            json!({}),
        )
        .await["search"]["nodes"][0]["id"]
        .clone();
    app.gql_as(
        &actors.admin,
        "mutation($s: ID!, $p: ID!) { linkSpeaker(sessionId: $s, personId: $p, role: HOST) { id } }",
        json!({ "s": actors.session, "p": person }),
    )
    .await;
    let sessions = app
        .data(
            "query($p: ID!) { person(id: $p) { sessions { id } } }",
            json!({ "p": person }),
        )
        .await;
    assert!(
        sessions["person"]["sessions"]
            .as_array()
            .expect("sessions")
            .contains(&json!({ "id": actors.session }))
    );
    let twice = app
        .gql_as(
            &actors.admin,
            "mutation($s: ID!, $p: ID!) { linkSpeaker(sessionId: $s, personId: $p, role: HOST) { id } }",
            json!({ "s": actors.session, "p": person }),
        )
        .await;
    assert_eq!(code(&twice), Some("CONFLICT"));

    let log = app
        .gql_as(
            &actors.staff,
            "{ auditLog { totalCount edges { node { action subject } } } }",
            json!({}),
        )
        .await;
    assert_eq!(log["data"]["auditLog"]["totalCount"], 2);
    assert_eq!(
        log["data"]["auditLog"]["edges"][1]["node"]["action"],
        "UPDATE_SESSION"
    );
    let denied = app
        .gql_as(&actors.moderator, "{ auditLog { totalCount } }", json!({}))
        .await;
    assert_eq!(code(&denied), Some("FORBIDDEN"));
}

#[tokio::test]
async fn a_broken_programme_document_names_the_path_and_changes_nothing() {
    let (app, actors) = setup().await;
    let mut document: Value =
        serde_json::from_str(buurtgraph::programme_bundle::BUNDLED_JSON).expect("json");
    document["blocks"][1]["sessions"][0]["title"] = json!("Gewijzigd");
    document["event"]["hosts"][0] = json!("niemand");
    let response = app
        .gql_as(
            &actors.admin,
            "mutation($d: JSON!) { importProgramme(programme: $d) { eventSlug } }",
            json!({ "d": document }),
        )
        .await;
    assert_eq!(code(&response), Some("BAD_USER_INPUT"));
    assert_eq!(
        response["errors"][0]["extensions"]["field"],
        "programme.event.hosts[0]"
    );
    let title = app
        .data(r#"{ event { blocks { sessions { title } } } }"#, json!({}))
        .await;
    assert_ne!(
        title["event"]["blocks"][1]["sessions"][0]["title"],
        "Gewijzigd"
    );

    document["event"]["hosts"][0] = json!("hadassah-de-boer");
    let imported = app
        .gql_as(
            &actors.admin,
            "mutation($d: JSON!) { importProgramme(programme: $d) { sessions { updated unchanged } } }",
            json!({ "d": document }),
        )
        .await;
    assert_eq!(
        imported["data"]["importProgramme"]["sessions"],
        json!({ "updated": 1, "unchanged": 27 })
    );
}

#[tokio::test]
async fn an_event_with_input_cannot_be_deleted_and_accounts_are_managed() {
    let (app, actors) = setup().await;
    let question = submit(
        &app,
        &actors.participant,
        &actors.theme,
        "Blijft deze vraag bewaard?",
    )
    .await;
    moderate(
        &app,
        &actors.admin,
        json!({ "id": question, "action": "APPROVE" }),
    )
    .await;
    let refused = app
        .gql_as(
            &actors.admin,
            r#"mutation { deleteEvent(slug: "dag-van-de-buurt-2021") }"#,
            json!({}),
        )
        .await;
    assert_eq!(code(&refused), Some("CONFLICT"));
    let deleted = app
        .gql_as(
            &actors.admin,
            r#"mutation { deleteEvent(slug: "buurtdag-elders") }"#,
            json!({}),
        )
        .await;
    assert_eq!(deleted["data"]["deleteEvent"], true);
    assert_eq!(
        app.data("{ events { slug } }", json!({})).await["events"],
        json!([{ "slug": "dag-van-de-buurt-2021" }])
    );

    let weak = app
        .gql_as(
            &actors.admin,
            r#"mutation { createAccount(input: { email: "a@example.org", role: STAFF, password: "kort" }) { id } }"#,
            json!({}),
        )
        .await;
    assert_eq!(weak["errors"][0]["extensions"]["field"], "input.password");
    let created = app
        .gql_as(
            &actors.admin,
            r#"mutation { createAccount(input: { email: "a@example.org", role: MODERATOR, password: "lang-genoeg-wachtwoord", themeSlugs: ["gemengde-wijken"] }) { email role } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        created["data"]["createAccount"],
        json!({ "email": "a@example.org", "role": "MODERATOR" })
    );
    let disabled = app
        .gql_as(
            &actors.admin,
            r#"mutation { disableAccount(email: "staff@movisie.example") }"#,
            json!({}),
        )
        .await;
    assert_eq!(disabled["data"]["disableAccount"], true);
    let after = app
        .gql_as(&actors.staff, "{ me { role } }", json!({}))
        .await;
    assert_eq!(code(&after), Some("UNAUTHENTICATED"));
}

#[tokio::test]
async fn people_organisations_and_themes_are_edited_and_deleted_by_admins() {
    let (app, actors) = setup().await;
    let hit = |q: &'static str| {
        app.data("query($q: String!) { search(query: $q) { nodes { ... on Person { id } ... on Organisation { id } ... on Theme { id } } } }", json!({ "q": q }))
    };
    let person = hit("Hadassah").await["search"]["nodes"][0]["id"].clone();
    let organisation = hit("Twynstra").await["search"]["nodes"][0]["id"].clone();

    let edited = app
        .gql_as(&actors.admin, "mutation($id: ID!) { updatePerson(id: $id, input: { bio: \"Presentator en journalist\" }) { name bio } }", json!({ "id": person }))
        .await;
    assert_eq!(
        edited["data"]["updatePerson"],
        json!({ "name": "Hadassah de Boer", "bio": "Presentator en journalist" })
    );
    assert_eq!(
        hit("journalist").await["search"]["nodes"][0]["id"],
        person,
        "search sees the new bio"
    );
    let blank = app
        .gql_as(
            &actors.admin,
            "mutation($id: ID!) { updatePerson(id: $id, input: { name: \" \" }) { name } }",
            json!({ "id": person }),
        )
        .await;
    assert_eq!(blank["errors"][0]["extensions"]["field"], "input.name");

    let renamed = app
        .gql_as(&actors.admin, "mutation($id: ID!) { updateOrganisation(id: $id, input: { url: \"https://twynstragudde.nl\" }) { name url } }", json!({ "id": organisation }))
        .await;
    assert_eq!(
        renamed["data"]["updateOrganisation"]["url"],
        "https://twynstragudde.nl"
    );

    let theme = app
        .gql_as(
            &actors.admin,
            "mutation($id: ID!) { updateTheme(id: $id, input: { guidingQuestions: [\"Wat betekent inclusie in de praktijk?\"] }) { guidingQuestions } }",
            json!({ "id": actors.theme }),
        )
        .await;
    assert_eq!(
        theme["data"]["updateTheme"]["guidingQuestions"],
        json!(["Wat betekent inclusie in de praktijk?"])
    );

    // A theme with input stays; an organisation goes with its links.
    submit(
        &app,
        &actors.participant,
        &actors.theme,
        "Een vraag die het thema vasthoudt",
    )
    .await;
    let refused = app
        .gql_as(
            &actors.admin,
            "mutation($id: ID!) { deleteNode(id: $id) }",
            json!({ "id": actors.theme }),
        )
        .await;
    assert_eq!(code(&refused), Some("CONFLICT"));
    let denied = app
        .gql_as(
            &actors.staff,
            "mutation($id: ID!) { deleteNode(id: $id) }",
            json!({ "id": organisation }),
        )
        .await;
    assert_eq!(code(&denied), Some("FORBIDDEN"));
    let deleted = app
        .gql_as(
            &actors.admin,
            "mutation($id: ID!) { deleteNode(id: $id) }",
            json!({ "id": organisation }),
        )
        .await;
    assert_eq!(deleted["data"]["deleteNode"], true);
    assert!(
        hit("Twynstra").await["search"]["nodes"]
            .as_array()
            .expect("hits")
            .iter()
            .all(|h| h["id"] != organisation)
    );
    let session_id = app
        .data(r#"{ event { blocks { sessions { id } } } }"#, json!({}))
        .await["event"]["blocks"][0]["sessions"][0]["id"]
        .clone();
    let wrong_kind = app
        .gql_as(
            &actors.admin,
            "mutation($id: ID!) { deleteNode(id: $id) }",
            json!({ "id": session_id }),
        )
        .await;
    assert_eq!(code(&wrong_kind), Some("BAD_USER_INPUT"));
}

#[tokio::test]
async fn moderator_scopes_can_be_replaced() {
    let (app, actors) = setup().await;
    let pending = submit(
        &app,
        &actors.participant,
        &actors.other_theme,
        "Vertrouwen: wat werkt er echt?",
    )
    .await;
    let before = moderate(
        &app,
        &actors.moderator,
        json!({ "id": pending, "action": "APPROVE" }),
    )
    .await;
    assert_eq!(code(&before), Some("FORBIDDEN"));
    let set = app
        .gql_as(
            &actors.admin,
            r#"mutation { setModeratorScopes(email: "moderator@example.org", themeSlugs: ["vertrouwen-in-instituties-en-elkaar"]) { email } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        set["data"]["setModeratorScopes"]["email"],
        "moderator@example.org"
    );
    // Scopes are read per request: the same token now reaches the new theme.
    let after = moderate(
        &app,
        &actors.moderator,
        json!({ "id": pending, "action": "APPROVE" }),
    )
    .await;
    assert_eq!(
        after["data"]["moderateLearningQuestion"]["status"],
        "APPROVED"
    );
}
