//! Reading the programme: events, blocks, sessions, people, organisations, themes.
//! Batch functions (`*_by_*`) serve the DataLoaders; each is one statement.

use std::collections::HashMap;

use entity::enums::SessionKind;
use entity::{
    event, event_host, event_theme, learning_question, organisation, person, person_organisation,
    programme_block, search_document, session, session_organisation, session_person, session_theme,
    theme,
};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Select,
};

use crate::domain::text::{escape_like, fold};
use crate::error::AppResult;

/// All events, earliest first.
pub async fn events(db: &impl ConnectionTrait) -> AppResult<Vec<event::Model>> {
    Ok(event::Entity::find()
        .order_by_asc(event::Column::StartsAt)
        .order_by_asc(event::Column::Id)
        .all(db)
        .await?)
}

/// The event with this slug, or the first event when no slug is given.
pub async fn event_by_slug(
    db: &impl ConnectionTrait,
    slug: Option<&str>,
) -> AppResult<Option<event::Model>> {
    let query = event::Entity::find();
    let query = match slug {
        Some(slug) => query.filter(event::Column::Slug.eq(slug)),
        None => query
            .order_by_asc(event::Column::StartsAt)
            .order_by_asc(event::Column::Id),
    };
    Ok(query.one(db).await?)
}

/// The session with this key in this event (keys are unique within an event), for
/// readable addresses such as `/events/{slug}/sessies/{key}`.
pub async fn session_by_key(
    db: &impl ConnectionTrait,
    event_id: i32,
    key: &str,
) -> AppResult<Option<session::Model>> {
    Ok(session::Entity::find()
        .filter(session::Column::EventId.eq(event_id))
        .filter(session::Column::Key.eq(key))
        .one(db)
        .await?)
}

/// The person with this key if they take part in this event (as a host or in a session),
/// for readable addresses such as `/events/{slug}/personen/{key}`. A person's key is the
/// same in every event; someone who is not in this event's programme is not found here.
pub async fn person_by_key(
    db: &impl ConnectionTrait,
    event_id: i32,
    key: &str,
) -> AppResult<Option<person::Model>> {
    Ok(people_of_event(event_id)
        .filter(person::Column::Key.eq(key))
        .one(db)
        .await?)
}

/// Filters on an event's sessions; all given filters must hold.
#[derive(Debug, Clone, Default)]
pub struct SessionFilter {
    pub block_id: Option<i32>,
    pub kind: Option<SessionKind>,
    pub theme_id: Option<i32>,
    pub person_id: Option<i32>,
    pub organisation_id: Option<i32>,
    pub text: Option<String>,
    pub feedback_open: Option<bool>,
}

fn session_ids_where(
    table: impl sea_orm::sea_query::IntoTableRef,
    column: impl sea_orm::sea_query::IntoIden,
    condition: Condition,
) -> SelectStatement {
    Query::select()
        .column(column)
        .from(table)
        .cond_where(condition)
        .to_owned()
}

fn filtered_sessions(event_id: i32, filter: &SessionFilter) -> Select<session::Entity> {
    let mut query = session::Entity::find().filter(session::Column::EventId.eq(event_id));
    if let Some(block_id) = filter.block_id {
        query = query.filter(session::Column::BlockId.eq(block_id));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(session::Column::Kind.eq(kind));
    }
    if let Some(open) = filter.feedback_open {
        query = query.filter(session::Column::FeedbackOpen.eq(open));
    }
    if let Some(theme_id) = filter.theme_id {
        query = query.filter(session::Column::Id.in_subquery(session_ids_where(
            session_theme::Entity,
            session_theme::Column::SessionId,
            Condition::all().add(session_theme::Column::ThemeId.eq(theme_id)),
        )));
    }
    if let Some(person_id) = filter.person_id {
        query = query.filter(session::Column::Id.in_subquery(session_ids_where(
            session_person::Entity,
            session_person::Column::SessionId,
            Condition::all().add(session_person::Column::PersonId.eq(person_id)),
        )));
    }
    if let Some(organisation_id) = filter.organisation_id {
        query = query.filter(session::Column::Id.in_subquery(session_ids_where(
            session_organisation::Entity,
            session_organisation::Column::SessionId,
            Condition::all().add(session_organisation::Column::OrganisationId.eq(organisation_id)),
        )));
    }
    if let Some(text) = filter.text.as_deref() {
        let mut matches = Condition::all()
            .add(search_document::Column::EventId.eq(event_id))
            .add(search_document::Column::Kind.eq(entity::enums::SearchKind::Session));
        for word in fold(text).split(' ').filter(|w| !w.is_empty()) {
            let pattern = format!("%{}%", escape_like(word));
            matches = matches.add(
                Condition::any()
                    .add(
                        Expr::col(search_document::Column::TitleFolded)
                            .like(LikeExpr::new(&pattern).escape('\\')),
                    )
                    .add(
                        Expr::col(search_document::Column::BodyFolded)
                            .like(LikeExpr::new(&pattern).escape('\\')),
                    ),
            );
        }
        query = query.filter(session::Column::Id.in_subquery(session_ids_where(
            search_document::Entity,
            search_document::Column::EntityId,
            matches,
        )));
    }
    query
}

/// One page of an event's sessions in programme order, and the total that match.
pub async fn sessions_page(
    db: &impl ConnectionTrait,
    event_id: i32,
    filter: &SessionFilter,
    offset: u64,
    limit: u64,
) -> AppResult<(Vec<session::Model>, u64)> {
    let query = filtered_sessions(event_id, filter);
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_asc(session::Column::StartsAt)
        .order_by_asc(session::Column::BlockId)
        .order_by_asc(session::Column::Position)
        .order_by_asc(session::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    Ok((rows, total))
}

fn people_of_event(event_id: i32) -> Select<person::Entity> {
    let speakers = Query::select()
        .column(session_person::Column::PersonId)
        .from(session_person::Entity)
        .inner_join(
            session::Entity,
            Expr::col((session::Entity, session::Column::Id))
                .equals((session_person::Entity, session_person::Column::SessionId)),
        )
        .and_where(Expr::col((session::Entity, session::Column::EventId)).eq(event_id))
        .to_owned();
    let hosts = session_ids_where(
        event_host::Entity,
        event_host::Column::PersonId,
        Condition::all().add(event_host::Column::EventId.eq(event_id)),
    );
    person::Entity::find().filter(
        Condition::any()
            .add(person::Column::Id.in_subquery(speakers))
            .add(person::Column::Id.in_subquery(hosts)),
    )
}

/// One page of the people taking part in an event, by name, and their total.
pub async fn people_page(
    db: &impl ConnectionTrait,
    event_id: i32,
    offset: u64,
    limit: u64,
) -> AppResult<(Vec<person::Model>, u64)> {
    let query = people_of_event(event_id);
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_asc(person::Column::Name)
        .order_by_asc(person::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// Organisations taking part in an event: linked to its sessions or employing its people.
pub async fn organisations_of_event(
    db: &impl ConnectionTrait,
    event_id: i32,
) -> AppResult<Vec<organisation::Model>> {
    let of_sessions = Query::select()
        .column(session_organisation::Column::OrganisationId)
        .from(session_organisation::Entity)
        .inner_join(
            session::Entity,
            Expr::col((session::Entity, session::Column::Id)).equals((
                session_organisation::Entity,
                session_organisation::Column::SessionId,
            )),
        )
        .and_where(Expr::col((session::Entity, session::Column::EventId)).eq(event_id))
        .to_owned();
    let mut of_people = Query::select();
    of_people
        .column(person_organisation::Column::OrganisationId)
        .from(person_organisation::Entity)
        .and_where(
            person_organisation::Column::PersonId.in_subquery(
                people_of_event(event_id)
                    .select_only()
                    .column(person::Column::Id)
                    .into_query(),
            ),
        );
    Ok(organisation::Entity::find()
        .filter(
            Condition::any()
                .add(organisation::Column::Id.in_subquery(of_sessions))
                .add(organisation::Column::Id.in_subquery(of_people.to_owned())),
        )
        .order_by_asc(organisation::Column::Name)
        .order_by_asc(organisation::Column::Id)
        .all(db)
        .await?)
}

/// Rows by primary key, as a map.
pub async fn by_ids<E>(
    db: &impl ConnectionTrait,
    column: E::Column,
    ids: &[i32],
) -> AppResult<HashMap<i32, E::Model>>
where
    E: EntityTrait,
    E::Model: HasId,
{
    Ok(E::find()
        .filter(column.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.id(), row))
        .collect())
}

/// Models with an `i32` primary key called `id`.
pub trait HasId {
    fn id(&self) -> i32;
}

macro_rules! has_id {
    ($($module:ident),*) => {
        $(impl HasId for $module::Model {
            fn id(&self) -> i32 {
                self.id
            }
        })*
    };
}
has_id!(
    event,
    programme_block,
    session,
    person,
    organisation,
    theme,
    learning_question
);

/// Blocks of these events, each list in programme order.
pub async fn blocks_by_event(
    db: &impl ConnectionTrait,
    event_ids: &[i32],
) -> AppResult<HashMap<i32, Vec<programme_block::Model>>> {
    let rows = programme_block::Entity::find()
        .filter(programme_block::Column::EventId.is_in(event_ids.iter().copied()))
        .order_by_asc(programme_block::Column::StartsAt)
        .order_by_asc(programme_block::Column::Position)
        .all(db)
        .await?;
    Ok(group(rows, |row| row.event_id))
}

/// Sessions of these blocks, each list in programme order.
pub async fn sessions_by_block(
    db: &impl ConnectionTrait,
    block_ids: &[i32],
) -> AppResult<HashMap<i32, Vec<session::Model>>> {
    let rows = session::Entity::find()
        .filter(session::Column::BlockId.is_in(block_ids.iter().copied()))
        .order_by_asc(session::Column::Position)
        .order_by_asc(session::Column::Id)
        .all(db)
        .await?;
    Ok(group(rows, |row| row.block_id))
}

/// Sessions sharing a workshop key, per (event, key).
pub async fn sessions_by_workshop(
    db: &impl ConnectionTrait,
    keys: &[(i32, String)],
) -> AppResult<HashMap<(i32, String), Vec<session::Model>>> {
    let mut condition = Condition::any();
    for (event_id, key) in keys {
        condition = condition.add(
            Condition::all()
                .add(session::Column::EventId.eq(*event_id))
                .add(session::Column::WorkshopKey.eq(key.as_str())),
        );
    }
    let rows = session::Entity::find()
        .filter(condition)
        .order_by_asc(session::Column::StartsAt)
        .order_by_asc(session::Column::Id)
        .all(db)
        .await?;
    Ok(group(rows, |row| {
        (row.event_id, row.workshop_key.clone().unwrap_or_default())
    }))
}

/// Speaker links of these sessions, in the file's order.
pub async fn speakers_by_session(
    db: &impl ConnectionTrait,
    session_ids: &[i32],
) -> AppResult<HashMap<i32, Vec<session_person::Model>>> {
    let rows = session_person::Entity::find()
        .filter(session_person::Column::SessionId.is_in(session_ids.iter().copied()))
        .order_by_asc(session_person::Column::Position)
        .all(db)
        .await?;
    Ok(group(rows, |row| row.session_id))
}

/// Sessions these people take part in, in programme order.
pub async fn sessions_by_person(
    db: &impl ConnectionTrait,
    person_ids: &[i32],
) -> AppResult<HashMap<i32, Vec<session::Model>>> {
    let links = session_person::Entity::find()
        .filter(session_person::Column::PersonId.is_in(person_ids.iter().copied()))
        .all(db)
        .await?;
    sessions_of_links(db, links.iter().map(|l| (l.person_id, l.session_id))).await
}

/// Sessions of these themes, in programme order.
pub async fn sessions_by_theme(
    db: &impl ConnectionTrait,
    theme_ids: &[i32],
) -> AppResult<HashMap<i32, Vec<session::Model>>> {
    let links = session_theme::Entity::find()
        .filter(session_theme::Column::ThemeId.is_in(theme_ids.iter().copied()))
        .all(db)
        .await?;
    sessions_of_links(db, links.iter().map(|l| (l.theme_id, l.session_id))).await
}

/// The sessions behind (owner, session id) links, per owner, once each, in programme order.
async fn sessions_of_links(
    db: &impl ConnectionTrait,
    links: impl Iterator<Item = (i32, i32)>,
) -> AppResult<HashMap<i32, Vec<session::Model>>> {
    let links: Vec<(i32, i32)> = links.collect();
    let session_ids: Vec<i32> = links.iter().map(|(_, session_id)| *session_id).collect();
    let sessions = by_ids::<session::Entity>(db, session::Column::Id, &session_ids).await?;
    let mut result: HashMap<i32, Vec<session::Model>> = HashMap::new();
    for (owner, session_id) in links {
        if let Some(session) = sessions.get(&session_id) {
            let list = result.entry(owner).or_default();
            if !list.iter().any(|s| s.id == session.id) {
                list.push(session.clone());
            }
        }
    }
    for list in result.values_mut() {
        list.sort_by_key(|s| (s.starts_at, s.position, s.id));
    }
    Ok(result)
}

/// Theme ids of these sessions.
pub async fn theme_ids_by_session(
    db: &impl ConnectionTrait,
    session_ids: &[i32],
) -> AppResult<HashMap<i32, Vec<i32>>> {
    let rows = session_theme::Entity::find()
        .filter(session_theme::Column::SessionId.is_in(session_ids.iter().copied()))
        .order_by_asc(session_theme::Column::ThemeId)
        .all(db)
        .await?;
    Ok(group_map(rows, |row| row.session_id, |row| row.theme_id))
}

/// Organisation ids of these sessions, in the file's order.
pub async fn organisation_ids_by_session(
    db: &impl ConnectionTrait,
    session_ids: &[i32],
) -> AppResult<HashMap<i32, Vec<i32>>> {
    let rows = session_organisation::Entity::find()
        .filter(session_organisation::Column::SessionId.is_in(session_ids.iter().copied()))
        .order_by_asc(session_organisation::Column::Position)
        .all(db)
        .await?;
    Ok(group_map(
        rows,
        |row| row.session_id,
        |row| row.organisation_id,
    ))
}

/// Affiliations of these people, in the file's order.
pub async fn affiliations_by_person(
    db: &impl ConnectionTrait,
    person_ids: &[i32],
) -> AppResult<HashMap<i32, Vec<person_organisation::Model>>> {
    let rows = person_organisation::Entity::find()
        .filter(person_organisation::Column::PersonId.is_in(person_ids.iter().copied()))
        .order_by_asc(person_organisation::Column::Position)
        .all(db)
        .await?;
    Ok(group(rows, |row| row.person_id))
}

/// Host person ids of these events, in order.
pub async fn host_ids_by_event(
    db: &impl ConnectionTrait,
    event_ids: &[i32],
) -> AppResult<HashMap<i32, Vec<i32>>> {
    let rows = event_host::Entity::find()
        .filter(event_host::Column::EventId.is_in(event_ids.iter().copied()))
        .order_by_asc(event_host::Column::Position)
        .all(db)
        .await?;
    Ok(group_map(rows, |row| row.event_id, |row| row.person_id))
}

fn group<K: std::hash::Hash + Eq, V>(rows: Vec<V>, key: impl Fn(&V) -> K) -> HashMap<K, Vec<V>> {
    let mut grouped: HashMap<K, Vec<V>> = HashMap::new();
    for row in rows {
        grouped.entry(key(&row)).or_default().push(row);
    }
    grouped
}

fn group_map<K: std::hash::Hash + Eq, R, V>(
    rows: Vec<R>,
    key: impl Fn(&R) -> K,
    value: impl Fn(&R) -> V,
) -> HashMap<K, Vec<V>> {
    let mut grouped: HashMap<K, Vec<V>> = HashMap::new();
    for row in rows {
        grouped.entry(key(&row)).or_default().push(value(&row));
    }
    grouped
}

/// Themes of these events, each list in the file's order.
pub async fn themes_by_event(
    db: &impl ConnectionTrait,
    event_ids: &[i32],
) -> AppResult<HashMap<i32, Vec<theme::Model>>> {
    let links = event_theme::Entity::find()
        .filter(event_theme::Column::EventId.is_in(event_ids.iter().copied()))
        .order_by_asc(event_theme::Column::Position)
        .all(db)
        .await?;
    let themes = by_ids::<theme::Entity>(
        db,
        theme::Column::Id,
        &links.iter().map(|l| l.theme_id).collect::<Vec<_>>(),
    )
    .await?;
    let mut result: HashMap<i32, Vec<theme::Model>> = HashMap::new();
    for link in links {
        if let Some(theme) = themes.get(&link.theme_id) {
            result.entry(link.event_id).or_default().push(theme.clone());
        }
    }
    Ok(result)
}
