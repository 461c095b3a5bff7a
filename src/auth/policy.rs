//! What each role may read and do with learning questions (the roles table of the design).

use entity::enums::{AccountRole, ModerationStatus};
use entity::learning_question;
use sea_orm::{ColumnTrait, Condition};

use super::{Scopes, Viewer};
use crate::error::AppError;

/// The questions `viewer` may read, as a filter; anonymous viewers may read none.
pub fn readable_questions(viewer: &Viewer) -> Result<Condition, AppError> {
    use learning_question::Column;
    match viewer {
        Viewer::Anonymous => Err(AppError::Unauthenticated),
        Viewer::Participant {
            participant_id,
            event_id,
        } => Ok(Condition::any()
            .add(
                Condition::all()
                    .add(Column::EventId.eq(*event_id))
                    .add(Column::Status.eq(ModerationStatus::Approved)),
            )
            .add(Column::ParticipantId.eq(*participant_id))),
        Viewer::Account {
            role: AccountRole::Moderator,
            scopes,
            ..
        } => Ok(Condition::any()
            .add(Column::Status.eq(ModerationStatus::Approved))
            .add(moderator_scope(scopes))),
        Viewer::Account { .. } => Ok(Condition::all()),
    }
}

/// The questions a moderator's scopes cover, as a filter; `in_scope` checks one row.
pub fn moderator_scope(scopes: &Scopes) -> Condition {
    use learning_question::Column;
    let mut condition = Condition::any()
        .add(Column::ThemeId.is_in(scopes.theme_ids.iter().copied()))
        .add(Column::SessionId.is_in(scopes.session_ids.iter().copied()));
    for (event_id, theme_id) in &scopes.served_themes {
        condition = condition.add(
            Condition::all()
                .add(Column::SessionId.is_null())
                .add(Column::EventId.eq(*event_id))
                .add(Column::ThemeId.eq(*theme_id)),
        );
    }
    condition
}

/// Whether `viewer` may read this question.
pub fn may_read(viewer: &Viewer, question: &learning_question::Model) -> bool {
    match viewer {
        Viewer::Anonymous => false,
        Viewer::Participant {
            participant_id,
            event_id,
        } => {
            question.participant_id == *participant_id
                || (question.event_id == *event_id && question.status == ModerationStatus::Approved)
        }
        Viewer::Account {
            role: AccountRole::Moderator,
            ..
        } => {
            question.status == ModerationStatus::Approved
                || in_scope(
                    viewer,
                    question.event_id,
                    question.theme_id,
                    question.session_id,
                )
        }
        Viewer::Account { .. } => true,
    }
}

/// Whether a moderator's scopes (or an admin's role) cover a question of this event, theme
/// and session: its theme, its session, or, given without a session, a session serving its
/// theme (so a question without a session never waits for a theme moderator that may not
/// exist). `moderator_scope` is the same rule as a filter.
pub fn in_scope(viewer: &Viewer, event_id: i32, theme_id: i32, session_id: Option<i32>) -> bool {
    match viewer {
        Viewer::Account {
            role: AccountRole::Admin,
            ..
        } => true,
        Viewer::Account {
            role: AccountRole::Moderator,
            scopes,
            ..
        } => {
            scopes.theme_ids.contains(&theme_id)
                || match session_id {
                    Some(session_id) => scopes.session_ids.contains(&session_id),
                    None => scopes.served_themes.contains(&(event_id, theme_id)),
                }
        }
        _ => false,
    }
}

/// Moderators (in scope) and admins may moderate; staff read only.
pub fn require_moderator(viewer: &Viewer) -> Result<i32, AppError> {
    match viewer {
        Viewer::Anonymous => Err(AppError::Unauthenticated),
        Viewer::Account {
            account_id,
            role: AccountRole::Moderator | AccountRole::Admin,
            ..
        } => Ok(*account_id),
        _ => Err(AppError::forbidden(
            "only moderators and admins may moderate",
        )),
    }
}

/// The participant behind the viewer, for submitting and voting.
pub fn require_participant(viewer: &Viewer) -> Result<(i32, i32), AppError> {
    match viewer {
        Viewer::Anonymous => Err(AppError::Unauthenticated),
        Viewer::Participant {
            participant_id,
            event_id,
        } => Ok((*participant_id, *event_id)),
        Viewer::Account { .. } => Err(AppError::forbidden("only participants submit and vote")),
    }
}

/// Admins only.
pub fn require_admin(viewer: &Viewer) -> Result<i32, AppError> {
    match viewer {
        Viewer::Anonymous => Err(AppError::Unauthenticated),
        Viewer::Account {
            account_id,
            role: AccountRole::Admin,
            ..
        } => Ok(*account_id),
        _ => Err(AppError::forbidden("only admins may do this")),
    }
}

/// Summaries: staff and admins everything, moderators their scopes.
pub fn require_summary_reader(viewer: &Viewer) -> Result<(), AppError> {
    match viewer {
        Viewer::Anonymous => Err(AppError::Unauthenticated),
        Viewer::Participant { .. } => Err(AppError::forbidden(
            "summaries are for staff and moderators",
        )),
        Viewer::Account { .. } => Ok(()),
    }
}
