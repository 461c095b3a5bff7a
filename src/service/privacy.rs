//! Participants' data rights (AVG/GDPR): a participant erases their own contributions, and
//! an admin purges an event's participant identifiers once its retention period is over,
//! keeping the questions and vote counts as anonymous aggregated input.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use entity::{event, learning_question, participant, vote};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, TransactionTrait,
};

use crate::error::{AppError, AppResult};
use crate::service::feedback::change_vote_count;
use crate::service::live::{Changes, QuestionChange};

/// What a participant's erasure removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Erased {
    pub questions: u64,
    pub votes: u64,
}

/// Deletes a participant's questions, votes and the participant itself, so the token stops
/// working. Vote counts of other questions go down with the votes; in one transaction, after
/// which those counts are published.
pub async fn erase_participant(
    db: &DatabaseConnection,
    changes: &Changes,
    participant_id: i32,
) -> AppResult<Erased> {
    let txn = db.begin().await?;
    let own_votes: Vec<i32> = vote::Entity::find()
        .select_only()
        .column(vote::Column::QuestionId)
        .filter(vote::Column::ParticipantId.eq(participant_id))
        .into_tuple()
        .all(&txn)
        .await?;
    let own_questions: Vec<i32> = learning_question::Entity::find()
        .select_only()
        .column(learning_question::Column::Id)
        .filter(learning_question::Column::ParticipantId.eq(participant_id))
        .into_tuple()
        .all(&txn)
        .await?;
    // Votes a duplicate lent to its original disappear with the duplicate: count them out.
    let lent: Vec<i32> = vote::Entity::find()
        .select_only()
        .column(vote::Column::QuestionId)
        .filter(vote::Column::CarriedFromId.is_in(own_questions.iter().copied()))
        .filter(vote::Column::ParticipantId.ne(participant_id))
        .into_tuple()
        .all(&txn)
        .await?;
    // One update per question that loses votes, however many it loses.
    let mut lost: BTreeMap<i32, i32> = BTreeMap::new();
    for question_id in own_votes.iter().chain(&lent) {
        if !own_questions.contains(question_id) {
            *lost.entry(*question_id).or_default() -= 1;
        }
    }
    for (question_id, delta) in &lost {
        change_vote_count(&txn, *question_id, *delta).await?;
    }
    vote::Entity::delete_many()
        .filter(vote::Column::ParticipantId.eq(participant_id))
        .exec(&txn)
        .await?;
    let questions = learning_question::Entity::delete_many()
        .filter(learning_question::Column::Id.is_in(own_questions))
        .exec(&txn)
        .await?
        .rows_affected;
    participant::Entity::delete_by_id(participant_id)
        .exec(&txn)
        .await?;
    txn.commit().await?;
    // Also when they had no votes: their questions left every shared view, and their token
    // must stop working on every instance.
    changes.participant_erased(participant_id).await;
    for question_id in lost.into_keys() {
        changes.publish(QuestionChange::Voted, question_id).await;
    }
    Ok(Erased {
        questions,
        votes: own_votes.len() as u64,
    })
}

/// What a purge did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    pub participants: u64,
    pub questions_kept: u64,
}

/// Replaces every participant of an event by one anonymous stand-in and drops the vote rows
/// (the counts on the questions stay). Refused before `ends_at + retention`.
pub async fn purge_participants(
    db: &DatabaseConnection,
    slug: &str,
    retention: Duration,
    now: DateTime<Utc>,
) -> AppResult<Purged> {
    let event = event::Entity::find()
        .filter(event::Column::Slug.eq(slug))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no event with slug {slug:?}")))?;
    let allowed_from = event.ends_at + retention;
    if now < allowed_from {
        return Err(AppError::Conflict(format!(
            "the retention period of event {slug:?} runs until {}; participants can be purged after that",
            allowed_from.format("%Y-%m-%d %H:%M UTC")
        )));
    }
    let txn = db.begin().await?;
    let stand_in = participant::ActiveModel {
        event_id: Set(event.id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let questions_kept = learning_question::Entity::update_many()
        .col_expr(
            learning_question::Column::ParticipantId,
            Expr::value(stand_in.id),
        )
        .col_expr(
            learning_question::Column::IdempotencyKey,
            Expr::value(Option::<String>::None),
        )
        .filter(learning_question::Column::EventId.eq(event.id))
        .exec(&txn)
        .await?
        .rows_affected;
    let participants = participant::Entity::delete_many()
        .filter(participant::Column::EventId.eq(event.id))
        .filter(participant::Column::Id.ne(stand_in.id))
        .exec(&txn)
        .await?
        .rows_affected;
    txn.commit().await?;
    Ok(Purged {
        participants,
        questions_kept,
    })
}

/// Most rows listed for one participant (a participant has a handful).
pub const OWN_DATA_LIMIT: u64 = 1_000;

/// A participant's own questions and the questions they voted for, oldest first.
pub async fn own_data(
    db: &DatabaseConnection,
    participant_id: i32,
) -> AppResult<(Vec<learning_question::Model>, Vec<learning_question::Model>)> {
    let questions = learning_question::Entity::find()
        .filter(learning_question::Column::ParticipantId.eq(participant_id))
        .order_by_asc(learning_question::Column::Id)
        .limit(OWN_DATA_LIMIT)
        .all(db)
        .await?;
    let voted = vote::Entity::find()
        .select_only()
        .column(vote::Column::QuestionId)
        .filter(vote::Column::ParticipantId.eq(participant_id))
        .into_query();
    let voted_for = learning_question::Entity::find()
        .filter(learning_question::Column::Id.in_subquery(voted))
        .order_by_asc(learning_question::Column::Id)
        .limit(OWN_DATA_LIMIT)
        .all(db)
        .await?;
    Ok((questions, voted_for))
}
