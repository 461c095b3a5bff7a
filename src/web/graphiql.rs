//! GraphiQL at `/graphiql` (when `GRAPHIQL` is on), with React, ReactDOM and GraphiQL
//! embedded as assets (pinned npm builds in `assets/graphiql/`): it works offline.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use super::{Visitor, render};

/// GraphiQL's policy: its scripts from here only; React sets inline styles, so styles may
/// be inline on this developer page (never on the public pages).
pub const GRAPHIQL_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
    connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub async fn page(visitor: Visitor) -> Response {
    let mut response = render::page(
        &visitor,
        StatusCode::OK,
        "graphiql.html",
        minijinja::context! {
            endpoint => "/graphql",
            subscriptions => "/graphql/ws",
        },
    );
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(GRAPHIQL_POLICY),
    );
    response
}
