//! Prometheus metrics (issue 15): what the service does, served at `/metrics` on
//! `METRICS_BIND`, apart from the public address.
//!
//! Each app keeps a recorder of its own instead of installing a global one: tests run many
//! apps in one process, and each must count only its own traffic (and a second `serve` in a
//! process would find the global slot taken). Metrics with fixed labels are registered once,
//! as handles (`Counter`, `Gauge`, `Histogram`: an atomic update each). Those whose labels are
//! known only when they happen (route and status, operation, moderation action) go through
//! `metrics::with_local_recorder`, which points the `metrics` macros at this app's recorder for
//! one synchronous call; nothing is held across an `.await`. Numbers that are kept elsewhere
//! already (the response cache's counts, open subscriptions, questions waiting) are read when
//! scraped, so they cost nothing between scrapes; the subscriptions are counted by the
//! WebSocket executor (`http::graphql::fanout`), shared ones apart.
//!
//! Label values are bounded: route templates (not paths), status codes, the operation names
//! listed in `METRICS_OPERATIONS` (any other name is `other`), moderation actions, and the
//! events and themes of the programme. Nothing a client sends becomes a label by itself.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashSet};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use entity::enums::ModerationActionKind;
use metrics::{Counter, Gauge, Histogram, Recorder as _, Unit};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};

use crate::config::ServeConfig;
use crate::http::lock;
use crate::service::feedback::VoteChange;
use crate::state::AppState;

const HTTP_REQUESTS: &str = "buurtgraph_http_requests_total";
const OPERATIONS: &str = "buurtgraph_graphql_operations_total";
const OPERATION_SECONDS: &str = "buurtgraph_graphql_operation_duration_seconds";
const SUBMISSIONS: &str = "buurtgraph_submissions_total";
const VOTES: &str = "buurtgraph_votes_total";
const MODERATION_ACTIONS: &str = "buurtgraph_moderation_actions_total";
const QUESTIONS_WAITING: &str = "buurtgraph_questions_waiting";
const WEBSOCKET_CONNECTIONS: &str = "buurtgraph_websocket_connections";
const SUBSCRIPTIONS: &str = "buurtgraph_subscriptions";
const SHARED_SUBSCRIPTIONS: &str = "buurtgraph_subscriptions_shared";
const SHARED_EXECUTIONS: &str = "buurtgraph_subscription_shared_executions";
const BATCH_SIZE: &str = "buurtgraph_writer_batch_size";
const COMMIT_SECONDS: &str = "buurtgraph_writer_commit_duration_seconds";
const CACHE_LOOKUPS: &str = "buurtgraph_response_cache_lookups_total";

/// Seconds, from a cached answer (well under a millisecond) to a slow request.
const SECONDS_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Requests per write batch (at most 256, see `db::writer`).
const BATCH_BUCKETS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];

/// Label of a GraphQL operation whose name is not listed in `METRICS_OPERATIONS`.
const OTHER_OPERATION: &str = "other";
/// Label of a GraphQL request without an operation name.
const ANONYMOUS_OPERATION: &str = "anonymous";
/// Label of a request that matched no route.
const UNMATCHED_ROUTE: &str = "unmatched";

/// How often histograms' recent samples are folded into their buckets between scrapes.
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// This app's metrics; cheap to clone. Off (every call does nothing) unless `METRICS_BIND`
/// is set.
#[derive(Clone, Default)]
pub struct Metrics(Option<Arc<Recording>>);

struct Recording {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    /// The operation names counted by name.
    operations: HashSet<String>,
    submissions: Counter,
    votes_added: Counter,
    votes_withdrawn: Counter,
    websocket_connections: Gauge,
    batch_size: Histogram,
    commit_seconds: Histogram,
    /// The (event, theme) pairs given a waiting count at the last scrape, so that a pair that
    /// is gone is set to zero rather than left at its last value.
    waiting_labels: Mutex<BTreeSet<(String, String)>>,
}

impl Metrics {
    /// Recording when `METRICS_BIND` is set; off otherwise. Histograms' samples are folded
    /// into their buckets every few seconds (by a task that ends with the app), so memory
    /// stays bounded however seldom the metrics are scraped.
    pub fn new(config: &ServeConfig) -> anyhow::Result<Self> {
        if config.metrics.bind.is_none() {
            return Ok(Self::default());
        }
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS_BUCKETS)?
            .set_buckets_for_metric(Matcher::Full(BATCH_SIZE.into()), BATCH_BUCKETS)?
            .build_recorder();
        describe(&recorder);
        let register = |name: &'static str, labels: &[(&'static str, &'static str)]| {
            let labels: Vec<metrics::Label> = labels
                .iter()
                .map(|&(key, value)| metrics::Label::new(key, value))
                .collect();
            metrics::Key::from_parts(name, labels)
        };
        let metadata = metrics::Metadata::new(module_path!(), metrics::Level::INFO, None);
        let counter = |name, labels| recorder.register_counter(&register(name, labels), &metadata);
        let recording = Recording {
            handle: recorder.handle(),
            operations: config.metrics.operations.iter().cloned().collect(),
            submissions: counter(SUBMISSIONS, &[]),
            votes_added: counter(VOTES, &[("change", "add")]),
            votes_withdrawn: counter(VOTES, &[("change", "withdraw")]),
            websocket_connections: recorder
                .register_gauge(&register(WEBSOCKET_CONNECTIONS, &[]), &metadata),
            batch_size: recorder.register_histogram(&register(BATCH_SIZE, &[]), &metadata),
            commit_seconds: recorder.register_histogram(&register(COMMIT_SECONDS, &[]), &metadata),
            waiting_labels: Mutex::default(),
            recorder,
        };
        let recording = Arc::new(recording);
        tokio::spawn(upkeep(Arc::downgrade(&recording)));
        Ok(Self(Some(recording)))
    }

    pub fn is_on(&self) -> bool {
        self.0.is_some()
    }

    /// A learning question was stored.
    pub fn submission(&self) {
        if let Some(recording) = &self.0 {
            recording.submissions.increment(1);
        }
    }

    /// A vote was cast or withdrawn.
    pub fn vote(&self, change: VoteChange) {
        if let Some(recording) = &self.0 {
            match change {
                VoteChange::Add => recording.votes_added.increment(1),
                VoteChange::Withdraw => recording.votes_withdrawn.increment(1),
            }
        }
    }

    /// A moderation action was committed.
    pub fn moderation_action(&self, action: ModerationActionKind) {
        self.record(|| {
            metrics::counter!(MODERATION_ACTIONS, "action" => action_label(action)).increment(1);
        });
    }

    /// One write batch of `size` requests, which took `took` from BEGIN to the end of COMMIT.
    pub fn write_batch(&self, size: usize, took: Duration) {
        if let Some(recording) = &self.0 {
            recording.batch_size.record(size as f64);
            recording.commit_seconds.record(took.as_secs_f64());
        }
    }

    /// Counts an open WebSocket connection until the returned guard is dropped.
    pub fn websocket_connection(&self) -> Option<OpenConnection> {
        let gauge = self.0.as_ref()?.websocket_connections.clone();
        gauge.increment(1.0);
        Some(OpenConnection(gauge))
    }

    /// Runs `record` with this app's recorder behind the `metrics` macros.
    fn record(&self, record: impl FnOnce()) {
        if let Some(recording) = &self.0 {
            metrics::with_local_recorder(&recording.recorder, record);
        }
    }

    /// One answered HTTP request; `operations` are the GraphQL operation names it ran.
    fn request(&self, route: &str, status: u16, took: Duration, operations: Option<&str>) {
        let Some(recording) = &self.0 else {
            return;
        };
        self.record(|| {
            metrics::counter!(
                HTTP_REQUESTS,
                "route" => route.to_owned(),
                "status" => status.to_string(),
            )
            .increment(1);
            let names: Vec<&str> = match operations {
                Some(names) => names.split(',').collect(),
                None if route == "/graphql" => vec![ANONYMOUS_OPERATION],
                None => Vec::new(),
            };
            for name in names {
                let label = if name == ANONYMOUS_OPERATION || recording.operations.contains(name) {
                    name.to_owned()
                } else {
                    OTHER_OPERATION.to_owned()
                };
                metrics::counter!(OPERATIONS, "operation" => label.clone()).increment(1);
                metrics::histogram!(OPERATION_SECONDS, "operation" => label)
                    .record(took.as_secs_f64());
            }
        });
    }

    /// The numbers read at scrape time, then everything in the Prometheus text format.
    fn render(&self, scraped: Scraped) -> String {
        let Some(recording) = &self.0 else {
            return String::new();
        };
        self.record(|| {
            let cache = scraped.cache;
            metrics::counter!(CACHE_LOOKUPS, "result" => "hit").absolute(cache.hits);
            metrics::counter!(CACHE_LOOKUPS, "result" => "miss").absolute(cache.misses);
            let subscriptions = scraped.subscriptions;
            metrics::gauge!(SUBSCRIPTIONS).set(subscriptions.open as f64);
            metrics::gauge!(SHARED_SUBSCRIPTIONS).set(subscriptions.shared as f64);
            metrics::gauge!(SHARED_EXECUTIONS).set(subscriptions.shared_executions as f64);
            if let Some(waiting) = scraped.waiting {
                let mut labels = lock(&recording.waiting_labels);
                let now: BTreeSet<(String, String)> = waiting
                    .iter()
                    .map(|row| (row.event.clone(), row.theme.clone()))
                    .collect();
                for (event, theme) in labels.difference(&now) {
                    metrics::gauge!(QUESTIONS_WAITING, "event" => event.clone(), "theme" => theme.clone())
                        .set(0.0);
                }
                for row in waiting {
                    metrics::gauge!(QUESTIONS_WAITING, "event" => row.event, "theme" => row.theme)
                        .set(row.waiting as f64);
                }
                *labels = now;
            }
        });
        recording.handle.render()
    }
}

/// An open WebSocket connection, counted until dropped.
pub struct OpenConnection(Gauge);

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.decrement(1.0);
    }
}

/// What is counted elsewhere and read when the metrics are scraped.
struct Scraped {
    cache: crate::http::response_cache::CacheStats,
    subscriptions: crate::http::graphql::SubscriptionCounts,
    /// `None` when the database could not be read (the other metrics are served anyway).
    waiting: Option<Vec<crate::service::metrics::Waiting>>,
}

fn describe(recorder: &PrometheusRecorder) {
    metrics::with_local_recorder(recorder, || {
        metrics::describe_counter!(
            HTTP_REQUESTS,
            "HTTP requests answered, by route template and status"
        );
        metrics::describe_counter!(
            OPERATIONS,
            "GraphQL operations over HTTP, by name (names not in METRICS_OPERATIONS: other)"
        );
        metrics::describe_histogram!(
            OPERATION_SECONDS,
            Unit::Seconds,
            "Time to answer a GraphQL request, by operation name"
        );
        metrics::describe_counter!(SUBMISSIONS, "Learning questions stored");
        metrics::describe_counter!(VOTES, "Votes cast (add) and withdrawn (withdraw)");
        metrics::describe_counter!(
            MODERATION_ACTIONS,
            "Moderation actions committed, by action"
        );
        metrics::describe_gauge!(
            QUESTIONS_WAITING,
            "Learning questions waiting for moderation, by event and theme"
        );
        metrics::describe_gauge!(WEBSOCKET_CONNECTIONS, "Open WebSocket connections");
        metrics::describe_gauge!(SUBSCRIPTIONS, "Open GraphQL subscriptions");
        metrics::describe_gauge!(
            SHARED_SUBSCRIPTIONS,
            "Open GraphQL subscriptions served by a shared execution"
        );
        metrics::describe_gauge!(
            SHARED_EXECUTIONS,
            "Shared executions of subscriptions running, each serving one or more"
        );
        metrics::describe_histogram!(BATCH_SIZE, "Requests committed per write batch");
        metrics::describe_histogram!(
            COMMIT_SECONDS,
            Unit::Seconds,
            "Time of one write batch, from BEGIN to the end of COMMIT"
        );
        metrics::describe_counter!(
            CACHE_LOOKUPS,
            "Response cache lookups of anonymous GraphQL requests, by result"
        );
    });
}

/// The action as the API spells it (machine outputs keep the GraphQL enum names).
fn action_label(action: ModerationActionKind) -> &'static str {
    match action {
        ModerationActionKind::Approve => "APPROVE",
        ModerationActionKind::Reject => "REJECT",
        ModerationActionKind::MarkDuplicate => "MARK_DUPLICATE",
        ModerationActionKind::Hide => "HIDE",
        ModerationActionKind::Restore => "RESTORE",
        ModerationActionKind::Move => "MOVE",
    }
}

async fn upkeep(recording: Weak<Recording>) {
    let mut every = tokio::time::interval(UPKEEP_INTERVAL);
    loop {
        every.tick().await;
        match recording.upgrade() {
            Some(recording) => recording.handle.run_upkeep(),
            None => break,
        }
    }
}

tokio::task_local! {
    /// The GraphQL operation names of the request being answered, for `track_requests`.
    static REQUEST_OPERATIONS: RefCell<Option<String>>;
}

/// Notes the GraphQL operation names (comma-separated) of the request being answered.
/// Outside `track_requests` (metrics off), it does nothing.
pub fn note_operations(names: &str) {
    let _ = REQUEST_OPERATIONS.try_with(|slot| *slot.borrow_mut() = Some(names.to_owned()));
}

/// Middleware around every route: counts the request by its route template and status, and
/// the GraphQL operations it ran with their time.
pub async fn track_requests(
    State(metrics): State<Metrics>,
    request: Request,
    next: Next,
) -> Response {
    if !metrics.is_on() {
        return next.run(request).await;
    }
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED_ROUTE, MatchedPath::as_str)
        .to_owned();
    let started = Instant::now();
    let (response, operations) = REQUEST_OPERATIONS
        .scope(RefCell::new(None), async {
            let response = next.run(request).await;
            let operations = REQUEST_OPERATIONS.with(|slot| slot.borrow_mut().take());
            (response, operations)
        })
        .await;
    metrics.request(
        &route,
        response.status().as_u16(),
        started.elapsed(),
        operations.as_deref(),
    );
    response
}

/// The router of `METRICS_BIND`: `/metrics` only.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .with_state(state)
}

async fn scrape(State(state): State<AppState>) -> Response {
    let waiting = match crate::service::metrics::questions_waiting(&state.db).await {
        Ok(waiting) => Some(waiting),
        Err(err) => {
            tracing::warn!(error = %err, "cannot count the questions waiting for the metrics");
            None
        }
    };
    let body = state.metrics.render(Scraped {
        cache: state.response_cache.stats(),
        subscriptions: state.subscription_fanouts.subscriptions(),
        waiting,
    });
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}
