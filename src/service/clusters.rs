//! Clusters of similar questions within a theme, and questions similar to a new text.

use entity::enums::ModerationStatus;
use entity::learning_question::{self, Column};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::domain::cluster::{Corpus, DEFAULT_THRESHOLD, similar_to};
use crate::error::AppError;

/// Most questions of one theme compared at once.
pub const MAX_QUESTIONS: u64 = 5_000;

async fn candidates(
    db: &impl ConnectionTrait,
    condition: Condition,
) -> Result<Vec<learning_question::Model>, AppError> {
    Ok(learning_question::Entity::find()
        .filter(condition)
        .filter(Column::Status.is_in([ModerationStatus::Approved, ModerationStatus::Pending]))
        .order_by_desc(Column::VoteCount)
        .order_by_asc(Column::Id)
        .limit(MAX_QUESTIONS)
        .all(db)
        .await?)
}

/// Groups of similar approved or pending questions of a theme, most recognised first in
/// each group (the first is the representative), larger groups first.
pub async fn clusters(
    db: &impl ConnectionTrait,
    scope: Condition,
    event_id: i32,
    theme_id: i32,
    min_size: usize,
) -> Result<Vec<Vec<learning_question::Model>>, AppError> {
    let questions = candidates(
        db,
        Condition::all()
            .add(scope)
            .add(Column::EventId.eq(event_id))
            .add(Column::ThemeId.eq(theme_id)),
    )
    .await?;
    let corpus = Corpus::new(questions.iter().map(|q| q.text.as_str()));
    let order: Vec<usize> = (0..questions.len()).collect();
    let mut groups: Vec<Vec<learning_question::Model>> = corpus
        .clusters(&order, DEFAULT_THRESHOLD)
        .into_iter()
        .filter(|members| members.len() >= min_size)
        .map(|members| members.into_iter().map(|i| questions[i].clone()).collect())
        .collect();
    groups.sort_by_key(|members| std::cmp::Reverse(members.len()));
    Ok(groups)
}

/// Readable questions of a theme that resemble `text`, most similar first.
pub async fn similar(
    db: &impl ConnectionTrait,
    readable: Condition,
    theme_id: i32,
    text: &str,
    exclude_id: Option<i32>,
    limit: usize,
) -> Result<Vec<(learning_question::Model, f64)>, AppError> {
    let mut condition = Condition::all()
        .add(readable)
        .add(Column::ThemeId.eq(theme_id));
    if let Some(id) = exclude_id {
        condition = condition.add(Column::Id.ne(id));
    }
    let questions = candidates(db, condition).await?;
    let texts: Vec<&str> = questions.iter().map(|q| q.text.as_str()).collect();
    let scores = similar_to(text, &texts);
    let mut scored: Vec<(learning_question::Model, f64)> = questions
        .into_iter()
        .zip(scores)
        .filter(|(_, score)| *score >= DEFAULT_THRESHOLD)
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1));
    scored.truncate(limit);
    Ok(scored)
}
