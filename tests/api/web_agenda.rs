//! The learning agenda of a signed-in participant: what every participant of the event sees
//! alike is read once and shared, yet a vote, an approval or a highlight shows on the very
//! next view; and the statements a view runs stay few.

use axum::http::StatusCode;
use serde_json::json;

use crate::actors::{self, Actors, EVENT};
use crate::helpers::TestApp;
use crate::web::{Browser, location};

const AGENDA: &str = "/events/dag-van-de-buurt-2021/leeragenda";

/// Most statements a signed-in participant's view of the agenda runs once what every
/// participant sees alike is held: their own questions (with rejection reasons) and their
/// votes.
const STATEMENTS_PER_VIEW: usize = 2;

/// A browser signed in with a participant's token (as the join form's cookie holds it).
fn signed_in<'a>(app: &'a TestApp, token: &str) -> Browser<'a> {
    let mut browser = Browser::new(app);
    browser
        .cookies
        .insert("deelnemer".to_owned(), token.to_owned());
    browser
}

/// An approved question of `author` in the moderator's theme; its ID.
async fn approved_question(app: &TestApp, actors: &Actors, author: &str, text: &str) -> String {
    let id = actors::submit(app, author, &actors.theme, text).await;
    let approved = actors::moderate(
        app,
        &actors.moderator,
        json!({ "id": id, "action": "APPROVE" }),
    )
    .await;
    assert!(approved.get("errors").is_none(), "{approved:#}");
    id
}

async fn view(browser: &mut Browser<'_>) -> String {
    let page = browser.get(AGENDA).await;
    assert_eq!(page.status, StatusCode::OK);
    page.text()
}

/// The `<li>` of question `id` on the page.
fn question_item<'p>(page: &'p str, id: &str) -> &'p str {
    let start = page
        .find(&format!("id=\"vraag-{id}\""))
        .unwrap_or_else(|| panic!("question {id} on the page"));
    let rest = &page[start..];
    &rest[..rest.find("</li>").unwrap_or(rest.len())]
}

#[tokio::test]
async fn a_participants_view_of_the_agenda_runs_few_statements() {
    let (app, actors) = actors::setup().await;
    let id = approved_question(
        &app,
        &actors,
        &actors.other_participant,
        "Hoe vaak leest de pagina de database?",
    )
    .await;
    let mut first = signed_in(&app, &actors.participant);
    let mut second = signed_in(&app, &actors.other_participant);
    // The first views warm what is shared (and the CSRF cookie).
    view(&mut first).await;
    view(&mut second).await;

    for browser in [&mut first, &mut second] {
        app.reset_statements();
        let page = view(browser).await;
        assert!(question_item(&page, &id).contains("Hoe vaak leest de pagina"));
        let log = app.statement_log();
        assert!(
            log.len() <= STATEMENTS_PER_VIEW,
            "{} statements: {log:#?}",
            log.len()
        );
    }
}

#[tokio::test]
async fn a_vote_shows_its_count_and_state_on_the_voters_next_view() {
    let (app, actors) = actors::setup().await;
    let id = approved_question(
        &app,
        &actors,
        &actors.other_participant,
        "Wie telt de stemmen op de pagina?",
    )
    .await;
    let mut voter = signed_in(&app, &actors.participant);
    let mut neighbour = signed_in(&app, &actors.other_participant);
    let before = view(&mut voter).await;
    assert!(question_item(&before, &id).contains("value=\"vote\""));
    assert!(question_item(&before, &id).contains("0 keer herkend"));
    view(&mut neighbour).await;

    let voted = voter
        .post(
            &format!("{AGENDA}/stem"),
            &[("id", &id), ("action", "vote")],
        )
        .await;
    assert!(location(&voted).contains("melding=gestemd"));
    let after = view(&mut voter).await;
    let item = question_item(&after, &id);
    assert!(item.contains("1 keer herkend"), "{item}");
    assert!(item.contains("value=\"unvote\""), "{item}");
    let theirs = view(&mut neighbour).await;
    assert!(question_item(&theirs, &id).contains("1 keer herkend"));

    // A second vote right after (within the live channel's coalescing interval) too.
    let mut third = Browser::new(&app);
    third.join().await;
    view(&mut third).await;
    let voted = third
        .post(
            &format!("{AGENDA}/stem"),
            &[("id", &id), ("action", "vote")],
        )
        .await;
    assert!(location(&voted).contains("melding=gestemd"));
    let after = view(&mut third).await;
    assert!(question_item(&after, &id).contains("2 keer herkend"));
    assert!(question_item(&after, &id).contains("value=\"unvote\""));

    let withdrawn = voter
        .post(
            &format!("{AGENDA}/stem"),
            &[("id", &id), ("action", "unvote")],
        )
        .await;
    assert!(location(&withdrawn).contains("melding=ingetrokken"));
    let after = view(&mut voter).await;
    assert!(question_item(&after, &id).contains("1 keer herkend"));
    assert!(question_item(&after, &id).contains("value=\"vote\""));
}

#[tokio::test]
async fn an_approval_and_a_highlight_show_on_participants_next_view() {
    let (app, actors) = actors::setup().await;
    let mut reader = signed_in(&app, &actors.participant);
    let page = view(&mut reader).await;
    assert!(!page.contains("Komt de markering meteen door?"));

    let id = actors::submit(
        &app,
        &actors.other_participant,
        &actors.theme,
        "Komt de markering meteen door?",
    )
    .await;
    assert!(!view(&mut reader).await.contains("Komt de markering"));
    let approved = actors::moderate(
        &app,
        &actors.moderator,
        json!({ "id": id, "action": "APPROVE" }),
    )
    .await;
    assert!(approved.get("errors").is_none(), "{approved:#}");
    let page = view(&mut reader).await;
    assert!(question_item(&page, &id).contains("Komt de markering meteen door?"));
    assert!(!page.contains(&format!("data-now-id=\"{id}\"")));

    let marked = app
        .gql_as(
            &actors.moderator,
            "mutation($q: ID!) { markLearningQuestion(input: { id: $q, highlighted: true }) { highlighted } }",
            json!({ "q": id }),
        )
        .await;
    assert!(marked.get("errors").is_none(), "{marked:#}");
    let page = view(&mut reader).await;
    assert!(
        page.contains(&format!("data-now-id=\"{id}\">Komt de markering")),
        "the question now discussed"
    );

    let hidden = actors::moderate(
        &app,
        &actors.moderator,
        json!({ "id": id, "action": "HIDE" }),
    )
    .await;
    assert!(hidden.get("errors").is_none(), "{hidden:#}");
    let page = view(&mut reader).await;
    assert!(!page.contains("Komt de markering"), "gone at once");
}

#[tokio::test]
async fn a_merge_shows_the_carried_vote_on_the_voters_next_view() {
    let (app, actors) = actors::setup().await;
    let original = approved_question(
        &app,
        &actors,
        &actors.other_participant,
        "Hoe bereiken we jongeren in de wijk?",
    )
    .await;
    let duplicate = approved_question(
        &app,
        &actors,
        &actors.other_participant,
        "Hoe bereik je de jongeren in je wijk?",
    )
    .await;
    let mut voter = signed_in(&app, &actors.participant);
    view(&mut voter).await;
    let voted = voter
        .post(
            &format!("{AGENDA}/stem"),
            &[("id", &duplicate), ("action", "vote")],
        )
        .await;
    assert!(location(&voted).contains("melding=gestemd"));
    assert!(question_item(&view(&mut voter).await, &original).contains("0 keer herkend"));

    let merged = actors::moderate(
        &app,
        &actors.moderator,
        json!({ "id": duplicate, "action": "MARK_DUPLICATE", "duplicateOfId": original }),
    )
    .await;
    assert!(merged.get("errors").is_none(), "{merged:#}");
    let page = view(&mut voter).await;
    assert!(!page.contains(&format!("id=\"vraag-{duplicate}\"")));
    let item = question_item(&page, &original);
    assert!(item.contains("1 keer herkend"), "{item}");
    assert!(
        item.contains("value=\"unvote\""),
        "the carried vote is theirs"
    );
}

#[tokio::test]
async fn an_erased_participants_questions_leave_the_others_next_view() {
    let (app, actors) = actors::setup().await;
    let mut author = Browser::new(&app);
    author.join().await;
    view(&mut author).await;
    let sent = author
        .post(
            AGENDA,
            &[
                ("themeId", &actors.theme),
                ("text", "Verdwijnt mijn vraag als ik vertrek?"),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let data = app
        .gql_as(
            &actors.staff,
            "{ learningQuestions(filter: { text: \"mijn vraag als\" }) { nodes { id } } }",
            json!({}),
        )
        .await;
    let id = data["data"]["learningQuestions"]["nodes"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let approved = actors::moderate(
        &app,
        &actors.moderator,
        json!({ "id": id, "action": "APPROVE" }),
    )
    .await;
    assert!(approved.get("errors").is_none(), "{approved:#}");
    let mut reader = signed_in(&app, &actors.participant);
    assert!(view(&mut reader).await.contains("Verdwijnt mijn vraag"));

    // A copy of the author's cookie, seen lately (and so trusted without a statement).
    let token = author.cookies["deelnemer"].clone();
    let mut copy = signed_in(&app, &token);
    assert!(view(&mut copy).await.contains(SIGNED_IN));

    let erased = author
        .post(&format!("/events/{EVENT}/mijn-gegevens/verwijderen"), &[])
        .await;
    assert_eq!(erased.status, StatusCode::SEE_OTHER);
    assert!(!view(&mut reader).await.contains("Verdwijnt mijn vraag"));
    let after = view(&mut copy).await;
    assert!(!after.contains(SIGNED_IN), "an erased token opens nothing");
    assert!(after.contains(&format!("href=\"/events/{EVENT}/meedoen\"")));
}

/// What only a signed-in participant's agenda shows.
const SIGNED_IN: &str = "href=\"#mijn-vragen\"";
