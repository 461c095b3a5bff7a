//! The programme's mutations.

use async_graphql::{Context, ID, Object};

use super::Session;
use crate::graphql::context::ContextExt;
use crate::graphql::ids::{self, NodeType};

#[derive(Default)]
pub struct ProgrammeMutation;

#[Object]
impl ProgrammeMutation {
    /// Opens or closes a session for learning questions (admins).
    async fn set_feedback_open(
        &self,
        ctx: &Context<'_>,
        session_id: ID,
        open: bool,
    ) -> async_graphql::Result<Session> {
        let actor = crate::auth::policy::require_admin(&ctx.viewer())?;
        let id = ids::decode(&session_id, NodeType::Session, "sessionId")?;
        let change = crate::service::admin::SessionChange {
            feedback_open: Some(open),
            ..Default::default()
        };
        let session = crate::service::admin::update_session(ctx.db()?, actor, id, change).await?;
        Ok(Session(session.into()))
    }
}
