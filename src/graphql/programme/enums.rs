//! The programme's enums, each mirroring one in `entity::enums`.

use async_graphql::Enum;

/// What a programme block is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::BlockKind")]
pub enum BlockKind {
    Plenary,
    WorkshopRound,
}

/// What a session is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::SessionKind")]
pub enum SessionKind {
    Plenary,
    Workshop,
    /// A session of the learning agenda: participants' learning questions are collected here.
    LearningAgenda,
}

/// The part a person plays in a session.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::SpeakerRole")]
pub enum SpeakerRole {
    Host,
    Speaker,
    Facilitator,
    TableGuest,
}

/// What a theme is for.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::ThemeKind")]
pub enum ThemeKind {
    /// A learning-agenda theme; participants submit learning questions on it.
    LearningAgenda,
    /// A topic that tags sessions.
    Topic,
    /// A question a plenary puts to all participants; their answers are input too.
    PlenaryQuestion,
}
