//! Event access codes. They are read aloud in a studio and typed on phones, so a code
//! ignores case, spaces and dashes, and generated codes avoid characters that look alike.

use std::fmt;

use rand::Rng;

use crate::error::AppError;

/// The characters of generated codes: digits and capitals without 0/O and 1/I/L.
pub const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Characters in a generated code. 31^8 is about 8.5·10^11 codes; joining is throttled
/// per address, and a code opens only one event's pseudonymous participation.
pub const GENERATED_LEN: usize = 8;
/// Characters per group when a code is shown (`K7QD-M4XP`).
pub const GROUP_LEN: usize = 4;
/// Bounds of a chosen code, counted without spaces and dashes.
pub const MIN_LEN: usize = 6;
pub const MAX_LEN: usize = 64;

/// An access code in the form it is stored and compared in: upper case, without spaces
/// or dashes. `Display` shows it in groups of four joined by dashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessCode(String);

impl AccessCode {
    /// A code chosen by an organiser: letters A–Z and digits, spaces and dashes ignored.
    pub fn parse(input: &str) -> Result<Self, AppError> {
        let code = normalise(input);
        if !code.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(AppError::bad_input(
                "code",
                "use letters A-Z and digits (spaces and dashes are ignored)",
            ));
        }
        if !(MIN_LEN..=MAX_LEN).contains(&code.len()) {
            return Err(AppError::bad_input(
                "code",
                format!("use {MIN_LEN} to {MAX_LEN} letters and digits"),
            ));
        }
        Ok(Self(code))
    }

    /// A new random code from [`ALPHABET`].
    pub fn generate() -> Self {
        let mut rng = rand::rng();
        Self(
            (0..GENERATED_LEN)
                .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
                .collect(),
        )
    }

    /// A code as it was stored. Codes stored before normalisation (mixed case) are
    /// normalised here, so they keep working.
    pub fn from_stored(stored: &str) -> Self {
        Self(normalise(stored))
    }

    /// The stored form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `attempt`, as a participant typed it, is this code. Takes the same time
    /// wherever the first difference is.
    pub fn accepts(&self, attempt: &str) -> bool {
        constant_time_eq(self.0.as_bytes(), normalise(attempt).as_bytes())
    }
}

impl fmt::Display for AccessCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let chars: Vec<char> = self.0.chars().collect();
        for (i, group) in chars.chunks(GROUP_LEN).enumerate() {
            if i > 0 {
                f.write_str("-")?;
            }
            for c in group {
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}

/// Upper case, without white space and dashes (the hyphen and its typographic cousins,
/// which phones substitute).
pub fn normalise(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace() && !is_dash(*c))
        .flat_map(char::to_uppercase)
        .collect()
}

fn is_dash(c: char) -> bool {
    matches!(c, '-' | '\u{2010}'..='\u{2015}' | '\u{2212}')
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_ignore_case_spaces_and_dashes() {
        let code = AccessCode::parse("K7QD-M4XP").expect("valid");
        assert_eq!(code.as_str(), "K7QDM4XP");
        for attempt in [
            "K7QD-M4XP",
            "k7qdm4xp",
            "k7qd m4xp",
            " K7QD – m4xp ",
            "K-7-Q-D-M-4-X-P",
        ] {
            assert!(code.accepts(attempt), "{attempt:?}");
        }
        for attempt in ["K7QDM4X", "K7QDM4XPP", "K7QDM4XQ", ""] {
            assert!(!code.accepts(attempt), "{attempt:?}");
        }
    }

    #[test]
    fn codes_are_shown_in_groups_of_four() {
        assert_eq!(AccessCode::from_stored("k7qdm4xp").to_string(), "K7QD-M4XP");
        assert_eq!(
            AccessCode::from_stored("BUURTDAG21").to_string(),
            "BUUR-TDAG-21"
        );
    }

    #[test]
    fn chosen_codes_are_letters_and_digits_of_a_sensible_length() {
        assert!(AccessCode::parse("buurt 2021").is_ok());
        for bad in [
            "kort",
            "  ab-cd ",
            "geheim!",
            "één-twee-drie",
            &"A".repeat(65),
        ] {
            let refused = AccessCode::parse(bad);
            assert!(
                matches!(refused, Err(AppError::BadUserInput { ref field, .. }) if field == "code"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn codes_stored_before_normalisation_keep_working() {
        let legacy = AccessCode::from_stored("WZzYcAuoum");
        assert!(legacy.accepts("WZzYcAuoum"));
        assert!(legacy.accepts("wzzy-cauo-um"));
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    /// Attempts a participant might type: code characters in either case, with spaces and
    /// dashes anywhere.
    fn typed(code: &str) -> impl Strategy<Value = String> + use<> {
        let chars: Vec<char> = code.chars().collect();
        proptest::collection::vec(
            (
                any::<bool>(),
                prop::sample::select(vec!["", "", " ", "-", "–", "  "]),
            ),
            chars.len(),
        )
        .prop_map(move |choices| {
            chars
                .iter()
                .zip(choices)
                .map(|(c, (lower, sep))| {
                    let c = if lower { c.to_ascii_lowercase() } else { *c };
                    format!("{sep}{c}")
                })
                .collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn generated_codes_use_the_alphabet_and_show_in_groups(_seed in any::<u8>()) {
            let code = AccessCode::generate();
            prop_assert_eq!(code.as_str().len(), GENERATED_LEN);
            prop_assert!(code.as_str().bytes().all(|b| ALPHABET.contains(&b)));
            for look_alike in ['0', 'O', '1', 'I', 'L'] {
                prop_assert!(!code.as_str().contains(look_alike));
            }
            let shown = code.to_string();
            let groups: Vec<&str> = shown.split('-').collect();
            prop_assert_eq!(groups.len(), GENERATED_LEN / GROUP_LEN);
            prop_assert!(groups.iter().all(|g| g.len() == GROUP_LEN));
            prop_assert_eq!(AccessCode::parse(&shown).ok(), Some(code));
        }

        #[test]
        fn a_code_accepts_every_way_of_typing_it(
            (code, attempt) in "[A-Z2-9]{6,20}".prop_flat_map(|c| (Just(c.clone()), typed(&c)))
        ) {
            let code = AccessCode::parse(&code).expect("valid");
            prop_assert!(code.accepts(&attempt), "{:?}", attempt);
            prop_assert!(code.accepts(&code.to_string()));
        }

        #[test]
        fn a_code_refuses_any_other_code(a in "[A-Z2-9]{6,12}", b in "[A-Z2-9]{6,12}") {
            prop_assume!(a != b);
            let code = AccessCode::parse(&a).expect("valid");
            prop_assert!(!code.accepts(&b));
        }

        #[test]
        fn normalising_is_idempotent_and_never_panics(input in any::<String>()) {
            let once = normalise(&input);
            prop_assert_eq!(normalise(&once), once.clone());
            let _ = AccessCode::parse(&input);
        }
    }
}
