//! Signing in: accounts with e-mail and password, participants with an event's access code.

use async_graphql::{Context, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::context::ContextExt;
use crate::auth::jwt::{JwtKeys, Subject};
use crate::auth::limits::{ClientAddr, Limits};
use crate::auth::{Role, Viewer};
use crate::error::AppError;
use crate::service::accounts;

/// The viewer of a request, as `me` and sign-in show it.
pub struct ViewerInfo {
    role: Role,
    /// The account behind the token, if any.
    account_id: Option<i32>,
}

impl ViewerInfo {
    fn of(viewer: &Viewer) -> Self {
        Self {
            role: viewer.role(),
            account_id: match viewer {
                Viewer::Account { account_id, .. } => Some(*account_id),
                _ => None,
            },
        }
    }
}

/// The viewer of this request.
#[Object(name = "Viewer")]
impl ViewerInfo {
    /// `ANONYMOUS` without a token.
    async fn role(&self) -> Role {
        self.role
    }

    /// What a moderator screens: `theme:SLUG` and `session:KEY` (`session:EVENT/KEY` when
    /// several events use the key). Empty for staff, admins, participants and anonymous viewers.
    async fn scopes(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<String>> {
        match self.account_id {
            Some(id) => Ok(accounts::scope_labels(ctx.db()?, id).await?),
            None => Ok(Vec::new()),
        }
    }
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
        ViewerInfo::of(&ctx.viewer())
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
                account_id: None,
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
        let viewer = Viewer::Account {
            account_id: account.id,
            role: account.role,
            scopes: Default::default(),
        };
        Ok(AuthPayload {
            token: issued.token,
            expires_at: issued.expires_at,
            viewer: ViewerInfo::of(&viewer),
        })
    }
}
