//! The web pages in a real browser: Debian's Chromium, headless, driven through
//! chromedriver by `fantoccini`, against the real server in-process. Each flow runs with
//! JavaScript on and off; every page in every state, in both, passes axe-core (WCAG 2.1 A and AA),
//! fits 320 px, loads nothing from another host, and is photographed at phone and desktop
//! size into `target/screenshots/`.
//!
//! Needs `chromium`, `chromium-driver` and `.ci/node_modules/axe-core` (`.ci/run` installs
//! them). On the PostgreSQL pass of CI (`TEST_DATABASE_URL` set) it is skipped: the pages
//! read through the same services the API tests cover there.

mod harness;
mod moderation;
mod staff;

use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use futures_util::FutureExt;

use harness::{CODE, Driver, EVENT, Page, Server};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_participant_with_javascript() {
    participant_flow(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_participant_without_javascript() {
    participant_flow(false).await;
}

fn skipped() -> bool {
    if std::env::var_os("TEST_DATABASE_URL").is_some() {
        println!("browser tests run on SQLite only; skipped on the PostgreSQL pass");
        return true;
    }
    false
}

async fn participant_flow(javascript: bool) {
    if skipped() {
        return;
    }
    let started = Instant::now();
    let server = Server::start().await;
    let driver = Driver::start();
    let profile = tempfile::tempdir().expect("profile");
    let client = driver.browser(javascript, profile.path()).await;
    let mut page = Page::new(client, &server, javascript);
    // The browser and chromedriver are closed even when a check fails.
    let result = AssertUnwindSafe(run(&mut page)).catch_unwind().await;
    let _ = page.client.clone().close().await;
    drop(driver);
    if let Err(failure) = result {
        std::panic::resume_unwind(failure);
    }
    println!(
        "browser flow (JavaScript {}): {} page states checked in {:.1} s",
        if javascript { "on" } else { "off" },
        page.checked.len(),
        started.elapsed().as_secs_f64()
    );
}

async fn run(page: &mut Page<'_>) {
    let server = page.server;
    // The programme (one event, so `/` shows it) and a session given in both rounds.
    page.open("/").await;
    let text = page.text().await;
    assert!(text.contains("Dag van de Buurt 2021") && text.contains("donderdag 28 januari 2021"));
    page.check("programma").await;
    page.open(&format!("/events/{EVENT}?thema=gemengde-wijken"))
        .await;
    page.check("programma-gefilterd").await;
    page.open(&format!("/events/{EVENT}")).await;
    page.follow("a[href$='/sessies/r1-abcd-in-de-wijkaanpak']")
        .await;
    page.wait_for_text(
        "Deze workshop wordt twee keer gegeven",
        Duration::from_secs(10),
    )
    .await;
    page.check("sessie").await;
    page.follow("a[href$='/sessies/r2-abcd-in-de-wijkaanpak']")
        .await;
    page.wait_for_text("Workshops ronde twee", Duration::from_secs(10))
        .await;
    assert!(
        page.path()
            .await
            .ends_with("/sessies/r2-abcd-in-de-wijkaanpak")
    );
    page.follow(".speakers a").await;
    page.wait_for_text("Sessies", Duration::from_secs(10)).await;
    assert!(page.path().await.contains("/personen/"));
    page.check("persoon").await;
    page.open(&format!("/events/{EVENT}/zoeken")).await;
    page.check("zoeken-leeg").await;
    page.type_into("#q", "STOPLER").await;
    page.follow(".search button").await;
    page.wait_for_text("Lucien Stöpler", Duration::from_secs(10))
        .await;
    page.check("zoeken").await;
    page.open("/bestaat-niet").await;
    assert!(page.text().await.contains("Pagina niet gevonden"));
    page.check("niet-gevonden").await;

    if page.javascript {
        // GraphiQL runs from its embedded assets under the strict script policy (offline).
        page.open("/graphiql").await;
        page.client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(fantoccini::Locator::Css(".graphiql-container"))
            .await
            .expect("GraphiQL renders");
        page.same_origin_only("graphiql").await;
    }

    // Join: a wrong code first, then the QR link (the form comes filled in; one tap).
    page.open(&format!("/events/{EVENT}/leeragenda")).await;
    page.check("leeragenda-anoniem").await;
    page.open(&format!("/events/{EVENT}/meedoen")).await;
    page.check("meedoen").await;
    page.type_into("#accessCode", "VERKEERD1").await;
    page.follow("main form button[type=submit]").await;
    page.wait_for_text("Deze toegangscode klopt niet", Duration::from_secs(10))
        .await;
    assert_eq!(page.value("#accessCode").await, "VERKEERD1");
    page.check("meedoen-fout").await;
    page.open(&format!("/events/{EVENT}/meedoen?code={CODE}"))
        .await;
    assert_eq!(page.value("#accessCode").await, CODE);
    page.follow("main form button[type=submit]").await;
    page.wait_for_text("Je doet nu mee", Duration::from_secs(10))
        .await;
    assert!(
        page.path()
            .await
            .starts_with(&format!("/events/{EVENT}/leeragenda"))
    );
    page.check("leeragenda-leeg").await;
    if page.javascript {
        // The page's subscription is one the server shares among the event's participants
        // (it asks nothing that answers per viewer).
        page.wait_until_live().await;
        assert_eq!(
            server.subscriptions((1.0, 1.0, 1.0)).await,
            (1.0, 1.0, 1.0),
            "open, shared, shared executions"
        );
    }

    // Submit with an error, then correctly; see it pending.
    page.click("#thema-gemengde-wijken summary").await;
    page.type_into("#gemengde-wijken-text", "Te kort").await;
    page.click("#gemengde-wijken-submitterRole-3").await;
    page.follow("#thema-gemengde-wijken form[data-theme-id] button[type=submit]")
        .await;
    page.wait_for_text("Je vraag is te kort", Duration::from_secs(10))
        .await;
    let text = page.text().await;
    assert!(text.contains("Er is een probleem"));
    assert_eq!(page.value("#gemengde-wijken-text").await, "Te kort");
    page.check("leeragenda-fout").await;
    page.click(".error-summary a").await;
    let question = "Hoe zorgen we dat oude en nieuwe bewoners elkaar echt ontmoeten?";
    page.type_into("#gemengde-wijken-text", question).await;
    page.follow("#thema-gemengde-wijken form[data-theme-id] button[type=submit]")
        .await;
    page.wait_for_text("Je vraag is verstuurd", Duration::from_secs(10))
        .await;
    let text = page.text().await;
    assert!(text.contains(question) && text.contains("Wacht op een moderator"));
    page.check("leeragenda-ingediend").await;

    // A moderator approves (through the API); another participant's question too.
    let moderator = server.moderator().await;
    let theme = server.theme_id("gemengde-wijken").await;
    let other = server.participant().await;
    let theirs = "Welke rol spelen buurthuizen bij het ontmoeten van bewoners?";
    let their_id = server.submit(&other, &theme, theirs).await;
    let own_id = server.question_id(question).await;
    server.approve(&moderator, &own_id).await;
    server.approve(&moderator, &their_id).await;
    if page.javascript {
        // Live: the approved questions arrive over the WebSocket, without a reload: the
        // participant's own marked as theirs, the other's with "Ik herken deze vraag".
        page.wait_for_text(theirs, Duration::from_secs(5)).await;
        let footer =
            |id: &str| format!("[data-approved-for] li[data-question-id='{id}'] .question__footer");
        let own = page
            .client
            .find(fantoccini::Locator::Css(&footer(&own_id)))
            .await
            .expect("the own question arrived");
        assert!(own.text().await.expect("text").contains("Jouw vraag"));
        assert!(
            own.find_all(fantoccini::Locator::Css("button"))
                .await
                .expect("buttons")
                .is_empty(),
            "no vote on one's own question"
        );
        let other = page
            .client
            .find(fantoccini::Locator::Css(&format!(
                "{} button[value=vote]",
                footer(&their_id)
            )))
            .await
            .expect("the other's question can be recognised");
        assert!(
            other
                .text()
                .await
                .expect("text")
                .starts_with("Ik herken deze vraag")
        );
        // Photographed at the live cards, to compare with the page after a reload.
        page.client
            .execute(
                "document.querySelector(arguments[0]).scrollIntoView();",
                vec![serde_json::json!(footer(&own_id))],
            )
            .await
            .expect("scrolls");
        page.check("leeragenda-live").await;
    }
    page.open(&format!("/events/{EVENT}/leeragenda")).await;
    let text = page.text().await;
    assert!(text.contains(theirs) && text.contains("Goedgekeurd"));
    page.check("leeragenda-goedgekeurd").await;

    // Vote, see the count, withdraw.
    let card = format!("li[data-question-id='{their_id}']");
    page.follow(&format!("{card} button[value=vote]")).await;
    page.wait_for_text("Je herkent deze vraag", Duration::from_secs(10))
        .await;
    let count = page
        .client
        .find(fantoccini::Locator::Css(&format!("{card} [data-votes]")))
        .await
        .expect("count");
    assert_eq!(count.text().await.expect("text"), "1 keer herkend");
    page.check("leeragenda-gestemd").await;
    if page.javascript {
        // Live counts: another participant recognises it; the count changes in place.
        server.recognise_through_the_pages(&their_id).await;
        page.wait_for_text("2 keer herkend", Duration::from_secs(5))
            .await;
        // Similar questions while typing, with "Ik herken deze vraag".
        page.click("#thema-gemengde-wijken summary").await;
        page.type_into("#gemengde-wijken-text", "rol van buurthuizen bij ontmoeten")
            .await;
        page.wait_for_text("Lijkt je vraag op een van deze?", Duration::from_secs(5))
            .await;
        page.check("leeragenda-vergelijkbaar").await;
        page.type_into("#gemengde-wijken-text", "").await;
    }
    page.follow(&format!("{card} button[value=unvote]")).await;
    page.wait_for_text("Je stem is ingetrokken", Duration::from_secs(10))
        .await;

    // Delete my data: questions gone, signed out.
    page.follow("#mijn-gegevens .button--warning").await;
    page.wait_for_text(
        "Je vragen en stemmen zijn verwijderd",
        Duration::from_secs(10),
    )
    .await;
    page.check("gegevens-verwijderd").await;
    page.open(&format!("/events/{EVENT}/leeragenda")).await;
    let text = page.text().await;
    assert!(!text.contains(question) && text.contains("Eerst meedoen"));
}
