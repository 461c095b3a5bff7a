//! What a moderator screens: themes by slug and sessions by key (or by ID), and how a
//! scope is shown (`theme:SLUG`, `session:KEY`).

use std::collections::HashMap;

use entity::enums::AccountRole;
use entity::{event, moderator_scope, session, theme};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::error::{AppError, AppResult};

/// A scope as an admin names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeSpec {
    /// A theme by its slug.
    Theme(String),
    Session(SessionRef),
}

/// A session as an admin names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionRef {
    /// The number inside a session's global ID (the front end decodes it).
    Id(i32),
    /// The session's key, with the event's slug when several events use that key.
    Key { event: Option<String>, key: String },
}

impl SessionRef {
    /// `KEY` or `EVENT/KEY`.
    pub fn key(text: &str) -> Self {
        match text.split_once('/') {
            Some((event, key)) => Self::Key {
                event: Some(event.to_owned()),
                key: key.to_owned(),
            },
            None => Self::Key {
                event: None,
                key: text.to_owned(),
            },
        }
    }
}

/// A scope row: a theme or a session.
type ScopeRow = (Option<i32>, Option<i32>);

/// Refuses scopes that make no sense for a role: staff and admins see everything, and a
/// moderator without a scope could screen nothing. The error's field is `scopes`.
pub fn check_fits_role(role: AccountRole, scope_count: usize) -> AppResult<()> {
    match role {
        AccountRole::Moderator if scope_count == 0 => Err(AppError::bad_input(
            "scopes",
            "a moderator needs at least one scope (a theme or a session)",
        )),
        AccountRole::Staff | AccountRole::Admin if scope_count > 0 => Err(AppError::bad_input(
            "scopes",
            "only moderators have scopes: staff and admins see every theme",
        )),
        _ => Ok(()),
    }
}

/// Gives an account exactly these scopes. Unknown or ambiguous themes and sessions are
/// `BAD_USER_INPUT` with the field `scopes[i]`. Run it inside the change's transaction.
pub async fn replace(
    db: &impl ConnectionTrait,
    account_id: i32,
    scopes: &[ScopeSpec],
) -> AppResult<()> {
    let mut rows: Vec<ScopeRow> = Vec::new();
    for (index, scope) in scopes.iter().enumerate() {
        let row = resolve(db, scope)
            .await?
            .map_err(|message| AppError::bad_input(format!("scopes[{index}]"), message))?;
        if !rows.contains(&row) {
            rows.push(row);
        }
    }
    moderator_scope::Entity::delete_many()
        .filter(moderator_scope::Column::AccountId.eq(account_id))
        .exec(db)
        .await?;
    if rows.is_empty() {
        return Ok(());
    }
    moderator_scope::Entity::insert_many(rows.into_iter().map(|(theme_id, session_id)| {
        moderator_scope::ActiveModel {
            account_id: Set(account_id),
            theme_id: Set(theme_id),
            session_id: Set(session_id),
            ..Default::default()
        }
    }))
    .exec(db)
    .await?;
    Ok(())
}

/// One scope as a row, or why it names nothing (or more than one thing).
async fn resolve(
    db: &impl ConnectionTrait,
    scope: &ScopeSpec,
) -> AppResult<Result<ScopeRow, String>> {
    Ok(match scope {
        ScopeSpec::Theme(slug) => theme::Entity::find()
            .filter(theme::Column::Slug.eq(slug.as_str()))
            .one(db)
            .await?
            .map(|theme| (Some(theme.id), None))
            .ok_or_else(|| format!("no theme {slug:?}")),
        ScopeSpec::Session(SessionRef::Id(id)) => session::Entity::find_by_id(*id)
            .one(db)
            .await?
            .map(|session| (None, Some(session.id)))
            .ok_or_else(|| "no session with this ID".to_owned()),
        ScopeSpec::Session(SessionRef::Key { event, key }) => {
            let mut query = session::Entity::find()
                .find_also_related(event::Entity)
                .filter(session::Column::Key.eq(key.as_str()));
            if let Some(slug) = event {
                query = query.filter(event::Column::Slug.eq(slug.as_str()));
            }
            let found = query.order_by_asc(session::Column::Id).all(db).await?;
            match found.as_slice() {
                [(session, _)] => Ok((None, Some(session.id))),
                [] => Err(match event {
                    Some(slug) => format!("no session {key:?} in event {slug:?}"),
                    None => format!("no session {key:?}"),
                }),
                several => {
                    let events: Vec<&str> = several
                        .iter()
                        .filter_map(|(_, event)| event.as_ref().map(|e| e.slug.as_str()))
                        .collect();
                    Err(format!(
                        "the session key {key:?} is used in events {}: write EVENT/{key} (e.g. {}/{key}) or use the session's ID",
                        events.join(", "),
                        events.first().copied().unwrap_or("EVENT"),
                    ))
                }
            }
        }
    })
}

/// Each account's scopes as `theme:SLUG` and `session:KEY` (`session:EVENT/KEY` when
/// another event uses the same key), in the order they were given.
pub async fn labels(
    db: &impl ConnectionTrait,
    account_ids: &[i32],
) -> AppResult<HashMap<i32, Vec<String>>> {
    let rows = moderator_scope::Entity::find()
        .filter(moderator_scope::Column::AccountId.is_in(account_ids.iter().copied()))
        .order_by_asc(moderator_scope::Column::Id)
        .all(db)
        .await?;
    let theme_slugs: HashMap<i32, String> = theme::Entity::find()
        .filter(theme::Column::Id.is_in(rows.iter().filter_map(|r| r.theme_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|theme| (theme.id, theme.slug))
        .collect();
    let sessions: HashMap<i32, (session::Model, Option<event::Model>)> = session::Entity::find()
        .find_also_related(event::Entity)
        .filter(session::Column::Id.is_in(rows.iter().filter_map(|r| r.session_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|(session, event)| (session.id, (session, event)))
        .collect();
    let shared_keys = keys_used_more_than_once(db, sessions.values().map(|(s, _)| &s.key)).await?;

    let mut labels: HashMap<i32, Vec<String>> = HashMap::new();
    for row in rows {
        let label = match (row.theme_id, row.session_id) {
            (Some(id), _) => theme_slugs.get(&id).map(|slug| format!("theme:{slug}")),
            (None, Some(id)) => sessions.get(&id).map(|(session, event)| {
                match event
                    .as_ref()
                    .filter(|_| shared_keys.contains(&session.key))
                {
                    Some(event) => format!("session:{}/{}", event.slug, session.key),
                    None => format!("session:{}", session.key),
                }
            }),
            (None, None) => None,
        };
        if let Some(label) = label {
            labels.entry(row.account_id).or_default().push(label);
        }
    }
    Ok(labels)
}

/// The keys among `keys` that more than one session has (in different events).
async fn keys_used_more_than_once<'k>(
    db: &impl ConnectionTrait,
    keys: impl Iterator<Item = &'k String>,
) -> AppResult<Vec<String>> {
    let keys: Vec<&String> = keys.collect();
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let all: Vec<String> = session::Entity::find()
        .select_only()
        .column(session::Column::Key)
        .filter(session::Column::Key.is_in(keys.iter().map(|k| k.as_str())))
        .into_tuple()
        .all(db)
        .await?;
    let mut counts: HashMap<String, usize> = HashMap::new();
    for key in all {
        *counts.entry(key).or_default() += 1;
    }
    Ok(counts
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(key, _)| key)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_refs_take_an_optional_event() {
        assert_eq!(
            SessionRef::key("r1-abcd"),
            SessionRef::Key {
                event: None,
                key: "r1-abcd".into()
            }
        );
        assert_eq!(
            SessionRef::key("dag-van-de-buurt-2021/r1-abcd"),
            SessionRef::Key {
                event: Some("dag-van-de-buurt-2021".into()),
                key: "r1-abcd".into()
            }
        );
    }

    #[test]
    fn scopes_fit_moderators_only() {
        assert!(check_fits_role(AccountRole::Moderator, 1).is_ok());
        assert!(check_fits_role(AccountRole::Staff, 0).is_ok());
        assert!(check_fits_role(AccountRole::Admin, 0).is_ok());
        for (role, count) in [
            (AccountRole::Moderator, 0),
            (AccountRole::Staff, 1),
            (AccountRole::Admin, 2),
        ] {
            assert!(
                matches!(check_fits_role(role, count), Err(AppError::BadUserInput { ref field, .. }) if field == "scopes"),
                "{role:?} with {count}"
            );
        }
    }
}
