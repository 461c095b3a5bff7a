//! The load generator: closed loop, `concurrency` tasks each sending requests back to back
//! over keep-alive HTTP/1.1 connections, every latency kept.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

pub type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// A client that keeps up to `connections` idle connections to one host.
pub fn http_client(connections: usize) -> HttpClient {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(connections)
        .pool_idle_timeout(Duration::from_secs(90))
        .build(connector)
}

/// One request, ready to send as often as needed.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: Bytes,
}

impl Call {
    pub fn get(url: String) -> Self {
        Self {
            method: Method::GET,
            url,
            headers: vec![(
                header::ACCEPT,
                HeaderValue::from_static("application/graphql-response+json"),
            )],
            body: Bytes::new(),
        }
    }

    /// A web page, as a browser asks for it (without compression unless a header is added).
    pub fn page(url: String) -> Self {
        Self {
            method: Method::GET,
            url,
            headers: vec![(header::ACCEPT, HeaderValue::from_static("text/html"))],
            body: Bytes::new(),
        }
    }

    /// A GraphQL POST of `query` with `variables`.
    pub fn graphql(base: &str, query: &str, variables: Value) -> Self {
        let body = serde_json::json!({ "query": query, "variables": variables }).to_string();
        Self {
            method: Method::POST,
            url: format!("{base}/graphql"),
            headers: vec![
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                ),
                (
                    header::ACCEPT,
                    HeaderValue::from_static("application/graphql-response+json"),
                ),
            ],
            body: Bytes::from(body),
        }
    }

    /// A GraphQL GET of `query` with `variables`, URL-encoded.
    pub fn graphql_get(base: &str, query: &str, variables: &Value) -> anyhow::Result<Self> {
        let params = serde_urlencoded::to_string([
            ("query", query.to_owned()),
            ("variables", variables.to_string()),
        ])?;
        Ok(Self::get(format!("{base}/graphql?{params}")))
    }

    pub fn bearer(self, token: &str) -> anyhow::Result<Self> {
        self.header(header::AUTHORIZATION, &format!("Bearer {token}"))
    }

    pub fn header(mut self, name: HeaderName, value: &str) -> anyhow::Result<Self> {
        self.headers.push((name, HeaderValue::from_str(value)?));
        Ok(self)
    }
}

/// What came back.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

pub async fn send(client: &HttpClient, call: &Call) -> anyhow::Result<Reply> {
    let mut request = Request::builder()
        .method(call.method.clone())
        .uri(call.url.as_str());
    for (name, value) in &call.headers {
        request = request.header(name, value);
    }
    let request = request.body(Full::new(call.body.clone()))?;
    let response = client.request(request).await?;
    let (parts, body) = response.into_parts();
    let body = body.collect().await?.to_bytes();
    Ok(Reply {
        status: parts.status,
        headers: parts.headers,
        body,
    })
}

/// Sends one GraphQL request and returns its `data`; any error is an error.
pub async fn graphql_data(client: &HttpClient, call: &Call) -> anyhow::Result<Value> {
    let reply = send(client, call).await?;
    let value: Value = serde_json::from_slice(&reply.body)
        .with_context(|| format!("{} answered {} without JSON", call.url, reply.status))?;
    if !reply.status.is_success() || value.get("errors").is_some() {
        anyhow::bail!("{} answered {}: {value}", call.url, reply.status);
    }
    Ok(value.get("data").cloned().unwrap_or(Value::Null))
}

/// A 2xx (or 304) answer without GraphQL `errors`.
pub fn graphql_ok(status: StatusCode, body: &[u8]) -> bool {
    (status.is_success() || status == StatusCode::NOT_MODIFIED) && !contains(body, b"\"errors\"")
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The outcome of one timed run.
#[derive(Debug, Clone, Default)]
pub struct RunStats {
    pub requests: u64,
    pub errors: u64,
    pub elapsed: Duration,
    pub latencies: Latencies,
}

impl RunStats {
    /// Completed requests per second (successful or not).
    pub fn per_second(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.requests as f64 / secs
        } else {
            0.0
        }
    }

    /// Successful requests per second.
    pub fn ok_per_second(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.requests.saturating_sub(self.errors) as f64 / secs
        } else {
            0.0
        }
    }

    pub fn percentile_ms(&self, percentile: f64) -> f64 {
        self.latencies.percentile_ms(percentile)
    }

    /// Adds another run of the same requests (another slice of time) to this one.
    pub fn merge(&mut self, other: RunStats) {
        self.requests += other.requests;
        self.errors += other.errors;
        self.elapsed += other.elapsed;
        self.latencies.append(other.latencies);
    }
}

/// Latencies, every one kept, in microseconds: exact percentiles, and 4 bytes a request
/// (a few MB for the longest run). A histogram crate would pull features into the
/// product's dependencies when the workspace is built.
#[derive(Debug, Clone, Default)]
pub struct Latencies(Vec<u32>);

impl Latencies {
    pub fn record(&mut self, latency: Duration) {
        self.0
            .push(u32::try_from(latency.as_micros()).unwrap_or(u32::MAX));
    }

    pub fn append(&mut self, mut other: Latencies) {
        self.0.append(&mut other.0);
    }

    /// A percentile (0–100) in milliseconds, by nearest rank: the smallest latency that at
    /// least `percentile` % of all do not exceed; 0 when there are none.
    pub fn percentile_ms(&self, percentile: f64) -> f64 {
        let count = self.0.len();
        if count == 0 {
            return 0.0;
        }
        let rank = ((percentile / 100.0) * count as f64).ceil() as usize;
        let mut latencies = self.0.clone();
        let (_, value, _) = latencies.select_nth_unstable(rank.clamp(1, count) - 1);
        f64::from(*value) / 1000.0
    }
}

/// Runs a closed loop for `duration`: `concurrency` tasks take sequence numbers 0, 1, 2, …
/// and send `generate(n)` until the time is up or `generate` has nothing more (`None`).
/// `classify(n, status, body)` says whether an answer counts as a success.
pub async fn run<G, C>(
    client: &HttpClient,
    concurrency: usize,
    duration: Duration,
    generate: G,
    classify: C,
) -> anyhow::Result<RunStats>
where
    G: Fn(u64) -> Option<Call> + Send + Sync + 'static,
    C: Fn(u64, StatusCode, &[u8]) -> bool + Send + Sync + 'static,
{
    let generate = Arc::new(generate);
    let classify = Arc::new(classify);
    let sequence = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::with_capacity(concurrency);
    for _ in 0..concurrency.max(1) {
        let (client, generate, classify, sequence) = (
            client.clone(),
            generate.clone(),
            classify.clone(),
            sequence.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut stats = RunStats::default();
            while Instant::now() < deadline {
                let n = sequence.fetch_add(1, Ordering::Relaxed);
                let Some(call) = generate(n) else { break };
                let sent = Instant::now();
                let ok = match send(&client, &call).await {
                    Ok(reply) => classify(n, reply.status, &reply.body),
                    Err(_) => false,
                };
                stats.latencies.record(sent.elapsed());
                stats.requests += 1;
                if !ok {
                    stats.errors += 1;
                }
            }
            anyhow::Ok(stats)
        }));
    }
    let mut total = RunStats::default();
    for task in tasks {
        let stats = task.await.context("a load task panicked")??;
        total.requests += stats.requests;
        total.errors += stats.errors;
        total.latencies.append(stats.latencies);
    }
    total.elapsed = started.elapsed();
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_known_latencies() -> anyhow::Result<()> {
        let mut stats = RunStats::default();
        for ms in (1..=100u64).rev() {
            stats.latencies.record(Duration::from_millis(ms));
        }
        stats.requests = 100;
        stats.errors = 10;
        stats.elapsed = Duration::from_secs(2);
        assert!((stats.percentile_ms(50.0) - 50.0).abs() < 0.1);
        assert!((stats.percentile_ms(99.0) - 99.0).abs() < 0.1);
        assert!((stats.per_second() - 50.0).abs() < f64::EPSILON);
        assert!((stats.ok_per_second() - 45.0).abs() < f64::EPSILON);
        assert!((stats.percentile_ms(100.0) - 100.0).abs() < f64::EPSILON);
        assert!((stats.percentile_ms(0.0) - 1.0).abs() < f64::EPSILON);
        assert_eq!(RunStats::default().percentile_ms(99.0), 0.0);
        Ok(())
    }

    #[test]
    fn graphql_errors_are_errors() {
        assert!(graphql_ok(StatusCode::OK, br#"{"data":{"a":1}}"#));
        assert!(graphql_ok(StatusCode::NOT_MODIFIED, b""));
        assert!(!graphql_ok(
            StatusCode::OK,
            br#"{"data":null,"errors":[{"message":"x"}]}"#
        ));
        assert!(!graphql_ok(StatusCode::TOO_MANY_REQUESTS, b"{}"));
    }
}
