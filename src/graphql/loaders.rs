//! Per-request batch loading. One `ProgrammeLoader` answers every key type below: the
//! programme's rows from the read model's snapshot (no SQL), feedback data with one
//! statement per batch, so a query's statement count does not grow with the data.

use std::collections::HashMap;
use std::sync::Arc;

use std::time::Duration;

use async_graphql::dataloader::{DataLoader, Loader};
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
use std::task::{Context as TaskContext, Poll};

use entity::{event, learning_question, organisation, person, programme_block, session, theme};
use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use futures_util::stream::FuturesUnordered;
use futures_util::task::{ArcWake, AtomicWaker};
use sea_orm::DatabaseConnection;
use tokio::sync::mpsc;

use crate::error::{AppError, AppResult};
use crate::readmodel::{ReadModel, Snapshot};
use crate::service::programme as service;

/// Loads programme rows (from the snapshot) and feedback rows (from the database) in batches.
pub struct ProgrammeLoader {
    db: DatabaseConnection,
    read_model: Arc<ReadModel>,
    /// The snapshot this request reads, taken on first use, so that one response shows one
    /// version of the programme; `None` for long-lived loaders, which take the current one.
    pinned: Option<tokio::sync::OnceCell<Arc<Snapshot>>>,
}

impl ProgrammeLoader {
    /// The request's snapshot; `fresh` reads the content version from the database first
    /// (a request that may just have changed the programme).
    pub async fn snapshot(&self, fresh: bool) -> AppResult<Arc<Snapshot>> {
        if fresh {
            return self.read_model.fresh(&self.db).await;
        }
        match &self.pinned {
            Some(pinned) => pinned
                .get_or_try_init(|| self.read_model.current(&self.db))
                .await
                .cloned(),
            None => self.read_model.current(&self.db).await,
        }
    }
}

/// The DataLoader a request uses; built fresh for each request so nothing is cached across requests.
pub type Loaders = Arc<DataLoader<ProgrammeLoader>>;

type Batch = BoxFuture<'static, ()>;

/// The batches a request's loaders have queued; run them with [`BatchQueue::run_with`].
pub struct BatchQueue(mpsc::UnboundedReceiver<Batch>);

/// Builds the loaders for one request.
///
/// Batches do not go to the runtime: they queue for the request's own task, which polls them
/// only once execution can go no further. So every key asked for at one level of the query
/// lands in one batch, however long resolving that level takes, and a query's statement
/// count depends on its shape, never on timing or data size.
pub fn loaders(db: DatabaseConnection, read_model: Arc<ReadModel>) -> (Loaders, BatchQueue) {
    let (sender, receiver) = mpsc::unbounded_channel::<Batch>();
    let spawner = move |batch: Batch| {
        // The receiver lives as long as the request; a closed queue means the request is gone.
        let _ = sender.send(batch);
    };
    let loader = ProgrammeLoader {
        db,
        read_model,
        pinned: Some(tokio::sync::OnceCell::new()),
    };
    let loader = DataLoader::new(loader, spawner).delay(Duration::ZERO);
    (Arc::new(loader), BatchQueue(receiver))
}

/// Loaders for a long-lived connection (subscriptions): batches run on the runtime.
pub fn spawned_loaders(db: DatabaseConnection, read_model: Arc<ReadModel>) -> Loaders {
    let loader = ProgrammeLoader {
        db,
        read_model,
        pinned: None,
    };
    Arc::new(DataLoader::new(loader, tokio::spawn))
}

impl BatchQueue {
    /// Drives `work` and the batches its loaders queue, all in the calling task. A batch is
    /// polled only when `work` is waiting on something other than its own fairness yields
    /// (async-graphql resolves long lists in slices of 32), so one level is one batch.
    pub async fn run_with<F: Future>(mut self, work: F) -> F::Output {
        let mut work = std::pin::pin!(work);
        let mut running = FuturesUnordered::new();
        let flag = Arc::new(WakeFlag::default());
        std::future::poll_fn(move |cx| {
            flag.task.register(cx.waker());
            let waker = futures_util::task::waker_ref(&flag);
            let mut work_cx = TaskContext::from_waker(&waker);
            loop {
                loop {
                    flag.woken.store(false, AtomicOrdering::SeqCst);
                    if let Poll::Ready(output) = work.as_mut().poll(&mut work_cx) {
                        return Poll::Ready(output);
                    }
                    if !flag.woken.load(AtomicOrdering::SeqCst) {
                        break;
                    }
                }
                while let Poll::Ready(Some(batch)) = self.0.poll_recv(cx) {
                    running.push(batch);
                }
                while let Poll::Ready(Some(())) = running.poll_next_unpin(cx) {}
                if !flag.woken.load(AtomicOrdering::SeqCst) {
                    return Poll::Pending;
                }
            }
        })
        .await
    }
}

/// Records that the work future was woken, and passes the wake on to the task.
#[derive(Default)]
struct WakeFlag {
    woken: AtomicBool,
    task: AtomicWaker,
}

impl ArcWake for WakeFlag {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        arc_self.woken.store(true, AtomicOrdering::SeqCst);
        arc_self.task.wake();
    }
}

/// Errors are shared between the waiters of one batch.
pub type LoadError = Arc<AppError>;

/// What each waiter of a failed batch answers: an outage stays retryable (`UNAVAILABLE`),
/// anything else is internal, its cause logged and never shown.
pub fn load_failed(err: &LoadError) -> AppError {
    match &**err {
        AppError::Unavailable(cause) => AppError::Unavailable(anyhow::anyhow!("{cause:#}")),
        other => AppError::internal(anyhow::anyhow!("a batch load failed: {other:?}")),
    }
}

macro_rules! keys {
    ($($(#[$doc:meta])* $key:ident($inner:ty) => $value:ty, |$db:ident, $ids:ident| $body:expr;)*) => {
        $(
            $(#[$doc])*
            #[derive(Debug, Clone, PartialEq, Eq, Hash)]
            pub struct $key(pub $inner);

            impl Loader<$key> for ProgrammeLoader {
                type Value = $value;
                type Error = LoadError;

                async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Self::Value>, Self::Error> {
                    let $db = &self.db;
                    let $ids: Vec<$inner> = keys.iter().map(|k| k.0.clone()).collect();
                    let found = $body.await.map_err(|err| Arc::new(AppError::from(err)))?;
                    Ok(found.into_iter().map(|(k, v)| ($key(k), v)).collect())
                }
            }
        )*
    };
}

keys! {
    QuestionById(i32) => learning_question::Model, |db, ids| service::by_ids::<learning_question::Entity>(db, learning_question::Column::Id, &ids);
    /// Whether a participant recognises a question: (participant id, question id).
    VoteOf((i32, i32)) => bool, |db, ids| crate::service::feedback::votes_of(db, &ids);
}

/// Keys answered from the snapshot: rows by id, shared (`Arc`), for the resolvers outside
/// the programme (a question's session, theme and event).
macro_rules! snapshot_keys {
    ($($(#[$doc:meta])* $key:ident => $value:ty, |$snapshot:ident, $id:ident| $body:expr;)*) => {
        $(
            $(#[$doc])*
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
            pub struct $key(pub i32);

            impl Loader<$key> for ProgrammeLoader {
                type Value = Arc<$value>;
                type Error = LoadError;

                async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Self::Value>, Self::Error> {
                    let $snapshot = self.snapshot(false).await.map_err(Arc::new)?;
                    Ok(keys
                        .iter()
                        .filter_map(|key| {
                            let $id = key.0;
                            Some((*key, $body?.clone()))
                        })
                        .collect())
                }
            }
        )*
    };
}

snapshot_keys! {
    EventById => event::Model, |snapshot, id| snapshot.event(id);
    BlockById => programme_block::Model, |snapshot, id| snapshot.block(id);
    SessionById => session::Model, |snapshot, id| snapshot.session(id);
    PersonById => person::Model, |snapshot, id| snapshot.person(id);
    OrganisationById => organisation::Model, |snapshot, id| snapshot.organisation(id);
    ThemeById => theme::Model, |snapshot, id| snapshot.theme(id);
}
