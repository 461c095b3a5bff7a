//! Admin: programme content, accounts and the audit log. Every mutation is audited.

use async_graphql::{Context, Enum, ID, InputObject, Json, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::audit_log;

use super::context::ContextExt;
use super::ids::{self, NodeType};
use super::pagination::{CountedConnection, PageRequest};
use super::programme::{Organisation, Person, Session, SessionKind, SpeakerRole, Theme};
use crate::auth::{Viewer, policy};
use crate::error::AppError;
use crate::service::accounts::{self, AccountWithScopes, ScopeSpec, SessionRef};
use crate::service::admin::{self as service, Deletable, PersonChange, SessionChange};
use crate::service::sync::ChangeCount;

/// Roles an account can have.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::AccountRole")]
pub enum AccountRole {
    Moderator,
    Staff,
    Admin,
}

#[derive(SimpleObject)]
pub struct ChangeCounts {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub deleted: u64,
}

impl From<ChangeCount> for ChangeCounts {
    fn from(count: ChangeCount) -> Self {
        let n = |v: usize| u64::try_from(v).unwrap_or(u64::MAX);
        Self {
            created: n(count.created),
            updated: n(count.updated),
            unchanged: n(count.unchanged),
            deleted: n(count.deleted),
        }
    }
}

/// What an import changed.
#[derive(SimpleObject)]
pub struct ImportResult {
    pub event_slug: String,
    pub event: ChangeCounts,
    pub organisations: ChangeCounts,
    pub people: ChangeCounts,
    pub themes: ChangeCounts,
    pub blocks: ChangeCounts,
    pub sessions: ChangeCounts,
    pub links_added: u64,
    pub links_removed: u64,
}

#[derive(InputObject)]
pub struct UpdateSessionInput {
    pub title: Option<String>,
    pub description: Option<String>,
    pub kind: Option<SessionKind>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub feedback_open: Option<bool>,
    /// Room or online location; `null` clears it.
    pub room: MaybeUndefined<String>,
    /// Stream or meeting link (absolute http(s) URL); `null` clears it.
    pub url: MaybeUndefined<String>,
}

#[derive(InputObject)]
pub struct UpdatePersonInput {
    pub name: Option<String>,
    /// An empty string removes the bio (likewise for the contact fields).
    pub bio: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub website: Option<String>,
}

#[derive(InputObject)]
pub struct UpdateOrganisationInput {
    pub name: Option<String>,
    pub url: Option<String>,
}

#[derive(InputObject)]
pub struct UpdateThemeInput {
    pub title: Option<String>,
    pub description: Option<String>,
    pub guiding_questions: Option<Vec<String>>,
}

#[derive(InputObject)]
pub struct CreateAccountInput {
    pub email: String,
    pub role: AccountRole,
    /// At least 12 characters; common passwords are refused.
    #[graphql(secret)]
    pub password: String,
    /// Moderators only, and at least one: the themes (by slug) they screen.
    pub theme_slugs: Option<Vec<String>>,
    /// Moderators only: the sessions they screen, each by its global ID or its key
    /// (`EVENT/KEY` when several events use the key).
    pub session_ids: Option<Vec<ID>>,
}

/// An account (never its password hash).
pub struct Account(pub AccountWithScopes);

#[Object]
impl Account {
    async fn id(&self) -> i32 {
        self.0.account.id
    }
    async fn email(&self) -> &str {
        &self.0.account.email
    }
    async fn role(&self) -> AccountRole {
        self.0.account.role.into()
    }
    async fn disabled(&self) -> bool {
        self.0.account.disabled
    }
    /// What a moderator screens: `theme:SLUG` and `session:KEY` (`session:EVENT/KEY` when
    /// several events use the key).
    async fn scopes(&self) -> &[String] {
        &self.0.scopes
    }
}

/// A session as an admin names it: its global ID, its key, or `EVENT/KEY`.
pub(crate) fn session_ref(text: &str) -> Result<SessionRef, String> {
    match ids::decode_any(&ID(text.to_owned())) {
        Some((NodeType::Session, id)) => Ok(SessionRef::Id(id)),
        Some((other, _)) => Err(format!(
            "expected a session's ID or key, got the ID of a {}",
            other.name()
        )),
        None => Ok(SessionRef::key(text)),
    }
}

/// Scopes from the two arguments that name them (`prefix` is `input.` inside an input object).
struct ScopeArgs<'a> {
    prefix: &'a str,
    theme_count: usize,
    specs: Vec<ScopeSpec>,
}

impl<'a> ScopeArgs<'a> {
    fn parse(
        prefix: &'a str,
        theme_slugs: Option<Vec<String>>,
        session_ids: Option<Vec<ID>>,
    ) -> Result<Self, AppError> {
        let mut specs: Vec<ScopeSpec> = theme_slugs
            .unwrap_or_default()
            .into_iter()
            .map(ScopeSpec::Theme)
            .collect();
        let theme_count = specs.len();
        for (index, id) in session_ids.unwrap_or_default().iter().enumerate() {
            let session = session_ref(id.as_str()).map_err(|message| {
                AppError::bad_input(format!("{prefix}sessionIds[{index}]"), message)
            })?;
            specs.push(ScopeSpec::Session(session));
        }
        Ok(Self {
            prefix,
            theme_count,
            specs,
        })
    }

    /// Names the argument behind a service error: `scopes[i]` is the i-th of the theme
    /// slugs followed by the session IDs; `scopes` is the pair (blamed on the one given).
    fn blame(&self, err: AppError) -> AppError {
        let AppError::BadUserInput { field, message } = err else {
            return err;
        };
        let prefix = self.prefix;
        let index = field
            .strip_prefix("scopes[")
            .and_then(|rest| rest.strip_suffix(']'))
            .and_then(|i| i.parse::<usize>().ok());
        let field = match index {
            Some(i) if i < self.theme_count => format!("{prefix}themeSlugs[{i}]"),
            Some(i) => format!("{prefix}sessionIds[{}]", i - self.theme_count),
            None if field == "scopes" && self.theme_count == 0 && !self.specs.is_empty() => {
                format!("{prefix}sessionIds")
            }
            None if field == "scopes" => format!("{prefix}themeSlugs"),
            None => format!("{prefix}{field}"),
        };
        AppError::BadUserInput { field, message }
    }
}

/// One admin change.
pub struct AuditEntry(pub audit_log::Model);

#[Object]
impl AuditEntry {
    async fn action(&self) -> &str {
        &self.0.action
    }
    async fn subject(&self) -> &str {
        &self.0.subject
    }
    async fn detail(&self) -> Json<serde_json::Value> {
        Json(serde_json::from_str(&self.0.detail).unwrap_or_default())
    }
    async fn actor_id(&self) -> i32 {
        self.0.actor_account_id
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

#[derive(Default)]
pub struct AdminQuery;

#[Object]
impl AdminQuery {
    /// All accounts (admins).
    async fn accounts(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Account>> {
        policy::require_admin(&ctx.viewer())?;
        Ok(accounts::list_accounts(ctx.db()?)
            .await?
            .into_iter()
            .map(Account)
            .collect())
    }

    /// Admin changes, newest first (staff and admins).
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<CountedConnection<AuditEntry>> {
        match ctx.viewer() {
            Viewer::Anonymous => return Err(AppError::Unauthenticated.into()),
            Viewer::Account { role, .. } if role >= entity::enums::AccountRole::Staff => {}
            _ => return Err(AppError::forbidden("the audit log is for staff and admins").into()),
        }
        let page = PageRequest::parse(first, after.as_deref())?;
        let (rows, total) = service::audit_page(ctx.db()?, page.offset, page.limit).await?;
        Ok(page.connection(rows, total, AuditEntry))
    }
}

#[derive(Default)]
pub struct AdminMutation;

#[Object]
impl AdminMutation {
    /// Creates or updates a whole event from a programme document (the format of
    /// `docs/programme-format.md`): blocks, sessions, people, organisations, themes and links.
    async fn import_programme(
        &self,
        ctx: &Context<'_>,
        programme: Json<serde_json::Value>,
    ) -> async_graphql::Result<ImportResult> {
        let actor = policy::require_admin(&ctx.viewer())?;
        let report = service::import_document(ctx.db()?, actor, &programme.0.to_string()).await?;
        let n = |v: usize| u64::try_from(v).unwrap_or(u64::MAX);
        Ok(ImportResult {
            event_slug: report.event_slug,
            event: report.event.into(),
            organisations: report.organisations.into(),
            people: report.people.into(),
            themes: report.themes.into(),
            blocks: report.blocks.into(),
            sessions: report.sessions.into(),
            links_added: n(report.links_added),
            links_removed: n(report.links_removed),
        })
    }

    /// Deletes an event with its programme; refused while it has learning questions.
    async fn delete_event(&self, ctx: &Context<'_>, slug: String) -> async_graphql::Result<bool> {
        let actor = policy::require_admin(&ctx.viewer())?;
        service::delete_event(ctx.db()?, actor, &slug).await?;
        Ok(true)
    }

    /// Edits a session; absent fields stay as they are.
    async fn update_session(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateSessionInput,
    ) -> async_graphql::Result<Session> {
        let actor = policy::require_admin(&ctx.viewer())?;
        let session_id = ids::decode(&id, NodeType::Session, "id")?;
        let change = SessionChange {
            title: input.title,
            description: input.description,
            kind: input.kind.map(Into::into),
            starts_at: input.starts_at,
            ends_at: input.ends_at,
            feedback_open: input.feedback_open,
            room: input.room.as_opt_deref().map(|r| r.map(str::to_owned)),
            url: input.url.as_opt_deref().map(|u| u.map(str::to_owned)),
        };
        Ok(Session(
            service::update_session(ctx.db()?, actor, session_id, change)
                .await?
                .into(),
        ))
    }

    /// Gives a person a role in a session.
    async fn link_speaker(
        &self,
        ctx: &Context<'_>,
        session_id: ID,
        person_id: ID,
        role: SpeakerRole,
    ) -> async_graphql::Result<Session> {
        speaker(ctx, session_id, person_id, role, true).await
    }

    /// Takes a person's role in a session away.
    async fn unlink_speaker(
        &self,
        ctx: &Context<'_>,
        session_id: ID,
        person_id: ID,
        role: SpeakerRole,
    ) -> async_graphql::Result<Session> {
        speaker(ctx, session_id, person_id, role, false).await
    }

    /// Tags a session with a theme.
    async fn link_theme(
        &self,
        ctx: &Context<'_>,
        session_id: ID,
        theme_id: ID,
    ) -> async_graphql::Result<Session> {
        theme(ctx, session_id, theme_id, true).await
    }

    /// Removes a theme from a session.
    async fn unlink_theme(
        &self,
        ctx: &Context<'_>,
        session_id: ID,
        theme_id: ID,
    ) -> async_graphql::Result<Session> {
        theme(ctx, session_id, theme_id, false).await
    }

    /// Creates a moderator, staff or admin account. A moderator needs at least one scope;
    /// staff and admins take none.
    async fn create_account(
        &self,
        ctx: &Context<'_>,
        input: CreateAccountInput,
    ) -> async_graphql::Result<Account> {
        let actor = policy::require_admin(&ctx.viewer())?;
        let scopes = ScopeArgs::parse("input.", input.theme_slugs, input.session_ids)?;
        let created = service::create_account(
            ctx.db()?,
            actor,
            &input.email,
            input.role.into(),
            &input.password,
            &scopes.specs,
        )
        .await
        .map_err(|err| scopes.blame(err))?;
        Ok(Account(created))
    }

    /// Edits a person.
    async fn update_person(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdatePersonInput,
    ) -> async_graphql::Result<Person> {
        let actor = policy::require_admin(&ctx.viewer())?;
        let person_id = ids::decode(&id, NodeType::Person, "id")?;
        let change = PersonChange {
            name: input.name,
            bio: input.bio,
            email: input.email,
            phone: input.phone,
            website: input.website,
        };
        Ok(Person(
            service::update_person(ctx.db()?, actor, person_id, change)
                .await?
                .into(),
        ))
    }

    /// Edits an organisation.
    async fn update_organisation(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateOrganisationInput,
    ) -> async_graphql::Result<Organisation> {
        let actor = policy::require_admin(&ctx.viewer())?;
        let organisation_id = ids::decode(&id, NodeType::Organisation, "id")?;
        Ok(Organisation(
            service::update_organisation(ctx.db()?, actor, organisation_id, input.name, input.url)
                .await?
                .into(),
        ))
    }

    /// Edits a theme.
    async fn update_theme(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateThemeInput,
    ) -> async_graphql::Result<Theme> {
        let actor = policy::require_admin(&ctx.viewer())?;
        let theme_id = ids::decode(&id, NodeType::Theme, "id")?;
        Ok(Theme(
            service::update_theme(
                ctx.db()?,
                actor,
                theme_id,
                input.title,
                input.description,
                input.guiding_questions,
            )
            .await?
            .into(),
        ))
    }

    /// Deletes a person, organisation or theme (by global ID) with its links; a theme with input is refused.
    async fn delete_node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<bool> {
        let actor = policy::require_admin(&ctx.viewer())?;
        let what = match ids::decode_any(&id) {
            Some((NodeType::Person, n)) => Deletable::Person(n),
            Some((NodeType::Organisation, n)) => Deletable::Organisation(n),
            Some((NodeType::Theme, n)) => Deletable::Theme(n),
            _ => {
                return Err(
                    AppError::bad_input("id", "the ID of a person, organisation or theme").into(),
                );
            }
        };
        service::delete(ctx.db()?, actor, what).await?;
        Ok(true)
    }

    /// Replaces what a moderator screens (at least one theme or session): themes by slug,
    /// sessions by global ID or key (`EVENT/KEY` when several events use the key).
    async fn set_moderator_scopes(
        &self,
        ctx: &Context<'_>,
        email: String,
        theme_slugs: Option<Vec<String>>,
        session_ids: Option<Vec<ID>>,
    ) -> async_graphql::Result<Account> {
        let actor = policy::require_admin(&ctx.viewer())?;
        let scopes = ScopeArgs::parse("", theme_slugs, session_ids)?;
        let account = service::set_moderator_scopes(ctx.db()?, actor, &email, &scopes.specs)
            .await
            .map_err(|err| scopes.blame(err))?;
        Ok(Account(account))
    }

    /// Disables an account and revokes its tokens.
    async fn disable_account(
        &self,
        ctx: &Context<'_>,
        email: String,
    ) -> async_graphql::Result<bool> {
        let actor = policy::require_admin(&ctx.viewer())?;
        service::disable_account(ctx.db()?, actor, &email).await?;
        Ok(true)
    }
}

async fn speaker(
    ctx: &Context<'_>,
    session_id: ID,
    person_id: ID,
    role: SpeakerRole,
    linked: bool,
) -> async_graphql::Result<Session> {
    let actor = policy::require_admin(&ctx.viewer())?;
    let session_id = ids::decode(&session_id, NodeType::Session, "sessionId")?;
    let person_id = ids::decode(&person_id, NodeType::Person, "personId")?;
    Ok(Session(
        service::set_speaker(ctx.db()?, actor, session_id, person_id, role.into(), linked)
            .await?
            .into(),
    ))
}

async fn theme(
    ctx: &Context<'_>,
    session_id: ID,
    theme_id: ID,
    linked: bool,
) -> async_graphql::Result<Session> {
    let actor = policy::require_admin(&ctx.viewer())?;
    let session_id = ids::decode(&session_id, NodeType::Session, "sessionId")?;
    let theme_id = ids::decode(&theme_id, NodeType::Theme, "themeId")?;
    Ok(Session(
        service::set_theme(ctx.db()?, actor, session_id, theme_id, linked)
            .await?
            .into(),
    ))
}
