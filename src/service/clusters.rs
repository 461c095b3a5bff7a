//! Clusters of similar questions within a theme, and questions similar to a new text
//! (the similarity itself: `crate::domain::similarity`).

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use lru::LruCache;

use entity::enums::ModerationStatus;
use entity::learning_question::{self, Column};
use entity::{session, session_theme, theme};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::domain::cluster::{self, Corpus, DEFAULT_THRESHOLD, SIMILAR_THRESHOLD, Texts};
use crate::error::AppError;

/// Most questions of one theme compared at once.
pub const MAX_QUESTIONS: u64 = 5_000;
/// Words in a cluster's label.
const LABEL_WORDS: usize = 3;

/// A group of questions asking the same thing.
pub struct QuestionGroup {
    /// Most recognised first: the first is the representative.
    pub members: Vec<learning_question::Model>,
    /// Its most characteristic words.
    pub label: Vec<String>,
}

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

/// What the corpus of a theme is built from besides its questions: the theme's and its
/// sessions' texts (they tell which words are common in this field), and the texts
/// moderators marked as duplicates of the questions (paraphrases they confirmed).
struct Context {
    background: Vec<String>,
    paraphrases: Vec<(usize, String)>,
}

async fn context(
    db: &impl ConnectionTrait,
    theme_id: i32,
    questions: &[learning_question::Model],
) -> Result<Context, AppError> {
    let mut background = Vec::new();
    if let Some(theme) = theme::Entity::find_by_id(theme_id).one(db).await? {
        background.push(theme.title);
        background.extend(theme.description);
        if let Some(guiding) = theme.guiding_questions.as_array() {
            background.extend(guiding.iter().filter_map(|q| q.as_str().map(str::to_owned)));
        }
    }
    let sessions = session::Entity::find()
        .filter(
            session::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(session_theme::Column::SessionId)
                    .from(session_theme::Entity)
                    .and_where(session_theme::Column::ThemeId.eq(theme_id))
                    .to_owned(),
            ),
        )
        .all(db)
        .await?;
    for session in sessions {
        background.push(format!("{} {}", session.title, session.description));
    }
    let position: HashMap<i32, usize> = questions
        .iter()
        .enumerate()
        .map(|(i, q)| (q.id, i))
        .collect();
    let duplicates: Vec<(Option<i32>, String)> = learning_question::Entity::find()
        .select_only()
        .column(Column::DuplicateOfId)
        .column(Column::Text)
        .filter(Column::ThemeId.eq(theme_id))
        .filter(Column::Status.eq(ModerationStatus::Duplicate))
        .limit(MAX_QUESTIONS)
        .into_tuple()
        .all(db)
        .await?;
    let paraphrases = duplicates
        .into_iter()
        .filter_map(|(original, text)| Some((*position.get(&original?)?, text)))
        .collect();
    Ok(Context {
        background,
        paraphrases,
    })
}

/// Corpora recently built, by what they were built from: a participant typing asks for the
/// same theme again and again, and building a corpus of thousands of questions costs far
/// more than comparing one text with it.
fn recent() -> &'static Mutex<LruCache<u64, Arc<Corpus<'static>>>> {
    static RECENT: OnceLock<Mutex<LruCache<u64, Arc<Corpus<'static>>>>> = OnceLock::new();
    RECENT.get_or_init(|| Mutex::new(LruCache::new(NonZeroUsize::MIN.saturating_add(3))))
}

fn corpus(questions: &[learning_question::Model], context: &Context) -> Arc<Corpus<'static>> {
    let mut hasher = DefaultHasher::new();
    for question in questions {
        (question.id, &question.text, question.updated_at).hash(&mut hasher);
    }
    context.background.hash(&mut hasher);
    context.paraphrases.hash(&mut hasher);
    let key = hasher.finish();
    // A poisoned lock only means another request panicked mid-update: the cache is still
    // a cache.
    if let Some(corpus) = recent()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&key)
    {
        return Arc::clone(corpus);
    }
    let corpus = Arc::new(build(questions, context));
    recent()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .put(key, Arc::clone(&corpus));
    corpus
}

fn build(questions: &[learning_question::Model], context: &Context) -> Corpus<'static> {
    Corpus::new(&Texts {
        questions: questions.iter().map(|q| q.text.as_str()).collect(),
        background: context.background.iter().map(String::as_str).collect(),
        paraphrases: context
            .paraphrases
            .iter()
            .map(|(i, text)| (*i, text.as_str()))
            .collect(),
    })
}

/// Groups of similar approved or pending questions of a theme, most recognised first in
/// each group (the first is the representative), larger groups first.
pub async fn clusters(
    db: &impl ConnectionTrait,
    scope: Condition,
    event_id: i32,
    theme_id: i32,
    min_size: usize,
) -> Result<Vec<QuestionGroup>, AppError> {
    let questions = candidates(
        db,
        Condition::all()
            .add(scope)
            .add(Column::EventId.eq(event_id))
            .add(Column::ThemeId.eq(theme_id)),
    )
    .await?;
    let context = context(db, theme_id, &questions).await?;
    let corpus = corpus(&questions, &context);
    // Duplicates are not listed (their votes went to the original), so the moderators'
    // pairs arrive as paraphrases of the original rather than as linked members.
    let mut groups: Vec<QuestionGroup> = cluster::clusters(&corpus, DEFAULT_THRESHOLD, &[])
        .into_iter()
        .filter(|members| members.len() >= min_size)
        .map(|members| QuestionGroup {
            label: corpus.label(&members, LABEL_WORDS),
            members: members.into_iter().map(|i| questions[i].clone()).collect(),
        })
        .collect();
    groups.sort_by_key(|group| std::cmp::Reverse(group.members.len()));
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
    let context = context(db, theme_id, &questions).await?;
    let corpus = corpus(&questions, &context);
    Ok(corpus
        .similar_to(text, SIMILAR_THRESHOLD, limit)
        .into_iter()
        .map(|(i, score)| (questions[i].clone(), score))
        .collect())
}
