//! The write path of submissions and votes: group commit.
//!
//! Each transaction costs a commit (on SQLite a WAL append under its single writer lock, on
//! PostgreSQL a WAL flush). One task owns the writes; requests hand it their work and wait.
//! While a batch commits, the next requests queue; the task takes all of them as the next
//! batch, runs each in a savepoint of one transaction (so one request's failure under its
//! own rules touches no other), commits once, and only then answers every request of the
//! batch. An answer therefore always means "committed". A database error (not a rule of the
//! request) rolls the whole batch back and answers it UNAVAILABLE, since on SQLite such an
//! error may already have ended the transaction. On SQLite the task writes through a pool of
//! one connection, which moderation's multi-statement writes share.

use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use sea_orm::sqlx::sqlite::SqlitePoolOptions;
use sea_orm::{
    DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, SqlxSqliteConnector,
    TransactionTrait,
};
use tokio::sync::{mpsc, oneshot};

use crate::error::AppError;
use crate::metrics::Metrics;

/// Most requests committed in one transaction; more wait for the next one.
const MAX_BATCH: usize = 256;
/// Requests waiting for the writer before new ones wait to be queued.
const QUEUE: usize = 4_096;

/// Work run inside the writer's transaction. It yields the request's answer, to be sent
/// once the batch is done, and whether the transaction is still fit to commit.
type Job = Box<dyn for<'t> FnOnce(&'t DatabaseTransaction) -> BoxFuture<'t, Ran> + Send>;
/// Answers one request, given how its batch ended.
type Reply = Box<dyn FnOnce(&BatchEnd) + Send>;

/// How a batch ended.
enum BatchEnd {
    Committed,
    /// A write of the batch broke the transaction, so the whole batch was rolled back.
    RolledBack,
    /// COMMIT itself failed.
    CommitFailed(DbErr),
}

struct Ran {
    reply: Reply,
    /// The database failed (not the request's own rules): on SQLite such an error may have
    /// rolled back the whole transaction, so nothing of this batch may be committed.
    broke_transaction: bool,
}

/// Where the hot write paths (submissions, votes, moderation) write.
#[derive(Clone)]
pub struct Writer {
    connection: DatabaseConnection,
    batches: mpsc::Sender<Job>,
    metrics: Metrics,
}

impl Writer {
    /// On SQLite the batches go through a pool of one connection over the same file (its
    /// other users queue in the pool); on PostgreSQL through the main pool.
    pub fn for_database(db: &DatabaseConnection) -> Self {
        Self::with_metrics(db, Metrics::default())
    }

    /// As `for_database`, counting batches (and, through `metrics()`, the writes of the
    /// services) in `metrics`.
    pub fn with_metrics(db: &DatabaseConnection, metrics: Metrics) -> Self {
        let connection = if db.get_database_backend() == DbBackend::Sqlite {
            let options = (*db.get_sqlite_connection_pool().connect_options()).clone();
            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .acquire_timeout(Duration::from_secs(5))
                .connect_lazy_with(options);
            SqlxSqliteConnector::from_sqlx_sqlite_pool(pool)
        } else {
            db.clone()
        };
        let (batches, jobs) = mpsc::channel(QUEUE);
        tokio::spawn(commit_in_batches(connection.clone(), jobs, metrics.clone()));
        Self {
            connection,
            batches,
            metrics,
        }
    }

    /// The app's metrics, for the services that write through here.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The write connection, for writes of many statements that are not batched.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.connection
    }

    /// Runs `work` in a savepoint of the next batch's transaction and returns its result once
    /// that transaction has committed. An error from `work` undoes its writes only.
    pub async fn write<T, F>(&self, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: for<'t> FnOnce(&'t DatabaseTransaction) -> BoxFuture<'t, Result<T, AppError>>
            + Send
            + 'static,
    {
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move |txn| {
            Box::pin(async move {
                let outcome = in_savepoint(txn, work).await;
                let broke_transaction = matches!(
                    outcome,
                    Err(AppError::Internal(_) | AppError::Unavailable(_))
                );
                let reply = Box::new(move |end: &BatchEnd| {
                    let result = match end {
                        BatchEnd::Committed => outcome,
                        not_committed => Err(not_committed.unavailable()),
                    };
                    // The request may have gone (client hung up); its write stands.
                    let _ = answer.send(result);
                }) as Reply;
                Ran {
                    reply,
                    broke_transaction,
                }
            })
        });
        self.batches.send(job).await.map_err(|_| not_written())?;
        // A dropped answer: the batch never started, or it panicked and was rolled back.
        answered.await.map_err(|_| not_written())?
    }
}

async fn in_savepoint<T, F>(txn: &DatabaseTransaction, work: F) -> Result<T, AppError>
where
    F: for<'t> FnOnce(&'t DatabaseTransaction) -> BoxFuture<'t, Result<T, AppError>>,
{
    let savepoint = txn.begin().await?;
    match work(&savepoint).await {
        Ok(value) => {
            savepoint.commit().await?;
            Ok(value)
        }
        Err(err) => {
            savepoint.rollback().await?;
            Err(err)
        }
    }
}

async fn commit_in_batches(
    connection: DatabaseConnection,
    mut jobs: mpsc::Receiver<Job>,
    metrics: Metrics,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while jobs.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let requests = batch.len();
        // A task of its own, so that a bug that panics in one write (or in the clean-up
        // after it) loses only its batch, rolled back, and never stops the writer.
        let started = Instant::now();
        let run = tokio::spawn(commit_batch(connection.clone(), std::mem::take(&mut batch)));
        if let Err(err) = run.await {
            tracing::error!(error = %err, requests, "a write batch panicked and was rolled back");
        }
        metrics.write_batch(requests, started.elapsed());
    }
}

async fn commit_batch(connection: DatabaseConnection, batch: Vec<Job>) {
    let txn = match connection.begin().await {
        Ok(txn) => txn,
        Err(err) => {
            // Dropping the jobs answers their requests with UNAVAILABLE; nothing was written.
            tracing::warn!(error = %err, requests = batch.len(), "a write batch could not start");
            return;
        }
    };
    let mut replies = Vec::with_capacity(batch.len());
    let mut broken = false;
    for job in batch {
        let ran = job(&txn).await;
        broken |= ran.broke_transaction;
        replies.push(ran.reply);
    }
    let end = if broken {
        let _ = txn.rollback().await;
        BatchEnd::RolledBack
    } else {
        match txn.commit().await {
            Ok(()) => BatchEnd::Committed,
            Err(err) => BatchEnd::CommitFailed(err),
        }
    };
    match &end {
        BatchEnd::Committed => {}
        BatchEnd::RolledBack => tracing::warn!(
            requests = replies.len(),
            "a database error in a write batch; it was rolled back"
        ),
        BatchEnd::CommitFailed(err) => {
            tracing::warn!(error = %err, requests = replies.len(), "a write batch did not commit");
        }
    }
    for reply in replies {
        reply(&end);
    }
}

impl BatchEnd {
    /// What a request of a batch that did not commit is told. A commit that fails may still
    /// have been applied by the database (a lost connection during COMMIT); clients retry
    /// with their idempotency key, which makes that safe.
    fn unavailable(&self) -> AppError {
        AppError::Unavailable(match self {
            Self::CommitFailed(err) => anyhow::anyhow!("the write batch did not commit: {err}"),
            _ => anyhow::anyhow!("a database error in the write batch; it was rolled back"),
        })
    }
}

fn not_written() -> AppError {
    AppError::Unavailable(anyhow::anyhow!("the write was not done"))
}
