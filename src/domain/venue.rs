//! Where a session happens: its room (or online location) and its link (stream or
//! meeting). Both are optional; these rules decide what may be stored.

/// The longest room name, in characters (the column holds 200).
pub const ROOM_MAX_CHARS: usize = 200;
/// The longest link, in bytes (the column holds 2,000).
pub const URL_MAX_BYTES: usize = 2000;

/// A room name: trimmed, not empty, one line, at most 200 characters.
pub fn parse_room(text: &str) -> Result<String, String> {
    let room = text.trim();
    if room.is_empty() {
        return Err("must not be empty (leave it out instead)".into());
    }
    if room.chars().count() > ROOM_MAX_CHARS {
        return Err(format!("at most {ROOM_MAX_CHARS} characters"));
    }
    if room.chars().any(char::is_control) {
        return Err("must be one line without control characters".into());
    }
    Ok(room.to_owned())
}

/// A link: an absolute `http` or `https` URL with a host, without spaces, at most 2,000
/// bytes. Anything else (`javascript:`, relative paths) could not be followed by an app
/// or would be unsafe on a web page.
pub fn parse_url(text: &str) -> Result<String, String> {
    let url = text.trim();
    let refused = || Err("must be an absolute http:// or https:// URL".to_owned());
    if url.len() > URL_MAX_BYTES {
        return Err(format!("at most {URL_MAX_BYTES} bytes"));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return refused();
    }
    let Ok(uri) = url.parse::<axum::http::Uri>() else {
        return refused();
    };
    let scheme_ok = matches!(uri.scheme_str(), Some("http" | "https"));
    let host_ok = uri.host().is_some_and(|host| !host.is_empty());
    if !scheme_ok || !host_ok || uri.authority().is_some_and(|a| a.as_str().contains('@')) {
        return refused();
    }
    Ok(url.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rooms_are_trimmed_single_lines() {
        assert_eq!(parse_room("  Zaal 1 ").as_deref(), Ok("Zaal 1"));
        assert!(parse_room("  ").is_err());
        assert!(parse_room("a\nb").is_err());
        assert!(parse_room(&"x".repeat(201)).is_err());
    }

    #[test]
    fn links_are_absolute_web_urls() {
        for good in [
            "https://meet.example/abc?x=1",
            "http://stream.example:8080/live",
        ] {
            assert_eq!(parse_url(good).as_deref(), Ok(good));
        }
        for bad in [
            "javascript:alert(1)",
            "/relative",
            "ftp://x.example/",
            "https://",
            "https://a b.example/",
            "https://user@evil.example/",
            "meet.example/abc",
        ] {
            assert!(parse_url(bad).is_err(), "{bad}");
        }
    }
}
