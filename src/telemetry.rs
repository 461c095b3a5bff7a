//! Structured logs with `tracing`; `LOG_FORMAT=json` for collectors, `RUST_LOG` for levels.

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber with `default_level` unless `RUST_LOG` says otherwise.
/// Calling it again (as tests do) is harmless.
pub fn init(format: LogFormat, default_level: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| default_filter(default_level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

/// The filter without `RUST_LOG`: `default_level` for everything but the SQL driver's
/// chatter. The server runs with `info`, which includes the request log.
pub fn default_filter(default_level: &str) -> EnvFilter {
    EnvFilter::new(format!("{default_level},sqlx=warn"))
}
