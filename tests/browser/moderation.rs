//! The moderators' pages in a real browser (issue 13, part A): sign in; the queue of one
//! theme's moderator shows nothing of another; approve (a participant's page and the studio
//! screen, open in browsers of their own, show it within a second, timed from the click);
//! bulk approve; highlight (the participant's open page shows it on top within a second);
//! reject with a reason the participant then sees; post-moderation. Live parts with
//! JavaScript on, the forms with JavaScript off too.

use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use buurtgraph::service::accounts::{ScopeSpec, create_account};
use entity::enums::AccountRole;
use futures_util::FutureExt;
use serde_json::json;

use crate::harness::{CODE, Driver, EVENT, PASSWORD, Page, Server};

const MODERATOR: &str = "gemengd@example.org";
const OTHER_MODERATOR: &str = "vertrouwen@example.org";
const STAFF: &str = "staf@example.org";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moderator_with_javascript() {
    moderation_flow(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moderator_without_javascript() {
    moderation_flow(false).await;
}

async fn moderation_flow(javascript: bool) {
    if crate::skipped() {
        return;
    }
    let started = Instant::now();
    let server = Server::start().await;
    for (email, role, scopes) in [
        (
            MODERATOR,
            AccountRole::Moderator,
            vec![ScopeSpec::Theme("gemengde-wijken".into())],
        ),
        (
            OTHER_MODERATOR,
            AccountRole::Moderator,
            vec![ScopeSpec::Theme(
                "vertrouwen-in-instituties-en-elkaar".into(),
            )],
        ),
        (STAFF, AccountRole::Staff, vec![]),
    ] {
        create_account(&server.db, email, role, PASSWORD, &scopes)
            .await
            .expect("account");
    }
    let driver = Driver::start();
    let moderator_profile = tempfile::tempdir().expect("profile");
    let participant_profile = tempfile::tempdir().expect("profile");
    let screen_profile = tempfile::tempdir().expect("profile");
    let moderator_client = driver.browser(javascript, moderator_profile.path()).await;
    let participant_client = driver.browser(javascript, participant_profile.path()).await;
    let mut moderator = Page::new(moderator_client, &server, javascript);
    let mut participant = Page::new(participant_client, &server, javascript);
    // The studio screen, live in a browser of its own (JavaScript on only: without it the
    // screen shows what it shows on the next load, which the staff flow checks).
    let mut screen = if javascript {
        let client = driver.browser(true, screen_profile.path()).await;
        Some(Page::new(client, &server, true))
    } else {
        None
    };
    let result = AssertUnwindSafe(run(&mut moderator, &mut participant, screen.as_mut()))
        .catch_unwind()
        .await;
    let _ = moderator.client.clone().close().await;
    let _ = participant.client.clone().close().await;
    if let Some(screen) = &screen {
        let _ = screen.client.clone().close().await;
    }
    drop(driver);
    if let Err(failure) = result {
        std::panic::resume_unwind(failure);
    }
    println!(
        "moderation flow (JavaScript {}): {} page states checked in {:.1} s",
        if javascript { "on" } else { "off" },
        moderator.checked.len()
            + participant.checked.len()
            + screen.as_ref().map_or(0, |s| s.checked.len()),
        started.elapsed().as_secs_f64()
    );
}

/// The card of a question on the moderation page.
fn card(id: &str) -> String {
    format!("li[data-question-id='{id}']")
}

async fn sign_in(page: &mut Page<'_>, email: &str, check: Option<&str>) {
    page.open("/inloggen").await;
    if let Some(name) = check {
        page.check(name).await;
        page.type_into("#email", email).await;
        page.type_into("#password", "niet-het-wachtwoord").await;
        page.click("main form button[type=submit]").await;
        page.wait_for_text("horen niet bij elkaar", Duration::from_secs(10))
            .await;
        assert_eq!(page.value("#email").await, email);
        page.check(&format!("{name}-fout")).await;
    }
    page.type_into("#email", email).await;
    page.type_into("#password", PASSWORD).await;
    page.click("main form button[type=submit]").await;
    page.wait_for_text("Je modereert", Duration::from_secs(10))
        .await;
    assert!(page.path().await.starts_with("/moderatie"));
}

async fn sign_out(page: &Page<'_>) {
    page.click(".account-nav__out button").await;
    page.wait_for_text("Je bent uitgelogd", Duration::from_secs(10))
        .await;
}

async fn run(moderator: &mut Page<'_>, participant: &mut Page<'_>, screen: Option<&mut Page<'_>>) {
    let server = moderator.server;
    let javascript = moderator.javascript;
    let theme = server.theme_id("gemengde-wijken").await;
    let other_theme = server.theme_id("vertrouwen-in-instituties-en-elkaar").await;

    // Sign in: a wrong password first, then the right one; the queue is empty.
    sign_in(moderator, MODERATOR, Some("inloggen")).await;
    assert!(
        moderator
            .text()
            .await
            .contains("Er zijn geen vragen met deze keuzes.")
    );
    moderator.check("moderatie-leeg").await;

    // The participant joins by the QR link and watches the learning agenda.
    participant
        .open(&format!("/events/{EVENT}/meedoen?code={CODE}"))
        .await;
    participant.click("main form button[type=submit]").await;
    participant
        .wait_for_text("Je doet nu mee", Duration::from_secs(10))
        .await;

    // Questions come in: on this theme and on another.
    let someone = server.participant().await;
    let first = "Hoe krijgen we nieuwe en oude bewoners samen aan tafel?";
    let first_id = server.submit(&someone, &theme, first).await;
    let elsewhere = "Hoe bouwen we vertrouwen op tussen bewoners en de gemeente?";
    let elsewhere_id = server.submit(&someone, &other_theme, elsewhere).await;
    if javascript {
        // Live: the new submission arrives without a reload.
        moderator.wait_for_text(first, Duration::from_secs(5)).await;
    } else {
        moderator.open("/moderatie").await;
    }
    let text = moderator.text().await;
    assert!(text.contains(first));
    assert!(!text.contains(elsewhere), "nothing of another theme");
    moderator.check("moderatie-wachtrij").await;

    // Approve: the participant's page and the studio screen show it. Timed from the click
    // (noted by the moderator's page) until each page saw the question appear (noted by a
    // MutationObserver in that page): no page loads, no polling of the test in the figure.
    let selector = card(&first_id);
    let approve = format!("{selector} form[data-key='a'] button");
    let mut screen = screen;
    if let Some(screen) = screen.as_deref_mut() {
        sign_in(screen, MODERATOR, None).await;
        screen.open(&format!("/events/{EVENT}/scherm")).await;
        screen.wait_until_live().await;
        screen.watch_for(".scherm__list", first).await;
    }
    if javascript {
        participant.wait_until_live().await;
        participant.watch_for("main", first).await;
        moderator.note_next_click().await;
    }
    moderator.click(&approve).await;
    if javascript {
        let clicked = moderator.clicked_at().await;
        let on_page = participant.seen_at(Duration::from_secs(5)).await - clicked;
        eprintln!(
            "click to update: a moderator's approval reached the participant's page in {on_page} ms"
        );
        assert!(on_page < 1000, "within a second: {on_page} ms");
        if let Some(screen) = screen {
            let on_screen = screen.seen_at(Duration::from_secs(5)).await - clicked;
            eprintln!(
                "click to update: a moderator's approval reached the studio screen in {on_screen} ms"
            );
            assert!(on_screen < 1000, "within a second: {on_screen} ms");
            screen.check("scherm-live-goedgekeurd").await;
        }
    }
    moderator
        .wait_for_text("De vraag is goedgekeurd.", Duration::from_secs(10))
        .await;
    moderator.check("moderatie-goedgekeurd").await;
    participant
        .open(&format!("/events/{EVENT}/leeragenda"))
        .await;
    assert!(participant.text().await.contains(first));

    // Bulk approve: two selected at once.
    let second = "Wat doen woningcorporaties om wijken gemengd te houden?";
    let third = "Hoe voorkomen we dat mengen leidt tot verdringing?";
    let second_id = server.submit(&someone, &theme, second).await;
    let third_id = server.submit(&someone, &theme, third).await;
    moderator.open("/moderatie").await;
    for id in [&second_id, &third_id] {
        let selector = card(id);
        moderator
            .click(&format!("{selector} .mod-card__select"))
            .await;
    }
    moderator.check("moderatie-geselecteerd").await;
    moderator.click("#bulk button[value=APPROVE]").await;
    moderator
        .wait_for_text(
            "De geselecteerde vragen zijn bijgewerkt.",
            Duration::from_secs(10),
        )
        .await;
    moderator.open("/moderatie?status=APPROVED").await;
    let text = moderator.text().await;
    assert!(text.contains(second) && text.contains(third));

    // During the session: highlight one; the participant's page shows it on top, live
    // (within a second of the click, without a reload) and on the next load.
    let selector = card(&second_id);
    if javascript {
        participant.watch_for("#nu-gemengde-wijken", second).await;
        moderator.note_next_click().await;
    }
    moderator
        .click(&format!("{selector} button[name=highlighted]"))
        .await;
    if javascript {
        let clicked = moderator.clicked_at().await;
        let shown = participant.seen_at(Duration::from_secs(5)).await - clicked;
        eprintln!("click to update: a highlight reached the participant's page in {shown} ms");
        assert!(shown < 1000, "within a second: {shown} ms");
        let on_top = participant
            .client
            .execute(
                "const now = document.getElementById('nu-gemengde-wijken');
                 const list = document.querySelector('#thema-gemengde-wijken [data-approved-for]');
                 return !now.hidden && !!(now.compareDocumentPosition(list) & Node.DOCUMENT_POSITION_FOLLOWING);",
                vec![],
            )
            .await
            .expect("reads");
        assert_eq!(on_top, json!(true), "above the theme's questions");
        participant.check("leeragenda-nu-besproken-live").await;
    }
    moderator
        .wait_for_text("Nu besproken", Duration::from_secs(10))
        .await;
    moderator.check("moderatie-goedgekeurde-vragen").await;
    participant
        .open(&format!("/events/{EVENT}/leeragenda"))
        .await;
    let text = participant.text().await;
    assert!(text.contains("Nu besproken aan tafel"));
    participant.check("leeragenda-nu-besproken").await;

    // Reject with a reason: the participant's own question, submitted on the page.
    let own = "Kan de gemeente de huren in mijn straat verlagen?";
    participant.click("#thema-gemengde-wijken summary").await;
    participant.type_into("#gemengde-wijken-text", own).await;
    participant
        .click("#thema-gemengde-wijken form[data-theme-id] button[type=submit]")
        .await;
    participant
        .wait_for_text("Je vraag is verstuurd", Duration::from_secs(10))
        .await;
    let own_id = server.question_id(own).await;
    moderator.open("/moderatie").await;
    let selector = card(&own_id);
    let reason = "Dit is een vraag voor de gemeente, niet voor de leeragenda.";
    moderator
        .type_into(&format!("{selector} input[name=note]"), reason)
        .await;
    moderator
        .click(&format!("{selector} button[value=REJECT]"))
        .await;
    moderator
        .wait_for_text("De vraag is afgewezen.", Duration::from_secs(10))
        .await;
    participant
        .open(&format!("/events/{EVENT}/leeragenda"))
        .await;
    let text = participant.text().await;
    assert!(text.contains(reason), "the participant sees the reason");
    participant.check("leeragenda-afgewezen").await;

    // Post-moderation, chosen by staff: a question appears at once.
    let staff = staff_token(server).await;
    server
        .gql(
            Some(&staff),
            "mutation($i: SetModerationModeInput!) { setModerationMode(input: $i) { postModeration } }",
            json!({ "i": { "themeId": theme, "postModeration": true } }),
        )
        .await;
    moderator.open("/moderatie").await;
    assert!(
        moderator
            .text()
            .await
            .contains("achteraf: vragen verschijnen meteen")
    );
    moderator.check("moderatie-achteraf").await;
    let at_once = "Welke buurten laten zien dat mengen werkt?";
    server.submit(&someone, &theme, at_once).await;
    participant
        .open(&format!("/events/{EVENT}/leeragenda"))
        .await;
    assert!(
        participant.text().await.contains(at_once),
        "no approval needed"
    );

    if javascript {
        // Keyboard: j to the first card, then h hides it (an approved question).
        moderator.open("/moderatie?status=APPROVED").await;
        moderator
            .client
            .execute(
                "for (const key of ['j', 'h']) document.body.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }));",
                vec![],
            )
            .await
            .expect("keys");
        moderator
            .wait_for_text("De vraag is verborgen.", Duration::from_secs(10))
            .await;
    }

    // Another theme's moderator sees nothing of this one.
    sign_out(moderator).await;
    sign_in(moderator, OTHER_MODERATOR, None).await;
    let text = moderator.text().await;
    assert!(text.contains(elsewhere));
    for question in [first, second, third, own, at_once] {
        assert!(!text.contains(question), "{question} is of another theme");
    }
    moderator.open("/moderatie?status=APPROVED").await;
    assert!(!moderator.text().await.contains(first));
    let _ = elsewhere_id;
    moderator.check("moderatie-ander-thema").await;
}

async fn staff_token(server: &Server) -> String {
    let data = server
        .gql(
            None,
            "mutation($i: LoginInput!) { login(input: $i) { token } }",
            json!({ "i": { "email": STAFF, "password": PASSWORD } }),
        )
        .await;
    data["login"]["token"].as_str().expect("token").to_owned()
}
