//! The processes under test: the service (`buurtgraph serve`) and the ceiling server
//! (`buurtgraph-bench ceiling`), each a child process on a free loopback port, killed when
//! dropped.

use std::fs::File;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use sea_orm::{ConnectionTrait as _, DatabaseConnection};

use super::client::{Call, HttpClient, send};
use buurtgraph::error::AppError;
use buurtgraph::service::accounts::{self, ScopeSpec};
use buurtgraph::{db, programme_bundle};
use entity::enums::AccountRole;

pub const EVENT: &str = "dag-van-de-buurt-2021";
/// The moderator screens this theme; W1, W2 and S1 questions go there.
pub const MODERATED_THEME: &str = "gemengde-wijken";
pub const MODERATOR: &str = "bench-moderator@example.org";
pub const STAFF: &str = "bench-staff@example.org";
pub const PASSWORD: &str = "benchmark-paars-fiets-op-de-dijk";

/// How the service is started for a group of scenarios.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    pub database_url: String,
    /// `false` for R2: full execution for every request.
    pub response_cache: bool,
}

/// Every setting of the server under test, in one place.
pub fn server_env(options: &ServerOptions) -> Vec<(&'static str, String)> {
    vec![
        ("DATABASE_URL", options.database_url.clone()),
        ("SUBMISSIONS_PER_MINUTE", "1000000".into()),
        ("LOGINS_PER_MINUTE", "1000000".into()),
        ("JOINS_PER_MINUTE", "1000000".into()),
        ("VOTES_PER_MINUTE", "1000000".into()),
        ("LOG_FORMAT", "json".into()),
        ("RUST_LOG", "warn".into()),
        ("RESPONSE_CACHE", options.response_cache.to_string()),
        ("IP_REQUESTS_PER_SECOND", "0".into()),
        ("WS_CONNECTIONS_PER_IP", "0".into()),
    ]
}

/// The service binary to start: the one given, else `buurtgraph` next to this binary (the
/// same target directory, where `cargo build --workspace` puts both).
pub fn service_binary(given: Option<&Path>) -> anyhow::Result<PathBuf> {
    let path = match given {
        Some(path) => path.to_owned(),
        None => std::env::current_exe()
            .context("finding the buurtgraph-bench binary")?
            .with_file_name(format!("buurtgraph{}", std::env::consts::EXE_SUFFIX)),
    };
    if !path.is_file() {
        anyhow::bail!(
            "no service binary at {}: build it beside the benchmark with \
             `cargo build --release --locked --workspace`, or pass --service-bin",
            path.display()
        );
    }
    Ok(path)
}

/// A free loopback port: bind to port 0, read the port, let it go.
pub fn free_port() -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?)
}

/// A child process serving HTTP; killed on drop.
pub struct ServerProcess {
    child: Child,
    pub name: String,
    pub address: SocketAddr,
    pub log: PathBuf,
}

impl ServerProcess {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Starts `program <args> --bind <free port>` with `env` and waits for `/readyz`.
    pub async fn start(
        name: &str,
        program: &Path,
        args: &[&str],
        env: &[(&'static str, String)],
        workdir: &Path,
        client: &HttpClient,
    ) -> anyhow::Result<Self> {
        let address = free_port()?;
        let log = workdir.join(format!("{name}.log"));
        let out = File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let child = Command::new(program)
            .args(args)
            .arg("--bind")
            .arg(address.to_string())
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .with_context(|| format!("starting the {name} server"))?;
        let mut process = Self {
            child,
            name: name.to_owned(),
            address,
            log,
        };
        process.wait_ready(client).await?;
        Ok(process)
    }

    async fn wait_ready(&mut self, client: &HttpClient) -> anyhow::Result<()> {
        let started = Instant::now();
        let probe = Call::get(format!("{}/readyz", self.base()));
        loop {
            if let Some(status) = self.child.try_wait()? {
                anyhow::bail!(
                    "the {} server exited ({status}) before it was ready: {}",
                    self.name,
                    self.log_tail()
                );
            }
            if let Ok(reply) = send(client, &probe).await
                && reply.status.is_success()
            {
                return Ok(());
            }
            if started.elapsed() > Duration::from_secs(120) {
                anyhow::bail!(
                    "the {} server was not ready within 120 s: {}",
                    self.name,
                    self.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The last lines the server logged, for error messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(10)..].join("\n")
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Which database the service runs on.
#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite { dir: PathBuf },
    Postgres { url: String },
}

impl Backend {
    pub fn label(&self) -> &'static str {
        match self {
            Self::Sqlite { .. } => "sqlite",
            Self::Postgres { .. } => "postgres",
        }
    }

    /// A fresh, empty database named `name`, as a URL for the service.
    pub async fn fresh_database(&self, name: &str) -> anyhow::Result<String> {
        match self {
            Self::Sqlite { dir } => {
                let path = dir.join(format!("{name}.db"));
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
                Ok(format!("sqlite://{}?mode=rwc", path.display()))
            }
            Self::Postgres { url } => {
                let database = format!("buurtgraph_bench_{name}_{}", std::process::id());
                let admin = admin_connection(url).await.with_context(|| {
                    format!("connecting to {}", buurtgraph::startup::redact(url))
                })?;
                admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {database}"))
                    .await?;
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {database}"))
                    .await?;
                admin.close().await?;
                Ok(with_database_name(url, &database))
            }
        }
    }

    /// Drops the databases made by `fresh_database` (PostgreSQL; SQLite files go with the directory).
    pub async fn drop_database(&self, name: &str) {
        if let Self::Postgres { url } = self {
            let database = format!("buurtgraph_bench_{name}_{}", std::process::id());
            if let Ok(admin) = admin_connection(url).await {
                let _ = admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
                    .await;
                let _ = admin.close().await;
            }
        }
    }
}

/// A connection for creating and dropping databases, without sqlx's slow-statement warnings.
async fn admin_connection(url: &str) -> Result<DatabaseConnection, sea_orm::DbErr> {
    let mut options = sea_orm::ConnectOptions::new(url);
    options.max_connections(1).sqlx_logging(false);
    sea_orm::Database::connect(options).await
}

/// `url` with its database (the path) replaced by `name`; the query string is kept.
pub fn with_database_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[after_scheme..]
        .find('/')
        .map_or(base.len(), |i| after_scheme + i);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

/// Migrates, loads the bundled programme, sets the access code and adds the moderator and
/// staff accounts, through the service layer, before the server starts. Returns the access code
/// and the open connection (for generating data).
pub async fn prepare(database_url: &str) -> anyhow::Result<(String, DatabaseConnection)> {
    let db = db::connect(database_url).await?;
    db::migrate(&db).await?;
    programme_bundle::import_if_empty(&db).await?;
    let code = accounts::access_code(&db, EVENT, None)
        .await
        .map_err(service_error)?;
    accounts::create_account(
        &db,
        MODERATOR,
        AccountRole::Moderator,
        PASSWORD,
        &[ScopeSpec::Theme(MODERATED_THEME.into())],
    )
    .await
    .map_err(service_error)?;
    accounts::create_account(&db, STAFF, AccountRole::Staff, PASSWORD, &[])
        .await
        .map_err(service_error)?;
    Ok((code, db))
}

/// A service error as a message for the benchmark's output.
fn service_error(err: AppError) -> anyhow::Error {
    match err {
        AppError::Internal(cause) | AppError::Unavailable(cause) => cause,
        other => anyhow::anyhow!("{:?}: {}", other.code(), other.message()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_names_replace_the_path() {
        assert_eq!(
            with_database_name("postgres://postgres@127.0.0.1:55499/postgres", "b1"),
            "postgres://postgres@127.0.0.1:55499/b1"
        );
        assert_eq!(
            with_database_name("postgres://u:p@h/db?sslmode=disable", "b2"),
            "postgres://u:p@h/b2?sslmode=disable"
        );
        assert_eq!(
            with_database_name("postgres://h:1", "b3"),
            "postgres://h:1/b3"
        );
    }

    #[test]
    fn the_server_gets_generous_limits() {
        let env = server_env(&ServerOptions {
            database_url: "sqlite://x.db".into(),
            response_cache: false,
        });
        let get = |key: &str| env.iter().find(|(k, _)| *k == key).map(|(_, v)| v.as_str());
        assert_eq!(get("RESPONSE_CACHE"), Some("false"));
        assert_eq!(get("SUBMISSIONS_PER_MINUTE"), Some("1000000"));
        assert_eq!(get("IP_REQUESTS_PER_SECOND"), Some("0"));
    }
}
