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
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};

use crate::domain::text::{escape_like, fold};

/// Rebuilds the search documents of one event from its current programme.
pub async fn reindex_event(db: &impl ConnectionTrait, event_id: i32) -> Result<(), DbErr> {
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
    pub score: u8,
}

/// Searches the documents of the given events (all events when `None`); every word of
/// `query` must occur. Results are ranked and de-duplicated across events.
pub async fn search(
    db: &impl ConnectionTrait,
    query: &str,
    event_id: Option<i32>,
    limit: usize,
) -> Result<Vec<SearchMatch>, DbErr> {
    let phrase = fold(query);
    let words: Vec<&str> = phrase.split(' ').filter(|w| !w.is_empty()).collect();
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let mut condition = Condition::all();
    for word in &words {
        let pattern = format!("%{}%", escape_like(word));
        condition = condition.add(
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
    if let Some(event_id) = event_id {
        condition = condition.add(search_document::Column::EventId.eq(event_id));
    }
    let documents = search_document::Entity::find()
        .filter(condition)
        .order_by_asc(search_document::Column::Id)
        .all(db)
        .await?;

    let mut seen = HashSet::new();
    let mut matches: Vec<(SearchMatch, String)> = documents
        .into_iter()
        .filter(|d| seen.insert((d.kind, d.entity_id)))
        .map(|d| {
            let score = if d.title_folded.contains(&phrase) {
                3
            } else if words.iter().all(|w| d.title_folded.contains(w)) {
                2
            } else {
                1
            };
            (
                SearchMatch {
                    kind: d.kind,
                    entity_id: d.entity_id,
                    score,
                },
                d.title_folded,
            )
        })
        .collect();
    matches.sort_by(|(a, a_title), (b, b_title)| {
        b.score
            .cmp(&a.score)
            .then_with(|| kind_rank(a.kind).cmp(&kind_rank(b.kind)))
            .then_with(|| a_title.cmp(b_title))
    });
    Ok(matches.into_iter().take(limit).map(|(m, _)| m).collect())
}

fn kind_rank(kind: SearchKind) -> u8 {
    match kind {
        SearchKind::Session => 0,
        SearchKind::Theme => 1,
        SearchKind::Person => 2,
        SearchKind::Organisation => 3,
    }
}
