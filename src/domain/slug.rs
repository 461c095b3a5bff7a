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

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    /// The documented grammar, written out by hand: `[a-z0-9]+(-[a-z0-9]+)*`, 1–100 bytes.
    fn reference(key: &str) -> bool {
        let mut previous = None;
        for c in key.chars() {
            match c {
                'a'..='z' | '0'..='9' => {}
                '-' if matches!(previous, Some(p) if p != '-') => {}
                _ => return false,
            }
            previous = Some(c);
        }
        previous.is_some_and(|last| last != '-') && key.len() <= MAX_KEY_LEN
    }

    /// Strings close to keys: mostly key characters, with the usual mistakes mixed in.
    fn near_keys() -> impl Strategy<Value = String> {
        "[a-z0-9-]{0,110}|[a-z0-9A-Z_ .é/-]{0,20}|[a-z-]{95,105}"
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn every_string_of_the_documented_grammar_is_a_key(key in "[a-z0-9]{1,10}(-[a-z0-9]{1,10}){0,8}") {
            prop_assert!(is_valid_key(&key));
        }

        #[test]
        fn keys_are_accepted_exactly_when_the_reference_grammar_accepts_them(key in near_keys()) {
            prop_assert_eq!(is_valid_key(&key), reference(&key));
        }

        #[test]
        fn an_accepted_key_is_lowercase_ascii_with_single_inner_hyphens(key in near_keys()) {
            if is_valid_key(&key) {
                prop_assert!(key.bytes().all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-')));
                prop_assert!(!key.starts_with('-') && !key.ends_with('-') && !key.contains("--"));
                prop_assert!((1..=MAX_KEY_LEN).contains(&key.len()));
            }
        }

        #[test]
        fn arbitrary_unicode_is_checked_without_panicking(key in any::<String>()) {
            prop_assert_eq!(is_valid_key(&key), reference(&key));
        }

        #[test]
        fn a_key_longer_than_the_limit_is_refused(part in "[a-z0-9]{1,10}", extra in 1usize..50) {
            let key = part.repeat(MAX_KEY_LEN / part.len() + 1) + &"x".repeat(extra);
            prop_assert!(key.len() > MAX_KEY_LEN);
            prop_assert!(!is_valid_key(&key));
        }
    }
}
