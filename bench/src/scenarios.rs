//! The scenarios: reads (R1–R3), web pages (P1, P2), writes (W1, W2), analysis (A1) and
//! live delivery (S1).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use futures_util::{SinkExt as _, StreamExt as _};
use hyper::StatusCode;
use hyper::header;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use super::client::{self, Call, Latencies, RunStats, graphql_data, graphql_ok, send};
use super::generate::{self, Dataset};
use super::rss::{RssSampler, mb, status_kb};
use super::server::{
    Backend, EVENT, MODERATED_THEME, MODERATOR, PASSWORD, STAFF, ServerOptions, ServerProcess,
    prepare, server_env,
};
use super::{Bench, Row};

/// The whole programme in one query: event → blocks → sessions → speakers → people →
/// organisations, themes, occurrences (as in the tests).
pub const WHOLE_PROGRAMME: &str = "query WholeProgramme($slug: String) { event(slug: $slug) { \
id slug title description startsAt endsAt timezone location hosts { id name } \
themes { id slug title kind guidingQuestions } blocks { id kind title startsAt endsAt position \
sessions { id key title description kind startsAt endsAt feedbackOpen \
speakers { role person { id name bio organisations { id name url } } } \
themes { id slug title } organisations { id name } otherOccurrences { id key block { title } } } } } }";

const SESSION: &str = "query($id: ID!) { session(id: $id) { id title description startsAt endsAt \
block { title } speakers { role person { name } } themes { title } } }";
const SEARCH: &str = "query($q: String!) { search(query: $q, first: 20) { totalCount nodes { __typename \
... on Session { id title } ... on Person { id name } ... on Theme { id title } \
... on Organisation { id name } } } }";
pub(super) const JOIN: &str = "mutation($i: JoinEventInput!) { joinEvent(input: $i) { token } }";
const LOGIN: &str = "mutation($i: LoginInput!) { login(input: $i) { token } }";
const SUBMIT: &str = "mutation($i: SubmitLearningQuestionInput!) { submitLearningQuestion(input: $i) { id status } }";
const MODERATE: &str = "mutation($i: ModerateLearningQuestionInput!) { moderateLearningQuestion(input: $i) { id status } }";
pub(super) const VOTE: &str =
    "mutation($id: ID!) { voteLearningQuestion(id: $id) { id voteCount } }";
const VOTE_COUNT: &str = "query($id: ID!) { learningQuestion(id: $id) { voteCount } }";
const EVENTS: &str = "subscription($e: String) { learningQuestionEvents(eventSlug: $e) { change question { id status } } }";
const SUMMARY: &str = "query($e: String) { feedbackSummary(eventSlug: $e) { total \
byStatus { status count } timeline(granularity: HOUR) { bucket count } \
themes { theme { slug } total approved pending votes byRole { role count } \
byFormat { format count } byRegion { region count } bySession { count } \
topQuestions(limit: 10) { id text voteCount } } } }";
const CLUSTERS: &str = "query($e: String, $t: ID) { feedbackSummary(eventSlug: $e, themeId: $t) { \
themes { total clusters(minSize: 2) { size totalVotes representative { id text } } } } }";

impl Bench {
    /// Runs a closed loop against `server` while sampling its memory.
    async fn measure<G, C>(
        &self,
        server: &ServerProcess,
        concurrency: usize,
        duration: Duration,
        generate: G,
        classify: C,
    ) -> anyhow::Result<(RunStats, u64)>
    where
        G: Fn(u64) -> Option<Call> + Send + Sync + 'static,
        C: Fn(u64, StatusCode, &[u8]) -> bool + Send + Sync + 'static,
    {
        let sampler = RssSampler::start(server.pid());
        let stats = client::run(&self.client, concurrency, duration, generate, classify).await;
        let peak = sampler.stop().await;
        Ok((stats?, peak))
    }

    /// Sends the same request over and over; its row, named `scenario`.
    async fn measure_repeated(
        &self,
        server: &ServerProcess,
        concurrency: usize,
        scenario: &str,
        db_label: &str,
        call: Call,
    ) -> anyhow::Result<Row> {
        let (stats, peak) = self
            .measure(
                server,
                concurrency,
                self.duration,
                move |_| Some(call.clone()),
                |_, status, body| graphql_ok(status, body),
            )
            .await?;
        Ok(Row::from_stats(scenario, db_label, &stats, peak))
    }

    async fn start_service(
        &self,
        name: &str,
        database_url: String,
        response_cache: bool,
    ) -> anyhow::Result<ServerProcess> {
        let env = server_env(&ServerOptions {
            database_url,
            response_cache,
        });
        ServerProcess::start(
            name,
            &self.service_bin,
            &["serve"],
            &env,
            &self.workdir,
            &self.client,
        )
        .await
    }

    /// The service with the bundled programme: idle, R1, the ceiling, R3, W1, W2, S1.
    pub async fn main_server(&mut self, backend: &Backend) -> anyhow::Result<()> {
        let db_label = backend.label();
        let url = backend.fresh_database("main").await?;
        let (code, db) = prepare(&url).await?;
        db.close().await?;
        let server = self.start_service("main", url.clone(), true).await?;
        let base = server.base();

        tokio::time::sleep(Duration::from_secs(1)).await;
        let idle = status_kb(server.pid(), "VmRSS").unwrap_or(0);
        self.rows.push(Row::single("idle", db_label, mb(idle)));

        let programme_call = Call::graphql(&base, WHOLE_PROGRAMME, json!({ "slug": EVENT }));
        let programme = send(&self.client, &programme_call).await?;
        anyhow::ensure!(
            graphql_ok(programme.status, &programme.body),
            "the whole-programme query failed: {}",
            String::from_utf8_lossy(&programme.body)
        );
        let data: Value = serde_json::from_slice(&programme.body)?;
        let theme_id = data["data"]["event"]["themes"]
            .as_array()
            .and_then(|themes| themes.iter().find(|t| t["slug"] == MODERATED_THEME))
            .and_then(|t| t["id"].as_str())
            .context("the moderated theme is not in the programme")?
            .to_owned();
        let session_id = data["data"]["event"]["blocks"][1]["sessions"][0]["id"]
            .as_str()
            .context("no session in the programme")?
            .to_owned();

        if self.selected("R1") {
            // The ceiling is measured once, in slices alternating with the first R1.
            let ceiling = match self.ceiling {
                Some(_) => None,
                None => {
                    let content_type = programme
                        .headers
                        .get(header::CONTENT_TYPE)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("application/json")
                        .to_owned();
                    let ceiling = self
                        .start_ceiling(&programme.body, &content_type, "r1")
                        .await?;
                    self.ceiling = Some(programme.body.len());
                    Some(ceiling)
                }
            };
            self.r1(&server, db_label, "R1", ceiling.as_ref()).await?;
        }
        if self.selected("R3") {
            self.r3(&server, db_label, &session_id).await?;
        }
        if self.selected("P1") {
            self.p1(&server, db_label).await?;
        }
        if !(self.selected("W1")
            || self.selected("W2")
            || self.selected("S1")
            || self.selected("S2")
            || self.selected("P2"))
        {
            return Ok(());
        }
        let participants = self.join(&server, db_label, &code).await?;
        let moderator = login(&self.client, &base, MODERATOR).await?;
        if self.selected("W1") {
            self.w1(&server, db_label, &participants, &theme_id).await?;
        }
        if self.selected("W2") {
            self.w2(&server, db_label, &participants, &moderator, &theme_id)
                .await?;
        }
        if self.selected("P2") {
            // After W1 and W2 when they ran: a learning agenda with questions and votes.
            self.p2(&server, db_label, &participants).await?;
        }
        if self.selected("S1") {
            self.s1(&server, db_label, &participants, &moderator, &theme_id)
                .await?;
        }
        if self.selected("S2") {
            if let Backend::Postgres { .. } = backend {
                let peer = self.start_service("peer", url, true).await?;
                self.s2(
                    &server,
                    &peer,
                    db_label,
                    &participants,
                    &moderator,
                    &theme_id,
                )
                .await?;
            } else {
                self.notes.push(
                    "S2 runs on PostgreSQL only (several instances share a PostgreSQL \
                     database; SQLite serves one): give --postgres-url"
                        .to_owned(),
                );
            }
        }
        Ok(())
    }

    /// P1: the programme page, as a phone first opens it: without compression (beside the
    /// ceiling serving the same bytes) and with brotli.
    async fn p1(&mut self, server: &ServerProcess, db_label: &str) -> anyhow::Result<()> {
        let page = Call::page(format!("{}/events/{EVENT}", server.base()));
        let first = send(&self.client, &page).await?;
        anyhow::ensure!(
            first.status == StatusCode::OK,
            "the programme page answered {}",
            first.status
        );
        if self.rows.iter().any(|r| r.scenario == "ceiling P1") {
            let row = self
                .measure_page(server, "P1 page", db_label, page.clone())
                .await?;
            self.rows.push(row);
        } else {
            let content_type = first
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("text/html")
                .to_owned();
            let ceiling = self.start_ceiling(&first.body, &content_type, "p1").await?;
            let ceiling_page = Call::page(format!("{}/graphql", ceiling.base()));
            self.measure_beside_ceiling(
                [
                    Side::new(server, page.clone(), "P1 page", db_label),
                    Side::new(&ceiling, ceiling_page, "ceiling P1", "-"),
                ],
                page_ok,
            )
            .await?;
        }
        let compressed = page.header(header::ACCEPT_ENCODING, "br")?;
        let row = self
            .measure_page(server, "P1 page br", db_label, compressed)
            .await?;
        self.rows.push(row);
        Ok(())
    }

    /// Measures one side alone, or in slices alternating with the ceiling when there is one.
    async fn measure_or_beside_ceiling(
        &mut self,
        service: Side<'_>,
        ceiling: Option<Side<'_>>,
    ) -> anyhow::Result<()> {
        match ceiling {
            Some(ceiling) => {
                self.measure_beside_ceiling([service, ceiling], graphql_ok)
                    .await
            }
            None => {
                let row = self
                    .measure_repeated(
                        service.server,
                        self.concurrency,
                        service.scenario,
                        service.db,
                        service.call,
                    )
                    .await?;
                self.rows.push(row);
                Ok(())
            }
        }
    }

    /// Measures the service and the ceiling in alternating slices of the scenario's duration,
    /// so that the shared machine's slower and faster moments fall on both alike; a row
    /// for each.
    async fn measure_beside_ceiling(
        &mut self,
        sides: [Side<'_>; 2],
        ok: fn(StatusCode, &[u8]) -> bool,
    ) -> anyhow::Result<()> {
        let slice = self.duration / CEILING_SLICES;
        let mut totals: [(RunStats, u64); 2] = Default::default();
        for _ in 0..CEILING_SLICES {
            for (side, total) in sides.iter().zip(totals.iter_mut()) {
                let call = side.call.clone();
                let (stats, peak) = self
                    .measure(
                        side.server,
                        self.concurrency,
                        slice,
                        move |_| Some(call.clone()),
                        move |_, status, body| ok(status, body),
                    )
                    .await?;
                total.0.merge(stats);
                total.1 = total.1.max(peak);
                // What a server does after a burst (freeing, its allocator returning
                // memory) is not to fall on the other's slice.
                tokio::time::sleep(SLICE_PAUSE).await;
            }
        }
        for (side, (stats, peak)) in sides.iter().zip(totals) {
            self.rows
                .push(Row::from_stats(side.scenario, side.db, &stats, peak));
        }
        Ok(())
    }

    /// P2: the learning-agenda page of signed-in participants (each request another one's
    /// cookie), compressed as a browser asks for it.
    async fn p2(
        &mut self,
        server: &ServerProcess,
        db_label: &str,
        participants: &Arc<Vec<String>>,
    ) -> anyhow::Result<()> {
        anyhow::ensure!(!participants.is_empty(), "P2 needs participants");
        let page = Call::page(format!("{}/events/{EVENT}/leeragenda", server.base()))
            .header(header::ACCEPT_ENCODING, "gzip, deflate, br")?;
        let tokens = participants.clone();
        let (stats, peak) = self
            .measure(
                server,
                self.concurrency,
                self.duration,
                move |n| {
                    let token = &tokens[n as usize % tokens.len()];
                    page.clone()
                        .header(header::COOKIE, &format!("deelnemer={token}"))
                        .ok()
                },
                |_, status, _| status == StatusCode::OK,
            )
            .await?;
        self.rows
            .push(Row::from_stats("P2 page", db_label, &stats, peak));
        Ok(())
    }

    /// Sends the same page request over and over; its row, named `scenario`.
    async fn measure_page(
        &self,
        server: &ServerProcess,
        scenario: &str,
        db_label: &str,
        call: Call,
    ) -> anyhow::Result<Row> {
        let (stats, peak) = self
            .measure(
                server,
                self.concurrency,
                self.duration,
                move |_| Some(call.clone()),
                |_, status, _| status == StatusCode::OK,
            )
            .await?;
        Ok(Row::from_stats(scenario, db_label, &stats, peak))
    }

    /// R1 (and R2 with `label` "R2"): the whole programme, POST, GET, and GET with If-None-Match.
    /// With `ceiling`, its POST and GET rows are measured beside R1's.
    pub async fn r1(
        &mut self,
        server: &ServerProcess,
        db_label: &str,
        label: &str,
        ceiling: Option<&ServerProcess>,
    ) -> anyhow::Result<()> {
        let base = server.base();
        let variables = json!({ "slug": EVENT });
        let post = Call::graphql(&base, WHOLE_PROGRAMME, variables.clone());
        let post_scenario = format!("{label} POST");
        let ceiling_post = ceiling.map(|c| {
            Side::new(
                c,
                Call::graphql(&c.base(), WHOLE_PROGRAMME, variables.clone()),
                "ceiling POST",
                "-",
            )
        });
        self.measure_or_beside_ceiling(
            Side::new(server, post.clone(), &post_scenario, db_label),
            ceiling_post,
        )
        .await?;
        if label == "R1" {
            // As browsers ask: the cached response's brotli variant, kept beside it.
            let compressed = post.header(header::ACCEPT_ENCODING, "gzip, deflate, br")?;
            let row = self
                .measure_repeated(server, self.concurrency, "R1 POST br", db_label, compressed)
                .await?;
            self.rows.push(row);
        }

        let get = Call::graphql_get(&base, WHOLE_PROGRAMME, &variables)?;
        let first = send(&self.client, &get).await?;
        let etag = first
            .headers
            .get(header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let get_scenario = format!("{label} GET");
        let ceiling_get = ceiling
            .map(|c| {
                Call::graphql_get(&c.base(), WHOLE_PROGRAMME, &variables)
                    .map(|call| Side::new(c, call, "ceiling GET", "-"))
            })
            .transpose()?;
        self.measure_or_beside_ceiling(
            Side::new(server, get.clone(), &get_scenario, db_label),
            ceiling_get,
        )
        .await?;

        match etag {
            Some(etag) if label == "R1" => {
                let conditional = get.header(header::IF_NONE_MATCH, &etag)?;
                let row = self
                    .measure_repeated(
                        server,
                        self.concurrency,
                        &format!("{label} GET 304"),
                        db_label,
                        conditional,
                    )
                    .await?;
                self.rows.push(row);
            }
            Some(_) => {}
            None if label == "R1" => self.notes.push(format!(
                "{db_label}: the service sent no ETag, so conditional GET (304) was not measured"
            )),
            None => {}
        }
        Ok(())
    }

    /// A bare axum server answering every request with `body`.
    async fn start_ceiling(
        &self,
        body: &[u8],
        content_type: &str,
        name: &str,
    ) -> anyhow::Result<ServerProcess> {
        let body_file = self.workdir.join(format!("{name}-body"));
        std::fs::write(&body_file, body)?;
        let body_path = body_file.display().to_string();
        let this = std::env::current_exe().context("finding the buurtgraph-bench binary")?;
        ServerProcess::start(
            "ceiling",
            &this,
            &[
                "ceiling",
                "--body-file",
                &body_path,
                "--content-type",
                content_type,
            ],
            &[("RUST_LOG", "warn".to_owned())],
            &self.workdir,
            &self.client,
        )
        .await
    }

    /// R3: one session by ID; a search.
    async fn r3(
        &mut self,
        server: &ServerProcess,
        db_label: &str,
        session_id: &str,
    ) -> anyhow::Result<()> {
        let base = server.base();
        let session = Call::graphql(&base, SESSION, json!({ "id": session_id }));
        let row = self
            .measure_repeated(server, self.concurrency, "R3 session", db_label, session)
            .await?;
        self.rows.push(row);
        let search = Call::graphql(&base, SEARCH, json!({ "q": "wijk" }));
        let row = self
            .measure_repeated(server, self.concurrency, "R3 search", db_label, search)
            .await?;
        self.rows.push(row);
        Ok(())
    }

    /// Participants join over GraphQL with the access code; their tokens.
    async fn join(
        &mut self,
        server: &ServerProcess,
        db_label: &str,
        code: &str,
    ) -> anyhow::Result<Arc<Vec<String>>> {
        let wanted = self.sizes.participants as u64;
        let call = Call::graphql(
            &server.base(),
            JOIN,
            json!({ "i": { "eventSlug": EVENT, "accessCode": code } }),
        );
        let tokens = Arc::new(Mutex::new(Vec::new()));
        let collected = tokens.clone();
        let (stats, peak) = self
            .measure(
                server,
                self.concurrency,
                Duration::from_secs(600),
                move |n| (n < wanted).then(|| call.clone()),
                move |_, status, body| {
                    let token = graphql_ok(status, body)
                        .then(|| serde_json::from_slice::<Value>(body).ok())
                        .flatten()
                        .and_then(|v| v["data"]["joinEvent"]["token"].as_str().map(str::to_owned));
                    match (token, collected.lock()) {
                        (Some(token), Ok(mut tokens)) => {
                            tokens.push(token);
                            true
                        }
                        _ => false,
                    }
                },
            )
            .await?;
        let mut row = Row::from_stats("join (setup)", db_label, &stats, peak);
        row.note = format!("{wanted} participants join with the access code");
        self.rows.push(row);
        let tokens = tokens
            .lock()
            .map_err(|_| anyhow::anyhow!("token list poisoned"))?
            .clone();
        anyhow::ensure!(!tokens.is_empty(), "no participant could join");
        Ok(Arc::new(tokens))
    }

    /// W1: participants submit questions at concurrency 64.
    async fn w1(
        &mut self,
        server: &ServerProcess,
        db_label: &str,
        participants: &Arc<Vec<String>>,
        theme_id: &str,
    ) -> anyhow::Result<()> {
        let base = server.base();
        let submitters = participants.len().min(self.sizes.submitters);
        let tokens = participants.clone();
        let theme = theme_id.to_owned();
        let (stats, peak) = self
            .measure(
                server,
                64,
                self.duration,
                move |n| {
                    let token = &tokens[(n as usize) % submitters];
                    Call::graphql(&base, SUBMIT, submission(&theme, n))
                        .bearer(token)
                        .ok()
                },
                |_, status, body| graphql_ok(status, body),
            )
            .await?;
        let mut row = Row::from_stats("W1 submit", db_label, &stats, peak);
        row.note = format!("{submitters} participants, c=64; req/s = acknowledged submissions/s");
        self.rows.push(row);
        Ok(())
    }

    /// W2: many participants vote on a few hot questions; the counts must be exact.
    async fn w2(
        &mut self,
        server: &ServerProcess,
        db_label: &str,
        participants: &Arc<Vec<String>>,
        moderator: &str,
        theme_id: &str,
    ) -> anyhow::Result<()> {
        let base = server.base();
        let hot = self.sizes.hot_questions;
        let mut questions = Vec::with_capacity(hot);
        for (i, token) in participants.iter().take(hot).enumerate() {
            let id = submit_one(&self.client, &base, token, theme_id, 1_000_000 + i as u64).await?;
            approve(&self.client, &base, moderator, &id).await?;
            questions.push(id);
        }
        let questions = Arc::new(questions);
        let acked: Arc<Vec<AtomicU64>> = Arc::new((0..hot).map(|_| AtomicU64::new(0)).collect());
        let (tokens, ids, counter) = (participants.clone(), questions.clone(), acked.clone());
        let voters = participants.len();
        let (stats, peak) = self
            .measure(
                server,
                64,
                self.duration,
                move |n| {
                    let (voter, question) = ((n as usize) / hot, (n as usize) % hot);
                    if voter >= voters {
                        return None;
                    }
                    Call::graphql(&base, VOTE, json!({ "id": ids[question] }))
                        .bearer(&tokens[voter])
                        .ok()
                },
                move |n, status, body| {
                    let ok = graphql_ok(status, body);
                    if ok {
                        counter[(n as usize) % hot].fetch_add(1, Ordering::Relaxed);
                    }
                    ok
                },
            )
            .await?;
        let mut exact = 0;
        let mut mismatches = Vec::new();
        for (i, id) in questions.iter().enumerate() {
            let call =
                Call::graphql(&server.base(), VOTE_COUNT, json!({ "id": id })).bearer(moderator)?;
            let data = graphql_data(&self.client, &call).await?;
            let count = data["learningQuestion"]["voteCount"].as_u64().unwrap_or(0);
            let expected = acked[i].load(Ordering::Relaxed);
            if count == expected {
                exact += 1;
            } else {
                mismatches.push(format!("{count} counted vs {expected} acknowledged"));
            }
        }
        let mut row = Row::from_stats("W2 vote", db_label, &stats, peak);
        row.exact_counts = Some(mismatches.is_empty());
        row.note = format!(
            "{hot} hot questions, {voters} voters, c=64; counts exact on {exact}/{hot}{}",
            if mismatches.is_empty() {
                String::new()
            } else {
                format!(" ({})", mismatches.join(", "))
            }
        );
        self.rows.push(row);
        Ok(())
    }

    /// S1: subscribers over graphql-transport-ws; a moderator approves questions one by one.
    async fn s1(
        &mut self,
        server: &ServerProcess,
        db_label: &str,
        participants: &Arc<Vec<String>>,
        moderator: &str,
        theme_id: &str,
    ) -> anyhow::Result<()> {
        let subscribers = self.sizes.subscribers;
        let crowds = [Audience {
            scenario: "S1 delivery",
            server,
            tokens: participants,
            subscribers,
        }];
        self.deliver(server, &crowds, db_label, moderator, theme_id, 2_000_000)
            .await
    }

    /// S2: S1's subscribers split over two instances of the service on one PostgreSQL
    /// database; the approvals go to the first, so half of the crowd hears of them only
    /// through the database's notifications.
    async fn s2(
        &mut self,
        server: &ServerProcess,
        peer: &ServerProcess,
        db_label: &str,
        participants: &Arc<Vec<String>>,
        moderator: &str,
        theme_id: &str,
    ) -> anyhow::Result<()> {
        let subscribers = self.sizes.subscribers;
        let half = participants.len() / 2;
        let crowds = [
            Audience {
                scenario: "S2 same instance",
                server,
                tokens: &participants[..half],
                subscribers: subscribers / 2,
            },
            Audience {
                scenario: "S2 other instance",
                server: peer,
                tokens: &participants[half..],
                subscribers: subscribers - subscribers / 2,
            },
        ];
        self.deliver(server, &crowds, db_label, moderator, theme_id, 3_000_000)
            .await
    }

    /// Connects each audience's crowd of subscribers, then has the moderator approve
    /// questions one by one on `approver`, each after the last was delivered everywhere; a
    /// row per audience.
    async fn deliver(
        &mut self,
        approver: &ServerProcess,
        audiences: &[Audience<'_>],
        db_label: &str,
        moderator: &str,
        theme_id: &str,
        first_submission: u64,
    ) -> anyhow::Result<()> {
        let base = approver.base();
        let approvals = self.sizes.approvals;
        let mut pending = Vec::with_capacity(approvals);
        for i in 0..approvals {
            let tokens = audiences[i % audiences.len()].tokens;
            let token = &tokens[i % tokens.len()];
            pending.push(
                submit_one(
                    &self.client,
                    &base,
                    token,
                    theme_id,
                    first_submission + i as u64,
                )
                .await?,
            );
        }
        let mut connected_crowds = Vec::with_capacity(audiences.len());
        for audience in audiences {
            let sampler = RssSampler::start(audience.server.pid());
            let url = format!("ws://{}/graphql/ws", audience.server.address);
            let started = Instant::now();
            let crowd = Crowd::connect(
                &url,
                audience.tokens,
                audience.subscribers,
                Duration::from_secs(180),
            )
            .await;
            connected_crowds.push((crowd, sampler, started.elapsed().as_secs_f64()));
        }
        let connected: u64 = connected_crowds.iter().map(|(c, _, _)| c.connected()).sum();
        // Subscribing has no acknowledgement in graphql-transport-ws: give the server a moment.
        tokio::time::sleep(Duration::from_secs(1)).await;

        let mut mutation = RunStats::default();
        let phase = Instant::now();
        for (k, id) in pending.iter().enumerate() {
            let call = Call::graphql(
                &base,
                MODERATE,
                json!({ "i": { "id": id, "action": "APPROVE" } }),
            )
            .bearer(moderator)?;
            for (crowd, _, _) in &connected_crowds {
                crowd.sending(id);
            }
            let started = Instant::now();
            let reply = send(&self.client, &call).await?;
            mutation.latencies.record(started.elapsed());
            mutation.requests += 1;
            if !graphql_ok(reply.status, &reply.body) {
                mutation.errors += 1;
            }
            let target = connected * (k as u64 + 1);
            let waiting = Instant::now();
            let delivered = || -> u64 {
                connected_crowds
                    .iter()
                    .map(|(c, _, _)| c.delivered.load(Ordering::Relaxed))
                    .sum()
            };
            while delivered() < target && waiting.elapsed() < Duration::from_secs(10) {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let phase_elapsed = phase.elapsed();
        for ((crowd, sampler, connect_secs), audience) in
            connected_crowds.into_iter().zip(audiences)
        {
            let subscribers = audience.subscribers;
            let connected = crowd.connected();
            let delivered = crowd.delivered.clone();
            let latencies = crowd.stop().await;
            let peak = sampler.stop().await;
            let received = delivered.load(Ordering::Relaxed);
            let expected = subscribers as u64 * approvals as u64;
            let stats = RunStats {
                requests: expected,
                errors: expected.saturating_sub(received) + mutation.errors,
                elapsed: phase_elapsed,
                latencies,
            };
            let mut row = Row::from_stats(audience.scenario, db_label, &stats, peak);
            row.rps = received as f64 / phase_elapsed.as_secs_f64().max(f64::EPSILON);
            row.note = format!(
                "{connected}/{subscribers} subscribers connected in {connect_secs:.1} s, {approvals} approvals, \
                 {received}/{expected} deliveries; latency from sending the approval; \
                 approve mutation p50 {:.1} ms; req/s = deliveries/s over the approval phase",
                mutation.percentile_ms(50.0)
            );
            self.rows.push(row);
        }
        Ok(())
    }

    /// R2: the whole programme with every cache off, on a server of its own.
    pub async fn r2(&mut self, backend: &Backend) -> anyhow::Result<()> {
        let url = backend.fresh_database("r2").await?;
        let (_, db) = prepare(&url).await?;
        db.close().await?;
        let server = self.start_service("r2", url, false).await?;
        self.r1(&server, backend.label(), "R2", None).await
    }

    /// A1: summary and clustering over a generated event, on a server of its own.
    pub async fn a1(&mut self, backend: &Backend) -> anyhow::Result<()> {
        let db_label = backend.label();
        let url = backend.fresh_database("a1").await?;
        let (_, db) = prepare(&url).await?;
        let dataset = Dataset {
            questions: self.sizes.a1_questions,
            votes: self.sizes.a1_votes,
            participants: self.sizes.a1_participants,
            cluster_theme_questions: self.sizes.a1_cluster_questions,
            budget: Duration::from_secs(300),
        };
        eprintln!(
            "[{db_label}] A1: generating {} questions and {} votes …",
            dataset.questions, dataset.votes
        );
        let generated = generate::generate(&db, EVENT, MODERATED_THEME, dataset).await?;
        db.close().await?;
        eprintln!(
            "[{db_label}] A1: generated {} questions and {} votes in {:.1} s",
            generated.questions,
            generated.votes,
            generated.elapsed.as_secs_f64()
        );
        let server = self.start_service("a1", url, true).await?;
        let base = server.base();
        let staff = login(&self.client, &base, STAFF).await?;
        let themes = graphql_data(
            &self.client,
            &Call::graphql(&base, "{ event { themes { id slug } } }", json!({})),
        )
        .await?;
        let theme_id = themes["event"]["themes"]
            .as_array()
            .and_then(|t| t.iter().find(|t| t["slug"] == MODERATED_THEME))
            .and_then(|t| t["id"].as_str())
            .context("the clustered theme")?
            .to_owned();
        let dataset_note = format!(
            "{} questions, {} votes (generated in {:.0} s)",
            generated.questions,
            generated.votes,
            generated.elapsed.as_secs_f64()
        );

        let summary = Call::graphql(&base, SUMMARY, json!({ "e": EVENT })).bearer(&staff)?;
        let summary_check = summary.clone();
        let mut row = self
            .measure_repeated(&server, 1, "A1 summary", db_label, summary)
            .await?;
        let check = graphql_data(&self.client, &summary_check).await?;
        row.note = format!(
            "{dataset_note}; the summary counts {} questions; sequential (c=1)",
            check["feedbackSummary"]["total"]
        );
        self.rows.push(row);

        let clusters =
            Call::graphql(&base, CLUSTERS, json!({ "e": EVENT, "t": theme_id })).bearer(&staff)?;
        let clusters_check = clusters.clone();
        let mut row = self
            .measure_repeated(&server, 1, "A1 clusters", db_label, clusters)
            .await?;
        let check = graphql_data(&self.client, &clusters_check).await?;
        let found = check["feedbackSummary"]["themes"][0]["clusters"]
            .as_array()
            .map_or(0, Vec::len);
        row.note = format!(
            "one theme with {} questions, {found} clusters found; sequential (c=1)",
            self.sizes.a1_cluster_questions
        );
        self.rows.push(row);
        Ok(())
    }
}

/// Slices of a measurement beside the ceiling, for each of the two.
const CEILING_SLICES: u32 = 4;
/// Quiet between two slices.
const SLICE_PAUSE: Duration = Duration::from_millis(300);

/// One of the two servers measured in alternating slices, and its row.
struct Side<'a> {
    server: &'a ServerProcess,
    call: Call,
    scenario: &'a str,
    db: &'a str,
}

impl<'a> Side<'a> {
    fn new(server: &'a ServerProcess, call: Call, scenario: &'a str, db: &'a str) -> Self {
        Self {
            server,
            call,
            scenario,
            db,
        }
    }
}

/// A page request succeeded.
fn page_ok(status: StatusCode, _: &[u8]) -> bool {
    status == StatusCode::OK
}

/// Subscribers of one server in S1 or S2, and the row they are measured in.
struct Audience<'a> {
    scenario: &'static str,
    server: &'a ServerProcess,
    tokens: &'a [String],
    subscribers: usize,
}

/// The variables of submission `n`.
fn submission(theme_id: &str, n: u64) -> Value {
    json!({ "i": {
        "themeId": theme_id,
        "text": format!("Benchvraag {n}: hoe brengen we oude en nieuwe bewoners samen in de wijk?"),
        "submitterRole": "PROFESSIONAL",
        "preferredFormats": ["PEER_LEARNING"],
    } })
}

pub(super) async fn submit_one(
    client: &client::HttpClient,
    base: &str,
    token: &str,
    theme_id: &str,
    n: u64,
) -> anyhow::Result<String> {
    let call = Call::graphql(base, SUBMIT, submission(theme_id, n)).bearer(token)?;
    let data = graphql_data(client, &call).await?;
    Ok(data["submitLearningQuestion"]["id"]
        .as_str()
        .context("no question ID")?
        .to_owned())
}

pub(super) async fn approve(
    client: &client::HttpClient,
    base: &str,
    moderator: &str,
    id: &str,
) -> anyhow::Result<()> {
    let call = Call::graphql(
        base,
        MODERATE,
        json!({ "i": { "id": id, "action": "APPROVE" } }),
    )
    .bearer(moderator)?;
    graphql_data(client, &call).await?;
    Ok(())
}

pub(super) async fn login(
    client: &client::HttpClient,
    base: &str,
    email: &str,
) -> anyhow::Result<String> {
    let call = Call::graphql(
        base,
        LOGIN,
        json!({ "i": { "email": email, "password": PASSWORD } }),
    );
    let data = graphql_data(client, &call).await?;
    Ok(data["login"]["token"]
        .as_str()
        .context("no token")?
        .to_owned())
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Many WebSocket subscribers sharing their counters, and the signal that stops them.
pub(super) struct Crowd {
    /// When each approval was sent, by question ID: the deliveries that count.
    pub(super) sent: Arc<Mutex<HashMap<String, Instant>>>,
    pub(super) delivered: Arc<AtomicU64>,
    /// Every `next` message, whatever the change.
    pub(super) received: Arc<AtomicU64>,
    pub(super) ready: Arc<AtomicU64>,
    pub(super) failed: Arc<AtomicU64>,
    pub(super) tasks: Vec<tokio::task::JoinHandle<Latencies>>,
    stop: tokio::sync::watch::Sender<bool>,
}

impl Crowd {
    /// Starts `count` subscribers at `url` (tokens taken in turn, 64 connecting at once) and
    /// waits until each has connected or failed, for at most `patience`.
    pub(super) async fn connect(
        url: &str,
        tokens: &[String],
        count: usize,
        patience: Duration,
    ) -> Self {
        let (stop, stop_rx) = tokio::sync::watch::channel(false);
        let mut crowd = Self {
            sent: Arc::new(Mutex::new(HashMap::new())),
            delivered: Arc::new(AtomicU64::new(0)),
            received: Arc::new(AtomicU64::new(0)),
            ready: Arc::new(AtomicU64::new(0)),
            failed: Arc::new(AtomicU64::new(0)),
            tasks: Vec::with_capacity(count),
            stop,
        };
        let connecting = Arc::new(tokio::sync::Semaphore::new(64));
        for i in 0..count {
            let subscriber = Subscriber {
                url: url.to_owned(),
                token: tokens[i % tokens.len()].clone(),
                sent: crowd.sent.clone(),
                delivered: crowd.delivered.clone(),
                received: crowd.received.clone(),
                ready: crowd.ready.clone(),
                failed: crowd.failed.clone(),
                connecting: connecting.clone(),
                stop: stop_rx.clone(),
            };
            crowd.tasks.push(tokio::spawn(subscriber.run()));
        }
        let started = Instant::now();
        while crowd.connected() + crowd.failed.load(Ordering::Relaxed) < count as u64
            && started.elapsed() < patience
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        crowd
    }

    pub(super) fn connected(&self) -> u64 {
        self.ready.load(Ordering::Relaxed)
    }

    /// Notes that the approval of question `id` is being sent now.
    pub(super) fn sending(&self, id: &str) {
        if let Ok(mut sent) = self.sent.lock() {
            sent.insert(id.to_owned(), Instant::now());
        }
    }

    /// Stops every subscriber; their delivery latencies, together.
    pub(super) async fn stop(self) -> Latencies {
        let _ = self.stop.send(true);
        let mut all = Latencies::default();
        for task in self.tasks {
            if let Ok(latencies) = task.await {
                all.append(latencies);
            }
        }
        all
    }
}

/// The read buffer of each of S1's WebSocket clients.
const CLIENT_READ_BUFFER: usize = 4096;

/// One WebSocket subscriber of a `Crowd`.
struct Subscriber {
    url: String,
    token: String,
    sent: Arc<Mutex<HashMap<String, Instant>>>,
    delivered: Arc<AtomicU64>,
    received: Arc<AtomicU64>,
    ready: Arc<AtomicU64>,
    failed: Arc<AtomicU64>,
    connecting: Arc<tokio::sync::Semaphore>,
    stop: tokio::sync::watch::Receiver<bool>,
}

impl Subscriber {
    /// Connects, subscribes, and records the delivery latency of every approval it sees.
    async fn run(mut self) -> Latencies {
        let mut latencies = Latencies::default();
        let socket = {
            let _permit = self.connecting.acquire().await;
            self.connect().await
        };
        let mut socket = match socket {
            Ok(socket) => {
                self.ready.fetch_add(1, Ordering::Relaxed);
                socket
            }
            Err(_) => {
                self.failed.fetch_add(1, Ordering::Relaxed);
                return latencies;
            }
        };
        loop {
            tokio::select! {
                _ = self.stop.changed() => break,
                message = socket.next() => {
                    let Some(Ok(message)) = message else { break };
                    let Message::Text(text) = message else { continue };
                    let Ok(value) = serde_json::from_str::<Value>(&text) else { continue };
                    match value["type"].as_str() {
                        Some("next") => {
                            self.received.fetch_add(1, Ordering::Relaxed);
                            let event = &value["payload"]["data"]["learningQuestionEvents"];
                            if event["change"] != "MODERATED" || event["question"]["status"] != "APPROVED" {
                                continue;
                            }
                            let sent_at = event["question"]["id"].as_str().and_then(|id| {
                                self.sent.lock().ok().and_then(|map| map.get(id).copied())
                            });
                            if let Some(sent_at) = sent_at {
                                latencies.record(sent_at.elapsed());
                                self.delivered.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        Some("ping") => {
                            let _ = socket.send(Message::text(json!({ "type": "pong" }).to_string())).await;
                        }
                        _ => {}
                    }
                }
            }
        }
        let _ = socket.close(None).await;
        latencies
    }

    async fn connect(&self) -> anyhow::Result<Socket> {
        let mut request = self.url.as_str().into_client_request()?;
        request.headers_mut().insert(
            "sec-websocket-protocol",
            header::HeaderValue::from_static("graphql-transport-ws"),
        );
        // tungstenite zeroes its whole read buffer (128 KiB by default) before every read:
        // ten thousand such clients on the server's two cores measured mostly `memset`. A
        // phone's client does not; messages here are small.
        let config = WebSocketConfig::default().read_buffer_size(CLIENT_READ_BUFFER);
        let (mut socket, _) =
            tokio_tungstenite::connect_async_with_config(request, Some(config), false).await?;
        let init = json!({ "type": "connection_init", "payload": { "token": self.token } });
        socket.send(Message::text(init.to_string())).await?;
        loop {
            let message = tokio::time::timeout(Duration::from_secs(30), socket.next())
                .await?
                .context("closed before connection_ack")??;
            if let Message::Text(text) = message {
                let value: Value = serde_json::from_str(&text)?;
                match value["type"].as_str() {
                    Some("connection_ack") => break,
                    Some("ping") | Some("pong") => {}
                    _ => anyhow::bail!("unexpected {value}"),
                }
            }
        }
        let subscribe = json!({ "id": "s", "type": "subscribe",
            "payload": { "query": EVENTS, "variables": { "e": EVENT } } });
        socket.send(Message::text(subscribe.to_string())).await?;
        Ok(socket)
    }
}
