//! Signing in: accounts with e-mail and password, participants with an event's access code.

use async_graphql::{Context, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::context::ContextExt;
use crate::auth::Role;
use crate::auth::jwt::{JwtKeys, Subject};
use crate::auth::limits::{ClientAddr, Limits};
use crate::error::AppError;
use crate::service::accounts;

/// The viewer of this request.
#[derive(SimpleObject)]
#[graphql(name = "Viewer")]
pub struct ViewerInfo {
    /// `ANONYMOUS` without a token.
    pub role: Role,
}

/// A token and who it is for.
#[derive(SimpleObject)]
pub struct AuthPayload {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub viewer: ViewerInfo,
}

#[derive(InputObject)]
pub struct JoinEventInput {
    pub event_slug: String,
    pub access_code: String,
}

#[derive(InputObject)]
pub struct LoginInput {
    pub email: String,
    #[graphql(secret)]
    pub password: String,
}

#[derive(Default)]
pub struct AccountQuery;

#[Object]
impl AccountQuery {
    /// Who is asking: the role the server grants this request.
    async fn me(&self, ctx: &Context<'_>) -> ViewerInfo {
        ViewerInfo {
            role: ctx.viewer().role(),
        }
    }
}

#[derive(Default)]
pub struct AccountMutation;

fn keys<'a>(ctx: &Context<'a>) -> Result<&'a JwtKeys, AppError> {
    ctx.data::<JwtKeys>()
        .map_err(|_| AppError::internal(anyhow::anyhow!("JWT keys missing from the schema data")))
}

#[Object]
impl AccountMutation {
    /// Joins an event with its access code; no name or e-mail needed. The token is bound
    /// to a new pseudonymous participant of that event.
    async fn join_event(
        &self,
        ctx: &Context<'_>,
        input: JoinEventInput,
    ) -> async_graphql::Result<AuthPayload> {
        if let (Ok(limits), Ok(ClientAddr(address))) =
            (ctx.data::<Limits>(), ctx.data::<ClientAddr>())
        {
            limits.check_join(*address)?;
        }
        let participant =
            accounts::join_event(ctx.db()?, &input.event_slug, &input.access_code).await?;
        let issued = keys(ctx)?
            .issue(
                Subject::Participant {
                    participant_id: participant.id,
                    event_id: participant.event_id,
                },
                Utc::now(),
            )
            .map_err(AppError::internal)?;
        Ok(AuthPayload {
            token: issued.token,
            expires_at: issued.expires_at,
            viewer: ViewerInfo {
                role: Role::Participant,
            },
        })
    }

    /// Signs in a moderator, staff member or admin. A wrong password and an unknown
    /// address get the same answer; repeated attempts are throttled.
    async fn login(
        &self,
        ctx: &Context<'_>,
        input: LoginInput,
    ) -> async_graphql::Result<AuthPayload> {
        if let Ok(limits) = ctx.data::<Limits>() {
            limits.check_login(&input.email)?;
        }
        let account = accounts::authenticate(ctx.db()?, &input.email, &input.password).await?;
        let issued = keys(ctx)?
            .issue(Subject::Account(account.id), Utc::now())
            .map_err(AppError::internal)?;
        let role = crate::auth::Viewer::Account {
            account_id: account.id,
            role: account.role,
            scopes: Default::default(),
        }
        .role();
        Ok(AuthPayload {
            token: issued.token,
            expires_at: issued.expires_at,
            viewer: ViewerInfo { role },
        })
    }
}
