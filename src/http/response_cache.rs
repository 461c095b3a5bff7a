//! A cache of anonymous GraphQL query responses, which only hold published programme data.
//!
//! Entries carry the content version they were computed at; a change to the programme bumps
//! the version in the database, so every process stops serving the old bytes. This process
//! notices its own changes at once and other writers' (the CLI importer, other instances)
//! within `VERSION_CHECK_INTERVAL`.
//!
//! Identical requests that miss at the same time (at start, after an edit) are computed
//! once: the others wait for that result. Compressed variants are kept beside each body,
//! so a hit does no compression work.

use std::collections::HashMap;
use std::future::Future;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use lru::LruCache;
use sea_orm::DatabaseConnection;
use sha2::{Digest, Sha256};

use super::encoding::{Encoding, MIN_COMPRESSED_SIZE};
use super::lock;
use crate::service::content;

/// How long a read of the content version is trusted before it is read again.
pub const VERSION_CHECK_INTERVAL: Duration = Duration::from_secs(1);

/// A response body ready to be sent again.
pub struct CachedResponse {
    pub version: i64,
    pub etag: HeaderValue,
    pub body: Bytes,
    pub content_type: &'static str,
    /// The GraphQL operation's name, for the request log.
    pub operation: Option<String>,
    gzip: OnceLock<Option<Bytes>>,
    brotli: OnceLock<Option<Bytes>>,
}

impl CachedResponse {
    pub fn new(
        version: i64,
        body: Bytes,
        content_type: &'static str,
        operation: Option<String>,
    ) -> Self {
        Self {
            version,
            etag: etag_of(&body),
            body,
            content_type,
            operation,
            gzip: OnceLock::new(),
            brotli: OnceLock::new(),
        }
    }

    /// This response for a client: `304 Not Modified` when its `If-None-Match` names our
    /// tag, else the body in the coding it prefers; with the `ETag` and the caller's
    /// `Cache-Control` and `Vary`.
    pub fn respond(
        &self,
        request: &HeaderMap,
        cache_control: &'static str,
        vary: &'static str,
    ) -> Response {
        let not_modified = request
            .get(header::IF_NONE_MATCH)
            .is_some_and(|wanted| matches_etag(wanted, &self.etag));
        let encoding = Encoding::preferred(request);
        let mut response = if not_modified {
            StatusCode::NOT_MODIFIED.into_response()
        } else if let Some((body, coding)) = self.encoded(encoding).zip(encoding.header_value()) {
            (
                [
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static(self.content_type),
                    ),
                    (header::CONTENT_ENCODING, coding),
                ],
                body.clone(),
            )
                .into_response()
        } else {
            (
                [(header::CONTENT_TYPE, self.content_type)],
                self.body.clone(),
            )
                .into_response()
        };
        let headers = response.headers_mut();
        headers.insert(header::ETAG, self.etag.clone());
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(cache_control),
        );
        headers.insert(header::VARY, HeaderValue::from_static(vary));
        response
    }

    /// The body in the coding, compressed on first use and kept; `None`: send `body`.
    pub fn encoded(&self, encoding: Encoding) -> Option<&Bytes> {
        if self.body.len() < MIN_COMPRESSED_SIZE {
            return None;
        }
        let slot = match encoding {
            Encoding::Identity => return None,
            Encoding::Gzip => &self.gzip,
            Encoding::Brotli => &self.brotli,
        };
        slot.get_or_init(|| encoding.compress(&self.body)).as_ref()
    }
}

/// What the cache did since start, for the metrics and the tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
    /// Misses answered by an identical request's computation instead of their own.
    pub shared: u64,
}

/// A computation in progress that identical requests wait for.
type InFlight = Arc<tokio::sync::OnceCell<Option<Arc<CachedResponse>>>>;

/// Shared by all requests of a process; `disabled()` never stores anything.
pub struct ResponseCache {
    entries: Option<Mutex<Entries>>,
    known_version: Mutex<Option<(i64, Instant)>>,
    in_flight: Mutex<HashMap<(i64, String), InFlight>>,
    hits: AtomicU64,
    misses: AtomicU64,
    shared: AtomicU64,
}

/// The LRU bounded both in entries and in body bytes, so that a few large responses cannot
/// take more memory than the operator allowed. (The compressed variants, a fifth of a body
/// or less, are not counted.)
struct Entries {
    lru: LruCache<String, Arc<CachedResponse>>,
    bytes: usize,
    max_bytes: usize,
}

impl Entries {
    fn put(&mut self, key: String, response: Arc<CachedResponse>) {
        let size = response.body.len();
        if size > self.max_bytes {
            return;
        }
        self.bytes += size;
        if let Some((_, dropped)) = self.lru.push(key, response) {
            self.bytes -= dropped.body.len();
        }
        while self.bytes > self.max_bytes {
            let Some((_, dropped)) = self.lru.pop_lru() else {
                break;
            };
            self.bytes -= dropped.body.len();
        }
    }

    fn remove(&mut self, key: &str) {
        if let Some(dropped) = self.lru.pop(key) {
            self.bytes -= dropped.body.len();
        }
    }
}

impl ResponseCache {
    /// At most `max_entries` responses and `max_bytes` of response bodies; either 0 disables it.
    pub fn new(max_entries: usize, max_bytes: usize) -> Self {
        let entries = NonZeroUsize::new(max_entries)
            .filter(|_| max_bytes > 0)
            .map(|cap| {
                Mutex::new(Entries {
                    lru: LruCache::new(cap),
                    bytes: 0,
                    max_bytes,
                })
            });
        Self {
            entries,
            known_version: Mutex::new(None),
            in_flight: Mutex::new(HashMap::new()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            shared: AtomicU64::new(0),
        }
    }

    pub fn disabled() -> Self {
        Self::new(0, 0)
    }

    pub fn is_enabled(&self) -> bool {
        self.entries.is_some()
    }

    /// The content version, read from the database at most once per `VERSION_CHECK_INTERVAL`.
    /// An error is only logged by the caller, which then does without the cache.
    pub async fn version(&self, db: &DatabaseConnection) -> crate::error::AppResult<i64> {
        if let Some((version, read_at)) = *lock(&self.known_version)
            && read_at.elapsed() < VERSION_CHECK_INTERVAL
        {
            return Ok(version);
        }
        let version = content::current(db).await?;
        *lock(&self.known_version) = Some((version, Instant::now()));
        Ok(version)
    }

    /// This process changed content: read the version again before the next lookup.
    pub fn content_changed(&self) {
        *lock(&self.known_version) = None;
    }

    pub fn get(&self, key: &str, version: i64) -> Option<Arc<CachedResponse>> {
        let found = self.peek(key, version);
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// As `get`, but a miss is not counted: the request is then looked up by another key.
    pub fn get_before_parsing(&self, key: &str, version: i64) -> Option<Arc<CachedResponse>> {
        let found = self.peek(key, version);
        if found.is_some() {
            self.hits.fetch_add(1, Ordering::Relaxed);
        }
        found
    }

    /// As `get`, without counting.
    fn peek(&self, key: &str, version: i64) -> Option<Arc<CachedResponse>> {
        let entries = self.entries.as_ref()?;
        let mut entries = lock(entries);
        match entries.lru.get(key) {
            Some(hit) if hit.version == version => Some(hit.clone()),
            Some(_) => {
                entries.remove(key);
                None
            }
            None => None,
        }
    }

    /// Computes a missing response once for all identical requests waiting at the same
    /// time. `compute` runs in one of them (another takes over if that request is dropped)
    /// and gives the response to keep, or `None` when it is not to be shared (an error);
    /// the others get its result, `None` meaning: compute your own.
    pub async fn compute_once<F, Fut>(
        &self,
        key: &str,
        version: i64,
        compute: F,
    ) -> Option<Arc<CachedResponse>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Option<Arc<CachedResponse>>>,
    {
        let id = (version, key.to_owned());
        let cell = lock(&self.in_flight).entry(id.clone()).or_default().clone();
        let mut computed_here = false;
        let result = cell
            .get_or_init(|| {
                computed_here = true;
                async move {
                    // A computation that ended since this request missed has stored it.
                    match self.peek(key, version) {
                        Some(stored) => Some(stored),
                        None => compute().await,
                    }
                }
            })
            .await
            .clone();
        if computed_here {
            let mut in_flight = lock(&self.in_flight);
            if in_flight.get(&id).is_some_and(|c| Arc::ptr_eq(c, &cell)) {
                in_flight.remove(&id);
            }
        } else {
            self.shared.fetch_add(1, Ordering::Relaxed);
        }
        result
    }

    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            shared: self.shared.load(Ordering::Relaxed),
        }
    }

    pub fn put(&self, key: String, response: Arc<CachedResponse>) {
        if let Some(entries) = &self.entries {
            lock(entries).put(key, response);
        }
    }
}

/// A strong entity tag for a response body.
pub fn etag_of(body: &[u8]) -> HeaderValue {
    let digest = Sha256::digest(body);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    HeaderValue::from_str(&format!("\"{hex}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

/// Whether an `If-None-Match` header value names this tag (or is `*`).
pub fn matches_etag(if_none_match: &HeaderValue, etag: &HeaderValue) -> bool {
    let Ok(wanted) = if_none_match.to_str() else {
        return false;
    };
    let etag = etag.as_bytes();
    wanted
        .split(',')
        .map(str::trim)
        .any(|candidate| candidate == "*" || candidate.trim_start_matches("W/").as_bytes() == etag)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(version: i64) -> Arc<CachedResponse> {
        sized_entry(version, 4)
    }

    fn sized_entry(version: i64, size: usize) -> Arc<CachedResponse> {
        let body = Bytes::from(vec![b'x'; size]);
        Arc::new(CachedResponse::new(version, body, "application/json", None))
    }

    #[test]
    fn the_byte_budget_evicts_the_least_recently_used() {
        let cache = ResponseCache::new(100, 250);
        cache.put("a".into(), sized_entry(1, 100));
        cache.put("b".into(), sized_entry(1, 100));
        assert!(
            cache.get("a", 1).is_some(),
            "a is now the most recently used"
        );
        cache.put("c".into(), sized_entry(1, 100));
        assert!(
            cache.get("b", 1).is_none(),
            "b was evicted to stay within 250 bytes"
        );
        assert!(cache.get("a", 1).is_some());
        assert!(cache.get("c", 1).is_some());
        cache.put("huge".into(), sized_entry(1, 251));
        assert!(
            cache.get("huge", 1).is_none(),
            "larger than the whole budget"
        );
        assert!(cache.get("a", 1).is_some(), "and it evicted nothing");
    }

    #[test]
    fn replacing_an_entry_counts_its_bytes_once() {
        let cache = ResponseCache::new(100, 250);
        for _ in 0..10 {
            cache.put("a".into(), sized_entry(1, 100));
        }
        cache.put("b".into(), sized_entry(1, 100));
        assert!(cache.get("a", 1).is_some());
        assert!(cache.get("b", 1).is_some());
    }

    #[test]
    fn an_entry_of_an_older_version_is_a_miss() {
        let cache = ResponseCache::new(4, 1024);
        cache.put("q".into(), entry(1));
        assert!(cache.get("q", 1).is_some());
        assert!(cache.get("q", 2).is_none());
        assert!(cache.get("q", 1).is_none(), "the stale entry is dropped");
    }

    #[test]
    fn a_disabled_cache_stores_nothing() {
        let cache = ResponseCache::disabled();
        cache.put("q".into(), entry(1));
        assert!(cache.get("q", 1).is_none());
        assert!(!cache.is_enabled());
    }

    #[test]
    fn if_none_match_accepts_lists_weak_tags_and_star() {
        let etag = etag_of(b"x");
        let tag = etag.to_str().unwrap_or_default().to_owned();
        for header in [
            tag.clone(),
            format!("\"other\", {tag}"),
            format!("W/{tag}"),
            "*".into(),
        ] {
            let header = HeaderValue::from_str(&header).unwrap_or(HeaderValue::from_static(""));
            assert!(matches_etag(&header, &etag), "{header:?}");
        }
        assert!(!matches_etag(&HeaderValue::from_static("\"other\""), &etag));
        assert_ne!(etag_of(b"x"), etag_of(b"y"));
    }
}
