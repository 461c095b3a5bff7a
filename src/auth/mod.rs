//! Who is asking: tokens, passwords, the viewer of a request and what each role may do.

pub mod jwt;
pub mod limits;
pub mod password;
pub mod policy;
pub mod role;

pub use role::Role;

use entity::enums::AccountRole;

/// What a moderator may screen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scopes {
    pub theme_ids: Vec<i32>,
    pub session_ids: Vec<i32>,
    /// (event id, theme id) of the themes the scoped sessions serve: questions given there
    /// without a session are in scope too (see `policy::in_scope`).
    pub served_themes: Vec<(i32, i32)>,
}

/// The viewer of one request, decoded once per request from its token and checked
/// against the database (disabled accounts and revoked tokens are refused there).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Viewer {
    /// No token.
    #[default]
    Anonymous,
    /// A pseudonymous participant of one event.
    Participant { participant_id: i32, event_id: i32 },
    /// A moderator, staff member or admin.
    Account {
        account_id: i32,
        role: AccountRole,
        scopes: Scopes,
    },
}

impl Viewer {
    /// A participant of the event who submitted nothing: sees exactly what every participant
    /// of the event sees (subscriptions shared between participants run as this viewer).
    pub fn any_participant_of(event_id: i32) -> Self {
        Self::Participant {
            // No participant has this ID, so no question is this viewer's own.
            participant_id: -1,
            event_id,
        }
    }

    /// Who holds the token, as a key for per-token limits; `None` for anonymous viewers.
    pub fn subject_key(&self) -> Option<String> {
        match self {
            Self::Anonymous => None,
            Self::Participant { participant_id, .. } => {
                Some(format!("participant:{participant_id}"))
            }
            Self::Account { account_id, .. } => Some(format!("account:{account_id}")),
        }
    }

    pub fn is_admin(&self) -> bool {
        self.role() == Role::Admin
    }

    pub fn role(&self) -> Role {
        match self {
            Self::Anonymous => Role::Anonymous,
            Self::Participant { .. } => Role::Participant,
            Self::Account { role, .. } => match role {
                AccountRole::Moderator => Role::Moderator,
                AccountRole::Staff => Role::Staff,
                AccountRole::Admin => Role::Admin,
            },
        }
    }
}
