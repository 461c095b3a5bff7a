//! Roles, ordered by what they may do.

use async_graphql::Enum;

/// The role of a viewer. Ordered: a later role may do at least what an earlier one may,
/// except where a rule says otherwise (participants act only on their own event).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Enum)]
pub enum Role {
    Anonymous,
    Participant,
    Moderator,
    Staff,
    Admin,
}
