//! The A1 data set: many learning questions and votes, written straight into the database
//! with multi-row inserts in transactions, before the server process starts.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::{TimeZone as _, Utc};
use entity::enums::{LearningFormat, ModerationStatus, SubmitterRole, ThemeKind};
use entity::{event, event_theme, learning_question, participant, theme, vote};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait as _, ConnectionTrait as _, DatabaseConnection, DbBackend, EntityTrait as _,
    QueryFilter as _, QueryOrder as _, QuerySelect as _, TransactionTrait as _,
};

/// How much to generate.
#[derive(Debug, Clone, Copy)]
pub struct Dataset {
    pub questions: usize,
    pub votes: usize,
    pub participants: usize,
    /// Questions on the clustered theme (the rest go to the event's other input themes).
    pub cluster_theme_questions: usize,
    /// Generation stops adding votes after this long (the counts stay exact).
    pub budget: Duration,
}

/// What was generated.
#[derive(Debug, Clone, Copy)]
pub struct Generated {
    pub questions: usize,
    pub votes: usize,
    pub elapsed: Duration,
}

const QUESTION_BATCH: usize = 500;
const VOTE_BATCH: usize = 2_000;

const OPENINGS: [&str; 8] = [
    "Hoe kunnen we",
    "Wat is nodig om",
    "Hoe zorgen we ervoor dat we",
    "Welke voorbeelden zijn er om",
    "Hoe kan de gemeente",
    "Wat werkt om",
    "Hoe betrekken we bewoners om",
    "Wie helpt ons om",
];
const ACTIONS: [&str; 12] = [
    "nieuwe en oude bewoners met elkaar te verbinden",
    "vertrouwen tussen bewoners en instituties te herstellen",
    "signalen van armoede eerder op te vangen",
    "jongeren een stem te geven in de buurt",
    "de sociale basis in de wijk te versterken",
    "corporaties en gemeente samen te laten optrekken",
    "eenzaamheid onder ouderen te doorbreken",
    "bewonersinitiatieven duurzaam te financieren",
    "de energietransitie betaalbaar te houden",
    "zeggenschap over vastgoed bij de buurt te leggen",
    "professionals beter te laten samenwerken",
    "de wijkeconomie een impuls te geven",
];
const PLACES: [&str; 10] = [
    "in gemengde wijken",
    "in krimpgebieden",
    "in naoorlogse wijken",
    "in de binnenstad",
    "in dorpen rond de stad",
    "bij herstructurering",
    "na een sloop-nieuwbouwproject",
    "met weinig budget",
    "in een wijk met veel nieuwkomers",
    "zonder extra personeel",
];
const REGIONS: [&str; 6] = [
    "Groningen",
    "Utrecht",
    "Rotterdam",
    "Amsterdam",
    "Eindhoven",
    "Zwolle",
];
const ROLES: [SubmitterRole; 7] = SubmitterRole::ALL;
const FORMATS: [LearningFormat; 7] = LearningFormat::ALL;

/// A cheap, well-mixed hash for deterministic choices.
fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

/// The text of question `i`: few enough combinations that similar questions exist.
pub fn question_text(i: usize) -> String {
    let h = mix(i as u64);
    let opening = OPENINGS[(h % 8) as usize];
    let action = ACTIONS[((h >> 8) % 12) as usize];
    let place = PLACES[((h >> 16) % 10) as usize];
    format!("{opening} {action} {place}? (vraag {i})")
}

/// Votes of each question: around `votes / questions`, skewed in pairs so the sum is exact,
/// never more than `participants` (one vote per participant per question).
pub fn vote_counts(questions: usize, votes: usize, participants: usize) -> Vec<usize> {
    let mean = votes.checked_div(questions).unwrap_or(0);
    let mut counts = vec![mean; questions];
    for (k, pair) in counts.chunks_exact_mut(2).enumerate() {
        let swing = (mix(k as u64) % (mean as u64).max(1)) as usize;
        pair[0] += swing;
        pair[1] -= swing;
    }
    let mut rest = votes.saturating_sub(mean * questions);
    for count in &mut counts {
        if rest == 0 {
            break;
        }
        *count += 1;
        rest -= 1;
    }
    for count in &mut counts {
        *count = (*count).min(participants);
    }
    counts
}

/// Writes the data set into the bundled event of a prepared database.
pub async fn generate(
    db: &DatabaseConnection,
    event_slug: &str,
    cluster_theme_slug: &str,
    dataset: Dataset,
) -> anyhow::Result<Generated> {
    let started = Instant::now();
    let event = event::Entity::find()
        .filter(event::Column::Slug.eq(event_slug))
        .one(db)
        .await?
        .context("the bundled event is missing")?;
    let theme_ids: Vec<i32> = event_theme::Entity::find()
        .filter(event_theme::Column::EventId.eq(event.id))
        .select_only()
        .column(event_theme::Column::ThemeId)
        .into_tuple()
        .all(db)
        .await?;
    let themes = theme::Entity::find()
        .filter(theme::Column::Id.is_in(theme_ids))
        .filter(theme::Column::Kind.ne(ThemeKind::Topic))
        .order_by_asc(theme::Column::Id)
        .all(db)
        .await?;
    let cluster_theme = themes
        .iter()
        .find(|t| t.slug == cluster_theme_slug)
        .context("the clustered theme is missing")?
        .id;
    let other_themes: Vec<i32> = themes
        .iter()
        .filter(|t| t.id != cluster_theme)
        .map(|t| t.id)
        .collect();
    anyhow::ensure!(
        !other_themes.is_empty(),
        "the event has one input theme only"
    );

    // Participants.
    let day = Utc
        .with_ymd_and_hms(2021, 1, 28, 12, 0, 0)
        .single()
        .context("the event day")?;
    let txn = db.begin().await?;
    for start in (0..dataset.participants).step_by(VOTE_BATCH) {
        let end = (start + VOTE_BATCH).min(dataset.participants);
        participant::Entity::insert_many((start..end).map(|_| participant::ActiveModel {
            event_id: Set(event.id),
            created_at: Set(day),
            ..Default::default()
        }))
        .exec_without_returning(&txn)
        .await?;
    }
    txn.commit().await?;
    let participants: Vec<i32> = participant::Entity::find()
        .filter(participant::Column::EventId.eq(event.id))
        .select_only()
        .column(participant::Column::Id)
        .order_by_asc(participant::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    anyhow::ensure!(!participants.is_empty(), "no participants");

    // Questions, with the vote counts their votes will have.
    let counts = vote_counts(dataset.questions, dataset.votes, participants.len());
    let first_new = learning_question::Entity::find()
        .order_by_desc(learning_question::Column::Id)
        .one(db)
        .await?
        .map_or(0, |q| q.id);
    let txn = db.begin().await?;
    for start in (0..dataset.questions).step_by(QUESTION_BATCH) {
        let end = (start + QUESTION_BATCH).min(dataset.questions);
        let rows = (start..end).map(|i| {
            let h = mix(i as u64 ^ 0x5eed);
            let theme_id = if i < dataset.cluster_theme_questions {
                cluster_theme
            } else {
                other_themes[i % other_themes.len()]
            };
            let status = match h % 20 {
                0 => ModerationStatus::Rejected,
                1 | 2 => ModerationStatus::Pending,
                _ => ModerationStatus::Approved,
            };
            let created = day + chrono::Duration::seconds((i % 86_400) as i64);
            learning_question::ActiveModel {
                event_id: Set(event.id),
                theme_id: Set(theme_id),
                session_id: Set(None),
                participant_id: Set(participants[i % participants.len()]),
                text: Set(question_text(i)),
                context: Set(None),
                submitter_role: Set((h % 8 != 7).then(|| ROLES[((h >> 4) % 7) as usize])),
                preferred_formats: Set(serde_json::json!([FORMATS
                    [((h >> 12) % FORMATS.len() as u64) as usize]
                    .api_name()])),
                region: Set(
                    (!h.is_multiple_of(5)).then(|| REGIONS[((h >> 20) % 6) as usize].to_owned())
                ),
                status: Set(status),
                duplicate_of_id: Set(None),
                vote_count: Set(i32::try_from(counts[i]).unwrap_or(i32::MAX)),
                idempotency_key: Set(None),
                created_at: Set(created),
                updated_at: Set(created),
                ..Default::default()
            }
        });
        learning_question::Entity::insert_many(rows)
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    let question_ids: Vec<i32> = learning_question::Entity::find()
        .filter(learning_question::Column::Id.gt(first_new))
        .select_only()
        .column(learning_question::Column::Id)
        .order_by_asc(learning_question::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    anyhow::ensure!(
        question_ids.len() == dataset.questions,
        "expected {} questions, found {}",
        dataset.questions,
        question_ids.len()
    );

    // Votes, question by question; past the budget the remaining questions get none.
    let mut votes_written = 0usize;
    let mut done = 0usize;
    let mut batch: Vec<vote::ActiveModel> = Vec::with_capacity(VOTE_BATCH + 64);
    let txn = db.begin().await?;
    for (i, (&question_id, &count)) in question_ids.iter().zip(&counts).enumerate() {
        if started.elapsed() > dataset.budget {
            break;
        }
        for j in 0..count {
            batch.push(vote::ActiveModel {
                question_id: Set(question_id),
                participant_id: Set(participants[(i * 7 + j) % participants.len()]),
                carried_from_id: Set(None),
                created_at: Set(day),
            });
        }
        votes_written += count;
        done = i + 1;
        if batch.len() >= VOTE_BATCH {
            vote::Entity::insert_many(std::mem::take(&mut batch))
                .exec_without_returning(&txn)
                .await?;
        }
    }
    if !batch.is_empty() {
        vote::Entity::insert_many(batch)
            .exec_without_returning(&txn)
            .await?;
    }
    if done < question_ids.len() {
        learning_question::Entity::update_many()
            .col_expr(learning_question::Column::VoteCount, Expr::value(0))
            .filter(learning_question::Column::Id.gte(question_ids[done]))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    // After a bulk load PostgreSQL's statistics and visibility map (which index-only scans
    // need) are stale until autovacuum comes by; do now what it would do soon after.
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_unprepared("VACUUM (ANALYZE) learning_question, vote")
            .await?;
    }
    Ok(Generated {
        questions: question_ids.len(),
        votes: votes_written,
        elapsed: started.elapsed(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vote_counts_add_up_and_fit() {
        let counts = vote_counts(1_001, 10_007, 2_000);
        assert_eq!(counts.len(), 1_001);
        assert_eq!(counts.iter().sum::<usize>(), 10_007);
        assert!(counts.iter().all(|&c| c <= 2_000));
        assert!(counts.iter().any(|&c| c != counts[0]), "skewed");
    }

    #[test]
    fn texts_are_valid_questions() {
        let text = question_text(42);
        assert!(text.len() >= 10 && text.len() <= 1000, "{text}");
        assert_ne!(question_text(1), question_text(2));
    }
}
