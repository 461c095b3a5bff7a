//! Enumerations stored as short strings, so both SQLite and PostgreSQL read them the same way.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

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
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
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
}

/// Who a participant says they are, for the aggregation.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
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
