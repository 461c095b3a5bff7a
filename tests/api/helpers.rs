//! `TestApp`: a fresh database, the real router, and helpers to call it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use buurtgraph::config::ServeConfig;
use buurtgraph::programme_file::ProgrammeFile;
use buurtgraph::service::import::{ImportReport, import_programme};
use http_body_util::BodyExt;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::{Value, json};
use tower::ServiceExt;

pub struct TestApp {
    pub router: Router,
    /// `/metrics` of the same app (what `METRICS_BIND` serves).
    pub metrics: Router,
    pub db: DatabaseConnection,
    statements: Arc<Mutex<Vec<String>>>,
    _dir: Option<tempfile::TempDir>,
}

/// An HTTP response, read whole.
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|err| {
            panic!(
                "response is not JSON ({err}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

static DATABASE_COUNTER: AtomicU64 = AtomicU64::new(0);

impl TestApp {
    /// A fresh, migrated, empty database behind the real router.
    pub async fn empty() -> Self {
        Self::with_config(ServeConfig::default()).await
    }

    /// A fresh database with the bundled Dag van de Buurt programme.
    pub async fn bundled() -> Self {
        let app = Self::empty().await;
        buurtgraph::programme_bundle::import_if_empty(&app.db)
            .await
            .expect("bundled programme imports");
        app
    }

    /// A fresh database with the bundled programme and no response cache, so every request
    /// executes in full (for tests that count statements).
    pub async fn bundled_uncached() -> Self {
        let app = Self::with_config(ServeConfig {
            response_cache: false,
            ..ServeConfig::default()
        })
        .await;
        buurtgraph::programme_bundle::import_if_empty(&app.db)
            .await
            .expect("bundled programme imports");
        app
    }

    pub async fn with_config(config: ServeConfig) -> Self {
        let (url, dir) = match std::env::var("TEST_DATABASE_URL") {
            Ok(admin_url) => (fresh_postgres_database(&admin_url).await, None),
            Err(_) => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
                (url, Some(dir))
            }
        };
        let mut db = buurtgraph::db::connect(&url).await.expect("database opens");
        let statements = Arc::new(Mutex::new(Vec::new()));
        let log = statements.clone();
        db.set_metric_callback(move |info| {
            if let Ok(mut log) = log.lock() {
                log.push(info.statement.sql.clone());
            }
        });
        buurtgraph::db::migrate(&db).await.expect("migrations run");
        let routers = buurtgraph::build_routers(config, db.clone())
            .await
            .expect("router builds");
        Self {
            router: routers.public,
            metrics: routers.metrics,
            db,
            statements,
            _dir: dir,
        }
    }

    /// Number of SQL statements run since the last reset.
    pub fn statements(&self) -> usize {
        self.statement_log().len()
    }

    /// The SQL of the statements run since the last reset.
    pub fn statement_log(&self) -> Vec<String> {
        self.statements
            .lock()
            .map(|log| log.clone())
            .unwrap_or_default()
    }

    pub fn reset_statements(&self) {
        if let Ok(mut log) = self.statements.lock() {
            log.clear();
        }
    }

    pub async fn import(&self, file: &ProgrammeFile) -> ImportReport {
        import_programme(&self.db, file)
            .await
            .expect("import succeeds")
    }

    pub async fn request(&self, request: Request<Body>) -> TestResponse {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body reads")
            .to_bytes()
            .to_vec();
        TestResponse {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, uri: &str) -> TestResponse {
        self.request(Request::get(uri).body(Body::empty()).expect("request"))
            .await
    }

    pub async fn post_json(&self, uri: &str, body: &Value) -> TestResponse {
        self.request(
            Request::post(uri)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .expect("request"),
        )
        .await
    }

    /// Runs a GraphQL operation over POST and returns the whole response body.
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        self.post_json(
            "/graphql",
            &json!({ "query": query, "variables": variables }),
        )
        .await
        .json()
    }

    /// Runs a GraphQL operation with a bearer token.
    pub async fn gql_as(&self, token: &str, query: &str, variables: Value) -> Value {
        self.request(
            Request::post("/graphql")
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::from(
                    json!({ "query": query, "variables": variables }).to_string(),
                ))
                .expect("request"),
        )
        .await
        .json()
    }

    /// As `gql`, with a token when given.
    pub async fn gql_maybe_as(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        match token {
            Some(token) => self.gql_as(token, query, variables).await,
            None => self.gql(query, variables).await,
        }
    }

    /// Runs an operation that must succeed and returns its `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let response = self.gql(query, variables).await;
        assert!(
            response.get("errors").is_none(),
            "unexpected errors: {response:#}"
        );
        response["data"].clone()
    }

    /// Runs an operation that must fail and returns its first error's code.
    pub async fn error_code(&self, query: &str, variables: Value) -> String {
        let response = self.gql(query, variables).await;
        first_error_code(&response)
    }

    /// Counts rows in a table.
    pub async fn count_rows(&self, table: &str) -> i64 {
        let backend = self.db.get_database_backend();
        let row = self
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                backend,
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .expect("count runs")
            .expect("one row");
        row.try_get::<i64>("", "n").expect("count is a number")
    }
}

pub fn first_error_code(response: &Value) -> String {
    response["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no error code in {response:#}"))
        .to_owned()
}

pub async fn fresh_postgres_database(admin_url: &str) -> String {
    let admin = buurtgraph::db::connect(admin_url)
        .await
        .expect("PostgreSQL reachable");
    let name = format!(
        "bg_test_{}_{}_{}",
        std::process::id(),
        DATABASE_COUNTER.fetch_add(1, Ordering::SeqCst),
        chrono::Utc::now().timestamp_micros()
    );
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("test database created");
    admin.close().await.ok();
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url, |(base, _)| base);
    format!("{base}/{name}")
}

/// Asserts that a page's Content-Security-Policy allows its own inline `<script>` and
/// `<style>` blocks by hash, and nothing inline beyond them.
pub fn assert_strict_csp(html: &str, policy: &str) {
    use base64::Engine;
    use sha2::Digest;
    assert!(policy.starts_with("default-src 'none'"), "{policy}");
    assert!(!policy.contains("unsafe-"), "{policy}");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    for tag in ["script", "style"] {
        for block in html.split(&format!("<{tag}>")).skip(1) {
            let body = block.split(&format!("</{tag}>")).next().unwrap_or_default();
            let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(body));
            assert!(
                policy.contains(&format!("'sha256-{hash}'")),
                "the inline {tag} block is not allowed by {policy}"
            );
        }
    }
}
