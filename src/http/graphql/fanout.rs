//! Subscriptions shared between subscribers.
//!
//! Thousands of participants of one event subscribe with the same document: executing each
//! event for each of them would cost a full execution per subscriber. Instead a participant's
//! subscription is split in two parts:
//! - the part every participant of the event sees alike (approved questions of the event) is
//!   executed once per distinct document, variables and event, and its responses are handed
//!   to all of them;
//! - the part only this participant sees (their own questions while not approved) runs as
//!   their own subscription, which skips everything the shared part delivers.
//!
//! Only documents whose every field reads nothing of the viewer are shared; anything else
//! (and every account's subscription) is executed per subscriber as before.
//!
//! Every subscription the executor starts, shared or not, is counted here until its stream
//! is dropped: the metrics report these counts.

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};

use async_graphql::extensions::apollo_persisted_queries::LruCacheStorage;
use async_graphql::parser::types::{
    ExecutableDocument, OperationDefinition, OperationType, Selection, SelectionSet,
};
use async_graphql::{Data, Executor, Request, Response};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use sea_orm::DatabaseConnection;
use tokio::sync::broadcast;
use tokio_stream::wrappers::BroadcastStream;

use crate::auth::Viewer;
use crate::graphql::live::OwnQuestionsOnly;
use crate::graphql::{AppSchema, requests};
use crate::http::lock;
use crate::readmodel::ReadModel;

/// Fields whose resolvers give every viewer the same answer. A field joins this list only
/// when its resolver (on every type that has a field of this name) ignores the viewer.
const SHAREABLE_FIELDS: &[&str] = &[
    "__typename",
    "learningQuestionEvents",
    "change",
    "question",
    "id",
    "text",
    "context",
    "theme",
    "session",
    "event",
    "submitterRole",
    "preferredFormats",
    "region",
    "status",
    "voteCount",
    "createdAt",
    "starred",
    "highlighted",
    "discussed",
    "discussedAt",
    "slug",
    "key",
    "title",
    "description",
    "kind",
    "startsAt",
    "endsAt",
    "timezone",
    "location",
    "room",
    "url",
    "calendarUrl",
    "guidingQuestions",
];

/// Responses a shared execution may be ahead of a slow subscriber before it skips some.
const SHARED_BACKLOG: usize = 1024;

/// What makes two participants' subscriptions the same.
#[derive(Clone, PartialEq, Eq, Hash)]
struct FanoutKey {
    event_id: i32,
    query: String,
    operation_name: Option<String>,
    variables: String,
}

impl FanoutKey {
    /// The key of a participant's request, when its document can be shared.
    fn for_request(
        request: &Request,
        document: &ExecutableDocument,
        event_id: i32,
    ) -> Option<Self> {
        if !is_shareable_subscription(document, request.operation_name.as_deref()) {
            return None;
        }
        Some(Self {
            event_id,
            query: request.query.clone(),
            operation_name: request.operation_name.clone(),
            variables: serde_json::to_string(&request.variables).ok()?,
        })
    }
}

/// The operation a request runs: the one named, or the only one.
fn operation<'a>(
    document: &'a ExecutableDocument,
    operation_name: Option<&str>,
) -> Option<&'a OperationDefinition> {
    match operation_name {
        Some(name) => document
            .operations
            .iter()
            .find(|(op_name, _)| op_name.is_some_and(|n| n.as_str() == name))
            .map(|(_, op)| &op.node),
        None => {
            let mut operations = document.operations.iter();
            match (operations.next(), operations.next()) {
                (Some((_, op)), None) => Some(&op.node),
                _ => None,
            }
        }
    }
}

fn is_subscription(document: &ExecutableDocument, operation_name: Option<&str>) -> bool {
    operation(document, operation_name).is_some_and(|op| op.ty == OperationType::Subscription)
}

/// A subscription operation whose fields (its own and every fragment's) are all shareable.
fn is_shareable_subscription(document: &ExecutableDocument, operation_name: Option<&str>) -> bool {
    let Some(operation) = operation(document, operation_name) else {
        return false;
    };
    operation.ty == OperationType::Subscription
        && fields_shareable(&operation.selection_set.node)
        && document
            .fragments
            .values()
            .all(|fragment| fields_shareable(&fragment.node.selection_set.node))
}

fn fields_shareable(selection_set: &SelectionSet) -> bool {
    selection_set.items.iter().all(|item| match &item.node {
        Selection::Field(field) => {
            SHAREABLE_FIELDS.contains(&field.node.name.node.as_str())
                && fields_shareable(&field.node.selection_set.node)
        }
        Selection::FragmentSpread(_) => true,
        Selection::InlineFragment(fragment) => fields_shareable(&fragment.node.selection_set.node),
    })
}

/// How much sharing there is; for tests and the operator.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct FanoutStats {
    /// Shared executions started.
    pub started: u64,
    /// Responses the shared executions produced (each handed to all their subscribers).
    pub responses: u64,
    /// Subscriptions that joined a shared execution.
    pub joined: u64,
}

/// The subscriptions open now, for the metrics.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SubscriptionCounts {
    /// Every subscription over WebSocket, shared or executed per subscriber.
    pub open: usize,
    /// Those served by a shared execution.
    pub shared: usize,
    /// Shared executions running (each serves one or more of `shared`).
    pub shared_executions: usize,
}

/// The shared executions, by what their subscribers asked, and the count of every
/// subscription the executor runs.
pub struct Fanouts {
    db: DatabaseConnection,
    read_model: Arc<ReadModel>,
    running: Mutex<HashMap<FanoutKey, Weak<Fanout>>>,
    started: AtomicU64,
    responses: Arc<AtomicU64>,
    joined: AtomicU64,
    open: Arc<AtomicUsize>,
    shared_open: Arc<AtomicUsize>,
}

/// One subscription in a count, until its stream is dropped (when it ends, or when the
/// client stops it or goes away).
struct Counted(Arc<AtomicUsize>);

impl Counted {
    fn new(count: &Arc<AtomicUsize>) -> Self {
        count.fetch_add(1, Ordering::Relaxed);
        Self(count.clone())
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// `stream`, counted in each of `counts` while it lives.
fn counted(
    stream: BoxStream<'static, Response>,
    counts: Vec<Counted>,
) -> BoxStream<'static, Response> {
    stream
        .map(move |response| {
            let _counted = &counts;
            response
        })
        .boxed()
}

/// One shared execution; it stops when its last subscriber leaves.
struct Fanout {
    key: FanoutKey,
    /// `None` once the shared execution has ended.
    sender: broadcast::Sender<Option<Arc<Response>>>,
    task: tokio::task::AbortHandle,
    fanouts: Weak<Fanouts>,
}

impl Drop for Fanout {
    fn drop(&mut self) {
        self.task.abort();
        if let Some(fanouts) = self.fanouts.upgrade() {
            fanouts.forget(&self.key);
        }
    }
}

impl Fanouts {
    pub fn new(db: DatabaseConnection, read_model: Arc<ReadModel>) -> Self {
        Self {
            db,
            read_model,
            running: Mutex::default(),
            started: AtomicU64::new(0),
            responses: Arc::default(),
            joined: AtomicU64::new(0),
            open: Arc::default(),
            shared_open: Arc::default(),
        }
    }

    pub fn subscriptions(&self) -> SubscriptionCounts {
        SubscriptionCounts {
            open: self.open.load(Ordering::Relaxed),
            shared: self.shared_open.load(Ordering::Relaxed),
            shared_executions: self.running(),
        }
    }

    pub fn stats(&self) -> FanoutStats {
        FanoutStats {
            started: self.started.load(Ordering::Relaxed),
            responses: self.responses.load(Ordering::Relaxed),
            joined: self.joined.load(Ordering::Relaxed),
        }
    }

    /// Shared executions running now.
    pub fn running(&self) -> usize {
        lock(&self.running)
            .values()
            .filter(|fanout| fanout.strong_count() > 0)
            .count()
    }

    /// Removes a finished or abandoned execution, unless another has taken its place.
    fn forget(&self, key: &FanoutKey) {
        let mut running = lock(&self.running);
        if running.get(key).is_some_and(|f| f.strong_count() == 0) {
            running.remove(key);
        }
    }

    /// The responses of the shared execution for `key`, started if none runs.
    fn join(self: &Arc<Self>, schema: &AppSchema, key: FanoutKey) -> BoxStream<'static, Response> {
        let mut running = lock(&self.running);
        let fanout = match running.get(&key).and_then(Weak::upgrade) {
            Some(fanout) => fanout,
            None => {
                let fanout = self.start(schema, key.clone());
                running.insert(key, Arc::downgrade(&fanout));
                fanout
            }
        };
        let receiver = fanout.sender.subscribe();
        drop(running);
        self.joined.fetch_add(1, Ordering::Relaxed);
        BroadcastStream::new(receiver)
            // A subscriber that falls behind skips what it missed, as with its own stream.
            .filter_map(|message| std::future::ready(message.ok()))
            .take_while(|message| std::future::ready(message.is_some()))
            .filter_map(move |message| {
                let _keep_running = &fanout;
                std::future::ready(message.map(|response| copy_of(&response)))
            })
            .boxed()
    }

    fn start(self: &Arc<Self>, schema: &AppSchema, key: FanoutKey) -> Arc<Fanout> {
        self.started.fetch_add(1, Ordering::Relaxed);
        let (sender, _) = broadcast::channel(SHARED_BACKLOG);
        let mut request = Request::new(key.query.clone());
        request.operation_name = key.operation_name.clone();
        request.variables = serde_json::from_str(&key.variables).unwrap_or_default();
        let mut data = Data::default();
        data.insert(Viewer::any_participant_of(key.event_id));
        data.insert(crate::graphql::loaders::spawned_loaders(
            self.db.clone(),
            self.read_model.clone(),
        ));
        let mut stream = schema.execute_stream_with_session_data(request, Arc::new(data));
        let out = sender.clone();
        let responses = self.responses.clone();
        let fanouts = Arc::downgrade(self);
        let ended_key = key.clone();
        let task = tokio::spawn(async move {
            while let Some(response) = stream.next().await {
                // A request error (no data) comes from the document, which each subscriber's
                // own part reports already.
                if response.data == async_graphql::Value::Null && !response.errors.is_empty() {
                    continue;
                }
                responses.fetch_add(1, Ordering::Relaxed);
                let _ = out.send(Some(Arc::new(response)));
            }
            let _ = out.send(None);
            if let Some(fanouts) = fanouts.upgrade() {
                let mut running = lock(&fanouts.running);
                if running
                    .get(&ended_key)
                    .is_some_and(|f| f.strong_count() > 0)
                {
                    // Later subscribers start a new execution rather than join an ended one.
                    running.remove(&ended_key);
                }
            }
        });
        Arc::new(Fanout {
            key,
            sender,
            task: task.abort_handle(),
            fanouts: Arc::downgrade(self),
        })
    }
}

/// Each subscriber's own copy of a shared response (`Response` is not `Clone`).
fn copy_of(shared: &Response) -> Response {
    let mut response = Response::new(shared.data.clone());
    response.extensions = shared.extensions.clone();
    response.errors = shared.errors.clone();
    response
}

/// The executor of WebSocket subscriptions: shares what can be shared, runs the rest per
/// subscriber.
#[derive(Clone)]
pub struct SharingExecutor {
    pub schema: AppSchema,
    pub fanouts: Arc<Fanouts>,
    pub persisted: LruCacheStorage,
}

impl Executor for SharingExecutor {
    fn execute(&self, request: Request) -> impl Future<Output = Response> + Send {
        let this = self.clone();
        async move { requests::execute(&this.schema, &this.persisted, request).await }
    }

    fn execute_stream(
        &self,
        request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        let this = self.clone();
        requests::execute_stream(self.persisted.clone(), request, move |request| {
            this.prepared_stream(request, session_data)
        })
    }
}

impl SharingExecutor {
    fn prepared_stream(
        &self,
        request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        let session_data = session_data.unwrap_or_default();
        // Parsed here for the sharing and the count; a document that does not parse runs
        // as it is and gets its error from the schema.
        let Ok(document) = async_graphql::parser::parse_query(&request.query) else {
            return self
                .schema
                .execute_stream_with_session_data(request, session_data);
        };
        // Queries and mutations sent over the socket are answered and end: not counted.
        let subscription = is_subscription(&document, request.operation_name.as_deref());
        let participant_of = match session_data
            .get(&TypeId::of::<Viewer>())
            .and_then(|viewer| viewer.downcast_ref::<Viewer>())
        {
            Some(Viewer::Participant { event_id, .. }) => Some(*event_id),
            _ => None,
        };
        let key = participant_of
            .and_then(|event_id| FanoutKey::for_request(&request, &document, event_id));
        let Some(key) = key else {
            let stream = self
                .schema
                .execute_stream_with_session_data(request, session_data);
            return if subscription {
                counted(stream, vec![Counted::new(&self.fanouts.open)])
            } else {
                stream
            };
        };
        let shared = self.fanouts.join(&self.schema, key);
        let own = self
            .schema
            .execute_stream_with_session_data(request.data(OwnQuestionsOnly), session_data);
        counted(
            futures_util::stream::select(shared, own).boxed(),
            vec![
                Counted::new(&self.fanouts.open),
                Counted::new(&self.fanouts.shared_open),
            ],
        )
    }
}
