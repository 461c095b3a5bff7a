//! Validating what a participant submits: limits in characters after trimming, and no
//! control characters other than line breaks and tabs.

use crate::error::AppError;

pub const TEXT_MIN: usize = 10;
pub const TEXT_MAX: usize = 1000;
pub const CONTEXT_MAX: usize = 2000;
pub const REGION_MAX: usize = 100;
pub const IDEMPOTENCY_KEY_MAX: usize = 100;

/// Trims `value` and checks its length; `field` names it in the error.
pub fn text(field: &str, value: &str, min: usize, max: usize) -> Result<String, AppError> {
    let trimmed = value.trim();
    let length = trimmed.chars().count();
    if length < min {
        return Err(AppError::bad_input(
            field,
            format!("use at least {min} characters"),
        ));
    }
    if length > max {
        return Err(AppError::bad_input(
            field,
            format!("use at most {max} characters"),
        ));
    }
    // NUL cannot be stored in a PostgreSQL text column at all, and no other control
    // character belongs in a question either; line breaks and tabs may stay.
    if trimmed.chars().any(is_forbidden_control) {
        return Err(AppError::bad_input(
            field,
            "remove control characters (only line breaks and tabs are allowed)",
        ));
    }
    Ok(trimmed.to_owned())
}

/// A control character other than a line break or a tab.
fn is_forbidden_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\n' | '\r' | '\t')
}

/// An optional text: empty after trimming means absent.
pub fn optional_text(
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, AppError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => text(field, v, 1, max).map(Some),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_count_characters_after_trimming() {
        assert!(text("text", "   kort    ", TEXT_MIN, TEXT_MAX).is_err());
        assert_eq!(
            text("text", "  Hoe meng je wijken?  ", TEXT_MIN, TEXT_MAX).expect("ok"),
            "Hoe meng je wijken?"
        );
        assert!(text("text", &"é".repeat(1001), TEXT_MIN, TEXT_MAX).is_err());
        assert!(text("text", &"é".repeat(1000), TEXT_MIN, TEXT_MAX).is_ok());
        assert_eq!(
            optional_text("region", Some("   "), REGION_MAX).expect("ok"),
            None
        );
    }

    #[test]
    fn control_characters_are_refused_but_line_breaks_and_tabs_are_kept() {
        for bad in [
            "Hoe meng je\0 wijken?",
            "Hoe meng je \u{1b}[31mwijken?",
            "Hoe\u{7f} meng je?",
        ] {
            let err = text("text", bad, TEXT_MIN, TEXT_MAX).expect_err("must be refused");
            assert!(matches!(err, AppError::BadUserInput { ref field, .. } if field == "text"));
        }
        assert!(optional_text("region", Some("Zuid\0"), REGION_MAX).is_err());
        assert_eq!(
            text("text", "Hoe meng je\r\n\twijken?", TEXT_MIN, TEXT_MAX).expect("ok"),
            "Hoe meng je\r\n\twijken?"
        );
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;
    use crate::error::ErrorCode;

    /// What participants paste: any Unicode, weighted towards white space, control
    /// characters, bidi and zero-width marks, emoji; short, around the limits, and very long.
    fn submitted() -> impl Strategy<Value = String> {
        let awkward = prop_oneof![
            4 => prop::char::range('a', 'z'),
            2 => any::<char>(),
            1 => prop::sample::select(vec![
                ' ', '\t', '\n', '\r', '\u{0}', '\u{7}', '\u{1b}', '\u{7f}', '\u{85}', '\u{9b}',
                '\u{a0}', '\u{2028}', '\u{3000}', '\u{200b}', '\u{200e}', '\u{200f}',
                '\u{202e}', '\u{2066}', '\u{feff}', 'é', '😀', '\u{1f3fd}', '\u{fe0f}',
            ]),
        ];
        prop_oneof![
            prop::collection::vec(awkward.clone(), 0..30),
            prop::collection::vec(awkward.clone(), 990..1010),
            prop::collection::vec(awkward, 0..2100),
        ]
        .prop_map(|chars| chars.into_iter().collect())
    }

    /// Control characters that a text may not contain (line breaks and tabs may stay).
    fn forbidden(c: char) -> bool {
        c.is_control() && !matches!(c, '\n' | '\r' | '\t')
    }

    /// The documented rule, written out: trimmed, `min..=max` characters, no control characters.
    fn reference(value: &str, min: usize, max: usize) -> Option<String> {
        let trimmed = value.trim();
        let length = trimmed.chars().count();
        (min <= length && length <= max && !trimmed.chars().any(forbidden))
            .then(|| trimmed.to_owned())
    }

    fn refused_as_bad_input(err: &AppError, expected_field: &str) -> bool {
        err.code() == ErrorCode::BadUserInput
            && matches!(err, AppError::BadUserInput { field, .. } if field == expected_field)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn a_text_is_accepted_exactly_when_the_documented_rule_accepts_it(value in submitted()) {
            let expected = reference(&value, TEXT_MIN, TEXT_MAX);
            match text("text", &value, TEXT_MIN, TEXT_MAX) {
                Ok(accepted) => prop_assert_eq!(Some(accepted), expected),
                Err(err) => {
                    prop_assert!(refused_as_bad_input(&err, "text"), "{:?}", err);
                    prop_assert_eq!(None, expected);
                }
            }
        }

        #[test]
        fn an_accepted_text_validates_again_to_itself(value in submitted()) {
            if let Ok(accepted) = text("text", &value, TEXT_MIN, TEXT_MAX) {
                let again = text("text", &accepted, TEXT_MIN, TEXT_MAX);
                prop_assert_eq!(again.ok(), Some(accepted));
            }
        }

        #[test]
        fn every_accepted_text_is_trimmed_within_the_limits_and_free_of_control_characters(
            value in submitted(),
            (min, max) in (0usize..20).prop_flat_map(|min| (Just(min), min..2100)),
        ) {
            if let Ok(accepted) = text("field", &value, min, max) {
                prop_assert_eq!(accepted.trim(), accepted.as_str());
                prop_assert!((min..=max).contains(&accepted.chars().count()));
                prop_assert!(!accepted.chars().any(forbidden), "{:?}", accepted);
            }
        }

        #[test]
        fn an_optional_text_is_absent_when_blank_and_otherwise_checked_like_a_text(
            value in prop::option::of(submitted()),
        ) {
            let result = optional_text("region", value.as_deref(), REGION_MAX);
            match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                None => prop_assert_eq!(result.ok(), Some(None)),
                Some(present) => match result {
                    Ok(accepted) => prop_assert_eq!(accepted, reference(present, 1, REGION_MAX)),
                    Err(err) => {
                        prop_assert!(refused_as_bad_input(&err, "region"), "{:?}", err);
                        prop_assert_eq!(None, reference(present, 1, REGION_MAX));
                    }
                },
            }
        }
    }
}
