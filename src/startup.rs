//! Building and running the server: connect, migrate, load the bundled programme, serve.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;
use tower::{Service, ServiceExt as _};

use secrecy::ExposeSecret;

use crate::auth::jwt::JwtKeys;
use crate::auth::limits::Limits;
use crate::config::ServeConfig;
use crate::graphql::{SchemaData, SchemaOptions, build_schema};
use crate::http::response_cache::ResponseCache;
use crate::service::accounts;
use crate::service::live::Changes;
use crate::state::{AppState, SharedState};
use crate::{db, http, programme_bundle};
use async_graphql::extensions::apollo_persisted_queries::LruCacheStorage;

/// A server bound to its address, ready to run.
pub struct Application {
    listener: TcpListener,
    router: Router,
    header_read_timeout_secs: u64,
    /// `/metrics`, on its own address (`METRICS_BIND`), when set.
    metrics: Option<(TcpListener, Router)>,
}

/// The public router and the router of `/metrics` of one app (sharing its state).
pub struct Routers {
    pub public: Router,
    pub metrics: Router,
}

impl Application {
    /// Connects to `database_url`, migrates, imports the bundled programme into an empty
    /// database (unless switched off) and binds the listener.
    pub async fn build(config: ServeConfig, database_url: &str) -> anyhow::Result<Self> {
        use_thesaurus(&config)?;
        let db = db::connect(database_url)
            .await
            .with_context(|| format!("cannot open the database at {}", redact(database_url)))?;
        Self::with_database(config, db).await
    }

    /// As `build`, with a connection made by the caller.
    pub async fn with_database(
        config: ServeConfig,
        db: DatabaseConnection,
    ) -> anyhow::Result<Self> {
        db::migrate(&db).await.context("migrating the database")?;
        if !config.no_bundled_programme
            && let Some(report) = programme_bundle::import_if_empty(&db)
                .await
                .context("loading the bundled programme")?
        {
            tracing::info!(event = %report.event_slug, "loaded the bundled programme into the empty database");
        }
        let listener = TcpListener::bind(config.bind)
            .await
            .with_context(|| format!("cannot listen on {}", config.bind))?;
        let metrics_listener = match config.metrics.bind {
            Some(address) => Some(
                TcpListener::bind(address)
                    .await
                    .with_context(|| format!("METRICS_BIND: cannot listen on {address}"))?,
            ),
            None => None,
        };
        let header_read_timeout_secs = config.header_read_timeout_secs;
        let routers = build_routers(config, db).await?;
        Ok(Self {
            listener,
            router: routers.public,
            header_read_timeout_secs,
            metrics: metrics_listener.map(|listener| (listener, routers.metrics)),
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Where `/metrics` is served; `None` without `METRICS_BIND`.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        let (listener, _) = self.metrics.as_ref()?;
        listener.local_addr().ok()
    }

    /// Serves until SIGTERM or Ctrl-C, then finishes the requests in flight (for at most
    /// `SHUTDOWN_GRACE`).
    ///
    /// The accept loop is hyper's own rather than `axum::serve`, which has no timeouts: a
    /// client that trickles its headers is cut off after `header_read_timeout_secs`.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        tracing::info!(address = %self.local_addr()?, "ready");
        // Scrapes come from the operator's own Prometheus: axum's plain server is enough, and
        // it stops with the public one.
        let metrics = self.metrics.map(|(listener, router)| {
            if let Ok(address) = listener.local_addr() {
                tracing::info!(%address, "serving /metrics");
            }
            tokio::spawn(async move { axum::serve(listener, router).await })
        });
        let mut make_service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(TokioTimer::new())
            .header_read_timeout(Duration::from_secs(self.header_read_timeout_secs));
        // Every connection holds a `closed` receiver; shutdown waits until all are dropped.
        let (shutting_down, shutdown_seen) = tokio::sync::watch::channel(false);
        let (all_closed, closed) = tokio::sync::watch::channel(());
        let mut stop = std::pin::pin!(shutdown_signal());
        loop {
            let (stream, remote) = tokio::select! {
                accepted = self.listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(err) => {
                        // Out of file descriptors and the like: wait rather than spin.
                        tracing::warn!(error = %err, "cannot accept a connection");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                () = &mut stop => break,
            };
            let Ok(router) = make_service.call(remote).await;
            let service = TowerToHyperService::new(
                router.map_request(|request: Request<Incoming>| request.map(Body::new)),
            );
            let connection = http
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            let mut shutdown_seen = shutdown_seen.clone();
            let closed = closed.clone();
            tokio::spawn(async move {
                let mut connection = std::pin::pin!(connection);
                let result = tokio::select! {
                    result = connection.as_mut() => result,
                    _ = shutdown_seen.changed() => {
                        connection.as_mut().graceful_shutdown();
                        connection.await
                    }
                };
                if let Err(err) = result {
                    tracing::debug!(error = %err, "connection ended with an error");
                }
                drop(closed);
            });
        }
        drop(self.listener);
        drop(closed);
        let _ = shutting_down.send(true);
        if tokio::time::timeout(SHUTDOWN_GRACE, all_closed.closed())
            .await
            .is_err()
        {
            tracing::warn!("requests still running after the grace period; stopping anyway");
        }
        if let Some(metrics) = metrics {
            metrics.abort();
        }
        Ok(())
    }
}

/// The thesaurus of `THESAURUS`, read before anything else so that a bad entry stops the
/// start at once.
fn use_thesaurus(config: &ServeConfig) -> anyhow::Result<()> {
    if let Some(path) = &config.thesaurus {
        let thesaurus =
            crate::domain::similarity::Thesaurus::read(path).map_err(anyhow::Error::msg)?;
        tracing::info!(path = %path.display(), groups = thesaurus.len(), "thesaurus");
        thesaurus.use_everywhere();
    }
    Ok(())
}

/// How long a shutdown waits for requests in flight.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// The router over a migrated database; used by `Application` and by in-process tests.
pub async fn build_router(config: ServeConfig, db: DatabaseConnection) -> anyhow::Result<Router> {
    Ok(build_routers(config, db).await?.public)
}

/// The public router and the metrics router over a migrated database.
pub async fn build_routers(
    mut config: ServeConfig,
    db: DatabaseConnection,
) -> anyhow::Result<Routers> {
    config.resolve_secrets()?;
    let metrics = crate::metrics::Metrics::new(&config)?;
    let keys = jwt_keys(&config, &db).await?;
    let limits = Limits::new(&config);
    let persisted_queries = LruCacheStorage::new(crate::graphql::PERSISTED_QUERIES);
    let writer = db::Writer::with_metrics(&db, metrics.clone());
    let changes = Changes::for_database(&db)
        .await
        .context("listening for changes")?;
    let schema = build_schema(
        SchemaData {
            db: db.clone(),
            writer: writer.clone(),
            changes: changes.clone(),
            keys: keys.clone(),
            limits: limits.clone(),
        },
        SchemaOptions {
            introspection: config.graphiql_enabled(),
        },
    );
    let response_cache = if config.response_cache {
        ResponseCache::new(config.response_cache_entries, config.response_cache_bytes)
    } else {
        ResponseCache::disabled()
    };
    let response_cache = Arc::new(response_cache);
    let page_cache = Arc::new(crate::web::page_cache::PageCache::new(
        config.response_cache,
    ));
    let read_model = Arc::new(crate::readmodel::ReadModel::following(
        response_cache.clone(),
        &changes,
    ));
    let state = AppState::new(SharedState {
        subscription_fanouts: Arc::new(http::graphql::Fanouts::new(
            db.clone(),
            read_model.clone(),
            changes.clone(),
        )),
        db,
        writer,
        changes,
        schema,
        keys,
        config: Arc::new(config),
        response_cache,
        read_model,
        page_cache,
        shared_agendas: Arc::default(),
        known_participants: Arc::default(),
        limits,
        ws_connections: Arc::default(),
        persisted_queries,
        metrics,
    });
    Ok(Routers {
        metrics: crate::metrics::router(state.clone()),
        public: http::router(state),
    })
}

/// Keys from `JWT_SECRET`, or from the secret generated once and kept in the database.
pub async fn jwt_keys(config: &ServeConfig, db: &DatabaseConnection) -> anyhow::Result<JwtKeys> {
    match &config.jwt_secret {
        Some(secret) => JwtKeys::new(secret.expose_secret().as_bytes()).context("JWT_SECRET"),
        None => {
            let secret = accounts::stored_jwt_secret(db)
                .await
                .context("reading the stored JWT secret")?;
            JwtKeys::new(secret.as_bytes())
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::warn!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

/// A database URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(
            super::redact("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(
            super::redact("sqlite://x.db?mode=rwc"),
            "sqlite://x.db?mode=rwc"
        );
    }
}
