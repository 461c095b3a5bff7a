//! Every request runs through here on its way to the schema: automatic persisted queries,
//! parse errors and missing variables are handled before the schema runs, and the request
//! errors it reports get their codes after.
//!
//! This is done around the schema, not as schema extensions, on purpose: with any extension
//! registered async-graphql sends every field through its extension chain (a `ResolveInfo`
//! with registry lookups and a boxed future per field), which made the whole-programme query
//! markedly slower (issue 16).

use async_graphql::extensions::apollo_persisted_queries::{CacheStorage, LruCacheStorage};
use async_graphql::{BatchRequest, BatchResponse, Request, Response, ServerError, Value};
use futures_util::stream::{FuturesOrdered, StreamExt};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::AppSchema;
use super::errors::{code_request_errors, missing_variable, parse_error, with_code};

/// The `persistedQuery` request extension, as Apollo clients send it.
#[derive(Deserialize)]
struct PersistedQuery {
    version: i32,
    #[serde(rename = "sha256Hash")]
    sha256_hash: String,
}

/// The request made ready for the schema (its document parsed), or the one error that
/// stops it.
pub async fn prepare(
    mut request: Request,
    persisted: &LruCacheStorage,
) -> Result<Request, ServerError> {
    if let Some(value) = request.extensions.remove("persistedQuery") {
        request = persisted_query(request, value, persisted)
            .await
            .map_err(|error| {
                let code = if error.message == "PersistedQueryNotFound" {
                    "PERSISTED_QUERY_NOT_FOUND"
                } else {
                    "BAD_REQUEST"
                };
                with_code(error, code)
            })?;
    }
    if let Err(error) = request.parsed_query() {
        return Err(parse_error(error));
    }
    match missing_variable(&mut request) {
        Some(error) => Err(with_code(error, "GRAPHQL_VALIDATION_FAILED")),
        None => Ok(request),
    }
}

/// Apollo's automatic persisted queries: a hash alone runs the query remembered for it; a
/// query with its hash is checked and remembered.
async fn persisted_query(
    mut request: Request,
    value: Value,
    persisted: &LruCacheStorage,
) -> Result<Request, ServerError> {
    let extension: PersistedQuery = async_graphql::from_value(value).map_err(|_| {
        ServerError::new("Invalid \"PersistedQuery\" extension configuration.", None)
    })?;
    if extension.version != 1 {
        return Err(ServerError::new(
            format!(
                "Only the \"PersistedQuery\" extension of version \"1\" is supported, and the current version is \"{}\".",
                extension.version
            ),
            None,
        ));
    }
    if request.query.is_empty() {
        let document = persisted
            .get(extension.sha256_hash)
            .await
            .ok_or_else(|| ServerError::new("PersistedQueryNotFound", None))?;
        request.set_parsed_query(document);
        return Ok(request);
    }
    let hash = format!("{:x}", Sha256::digest(request.query.as_bytes()));
    if extension.sha256_hash != hash {
        return Err(ServerError::new("provided sha does not match query", None));
    }
    let document = request.parsed_query()?.clone();
    persisted.set(hash, document).await;
    Ok(request)
}

/// One request, start to end.
pub async fn execute(
    schema: &AppSchema,
    persisted: &LruCacheStorage,
    request: Request,
) -> Response {
    match prepare(request, persisted).await {
        Ok(request) => finished(schema.execute(request).await),
        Err(error) => Response::from_errors(vec![error]),
    }
}

/// A batch: each request on its own, answers in order.
pub async fn execute_batch(
    schema: &AppSchema,
    persisted: &LruCacheStorage,
    batch: BatchRequest,
) -> BatchResponse {
    match batch {
        BatchRequest::Single(request) => {
            BatchResponse::Single(execute(schema, persisted, request).await)
        }
        BatchRequest::Batch(requests) => BatchResponse::Batch(
            requests
                .into_iter()
                .map(|request| execute(schema, persisted, request))
                .collect::<FuturesOrdered<_>>()
                .collect()
                .await,
        ),
    }
}

/// A response as the transport sends it: request errors (those without a path) with their
/// codes.
pub fn finished(mut response: Response) -> Response {
    code_request_errors(&mut response);
    response
}
