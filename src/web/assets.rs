//! Static files embedded in the binary (`assets/`), served under names that carry a hash
//! of their content (`css/site.1a2b3c4d5e.css`), so browsers keep them for a year and a new
//! release is fetched at once. No CDN: everything a page loads comes from here.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "assets/"]
#[exclude = "*.map"]
#[exclude = "*.md"]
#[exclude = "*.txt"]
struct Files;

struct Catalogue {
    /// `css/site.css` → `css/site.1a2b3c4d5e.css`
    hashed: HashMap<String, String>,
    /// `css/site.1a2b3c4d5e.css` → `css/site.css`
    logical: HashMap<String, String>,
}

static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(|| {
    let mut hashed = HashMap::new();
    let mut logical = HashMap::new();
    for name in Files::iter() {
        let Some(file) = Files::get(&name) else {
            continue;
        };
        let hash: String = file
            .metadata
            .sha256_hash()
            .iter()
            .take(5)
            .map(|b| format!("{b:02x}"))
            .collect();
        let with_hash = match name.rsplit_once('.') {
            Some((stem, extension)) => format!("{stem}.{hash}.{extension}"),
            None => format!("{name}.{hash}"),
        };
        hashed.insert(name.to_string(), with_hash.clone());
        logical.insert(with_hash, name.to_string());
    }
    Catalogue { hashed, logical }
});

/// The URL of an asset by its file name under `assets/`.
pub fn url(name: &str) -> String {
    match CATALOGUE.hashed.get(name) {
        Some(hashed) => format!("/assets/{hashed}"),
        None => {
            tracing::warn!(name, "a page names an asset that does not exist");
            format!("/assets/{name}")
        }
    }
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, extension)| extension) {
        Some("css") => "text/css; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// `GET /assets/{name-with-hash}`: immutable for a year. Only hashed names are served, so
/// a stale page never gets a newer file under an old name.
pub async fn serve(Path(path): Path<String>) -> Response {
    let Some(file) = CATALOGUE
        .logical
        .get(&path)
        .and_then(|name| Files::get(name))
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut response = file.data.into_owned().into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(&path)),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_content_hash() {
        let css = url("css/site.css");
        assert!(css.starts_with("/assets/css/site.") && css.ends_with(".css"));
        assert_ne!(css, "/assets/css/site.css");
        let hashed = css.trim_start_matches("/assets/");
        assert_eq!(
            CATALOGUE.logical.get(hashed).map(String::as_str),
            Some("css/site.css")
        );
    }
}
