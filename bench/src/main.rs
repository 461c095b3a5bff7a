//! `buurtgraph-bench`: starts the service (the `buurtgraph` binary) on fresh databases on
//! loopback, drives it with a closed-loop load generator, and reports throughput, latency,
//! errors and memory per scenario beside the targets of issue 5, with a ceiling server for
//! comparison.

mod ceiling;
mod client;
mod generate;
mod rss;
mod scenarios;
mod server;
mod soak;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::Parser as _;
use serde::Serialize;

use buurtgraph::config::LogFormat;
use client::{HttpClient, RunStats};
use rss::mb;
use server::Backend;

#[derive(Debug, clap::Parser)]
#[command(
    name = "buurtgraph-bench",
    version,
    about = "Benchmark the buurtgraph service on loopback against a ceiling server and print the results"
)]
struct Cli {
    #[command(flatten)]
    args: BenchArgs,
    #[command(subcommand)]
    command: Option<BenchCommand>,
}

#[derive(Debug, clap::Subcommand)]
enum BenchCommand {
    /// The ceiling server (started by the benchmark itself as a child process).
    #[command(hide = true)]
    Ceiling(ceiling::CeilingArgs),
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // Warnings only (sqlx's slow statements and the like), as for the service's one-shot commands.
    buurtgraph::telemetry::init(LogFormat::Text, "warn");
    let result = match cli.command {
        Some(BenchCommand::Ceiling(args)) => ceiling::serve(args).await,
        None => run(cli.args).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Every scenario, in the order they run.
pub const SCENARIOS: [&str; 11] = [
    "R1", "R2", "R3", "P1", "P2", "W1", "W2", "A1", "S1", "S2", "IDLE",
];

/// Flags of `buurtgraph-bench`.
#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// The service under test; by default the `buurtgraph` binary next to this one (build
    /// both with `cargo build --release --locked --workspace`).
    #[arg(long)]
    pub service_bin: Option<PathBuf>,
    /// Seconds per timed scenario.
    #[arg(long, default_value_t = 10)]
    pub duration_secs: u64,
    /// Concurrent clients for the read scenarios (writes use 64, analysis 1).
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// Where to write the results as JSON.
    #[arg(long, default_value = "bench-results.json")]
    pub json: PathBuf,
    /// The database of the service under test.
    #[arg(long, value_enum, default_value_t = BenchDatabase::Sqlite)]
    pub database: BenchDatabase,
    /// A PostgreSQL server (e.g. postgres://postgres@127.0.0.1:55499/postgres); with
    /// `--database sqlite` the scenarios run on both. Databases are created and dropped there.
    #[arg(long)]
    pub postgres_url: Option<String>,
    /// Scenarios to run, comma-separated (R1,R2,R3,P1,P2,W1,W2,A1,S1,S2); all by default
    /// (S2, two instances on one database, only on PostgreSQL).
    #[arg(long, value_delimiter = ',')]
    pub scenarios: Vec<String>,
    /// A smoke run: 2 s per scenario, a small A1 data set, fewer participants and subscribers.
    #[arg(long)]
    pub quick: bool,
    /// S1's (and S2's, over both instances) subscribers, instead of the run's default
    /// (10,000; 200 with `--quick`).
    #[arg(long)]
    pub subscribers: Option<usize>,
    /// Instead of the scenarios: a soak run of this many seconds, one server under a steady
    /// mixed load (reads, submissions, votes, moderation, subscriptions), memory sampled.
    /// On PostgreSQL when `--postgres-url` is given, else SQLite.
    #[arg(long)]
    pub soak_secs: Option<u64>,
    /// Seconds between two memory samples of the soak run.
    #[arg(long, default_value_t = 10)]
    pub soak_sample_secs: u64,
    /// Mean milliseconds between two actions (submit, vote or unvote) of one soak participant;
    /// each pause is drawn from 0.5–1.5 times this.
    #[arg(long, default_value_t = 6000)]
    pub soak_interval_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BenchDatabase {
    Sqlite,
    Postgres,
}

/// How many of everything.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Sizes {
    pub participants: usize,
    pub submitters: usize,
    pub hot_questions: usize,
    pub subscribers: usize,
    pub approvals: usize,
    pub a1_questions: usize,
    pub a1_votes: usize,
    pub a1_participants: usize,
    pub a1_cluster_questions: usize,
}

impl Sizes {
    pub fn full() -> Self {
        Self {
            participants: 4_000,
            submitters: 1_000,
            hot_questions: 10,
            subscribers: 10_000,
            approvals: 10,
            a1_questions: 100_000,
            a1_votes: 1_000_000,
            a1_participants: 2_000,
            a1_cluster_questions: 5_000,
        }
    }

    pub fn quick() -> Self {
        Self {
            participants: 300,
            submitters: 200,
            hot_questions: 5,
            subscribers: 200,
            approvals: 3,
            a1_questions: 10_000,
            a1_votes: 100_000,
            a1_participants: 500,
            a1_cluster_questions: 1_000,
        }
    }
}

/// One line of the results.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub scenario: String,
    pub db: String,
    pub requests: u64,
    /// Successful requests per second.
    pub rps: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub errors: u64,
    pub peak_rss_mb: f64,
    pub target: String,
    pub met: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exact_counts: Option<bool>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub note: String,
}

impl Row {
    pub fn from_stats(scenario: &str, db: &str, stats: &RunStats, peak_kb: u64) -> Self {
        Self {
            scenario: scenario.to_owned(),
            db: db.to_owned(),
            requests: stats.requests,
            rps: stats.ok_per_second(),
            p50_ms: stats.percentile_ms(50.0),
            p99_ms: stats.percentile_ms(99.0),
            errors: stats.errors,
            peak_rss_mb: mb(peak_kb),
            target: String::new(),
            met: None,
            exact_counts: None,
            note: String::new(),
        }
    }

    /// A row with a memory figure only.
    pub fn single(scenario: &str, db: &str, rss_mb: f64) -> Self {
        Self {
            scenario: scenario.to_owned(),
            db: db.to_owned(),
            requests: 0,
            rps: 0.0,
            p50_ms: 0.0,
            p99_ms: 0.0,
            errors: 0,
            peak_rss_mb: rss_mb,
            target: String::new(),
            met: None,
            exact_counts: None,
            note: String::new(),
        }
    }
}

/// The state of a run.
pub struct Bench {
    client: HttpClient,
    /// The `buurtgraph` binary under test.
    service_bin: PathBuf,
    duration: Duration,
    concurrency: usize,
    sizes: Sizes,
    selection: BTreeSet<String>,
    workdir: PathBuf,
    rows: Vec<Row>,
    notes: Vec<String>,
    /// Set once the ceiling was measured (the size of its body).
    ceiling: Option<usize>,
}

impl Bench {
    fn selected(&self, scenario: &str) -> bool {
        self.selection.contains(scenario)
    }
}

/// The machine the figures come from.
#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    pub nproc: usize,
    pub cpu_model: String,
}

impl Machine {
    pub fn detect() -> Self {
        let cpu_model = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|info| {
                info.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split_once(':'))
                    .map(|(_, model)| model.trim().to_owned())
            })
            .unwrap_or_else(|| "unknown".to_owned());
        Self {
            nproc: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cpu_model,
        }
    }
}

/// What is written to the JSON file.
#[derive(Debug, Serialize)]
pub struct Report {
    pub machine: Machine,
    pub started_at: String,
    pub duration_secs: u64,
    pub concurrency: usize,
    pub quick: bool,
    pub sizes: Sizes,
    pub rows: Vec<Row>,
    pub notes: Vec<String>,
}

/// Fills in each row's target and whether it was met.
pub fn evaluate(rows: &mut Vec<Row>) {
    let ceiling = |rows: &[Row], method: &str| {
        rows.iter()
            .find(|r| r.scenario == format!("ceiling {method}"))
            .map(|r| r.rps)
    };
    let ceiling_post = ceiling(rows, "POST");
    let ceiling_get = ceiling(rows, "GET");
    let ceiling_page = ceiling(rows, "P1");
    let mut dbs: Vec<String> = Vec::new();
    for row in rows.iter().filter(|r| r.db != "-") {
        if !dbs.contains(&row.db) {
            dbs.push(row.db.clone());
        }
    }
    for row in rows.iter_mut() {
        let (target, met) = match row.scenario.as_str() {
            "R1 POST" | "R1 GET" | "R1 GET 304" | "R1 POST br" => {
                let ceiling = if row.scenario.starts_with("R1 POST") {
                    ceiling_post
                } else {
                    ceiling_get
                };
                match ceiling {
                    Some(c) if c > 0.0 => (
                        format!("≥0.8×ceiling ({:.2}×), p99≤10", row.rps / c),
                        Some(row.rps >= 0.8 * c && row.p99_ms <= 10.0),
                    ),
                    _ => ("≥0.8×ceiling, p99≤10".to_owned(), None),
                }
            }
            "P1 page" | "P1 page br" => match ceiling_page {
                Some(c) if c > 0.0 => (
                    format!("≥0.5×ceiling ({:.2}×)", row.rps / c),
                    Some(row.rps >= 0.5 * c),
                ),
                _ => ("≥0.5×ceiling".to_owned(), None),
            },
            "P2 page" => ("≥1500 pages/s".to_owned(), Some(row.rps >= 1500.0)),
            "R2 POST" | "R2 GET" => ("≥1500 req/s".to_owned(), Some(row.rps >= 1500.0)),
            "W1 submit" => (
                "≥2000/s, p99≤50".to_owned(),
                Some(row.rps >= 2000.0 && row.p99_ms <= 50.0),
            ),
            "W2 vote" => (
                "exact, ≥2000/s".to_owned(),
                Some(row.exact_counts == Some(true) && row.rps >= 2000.0),
            ),
            "A1 summary" => ("p50≤100".to_owned(), Some(row.p50_ms <= 100.0)),
            "A1 clusters" => ("p50≤1000".to_owned(), Some(row.p50_ms <= 1000.0)),
            "S1 delivery" | "S2 same instance" | "S2 other instance" => (
                "p99≤200".to_owned(),
                Some(row.p99_ms <= 200.0 && row.errors == 0),
            ),
            "idle" => ("RSS≤50 MB".to_owned(), Some(row.peak_rss_mb <= 50.0)),
            _ => ("-".to_owned(), None),
        };
        row.target = target;
        row.met = met;
    }
    for db in dbs {
        let peak = rows
            .iter()
            .filter(|r| r.db == db)
            .map(|r| r.peak_rss_mb)
            .fold(0.0, f64::max);
        let mut row = Row::single("peak RSS (all)", &db, peak);
        row.target = "RSS≤150 MB".to_owned();
        row.met = Some(peak <= 150.0);
        rows.push(row);
    }
}

/// The results as a text table.
pub fn table(rows: &[Row]) -> String {
    let header = [
        "scenario",
        "db",
        "req/s",
        "p50 ms",
        "p99 ms",
        "errors",
        "peak RSS MB",
        "target",
        "met",
    ];
    let cells: Vec<[String; 9]> = rows
        .iter()
        .map(|r| {
            let timed = r.requests > 0;
            let num = |v: f64, digits: usize| {
                if timed {
                    format!("{v:.digits$}")
                } else {
                    "-".to_owned()
                }
            };
            [
                r.scenario.clone(),
                r.db.clone(),
                num(r.rps, 0),
                num(r.p50_ms, 2),
                num(r.p99_ms, 2),
                if timed {
                    r.errors.to_string()
                } else {
                    "-".to_owned()
                },
                format!("{:.1}", r.peak_rss_mb),
                r.target.clone(),
                match r.met {
                    Some(true) => "yes".to_owned(),
                    Some(false) => "MISS".to_owned(),
                    None => "-".to_owned(),
                },
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &cells {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut out = String::new();
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            if i > 0 {
                out.push_str(" | ");
            }
            let pad = width - cell.chars().count();
            // Text left, numbers right.
            if (2..=6).contains(&i) {
                out.push_str(&" ".repeat(pad));
                out.push_str(cell);
            } else {
                out.push_str(cell);
                out.push_str(&" ".repeat(pad));
            }
        }
        out.trim_end().to_owned()
    };
    let mut out = line(&header.map(str::to_owned));
    out.push('\n');
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    out.push_str(&rule.join("-|-"));
    out.push('\n');
    for row in &cells {
        out.push_str(&line(row));
        out.push('\n');
    }
    out
}

/// Runs the selected scenarios on the selected databases and reports.
pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    if let Some(secs) = args.soak_secs {
        return soak::run(&args, secs).await;
    }
    let service_bin = server::service_binary(args.service_bin.as_deref())?;
    let machine = Machine::detect();
    let started_at = chrono::Utc::now().to_rfc3339();
    let duration = Duration::from_secs(if args.quick {
        args.duration_secs.min(2)
    } else {
        args.duration_secs
    });
    let mut sizes = if args.quick {
        Sizes::quick()
    } else {
        Sizes::full()
    };
    if let Some(subscribers) = args.subscribers {
        sizes.subscribers = subscribers;
    }
    let mut selection: BTreeSet<String> = if args.scenarios.is_empty() {
        SCENARIOS.iter().map(|s| (*s).to_owned()).collect()
    } else {
        args.scenarios
            .iter()
            .map(|s| s.trim().to_uppercase())
            .collect()
    };
    if let Some(unknown) = selection.iter().find(|s| !SCENARIOS.contains(&s.as_str())) {
        anyhow::bail!("unknown scenario {unknown:?}; choose from R1,R2,R3,P1,P2,W1,W2,A1,S1,S2");
    }
    selection.insert("IDLE".to_owned());

    let workdir = std::env::temp_dir().join(format!("buurtgraph-bench-{}", std::process::id()));
    std::fs::create_dir_all(&workdir).with_context(|| format!("creating {}", workdir.display()))?;
    let mut backends = Vec::new();
    if args.database == BenchDatabase::Sqlite {
        backends.push(Backend::Sqlite {
            dir: workdir.clone(),
        });
    }
    match (&args.postgres_url, args.database) {
        (Some(url), _) => backends.push(Backend::Postgres { url: url.clone() }),
        (None, BenchDatabase::Postgres) => {
            anyhow::bail!("--database postgres needs --postgres-url")
        }
        (None, BenchDatabase::Sqlite) => {}
    }

    println!(
        "buurtgraph-bench — {} cores, {}; {} s per scenario, read concurrency {}{}",
        machine.nproc,
        machine.cpu_model,
        duration.as_secs(),
        args.concurrency,
        if args.quick { " (quick)" } else { "" }
    );
    let mut bench = Bench {
        client: client::http_client(args.concurrency.max(64) * 2),
        service_bin,
        duration,
        concurrency: args.concurrency,
        sizes,
        selection,
        workdir: workdir.clone(),
        rows: Vec::new(),
        notes: Vec::new(),
        ceiling: None,
    };
    let outcome = run_backends(&mut bench, &backends).await;
    for backend in &backends {
        for name in ["main", "r2", "a1"] {
            backend.drop_database(name).await;
        }
    }
    if let Err(err) = &outcome {
        bench.notes.push(format!("stopped early: {err:#}"));
        eprintln!(
            "error: {err:#}\n(server logs kept in {})",
            workdir.display()
        );
    }
    evaluate(&mut bench.rows);
    println!("\n{}", table(&bench.rows));
    for row in bench.rows.iter().filter(|r| !r.note.is_empty()) {
        println!("{} [{}]: {}", row.scenario, row.db, row.note);
    }
    for note in &bench.notes {
        println!("note: {note}");
    }
    let report = Report {
        machine,
        started_at,
        duration_secs: duration.as_secs(),
        concurrency: args.concurrency,
        quick: args.quick,
        sizes,
        rows: bench.rows,
        notes: bench.notes,
    };
    std::fs::write(&args.json, serde_json::to_vec_pretty(&report)?)
        .with_context(|| format!("writing {}", args.json.display()))?;
    println!("results written to {}", args.json.display());
    if outcome.is_ok() {
        let _ = std::fs::remove_dir_all(&workdir);
    }
    outcome
}

async fn run_backends(bench: &mut Bench, backends: &[Backend]) -> anyhow::Result<()> {
    for backend in backends {
        let label = backend.label();
        eprintln!("[{label}] main server: idle, R1, R3, P1, W1, W2, P2, S1, S2 as selected");
        bench.main_server(backend).await?;
        if bench.selected("R2") {
            eprintln!("[{label}] R2: caches off");
            bench.r2(backend).await?;
        }
        if bench.selected("A1") {
            bench.a1(backend).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(scenario: &str, db: &str, rps: f64, p99: f64, rss: f64) -> Row {
        let mut row = Row::single(scenario, db, rss);
        row.requests = 100;
        row.rps = rps;
        row.p50_ms = p99 / 2.0;
        row.p99_ms = p99;
        row
    }

    #[test]
    fn targets_compare_with_the_ceiling() {
        let mut rows = vec![
            row("R1 POST", "sqlite", 8_500.0, 8.0, 40.0),
            row("R2 POST", "sqlite", 1_000.0, 30.0, 60.0),
            row("ceiling POST", "-", 10_000.0, 2.0, 10.0),
            row("R1 POST br", "sqlite", 6_000.0, 8.0, 40.0),
            row("P1 page", "sqlite", 3_000.0, 8.0, 40.0),
            row("ceiling P1", "-", 5_000.0, 2.0, 10.0),
            row("P2 page", "sqlite", 1_600.0, 20.0, 50.0),
        ];
        evaluate(&mut rows);
        assert_eq!(rows[0].met, Some(true));
        assert!(rows[0].target.contains("0.85×"), "{}", rows[0].target);
        assert_eq!(rows[1].met, Some(false));
        assert_eq!(rows[2].met, None);
        assert_eq!(rows[3].met, Some(false), "0.6 × the ceiling is under 0.8");
        assert_eq!(rows[4].met, Some(true), "P1 against its own ceiling");
        assert!(rows[4].target.contains("0.60×"), "{}", rows[4].target);
        assert_eq!(rows[6].met, Some(true));
        let peak = rows
            .last()
            .map(|r| (r.scenario.as_str(), r.peak_rss_mb, r.met));
        assert_eq!(peak, Some(("peak RSS (all)", 60.0, Some(true))));
    }

    #[test]
    fn the_table_aligns_its_columns() {
        let mut rows = vec![
            row("R1 POST", "sqlite", 6_000.0, 8.0, 40.0),
            Row::single("idle", "sqlite", 21.5),
        ];
        evaluate(&mut rows);
        let text = table(&rows);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("scenario"));
        assert!(lines[1].starts_with("---"));
        assert!(lines[2].contains("6000"), "{text}");
        assert!(
            lines[3].contains("RSS≤50 MB") && lines[3].contains("yes"),
            "{text}"
        );
        let bars = |l: &str| l.match_indices(" | ").map(|(i, _)| i).collect::<Vec<_>>();
        assert_eq!(bars(lines[0])[..7], bars(lines[2])[..7]);
    }
}
