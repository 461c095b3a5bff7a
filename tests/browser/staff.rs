//! The staff pages and the studio screen in a real browser (issue 13, part B): the report
//! sends a visitor without an account to sign in and back; the staff page; the studio screen
//! with its QR code, where a vote and an approval show within a second (JavaScript on) and
//! the question a moderator highlights stands on top. axe-core, 320 px and screenshots on
//! every state, with JavaScript on and off.

use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use buurtgraph::service::accounts::create_account;
use entity::enums::AccountRole;
use fantoccini::Locator;
use futures_util::FutureExt;
use serde_json::json;

use crate::harness::{Driver, EVENT, PASSWORD, Page, Server};

const STAFF: &str = "staf@example.org";
const QUESTION: &str = "Hoe brengen we nieuwe en oude bewoners samen in dezelfde straat?";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_and_the_studio_screen_with_javascript() {
    staff_flow(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_and_the_studio_screen_without_javascript() {
    staff_flow(false).await;
}

async fn staff_flow(javascript: bool) {
    if crate::skipped() {
        return;
    }
    let started = Instant::now();
    let server = Server::start().await;
    create_account(&server.db, STAFF, AccountRole::Staff, PASSWORD, &[])
        .await
        .expect("account");
    let moderator = server.moderator().await;
    let theme = server.theme_id("gemengde-wijken").await;
    let asker = server.participant().await;
    let question = server.submit(&asker, &theme, QUESTION).await;
    server.approve(&moderator, &question).await;

    let driver = Driver::start();
    let profile = tempfile::tempdir().expect("profile");
    let client = driver.browser(javascript, profile.path()).await;
    let mut page = Page::new(client, &server, javascript);
    let result = AssertUnwindSafe(run(&mut page, &question, &moderator, &theme))
        .catch_unwind()
        .await;
    let _ = page.client.clone().close().await;
    drop(driver);
    if let Err(failure) = result {
        std::panic::resume_unwind(failure);
    }
    println!(
        "staff flow (JavaScript {}): {} page states checked in {:.1} s",
        if javascript { "on" } else { "off" },
        page.checked.len(),
        started.elapsed().as_secs_f64()
    );
}

async fn run(page: &mut Page<'_>, question: &str, moderator: &str, theme: &str) {
    let server = page.server;
    // The report without an account: sign in first, then back to the report.
    page.open(&format!("/reports/{EVENT}/leeragenda")).await;
    assert!(
        page.path().await.starts_with("/inloggen"),
        "{}",
        page.path().await
    );
    page.type_into("#email", STAFF).await;
    page.type_into("#password", PASSWORD).await;
    page.follow("main form button[type=submit]").await;
    assert!(
        page.path()
            .await
            .starts_with(&format!("/reports/{EVENT}/leeragenda")),
        "{}",
        page.path().await
    );
    assert!(page.text().await.contains(QUESTION));
    page.check("staf-rapport").await;

    page.open(&format!("/staf/{EVENT}")).await;
    let text = page.text().await;
    assert!(text.contains(QUESTION), "the staff page lists the question");
    page.check("staf").await;

    page.open(&format!("/events/{EVENT}/scherm")).await;
    let text = page.text().await;
    assert!(
        text.contains(QUESTION),
        "the screen shows the approved question"
    );
    page.client
        .find(Locator::Css(".scherm__qr-figure svg"))
        .await
        .expect("the QR code that joins the event");
    page.check("scherm").await;

    if page.javascript {
        // A vote from the room: on the screen within a second, without a reload.
        let count = format!("li[data-question-id='{question}'] .scherm__count");
        let before = counted(page, &count).await;
        let voter = server.participant().await;
        let voted = Instant::now();
        let answer = server
            .gql(
                Some(&voter),
                "mutation($id: ID!) { voteLearningQuestion(id: $id) { voteCount } }",
                json!({ "id": question }),
            )
            .await;
        assert_eq!(answer["voteLearningQuestion"]["voteCount"], before + 1);
        while counted(page, &count).await != before + 1 {
            assert!(
                voted.elapsed() < Duration::from_secs(1),
                "the vote did not reach the screen within a second"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        println!("vote to studio screen: {} ms", voted.elapsed().as_millis());

        // A moderator approves another question: on the screen within a second.
        let asker = server.participant().await;
        let later = "Welke plekken in de wijk nodigen bewoners uit om elkaar te ontmoeten?";
        let second = server.submit(&asker, theme, later).await;
        let approved = Instant::now();
        server.approve(moderator, &second).await;
        while !page.text().await.contains(later) {
            assert!(
                approved.elapsed() < Duration::from_secs(1),
                "the approved question did not reach the screen within a second"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        println!(
            "approval to studio screen: {} ms",
            approved.elapsed().as_millis()
        );
    }

    // The question a moderator highlights stands on top ("Nu aan tafel"), live with
    // JavaScript and on the next view without.
    let marked = server
        .gql(
            Some(moderator),
            "mutation($i: MarkLearningQuestionInput!) { markLearningQuestion(input: $i) { highlighted } }",
            json!({ "i": { "id": question, "highlighted": true } }),
        )
        .await;
    assert_eq!(marked["markLearningQuestion"]["highlighted"], true);
    if !page.javascript {
        page.open(&format!("/events/{EVENT}/scherm")).await;
    }
    page.wait_for_text("Nu aan tafel", Duration::from_secs(5))
        .await;
    let now = page
        .client
        .find(Locator::Css(".scherm__now-text"))
        .await
        .expect("the question at the table")
        .text()
        .await
        .expect("text");
    assert_eq!(now, QUESTION);
    page.check("scherm-nu").await;
}

/// The count a screen shows for a question.
async fn counted(page: &Page<'_>, css: &str) -> i64 {
    let text = page
        .client
        .find(Locator::Css(css))
        .await
        .expect("the question's count")
        .text()
        .await
        .expect("text");
    text.trim().parse().unwrap_or(-1)
}
