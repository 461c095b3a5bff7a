//! Opaque global IDs (Relay `Node`): base64 of `Type:number`. Clients must not parse them.

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::AppError;

/// The types that have global IDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeType {
    Event,
    ProgrammeBlock,
    Session,
    Person,
    Organisation,
    Theme,
    LearningQuestion,
}

impl NodeType {
    const ALL: [Self; 7] = [
        Self::Event,
        Self::ProgrammeBlock,
        Self::Session,
        Self::Person,
        Self::Organisation,
        Self::Theme,
        Self::LearningQuestion,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Event => "Event",
            Self::ProgrammeBlock => "ProgrammeBlock",
            Self::Session => "Session",
            Self::Person => "Person",
            Self::Organisation => "Organisation",
            Self::Theme => "Theme",
            Self::LearningQuestion => "LearningQuestion",
        }
    }
}

/// Encodes a global ID.
pub fn encode(node_type: NodeType, id: i32) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", node_type.name())))
}

/// Decodes any global ID into its type and number.
pub fn decode_any(id: &ID) -> Option<(NodeType, i32)> {
    let bytes = URL_SAFE_NO_PAD.decode(id.as_str()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (name, number) = text.split_once(':')?;
    let node_type = NodeType::ALL.into_iter().find(|t| t.name() == name)?;
    Some((node_type, number.parse().ok()?))
}

/// Decodes a global ID that must be of `expected` type; `field` names the argument in the error.
pub fn decode(id: &ID, expected: NodeType, field: &str) -> Result<i32, AppError> {
    match decode_any(id) {
        Some((node_type, number)) if node_type == expected => Ok(number),
        Some((node_type, _)) => Err(AppError::bad_input(
            field,
            format!(
                "expected the ID of a {}, got the ID of a {}",
                expected.name(),
                node_type.name()
            ),
        )),
        None => Err(AppError::bad_input(field, "not a valid ID")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_check_their_type() {
        let id = encode(NodeType::Session, 42);
        assert_eq!(decode_any(&id), Some((NodeType::Session, 42)));
        assert!(decode(&id, NodeType::Person, "id").is_err());
        assert!(decode(&ID("bm9wZQ".into()), NodeType::Session, "id").is_err());
    }
}
