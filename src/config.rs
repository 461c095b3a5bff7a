//! Configuration from flags and environment, typed, with defaults for the embedded setup.

use std::net::SocketAddr;

use clap::{Args, ValueEnum};
use secrecy::SecretString;

/// Where the data lives. The default is an SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://buurtgraph.db?mode=rwc";

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Where the service runs: production refuses unsafe settings at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Environment {
    /// Local use: a generated JWT secret and GraphiQL are fine.
    #[default]
    Development,
    /// A strong `JWT_SECRET` is required; GraphiQL and introspection are off unless asked for.
    Production,
}

/// Settings of the HTTP server.
#[derive(Debug, Clone, Args)]
pub struct ServeConfig {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Origins allowed to call the API from a browser, comma-separated; `*` allows any.
    #[arg(
        long = "cors-origin",
        env = "CORS_ORIGINS",
        value_delimiter = ',',
        default_value = "*"
    )]
    pub cors_origins: Vec<String>,
    /// Largest request body accepted, in bytes.
    #[arg(long, env = "BODY_LIMIT_BYTES", default_value_t = 64 * 1024)]
    pub body_limit_bytes: usize,
    /// Longest time a client may take to send a request's headers, in seconds (slow clients
    /// holding connections open are cut off).
    #[arg(long, env = "HEADER_READ_TIMEOUT_SECS", default_value_t = 10)]
    pub header_read_timeout_secs: u64,
    /// Longest time a request may take, in seconds, reading its body included.
    #[arg(long, env = "REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,
    /// Seconds a request body may stall (no bytes arriving) before the request is refused
    /// with 408; the whole request stays bounded by `REQUEST_TIMEOUT_SECS`.
    #[arg(long, env = "BODY_READ_TIMEOUT_SECS", default_value_t = 10)]
    pub body_read_timeout_secs: u64,
    /// Development or production.
    #[arg(long, env = "APP_ENV", value_enum, default_value_t = Environment::Development)]
    pub environment: Environment,
    /// Serve GraphiQL at `/` and allow introspection; by default on in development, off in production.
    #[arg(long, env = "GRAPHIQL", action = clap::ArgAction::Set)]
    pub graphiql: Option<bool>,
    /// Do not load the bundled Dag van de Buurt programme into an empty database.
    #[arg(long, env = "NO_BUNDLED_PROGRAMME")]
    pub no_bundled_programme: bool,
    /// Secret for signing tokens (at least 32 bytes). Without it, a random secret is
    /// generated once and kept in the database.
    #[arg(long, env = "JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<SecretString>,
    /// A file holding the JWT secret (for container secrets); read at start.
    #[arg(long, env = "JWT_SECRET_FILE", conflicts_with = "jwt_secret")]
    pub jwt_secret_file: Option<std::path::PathBuf>,
    /// Learning questions one participant may submit per minute.
    #[arg(long, env = "SUBMISSIONS_PER_MINUTE", default_value_t = 10)]
    pub submissions_per_minute: u32,
    /// Sign-in attempts per e-mail address per minute.
    #[arg(long, env = "LOGINS_PER_MINUTE", default_value_t = 10)]
    pub logins_per_minute: u32,
    /// GraphQL requests per second from one address (a whole venue may share one); 0 switches it off.
    #[arg(long, env = "IP_REQUESTS_PER_SECOND", default_value_t = 100)]
    pub ip_requests_per_second: u32,
    /// Requests one address may send at once before the per-second rate applies.
    #[arg(long, env = "IP_REQUEST_BURST", default_value_t = 1_000)]
    pub ip_request_burst: u32,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted reverse proxy).
    #[arg(long, env = "TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,
    /// Attempts to join an event per address per minute: a room of a thousand phones behind
    /// one NAT address joins at once, and access codes still cannot be guessed.
    #[arg(long, env = "JOINS_PER_MINUTE", default_value_t = 1_200)]
    pub joins_per_minute: u32,
    /// Votes and withdrawn votes one participant may cast per minute.
    #[arg(long, env = "VOTES_PER_MINUTE", default_value_t = 120)]
    pub votes_per_minute: u32,
    /// Open WebSocket connections per address; 0 means no limit.
    #[arg(long, env = "WS_CONNECTIONS_PER_IP", default_value_t = 2_000)]
    pub ws_connections_per_ip: usize,
    /// Open WebSocket connections per token (participant or account); 0 means no limit.
    #[arg(long, env = "WS_CONNECTIONS_PER_TOKEN", default_value_t = 5)]
    pub ws_connections_per_token: usize,
    /// Largest WebSocket message accepted, in bytes.
    #[arg(long, env = "WS_MAX_MESSAGE_BYTES", default_value_t = 64 * 1024)]
    pub ws_max_message_bytes: usize,
    /// Messages per second one WebSocket connection may send (after a burst of five
    /// seconds' worth); 0 means no limit.
    #[arg(long, env = "WS_MESSAGES_PER_SECOND", default_value_t = 10)]
    pub ws_messages_per_second: u32,
    /// Subscriptions one WebSocket connection may hold open; 0 means no limit.
    #[arg(long, env = "WS_SUBSCRIPTIONS_PER_CONNECTION", default_value_t = 20)]
    pub ws_subscriptions_per_connection: usize,
    /// Seconds a new WebSocket connection has to send `connection_init` before it is closed
    /// (4408).
    #[arg(long, env = "WS_INIT_TIMEOUT_SECS", default_value_t = 10)]
    pub ws_init_timeout_secs: u64,
    /// Keep anonymous programme responses in memory until the programme changes.
    #[arg(long, env = "RESPONSE_CACHE", default_value_t = true, action = clap::ArgAction::Set)]
    pub response_cache: bool,
    /// Most distinct responses kept by the response cache.
    #[arg(long, env = "RESPONSE_CACHE_ENTRIES", default_value_t = 512)]
    pub response_cache_entries: usize,
    /// Most bytes of response bodies kept by the response cache.
    #[arg(long, env = "RESPONSE_CACHE_BYTES", default_value_t = 16 * 1024 * 1024)]
    pub response_cache_bytes: usize,
    /// A thesaurus file of your own for similar questions and clusters, in the format of the
    /// built-in `data/thesaurus-nl.txt` (which it replaces). A bad entry stops the start with
    /// the file and line.
    #[arg(long, env = "THESAURUS", value_parser = boxed_path)]
    pub thesaurus: Option<Box<std::path::PathBuf>>,
    /// Where the public reaches this service (`https://buurt.example`, or with a path prefix),
    /// for absolute links such as the calendar's session pages. Unset: each request's `Host`.
    #[arg(long, env = "PUBLIC_URL", value_parser = PublicUrl::parse)]
    pub public_url: Option<PublicUrl>,
    /// Prometheus metrics.
    #[command(flatten)]
    pub metrics: Box<MetricsConfig>,
}

/// Settings of the Prometheus metrics (boxed in `ServeConfig`, which stays small beside the
/// other commands' arguments).
#[derive(Debug, Clone, Default, Args)]
pub struct MetricsConfig {
    /// Serve Prometheus metrics at `/metrics` on this address, apart from the public one so
    /// that it need not be reachable from outside. Unset: no metrics are kept or served.
    #[arg(
        id = "metrics_bind",
        long = "metrics-bind",
        env = "METRICS_BIND",
        value_name = "ADDRESS"
    )]
    pub bind: Option<SocketAddr>,
    /// GraphQL operation names the metrics count by name (your clients' operations),
    /// comma-separated; other names count as `other`, so that clients cannot make up labels.
    #[arg(
        id = "metrics_operations",
        long = "metrics-operation",
        env = "METRICS_OPERATIONS",
        value_delimiter = ',',
        value_name = "NAMES"
    )]
    pub operations: Vec<String>,
}

/// A path, boxed: the serve settings stay small beside the other commands' arguments.
fn boxed_path(text: &str) -> Result<Box<std::path::PathBuf>, String> {
    Ok(Box::new(std::path::PathBuf::from(text)))
}

/// An `http` or `https` URL without query or fragment, kept without a trailing slash so that
/// paths can be appended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl(String);

impl PublicUrl {
    pub fn parse(text: &str) -> Result<Self, String> {
        let uri: axum::http::Uri = text
            .parse()
            .map_err(|_| format!("PUBLIC_URL: {text:?} is not a URL"))?;
        let scheme_ok = matches!(uri.scheme_str(), Some("http" | "https"));
        let authority = uri.authority().map(|a| a.as_str()).unwrap_or_default();
        if !scheme_ok || authority.is_empty() || authority.contains('@') {
            return Err(format!(
                "PUBLIC_URL: {text:?} must be an http or https URL with a host, such as https://buurt.example"
            ));
        }
        if uri.query().is_some() || text.contains('#') {
            return Err(format!(
                "PUBLIC_URL: {text:?} must not have a query or fragment"
            ));
        }
        Ok(Self(text.trim_end_matches('/').to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for ServeConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            cors_origins: vec!["*".to_owned()],
            body_limit_bytes: 64 * 1024,
            header_read_timeout_secs: 10,
            request_timeout_secs: 30,
            body_read_timeout_secs: 10,
            environment: Environment::Development,
            graphiql: None,
            no_bundled_programme: false,
            jwt_secret: None,
            jwt_secret_file: None,
            submissions_per_minute: 10,
            logins_per_minute: 10,
            ip_requests_per_second: 100,
            ip_request_burst: 1_000,
            trust_forwarded_for: false,
            joins_per_minute: 1_200,
            votes_per_minute: 120,
            ws_connections_per_ip: 2_000,
            ws_connections_per_token: 5,
            ws_max_message_bytes: 64 * 1024,
            ws_messages_per_second: 10,
            ws_subscriptions_per_connection: 20,
            ws_init_timeout_secs: 10,
            response_cache: true,
            response_cache_entries: 512,
            response_cache_bytes: 16 * 1024 * 1024,
            thesaurus: None,
            public_url: None,
            metrics: Box::default(),
        }
    }
}

/// Fewest distinct bytes a production JWT secret must have (a long run of one character,
/// or a short word repeated, is not a secret).
pub const MIN_DISTINCT_SECRET_BYTES: usize = 16;

impl ServeConfig {
    /// Whether GraphiQL and introspection are on.
    pub fn graphiql_enabled(&self) -> bool {
        self.graphiql
            .unwrap_or(self.environment == Environment::Development)
    }

    /// Reads `JWT_SECRET_FILE` into `jwt_secret`, then refuses what production must not run
    /// with. Messages name the setting and the reason.
    pub fn resolve_secrets(&mut self) -> anyhow::Result<()> {
        if let Some(path) = &self.jwt_secret_file {
            let text = std::fs::read_to_string(path).map_err(|err| {
                anyhow::anyhow!("JWT_SECRET_FILE {}: cannot read it: {err}", path.display())
            })?;
            self.jwt_secret = Some(SecretString::from(text.trim_end_matches(['\n', '\r'])));
        }
        if self.environment == Environment::Production {
            use secrecy::ExposeSecret;
            let Some(secret) = &self.jwt_secret else {
                anyhow::bail!(
                    "JWT_SECRET: required in production (or JWT_SECRET_FILE); generate one with `openssl rand -base64 48`"
                );
            };
            check_strong_secret(secret.expose_secret())?;
        }
        Ok(())
    }
}

/// A production secret: at least `MIN_SECRET_BYTES`, with enough distinct bytes to be random.
pub fn check_strong_secret(secret: &str) -> anyhow::Result<()> {
    let bytes = secret.as_bytes();
    anyhow::ensure!(
        bytes.len() >= crate::auth::jwt::MIN_SECRET_BYTES,
        "JWT_SECRET: too short ({} bytes; at least {} are needed)",
        bytes.len(),
        crate::auth::jwt::MIN_SECRET_BYTES
    );
    let distinct = bytes
        .iter()
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    anyhow::ensure!(
        distinct >= MIN_DISTINCT_SECRET_BYTES,
        "JWT_SECRET: too weak ({distinct} distinct characters; use a random secret such as `openssl rand -base64 48`)"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_and_short_secrets_are_refused() {
        assert!(check_strong_secret("short").is_err());
        assert!(check_strong_secret(&"a".repeat(64)).is_err());
        assert!(check_strong_secret(&"changeme".repeat(8)).is_err());
        assert!(check_strong_secret("k3P9vQz7Lx2mN8rT5wY1bC4dF6gH0jS-").is_ok());
    }

    #[test]
    fn a_public_url_is_an_http_url_without_query() {
        let parsed = |text| PublicUrl::parse(text).map(|url| url.as_str().to_owned());
        assert_eq!(
            parsed("https://buurt.example/"),
            Ok("https://buurt.example".into())
        );
        assert_eq!(
            parsed("http://127.0.0.1:8080/buurt"),
            Ok("http://127.0.0.1:8080/buurt".into())
        );
        for bad in [
            "buurt.example",
            "ftp://buurt.example",
            "https://user@buurt.example",
            "https://buurt.example/?a=b",
            "https://buurt.example/#x",
        ] {
            assert!(PublicUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn production_needs_a_secret_and_hides_graphiql_by_default() {
        let mut config = ServeConfig {
            environment: Environment::Production,
            ..ServeConfig::default()
        };
        assert!(!config.graphiql_enabled());
        let missing = config.resolve_secrets().err().map(|e| e.to_string());
        assert!(missing.is_some_and(|m| m.starts_with("JWT_SECRET: required")));
        config.jwt_secret = Some(SecretString::from("x".repeat(40)));
        assert!(config.resolve_secrets().is_err());
        assert!(ServeConfig::default().graphiql_enabled());
    }
}
