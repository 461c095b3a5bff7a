//! The web pages over HTTP, in-process: headers, cookies, CSRF, errors in Dutch, limits,
//! assets. The same flows in a real browser (JavaScript on and off, axe-core) are in
//! `tests/browser`.

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use buurtgraph::config::ServeConfig;
use serde_json::json;

use crate::actors::{EVENT, MODERATE, SUBMIT, setup};
use crate::helpers::{TestApp, TestResponse};

pub(crate) const ORIGIN: &str = "http://buurt.test";

/// A browser of sorts: keeps cookies, sends `Origin` with forms like a browser does.
pub(crate) struct Browser<'a> {
    pub(crate) app: &'a TestApp,
    pub(crate) cookies: HashMap<String, String>,
    pub(crate) headers: Vec<(&'static str, String)>,
}

impl<'a> Browser<'a> {
    pub(crate) fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            cookies: HashMap::new(),
            headers: Vec::new(),
        }
    }

    pub(crate) fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub(crate) async fn send(
        &mut self,
        builder: axum::http::request::Builder,
        body: Body,
    ) -> TestResponse {
        let mut builder = builder.header(header::HOST, "buurt.test");
        if !self.cookies.is_empty() {
            builder = builder.header(header::COOKIE, self.cookie_header());
        }
        for (name, value) in &self.headers {
            builder = builder.header(*name, value);
        }
        let response = self.app.request(builder.body(body).expect("request")).await;
        for set in response.headers.get_all(header::SET_COOKIE) {
            let set = set.to_str().expect("ascii cookie");
            let (pair, attributes) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').expect("name=value");
            if attributes.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        response
    }

    pub(crate) async fn get(&mut self, uri: &str) -> TestResponse {
        self.send(Request::get(uri), Body::empty()).await
    }

    /// Posts a form with this browser's CSRF token, from our own origin.
    pub(crate) async fn post(&mut self, uri: &str, fields: &[(&str, &str)]) -> TestResponse {
        let token = self.cookies.get("csrf").cloned().unwrap_or_default();
        let mut pairs = vec![("csrfToken", token.as_str())];
        pairs.extend_from_slice(fields);
        self.post_raw(uri, &pairs, Some(ORIGIN)).await
    }

    pub(crate) async fn post_raw(
        &mut self,
        uri: &str,
        fields: &[(&str, &str)],
        origin: Option<&str>,
    ) -> TestResponse {
        let body = serde_urlencoded::to_string(fields).expect("form encodes");
        let mut builder =
            Request::post(uri).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(origin) = origin {
            builder = builder.header(header::ORIGIN, origin);
        }
        self.send(builder, Body::from(body)).await
    }

    pub(crate) async fn join(&mut self) {
        let code = buurtgraph::service::accounts::access_code(&self.app.db, EVENT, None)
            .await
            .expect("code");
        self.get(&format!("/events/{EVENT}/meedoen?code={code}"))
            .await;
        let joined = self
            .post(
                &format!("/events/{EVENT}/meedoen"),
                &[("accessCode", &code)],
            )
            .await;
        assert_eq!(joined.status, StatusCode::SEE_OTHER, "{}", joined.text());
    }
}

pub(crate) fn location(response: &TestResponse) -> &str {
    response.header(header::LOCATION).unwrap_or_default()
}

/// The theme's global ID as the form carries it.
async fn theme_id(app: &TestApp, slug: &str) -> String {
    let data = app
        .data("{ event { themes { id slug } } }", json!({}))
        .await;
    data["event"]["themes"]
        .as_array()
        .expect("themes")
        .iter()
        .find(|t| t["slug"] == slug)
        .expect("theme")["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

#[tokio::test]
async fn pages_are_compressed_html_with_a_strict_policy_and_unknown_paths_get_a_404_page() {
    let app = TestApp::bundled().await;
    let mut browser = Browser::new(&app);
    for path in [
        "/",
        "/events/dag-van-de-buurt-2021",
        "/events/dag-van-de-buurt-2021/sessies/r1-abcd-in-de-wijkaanpak",
        "/events/dag-van-de-buurt-2021/personen/lucas-de-man",
        "/events/dag-van-de-buurt-2021/zoeken?q=stopler",
        "/events/dag-van-de-buurt-2021/meedoen?code=abc",
        "/events/dag-van-de-buurt-2021/leeragenda",
    ] {
        let page = browser.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert_eq!(
            page.header(header::CONTENT_TYPE),
            Some("text/html; charset=utf-8")
        );
        assert_eq!(
            page.header(header::CONTENT_SECURITY_POLICY),
            Some(buurtgraph::web::PAGE_POLICY),
            "{path}"
        );
        let html = page.text();
        assert!(
            html.starts_with("<!doctype html>\n<html lang=\"nl\">"),
            "{path}"
        );
        assert!(
            !html.contains("<script>") && !html.contains("style="),
            "{path}: nothing inline"
        );
        assert!(
            !html.contains("https://") || path.contains("personen"),
            "{path}: no other host"
        );
    }
    let missing = browser
        .get("/events/dag-van-de-buurt-2021/sessies/bestaat-niet")
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.text().contains("Pagina niet gevonden"));
    let nowhere = browser.get("/nergens/te/vinden").await;
    assert_eq!(nowhere.status, StatusCode::NOT_FOUND);
    assert!(nowhere.text().contains("<main"));

    browser.headers.push(("accept-encoding", "br, gzip".into()));
    let compressed = browser.get("/events/dag-van-de-buurt-2021").await;
    assert_eq!(compressed.header(header::CONTENT_ENCODING), Some("br"));
}

#[tokio::test]
async fn the_programme_shows_local_times_workshops_given_twice_and_filters_by_theme() {
    let app = TestApp::bundled().await;
    let mut browser = Browser::new(&app);
    let html = browser.get("/events/dag-van-de-buurt-2021").await.text();
    assert!(
        html.contains("donderdag 28 januari 2021, 13:00–17:00"),
        "Amsterdam time"
    );
    assert!(html.contains("Deze workshop wordt twee keer gegeven"));
    assert!(html.contains("/events/dag-van-de-buurt-2021/sessies/r2-abcd-in-de-wijkaanpak"));
    assert!(html.contains("(Presentator)"), "speaker roles are labelled");
    let filtered = browser
        .get("/events/dag-van-de-buurt-2021?thema=gemengde-wijken")
        .await
        .text();
    assert!(
        filtered.contains("Leeragenda: Gemengde wijken") || filtered.contains("gemengde-wijken")
    );
    assert!(
        filtered.len() < html.len() / 2,
        "the filter leaves a few sessions"
    );
    let search = browser
        .get("/events/dag-van-de-buurt-2021/zoeken?q=STOPLER")
        .await
        .text();
    assert!(
        search.contains("Lucien Stöpler"),
        "accents and case ignored"
    );
}

#[tokio::test]
async fn graphiql_has_moved_to_its_own_path_with_its_assets_embedded() {
    let app = TestApp::bundled().await;
    let page = app.get("/graphiql").await;
    assert_eq!(page.status, StatusCode::OK);
    let policy = page
        .header(header::CONTENT_SECURITY_POLICY)
        .unwrap_or_default();
    assert!(policy.contains("script-src 'self';"), "{policy}");
    assert!(!policy.contains("unpkg") && !page.text().contains("unpkg"));
    let html = page.text();
    let script = html
        .split("src=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap_or_default())
        .find(|src| src.contains("graphiql.min."))
        .expect("the GraphiQL bundle is linked");
    let asset = app.get(script).await;
    assert_eq!(asset.status, StatusCode::OK);
    assert_eq!(
        asset.header(header::CACHE_CONTROL),
        Some("public, max-age=31536000, immutable")
    );
    assert!(asset.body.len() > 100_000);
    assert_eq!(
        app.get("/assets/graphiql/graphiql.min.js").await.status,
        StatusCode::NOT_FOUND,
        "only hashed names"
    );

    let off = TestApp::with_config(ServeConfig {
        graphiql: Some(false),
        ..ServeConfig::default()
    })
    .await;
    assert_eq!(off.get("/graphiql").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn forms_need_the_browsers_token_and_our_own_origin() {
    let app = TestApp::bundled().await;
    let mut browser = Browser::new(&app);
    let page = browser.get("/events/dag-van-de-buurt-2021/meedoen").await;
    let set = page
        .header(header::SET_COOKIE)
        .unwrap_or_default()
        .to_owned();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax") && !set.contains("Secure"),
        "{set}"
    );
    let token = browser.cookies.get("csrf").cloned().unwrap_or_default();
    let uri = "/events/dag-van-de-buurt-2021/meedoen";
    let no_token = browser
        .post_raw(uri, &[("accessCode", "x")], Some(ORIGIN))
        .await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    assert!(no_token.text().contains("Deze pagina is verlopen"));
    let wrong_token = browser
        .post_raw(
            uri,
            &[("csrfToken", "nope"), ("accessCode", "x")],
            Some(ORIGIN),
        )
        .await;
    assert_eq!(wrong_token.status, StatusCode::FORBIDDEN);
    let elsewhere = browser
        .post_raw(
            uri,
            &[("csrfToken", &token), ("accessCode", "x")],
            Some("https://evil.example"),
        )
        .await;
    assert_eq!(elsewhere.status, StatusCode::FORBIDDEN);
    let ours = browser.post(uri, &[("accessCode", "x")]).await;
    assert_eq!(
        ours.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "checked, then refused by the service"
    );
}

#[tokio::test]
async fn joining_sets_an_http_only_cookie_and_a_wrong_code_is_told_in_dutch_next_to_the_field() {
    let app = TestApp::bundled().await;
    let mut browser = Browser::new(&app);
    browser.get("/events/dag-van-de-buurt-2021/meedoen").await;
    let wrong = browser
        .post(
            "/events/dag-van-de-buurt-2021/meedoen",
            &[("accessCode", "fout-123")],
        )
        .await;
    let html = wrong.text();
    assert!(html.contains("Deze toegangscode klopt niet"));
    assert!(
        html.contains("aria-invalid=\"true\"")
            && html.contains("aria-describedby=\"accessCode-hint accessCode-error\"")
    );
    assert!(html.contains("value=\"fout-123\""), "the input is kept");
    assert!(
        html.contains("<a href=\"#accessCode\">"),
        "the summary links to the field"
    );
    assert!(!browser.cookies.contains_key("deelnemer"));

    let code = buurtgraph::service::accounts::access_code(&app.db, EVENT, None)
        .await
        .expect("code");
    let page = browser
        .get(&format!("/events/{EVENT}/meedoen?code={code}"))
        .await;
    assert!(
        page.text().contains(&format!("value=\"{code}\"")),
        "the QR link fills the form in"
    );
    assert!(
        !browser.cookies.contains_key("deelnemer"),
        "a GET joins nobody"
    );
    let joined = browser
        .post(
            &format!("/events/{EVENT}/meedoen"),
            &[("accessCode", &code)],
        )
        .await;
    assert_eq!(joined.status, StatusCode::SEE_OTHER);
    assert_eq!(
        location(&joined),
        "/events/dag-van-de-buurt-2021/leeragenda?melding=meegedaan"
    );
    let cookie = joined
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("deelnemer="))
        .expect("the participant's cookie")
        .to_owned();
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax")
            && cookie.contains("Max-Age="),
        "{cookie}"
    );
    let agenda = browser
        .get("/events/dag-van-de-buurt-2021/leeragenda?melding=meegedaan")
        .await
        .text();
    assert!(agenda.contains("Je doet nu mee"));
    assert!(agenda.contains("name=\"themeId\""), "a form per theme");

    let left = browser
        .post("/events/dag-van-de-buurt-2021/verlaten", &[])
        .await;
    assert_eq!(left.status, StatusCode::SEE_OTHER);
    assert!(!browser.cookies.contains_key("deelnemer"));
}

#[tokio::test]
async fn cookies_are_secure_behind_a_trusted_https_proxy() {
    let app = TestApp::with_config(ServeConfig {
        trust_forwarded_for: true,
        ..ServeConfig::default()
    })
    .await;
    let mut browser = Browser::new(&app);
    browser.headers.push(("x-forwarded-proto", "https".into()));
    // A page with a form sets the token's cookie (the programme's pages have none).
    let page = browser.get("/inloggen").await;
    assert!(
        page.header(header::SET_COOKIE)
            .unwrap_or_default()
            .contains("; Secure")
    );
}

#[tokio::test]
async fn submitting_through_the_page_follows_the_services_rules_and_keeps_the_input() {
    let app = TestApp::bundled().await;
    let theme = theme_id(&app, "gemengde-wijken").await;
    let mut browser = Browser::new(&app);
    browser.join().await;
    let uri = "/events/dag-van-de-buurt-2021/leeragenda";
    let short = browser
        .post(
            uri,
            &[
                ("themeId", &theme),
                ("text", "Te kort"),
                ("submitterRole", "HOUSING_CORPORATION"),
                ("preferredFormats", "PEER_LEARNING"),
                ("region", "Zwolle"),
                ("idempotencyKey", "k-1"),
            ],
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = short.text();
    assert!(
        html.contains("Je vraag is te kort: gebruik minstens 10 tekens."),
        "in Dutch"
    );
    assert!(
        html.contains("<a href=\"#gemengde-wijken-text\">"),
        "the summary links to the field"
    );
    assert!(
        html.contains(">Te kort</textarea>") && html.contains("value=\"Zwolle\""),
        "input kept"
    );
    assert!(
        html.contains("value=\"HOUSING_CORPORATION\" checked"),
        "choices kept"
    );
    assert!(
        html.contains("<details class=\"ask\" open>"),
        "the form with the error is open"
    );
    assert_eq!(app.count_rows("learning_question").await, 0);

    let text = "Hoe zorgen we dat oude en nieuwe bewoners elkaar ontmoeten?";
    let fields = [
        ("themeId", theme.as_str()),
        ("text", text),
        ("submitterRole", "HOUSING_CORPORATION"),
        ("idempotencyKey", "k-2"),
    ];
    let sent = browser.post(uri, &fields).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    assert_eq!(
        location(&sent),
        "/events/dag-van-de-buurt-2021/leeragenda?melding=ingediend#mijn-vragen"
    );
    let again = browser.post(uri, &fields).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "a double tap");
    assert_eq!(
        app.count_rows("learning_question").await,
        1,
        "stores one question"
    );
    let mine = browser
        .get("/events/dag-van-de-buurt-2021/leeragenda")
        .await
        .text();
    assert!(mine.contains(text) && mine.contains("Wacht op een moderator"));
}

#[tokio::test]
async fn votes_rejections_downloads_and_erasure_through_the_pages() {
    let (app, actors) = setup().await;
    let mut browser = Browser::new(&app);
    browser.join().await;
    let approved = crate::actors::submit(
        &app,
        &actors.other_participant,
        &actors.theme,
        "Welke rol spelen buurthuizen in gemengde wijken?",
    )
    .await;
    let rejected = {
        let mut mine = Browser::new(&app);
        std::mem::swap(&mut mine.cookies, &mut browser.cookies);
        let theme = actors.theme.clone();
        let sent = mine
            .post(
                "/events/dag-van-de-buurt-2021/leeragenda",
                &[
                    ("themeId", &theme),
                    ("text", "Een vraag die niet over het thema gaat."),
                ],
            )
            .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER);
        std::mem::swap(&mut mine.cookies, &mut browser.cookies);
        let data = app.gql_as(&actors.staff, "{ learningQuestions(filter: { status: PENDING, text: \"thema gaat\" }) { nodes { id } } }", json!({})).await;
        data["data"]["learningQuestions"]["nodes"][0]["id"]
            .as_str()
            .expect("id")
            .to_owned()
    };
    moderate(
        &app,
        &actors.moderator,
        json!({ "id": approved, "action": "APPROVE" }),
    )
    .await;
    moderate(
        &app,
        &actors.moderator,
        json!({ "id": rejected, "action": "REJECT", "note": "Past beter bij een ander evenement" }),
    )
    .await;

    let page = browser
        .get("/events/dag-van-de-buurt-2021/leeragenda")
        .await
        .text();
    assert!(page.contains("Welke rol spelen buurthuizen"));
    assert!(
        page.contains("Afgewezen") && page.contains("Past beter bij een ander evenement"),
        "the reason"
    );
    let vote = browser
        .post(
            "/events/dag-van-de-buurt-2021/leeragenda/stem",
            &[("id", &approved), ("action", "vote")],
        )
        .await;
    assert_eq!(
        location(&vote),
        format!("/events/dag-van-de-buurt-2021/leeragenda?melding=gestemd#vraag-{approved}")
    );
    let page = browser
        .get("/events/dag-van-de-buurt-2021/leeragenda")
        .await
        .text();
    assert!(page.contains("1 keer herkend") && page.contains("value=\"unvote\""));
    let twice = browser
        .post(
            "/events/dag-van-de-buurt-2021/leeragenda/stem",
            &[("id", &approved), ("action", "vote")],
        )
        .await;
    assert!(location(&twice).contains("melding=al-gestemd"));
    let withdrawn = browser
        .post(
            "/events/dag-van-de-buurt-2021/leeragenda/stem",
            &[("id", &approved), ("action", "unvote")],
        )
        .await;
    assert!(location(&withdrawn).contains("melding=ingetrokken"));

    let similar = browser
        .get(&format!("/events/dag-van-de-buurt-2021/leeragenda/vergelijkbaar?themeId={}&text=rol%20van%20buurthuizen%20in%20de%20wijk", actors.theme))
        .await;
    assert_eq!(similar.status, StatusCode::OK);
    assert_eq!(similar.json()[0]["id"], approved);

    let download = browser
        .get("/events/dag-van-de-buurt-2021/mijn-gegevens.json")
        .await;
    assert!(
        download
            .header(header::CONTENT_DISPOSITION)
            .unwrap_or_default()
            .contains("attachment")
    );
    let data = download.json();
    assert_eq!(data["questions"][0]["status"], "REJECTED");

    let erased = browser
        .post(
            "/events/dag-van-de-buurt-2021/mijn-gegevens/verwijderen",
            &[],
        )
        .await;
    assert_eq!(
        location(&erased),
        "/events/dag-van-de-buurt-2021?melding=gegevens-verwijderd"
    );
    assert!(!browser.cookies.contains_key("deelnemer"));
    let after = app
        .gql_as(
            &actors.staff,
            "{ learningQuestions(filter: { text: \"thema gaat\" }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(after["data"]["learningQuestions"]["totalCount"], 0);
}

async fn moderate(app: &TestApp, token: &str, input: serde_json::Value) {
    let response = app.gql_as(token, MODERATE, json!({ "i": input })).await;
    assert!(response.get("errors").is_none(), "{response:#}");
}

#[tokio::test]
async fn the_submission_limit_shows_a_dutch_message_and_pages_leave_the_api_quota_alone() {
    let app = TestApp::with_config(ServeConfig {
        submissions_per_minute: 1,
        ip_requests_per_second: 1,
        ip_request_burst: 3,
        ..ServeConfig::default()
    })
    .await;
    buurtgraph::programme_bundle::import_if_empty(&app.db)
        .await
        .expect("bundled programme imports");
    let theme = theme_id(&app, "gemengde-wijken").await;
    let mut browser = Browser::new(&app);
    browser.join().await;
    for _ in 0..20 {
        assert_eq!(
            browser.get("/events/dag-van-de-buurt-2021").await.status,
            StatusCode::OK
        );
    }
    let uri = "/events/dag-van-de-buurt-2021/leeragenda";
    let first = browser
        .post(
            uri,
            &[
                ("themeId", &theme),
                ("text", "Een eerste vraag over gemengde wijken."),
            ],
        )
        .await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    let second = browser
        .post(
            uri,
            &[
                ("themeId", &theme),
                ("text", "Een tweede vraag over gemengde wijken."),
            ],
        )
        .await;
    assert_eq!(second.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        second
            .text()
            .contains("Er kwamen te veel pogingen tegelijk. Probeer het over")
    );
    assert!(
        second
            .text()
            .contains("Een tweede vraag over gemengde wijken.")
    );
    let mut limited = false;
    for _ in 0..5 {
        limited |= app.gql("{ events { slug } }", json!({})).await["errors"][0]["extensions"]["code"]
            == "RATE_LIMITED";
    }
    assert!(limited, "the API's own quota still applies to the API");
}

#[tokio::test]
async fn english_by_accept_language_or_by_the_switch() {
    let app = TestApp::bundled().await;
    let mut browser = Browser::new(&app);
    browser
        .headers
        .push(("accept-language", "en-GB,en;q=0.9".into()));
    let page = browser.get("/events/dag-van-de-buurt-2021").await.text();
    assert!(page.contains("<html lang=\"en\">") && page.contains("Thursday 28 January 2021"));
    // The switch is a link in the header (no form, so the page holds no token).
    let href = language_switch_href(&page);
    assert_eq!(href, "/taal?lang=nl&return=/events/dag-van-de-buurt-2021");
    let switched = browser.get(&href).await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&switched), "/events/dag-van-de-buurt-2021");
    let page = browser.get("/events/dag-van-de-buurt-2021").await.text();
    assert!(page.contains("<html lang=\"nl\">") && page.contains("donderdag"));
    let away = browser.get("/taal?lang=en&return=//evil.example").await;
    assert_eq!(location(&away), "/");
    // The form other clients may post still works, with its token.
    browser.get("/inloggen").await;
    let posted = browser
        .post(
            "/taal",
            &[("lang", "en"), ("return", "/events/dag-van-de-buurt-2021")],
        )
        .await;
    assert_eq!(location(&posted), "/events/dag-van-de-buurt-2021");
    let page = browser.get("/events/dag-van-de-buurt-2021").await.text();
    assert!(page.contains("<html lang=\"en\">"));
}

/// The language switch's address in a page's header.
fn language_switch_href(page: &str) -> String {
    let anchor = page
        .split("<a class=\"language-switch")
        .nth(1)
        .expect("a language switch");
    let href = anchor
        .split("href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("its href");
    href.replace("&amp;", "&").replace("&#x2f;", "/")
}

#[tokio::test]
async fn programme_pages_are_kept_per_language_and_show_an_edit_at_once() {
    let (app, actors) = setup().await;
    let page_of = |response: &TestResponse| {
        (
            response.status,
            response.header(header::ETAG).map(str::to_owned),
            response.text(),
        )
    };
    let path = "/events/dag-van-de-buurt-2021";
    let mut first = Browser::new(&app);
    let (status, etag, dutch) = page_of(&first.get(path).await);
    assert_eq!(status, StatusCode::OK);
    let etag = etag.expect("an ETag");
    assert!(!dutch.contains("csrfToken"), "no form, no token");
    assert!(
        first.cookies.is_empty(),
        "no cookie is set by a programme page"
    );

    // Another visitor gets the same page; with the ETag, nothing at all.
    let mut second = Browser::new(&app);
    assert_eq!(
        page_of(&second.get(path).await),
        (StatusCode::OK, Some(etag.clone()), dutch.clone())
    );
    second.headers.push(("if-none-match", etag.clone()));
    assert_eq!(second.get(path).await.status, StatusCode::NOT_MODIFIED);

    // Brotli for who asks; the English page is another page.
    let mut compressing = Browser::new(&app);
    compressing
        .headers
        .push(("accept-encoding", "gzip, deflate, br".into()));
    let compressed = compressing.get(path).await;
    assert_eq!(compressed.header(header::CONTENT_ENCODING), Some("br"));
    assert!(
        compressed.body.len() * 3 < dutch.len(),
        "{} of {}",
        compressed.body.len(),
        dutch.len()
    );
    let mut english = Browser::new(&app);
    english.headers.push(("accept-language", "en".into()));
    let (_, english_etag, english_page) = page_of(&english.get(path).await);
    assert!(english_page.contains("<html lang=\"en\">"));
    assert_ne!(english_etag.as_deref(), Some(etag.as_str()));

    // An admin's edit is on the very next view.
    let session_id = app
        .data("{ event { blocks { sessions { id } } } }", json!({}))
        .await["event"]["blocks"][0]["sessions"][0]["id"]
        .clone();
    let renamed = "Een nieuwe titel voor deze sessie";
    let edited = app
        .gql_as(
            &actors.admin,
            "mutation($id: ID!, $t: String!) { updateSession(id: $id, input: { title: $t }) { title } }",
            json!({ "id": session_id, "t": renamed }),
        )
        .await;
    assert!(edited.get("errors").is_none(), "{edited}");
    let (_, new_etag, after) = page_of(&Browser::new(&app).get(path).await);
    assert!(after.contains(renamed), "the edit shows at once");
    assert_ne!(new_etag, Some(etag));
}

#[tokio::test]
async fn the_report_names_roles_and_formats_in_dutch() {
    let (app, actors) = setup().await;
    let response = app
        .gql_as(
            &actors.participant,
            SUBMIT,
            json!({ "i": { "themeId": actors.theme, "text": "Hoe werken corporaties samen met bewoners?", "submitterRole": "HOUSING_CORPORATION", "preferredFormats": ["PEER_LEARNING"] } }),
        )
        .await;
    assert!(response.get("errors").is_none(), "{response:#}");
    let report = app
        .request(
            Request::get("/reports/dag-van-de-buurt-2021/leeragenda")
                .header(header::AUTHORIZATION, format!("Bearer {}", actors.staff))
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .text();
    assert!(report.contains(">Woningcorporatie<"), "{report}");
    assert!(report.contains(">Leren van collega"));
    assert!(!report.contains("HousingCorporation") && !report.contains("PEER_LEARNING"));
}

/// WEB.md: a venue's Wi-Fi puts a thousand phones behind one address. With the default
/// limits the whole room joins at once, browses, submits and votes; the API's own
/// per-address quota is left to the API.
#[tokio::test]
async fn a_room_of_a_thousand_phones_behind_one_address_joins_at_once_with_the_default_limits() {
    const PHONES: usize = 1_000;
    let (app, actors) = setup().await;
    let uri = "/events/dag-van-de-buurt-2021/leeragenda";
    let mut phones = Vec::with_capacity(PHONES);
    for _ in 0..PHONES {
        // Every phone is its own browser; in-process requests all share one address.
        let mut phone = Browser::new(&app);
        phone.join().await;
        phones.push(phone);
    }
    for (n, phone) in phones.iter_mut().enumerate().take(20) {
        let text = format!("Vraag {n} uit de zaal: hoe ontmoeten oude en nieuwe bewoners elkaar?");
        let sent = phone
            .post(uri, &[("themeId", &actors.theme), ("text", &text)])
            .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text());
    }
    let waiting = app
        .gql_as(
            &actors.moderator,
            "{ learningQuestions(filter: { status: PENDING }) { totalCount nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(waiting["data"]["learningQuestions"]["totalCount"], 20);
    let question = waiting["data"]["learningQuestions"]["nodes"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    moderate(
        &app,
        &actors.moderator,
        json!({ "id": question, "action": "APPROVE" }),
    )
    .await;
    for phone in &mut phones {
        let voted = phone
            .post(
                "/events/dag-van-de-buurt-2021/leeragenda/stem",
                &[("id", &question), ("action", "vote")],
            )
            .await;
        assert!(
            location(&voted).contains("melding=gestemd"),
            "{}",
            location(&voted)
        );
    }
    let counted = app
        .gql_as(
            &actors.staff,
            "query($id: ID!) { learningQuestion(id: $id) { voteCount } }",
            json!({ "id": question }),
        )
        .await;
    assert_eq!(
        counted["data"]["learningQuestion"]["voteCount"], PHONES,
        "{counted}"
    );
    // The pages stay open to everyone in the room, after all of the above.
    for phone in phones.iter_mut().step_by(10) {
        assert_eq!(phone.get(uri).await.status, StatusCode::OK);
        let page = phone.get("/events/dag-van-de-buurt-2021").await;
        assert_eq!(page.status, StatusCode::OK);
    }
}
