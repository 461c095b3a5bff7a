//! Enumerations stored as short strings, so both SQLite and PostgreSQL read them the same way.
//!
//! Each enum the API shows has one list of its values (`ALL`, in the GraphQL enum's order)
//! and one spelling per value (`api_name()`, the GraphQL enum name, which is also the stored
//! string). Machine outputs (CSV, JSON, the summary) write `api_name()`; human labels (the
//! report, the web pages) are keyed by it.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// `ALL`, `api_name()` and `from_api_name()` for an enum, from one table of its values.
macro_rules! api_names {
    ($enum:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $enum {
            /// Every value, in the order the GraphQL enum lists them.
            pub const ALL: [Self; [$($name),+].len()] = [$(Self::$variant),+];

            /// The GraphQL enum name (`SCREAMING_SNAKE_CASE`): the one spelling of this value
            /// in machine outputs, and the key of its human labels.
            pub const fn api_name(self) -> &'static str {
                match self {
                    $(Self::$variant => $name),+
                }
            }

            /// The value whose GraphQL name is `name`, in any letter case.
            pub fn from_api_name(name: &str) -> Option<Self> {
                Self::ALL
                    .into_iter()
                    .find(|value| value.api_name().eq_ignore_ascii_case(name))
            }
        }
    };
}

/// What a programme block is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BlockKind {
    #[sea_orm(string_value = "PLENARY")]
    Plenary,
    #[sea_orm(string_value = "WORKSHOP_ROUND")]
    WorkshopRound,
}

/// What a session is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SessionKind {
    #[sea_orm(string_value = "PLENARY")]
    Plenary,
    #[sea_orm(string_value = "WORKSHOP")]
    Workshop,
    #[sea_orm(string_value = "LEARNING_AGENDA")]
    LearningAgenda,
}

/// The part a person plays in a session.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SpeakerRole {
    #[sea_orm(string_value = "HOST")]
    Host,
    #[sea_orm(string_value = "SPEAKER")]
    Speaker,
    #[sea_orm(string_value = "FACILITATOR")]
    Facilitator,
    #[sea_orm(string_value = "TABLE_GUEST")]
    TableGuest,
}

/// What a theme is for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ThemeKind {
    /// A theme of the learning agenda; participants submit learning questions on it.
    #[sea_orm(string_value = "LEARNING_AGENDA")]
    LearningAgenda,
    /// A topic that tags sessions for browsing.
    #[sea_orm(string_value = "TOPIC")]
    Topic,
    /// A question a plenary puts to all participants; their answers are input too.
    #[sea_orm(string_value = "PLENARY_QUESTION")]
    PlenaryQuestion,
}

/// What a search document describes.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum SearchKind {
    #[sea_orm(string_value = "SESSION")]
    Session,
    #[sea_orm(string_value = "PERSON")]
    Person,
    #[sea_orm(string_value = "THEME")]
    Theme,
    #[sea_orm(string_value = "ORGANISATION")]
    Organisation,
}

/// The role of a staff account (participants have no account).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AccountRole {
    #[sea_orm(string_value = "MODERATOR")]
    Moderator,
    #[sea_orm(string_value = "STAFF")]
    Staff,
    #[sea_orm(string_value = "ADMIN")]
    Admin,
}

/// Where a learning question stands in moderation.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ModerationStatus {
    #[sea_orm(string_value = "PENDING")]
    Pending,
    #[sea_orm(string_value = "APPROVED")]
    Approved,
    #[sea_orm(string_value = "REJECTED")]
    Rejected,
    #[sea_orm(string_value = "DUPLICATE")]
    Duplicate,
    #[sea_orm(string_value = "HIDDEN")]
    Hidden,
}

/// What a moderator did.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ModerationActionKind {
    #[sea_orm(string_value = "APPROVE")]
    Approve,
    #[sea_orm(string_value = "REJECT")]
    Reject,
    #[sea_orm(string_value = "MARK_DUPLICATE")]
    MarkDuplicate,
    #[sea_orm(string_value = "HIDE")]
    Hide,
    #[sea_orm(string_value = "RESTORE")]
    Restore,
    /// To another theme of the event; the status stays as it is.
    #[sea_orm(string_value = "MOVE")]
    Move,
}

/// Who a participant says they are, for the aggregation.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SubmitterRole {
    #[sea_orm(string_value = "RESIDENT")]
    Resident,
    #[sea_orm(string_value = "PROFESSIONAL")]
    Professional,
    #[sea_orm(string_value = "MUNICIPALITY")]
    Municipality,
    #[sea_orm(string_value = "HOUSING_CORPORATION")]
    HousingCorporation,
    #[sea_orm(string_value = "RESEARCHER")]
    Researcher,
    #[sea_orm(string_value = "POLICYMAKER")]
    Policymaker,
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// How a participant would like to learn. Stored inside the question's JSON list of
/// formats, by `api_name()`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, Serialize, Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LearningFormat {
    Workshop,
    Webinar,
    PeerLearning,
    FieldVisit,
    Publication,
    LearningNetwork,
    Coaching,
}

impl LearningFormat {
    /// The formats of a stored list (a JSON array of names), each once, in the stored order;
    /// names this version does not know are skipped.
    pub fn list_from_json(stored: &Json) -> Vec<Self> {
        let mut formats = Vec::new();
        for format in stored
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|name| name.as_str().and_then(Self::from_api_name))
        {
            if !formats.contains(&format) {
                formats.push(format);
            }
        }
        formats
    }

    /// As `list_from_json`, from the list's JSON text (an empty list when it is not JSON).
    pub fn list_from_json_text(stored: &str) -> Vec<Self> {
        serde_json::from_str(stored)
            .map(|json| Self::list_from_json(&json))
            .unwrap_or_default()
    }

    /// The stored list of `formats`.
    pub fn list_to_json(formats: &[Self]) -> Json {
        Json::Array(
            formats
                .iter()
                .map(|format| Json::from(format.api_name()))
                .collect(),
        )
    }
}

api_names!(BlockKind {
    Plenary => "PLENARY",
    WorkshopRound => "WORKSHOP_ROUND",
});

api_names!(SessionKind {
    Plenary => "PLENARY",
    Workshop => "WORKSHOP",
    LearningAgenda => "LEARNING_AGENDA",
});

api_names!(SpeakerRole {
    Host => "HOST",
    Speaker => "SPEAKER",
    Facilitator => "FACILITATOR",
    TableGuest => "TABLE_GUEST",
});

api_names!(ThemeKind {
    LearningAgenda => "LEARNING_AGENDA",
    Topic => "TOPIC",
    PlenaryQuestion => "PLENARY_QUESTION",
});

api_names!(AccountRole {
    Moderator => "MODERATOR",
    Staff => "STAFF",
    Admin => "ADMIN",
});

api_names!(ModerationStatus {
    Pending => "PENDING",
    Approved => "APPROVED",
    Rejected => "REJECTED",
    Duplicate => "DUPLICATE",
    Hidden => "HIDDEN",
});

api_names!(ModerationActionKind {
    Approve => "APPROVE",
    Reject => "REJECT",
    MarkDuplicate => "MARK_DUPLICATE",
    Hide => "HIDE",
    Restore => "RESTORE",
    Move => "MOVE",
});

api_names!(SubmitterRole {
    Resident => "RESIDENT",
    Professional => "PROFESSIONAL",
    Municipality => "MUNICIPALITY",
    HousingCorporation => "HOUSING_CORPORATION",
    Researcher => "RESEARCHER",
    Policymaker => "POLICYMAKER",
    Other => "OTHER",
});

api_names!(LearningFormat {
    Workshop => "WORKSHOP",
    Webinar => "WEBINAR",
    PeerLearning => "PEER_LEARNING",
    FieldVisit => "FIELD_VISIT",
    Publication => "PUBLICATION",
    LearningNetwork => "LEARNING_NETWORK",
    Coaching => "COACHING",
});

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::Iterable;

    /// `ALL` lists every variant once, in declaration order; `api_name()` is the serde name
    /// and, for stored enums, the stored string: one spelling per value.
    macro_rules! check {
        ($enum:ident) => {
            assert_eq!($enum::ALL.to_vec(), $enum::iter().collect::<Vec<_>>());
            for value in $enum::ALL {
                assert_eq!(
                    serde_json::to_value(value).ok(),
                    Some(value.api_name().into())
                );
                assert_eq!($enum::from_api_name(value.api_name()), Some(value));
            }
        };
        ($enum:ident stored) => {
            check!($enum);
            for value in $enum::ALL {
                assert_eq!(value.to_value(), value.api_name());
            }
        };
    }

    #[test]
    fn every_enum_has_one_list_and_one_spelling() {
        check!(BlockKind stored);
        check!(SessionKind stored);
        check!(SpeakerRole stored);
        check!(ThemeKind stored);
        check!(AccountRole stored);
        check!(ModerationStatus stored);
        check!(ModerationActionKind stored);
        check!(SubmitterRole stored);
        check!(LearningFormat);
        assert_eq!(
            SubmitterRole::from_api_name("housing_corporation"),
            Some(SubmitterRole::HousingCorporation)
        );
        assert_eq!(LearningFormat::from_api_name("PeerLearning"), None);
    }

    #[test]
    fn a_stored_format_list_reads_back_each_format_once() {
        use LearningFormat::{Coaching, PeerLearning};
        let stored = LearningFormat::list_to_json(&[PeerLearning, Coaching]);
        assert_eq!(stored, serde_json::json!(["PEER_LEARNING", "COACHING"]));
        assert_eq!(
            LearningFormat::list_from_json(&stored),
            [PeerLearning, Coaching]
        );
        assert_eq!(
            LearningFormat::list_from_json_text(r#"["COACHING","GONE","COACHING"]"#),
            [Coaching]
        );
        assert!(LearningFormat::list_from_json_text("not json").is_empty());
    }
}
