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
//!
//! MOVE changes a question's theme, not its status: the service handles it, not this table.

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

#[cfg(test)]
mod properties {
    use std::collections::{HashSet, VecDeque};

    use proptest::prelude::*;
    use sea_orm::Iterable;

    use super::*;

    /// The table in the module documentation (and the README), copied row by row: the
    /// reference model the transition function is checked against.
    const TABLE: [(Action, Status, Status); 8] = [
        (Action::Approve, Status::Pending, Status::Approved),
        (Action::Reject, Status::Pending, Status::Rejected),
        (Action::MarkDuplicate, Status::Pending, Status::Duplicate),
        (Action::MarkDuplicate, Status::Approved, Status::Duplicate),
        (Action::Hide, Status::Approved, Status::Hidden),
        (Action::Restore, Status::Rejected, Status::Pending),
        (Action::Restore, Status::Duplicate, Status::Pending),
        (Action::Restore, Status::Hidden, Status::Approved),
    ];

    /// A question starts pending (`service::feedback` stores it so).
    const INITIAL: Status = Status::Pending;

    fn model(from: Status, action: Action) -> Option<Status> {
        TABLE
            .iter()
            .find(|(a, f, _)| *a == action && *f == from)
            .map(|(_, _, to)| *to)
    }

    /// Applies a request the way the service does: an allowed action moves the question,
    /// a refused one leaves it where it is.
    fn apply(state: Status, action: Action) -> Status {
        transition(state, action).unwrap_or(state)
    }

    fn reachable(from: Status, step: impl Fn(Status, Action) -> Option<Status>) -> HashSet<Status> {
        let mut seen = HashSet::from([from]);
        let mut queue = VecDeque::from([from]);
        while let Some(state) = queue.pop_front() {
            for action in Action::iter() {
                if let Some(next) = step(state, action)
                    && seen.insert(next)
                {
                    queue.push_back(next);
                }
            }
        }
        seen
    }

    fn actions() -> impl Strategy<Value = Vec<Action>> {
        prop::collection::vec(
            prop::sample::select(Action::iter().collect::<Vec<_>>()),
            0..40,
        )
    }

    #[test]
    fn the_transition_function_is_the_documented_table() {
        for from in Status::iter() {
            for action in Action::iter() {
                assert_eq!(
                    transition(from, action),
                    model(from, action),
                    "{action:?} from {from:?}"
                );
            }
        }
    }

    #[test]
    fn every_state_is_reachable_from_every_state() {
        for from in Status::iter() {
            let by_function = reachable(from, transition);
            assert_eq!(by_function, reachable(from, model), "from {from:?}");
            assert_eq!(by_function, Status::iter().collect(), "from {from:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn any_sequence_of_requests_moves_only_along_documented_edges(requests in actions()) {
            let mut state = INITIAL;
            for action in requests {
                let next = apply(state, action);
                match model(state, action) {
                    Some(to) => prop_assert_eq!(next, to),
                    None => prop_assert_eq!(next, state, "{:?} from {:?} must be refused", action, state),
                }
                state = next;
            }
        }

        #[test]
        fn a_refused_request_is_refused_again_and_changes_nothing(requests in actions()) {
            let mut state = INITIAL;
            for action in requests {
                match transition(state, action) {
                    Some(next) => {
                        prop_assert_ne!(next, state, "an allowed action changes the state");
                        state = next;
                    }
                    None => prop_assert_eq!(transition(state, action), None),
                }
            }
        }

        #[test]
        fn every_reached_state_can_get_back_to_approved_and_to_pending(requests in actions()) {
            let state = requests.into_iter().fold(INITIAL, apply);
            let onwards = reachable(state, transition);
            prop_assert!(onwards.contains(&Status::Approved) && onwards.contains(&Status::Pending));
        }
    }
}
