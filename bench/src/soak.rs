//! `buurtgraph-bench --soak-secs N`: one server under a steady mixed load for N seconds —
//! anonymous whole-programme readers, participants submitting, voting and unvoting, a
//! moderator approving, WebSocket subscribers staying connected — with the server's RSS
//! sampled every `--soak-sample-secs`; passes with zero errors and flat memory after warm-up.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use serde::Serialize;
use serde_json::{Value, json};

use super::client::{self, Call, HttpClient, graphql_data, graphql_ok, send};
use super::rss::{mb, status_kb};
use super::scenarios::{Crowd, JOIN, VOTE, WHOLE_PROGRAMME, approve, login, submit_one};
use super::server::{
    self, Backend, EVENT, MODERATED_THEME, MODERATOR, ServerOptions, ServerProcess, prepare,
    server_env,
};
use super::{BenchArgs, Machine};

const UNVOTE: &str = "mutation($id: ID!) { unvoteLearningQuestion(id: $id) { id voteCount } }";

/// Samples before this are warm-up and do not count for the memory verdict.
pub const WARM_UP_SECS: f64 = 30.0;
/// Allowed RSS growth after warm-up: this many MB, or this fraction of the first sample.
pub const GROWTH_MB: f64 = 10.0;
pub const GROWTH_FRACTION: f64 = 0.10;

const PARTICIPANTS: usize = 100;
const SUBSCRIBERS: usize = 200;
/// Anonymous readers: cached POST, cached GET, and full executions (fresh variables).
const POST_READERS: usize = 4;
const GET_READERS: usize = 4;
const FULL_READERS: usize = 2;
/// Pause between two requests of one reader.
const READ_EVERY: Duration = Duration::from_millis(50);
const FULL_READ_EVERY: Duration = Duration::from_millis(1000);
/// Approved questions the participants vote on: the most recent ones.
const VOTE_POOL: usize = 200;
/// A participant holds at most this many votes; beyond it they withdraw one.
const MAX_VOTES_HELD: usize = 5;

/// The kinds of request counted apart.
pub const KINDS: [&str; 8] = [
    "read POST",
    "read GET",
    "read full",
    "submit",
    "vote",
    "unvote",
    "approve",
    "subscribe",
];
const READ_POST: usize = 0;
const READ_GET: usize = 1;
const READ_FULL: usize = 2;
const SUBMIT: usize = 3;
const VOTE_KIND: usize = 4;
const UNVOTE_KIND: usize = 5;
const APPROVE: usize = 6;
const SUBSCRIBE: usize = 7;

/// Requests and errors per kind, and the first few errors in words.
struct Counters {
    requests: [AtomicU64; KINDS.len()],
    errors: [AtomicU64; KINDS.len()],
    examples: Mutex<Vec<String>>,
}

impl Counters {
    fn new() -> Self {
        Self {
            requests: std::array::from_fn(|_| AtomicU64::new(0)),
            errors: std::array::from_fn(|_| AtomicU64::new(0)),
            examples: Mutex::new(Vec::new()),
        }
    }

    fn record(&self, kind: usize, error: Option<String>) {
        self.requests[kind].fetch_add(1, Ordering::Relaxed);
        if let Some(error) = error {
            self.errors[kind].fetch_add(1, Ordering::Relaxed);
            if let Ok(mut examples) = self.examples.lock()
                && examples.len() < 10
            {
                let short: String = error.chars().take(300).collect();
                examples.push(format!("{}: {short}", KINDS[kind]));
            }
        }
    }

    fn snapshot(&self) -> (Vec<u64>, Vec<u64>) {
        (
            self.requests
                .iter()
                .map(|c| c.load(Ordering::Relaxed))
                .collect(),
            self.errors
                .iter()
                .map(|c| c.load(Ordering::Relaxed))
                .collect(),
        )
    }
}

/// One sample of the run.
#[derive(Debug, Clone, Serialize)]
pub struct Sample {
    pub elapsed_secs: f64,
    pub rss_mb: f64,
    /// The server's CPU use since the previous sample, in % of one core.
    pub cpu_percent: f64,
    pub requests: Vec<u64>,
    pub errors: Vec<u64>,
    pub subscribers_connected: u64,
    pub deliveries: u64,
}

/// The memory verdict over the samples after warm-up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RssSummary {
    pub samples_after_warm_up: usize,
    pub first_mb: f64,
    pub min_mb: f64,
    pub max_mb: f64,
    pub last_mb: f64,
    /// Least-squares slope over the samples after warm-up.
    pub slope_mb_per_min: f64,
    /// Slope between the first and last samples of the second half of the run.
    pub second_half_slope_mb_per_min: f64,
    /// The fitted growth over the window after warm-up (slope × its length).
    pub fitted_growth_mb: f64,
    /// last − first.
    pub growth_mb: f64,
    /// The allowed growth: `GROWTH_MB` or `GROWTH_FRACTION` of the first sample, the larger.
    pub bound_mb: f64,
    /// The second half's slope, over the whole window after warm-up, stays within the bound.
    pub flat: bool,
}

/// Summarises `(elapsed seconds, RSS MB)` samples; `None` with fewer than two after warm-up.
pub fn rss_summary(samples: &[(f64, f64)], warm_up_secs: f64) -> Option<RssSummary> {
    let after: Vec<(f64, f64)> = samples
        .iter()
        .copied()
        .filter(|(t, _)| *t >= warm_up_secs)
        .collect();
    let (&(t0, first), &(t1, last)) = (after.first()?, after.last()?);
    if after.len() < 2 || t1 <= t0 {
        return None;
    }
    let n = after.len() as f64;
    let mean_t = after.iter().map(|(t, _)| t).sum::<f64>() / n;
    let mean_r = after.iter().map(|(_, r)| r).sum::<f64>() / n;
    let sxx: f64 = after.iter().map(|(t, _)| (t - mean_t).powi(2)).sum();
    let sxy: f64 = after.iter().map(|(t, r)| (t - mean_t) * (r - mean_r)).sum();
    let slope_per_sec = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    let half = samples.last().map_or(0.0, |(t, _)| t / 2.0);
    let second: Vec<&(f64, f64)> = samples.iter().filter(|(t, _)| *t >= half).collect();
    let second_half_slope = match (second.first(), second.last()) {
        (Some((a, ra)), Some((b, rb))) if b > a => (rb - ra) / (b - a) * 60.0,
        _ => 0.0,
    };
    let fitted_growth = slope_per_sec * (t1 - t0);
    let growth = last - first;
    let bound = GROWTH_MB.max(GROWTH_FRACTION * first);
    Some(RssSummary {
        samples_after_warm_up: after.len(),
        first_mb: first,
        min_mb: after.iter().map(|(_, r)| *r).fold(f64::INFINITY, f64::min),
        max_mb: after.iter().map(|(_, r)| *r).fold(0.0, f64::max),
        last_mb: last,
        slope_mb_per_min: slope_per_sec * 60.0,
        second_half_slope_mb_per_min: second_half_slope,
        fitted_growth_mb: fitted_growth,
        growth_mb: growth,
        bound_mb: bound,
        // Judged on the second half: memory that fills a bounded cache during the first
        // minutes and then levels off is not a leak; growth still going on is. Projected
        // over the whole window, so a steady leak fails as it would on the fit.
        flat: second_half_slope / 60.0 * (t1 - t0) <= bound,
    })
}

/// The run passes with no errors at all and flat memory after warm-up.
pub fn passes(rss: Option<&RssSummary>, total_errors: u64) -> bool {
    total_errors == 0 && rss.is_some_and(|r| r.flat)
}

/// Seconds of CPU (user + system) the process has used, from `/proc/<pid>/stat` (100 Hz ticks).
pub fn parse_cpu_secs(stat: &str) -> Option<f64> {
    let (_, rest) = stat.rsplit_once(')')?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) as f64 / 100.0)
}

fn cpu_secs(pid: u32) -> Option<f64> {
    parse_cpu_secs(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// What the JSON file holds after a soak run.
#[derive(Debug, Serialize)]
pub struct SoakReport {
    pub machine: Machine,
    pub started_at: String,
    pub db: String,
    pub soak_secs: u64,
    pub sample_secs: u64,
    pub participants: usize,
    pub subscribers: usize,
    pub readers: String,
    pub participant_interval_ms: String,
    pub kinds: Vec<String>,
    pub samples: Vec<Sample>,
    pub requests: HashMap<String, u64>,
    pub errors: HashMap<String, u64>,
    pub error_examples: Vec<String>,
    /// Lines the server logged at ERROR (they count as errors) and at WARN.
    pub server_log_errors: u64,
    pub server_log_warnings: u64,
    pub deliveries_received: u64,
    pub approval_deliveries: u64,
    pub approval_delivery_p50_ms: f64,
    pub approval_delivery_p99_ms: f64,
    pub rss: Option<RssSummary>,
    pub pass: bool,
}

/// What every load task shares.
struct Shared {
    client: HttpClient,
    base: String,
    theme_id: String,
    counters: Counters,
    deadline: Instant,
    /// Approved questions to vote on, newest last.
    approved: Mutex<VecDeque<String>>,
    /// Approval send times, for the subscribers' delivery latency.
    sent: Arc<Mutex<HashMap<String, Instant>>>,
    submissions: AtomicU64,
}

impl Shared {
    fn running(&self) -> bool {
        Instant::now() < self.deadline
    }
}

/// Runs the soak and writes its report.
pub async fn run(args: &BenchArgs, soak_secs: u64) -> anyhow::Result<()> {
    let service_bin = server::service_binary(args.service_bin.as_deref())?;
    let machine = Machine::detect();
    let started_at = chrono::Utc::now().to_rfc3339();
    let sample_secs = args.soak_sample_secs.max(1);
    let json_path = if args.json == Path::new("bench-results.json") {
        PathBuf::from("soak-results.json")
    } else {
        args.json.clone()
    };
    let workdir = std::env::temp_dir().join(format!("buurtgraph-soak-{}", std::process::id()));
    std::fs::create_dir_all(&workdir).with_context(|| format!("creating {}", workdir.display()))?;
    let backend = match &args.postgres_url {
        Some(url) => Backend::Postgres { url: url.clone() },
        None => Backend::Sqlite {
            dir: workdir.clone(),
        },
    };
    println!(
        "buurtgraph-bench --soak-secs {soak_secs} — {} cores, {}; {}; sample every {sample_secs} s",
        machine.nproc,
        machine.cpu_model,
        backend.label()
    );
    let service = Service {
        bin: &service_bin,
        backend: &backend,
        workdir: &workdir,
    };
    let outcome = soak(
        machine,
        started_at,
        &service,
        soak_secs,
        sample_secs,
        Duration::from_millis(args.soak_interval_ms.max(2)),
    )
    .await;
    backend.drop_database("soak").await;
    let report = match outcome {
        Ok(report) => report,
        Err(err) => {
            eprintln!("error: {err:#}\n(server log kept in {})", workdir.display());
            return Err(err);
        }
    };
    print_summary(&report);
    std::fs::write(&json_path, serde_json::to_vec_pretty(&report)?)
        .with_context(|| format!("writing {}", json_path.display()))?;
    println!("results written to {}", json_path.display());
    let _ = std::fs::remove_dir_all(&workdir);
    if report.pass {
        Ok(())
    } else {
        anyhow::bail!("the soak run did not pass")
    }
}

/// The server under test: which binary, on which database, logging where.
struct Service<'a> {
    bin: &'a Path,
    backend: &'a Backend,
    workdir: &'a Path,
}

async fn soak(
    machine: Machine,
    started_at: String,
    service: &Service<'_>,
    soak_secs: u64,
    sample_secs: u64,
    interval: Duration,
) -> anyhow::Result<SoakReport> {
    let client = client::http_client(512);
    let url = service.backend.fresh_database("soak").await?;
    let (code, db) = prepare(&url).await?;
    db.close().await?;
    let env = server_env(&ServerOptions {
        database_url: url,
        response_cache: true,
    });
    let server = ServerProcess::start(
        "soak",
        service.bin,
        &["serve"],
        &env,
        service.workdir,
        &client,
    )
    .await?;
    let base = server.base();
    let pid = server.pid();

    let themes = graphql_data(
        &client,
        &Call::graphql(&base, "{ event { themes { id slug } } }", json!({})),
    )
    .await?;
    let theme_id = themes["event"]["themes"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["slug"] == MODERATED_THEME))
        .and_then(|t| t["id"].as_str())
        .context("the moderated theme is not in the programme")?
        .to_owned();
    let join = Call::graphql(
        &base,
        JOIN,
        json!({ "i": { "eventSlug": EVENT, "accessCode": code } }),
    );
    let mut tokens = Vec::with_capacity(PARTICIPANTS);
    for _ in 0..PARTICIPANTS {
        let data = graphql_data(&client, &join).await?;
        tokens.push(
            data["joinEvent"]["token"]
                .as_str()
                .context("no participant token")?
                .to_owned(),
        );
    }
    let moderator = login(&client, &base, MODERATOR).await?;

    // Subscribers first; the clock starts once they are connected.
    let ws_url = format!("ws://{}/graphql/ws", server.address);
    let crowd = Crowd::connect(&ws_url, &tokens, SUBSCRIBERS, Duration::from_secs(120)).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    eprintln!(
        "soak: {} participants joined, {}/{SUBSCRIBERS} subscribers connected; running {soak_secs} s",
        tokens.len(),
        crowd.connected()
    );

    let started = Instant::now();
    let shared = Arc::new(Shared {
        client: client.clone(),
        base: base.clone(),
        theme_id,
        counters: Counters::new(),
        deadline: started + Duration::from_secs(soak_secs),
        approved: Mutex::new(VecDeque::new()),
        sent: crowd.sent.clone(),
        submissions: AtomicU64::new(0),
    });
    // A subscription is one long request; one that fails or drops out is an error.
    shared.counters.requests[SUBSCRIBE].store(SUBSCRIBERS as u64, Ordering::Relaxed);
    let mut workers = Vec::new();
    let programme = json!({ "slug": EVENT });
    let post = Call::graphql(&base, WHOLE_PROGRAMME, programme.clone());
    let get = Call::graphql_get(&base, WHOLE_PROGRAMME, &programme)?;
    for _ in 0..POST_READERS {
        workers.push(tokio::spawn(cached_reader(
            shared.clone(),
            post.clone(),
            READ_POST,
        )));
    }
    for _ in 0..GET_READERS {
        workers.push(tokio::spawn(cached_reader(
            shared.clone(),
            get.clone(),
            READ_GET,
        )));
    }
    for i in 0..FULL_READERS {
        workers.push(tokio::spawn(full_reader(shared.clone(), i as u64)));
    }
    let (pending_tx, pending_rx) = tokio::sync::mpsc::unbounded_channel();
    for (i, token) in tokens.iter().enumerate() {
        workers.push(tokio::spawn(participant(
            shared.clone(),
            token.clone(),
            i as u64,
            interval,
            pending_tx.clone(),
        )));
    }
    drop(pending_tx);
    workers.push(tokio::spawn(moderate(
        shared.clone(),
        moderator,
        pending_rx,
    )));

    println!(
        "{:>7} {:>8} {:>6} {:>6}  {}",
        "elapsed",
        "RSS MB",
        "CPU %",
        "subs",
        KINDS
            .iter()
            .map(|k| format!("{k} (err)"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut samples = Vec::new();
    let mut last_cpu = (0.0, cpu_secs(pid).unwrap_or(0.0));
    let mut k = 1;
    loop {
        let at = Duration::from_secs(k * sample_secs).min(Duration::from_secs(soak_secs));
        tokio::time::sleep_until((started + at).into()).await;
        let elapsed = started.elapsed().as_secs_f64();
        let cpu = cpu_secs(pid).unwrap_or(last_cpu.1);
        let cpu_percent = (cpu - last_cpu.1) / (elapsed - last_cpu.0).max(f64::EPSILON) * 100.0;
        last_cpu = (elapsed, cpu);
        let alive = crowd.tasks.iter().filter(|t| !t.is_finished()).count() as u64;
        shared.counters.errors[SUBSCRIBE].store(SUBSCRIBERS as u64 - alive, Ordering::Relaxed);
        let (requests, errors) = shared.counters.snapshot();
        let sample = Sample {
            elapsed_secs: elapsed,
            rss_mb: status_kb(pid, "VmRSS").map_or(0.0, mb),
            cpu_percent,
            requests,
            errors,
            subscribers_connected: alive,
            deliveries: crowd.received.load(Ordering::Relaxed),
        };
        println!(
            "{:>6.0}s {:>8.1} {:>6.0} {:>6}  {}",
            sample.elapsed_secs,
            sample.rss_mb,
            sample.cpu_percent,
            sample.subscribers_connected,
            sample
                .requests
                .iter()
                .zip(&sample.errors)
                .map(|(r, e)| format!("{r} ({e})"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        samples.push(sample);
        if at.as_secs() >= soak_secs {
            break;
        }
        k += 1;
    }

    let lost = shared.counters.errors[SUBSCRIBE].load(Ordering::Relaxed);
    if lost > 0
        && let Ok(mut examples) = shared.counters.examples.lock()
    {
        examples.push(format!(
            "subscribe: {lost} subscribers failed to connect or were disconnected"
        ));
    }
    for worker in workers {
        let _ = worker.await;
    }
    let (received, delivered) = (crowd.received.clone(), crowd.delivered.clone());
    let latencies = crowd.stop().await;
    let log = std::fs::read_to_string(&server.log).unwrap_or_default();
    drop(server);
    let log_errors: Vec<&str> = log.lines().filter(|l| l.contains("\"ERROR\"")).collect();
    let log_warnings = log.lines().filter(|l| l.contains("\"WARN\"")).count() as u64;

    let (requests, errors) = shared.counters.snapshot();
    let total_errors: u64 = errors.iter().sum::<u64>() + log_errors.len() as u64;
    let series: Vec<(f64, f64)> = samples.iter().map(|s| (s.elapsed_secs, s.rss_mb)).collect();
    let rss = rss_summary(&series, WARM_UP_SECS);
    let pass = passes(rss.as_ref(), total_errors);
    let mut error_examples = shared
        .counters
        .examples
        .lock()
        .map(|e| e.clone())
        .unwrap_or_default();
    error_examples.extend(
        log_errors
            .iter()
            .take(5)
            .map(|l| format!("server log: {l}")),
    );
    Ok(SoakReport {
        machine,
        started_at,
        db: service.backend.label().to_owned(),
        soak_secs,
        sample_secs,
        participants: PARTICIPANTS,
        subscribers: SUBSCRIBERS,
        readers: format!(
            "{POST_READERS} POST + {GET_READERS} GET every {} ms (cached), {FULL_READERS} with fresh variables every {} ms (full execution)",
            READ_EVERY.as_millis(),
            FULL_READ_EVERY.as_millis()
        ),
        participant_interval_ms: format!(
            "{}–{} between two actions of one participant",
            interval.as_millis() / 2,
            interval.as_millis() * 3 / 2
        ),
        kinds: KINDS.iter().map(|k| (*k).to_owned()).collect(),
        samples,
        requests: KINDS
            .iter()
            .zip(&requests)
            .map(|(k, r)| ((*k).to_owned(), *r))
            .collect(),
        errors: KINDS
            .iter()
            .zip(&errors)
            .map(|(k, e)| ((*k).to_owned(), *e))
            .collect(),
        error_examples,
        server_log_errors: log_errors.len() as u64,
        server_log_warnings: log_warnings,
        deliveries_received: received.load(Ordering::Relaxed),
        approval_deliveries: delivered.load(Ordering::Relaxed),
        approval_delivery_p50_ms: latencies.percentile_ms(50.0),
        approval_delivery_p99_ms: latencies.percentile_ms(99.0),
        rss,
        pass,
    })
}

fn print_summary(report: &SoakReport) {
    println!("\nsoak summary ({}, {} s):", report.db, report.soak_secs);
    for kind in KINDS {
        println!(
            "  {kind:<10} {:>8} requests, {} errors",
            report.requests.get(kind).copied().unwrap_or(0),
            report.errors.get(kind).copied().unwrap_or(0)
        );
    }
    println!(
        "  deliveries: {} messages to {} subscribers; {} approval deliveries, p50 {:.1} ms, p99 {:.1} ms",
        report.deliveries_received,
        report.subscribers,
        report.approval_deliveries,
        report.approval_delivery_p50_ms,
        report.approval_delivery_p99_ms
    );
    match &report.rss {
        Some(r) => println!(
            "  RSS after warm-up ({} samples from {WARM_UP_SECS:.0} s): first {:.1}, min {:.1}, max {:.1}, last {:.1} MB; \
             slope {:+.3} MB/min (fit), {:+.3} MB/min (second half); growth {:+.1} MB (fit {:+.1}), bound {:.1} MB",
            r.samples_after_warm_up,
            r.first_mb,
            r.min_mb,
            r.max_mb,
            r.last_mb,
            r.slope_mb_per_min,
            r.second_half_slope_mb_per_min,
            r.growth_mb,
            r.fitted_growth_mb,
            r.bound_mb
        ),
        None => println!("  RSS: too few samples after the {WARM_UP_SECS:.0} s warm-up"),
    }
    println!(
        "  server log: {} ERROR lines, {} WARN lines",
        report.server_log_errors, report.server_log_warnings
    );
    for example in &report.error_examples {
        println!("  error: {example}");
    }
    println!("  {}", if report.pass { "PASS" } else { "FAIL" });
}

/// Sends `call` every `READ_EVERY` until the deadline.
async fn cached_reader(shared: Arc<Shared>, call: Call, kind: usize) {
    while shared.running() {
        let next = Instant::now() + READ_EVERY;
        read(&shared, &call, kind).await;
        tokio::time::sleep_until(next.into()).await;
    }
}

/// The whole programme with variables the cache has not seen, alternating the event slug and
/// `null` (the current event), so the service executes it in full.
async fn full_reader(shared: Arc<Shared>, reader: u64) {
    let mut n = 0u64;
    while shared.running() {
        let next = Instant::now() + FULL_READ_EVERY;
        let slug = if n.is_multiple_of(2) {
            json!(EVENT)
        } else {
            Value::Null
        };
        let call = Call::graphql(
            &shared.base,
            WHOLE_PROGRAMME,
            json!({ "slug": slug, "soak": format!("{reader}-{n}") }),
        );
        read(&shared, &call, READ_FULL).await;
        n += 1;
        tokio::time::sleep_until(next.into()).await;
    }
}

async fn read(shared: &Shared, call: &Call, kind: usize) {
    let error = match send(&shared.client, call).await {
        Ok(reply) if graphql_ok(reply.status, &reply.body) => None,
        Ok(reply) => Some(format!(
            "{} {}",
            reply.status,
            String::from_utf8_lossy(&reply.body)
        )),
        Err(err) => Some(format!("{err:#}")),
    };
    shared.counters.record(kind, error);
}

/// One participant: every `interval` (± 50 %) either submits a question (one time in three, or when there
/// is nothing to vote on) or votes on a recent approved question, withdrawing a vote instead
/// when holding `MAX_VOTES_HELD` (or by chance).
async fn participant(
    shared: Arc<Shared>,
    token: String,
    seed: u64,
    interval: Duration,
    pending: tokio::sync::mpsc::UnboundedSender<String>,
) {
    let mean = u64::try_from(interval.as_millis())
        .unwrap_or(u64::MAX)
        .max(2);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut held: Vec<String> = Vec::new();
    // Spread the participants' starts over the first interval.
    tokio::time::sleep(Duration::from_millis(rng.random_range(0..mean))).await;
    while shared.running() {
        let next = Instant::now() + Duration::from_millis(rng.random_range(mean / 2..mean * 3 / 2));
        let candidate = shared.approved.lock().ok().and_then(|pool| {
            let fresh: Vec<&String> = pool.iter().filter(|id| !held.contains(id)).collect();
            (!fresh.is_empty()).then(|| fresh[rng.random_range(0..fresh.len())].clone())
        });
        let action = rng.random_range(0..3u8);
        if !held.is_empty()
            && (held.len() >= MAX_VOTES_HELD || (action == 1 && rng.random_bool(0.5)))
        {
            let id = held.swap_remove(rng.random_range(0..held.len()));
            let call = Call::graphql(&shared.base, UNVOTE, json!({ "id": id }));
            shared
                .counters
                .record(UNVOTE_KIND, mutate(&shared.client, call, &token).await);
        } else if let (Some(id), 1..) = (candidate, action) {
            let call = Call::graphql(&shared.base, VOTE, json!({ "id": id }));
            let error = mutate(&shared.client, call, &token).await;
            if error.is_none() {
                held.push(id);
            }
            shared.counters.record(VOTE_KIND, error);
        } else {
            let n = shared.submissions.fetch_add(1, Ordering::Relaxed);
            match submit_one(&shared.client, &shared.base, &token, &shared.theme_id, n).await {
                Ok(id) => {
                    let _ = pending.send(id);
                    shared.counters.record(SUBMIT, None);
                }
                Err(err) => shared.counters.record(SUBMIT, Some(format!("{err:#}"))),
            }
        }
        tokio::time::sleep_until(next.into()).await;
    }
}

async fn mutate(client: &HttpClient, call: Call, token: &str) -> Option<String> {
    match call.bearer(token) {
        Ok(call) => graphql_data(client, &call)
            .await
            .err()
            .map(|err| format!("{err:#}")),
        Err(err) => Some(format!("{err:#}")),
    }
}

/// The moderator approves pending questions as they come, one at a time.
async fn moderate(
    shared: Arc<Shared>,
    moderator: String,
    mut pending: tokio::sync::mpsc::UnboundedReceiver<String>,
) {
    // `timeout` polls the queue before the clock: check the deadline too, or a backlog of
    // pending questions would keep the moderator going past the end.
    while shared.running() {
        let remaining = shared.deadline.saturating_duration_since(Instant::now());
        let Ok(Some(id)) = tokio::time::timeout(remaining, pending.recv()).await else {
            break;
        };
        if let Ok(mut sent) = shared.sent.lock() {
            sent.insert(id.clone(), Instant::now());
        }
        match approve(&shared.client, &shared.base, &moderator, &id).await {
            Ok(()) => {
                shared.counters.record(APPROVE, None);
                if let Ok(mut pool) = shared.approved.lock() {
                    pool.push_back(id);
                    while pool.len() > VOTE_POOL {
                        pool.pop_front();
                    }
                }
            }
            Err(err) => shared.counters.record(APPROVE, Some(format!("{err:#}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_memory_passes() -> anyhow::Result<()> {
        // 10 s samples: warm-up growth, then flat with noise.
        let samples: Vec<(f64, f64)> = (1..=60u32)
            .map(|k| {
                let t = k as f64 * 10.0;
                let rss = if t < 30.0 {
                    40.0 + t
                } else {
                    80.0 + if k.is_multiple_of(2) { 0.5 } else { -0.5 }
                };
                (t, rss)
            })
            .collect();
        let summary = rss_summary(&samples, WARM_UP_SECS).context("a summary")?;
        assert_eq!(summary.samples_after_warm_up, 58);
        assert_eq!((summary.min_mb, summary.max_mb), (79.5, 80.5));
        assert!(summary.slope_mb_per_min.abs() < 0.01, "{summary:?}");
        assert!(summary.flat);
        assert!(passes(Some(&summary), 0));
        assert!(!passes(Some(&summary), 1));
        Ok(())
    }

    #[test]
    fn steady_growth_fails() -> anyhow::Result<()> {
        // 2 MB per minute for 10 minutes: 18+ MB after warm-up, over the 10 MB bound.
        let samples: Vec<(f64, f64)> = (1..=60u32)
            .map(|k| {
                let t = k as f64 * 10.0;
                (t, 60.0 + t / 30.0)
            })
            .collect();
        let summary = rss_summary(&samples, WARM_UP_SECS).context("a summary")?;
        assert!((summary.slope_mb_per_min - 2.0).abs() < 1e-9, "{summary:?}");
        assert!((summary.second_half_slope_mb_per_min - 2.0).abs() < 1e-9);
        assert!((summary.fitted_growth_mb - 19.0).abs() < 1e-9);
        assert_eq!(summary.bound_mb, 10.0);
        assert!(!summary.flat);
        assert!(!passes(Some(&summary), 0));
        Ok(())
    }

    #[test]
    fn growth_that_levels_off_passes() -> anyhow::Result<()> {
        // A cache filling to its bound: +15 MB over the first three minutes, then flat.
        let samples: Vec<(f64, f64)> = (1..=60u32)
            .map(|k| {
                let t = k as f64 * 10.0;
                (t, 50.0 + (t.min(180.0) - 30.0).max(0.0) / 10.0)
            })
            .collect();
        let summary = rss_summary(&samples, WARM_UP_SECS).context("a summary")?;
        assert!((summary.growth_mb - 15.0).abs() < 1e-9, "{summary:?}");
        assert_eq!(summary.second_half_slope_mb_per_min, 0.0);
        assert!(summary.flat, "{summary:?}");
        Ok(())
    }

    #[test]
    fn the_bound_is_relative_for_large_processes() -> anyhow::Result<()> {
        let samples = [(30.0, 200.0), (60.0, 212.0), (90.0, 215.0)];
        let summary = rss_summary(&samples, WARM_UP_SECS).context("a summary")?;
        assert_eq!(summary.bound_mb, 20.0);
        assert!(summary.flat);
        Ok(())
    }

    #[test]
    fn too_few_samples_do_not_pass() {
        assert_eq!(
            rss_summary(&[(10.0, 50.0), (40.0, 51.0)], WARM_UP_SECS),
            None
        );
        assert!(!passes(None, 0));
    }

    #[test]
    fn cpu_time_from_proc_stat() {
        let stat =
            "1234 (buurt graph) S 1 1234 1234 0 -1 4194560 500 0 0 0 250 50 0 0 20 0 9 0 100 0 0";
        assert_eq!(parse_cpu_secs(stat), Some(3.0));
        assert_eq!(parse_cpu_secs("garbage"), None);
    }
}
