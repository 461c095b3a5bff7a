//! The ceiling server: a bare axum handler that answers every request with the bytes the
//! service gave for the whole-programme query. What this machine can serve at all.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderValue, header};
use axum::routing::get;

/// `buurtgraph-bench ceiling` (hidden): started by the benchmark as a child process.
#[derive(Debug, Clone, clap::Args)]
pub struct CeilingArgs {
    #[arg(long)]
    pub bind: SocketAddr,
    /// The response body to send, byte for byte.
    #[arg(long)]
    pub body_file: PathBuf,
    /// The content type the service sent with it.
    #[arg(long)]
    pub content_type: String,
}

pub async fn serve(args: CeilingArgs) -> anyhow::Result<()> {
    let body = Bytes::from(
        std::fs::read(&args.body_file)
            .with_context(|| format!("reading {}", args.body_file.display()))?,
    );
    let content_type =
        HeaderValue::from_str(&args.content_type).context("the content type is not a header")?;
    let (get_body, get_type) = (body.clone(), content_type.clone());
    let router = Router::new()
        .route(
            "/graphql",
            get(move || async move { ([(header::CONTENT_TYPE, get_type)], get_body) }).post(
                // The request body is read, as the service reads it.
                move |_request: Bytes| async move { ([(header::CONTENT_TYPE, content_type)], body) },
            ),
        )
        .route("/readyz", get(|| async { "ok" }));
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("cannot listen on {}", args.bind))?;
    axum::serve(listener, router)
        .await
        .context("serving the ceiling")
}
