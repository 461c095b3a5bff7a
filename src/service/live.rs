//! Live updates: the channel of committed changes to learning questions.
//!
//! Services publish here after their transaction commits (never before, so a subscriber never
//! sees a change that is then rolled back). One task per process reads each changed question
//! once and hands the row to every subscriber. On PostgreSQL every instance listens with
//! LISTEN/NOTIFY, so a change made on one reaches subscribers on all; on SQLite (one
//! instance) changes go straight to the local subscribers. Events carry no state of their
//! own: a subscriber that misses one recovers by querying.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use entity::learning_question;
use sea_orm::sqlx::postgres::{PgListener, PgPoolOptions};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, Statement};
use tokio::sync::broadcast;

/// What happened to a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuestionChange {
    Submitted,
    Moderated,
    /// Its vote count changed; published at most once per question per [`VOTE_INTERVAL`].
    Voted,
}

/// A change to a question, as published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Published {
    pub change: QuestionChange,
    pub question_id: i32,
}

/// A change with the question as it was read after the change, shared by all subscribers.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub change: QuestionChange,
    pub question: Arc<learning_question::Model>,
}

/// Vote changes of one question within this interval make one event (plus the first one at
/// once): a screen showing live counts stays current without an event per vote.
pub const VOTE_INTERVAL: Duration = Duration::from_millis(250);

/// The PostgreSQL channel that carries changes between server instances.
const CHANNEL: &str = "buurtgraph_question_changes";

/// How an erasure's payload on [`CHANNEL`] begins (`E:<participant id>`); it is no
/// [`Published`] question change, so the loader of changed questions passes it by.
const ERASED_PREFIX: &str = "E:";

/// The PostgreSQL channel on which a change to the published programme is announced
/// (`service::content::bump`), so that every instance reads the new content version at once.
pub const CONTENT_CHANNEL: &str = "buurtgraph_content_changes";

/// The channel of changes; cheap to clone.
#[derive(Clone)]
pub struct Changes {
    local: broadcast::Sender<Published>,
    loaded: broadcast::Sender<Loaded>,
    postgres: Option<DatabaseConnection>,
    /// Programme changes announced by any instance (PostgreSQL only).
    content: broadcast::Sender<()>,
    /// Questions whose vote event went out less than `VOTE_INTERVAL` ago, and whether
    /// another vote came since (then one more event follows when the interval ends).
    recent_votes: Arc<Mutex<HashMap<i32, bool>>>,
    /// Counts changes to feedback (questions, votes, moderation) made here or announced by
    /// another instance: what is read once and shared by many views stays valid while it
    /// stands still (see [`Versions`]).
    versions: Arc<Versions>,
}

/// Change counters, bumped at once by the writes of this process (before the writer's
/// redirect or answer goes out, so its author's next view sees them) and by the
/// notifications of other instances (PostgreSQL).
#[derive(Debug, Default)]
pub struct Versions {
    feedback: AtomicU64,
    /// Participants erased (their tokens stop working).
    participants: AtomicU64,
}

impl Versions {
    fn feedback_changed(&self) {
        self.feedback.fetch_add(1, Ordering::SeqCst);
    }

    fn participant_erased(&self) {
        // Their questions and votes went with them: feedback changed too.
        self.feedback_changed();
        self.participants.fetch_add(1, Ordering::SeqCst);
    }
}

impl Changes {
    /// Local delivery, plus LISTEN/NOTIFY when `db` is PostgreSQL.
    pub async fn for_database(db: &DatabaseConnection) -> anyhow::Result<Self> {
        let mut changes = Self::local(db);
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(changes);
        }
        // A pool of its own: the listener holds its connection for good, and must not keep
        // the main pool from closing.
        let options = db.get_postgres_connection_pool().connect_options();
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .connect_with((*options).clone())
            .await?;
        let mut listener = PgListener::connect_with(&pool).await?;
        listener.listen_all([CHANNEL, CONTENT_CHANNEL]).await?;
        let local = changes.local.clone();
        let content = changes.content.clone();
        let versions = changes.versions.clone();
        tokio::spawn(async move {
            loop {
                match listener.recv().await {
                    Ok(notification) if notification.channel() == CONTENT_CHANNEL => {
                        let _ = content.send(());
                    }
                    Ok(notification) => {
                        let payload = notification.payload();
                        if payload.starts_with(ERASED_PREFIX) {
                            versions.participant_erased();
                        } else {
                            versions.feedback_changed();
                        }
                        if let Some(published) = Published::decode(payload) {
                            let _ = local.send(published);
                        }
                    }
                    Err(err) => {
                        // The listener reconnects on the next call; wait a moment first.
                        tracing::warn!(error = %err, "listening for changes failed; retrying");
                        // A programme change, a feedback change or an erasure may have gone
                        // unheard meanwhile.
                        let _ = content.send(());
                        versions.participant_erased();
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        });
        changes.postgres = Some(db.clone());
        Ok(changes)
    }

    /// Local delivery, with one reader of changed questions over `db`.
    fn local(db: &DatabaseConnection) -> Self {
        let changes = Self {
            local: broadcast::channel(4096).0,
            loaded: broadcast::channel(4096).0,
            postgres: None,
            content: broadcast::channel(16).0,
            recent_votes: Arc::default(),
            versions: Arc::default(),
        };
        tokio::spawn(load_changed_questions(
            changes.local.subscribe(),
            changes.loaded.clone(),
            db.clone(),
        ));
        changes
    }

    /// The changes from now on, each with its question; a receiver that falls behind
    /// skips what it missed.
    pub fn subscribe(&self) -> broadcast::Receiver<Loaded> {
        self.loaded.subscribe()
    }

    /// Programme changes announced by other instances (and this one), PostgreSQL only.
    pub fn content_changes(&self) -> broadcast::Receiver<()> {
        self.content.subscribe()
    }

    /// The number of feedback changes this process knows of; it only grows.
    pub fn feedback_version(&self) -> u64 {
        self.versions.feedback.load(Ordering::SeqCst)
    }

    /// The number of participant erasures this process knows of; it only grows.
    pub fn participants_version(&self) -> u64 {
        self.versions.participants.load(Ordering::SeqCst)
    }

    /// Announces that a participant was erased (committed), so that every instance stops
    /// trusting what it knew of them and of their questions and votes.
    pub async fn participant_erased(&self, participant_id: i32) {
        self.versions.participant_erased();
        if let Some(db) = &self.postgres {
            let payload = format!("{ERASED_PREFIX}{participant_id}");
            if let Err(err) = notify(db, payload).await {
                tracing::warn!(error = %err, "NOTIFY of an erasure failed");
            }
        }
    }

    /// Announces a committed change; nobody listening is fine. Vote changes are coalesced
    /// per question: the first goes out at once, later ones within `VOTE_INTERVAL` make one
    /// event when it ends, which reads the count as it is by then (the feedback version
    /// counts every change at once, coalesced or not).
    pub async fn publish(&self, change: QuestionChange, question_id: i32) {
        self.versions.feedback_changed();
        if change == QuestionChange::Voted && !self.first_vote_in_interval(question_id) {
            return;
        }
        self.send(Published {
            change,
            question_id,
        })
        .await;
    }

    /// Records a vote change; true when it opens a new interval (publish it now).
    fn first_vote_in_interval(&self, question_id: i32) -> bool {
        let mut recent = lock(&self.recent_votes);
        if let Some(again) = recent.get_mut(&question_id) {
            *again = true;
            return false;
        }
        recent.insert(question_id, false);
        drop(recent);
        tokio::spawn(self.clone().close_vote_intervals(question_id));
        true
    }

    /// Ends the question's interval; when votes came during it, publishes once and starts
    /// another interval.
    async fn close_vote_intervals(self, question_id: i32) {
        loop {
            tokio::time::sleep(VOTE_INTERVAL).await;
            let voted_again = {
                let mut recent = lock(&self.recent_votes);
                match recent.get_mut(&question_id) {
                    Some(again) if *again => {
                        *again = false;
                        true
                    }
                    _ => {
                        recent.remove(&question_id);
                        false
                    }
                }
            };
            if !voted_again {
                return;
            }
            self.send(Published {
                change: QuestionChange::Voted,
                question_id,
            })
            .await;
        }
    }

    async fn send(&self, published: Published) {
        if let Some(db) = &self.postgres {
            match notify(db, published.encode()).await {
                Ok(()) => return,
                Err(err) => tracing::warn!(error = %err, "NOTIFY failed; delivering locally only"),
            }
        }
        let _ = self.local.send(published);
    }
}

/// Sends `payload` to every instance listening on the changes' channel (this one too).
async fn notify(db: &DatabaseConnection, payload: String) -> Result<(), sea_orm::DbErr> {
    let statement = Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT pg_notify($1, $2)",
        [CHANNEL.into(), payload.into()],
    );
    db.execute_raw(statement).await.map(|_| ())
}

/// Reads each published question once and passes it on to the subscribers.
async fn load_changed_questions(
    mut published: broadcast::Receiver<Published>,
    loaded: broadcast::Sender<Loaded>,
    db: DatabaseConnection,
) {
    loop {
        let next = match published.recv().await {
            Ok(next) => next,
            Err(broadcast::error::RecvError::Lagged(skipped)) => {
                tracing::warn!(skipped, "live updates fell behind; some were skipped");
                continue;
            }
            Err(broadcast::error::RecvError::Closed) => return,
        };
        // Nobody subscribed on this instance: no need to read the question.
        if loaded.receiver_count() == 0 {
            continue;
        }
        match learning_question::Entity::find_by_id(next.question_id)
            .one(&db)
            .await
        {
            Ok(Some(question)) => {
                let _ = loaded.send(Loaded {
                    change: next.change,
                    question: Arc::new(question),
                });
            }
            // Deleted since (a participant erased their data): nothing to show.
            Ok(None) => {}
            Err(err) => tracing::warn!(error = %err, "cannot read a changed question"),
        }
    }
}

/// The map holds plain flags: one left by a panicking holder is still fit to use.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Published {
    fn encode(self) -> String {
        let change = match self.change {
            QuestionChange::Submitted => "S",
            QuestionChange::Moderated => "M",
            QuestionChange::Voted => "V",
        };
        format!("{change}:{}", self.question_id)
    }

    fn decode(payload: &str) -> Option<Self> {
        let (change, id) = payload.split_once(':')?;
        let change = match change {
            "S" => QuestionChange::Submitted,
            "M" => QuestionChange::Moderated,
            "V" => QuestionChange::Voted,
            _ => return None,
        };
        Some(Self {
            change,
            question_id: id.parse().ok()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_survives_the_notify_payload() {
        for change in [
            QuestionChange::Submitted,
            QuestionChange::Moderated,
            QuestionChange::Voted,
        ] {
            let published = Published {
                change,
                question_id: 42,
            };
            assert_eq!(Published::decode(&published.encode()), Some(published));
        }
        assert_eq!(Published::decode("X:1"), None);
        assert_eq!(Published::decode("S:x"), None);
    }
}
