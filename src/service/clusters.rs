//! Clusters of similar questions within a theme, and questions similar to a new text
//! (the similarity itself: `crate::domain::similarity`).

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use lru::LruCache;

use entity::enums::ModerationStatus;
use entity::learning_question::{self, Column};
use entity::{session, session_theme, theme, vote};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::domain::cluster::{self, Corpus, DEFAULT_THRESHOLD, Evidence, SIMILAR_THRESHOLD, Texts};
use crate::error::AppError;

/// Most questions of one theme compared at once.
pub const MAX_QUESTIONS: u64 = 5_000;
/// Words in a cluster's label.
const LABEL_WORDS: usize = 3;
/// A participant who recognised more questions of a theme than this says little about any
/// pair of them (and would make the pairs quadratic).
const MAX_RECOGNISED: usize = 12;

/// A group of questions asking the same thing.
pub struct QuestionGroup {
    /// Most recognised first: the first is the representative.
    pub members: Vec<learning_question::Model>,
    /// Its most characteristic words.
    pub label: Vec<String>,
}

fn listed(condition: Condition) -> Condition {
    condition.add(Column::Status.is_in([ModerationStatus::Approved, ModerationStatus::Pending]))
}

/// The questions compared, in id order: the corpus of a theme then stays the same while
/// votes reorder its questions, and is built once for all its readers.
async fn candidates(
    db: &impl ConnectionTrait,
    condition: Condition,
) -> Result<Vec<learning_question::Model>, AppError> {
    let mut questions = learning_question::Entity::find()
        .filter(listed(condition))
        // Past the limit, the most recognised count.
        .order_by_desc(Column::VoteCount)
        .order_by_asc(Column::Id)
        .limit(MAX_QUESTIONS)
        .all(db)
        .await?;
    questions.sort_unstable_by_key(|q| q.id);
    Ok(questions)
}

/// Only the ids and texts of the questions compared, in id order (suggestions while typing
/// need no more until the best few are known).
async fn candidate_texts(
    db: &impl ConnectionTrait,
    condition: Condition,
) -> Result<Vec<(i32, String)>, AppError> {
    let mut questions: Vec<(i32, String)> = learning_question::Entity::find()
        .select_only()
        .column(Column::Id)
        .column(Column::Text)
        .filter(listed(condition))
        .order_by_desc(Column::VoteCount)
        .order_by_asc(Column::Id)
        .limit(MAX_QUESTIONS)
        .into_tuple()
        .all(db)
        .await?;
    questions.sort_unstable_by_key(|(id, _)| *id);
    Ok(questions)
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
    ids: &[i32],
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
    let position: HashMap<i32, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let duplicates: Vec<(i32, Option<i32>, String)> = learning_question::Entity::find()
        .select_only()
        .column(Column::Id)
        .column(Column::DuplicateOfId)
        .column(Column::Text)
        .filter(Column::ThemeId.eq(theme_id))
        .filter(Column::Status.eq(ModerationStatus::Duplicate))
        .limit(MAX_QUESTIONS)
        .into_tuple()
        .all(db)
        .await?;
    // An original may itself have been marked a duplicate later: its duplicates belong to
    // where it went.
    let original_of: HashMap<i32, i32> = duplicates
        .iter()
        .filter_map(|(id, original, _)| Some((*id, (*original)?)))
        .collect();
    let listed_original = |mut id: i32| {
        for _ in 0..original_of.len() + 1 {
            if let Some(&at) = position.get(&id) {
                return Some(at);
            }
            id = *original_of.get(&id)?;
        }
        None
    };
    let paraphrases = duplicates
        .into_iter()
        .filter_map(|(_, original, text)| Some((listed_original(original?)?, text)))
        .collect();
    Ok(Context {
        background,
        paraphrases,
    })
}

/// Pairs of listed questions that participants recognised together: both voted for by one
/// participant, or one asked and the other voted for by them ("ik herken deze vraag" on a
/// suggestion). Votes carried over from a duplicate are the moderator's, not theirs.
async fn recognised_pairs(
    db: &impl ConnectionTrait,
    theme_id: i32,
    ids: &[i32],
    only_with: Option<i32>,
) -> Result<Vec<(usize, usize, u32)>, AppError> {
    let position: HashMap<i32, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let mut people: Option<Vec<i32>> = None;
    if let Some(question) = only_with {
        let mut who: Vec<i32> = vote::Entity::find()
            .select_only()
            .column(vote::Column::ParticipantId)
            .filter(vote::Column::QuestionId.eq(question))
            .filter(vote::Column::CarriedFromId.is_null())
            .into_tuple()
            .all(db)
            .await?;
        who.extend(
            learning_question::Entity::find_by_id(question)
                .select_only()
                .column(Column::ParticipantId)
                .into_tuple::<i32>()
                .one(db)
                .await?,
        );
        people = Some(who);
    }
    let mut votes = vote::Entity::find()
        .select_only()
        .column(vote::Column::ParticipantId)
        .column(vote::Column::QuestionId)
        .filter(vote::Column::CarriedFromId.is_null())
        .filter(
            vote::Column::QuestionId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(Column::Id)
                    .from(learning_question::Entity)
                    .and_where(Column::ThemeId.eq(theme_id))
                    .to_owned(),
            ),
        );
    let mut asked = learning_question::Entity::find()
        .select_only()
        .column(Column::ParticipantId)
        .column(Column::Id)
        .filter(Column::ThemeId.eq(theme_id));
    if let Some(people) = &people {
        votes = votes.filter(vote::Column::ParticipantId.is_in(people.iter().copied()));
        asked = asked.filter(Column::ParticipantId.is_in(people.iter().copied()));
    }
    let mut recognised: HashMap<i32, Vec<usize>> = HashMap::new();
    for (participant, question) in votes
        .into_tuple::<(i32, i32)>()
        .all(db)
        .await?
        .into_iter()
        .chain(asked.into_tuple::<(i32, i32)>().all(db).await?)
    {
        if let Some(&at) = position.get(&question) {
            recognised.entry(participant).or_default().push(at);
        }
    }
    let mut pairs: HashMap<(usize, usize), u32> = HashMap::new();
    let with = only_with.and_then(|id| position.get(&id).copied());
    for mut questions in recognised.into_values() {
        questions.sort_unstable();
        questions.dedup();
        if questions.len() > MAX_RECOGNISED {
            continue;
        }
        for (i, &a) in questions.iter().enumerate() {
            for &b in &questions[i + 1..] {
                if with.is_none_or(|w| w == a || w == b) {
                    *pairs.entry((a, b)).or_default() += 1;
                }
            }
        }
    }
    Ok(pairs.into_iter().map(|((a, b), n)| (a, b, n)).collect())
}

type Cache = Mutex<LruCache<u64, Arc<Corpus<'static>>>>;

/// Corpora recently built, by what they were built from: a participant typing asks for the
/// same theme again and again, and building a corpus of thousands of questions costs far
/// more than comparing one text with it.
fn recent() -> &'static Cache {
    static RECENT: OnceLock<Cache> = OnceLock::new();
    RECENT.get_or_init(|| Mutex::new(LruCache::new(NonZeroUsize::MIN.saturating_add(7))))
}

/// The corpus of `questions` (id and text, in id order), from the cache or built off the
/// async threads.
async fn corpus(
    questions: Vec<(i32, String)>,
    context: Context,
) -> Result<Arc<Corpus<'static>>, AppError> {
    let mut hasher = DefaultHasher::new();
    questions.hash(&mut hasher);
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
        return Ok(Arc::clone(corpus));
    }
    let corpus = blocking(move || Arc::new(build(&questions, &context))).await?;
    recent()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .put(key, Arc::clone(&corpus));
    Ok(corpus)
}

/// Runs CPU-bound work (up to a second on a large theme) where it does not hold up other
/// requests.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(AppError::internal)
}

fn build(questions: &[(i32, String)], context: &Context) -> Corpus<'static> {
    Corpus::new(&Texts {
        questions: questions.iter().map(|(_, text)| text.as_str()).collect(),
        background: context.background.iter().map(String::as_str).collect(),
        paraphrases: context
            .paraphrases
            .iter()
            .map(|(i, text)| (*i, text.as_str()))
            .collect(),
    })
}

/// Groups of similar approved or pending questions of a theme, most recognised first in
/// each group (the first is the representative), larger groups first. Participants'
/// recognitions bring pairs closer (`cluster::recognition_bonus`).
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
    let ids: Vec<i32> = questions.iter().map(|q| q.id).collect();
    let context = context(db, theme_id, &ids).await?;
    let evidence = Evidence {
        // Duplicates are not listed (their votes went to the original): the moderators'
        // pairs arrive as paraphrases of the original instead.
        linked: Vec::new(),
        recognised: recognised_pairs(db, theme_id, &ids, None).await?,
    };
    let texts = questions.iter().map(|q| (q.id, q.text.clone())).collect();
    let corpus = corpus(texts, context).await?;
    let grouped = blocking(move || {
        cluster::clusters(&corpus, DEFAULT_THRESHOLD, &evidence)
            .into_iter()
            .filter(|members| members.len() >= min_size)
            .map(|members| (corpus.label(&members, LABEL_WORDS), members))
            .collect::<Vec<_>>()
    })
    .await?;
    let mut groups: Vec<QuestionGroup> = grouped
        .into_iter()
        .map(|(label, members)| {
            let mut members: Vec<learning_question::Model> =
                members.into_iter().map(|i| questions[i].clone()).collect();
            members.sort_by_key(|q| (std::cmp::Reverse(q.vote_count), q.id));
            QuestionGroup { members, label }
        })
        .collect();
    groups.sort_by_key(|group| std::cmp::Reverse(group.members.len()));
    Ok(groups)
}

/// Readable questions of a theme that resemble `text`, most similar first. When the text is
/// that of question `exclude_id`, the questions participants recognised together with it
/// rank higher.
pub async fn similar(
    db: &impl ConnectionTrait,
    readable: Condition,
    theme_id: i32,
    text: &str,
    exclude_id: Option<i32>,
    limit: usize,
) -> Result<Vec<(learning_question::Model, f64)>, AppError> {
    let condition = Condition::all()
        .add(readable)
        .add(Column::ThemeId.eq(theme_id));
    // The question itself stays in the corpus (shared with its theme's other readers) and is
    // left out of the answer.
    let questions = candidate_texts(db, condition).await?;
    let ids: Vec<i32> = questions.iter().map(|(id, _)| *id).collect();
    let context = context(db, theme_id, &ids).await?;
    let mut closer = HashMap::new();
    if let Some(id) = exclude_id
        && let Some(at) = ids.iter().position(|&q| q == id)
    {
        for (a, b, count) in recognised_pairs(db, theme_id, &ids, Some(id)).await? {
            let other = if a == at { b } else { a };
            closer.insert(other, cluster::recognition_bonus(count));
        }
    }
    let corpus = corpus(questions, context).await?;
    let found: Vec<(i32, f64)> = corpus
        .similar_to_with(text, &closer, SIMILAR_THRESHOLD, limit.saturating_add(1))
        .into_iter()
        .map(|(i, score)| (ids[i], score))
        .filter(|(id, _)| Some(*id) != exclude_id)
        .take(limit)
        .collect();
    let mut models: HashMap<i32, learning_question::Model> = learning_question::Entity::find()
        .filter(Column::Id.is_in(found.iter().map(|(id, _)| *id)))
        .all(db)
        .await?
        .into_iter()
        .map(|q| (q.id, q))
        .collect();
    Ok(found
        .into_iter()
        .filter_map(|(id, score)| Some((models.remove(&id)?, score)))
        .collect())
}
