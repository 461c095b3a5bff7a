//! Text normalisation for matching: the same folding is applied to stored documents and
//! to search terms, so "Coöperatie", "COOPERATIE" and "cooperatie" all match.

use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};

/// Lowercases, removes accents and collapses runs of white space to one space.
pub fn fold(text: &str) -> String {
    // Plain ASCII (most questions) has nothing to decompose: the same result, without the
    // Unicode tables that were a third of building a theme's corpus.
    if text.is_ascii() {
        return collapse(text.chars(), text.len());
    }
    decomposed(text)
}

/// Folding through Unicode decomposition (accents split off and dropped).
fn decomposed(text: &str) -> String {
    collapse(text.nfkd().filter(|c| !is_combining_mark(*c)), text.len())
}

/// Lowercases and collapses runs of white space to one space, trimmed.
fn collapse(chars: impl Iterator<Item = char>, capacity: usize) -> String {
    let mut folded = String::with_capacity(capacity);
    let mut pending_space = false;
    for c in chars {
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

#[cfg(test)]
mod properties {
    use proptest::prelude::*;
    use unicode_normalization::UnicodeNormalization;

    use super::*;

    /// Letters a Dutch (or French, German, …) text is written with, accented ones included,
    /// minus the few whose case does not round-trip one to one (`ß`, `ı`, final `ς`).
    fn latin_text() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9À-ÖØ-öø-ÿĀ-İĲ-ſ .,!?'\t\n-]{0,40}".prop_filter("no ß", |s| !s.contains('ß'))
    }

    /// Any Unicode, weighted towards what breaks text handling: combining marks, odd white
    /// space, control characters, bidi marks, ligatures and compatibility forms, emoji.
    fn awkward_text() -> impl Strategy<Value = String> {
        let awkward = prop_oneof![
            any::<char>(),
            prop::char::range('\u{300}', '\u{36f}'),
            prop::sample::select(vec![
                ' ',
                '\t',
                '\n',
                '\r',
                '\u{0}',
                '\u{7f}',
                '\u{85}',
                '\u{a0}',
                '\u{1680}',
                '\u{2000}',
                '\u{2028}',
                '\u{2029}',
                '\u{3000}',
                '\u{200b}',
                '\u{200e}',
                '\u{200f}',
                '\u{202e}',
                '\u{feff}',
                'ﬁ',
                'Ǆ',
                'ǅ',
                'İ',
                'ı',
                'ß',
                'ẞ',
                'Σ',
                'ς',
                'K',
                'Å',
                '①',
                '½',
                '¨',
                'ŉ',
                '😀',
                '👍',
                '\u{1f3fd}',
                '\u{fe0f}',
            ]),
            prop::char::range('A', 'z'),
        ];
        prop::collection::vec(awkward, 0..60).prop_map(|chars| chars.into_iter().collect())
    }

    /// `%` and `_` that are not escaped by a preceding (itself unescaped) backslash.
    fn unescaped_wildcards(pattern: &str) -> usize {
        let mut count = 0;
        let mut escaped = false;
        for c in pattern.chars() {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if matches!(c, '%' | '_') {
                count += 1;
            }
        }
        count
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn folding_twice_is_folding_once(text in awkward_text()) {
            let once = fold(&text);
            prop_assert_eq!(fold(&once), once);
        }

        #[test]
        fn plain_ascii_folds_as_through_decomposition(text in "[ -~\t\n\r\x0b\x0c]{0,60}") {
            prop_assert_eq!(fold(&text), decomposed(&text));
        }

        #[test]
        fn folding_any_unicode_never_panics(text in any::<String>()) {
            let once = fold(&text);
            prop_assert_eq!(fold(&once), once);
        }

        #[test]
        fn folded_text_has_single_spaces_and_no_space_at_either_end(text in awkward_text()) {
            let folded = fold(&text);
            prop_assert!(!folded.starts_with(' ') && !folded.ends_with(' '));
            prop_assert!(!folded.contains("  "));
            prop_assert!(folded.chars().all(|c| c == ' ' || !c.is_whitespace()));
        }

        #[test]
        fn folded_text_has_no_combining_marks(text in awkward_text()) {
            prop_assert!(!fold(&text).chars().any(is_combining_mark));
        }

        #[test]
        fn upper_and_lower_case_fold_alike(text in latin_text()) {
            let folded = fold(&text);
            prop_assert_eq!(&fold(&text.to_uppercase()), &folded);
            prop_assert_eq!(&fold(&text.to_lowercase()), &folded);
        }

        #[test]
        fn composed_and_decomposed_forms_fold_alike(text in awkward_text()) {
            let folded = fold(&text);
            prop_assert_eq!(&fold(&text.nfc().collect::<String>()), &folded);
            prop_assert_eq!(&fold(&text.nfd().collect::<String>()), &folded);
            prop_assert_eq!(&fold(&text.nfkc().collect::<String>()), &folded);
        }

        #[test]
        fn accents_added_to_plain_letters_fold_away(
            letters in "[a-zA-Z]{1,20}",
            marks in prop::collection::vec(prop::char::range('\u{300}', '\u{36f}'), 20),
        ) {
            let accented: String = letters
                .chars()
                .zip(&marks)
                .flat_map(|(letter, mark)| [letter, *mark])
                .collect();
            prop_assert_eq!(fold(&accented), letters.to_lowercase());
        }

        #[test]
        fn an_escaped_like_pattern_has_no_wildcards_left(term in awkward_text(), wild in "[%_\\\\a]{0,10}") {
            for input in [term.as_str(), wild.as_str()] {
                let escaped = escape_like(input);
                prop_assert_eq!(unescaped_wildcards(&escaped), 0);
                // Dropping each escape character gives the term back.
                let mut unescaped = String::new();
                let mut chars = escaped.chars();
                while let Some(c) = chars.next() {
                    unescaped.push(if c == '\\' { chars.next().unwrap_or(c) } else { c });
                }
                prop_assert_eq!(unescaped, input);
            }
        }
    }
}
