//! The viewer: who the API thinks is asking.

use async_graphql::{Context, Object, SimpleObject};

use super::context::ContextExt;
use crate::auth::Role;

/// The viewer of this request.
#[derive(SimpleObject)]
#[graphql(name = "Viewer")]
pub struct ViewerInfo {
    /// `ANONYMOUS` without a token.
    pub role: Role,
}

#[derive(Default)]
pub struct AccountQuery;

#[Object]
impl AccountQuery {
    /// Who is asking: the role the server grants this request.
    #[graphql(name = "me")]
    async fn me(&self, ctx: &Context<'_>) -> ViewerInfo {
        ViewerInfo {
            role: ctx.viewer().role(),
        }
    }
}
