//! Text normalisation for matching: the same folding is applied to stored documents and
//! to search terms, so "Coöperatie", "COOPERATIE" and "cooperatie" all match.

use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};

/// Lowercases, removes accents and collapses runs of white space to one space.
pub fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.nfkd().filter(|c| !is_combining_mark(*c)) {
        if c.is_whitespace() {
            pending_space = !folded.is_empty();
            continue;
        }
        if pending_space {
            folded.push(' ');
            pending_space = false;
        }
        folded.extend(c.to_lowercase());
    }
    folded
}

/// Escapes `%`, `_` and the escape character itself for a `LIKE … ESCAPE '\'` pattern.
pub fn escape_like(term: &str) -> String {
    let mut escaped = String::with_capacity(term.len());
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_removes_case_and_accents() {
        assert_eq!(fold("Coöperatie"), "cooperatie");
        assert_eq!(fold("ÉÉN Stöpler"), "een stopler");
        assert_eq!(fold("  veel   ruimte\n hier "), "veel ruimte hier");
    }

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(escape_like("100%_a\\b"), "100\\%\\_a\\\\b");
    }
}
