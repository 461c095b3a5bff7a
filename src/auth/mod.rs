//! Who is asking: the viewer of a request and their role.

pub mod role;

pub use role::Role;

/// The viewer of one request, decoded once per request from its token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Viewer {
    /// No token.
    #[default]
    Anonymous,
}

impl Viewer {
    pub fn role(&self) -> Role {
        match self {
            Self::Anonymous => Role::Anonymous,
        }
    }
}
