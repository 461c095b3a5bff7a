//! Building and running the server: connect, migrate, load the bundled programme, serve.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use axum::Router;
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;

use secrecy::ExposeSecret;

use crate::auth::jwt::JwtKeys;
use crate::auth::limits::Limits;
use crate::config::ServeConfig;
use crate::graphql::{SchemaOptions, build_schema};
use crate::http::response_cache::ResponseCache;
use crate::service::accounts;
use crate::state::AppState;
use crate::{db, http, programme_bundle};
use async_graphql::extensions::apollo_persisted_queries::LruCacheStorage;

/// A server bound to its address, ready to run.
pub struct Application {
    listener: TcpListener,
    router: Router,
}

impl Application {
    /// Connects to `database_url`, migrates, imports the bundled programme into an empty
    /// database (unless switched off) and binds the listener.
    pub async fn build(config: ServeConfig, database_url: &str) -> anyhow::Result<Self> {
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
        let router = build_router(config, db).await?;
        Ok(Self { listener, router })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until SIGTERM or Ctrl-C, then finishes the requests in flight.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        tracing::info!(address = %self.local_addr()?, "ready");
        let router = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(self.listener, router)
            .with_graceful_shutdown(shutdown_signal())
            .await
            .context("serving HTTP")
    }
}

/// The router over a migrated database; used by `Application` and by in-process tests.
pub async fn build_router(
    mut config: ServeConfig,
    db: DatabaseConnection,
) -> anyhow::Result<Router> {
    config.resolve_secrets()?;
    let keys = jwt_keys(&config, &db).await?;
    let limits = Limits::new(&config);
    let persisted_queries = LruCacheStorage::new(crate::graphql::PERSISTED_QUERIES);
    let schema = build_schema(
        db.clone(),
        keys.clone(),
        limits.clone(),
        crate::graphql::live::Changes::for_database(&db)
            .await
            .context("listening for changes")?,
        SchemaOptions {
            introspection: config.graphiql_enabled(),
            persisted_queries: persisted_queries.clone(),
        },
    );
    let response_cache = if config.response_cache {
        ResponseCache::new(config.response_cache_entries)
    } else {
        ResponseCache::disabled()
    };
    Ok(http::router(AppState {
        db,
        schema,
        keys,
        config: Arc::new(config),
        response_cache: Arc::new(response_cache),
        limits,
        ws_connections: Arc::default(),
        persisted_queries,
    }))
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
