//! The GraphiQL IDE page.

use std::sync::LazyLock;

use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};

use crate::http::csp;

const GRAPHIQL_CDN: &str = "https://unpkg.com";

/// The GraphiQL IDE. Its code comes from unpkg; its own inline blocks are allowed by hash.
pub async fn graphiql() -> Response {
    let (html, policy) = &*GRAPHIQL;
    let mut response = Html(html.as_str()).into_response();
    if let Some(policy) = policy {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, policy.clone());
    }
    response
}

/// The page holds no request data, so it and its policy are made once.
static GRAPHIQL: LazyLock<(String, Option<HeaderValue>)> = LazyLock::new(|| {
    let html = async_graphql::http::GraphiQLSource::build()
        .endpoint("/graphql")
        .subscription_endpoint("/graphql/ws")
        .title("buurtgraph")
        .finish();
    let policy = csp::policy(
        &html,
        &csp::Sources {
            scripts: &[GRAPHIQL_CDN],
            styles: &[GRAPHIQL_CDN],
            images: &["https://graphql.org", "data:"],
            fonts: &[GRAPHIQL_CDN, "data:"],
            connect: &["'self'"],
        },
    );
    (html, HeaderValue::from_str(&policy).ok())
});
