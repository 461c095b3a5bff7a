//! Stable keys: the programme file's slugs and keys.

/// The longest key accepted.
pub const MAX_KEY_LEN: usize = 100;

/// Whether `key` is a lowercase ASCII slug: `[a-z0-9]+(-[a-z0-9]+)*`, at most 100 characters.
pub fn is_valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= MAX_KEY_LEN
        && key.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_lowercase_slugs_only() {
        assert!(is_valid_key("dag-van-de-buurt-2021"));
        assert!(is_valid_key("r1"));
        for bad in ["", "-a", "a-", "a--b", "A", "a b", "één", &"a".repeat(101)] {
            assert!(!is_valid_key(bad), "{bad:?} should be refused");
        }
    }
}
