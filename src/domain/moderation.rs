//! The moderation state machine. The allowed transitions:
//!
//! | action         | from      | to        |
//! |----------------|-----------|-----------|
//! | APPROVE        | PENDING   | APPROVED  |
//! | REJECT         | PENDING   | REJECTED  |
//! | MARK_DUPLICATE | PENDING   | DUPLICATE |
//! | MARK_DUPLICATE | APPROVED  | DUPLICATE |
//! | HIDE           | APPROVED  | HIDDEN    |
//! | RESTORE        | REJECTED  | PENDING   |
//! | RESTORE        | DUPLICATE | PENDING   |
//! | RESTORE        | HIDDEN    | APPROVED  |

use entity::enums::{ModerationActionKind as Action, ModerationStatus as Status};

/// The state `action` leads to from `from`, or `None` when it is not allowed.
pub fn transition(from: Status, action: Action) -> Option<Status> {
    match (from, action) {
        (Status::Pending, Action::Approve) => Some(Status::Approved),
        (Status::Pending, Action::Reject) => Some(Status::Rejected),
        (Status::Pending | Status::Approved, Action::MarkDuplicate) => Some(Status::Duplicate),
        (Status::Approved, Action::Hide) => Some(Status::Hidden),
        (Status::Rejected | Status::Duplicate, Action::Restore) => Some(Status::Pending),
        (Status::Hidden, Action::Restore) => Some(Status::Approved),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::Iterable;

    use super::*;

    #[test]
    fn exactly_eight_transitions_are_allowed() {
        let allowed: Vec<_> = Status::iter()
            .flat_map(|from| {
                Action::iter()
                    .filter_map(move |action| transition(from, action).map(|to| (from, action, to)))
            })
            .collect();
        assert_eq!(allowed.len(), 8);
        assert_eq!(transition(Status::Approved, Action::Approve), None);
        assert_eq!(
            transition(Status::Hidden, Action::Restore),
            Some(Status::Approved)
        );
    }
}
