//! Subscriptions shared between subscribers.
//!
//! Thousands of participants of one event subscribe with the same document: executing and
//! serialising each event for each of them would cost a full execution per subscriber.
//! Instead a participant's subscription is served in two parts:
//! - what every participant of the event sees alike (approved questions of the event) is
//!   executed once per distinct document, variables and event, serialised once, and the same
//!   bytes go to all of them;
//! - what only this participant sees (their own questions while not approved) is rare: one
//!   listener per shared execution picks out those changes and runs the document for that
//!   one change as its author, for the author's subscriptions only. No subscriber holds an
//!   execution of its own.
//!
//! Only documents whose every field reads nothing of the viewer are shared; anything else
//! (and every account's subscription) is executed per subscriber.
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
use async_graphql::{Data, Request, Response};
use futures_channel::mpsc;
use futures_util::StreamExt;
use futures_util::stream::{self, BoxStream};
use sea_orm::DatabaseConnection;
use tokio::sync::broadcast;
use tokio_stream::wrappers::BroadcastStream;

use crate::auth::{Viewer, policy};
use crate::graphql::live::OneChange;
use crate::graphql::{AppSchema, requests};
use crate::http::lock;
use crate::readmodel::ReadModel;
use crate::service::live::{Changes, Loaded};

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

/// A participant's own events waiting for their connection; a stuck one skips the rest.
/// (futures' channel: tokio's allocates a block of 32 slots up front, per subscriber.)
const OWN_BACKLOG: usize = 16;

/// A response serialised as JSON, as it goes into a `next` message; shared by every
/// subscriber it goes to.
pub type Payload = Arc<str>;

/// `response` as JSON (its request errors with their codes).
pub fn payload(response: Response) -> Payload {
    let response = requests::finished(response);
    match serde_json::to_string(&response) {
        Ok(json) => json.into(),
        Err(error) => {
            tracing::error!(%error, "a subscription response did not serialise");
            r#"{"data":null,"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}"#.into()
        }
    }
}

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
        // A persisted query sent by its hash alone has no text to tell it apart by.
        if request.query.is_empty()
            || !is_shareable_subscription(document, request.operation_name.as_deref())
        {
            return None;
        }
        Some(Self {
            event_id,
            query: request.query.clone(),
            operation_name: request.operation_name.clone(),
            variables: serde_json::to_string(&request.variables).ok()?,
        })
    }

    /// The request every subscriber with this key sent.
    fn request(&self) -> Request {
        let mut request = Request::new(self.query.clone());
        request.operation_name = self.operation_name.clone();
        request.variables = serde_json::from_str(&self.variables).unwrap_or_default();
        request
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
    changes: Changes,
    running: Mutex<HashMap<FanoutKey, Weak<Fanout>>>,
    started: AtomicU64,
    responses: Arc<AtomicU64>,
    joined: AtomicU64,
    open: Arc<AtomicUsize>,
    shared_open: Arc<AtomicUsize>,
    /// Numbers the subscribers of the own-question registers.
    serial: AtomicU64,
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
    stream: BoxStream<'static, Payload>,
    counts: Vec<Counted>,
) -> BoxStream<'static, Payload> {
    stream
        .map(move |payload| {
            let _counted = &counts;
            payload
        })
        .boxed()
}

/// A subscriber waiting for events about their own questions.
struct OwnSubscriber {
    serial: u64,
    /// The connection's data: the author as viewer, and their loaders.
    session: Arc<Data>,
    sender: mpsc::Sender<Payload>,
}

/// The subscribers of one shared execution, by participant, for their own questions.
type OwnSubscribers = Arc<Mutex<HashMap<i32, Vec<OwnSubscriber>>>>;

/// One shared execution; it stops when its last subscriber leaves.
struct Fanout {
    key: FanoutKey,
    /// `None` once the shared execution has ended.
    sender: broadcast::Sender<Option<Payload>>,
    own: OwnSubscribers,
    /// The shared execution and the listener for own questions.
    tasks: [tokio::task::AbortHandle; 2],
    fanouts: Weak<Fanouts>,
}

impl Drop for Fanout {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
        if let Some(fanouts) = self.fanouts.upgrade() {
            fanouts.forget(&self.key);
        }
    }
}

/// A subscriber's place in the own-question register, given up when their stream is dropped.
struct OwnRegistration {
    fanout: Arc<Fanout>,
    participant_id: i32,
    serial: u64,
}

impl Drop for OwnRegistration {
    fn drop(&mut self) {
        let mut own = lock(&self.fanout.own);
        if let Some(subscribers) = own.get_mut(&self.participant_id) {
            subscribers.retain(|s| s.serial != self.serial);
            if subscribers.is_empty() {
                own.remove(&self.participant_id);
            }
        }
    }
}

impl Fanouts {
    pub fn new(db: DatabaseConnection, read_model: Arc<ReadModel>, changes: Changes) -> Self {
        Self {
            db,
            read_model,
            changes,
            running: Mutex::default(),
            started: AtomicU64::new(0),
            responses: Arc::default(),
            joined: AtomicU64::new(0),
            open: Arc::default(),
            shared_open: Arc::default(),
            serial: AtomicU64::new(0),
        }
    }

    /// Loaders for one long-lived execution.
    fn loaders(&self) -> crate::graphql::loaders::Loaders {
        crate::graphql::loaders::spawned_loaders(self.db.clone(), self.read_model.clone())
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

    /// The responses for a participant's subscription: the shared execution's for `key`
    /// (started if none runs), and those about the participant's own questions.
    fn join(
        self: &Arc<Self>,
        schema: &AppSchema,
        key: FanoutKey,
        participant_id: i32,
        session: Arc<Data>,
    ) -> BoxStream<'static, Payload> {
        let mut running = lock(&self.running);
        let (fanout, receiver) = match running.get(&key).and_then(Weak::upgrade) {
            Some(fanout) => {
                let receiver = fanout.sender.subscribe();
                (fanout, receiver)
            }
            None => {
                let (fanout, receiver) = self.start(schema, key.clone());
                running.insert(key, Arc::downgrade(&fanout));
                (fanout, receiver)
            }
        };
        drop(running);
        self.joined.fetch_add(1, Ordering::Relaxed);

        let (sender, own_events) = mpsc::channel(OWN_BACKLOG);
        let serial = self.serial.fetch_add(1, Ordering::Relaxed);
        lock(&fanout.own)
            .entry(participant_id)
            .or_default()
            .push(OwnSubscriber {
                serial,
                session,
                sender,
            });
        let registration = OwnRegistration {
            fanout,
            participant_id,
            serial,
        };
        let shared = BroadcastStream::new(receiver)
            // A subscriber that falls behind skips what it missed, as with its own stream.
            .filter_map(|message| std::future::ready(message.ok()))
            .chain(stream::once(std::future::ready(None)));
        let own = own_events.map(Some);
        // The subscription ends when the shared execution does.
        stream::select(shared, own)
            .take_while(|payload| std::future::ready(payload.is_some()))
            .filter_map(move |payload| {
                let _registered = &registration;
                std::future::ready(payload)
            })
            .boxed()
    }

    /// Starts the shared execution for `key`, and the receiver of its first subscriber
    /// (taken before it runs, so an error it answers at once is not missed).
    fn start(
        self: &Arc<Self>,
        schema: &AppSchema,
        key: FanoutKey,
    ) -> (Arc<Fanout>, broadcast::Receiver<Option<Payload>>) {
        self.started.fetch_add(1, Ordering::Relaxed);
        let (sender, receiver) = broadcast::channel(SHARED_BACKLOG);
        let own = OwnSubscribers::default();
        let mut data = Data::default();
        data.insert(Viewer::any_participant_of(key.event_id));
        data.insert(self.loaders());
        let mut stream = schema.execute_stream_with_session_data(key.request(), Arc::new(data));
        let out = sender.clone();
        let responses = self.responses.clone();
        let fanouts = Arc::downgrade(self);
        let ended_key = key.clone();
        let shared = tokio::spawn(async move {
            while let Some(response) = stream.next().await {
                responses.fetch_add(1, Ordering::Relaxed);
                let _ = out.send(Some(payload(response)));
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
        let own_listener = tokio::spawn(deliver_own_events(
            schema.clone(),
            Arc::downgrade(self),
            key.clone(),
            self.changes.subscribe(),
            own.clone(),
        ));
        let fanout = Arc::new(Fanout {
            key,
            sender,
            own,
            tasks: [shared.abort_handle(), own_listener.abort_handle()],
            fanouts: Arc::downgrade(self),
        });
        (fanout, receiver)
    }
}

/// Runs the shared document for each change of the event that only its author may see, as
/// that author, for the author's subscriptions; it runs as long as the shared execution.
async fn deliver_own_events(
    schema: AppSchema,
    fanouts: Weak<Fanouts>,
    key: FanoutKey,
    mut changes: broadcast::Receiver<Loaded>,
    own: OwnSubscribers,
) {
    let everyone = Viewer::any_participant_of(key.event_id);
    loop {
        let loaded = match changes.recv().await {
            Ok(loaded) => loaded,
            // A listener that falls behind skips what it missed, as any subscriber does.
            Err(broadcast::error::RecvError::Lagged(_)) => continue,
            Err(broadcast::error::RecvError::Closed) => return,
        };
        let question = &loaded.question;
        if question.event_id != key.event_id || policy::may_read(&everyone, question) {
            continue;
        }
        let authors: Vec<(Arc<Data>, mpsc::Sender<Payload>)> = lock(&own)
            .get(&question.participant_id)
            .into_iter()
            .flatten()
            .map(|s| (s.session.clone(), s.sender.clone()))
            .collect();
        let Some(fanouts) = fanouts.upgrade() else {
            return;
        };
        for (session, sender) in authors {
            let request = key
                .request()
                .data(OneChange(loaded.clone()))
                .data(fanouts.loaders());
            let mut answer = schema.execute_stream_with_session_data(request, session);
            // One change in, at most one response out (none when the document's arguments
            // leave it out).
            if let Some(response) = answer.next().await {
                let mut sender = sender;
                let _ = sender.try_send(payload(response));
            }
        }
    }
}

/// The executor of WebSocket operations: shares what can be shared, runs the rest per
/// subscriber; every response comes out serialised.
#[derive(Clone)]
pub struct SharingExecutor {
    pub schema: AppSchema,
    pub fanouts: Arc<Fanouts>,
    pub persisted: LruCacheStorage,
}

impl SharingExecutor {
    /// The responses to an operation sent over a connection with `session` data.
    pub fn subscribe(&self, request: Request, session: Arc<Data>) -> BoxStream<'static, Payload> {
        let this = self.clone();
        // Boxed, so that the preparing's state is freed once done rather than kept inline
        // for as long as the subscription lives (thousands of idle subscribers hold one).
        let prepared = Box::pin(async move {
            match requests::prepare(request, &this.persisted).await {
                Ok(request) => this.prepared(request, session),
                Err(error) => {
                    stream::once(std::future::ready(payload(Response::from_errors(vec![
                        error,
                    ]))))
                    .boxed()
                }
            }
        });
        stream::once(prepared).flatten().boxed()
    }

    fn prepared(&self, mut request: Request, session: Arc<Data>) -> BoxStream<'static, Payload> {
        // `prepare` has parsed the document.
        let Ok(document) = request.parsed_query().cloned() else {
            return self.own_execution(request, session);
        };
        // Queries and mutations sent over the socket are answered and end: not counted.
        let subscription = is_subscription(&document, request.operation_name.as_deref());
        let participant = match session
            .get(&TypeId::of::<Viewer>())
            .and_then(|viewer| viewer.downcast_ref::<Viewer>())
        {
            Some(Viewer::Participant {
                participant_id,
                event_id,
            }) => Some((*participant_id, *event_id)),
            _ => None,
        };
        let key = participant.and_then(|(participant_id, event_id)| {
            FanoutKey::for_request(&request, &document, event_id).map(|key| (participant_id, key))
        });
        let Some((participant_id, key)) = key else {
            let stream = self.own_execution(request, session);
            return if subscription {
                counted(stream, vec![Counted::new(&self.fanouts.open)])
            } else {
                stream
            };
        };
        counted(
            self.fanouts
                .join(&self.schema, key, participant_id, session),
            vec![
                Counted::new(&self.fanouts.open),
                Counted::new(&self.fanouts.shared_open),
            ],
        )
    }

    fn own_execution(&self, request: Request, session: Arc<Data>) -> BoxStream<'static, Payload> {
        self.schema
            .execute_stream_with_session_data(request.data(self.fanouts.loaders()), session)
            .map(payload)
            .boxed()
    }
}
