//! Languages: Dutch first, English second. The locale comes from the `lang` cookie (set by
//! the switch in the header) or else from `Accept-Language`; every text a person reads is
//! looked up in the Fluent files under `locales/`, enum values included.

use std::borrow::Cow;
use std::collections::HashMap;

use axum::http::{HeaderMap, header};
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid, static_loader};
use serde::Serialize;

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "nl",
        // No Unicode isolation marks around arguments: the pages set `lang` and `dir` themselves.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static DUTCH: LanguageIdentifier = langid!("nl");
static ENGLISH: LanguageIdentifier = langid!("en");

/// The name of the cookie that keeps a visitor's choice of language.
pub const LANG_COOKIE: &str = "lang";

/// A language the pages are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum Lang {
    #[default]
    Nl,
    En,
}

impl Lang {
    /// The BCP 47 code, as in `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Nl => "nl",
            Self::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code.trim().to_ascii_lowercase().as_str() {
            "nl" => Some(Self::Nl),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// The other language, offered by the switch.
    pub fn other(self) -> Self {
        match self {
            Self::Nl => Self::En,
            Self::En => Self::Nl,
        }
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Self::Nl => &DUTCH,
            Self::En => &ENGLISH,
        }
    }

    /// The cookie's choice, else the first language of `Accept-Language` we write
    /// (by quality), else Dutch.
    pub fn negotiate(headers: &HeaderMap, cookie: Option<&str>) -> Self {
        if let Some(lang) = cookie.and_then(Self::from_code) {
            return lang;
        }
        let Some(accept) = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
        else {
            return Self::Nl;
        };
        let mut ranked: Vec<(f32, usize, Self)> = accept
            .split(',')
            .enumerate()
            .filter_map(|(position, item)| {
                let mut parts = item.split(';');
                let tag = parts.next()?.trim();
                let quality = parts
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .unwrap_or(1.0);
                let primary = tag.split('-').next()?;
                let lang = Self::from_code(primary)?;
                (quality > 0.0).then_some((quality, position, lang))
            })
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        ranked.first().map_or(Self::Nl, |(_, _, lang)| *lang)
    }
}

/// Arguments of a message.
pub type Args = HashMap<Cow<'static, str>, FluentValue<'static>>;

/// The message `key` in `lang`; a missing key shows as the key itself (and a test finds it).
pub fn text(lang: Lang, key: &str) -> String {
    text_with(lang, key, &Args::new())
}

/// The message `key` with its arguments.
pub fn text_with(lang: Lang, key: &str, args: &Args) -> String {
    LOCALES
        .try_lookup_with_args(lang.id(), key, args)
        .unwrap_or_else(|| {
            tracing::warn!(key, lang = lang.code(), "missing message");
            key.to_owned()
        })
}

/// Whether `key` exists in `lang` (for tests and for optional messages).
pub fn has(lang: Lang, key: &str) -> bool {
    LOCALES.try_lookup(lang.id(), key).is_some()
}

/// The human label of an enum value, by its API name (`HOUSING_CORPORATION` in
/// `submitter-role` gives "Woningcorporatie"). Unknown values show as they are.
pub fn label(lang: Lang, kind: &str, api_name: &str) -> String {
    let key = format!("{kind}-{api_name}");
    LOCALES
        .try_lookup(lang.id(), &key)
        .unwrap_or_else(|| api_name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use entity::enums::{ModerationStatus, SessionKind, SpeakerRole, SubmitterRole, ThemeKind};
    use sea_orm::Iterable;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_LANGUAGE,
            value.parse().unwrap_or_else(|_| unreachable!()),
        );
        headers
    }

    #[test]
    fn dutch_unless_english_is_preferred_or_chosen() {
        assert_eq!(Lang::negotiate(&HeaderMap::new(), None), Lang::Nl);
        assert_eq!(Lang::negotiate(&accept("en-GB,en;q=0.9"), None), Lang::En);
        assert_eq!(
            Lang::negotiate(&accept("de,en;q=0.5,nl;q=0.8"), None),
            Lang::Nl
        );
        assert_eq!(Lang::negotiate(&accept("fr"), None), Lang::Nl);
        assert_eq!(Lang::negotiate(&accept("en"), Some("nl")), Lang::Nl);
        assert_eq!(Lang::negotiate(&accept("nl"), Some("en")), Lang::En);
    }

    #[test]
    fn every_enum_value_has_a_label_in_both_languages() {
        let mut names: Vec<(&str, String)> = Vec::new();
        names.extend(SubmitterRole::iter().map(|v| ("submitter-role", v.api_name().to_owned())));
        names.extend(ModerationStatus::iter().map(|v| ("status", v.api_name().to_owned())));
        names.extend(SpeakerRole::iter().map(|v| ("speaker-role", v.api_name().to_owned())));
        names.extend(SessionKind::iter().map(|v| ("session-kind", v.api_name().to_owned())));
        names.extend(ThemeKind::iter().map(|v| ("theme-kind", v.api_name().to_owned())));
        names.extend(
            entity::enums::LearningFormat::ALL
                .iter()
                .map(|f| ("format", f.api_name().to_owned())),
        );
        for lang in [Lang::Nl, Lang::En] {
            for (kind, name) in &names {
                assert!(!name.is_empty(), "{kind} has a value without an API name");
                let key = format!("{kind}-{name}");
                assert!(has(lang, &key), "{key} is missing in {}", lang.code());
            }
        }
        assert_eq!(
            label(Lang::Nl, "submitter-role", "HOUSING_CORPORATION"),
            "Woningcorporatie"
        );
        assert_eq!(
            label(Lang::En, "submitter-role", "HOUSING_CORPORATION"),
            "Housing corporation"
        );
        assert_eq!(
            label(Lang::Nl, "format", "PEER_LEARNING"),
            "Leren van collega's"
        );
    }

    #[test]
    fn both_languages_have_the_same_messages() {
        let dutch = message_keys("nl");
        let english = message_keys("en");
        assert!(dutch.len() > 100, "the files are read");
        for key in &dutch {
            assert!(english.contains(key), "{key} is in nl but not in en");
        }
        for key in &english {
            assert!(dutch.contains(key), "{key} is in en but not in nl");
        }
    }

    fn message_keys(dir: &str) -> Vec<String> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("locales")
            .join(dir);
        let mut keys = Vec::new();
        for entry in std::fs::read_dir(path).into_iter().flatten().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            keys.extend(text.lines().filter_map(|line| {
                let (key, _) = line.split_once(" =")?;
                (!key.starts_with([' ', '#', '.', '*', '['])).then(|| key.trim().to_owned())
            }));
        }
        keys
    }
}
