//! The programme's pages are the same for every visitor who reads them in one language: they
//! hold no form and no token (the language switch is a link). So each is rendered once per
//! content version and kept with its compressed variants, as the API's response cache keeps
//! answers; a burst of visitors after an edit renders it once (issue 16, P1).

use std::future::Future;
use std::sync::Arc;

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{PageResult, Visitor};
use crate::http::response_cache::{CachedResponse, ResponseCache};

/// Pages kept at most, and their bytes (uncompressed) at most.
const MAX_PAGES: usize = 256;
const MAX_BYTES: usize = 8 * 1024 * 1024;
const HTML: &str = "text/html; charset=utf-8";

pub struct PageCache(ResponseCache);

impl PageCache {
    /// Off when the operator turned the caches off (`RESPONSE_CACHE=false`).
    pub fn new(enabled: bool) -> Self {
        Self(if enabled {
            ResponseCache::new(MAX_PAGES, MAX_BYTES)
        } else {
            ResponseCache::disabled()
        })
    }

    /// The page at the visitor's path and language for content `version`: kept, or made by
    /// `render` (and kept when it is a whole page that was found).
    pub async fn page<F, Fut>(&self, visitor: &Visitor, version: i64, render: F) -> PageResult
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = PageResult>,
    {
        if !self.0.is_enabled() {
            return render().await;
        }
        let key = format!("{}|{}", visitor.lang.code(), visitor.path);
        if let Some(hit) = self.0.get(&key, version) {
            return Ok(send(&visitor.headers, &hit));
        }
        let mut own = None;
        let mut render = Some(render);
        let kept = self
            .0
            .compute_once(&key, version, || async {
                let rendered = (render.take()?)().await;
                match keepable(visitor, rendered, version).await {
                    Ok(entry) => {
                        self.0.put(key.clone(), entry.clone());
                        Some(entry)
                    }
                    Err(rendered) => {
                        own = Some(rendered);
                        None
                    }
                }
            })
            .await;
        if let Some(entry) = kept {
            return Ok(send(&visitor.headers, &entry));
        }
        match (own, render) {
            (Some(rendered), _) => rendered,
            // The render this request waited for was not kept: render its own.
            (None, Some(render)) => render().await,
            (None, None) => Ok(render_failed(visitor)),
        }
    }
}

/// A found page to keep, or the rendered result to send as it is.
async fn keepable(
    visitor: &Visitor,
    rendered: PageResult,
    version: i64,
) -> Result<Arc<CachedResponse>, PageResult> {
    let response = match rendered {
        Ok(response) if response.status() == StatusCode::OK => response,
        other => return Err(other),
    };
    // A rendered page is one buffer already; collecting it cannot fail. (The cache itself
    // refuses what is larger than its budget.)
    match axum::body::to_bytes(response.into_body(), usize::MAX).await {
        Ok(bytes) => Ok(Arc::new(CachedResponse::new(version, bytes, HTML, None))),
        Err(_) => Err(Ok(render_failed(visitor))),
    }
}

fn render_failed(visitor: &Visitor) -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        visitor.text("error-500-title"),
    )
        .into_response()
}

/// A kept page: per visitor's language and cookie, revalidated on every view.
fn send(headers: &HeaderMap, entry: &CachedResponse) -> Response {
    entry.respond(
        headers,
        "private, no-cache",
        "Accept-Language, Accept-Encoding, Cookie",
    )
}
