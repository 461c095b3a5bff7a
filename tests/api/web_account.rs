//! Signing in and out on the pages (`/inloggen`, `/uitloggen`): the account's cookie, the
//! errors next to their fields, the same throttle as the `login` mutation.

use axum::http::{StatusCode, header};
use buurtgraph::config::ServeConfig;
use entity::enums::AccountRole;

use crate::actors::{PASSWORD, add_account};
use crate::helpers::{TestApp, TestResponse};
use crate::web::{Browser, location};

const MODERATOR: &str = "moderator@example.org";

async fn app_with_moderator(config: ServeConfig) -> TestApp {
    let app = TestApp::with_config(config).await;
    buurtgraph::programme_bundle::import_if_empty(&app.db)
        .await
        .expect("bundled programme imports");
    add_account(
        &app,
        MODERATOR,
        AccountRole::Moderator,
        &[buurtgraph::service::accounts::ScopeSpec::Theme(
            "gemengde-wijken".into(),
        )],
    )
    .await;
    app
}

fn account_cookie(response: &TestResponse) -> Option<String> {
    response
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("account="))
        .map(str::to_owned)
}

/// Signs in through the form (after loading it, for the CSRF cookie).
pub(crate) async fn sign_in(browser: &mut Browser<'_>, email: &str) -> TestResponse {
    browser.get("/inloggen").await;
    browser
        .post("/inloggen", &[("email", email), ("password", PASSWORD)])
        .await
}

#[tokio::test]
async fn a_wrong_password_is_told_next_to_the_field_in_dutch_and_sets_no_cookie() {
    let app = app_with_moderator(ServeConfig::default()).await;
    let mut browser = Browser::new(&app);
    let form = browser.get("/inloggen").await;
    assert_eq!(form.status, StatusCode::OK);
    let html = form.text();
    assert!(html.contains("name=\"email\"") && html.contains("name=\"password\""));
    assert!(
        html.contains("type=\"password\"") && html.contains("autocomplete=\"current-password\"")
    );

    let wrong = browser
        .post(
            "/inloggen",
            &[("email", MODERATOR), ("password", "niet-het-wachtwoord")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        account_cookie(&wrong),
        None,
        "no cookie for a wrong password"
    );
    let html = wrong.text();
    assert!(html.contains("Dit e-mailadres en wachtwoord horen niet bij elkaar"));
    assert!(
        html.contains("id=\"password-error\""),
        "next to the password field"
    );
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(
        html.contains(&format!("value=\"{MODERATOR}\"")),
        "the address is kept"
    );
    assert!(!html.contains("niet-het-wachtwoord"), "the password is not");

    let unknown = browser
        .post(
            "/inloggen",
            &[("email", "niemand@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unknown.text().contains("horen niet bij elkaar"),
        "same answer"
    );

    let empty = browser
        .post("/inloggen", &[("email", ""), ("password", "")])
        .await;
    let html = empty.text();
    assert!(html.contains("Vul je e-mailadres in.") && html.contains("Vul je wachtwoord in."));
    assert!(html.contains("href=\"#email\"") && html.contains("href=\"#password\""));

    let forged = browser
        .post_raw(
            "/inloggen",
            &[("email", MODERATOR), ("password", PASSWORD)],
            Some("http://buurt.test"),
        )
        .await;
    assert_eq!(
        forged.status,
        StatusCode::FORBIDDEN,
        "no CSRF token, no sign-in"
    );
    assert_eq!(account_cookie(&forged), None);
}

#[tokio::test]
async fn signing_in_sets_a_strict_http_only_cookie_for_twelve_hours_and_returns_to_the_page() {
    let app = app_with_moderator(ServeConfig::default()).await;
    let mut browser = Browser::new(&app);
    let asked = browser.get("/moderatie?status=PENDING").await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER);
    assert_eq!(
        location(&asked),
        "/inloggen?terug=/moderatie%3Fstatus%3DPENDING"
    );

    browser.get(location(&asked)).await;
    let signed_in = browser
        .post(
            "/inloggen",
            &[
                ("email", "  Moderator@Example.org "),
                ("password", PASSWORD),
                ("terug", "/moderatie?status=PENDING"),
            ],
        )
        .await;
    assert_eq!(
        signed_in.status,
        StatusCode::SEE_OTHER,
        "{}",
        signed_in.text()
    );
    assert_eq!(location(&signed_in), "/moderatie?status=PENDING");
    let cookie = account_cookie(&signed_in).expect("an account cookie");
    assert!(cookie.contains("; HttpOnly"), "{cookie}");
    assert!(cookie.contains("; SameSite=Strict"), "{cookie}");
    assert!(cookie.contains("; Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain HTTP: {cookie}");
    let max_age: i64 = cookie
        .split("Max-Age=")
        .nth(1)
        .and_then(|v| v.split(';').next())
        .and_then(|v| v.parse().ok())
        .expect("Max-Age");
    assert!((11 * 3600..=12 * 3600).contains(&max_age), "{max_age}");

    let page = browser.get("/inloggen").await;
    assert!(
        page.text()
            .contains("Je bent ingelogd als moderator@example.org (moderator)")
    );

    let elsewhere = browser
        .post(
            "/inloggen",
            &[
                ("email", MODERATOR),
                ("password", PASSWORD),
                ("terug", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(location(&elsewhere), "/", "never to another site");
}

#[tokio::test]
async fn the_account_cookie_is_secure_behind_a_trusted_https_proxy() {
    let app = app_with_moderator(ServeConfig {
        trust_forwarded_for: true,
        ..ServeConfig::default()
    })
    .await;
    let mut browser = Browser::new(&app);
    browser.headers.push(("x-forwarded-proto", "https".into()));
    let signed_in = sign_in(&mut browser, MODERATOR).await;
    let cookie = account_cookie(&signed_in).expect("an account cookie");
    assert!(cookie.ends_with("; Secure"), "{cookie}");
}

#[tokio::test]
async fn signing_out_removes_the_cookie_and_needs_the_forms_token() {
    let app = app_with_moderator(ServeConfig::default()).await;
    let mut browser = Browser::new(&app);
    sign_in(&mut browser, MODERATOR).await;
    assert!(browser.cookies.contains_key("account"));
    assert_eq!(browser.get("/moderatie").await.status, StatusCode::OK);

    let forged = browser
        .post_raw(
            "/uitloggen",
            &[("csrfToken", "wrong")],
            Some("http://buurt.test"),
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(browser.cookies.contains_key("account"), "still signed in");

    let out = browser.post("/uitloggen", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&out), "/inloggen?melding=uitgelogd");
    let removed = account_cookie(&out).expect("the cookie is removed");
    assert!(
        removed.contains("Max-Age=0") && removed.contains("SameSite=Strict"),
        "{removed}"
    );
    assert!(!browser.cookies.contains_key("account"));
    assert!(
        browser
            .get(location(&out))
            .await
            .text()
            .contains("Je bent uitgelogd.")
    );
    assert_eq!(
        browser.get("/moderatie").await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn a_disabled_account_is_signed_out_and_a_participants_cookie_is_no_account() {
    let app = app_with_moderator(ServeConfig::default()).await;
    let mut browser = Browser::new(&app);
    sign_in(&mut browser, MODERATOR).await;
    buurtgraph::service::accounts::disable_account(&app.db, MODERATOR)
        .await
        .expect("disabled");
    assert_eq!(
        browser.get("/moderatie").await.status,
        StatusCode::SEE_OTHER
    );

    let mut participant = Browser::new(&app);
    participant.join().await;
    let token = participant
        .cookies
        .get("deelnemer")
        .cloned()
        .expect("token");
    participant.cookies.insert("account".into(), token);
    assert_eq!(
        participant.get("/moderatie").await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn signing_in_is_throttled_per_e_mail_address_as_the_login_mutation_is() {
    let app = app_with_moderator(ServeConfig {
        logins_per_minute: 2,
        ..ServeConfig::default()
    })
    .await;
    let mut browser = Browser::new(&app);
    browser.get("/inloggen").await;
    for _ in 0..2 {
        let wrong = browser
            .post("/inloggen", &[("email", MODERATOR), ("password", "fout")])
            .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let limited = browser
        .post("/inloggen", &[("email", MODERATOR), ("password", PASSWORD)])
        .await;
    assert_eq!(limited.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        account_cookie(&limited),
        None,
        "even the right password waits"
    );
    let html = limited.text();
    assert!(html.contains("te veel pogingen om in te loggen"), "{html}");
    assert!(html.contains("id=\"email-error\""));
    // The page and the API share one throttle.
    let api = app
        .gql(
            "mutation($i: LoginInput!) { login(input: $i) { token } }",
            serde_json::json!({ "i": { "email": MODERATOR, "password": PASSWORD } }),
        )
        .await;
    assert_eq!(crate::helpers::first_error_code(&api), "RATE_LIMITED");
}

#[tokio::test]
async fn a_cookie_replayed_after_signing_out_opens_nothing() {
    let app = app_with_moderator(ServeConfig::default()).await;
    let mut browser = Browser::new(&app);
    sign_in(&mut browser, MODERATOR).await;
    let token = browser.cookies.get("account").cloned().expect("signed in");
    // A copy of the cookie (a second browser, or one lifted from this one), and a token of
    // the same account from the API.
    let mut copy = Browser::new(&app);
    copy.cookies.insert("account".into(), token.clone());
    assert_eq!(copy.get("/moderatie").await.status, StatusCode::OK);
    // Issued in the same second, it is still another token (each carries a random ID).
    let api_token = crate::actors::login(&app, MODERATOR).await;
    assert_ne!(api_token, token);

    let out = browser.post("/uitloggen", &[]).await;
    assert_eq!(location(&out), "/inloggen?melding=uitgelogd");

    let replayed = copy.get("/moderatie").await;
    assert_eq!(
        replayed.status,
        StatusCode::SEE_OTHER,
        "signed out on the server"
    );
    assert_eq!(location(&replayed), "/inloggen?terug=/moderatie");
    let page = copy.get("/inloggen").await.text();
    assert!(
        page.contains("id=\"password\""),
        "the sign-in page, not signed in"
    );
    copy.headers = vec![("sec-fetch-site", "same-origin".to_owned())];
    assert_eq!(
        copy.get("/reports/dag-van-de-buurt-2021/leeragenda")
            .await
            .status,
        StatusCode::UNAUTHORIZED,
        "the report neither"
    );
    let query = "{ moderationLog { totalCount } }";
    let as_bearer = app.gql_as(&token, query, serde_json::json!({})).await;
    assert_eq!(
        crate::helpers::first_error_code(&as_bearer),
        "UNAUTHENTICATED",
        "nor as a bearer token"
    );
    let other = app.gql_as(&api_token, query, serde_json::json!({})).await;
    assert!(
        other.get("errors").is_none(),
        "the account's other tokens stay: {other}"
    );
    // Signing in again at once gives a new cookie that works.
    sign_in(&mut browser, MODERATOR).await;
    assert_ne!(browser.cookies.get("account"), Some(&token));
    assert_eq!(browser.get("/moderatie").await.status, StatusCode::OK);
}
