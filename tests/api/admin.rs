//! Admin content management: only admins, audited, visible at once.

use serde_json::{Value, json};

use crate::actors::{OTHER_EVENT, moderate, setup, submit};

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

const AUDIT: &str =
    "{ auditLog(first: 50) { totalCount edges { node { action subject detail actorId } } } }";

async fn audit_log(app: &crate::helpers::TestApp, staff: &str) -> Value {
    let log = app.gql_as(staff, AUDIT, json!({})).await;
    assert!(log.get("errors").is_none(), "{log:#}");
    log["data"]["auditLog"].clone()
}

fn newest(log: &Value) -> &Value {
    &log["edges"][0]["node"]
}

#[tokio::test]
async fn account_changes_are_audited_with_their_details_and_refusals_are_not() {
    let (app, actors) = setup().await;
    let created = app
        .gql_as(
            &actors.admin,
            r#"mutation { createAccount(input: { email: "Nieuw@Example.org", role: MODERATOR, password: "lang-genoeg-wachtwoord", themeSlugs: ["gemengde-wijken"] }) { id email scopes } }"#,
            json!({}),
        )
        .await;
    let account = &created["data"]["createAccount"];
    assert_eq!(
        account["scopes"],
        json!(["theme:gemengde-wijken"]),
        "{created:#}"
    );
    let log = audit_log(&app, &actors.staff).await;
    assert_eq!(log["totalCount"], 1);
    assert_eq!(newest(&log)["action"], "CREATE_ACCOUNT", "{log:#}");
    assert_eq!(
        newest(&log)["subject"],
        format!("account:{}", account["id"])
    );
    assert_eq!(
        newest(&log)["detail"],
        json!({ "email": "nieuw@example.org", "role": "MODERATOR", "scopes": ["theme:gemengde-wijken"] })
    );

    let set = app
        .gql_as(
            &actors.admin,
            r#"mutation { setModeratorScopes(email: "nieuw@example.org", themeSlugs: ["vertrouwen-in-instituties-en-elkaar"]) { scopes } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        set["data"]["setModeratorScopes"]["scopes"],
        json!(["theme:vertrouwen-in-instituties-en-elkaar"])
    );
    let log = audit_log(&app, &actors.staff).await;
    assert_eq!(newest(&log)["action"], "SET_SCOPES");
    assert_eq!(
        newest(&log)["detail"],
        json!({ "email": "nieuw@example.org", "scopes": ["theme:vertrouwen-in-instituties-en-elkaar"] })
    );

    app.gql_as(
        &actors.admin,
        r#"mutation { disableAccount(email: "nieuw@example.org") }"#,
        json!({}),
    )
    .await;
    let log = audit_log(&app, &actors.staff).await;
    assert_eq!(log["totalCount"], 3);
    assert_eq!(newest(&log)["action"], "DISABLE_ACCOUNT");
    assert_eq!(
        newest(&log)["subject"],
        format!("account:{}", account["id"])
    );
    assert_eq!(
        newest(&log)["detail"],
        json!({ "email": "nieuw@example.org" })
    );

    // Refused changes leave no audit row.
    for refused in [
        r#"mutation { createAccount(input: { email: "a@example.org", role: STAFF, password: "kort" }) { id } }"#,
        r#"mutation { createAccount(input: { email: "b@example.org", role: STAFF, password: "lang-genoeg-wachtwoord", themeSlugs: ["gemengde-wijken"] }) { id } }"#,
        r#"mutation { createAccount(input: { email: "nieuw@example.org", role: STAFF, password: "lang-genoeg-wachtwoord" }) { id } }"#,
        r#"mutation { setModeratorScopes(email: "staff@movisie.example", themeSlugs: ["gemengde-wijken"]) { id } }"#,
        r#"mutation { disableAccount(email: "niemand@example.org") }"#,
    ] {
        let response = app.gql_as(&actors.admin, refused, json!({})).await;
        assert!(response.get("errors").is_some(), "{refused}: {response:#}");
    }
    assert_eq!(audit_log(&app, &actors.staff).await["totalCount"], 3);
}

#[tokio::test]
async fn an_import_and_its_audit_row_commit_together() {
    let (app, actors) = setup().await;
    let mut document: Value =
        serde_json::from_str(buurtgraph::programme_bundle::BUNDLED_JSON).expect("json");
    document["blocks"][1]["sessions"][0]["title"] = json!("Gewijzigd");
    let import = "mutation($d: JSON!) { importProgramme(programme: $d) { sessions { updated } } }";
    let imported = app
        .gql_as(&actors.admin, import, json!({ "d": document }))
        .await;
    assert_eq!(
        imported["data"]["importProgramme"]["sessions"]["updated"],
        1
    );
    let log = audit_log(&app, &actors.staff).await;
    assert_eq!(log["totalCount"], 1);
    assert_eq!(newest(&log)["action"], "IMPORT_PROGRAMME");
    assert_eq!(newest(&log)["subject"], "event:dag-van-de-buurt-2021");
    assert_eq!(newest(&log)["detail"]["sessions"]["updated"], 1);

    // Removing a session that holds a question is refused: no change, no audit row.
    let submitted = app
        .gql_as(
            &actors.participant,
            crate::actors::SUBMIT,
            json!({ "i": { "themeId": actors.theme, "sessionId": actors.session, "text": "Blijft deze sessie bestaan?" } }),
        )
        .await;
    assert!(submitted.get("errors").is_none(), "{submitted:#}");
    let key = app
        .data(
            "query($s: ID!) { session(id: $s) { key } }",
            json!({ "s": actors.session }),
        )
        .await["session"]["key"]
        .clone();
    let mut without = document.clone();
    for block in without["blocks"].as_array_mut().expect("blocks") {
        block["sessions"]
            .as_array_mut()
            .expect("sessions")
            .retain(|s| s["key"] != key);
    }
    without["blocks"][1]["sessions"][0]["title"] = json!("Nog eens gewijzigd");
    let refused = app
        .gql_as(&actors.admin, import, json!({ "d": without }))
        .await;
    assert_eq!(code(&refused), Some("CONFLICT"), "{refused:#}");
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains(key.as_str().expect("key")))
    );
    assert_eq!(audit_log(&app, &actors.staff).await["totalCount"], 1);
    let title = app
        .data(r#"{ event { blocks { sessions { title } } } }"#, json!({}))
        .await;
    assert_eq!(
        title["event"]["blocks"][1]["sessions"][0]["title"],
        "Gewijzigd"
    );
}

#[tokio::test]
async fn when_the_audit_row_cannot_be_written_the_change_is_undone() {
    let (app, actors) = setup().await;
    let mut document: Value =
        serde_json::from_str(buurtgraph::programme_bundle::BUNDLED_JSON).expect("json");
    document["blocks"][1]["sessions"][0]["title"] = json!("Gewijzigd");
    // Any failure of the audit insert will do; here its table is gone.
    sea_orm::ConnectionTrait::execute_unprepared(&app.db, "DROP TABLE audit_log")
        .await
        .expect("drop");
    let accounts_before = app.count_rows("account").await;
    for (operation, variables) in [
        (
            r#"mutation { createAccount(input: { email: "nieuw@example.org", role: STAFF, password: "lang-genoeg-wachtwoord" }) { id } }"#,
            json!({}),
        ),
        (
            r#"mutation { setModeratorScopes(email: "moderator@example.org", themeSlugs: ["vertrouwen-in-instituties-en-elkaar"]) { id } }"#,
            json!({}),
        ),
        (
            r#"mutation { disableAccount(email: "staff@movisie.example") }"#,
            json!({}),
        ),
        (
            "mutation($d: JSON!) { importProgramme(programme: $d) { eventSlug } }",
            json!({ "d": document }),
        ),
        (
            r#"mutation { deleteEvent(slug: "buurtdag-elders") }"#,
            json!({}),
        ),
        (
            "mutation($s: ID!) { updateSession(id: $s, input: { title: \"Nieuw\" }) { id } }",
            json!({ "s": actors.session }),
        ),
    ] {
        let response = app.gql_as(&actors.admin, operation, variables).await;
        assert_eq!(
            code(&response),
            Some("INTERNAL"),
            "{operation}: {response:#}"
        );
    }
    assert_eq!(app.count_rows("account").await, accounts_before);
    let moderator = app
        .gql_as(&actors.moderator, "{ me { scopes } }", json!({}))
        .await;
    assert_eq!(
        moderator["data"]["me"]["scopes"],
        json!(["theme:gemengde-wijken"])
    );
    let staff = app
        .gql_as(&actors.staff, "{ me { role } }", json!({}))
        .await;
    assert_eq!(staff["data"]["me"]["role"], "STAFF", "still enabled");
    let programme = app
        .data(
            r#"{ events { slug } event { blocks { sessions { title } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(programme["events"].as_array().map(Vec::len), Some(2));
    assert_ne!(
        programme["event"]["blocks"][1]["sessions"][0]["title"],
        "Gewijzigd"
    );
}

#[tokio::test]
async fn deleting_an_event_audits_what_went_with_it() {
    let (app, actors) = setup().await;
    let sessions = app
        .data(
            "query($e: String) { event(slug: $e) { sessions(first: 100) { totalCount } } }",
            json!({ "e": OTHER_EVENT }),
        )
        .await["event"]["sessions"]["totalCount"]
        .clone();
    let (sessions_before, participants_before) = (
        app.count_rows("session").await,
        app.count_rows("participant").await,
    );
    let deleted = app
        .gql_as(
            &actors.admin,
            "mutation($e: String!) { deleteEvent(slug: $e) }",
            json!({ "e": OTHER_EVENT }),
        )
        .await;
    assert_eq!(deleted["data"]["deleteEvent"], true, "{deleted:#}");
    let log = audit_log(&app, &actors.staff).await;
    assert_eq!(newest(&log)["action"], "DELETE_EVENT");
    let detail = &newest(&log)["detail"];
    assert_eq!(detail["sessions"], sessions);
    assert_eq!(
        detail["sessions"].as_i64(),
        Some(sessions_before - app.count_rows("session").await)
    );
    assert_eq!(
        detail["participants"].as_i64(),
        Some(participants_before - app.count_rows("participant").await)
    );
    assert_eq!(detail["participants"], 1, "the participant of that event");
    assert_eq!(detail["learningQuestions"], 0);
}

#[tokio::test]
async fn a_question_submitted_while_its_event_is_deleted_stops_the_delete() {
    use entity::{event, learning_question, participant, theme};
    use sea_orm::TransactionTrait;
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

    let (app, actors) = setup().await;
    let event = event::Entity::find()
        .filter(event::Column::Slug.eq(OTHER_EVENT))
        .one(&app.db)
        .await
        .expect("query")
        .expect("event");
    let theme = theme::Entity::find()
        .filter(theme::Column::Slug.eq("gemengde-wijken"))
        .one(&app.db)
        .await
        .expect("query")
        .expect("theme");
    // A submission in flight: written, not yet committed, when the delete starts.
    let submission = app.db.begin().await.expect("begin");
    let now = chrono::Utc::now();
    let participant = participant::ActiveModel {
        event_id: Set(event.id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&submission)
    .await
    .expect("participant");
    learning_question::ActiveModel {
        event_id: Set(event.id),
        theme_id: Set(theme.id),
        session_id: Set(None),
        participant_id: Set(participant.id),
        text: Set("Een vraag op het laatste moment".into()),
        context: Set(None),
        submitter_role: Set(None),
        preferred_formats: Set(json!([])),
        region: Set(None),
        status: Set(entity::enums::ModerationStatus::Pending),
        duplicate_of_id: Set(None),
        vote_count: Set(0),
        idempotency_key: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&submission)
    .await
    .expect("question");

    let (response, ()) = tokio::join!(
        app.gql_as(
            &actors.admin,
            "mutation($e: String!) { deleteEvent(slug: $e) }",
            json!({ "e": OTHER_EVENT }),
        ),
        async {
            // Long enough for the delete to be waiting on the submission's locks.
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            submission.commit().await.expect("commit");
        }
    );
    assert_eq!(code(&response), Some("CONFLICT"), "{response:#}");
    assert_eq!(
        app.count_rows("learning_question").await,
        1,
        "the question stays"
    );
    assert_eq!(audit_log(&app, &actors.staff).await["totalCount"], 0);
}

const CREATE_MODERATOR: &str = "mutation($email: String!, $themes: [String!], $sessions: [ID!]) { createAccount(input: { email: $email, role: MODERATOR, password: \"lang-genoeg-wachtwoord\", themeSlugs: $themes, sessionIds: $sessions }) { email scopes } }";

#[tokio::test]
async fn session_scopes_take_a_key_or_a_global_id_and_show_as_labels() {
    let (app, actors) = setup().await;
    // A second event with the same session keys: a bare key no longer names one session.
    let mut again = crate::fixtures::bundled();
    again.event.slug = "dag-van-de-buurt-2022".into();
    app.import(&again).await;
    let key = app
        .data(
            "query($s: ID!) { session(id: $s) { key } }",
            json!({ "s": actors.session }),
        )
        .await["session"]["key"]
        .as_str()
        .expect("key")
        .to_owned();
    let create = |email: &'static str, sessions: Value| {
        app.gql_as(
            &actors.admin,
            CREATE_MODERATOR,
            json!({ "email": email, "sessions": sessions }),
        )
    };

    let ambiguous = create("m1@example.org", json!([key])).await;
    assert_eq!(code(&ambiguous), Some("BAD_USER_INPUT"));
    assert_eq!(
        ambiguous["errors"][0]["extensions"]["field"],
        "input.sessionIds[0]"
    );
    let message = ambiguous["errors"][0]["message"].as_str().expect("message");
    assert!(
        message.contains("dag-van-de-buurt-2021") && message.contains("dag-van-de-buurt-2022"),
        "{message}"
    );

    let label = format!("session:dag-van-de-buurt-2021/{key}");
    let by_event_and_key = create(
        "m1@example.org",
        json!([format!("dag-van-de-buurt-2021/{key}")]),
    )
    .await;
    assert_eq!(
        by_event_and_key["data"]["createAccount"]["scopes"],
        json!([label]),
        "{by_event_and_key:#}"
    );
    let by_id = create("m2@example.org", json!([actors.session])).await;
    assert_eq!(by_id["data"]["createAccount"]["scopes"], json!([label]));
    // A key only one event uses needs no event.
    let unique = format!("{key}-x0");
    let by_key = create("m3@example.org", json!([unique])).await;
    assert_eq!(
        by_key["data"]["createAccount"]["scopes"],
        json!([format!("session:{unique}")]),
        "{by_key:#}"
    );
    let missing = create("m4@example.org", json!(["bestaat-niet"])).await;
    assert_eq!(
        missing["errors"][0]["extensions"]["field"],
        "input.sessionIds[0]"
    );

    let accounts = app
        .gql_as(&actors.admin, "{ accounts { email scopes } }", json!({}))
        .await;
    let listed = accounts["data"]["accounts"].as_array().expect("accounts");
    let scopes_of = |email: &str| {
        listed
            .iter()
            .find(|a| a["email"] == email)
            .map(|a| a["scopes"].clone())
    };
    assert_eq!(scopes_of("m1@example.org"), Some(json!([label])));
    assert_eq!(
        scopes_of("moderator@example.org"),
        Some(json!(["theme:gemengde-wijken"]))
    );
    assert_eq!(scopes_of("staff@movisie.example"), Some(json!([])));

    // The moderator scoped by key screens that session's questions.
    let token = {
        let data = app
            .data(
                "mutation { login(input: { email: \"m1@example.org\", password: \"lang-genoeg-wachtwoord\" }) { token viewer { role scopes } } }",
                json!({}),
            )
            .await;
        assert_eq!(
            data["login"]["viewer"],
            json!({ "role": "MODERATOR", "scopes": [label] })
        );
        data["login"]["token"].as_str().expect("token").to_owned()
    };
    let me = app
        .gql_as(&token, "{ me { role scopes } }", json!({}))
        .await;
    assert_eq!(
        me["data"]["me"],
        json!({ "role": "MODERATOR", "scopes": [label] })
    );
    let question = app
        .gql_as(
            &actors.participant,
            crate::actors::SUBMIT,
            json!({ "i": { "themeId": actors.theme, "sessionId": actors.session, "text": "Een vraag in deze sessie" } }),
        )
        .await["data"]["submitLearningQuestion"]["id"]
        .clone();
    let approved = moderate(&app, &token, json!({ "id": question, "action": "APPROVE" })).await;
    assert_eq!(
        approved["data"]["moderateLearningQuestion"]["status"], "APPROVED",
        "{approved:#}"
    );
    for (who, token) in [
        ("staff", &actors.staff),
        ("participant", &actors.participant),
    ] {
        let me = app.gql_as(token, "{ me { scopes } }", json!({})).await;
        assert_eq!(me["data"]["me"]["scopes"], json!([]), "{who}");
    }
    assert_eq!(
        app.data("{ me { role scopes } }", json!({})).await["me"],
        json!({ "role": "ANONYMOUS", "scopes": [] })
    );
}

#[tokio::test]
async fn scopes_that_do_not_fit_the_role_are_refused() {
    let (app, actors) = setup().await;
    let accounts_before = app.count_rows("account").await;
    let cases = [
        (
            r#"mutation { createAccount(input: { email: "s@example.org", role: STAFF, password: "lang-genoeg-wachtwoord", themeSlugs: ["gemengde-wijken"] }) { id } }"#,
            json!({}),
            "input.themeSlugs",
            "only moderators",
        ),
        (
            r#"mutation($s: ID!) { createAccount(input: { email: "a@example.org", role: ADMIN, password: "lang-genoeg-wachtwoord", sessionIds: [$s] }) { id } }"#,
            json!({ "s": actors.session }),
            "input.sessionIds",
            "only moderators",
        ),
        (
            r#"mutation { createAccount(input: { email: "m@example.org", role: MODERATOR, password: "lang-genoeg-wachtwoord" }) { id } }"#,
            json!({}),
            "input.themeSlugs",
            "at least one",
        ),
        (
            r#"mutation($t: ID!) { createAccount(input: { email: "m@example.org", role: MODERATOR, password: "lang-genoeg-wachtwoord", sessionIds: [$t] }) { id } }"#,
            json!({ "t": actors.theme }),
            "input.sessionIds[0]",
            "got the ID of a Theme",
        ),
        (
            r#"mutation { createAccount(input: { email: "m@example.org", role: MODERATOR, password: "lang-genoeg-wachtwoord", themeSlugs: ["gemengde-wijken", "bestaat-niet"] }) { id } }"#,
            json!({}),
            "input.themeSlugs[1]",
            "bestaat-niet",
        ),
        (
            r#"mutation { setModeratorScopes(email: "staff@movisie.example", themeSlugs: ["gemengde-wijken"]) { id } }"#,
            json!({}),
            "themeSlugs",
            "only moderators",
        ),
        (
            r#"mutation { setModeratorScopes(email: "moderator@example.org", themeSlugs: []) { id } }"#,
            json!({}),
            "themeSlugs",
            "at least one",
        ),
    ];
    for (operation, variables, field, message) in cases {
        let response = app.gql_as(&actors.admin, operation, variables).await;
        assert_eq!(
            code(&response),
            Some("BAD_USER_INPUT"),
            "{operation}: {response:#}"
        );
        assert_eq!(
            response["errors"][0]["extensions"]["field"], field,
            "{operation}"
        );
        assert!(
            response["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| m.contains(message)),
            "{operation}: {response:#}"
        );
    }
    assert_eq!(app.count_rows("account").await, accounts_before);
    let moderator = app
        .gql_as(&actors.moderator, "{ me { scopes } }", json!({}))
        .await;
    assert_eq!(
        moderator["data"]["me"]["scopes"],
        json!(["theme:gemengde-wijken"]),
        "unchanged"
    );
}
