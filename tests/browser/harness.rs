//! What the browser tests stand on: the real server in-process (port 0, a temporary SQLite
//! file), chromedriver on a free loopback port (stopped by its PID when done), Chromium
//! headless with or without JavaScript, and the checks run on every page: axe-core, 320 px,
//! no request to another host, screenshots.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Method, Request, header};
use buurtgraph::config::ServeConfig;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use http_body_util::BodyExt;
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};

pub const EVENT: &str = "dag-van-de-buurt-2021";
pub const CODE: &str = "TESTCODE42";
pub const PASSWORD: &str = "paars-fiets-op-de-dijk";

/// The server under test.
pub struct Server {
    pub base: String,
    /// `/metrics` (`METRICS_BIND`), to see how the pages' subscriptions are served.
    metrics: String,
    pub db: DatabaseConnection,
    http: HttpClient<HttpConnector, Body>,
    _dir: tempfile::TempDir,
}

impl Server {
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("browser.db").display()
        );
        let config = ServeConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            metrics: Box::new(buurtgraph::config::MetricsConfig {
                bind: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
                ..Default::default()
            }),
            ..ServeConfig::default()
        };
        let app = buurtgraph::Application::build(config, &url)
            .await
            .expect("the server starts");
        let address = app.local_addr().expect("bound");
        let metrics = app.metrics_addr().expect("METRICS_BIND listens");
        tokio::spawn(app.run_until_stopped());
        let db = buurtgraph::db::connect(&url).await.expect("database");
        buurtgraph::service::accounts::access_code(&db, EVENT, Some(CODE))
            .await
            .expect("access code set");
        Self {
            base: format!("http://{address}"),
            metrics: format!("http://{metrics}/metrics"),
            db,
            http: HttpClient::builder(TokioExecutor::new()).build_http(),
            _dir: dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A GraphQL request to the API, as any client would send it.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request =
            Request::post(self.url("/graphql")).header(header::CONTENT_TYPE, "application/json");
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let body = json!({ "query": query, "variables": variables }).to_string();
        let response = self
            .http
            .request(request.body(Body::from(body)).expect("request"))
            .await
            .expect("the API answers");
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let value: Value = serde_json::from_slice(&bytes).expect("JSON");
        assert!(value.get("errors").is_none(), "{value:#}");
        value["data"].clone()
    }

    /// The subscription gauges once they read `wanted` (within 5 s; the last reading
    /// otherwise): subscriptions open, those served by a shared execution, shared executions.
    pub async fn subscriptions(&self, wanted: (f64, f64, f64)) -> (f64, f64, f64) {
        let started = Instant::now();
        loop {
            let response = self
                .http
                .request(
                    Request::get(self.metrics.as_str())
                        .body(Body::empty())
                        .expect("request"),
                )
                .await
                .expect("the metrics answer");
            let bytes = response
                .into_body()
                .collect()
                .await
                .expect("body")
                .to_bytes();
            let text = String::from_utf8_lossy(&bytes);
            let gauge = |name: &str| {
                text.lines()
                    .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
                    .and_then(|value| value.trim().parse::<f64>().ok())
                    .unwrap_or(0.0)
            };
            let read = (
                gauge("buurtgraph_subscriptions"),
                gauge("buurtgraph_subscriptions_shared"),
                gauge("buurtgraph_subscription_shared_executions"),
            );
            if read == wanted || started.elapsed() > Duration::from_secs(5) {
                return read;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A moderator of every learning-agenda theme, signed in through the API.
    pub async fn moderator(&self) -> String {
        use buurtgraph::service::accounts::{ScopeSpec, create_account};
        let scopes: Vec<ScopeSpec> = [
            "gemengde-wijken",
            "vertrouwen-in-instituties-en-elkaar",
            "integraal-preventief-signaleren",
        ]
        .into_iter()
        .map(|slug| ScopeSpec::Theme(slug.into()))
        .collect();
        create_account(
            &self.db,
            "moderator@example.org",
            entity::enums::AccountRole::Moderator,
            PASSWORD,
            &scopes,
        )
        .await
        .expect("moderator");
        let data = self
            .gql(
                None,
                "mutation($i: LoginInput!) { login(input: $i) { token } }",
                json!({ "i": { "email": "moderator@example.org", "password": PASSWORD } }),
            )
            .await;
        data["login"]["token"].as_str().expect("token").to_owned()
    }

    /// Another participant, joined through the API.
    pub async fn participant(&self) -> String {
        let data = self
            .gql(
                None,
                "mutation($i: JoinEventInput!) { joinEvent(input: $i) { token } }",
                json!({ "i": { "eventSlug": EVENT, "accessCode": CODE } }),
            )
            .await;
        data["joinEvent"]["token"]
            .as_str()
            .expect("token")
            .to_owned()
    }

    pub async fn theme_id(&self, slug: &str) -> String {
        let data = self
            .gql(None, "{ event { themes { id slug } } }", json!({}))
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

    pub async fn submit(&self, token: &str, theme_id: &str, text: &str) -> String {
        let data = self
            .gql(
                Some(token),
                "mutation($i: SubmitLearningQuestionInput!) { submitLearningQuestion(input: $i) { id } }",
                json!({ "i": { "themeId": theme_id, "text": text } }),
            )
            .await;
        data["submitLearningQuestion"]["id"]
            .as_str()
            .expect("id")
            .to_owned()
    }

    pub async fn approve(&self, moderator: &str, question_id: &str) {
        self.gql(
            Some(moderator),
            "mutation($i: ModerateLearningQuestionInput!) { moderateLearningQuestion(input: $i) { status } }",
            json!({ "i": { "id": question_id, "action": "APPROVE" } }),
        )
        .await;
    }

    /// Another participant who joins and recognises a question through the web pages
    /// (plain form posts with their own cookies), as a second phone would.
    pub async fn recognise_through_the_pages(&self, question_id: &str) {
        let mut cookies: Vec<String> = Vec::new();
        let join_page = format!("/events/{EVENT}/meedoen");
        self.form(&mut cookies, &join_page, None).await;
        self.form(&mut cookies, &join_page, Some(vec![("accessCode", CODE)]))
            .await;
        let vote = format!("/events/{EVENT}/leeragenda/stem");
        let location = self
            .form(
                &mut cookies,
                &vote,
                Some(vec![("id", question_id), ("action", "vote")]),
            )
            .await;
        assert!(location.contains("melding=gestemd"), "{location}");
    }

    /// A GET (no fields) or a form POST with the CSRF token; keeps cookies; answers the
    /// redirect's location.
    async fn form(
        &self,
        cookies: &mut Vec<String>,
        path: &str,
        fields: Option<Vec<(&str, &str)>>,
    ) -> String {
        let cookie = cookies.join("; ");
        let request = match fields {
            None => Request::get(self.url(path))
                .header(header::COOKIE, cookie)
                .body(Body::empty()),
            Some(mut fields) => {
                let token = cookies
                    .iter()
                    .find_map(|c| c.strip_prefix("csrf="))
                    .unwrap_or_default()
                    .to_owned();
                fields.push(("csrfToken", &token));
                let body = serde_urlencoded::to_string(&fields).expect("form");
                Request::post(self.url(path))
                    .header(header::COOKIE, cookie)
                    .header(header::ORIGIN, self.base.clone())
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(body))
            }
        };
        let response = self
            .http
            .request(request.expect("request"))
            .await
            .expect("the page answers");
        for set in response.headers().get_all(header::SET_COOKIE) {
            let pair = set
                .to_str()
                .unwrap_or_default()
                .split(';')
                .next()
                .unwrap_or_default()
                .to_owned();
            let name = pair.split('=').next().unwrap_or_default().to_owned();
            cookies.retain(|c| !c.starts_with(&format!("{name}=")));
            cookies.push(pair);
        }
        response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }

    /// The ID of the newest question with this text (as staff would find it), via the database.
    pub async fn question_id(&self, text: &str) -> String {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let question = entity::learning_question::Entity::find()
            .filter(entity::learning_question::Column::Text.eq(text))
            .one(&self.db)
            .await
            .expect("query")
            .expect("the question is stored");
        buurtgraph::graphql::ids::encode(
            buurtgraph::graphql::ids::NodeType::LearningQuestion,
            question.id,
        )
        .to_string()
    }
}

/// chromedriver, started on a free port; stopped by PID when dropped.
pub struct Driver {
    child: Child,
    pub port: u16,
}

impl Driver {
    pub fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver runs (apt-get install chromium chromium-driver; .ci/run does)");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { child, port }
    }

    /// A headless Chromium session in Dutch, with or without JavaScript, in a fresh profile.
    pub async fn browser(&self, javascript: bool, profile: &Path) -> Client {
        let prefs = json!({ "intl.accept_languages": "nl-NL,nl" });
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", "--no-default-browser-check", "--lang=nl-NL",
                    "--hide-scrollbars", "--force-device-scale-factor=1",
                    format!("--user-data-dir={}", profile.display()),
                ],
                "prefs": prefs,
            }),
        );
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("a browser session");
        if !javascript {
            set_scripts(&client, false).await;
        }
        client
    }
}

/// Switches the page's own scripts off or on (DevTools' `Emulation.setScriptExecutionDisabled`
/// through chromedriver). Unlike the content setting, switching them on again for axe-core runs
/// none of the scripts the page skipped: the document stays as it is without JavaScript.
pub async fn set_scripts(client: &Client, enabled: bool) {
    client
        .issue_cmd(ScriptExecution { enabled })
        .await
        .expect("scripts switched");
}

#[derive(Debug)]
struct ScriptExecution {
    enabled: bool,
}

impl WebDriverCompatibleCommand for ScriptExecution {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (Method, Option<String>) {
        let body = json!({
            "cmd": "Emulation.setScriptExecutionDisabled",
            "params": { "value": !self.enabled },
        });
        (Method::POST, Some(body.to_string()))
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Only our own child, by its PID.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The axe-core script, installed by `.ci/run` (`npm ci` in `.ci`).
pub fn axe_source() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "{} is missing: run `npm ci` in .ci (.ci/run does)",
            path.display()
        )
    })
}

/// Where screenshots go: target/screenshots/.
pub fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    dir
}

/// A browser session with the checks every page gets.
pub struct Page<'a> {
    pub client: Client,
    pub server: &'a Server,
    pub javascript: bool,
    axe: String,
    pub checked: Vec<String>,
}

impl<'a> Page<'a> {
    pub fn new(client: Client, server: &'a Server, javascript: bool) -> Self {
        Self {
            client,
            server,
            javascript,
            axe: axe_source(),
            checked: Vec::new(),
        }
    }

    pub async fn open(&self, path: &str) {
        self.client
            .goto(&self.server.url(path))
            .await
            .expect("navigates");
    }

    /// The page's visible text; retried while a navigation replaces the document.
    pub async fn text(&self) -> String {
        for _ in 0..50 {
            match self
                .client
                .execute(
                    "return document.body ? document.body.innerText : null;",
                    vec![],
                )
                .await
            {
                Ok(Value::String(text)) => return text,
                _ => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        panic!("the page has no text");
    }

    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("url");
        format!(
            "{}{}",
            url.path(),
            url.query().map(|q| format!("?{q}")).unwrap_or_default()
        )
    }

    pub async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
    }

    /// Clicks something that loads a new page (a link, a form's button) and waits until the
    /// new document has replaced the old one, so that what is read next is the new page.
    pub async fn follow(&self, css: &str) {
        self.client
            .execute("document.documentElement.dataset.before = 'click';", vec![])
            .await
            .expect("marks the page");
        self.click(css).await;
        self.until_true(
            "return document.readyState === 'complete' && !document.documentElement.dataset.before;",
            Duration::from_secs(15),
            Duration::from_millis(50),
            &format!("{css}: no new page after the click"),
        )
        .await;
    }

    /// Runs `script` in the page until it returns `true`; fails with `what` after `within`.
    async fn until_true(&self, script: &str, within: Duration, every: Duration, what: &str) {
        let started = Instant::now();
        loop {
            let done = self.client.execute(script, vec![]).await;
            if matches!(done, Ok(Value::Bool(true))) {
                return;
            }
            assert!(started.elapsed() < within, "{what}");
            tokio::time::sleep(every).await;
        }
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let field = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
        field.clear().await.expect("clears");
        field.send_keys(text).await.expect("types");
    }

    pub async fn value(&self, css: &str) -> String {
        let field = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
        field
            .prop("value")
            .await
            .expect("value")
            .unwrap_or_default()
    }

    /// Waits until the page's text contains `wanted` (for live updates).
    pub async fn wait_for_text(&self, wanted: &str, within: Duration) {
        let started = Instant::now();
        while !self.text().await.contains(wanted) {
            assert!(
                started.elapsed() < within,
                "{wanted:?} did not appear within {within:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Starts watching for `wanted` in a visible element matching `css`: the page itself
    /// notes the moment it appears (wall-clock milliseconds, `Date.now()`), so a timing read
    /// with `seen_at` holds neither the test's polling nor its round trips to the browser.
    pub async fn watch_for(&self, css: &str, wanted: &str) {
        let started = self
            .client
            .execute(
                "const [css, wanted] = arguments;
                 const seen = () => [...document.querySelectorAll(css)]
                   .some((e) => e.checkVisibility() && e.innerText.includes(wanted));
                 if (seen()) return false;
                 window.__seenAt = null;
                 const observer = new MutationObserver(() => {
                   if (window.__seenAt === null && seen()) { window.__seenAt = Date.now(); observer.disconnect(); }
                 });
                 observer.observe(document.documentElement, { subtree: true, childList: true, characterData: true, attributes: true });
                 return true;",
                vec![json!(css), json!(wanted)],
            )
            .await
            .expect("watches");
        assert_eq!(started, json!(true), "{wanted:?} is already on the page");
    }

    /// When what `watch_for` waits for appeared (`Date.now()` in the page), waiting up to
    /// `within` for it.
    pub async fn seen_at(&self, within: Duration) -> i64 {
        let started = Instant::now();
        loop {
            let seen = self
                .client
                .execute("return window.__seenAt ?? null;", vec![])
                .await
                .expect("reads");
            if let Some(at) = seen.as_i64() {
                return at;
            }
            assert!(
                started.elapsed() < within,
                "nothing appeared within {within:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Notes the moment of the next click in this tab (`Date.now()`, kept in
    /// `sessionStorage` so it survives the page the click loads): `clicked_at` reads it.
    pub async fn note_next_click(&self) {
        self.client
            .execute(
                "sessionStorage.removeItem('clickedAt');
                 document.addEventListener('click', () => sessionStorage.setItem('clickedAt', String(Date.now())), { capture: true, once: true });",
                vec![],
            )
            .await
            .expect("listens");
    }

    /// When the click noted by `note_next_click` happened.
    pub async fn clicked_at(&self) -> i64 {
        let at = self
            .client
            .execute("return sessionStorage.getItem('clickedAt');", vec![])
            .await
            .expect("reads");
        at.as_str()
            .and_then(|at| at.parse().ok())
            .expect("the click was noted")
    }

    /// Waits until the page's live connection is open (`main[data-live=open]`, set by the
    /// page's script once the server acknowledged it).
    pub async fn wait_until_live(&self) {
        self.until_true(
            "const main = document.querySelector('main'); return !!main && main.dataset.live === 'open';",
            Duration::from_secs(10),
            Duration::from_millis(20),
            "the page's live connection did not open",
        )
        .await;
    }

    /// Asserts that every resource the page loaded came from the server under test.
    pub async fn same_origin_only(&self, name: &str) {
        let mode = if self.javascript { "js" } else { "nojs" };
        let origin = self.server.base.clone();
        let foreign = self
            .client
            .execute(
                "return performance.getEntriesByType('resource').map(e => e.name).filter(n => !n.startsWith(arguments[0]));",
                vec![json!(origin)],
            )
            .await
            .expect("resource timing");
        assert_eq!(
            foreign,
            json!([]),
            "{name} ({mode}): requests to another host"
        );
    }

    /// axe-core (WCAG 2.1 A and AA), 320 px without horizontal scrolling, no request to
    /// another host, and phone and desktop screenshots named `name`.
    pub async fn check(&mut self, name: &str) {
        let mode = if self.javascript { "js" } else { "nojs" };
        self.client.set_window_size(1280, 900).await.expect("size");
        {
            // Without JavaScript the page's scripts stay off; axe needs them on while it runs.
            if !self.javascript {
                set_scripts(&self.client, true).await;
            }
            self.client
                .execute(&self.axe, vec![])
                .await
                .expect("axe loads");
            let violations = self
                .client
                .execute_async(
                    "const done = arguments[arguments.length - 1];
                     axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
                       .then(r => done(r.violations.map(v => ({ id: v.id, help: v.help, nodes: v.nodes.map(n => n.html).slice(0, 3) }))))
                       .catch(e => done([{ id: 'axe-error', help: String(e) }]));",
                    vec![],
                )
                .await
                .expect("axe runs");
            if !self.javascript {
                set_scripts(&self.client, false).await;
            }
            assert_eq!(violations, json!([]), "{name} ({mode}): WCAG violations");
        }
        self.same_origin_only(name).await;
        let dir = screenshot_dir();
        std::fs::write(
            dir.join(format!("{name}-desktop-{mode}.png")),
            self.client.screenshot().await.expect("screenshot"),
        )
        .expect("writes");
        self.client.set_window_size(390, 844).await.expect("size");
        std::fs::write(
            dir.join(format!("{name}-phone-{mode}.png")),
            self.client.screenshot().await.expect("screenshot"),
        )
        .expect("writes");
        self.client.set_window_size(320, 700).await.expect("size");
        let widths = self
            .client
            .execute(
                "const width = document.documentElement.clientWidth;
                 const wide = [...document.querySelectorAll('body *')]
                   .filter(e => e.getBoundingClientRect().right > width + 1)
                   .slice(0, 3)
                   .map(e => e.tagName.toLowerCase() + (e.className && e.className.baseVal === undefined ? '.' + e.className : ''));
                 return [document.documentElement.scrollWidth, width, wide];",
                vec![],
            )
            .await
            .expect("widths");
        let scroll = widths[0].as_i64().unwrap_or(i64::MAX);
        let client = widths[1].as_i64().unwrap_or(0);
        assert!(
            scroll <= 320 && scroll <= client,
            "{name} ({mode}): scrolls sideways at 320 px ({widths})"
        );
        self.client.set_window_size(390, 844).await.expect("size");
        self.checked.push(name.to_owned());
    }
}
