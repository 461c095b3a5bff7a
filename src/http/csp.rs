//! Content-Security-Policy for the HTML pages. Inline `<script>` and `<style>` blocks are
//! allowed by their SHA-256 hash only, so nothing injected into a page can run or restyle it.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

/// Where a page may load things from, besides its own hashed inline blocks.
pub struct Sources<'a> {
    pub scripts: &'a [&'a str],
    pub styles: &'a [&'a str],
    pub images: &'a [&'a str],
    pub fonts: &'a [&'a str],
    pub connect: &'a [&'a str],
}

impl Sources<'_> {
    /// A page that loads nothing and talks to no one.
    pub const NONE: Sources<'static> = Sources {
        scripts: &[],
        styles: &[],
        images: &[],
        fonts: &[],
        connect: &[],
    };
}

/// The policy for `html`: `default-src 'none'`, with the hashes of its inline blocks.
pub fn policy(html: &str, sources: &Sources<'_>) -> String {
    let directive = |name: &str, allowed: &[&str], inline: Vec<String>| {
        let mut values: Vec<String> = allowed.iter().map(|s| (*s).to_owned()).collect();
        values.extend(inline);
        if values.is_empty() {
            String::new()
        } else {
            format!("; {name} {}", values.join(" "))
        }
    };
    format!(
        "default-src 'none'{}{}{}{}{}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        directive("script-src", sources.scripts, inline_hashes(html, "script")),
        directive("style-src", sources.styles, inline_hashes(html, "style")),
        directive("img-src", sources.images, Vec::new()),
        directive("font-src", sources.fonts, Vec::new()),
        directive("connect-src", sources.connect, Vec::new()),
    )
}

/// `'sha256-…'` for each inline `<tag>` block (one without a `src`) in `html`.
pub fn inline_hashes(html: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find(&open) {
        let after_name = &rest[start + open.len()..];
        let Some(end_of_open_tag) = after_name.find('>') else {
            break;
        };
        let attributes = &after_name[..end_of_open_tag];
        let body_and_rest = &after_name[end_of_open_tag + 1..];
        let Some(body_len) = body_and_rest.find(&close) else {
            break;
        };
        // `<styles>` or `<scripty>` are other tags; a `src` means the block is not inline.
        let is_this_tag = attributes.is_empty() || attributes.starts_with(char::is_whitespace);
        if is_this_tag && !attributes.contains("src=") {
            let digest = Sha256::digest(&body_and_rest.as_bytes()[..body_len]);
            hashes.push(format!("'sha256-{}'", STANDARD.encode(digest)));
        }
        rest = &body_and_rest[body_len + close.len()..];
    }
    hashes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_inline_blocks_are_hashed() {
        let html = "<script src=\"https://cdn/x.js\"></script><script>alert(1)</script>\
                    <style>p{}</style><scripty>no</scripty>";
        let scripts = inline_hashes(html, "script");
        assert_eq!(scripts.len(), 1);
        let expected = STANDARD.encode(Sha256::digest(b"alert(1)"));
        assert_eq!(scripts[0], format!("'sha256-{expected}'"));
        assert_eq!(inline_hashes(html, "style").len(), 1);
    }

    #[test]
    fn a_page_without_sources_gets_a_closed_policy() {
        let policy = policy("<p>hi</p>", &Sources::NONE);
        assert_eq!(
            policy,
            "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        );
        assert!(!policy.contains("unsafe"));
    }
}
