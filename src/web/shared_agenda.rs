//! What every participant of an event sees alike on the learning agenda — the approved
//! questions by votes with their counts, and the question being discussed now per theme —
//! read once and shared by all views until feedback changes.
//!
//! Each held view is tagged with the feedback version (`Changes::feedback_version`) and the
//! content version it was read at; the version is read *before* the statements, so a change
//! committed meanwhile leaves the view behind the version and the next request reads again.
//! Every feedback write bumps the version as it publishes (after its commit, before its
//! answer goes out), so its author's next view shows it; on PostgreSQL the other instances
//! bump theirs when the change's notification arrives (within milliseconds). A programme
//! change (a theme removed, say) moves the content version and so reads again too.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use entity::enums::ModerationStatus;
use sea_orm::{Condition, ConnectionTrait};

use crate::error::AppResult;
use crate::graphql::ids::{self, NodeType};
use crate::service::feedback::{self, QuestionFilter, QuestionOrder};
use crate::service::live::Changes;

/// Most approved questions shown per event (most recognised first).
pub const APPROVED_LIMIT: u64 = 500;

/// An approved question as every participant sees it.
#[derive(Debug)]
pub struct ApprovedQuestion {
    /// The global ID (as the page and its script name the question).
    pub id: String,
    pub number: i32,
    pub participant_id: i32,
    pub text: String,
    pub votes: i32,
}

/// One event's shared part of the agenda, as of one feedback and content version.
#[derive(Debug)]
pub struct SharedAgenda {
    feedback_version: u64,
    content_version: i64,
    /// Approved questions per theme, most recognised first.
    pub approved: HashMap<i32, Vec<ApprovedQuestion>>,
    /// The question discussed now per theme: its global ID and text.
    pub now_discussed: HashMap<i32, (String, String)>,
}

impl SharedAgenda {
    /// Whether any question is approved (else the viewer's votes need no reading).
    pub fn has_approved(&self) -> bool {
        !self.approved.is_empty()
    }

    fn is_current(&self, feedback_version: u64, content_version: i64) -> bool {
        self.feedback_version >= feedback_version && self.content_version == content_version
    }
}

/// The shared agendas of all events, held by the process.
#[derive(Default)]
pub struct SharedAgendas {
    held: RwLock<HashMap<i32, Arc<SharedAgenda>>>,
    /// Held while one is read, so that a burst of views after a change reads once.
    reading: tokio::sync::Mutex<()>,
}

impl SharedAgendas {
    /// The event's shared agenda as of now (`content_version`: the programme snapshot's).
    pub async fn of_event(
        &self,
        db: &impl ConnectionTrait,
        changes: &Changes,
        event_id: i32,
        content_version: i64,
    ) -> AppResult<Arc<SharedAgenda>> {
        // Read first: a change after this point leaves what is read below behind it.
        let feedback_version = changes.feedback_version();
        if let Some(held) = self.held(event_id, feedback_version, content_version) {
            return Ok(held);
        }
        let _reading = self.reading.lock().await;
        // Read by the view this one waited for.
        if let Some(held) = self.held(event_id, feedback_version, content_version) {
            return Ok(held);
        }
        let read = Arc::new(read(db, event_id, feedback_version, content_version).await?);
        let mut held = self.held.write().unwrap_or_else(PoisonError::into_inner);
        // Events whose programme is gone keep no agenda.
        held.retain(|_, agenda| agenda.content_version == content_version);
        held.insert(event_id, read.clone());
        Ok(read)
    }

    fn held(
        &self,
        event_id: i32,
        feedback_version: u64,
        content_version: i64,
    ) -> Option<Arc<SharedAgenda>> {
        let held = self.held.read().unwrap_or_else(PoisonError::into_inner);
        held.get(&event_id)
            .filter(|agenda| agenda.is_current(feedback_version, content_version))
            .cloned()
    }
}

/// Two statements: the approved questions by votes, and the highlighted ones.
async fn read(
    db: &impl ConnectionTrait,
    event_id: i32,
    feedback_version: u64,
    content_version: i64,
) -> AppResult<SharedAgenda> {
    let filter = QuestionFilter {
        event_id: Some(event_id),
        status: Some(ModerationStatus::Approved),
        ..QuestionFilter::default()
    };
    // Approved questions of the event: every participant of it may read them all.
    let rows = feedback::questions(
        db,
        Condition::all(),
        &filter,
        QuestionOrder::MostVotes,
        0,
        APPROVED_LIMIT,
    )
    .await?;
    let mut approved: HashMap<i32, Vec<ApprovedQuestion>> = HashMap::new();
    for q in rows {
        approved
            .entry(q.theme_id)
            .or_default()
            .push(ApprovedQuestion {
                id: ids::encode(NodeType::LearningQuestion, q.id).to_string(),
                number: q.id,
                participant_id: q.participant_id,
                votes: q.vote_count,
                text: q.text,
            });
    }
    let mut now_discussed = HashMap::new();
    for q in crate::service::moderation::highlighted(db, event_id, None).await? {
        now_discussed.entry(q.theme_id).or_insert((
            ids::encode(NodeType::LearningQuestion, q.id).to_string(),
            q.text,
        ));
    }
    Ok(SharedAgenda {
        feedback_version,
        content_version,
        approved,
        now_discussed,
    })
}
