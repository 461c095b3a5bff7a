//! The write path of submissions and votes: group commit.
//!
//! Each transaction costs a commit (on SQLite a WAL append under its single writer lock, on
//! PostgreSQL a WAL flush). One task owns the writes; requests hand it their work and wait.
//! While a batch commits, the next requests queue; the task takes all of them as the next
//! batch, runs each in a savepoint of one transaction (so one request's failure touches no
//! other), commits once, and only then answers every request of the batch. An answer
//! therefore always means "committed". On SQLite the task writes through a pool of one
//! connection, which moderation's multi-statement writes share.

use std::panic::AssertUnwindSafe;
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use sea_orm::sqlx::sqlite::SqlitePoolOptions;
use sea_orm::{
    DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, SqlxSqliteConnector,
    TransactionTrait,
};
use tokio::sync::{mpsc, oneshot};

use crate::error::AppError;

/// Most requests committed in one transaction; more wait for the next one.
const MAX_BATCH: usize = 256;
/// Requests waiting for the writer before new ones wait to be queued.
const QUEUE: usize = 4_096;

/// Work run inside the writer's transaction; its result is sent once the batch commits.
type Job = Box<dyn for<'t> FnOnce(&'t DatabaseTransaction) -> BoxFuture<'t, Reply> + Send>;
/// Answers one request, given whether its batch committed.
type Reply = Box<dyn FnOnce(Option<&DbErr>) + Send>;

/// Where the hot write paths (submissions, votes, moderation) write.
#[derive(Clone)]
pub struct Writer {
    connection: DatabaseConnection,
    batches: Option<mpsc::Sender<Job>>,
}

impl Writer {
    /// On SQLite the batches go through a pool of one connection over the same file (its
    /// other users queue in the pool); on PostgreSQL through the main pool.
    pub fn for_database(db: &DatabaseConnection) -> Self {
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
        let (sender, jobs) = mpsc::channel(QUEUE);
        tokio::spawn(commit_in_batches(connection.clone(), jobs));
        Self {
            connection,
            batches: Some(sender),
        }
    }

    /// The write connection, for writes of many statements that are not batched.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.connection
    }

    /// Runs `work` in a transaction (a savepoint of a batch on SQLite) and returns its
    /// result once that transaction has committed. An error from `work` undoes its writes.
    pub async fn write<T, F>(&self, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: for<'t> FnOnce(&'t DatabaseTransaction) -> BoxFuture<'t, Result<T, AppError>>
            + Send
            + 'static,
    {
        let Some(batches) = &self.batches else {
            let txn = self.connection.begin().await?;
            let value = work(&txn).await?;
            txn.commit().await?;
            return Ok(value);
        };
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move |txn| {
            Box::pin(async move {
                let outcome = in_savepoint(txn, work).await;
                Box::new(move |commit_error: Option<&DbErr>| {
                    let result = match commit_error {
                        None => outcome,
                        Some(err) => Err(not_committed(err)),
                    };
                    // The request may have gone (client hung up); its write stands.
                    let _ = answer.send(result);
                }) as Reply
            })
        });
        batches.send(job).await.map_err(|_| writer_stopped())?;
        answered.await.map_err(|_| writer_stopped())?
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

async fn commit_in_batches(connection: DatabaseConnection, mut jobs: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while jobs.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let txn = match connection.begin().await {
            Ok(txn) => txn,
            Err(err) => {
                // Dropping the jobs answers their requests with UNAVAILABLE; nothing was written.
                tracing::warn!(error = %err, requests = batch.len(), "a write batch could not start");
                batch.clear();
                continue;
            }
        };
        let mut replies = Vec::with_capacity(batch.len());
        let ran = AssertUnwindSafe(async {
            for job in batch.drain(..) {
                replies.push(job(&txn).await);
            }
        })
        .catch_unwind()
        .await;
        if ran.is_err() {
            // A bug in one write must not stop all writing: this batch is rolled back (its
            // requests get UNAVAILABLE and may retry) and the next one starts afresh.
            tracing::error!(
                requests = replies.len() + batch.len(),
                "a write panicked; its batch was rolled back"
            );
            batch.clear();
            drop(replies);
            drop(txn);
            continue;
        }
        let committed = txn.commit().await;
        if let Err(err) = &committed {
            tracing::warn!(error = %err, requests = replies.len(), "a write batch did not commit");
        }
        for reply in replies {
            reply(committed.as_ref().err());
        }
    }
}

fn not_committed(err: &DbErr) -> AppError {
    AppError::Unavailable(anyhow::anyhow!("the write batch did not commit: {err}"))
}

fn writer_stopped() -> AppError {
    AppError::Unavailable(anyhow::anyhow!("the writer task has stopped"))
}
