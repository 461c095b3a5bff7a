//! Full-text search over an event's programme. Each searchable item has a search document
//! with folded text, rebuilt whenever the event's programme changes; queries fold the
//! terms the same way and rank title hits before body hits.

use std::collections::{HashMap, HashSet};

use entity::enums::SearchKind;
use entity::{
    event_host, event_theme, organisation, person, person_organisation, search_document, session,
    session_organisation, session_person, theme,
};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use crate::domain::text::{escape_like, fold};
use crate::error::AppResult;

/// Rebuilds the search documents of one event from its current programme.
pub async fn reindex_event(db: &impl ConnectionTrait, event_id: i32) -> AppResult<()> {
    search_document::Entity::delete_many()
        .filter(search_document::Column::EventId.eq(event_id))
        .exec(db)
        .await?;

    let sessions = session::Entity::find()
        .filter(session::Column::EventId.eq(event_id))
        .all(db)
        .await?;
    let session_ids: Vec<i32> = sessions.iter().map(|s| s.id).collect();
    let speakers = session_person::Entity::find()
        .filter(session_person::Column::SessionId.is_in(session_ids.iter().copied()))
        .all(db)
        .await?;
    let session_orgs = session_organisation::Entity::find()
        .filter(session_organisation::Column::SessionId.is_in(session_ids.iter().copied()))
        .all(db)
        .await?;
    let hosts = event_host::Entity::find()
        .filter(event_host::Column::EventId.eq(event_id))
        .all(db)
        .await?;
    let person_ids: HashSet<i32> = speakers
        .iter()
        .map(|s| s.person_id)
        .chain(hosts.iter().map(|h| h.person_id))
        .collect();
    let people = person::Entity::find()
        .filter(person::Column::Id.is_in(person_ids.iter().copied()))
        .all(db)
        .await?;
    let affiliations = person_organisation::Entity::find()
        .filter(person_organisation::Column::PersonId.is_in(person_ids.iter().copied()))
        .all(db)
        .await?;
    let organisation_ids: HashSet<i32> = affiliations
        .iter()
        .map(|a| a.organisation_id)
        .chain(session_orgs.iter().map(|s| s.organisation_id))
        .collect();
    let organisations: HashMap<i32, organisation::Model> = organisation::Entity::find()
        .filter(organisation::Column::Id.is_in(organisation_ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let theme_ids: Vec<i32> = event_theme::Entity::find()
        .filter(event_theme::Column::EventId.eq(event_id))
        .all(db)
        .await?
        .into_iter()
        .map(|t| t.theme_id)
        .collect();
    let themes = theme::Entity::find()
        .filter(theme::Column::Id.is_in(theme_ids))
        .all(db)
        .await?;

    let names: HashMap<i32, &str> = people.iter().map(|p| (p.id, p.name.as_str())).collect();
    let org_name = |id: &i32| organisations.get(id).map_or("", |o| o.name.as_str());
    let document = |kind, entity_id, title: &str, body: String| search_document::ActiveModel {
        id: sea_orm::ActiveValue::NotSet,
        event_id: sea_orm::ActiveValue::Set(event_id),
        kind: sea_orm::ActiveValue::Set(kind),
        entity_id: sea_orm::ActiveValue::Set(entity_id),
        title_folded: sea_orm::ActiveValue::Set(fold(title)),
        body_folded: sea_orm::ActiveValue::Set(fold(&body)),
    };

    let mut documents = Vec::new();
    for s in &sessions {
        let mut body = vec![s.description.clone()];
        body.extend(
            speakers
                .iter()
                .filter(|sp| sp.session_id == s.id)
                .filter_map(|sp| names.get(&sp.person_id).map(|n| (*n).to_owned())),
        );
        body.extend(
            session_orgs
                .iter()
                .filter(|so| so.session_id == s.id)
                .map(|so| org_name(&so.organisation_id).to_owned()),
        );
        documents.push(document(
            SearchKind::Session,
            s.id,
            &s.title,
            body.join("\n"),
        ));
    }
    for p in &people {
        let mut body = vec![p.bio.clone().unwrap_or_default()];
        for a in affiliations.iter().filter(|a| a.person_id == p.id) {
            body.push(org_name(&a.organisation_id).to_owned());
            body.extend(a.title.clone());
        }
        documents.push(document(SearchKind::Person, p.id, &p.name, body.join("\n")));
    }
    for t in &themes {
        let mut body = vec![t.description.clone().unwrap_or_default()];
        if let Some(questions) = t.guiding_questions.as_array() {
            body.extend(
                questions
                    .iter()
                    .filter_map(|q| q.as_str().map(str::to_owned)),
            );
        }
        documents.push(document(SearchKind::Theme, t.id, &t.title, body.join("\n")));
    }
    for o in organisations.values() {
        documents.push(document(
            SearchKind::Organisation,
            o.id,
            &o.name,
            String::new(),
        ));
    }
    for chunk in documents.chunks(500) {
        search_document::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await?;
    }
    Ok(())
}

/// One search result: what it is and how well it matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchMatch {
    pub kind: SearchKind,
    pub entity_id: i32,
    /// Higher is better: 3 the whole phrase in the title, 2 every word in the title, 1 elsewhere.
    pub score: i32,
}

/// One page of the hits of `query` in the given event (all events when `None`), and how
/// many hits there are over all pages. Every word of `query` must occur. An item found in
/// several events is one hit, with its best score.
///
/// Hits are ranked by score, then sessions, themes, people and organisations, then by
/// title, then by id: a total order, so pages taken one after another neither repeat nor
/// skip a hit while the programme stays the same.
pub async fn search(
    db: &impl ConnectionTrait,
    query: &str,
    event_id: Option<i32>,
    offset: u64,
    limit: u64,
) -> AppResult<(Vec<SearchMatch>, u64)> {
    let phrase = fold(query);
    let words: Vec<&str> = phrase.split(' ').filter(|w| !w.is_empty()).collect();
    if words.is_empty() {
        return Ok((Vec::new(), 0));
    }
    let contains = |column: search_document::Column, text: &str| {
        Expr::col(column).like(LikeExpr::new(format!("%{}%", escape_like(text))).escape('\\'))
    };
    let mut every_word = Condition::all();
    let mut every_word_in_title = Condition::all();
    for word in &words {
        every_word = every_word.add(
            Condition::any()
                .add(contains(search_document::Column::TitleFolded, word))
                .add(contains(search_document::Column::BodyFolded, word)),
        );
        every_word_in_title =
            every_word_in_title.add(contains(search_document::Column::TitleFolded, word));
    }
    if let Some(event_id) = event_id {
        every_word = every_word.add(search_document::Column::EventId.eq(event_id));
    }
    let score = Expr::case(contains(search_document::Column::TitleFolded, &phrase), 3)
        .case(every_word_in_title, 2)
        .finally(1)
        .max();
    let kind = |kind| search_document::Column::Kind.eq(kind);
    let kind_rank: Expr = Expr::case(kind(SearchKind::Session), 0)
        .case(kind(SearchKind::Theme), 1)
        .case(kind(SearchKind::Person), 2)
        .finally(3)
        .into();
    let hits = search_document::Entity::find()
        .select_only()
        .column(search_document::Column::Kind)
        .column(search_document::Column::EntityId)
        .filter(every_word)
        .group_by(search_document::Column::Kind)
        .group_by(search_document::Column::EntityId);
    let total = hits.clone().count(db).await?;
    let rows: Vec<(SearchKind, i32, i32)> = hits
        .column_as(score.clone(), "score")
        .order_by(score, Order::Desc)
        .order_by(kind_rank, Order::Asc)
        .order_by(
            Expr::col(search_document::Column::TitleFolded).min(),
            Order::Asc,
        )
        .order_by(search_document::Column::EntityId, Order::Asc)
        .offset(offset)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await?;
    let matches = rows
        .into_iter()
        .map(|(kind, entity_id, score)| SearchMatch {
            kind,
            entity_id,
            score,
        })
        .collect();
    Ok((matches, total))
}
