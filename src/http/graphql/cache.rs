//! The response cache seen from the GraphQL handler: lookup before anything runs, and
//! storing what was rendered.

use std::sync::Arc;

use async_graphql::BatchRequest;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;

use super::mutation::Method;
use super::render::{MediaType, Rendered};
use crate::http::response_cache::CachedResponse;
use crate::state::AppState;

pub(super) enum CacheLookup {
    Hit(Arc<CachedResponse>),
    Miss { key: String, version: i64 },
    NotCacheable,
}

/// Where a response may be stored: its key, and the content version it was computed at.
pub(super) struct CacheSlot {
    pub(super) key: String,
    pub(super) version: i64,
}

impl CacheLookup {
    /// The slot to store the response in: a miss, unless the request may change anything.
    pub(super) fn into_slot(self, may_mutate: bool) -> Option<CacheSlot> {
        match self {
            Self::Miss { key, version } if !may_mutate => Some(CacheSlot { key, version }),
            _ => None,
        }
    }
}

/// Only anonymous requests are cached: they can read nothing but the published programme.
pub(super) async fn look_up(
    state: &AppState,
    headers: &HeaderMap,
    batch: &BatchRequest,
    media_type: MediaType,
) -> CacheLookup {
    let BatchRequest::Single(request) = batch else {
        return CacheLookup::NotCacheable;
    };
    if !state.response_cache.is_enabled() || headers.contains_key(header::AUTHORIZATION) {
        return CacheLookup::NotCacheable;
    }
    match state.response_cache.version(&state.db).await {
        Ok(version) => {
            let key = cache_key(request, media_type);
            match state.response_cache.get(&key, version) {
                Some(hit) => CacheLookup::Hit(hit),
                None => CacheLookup::Miss { key, version },
            }
        }
        Err(err) => {
            tracing::warn!(error = ?err, "cannot read the content version; not caching");
            CacheLookup::NotCacheable
        }
    }
}

/// Requests up to this size are looked up by their bytes (the whole programme's query is
/// about 2 KB).
const MAX_RAW_KEY_BYTES: usize = 16 * 1024;

/// The key of a request by its bytes as they came (`method`, the body or query string, and
/// the headers the answer depends on), for a lookup before the request is even parsed.
/// `None` when it may not be cached (see `look_up`) or is not text.
pub(super) fn raw_key(
    state: &AppState,
    headers: &HeaderMap,
    method: Method,
    raw: Option<&[u8]>,
) -> Option<String> {
    if !state.response_cache.is_enabled() || headers.contains_key(header::AUTHORIZATION) {
        return None;
    }
    // The key holds the bytes: a large body (padded with fields nobody reads, say) would make
    // a large key for a small answer, and the cache bounds answers, not keys.
    let raw = raw.filter(|raw| raw.len() <= MAX_RAW_KEY_BYTES)?;
    let raw = std::str::from_utf8(raw).ok()?;
    // The content type decides whether a POST is accepted at all.
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let media_type = MediaType::negotiate(headers).content_type();
    let method = method.name();
    Some(format!(
        "raw\u{0}{method}\u{0}{content_type}\u{0}{media_type}\u{0}{raw}"
    ))
}

/// The kept answer to a request with these very bytes, if any (of the current content).
pub(super) async fn look_up_raw(state: &AppState, key: &str) -> Option<Arc<CachedResponse>> {
    let version = state.response_cache.version(&state.db).await.ok()?;
    state.response_cache.get_before_parsing(key, version)
}

/// Everything that makes two anonymous requests give the same response.
fn cache_key(request: &async_graphql::Request, media_type: MediaType) -> String {
    let variables = serde_json::to_string(&request.variables).unwrap_or_default();
    let extensions = serde_json::to_string(&request.extensions).unwrap_or_default();
    format!(
        "{}\u{0}{}\u{0}{variables}\u{0}{extensions}\u{0}{}",
        request.query,
        request.operation_name.as_deref().unwrap_or_default(),
        media_type.content_type(),
    )
}

/// The response to keep for the slot, when the request succeeded; `None` otherwise.
pub(super) fn keepable(
    slot: &CacheSlot,
    succeeded: bool,
    rendered: &Rendered,
    operation: Option<String>,
) -> Option<Arc<CachedResponse>> {
    (succeeded && rendered.status == StatusCode::OK).then(|| {
        Arc::new(CachedResponse::new(
            slot.version,
            rendered.body.clone(),
            rendered.content_type,
            operation,
        ))
    })
}

/// A cacheable response: shared caches may keep it for a minute, and a GET that names its
/// entity tag gets `304 Not Modified`.
pub(super) fn cached_response(headers: &HeaderMap, entry: &CachedResponse) -> Response {
    entry.respond(
        headers,
        "public, max-age=60",
        "Accept, Accept-Encoding, Authorization",
    )
}
