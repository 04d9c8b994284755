//! A stateful, spec-faithful mock of the OpenFunnel TAM Builder API, served
//! by [wiremock](https://docs.rs/wiremock).
//!
//! Stateless mocks (Prism, Specmatic) cannot answer "pause, then resume, then
//! poll"; this one keeps jobs in memory, owned by API keys, and moves them
//! through the eight [`JobState`]s by an injectable [`Clock`]:
//! a [`ManualClock`] for tests (advance it, never sleep) or a [`SystemClock`]
//! for the standalone server ([`serve_forever`]).
//!
//! ```
//! use openfunnel_contract::JobState;
//! use openfunnel_contract::mock::MockApi;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let mock = MockApi::start().await; // seed 0, manual clock, fixtures
//! let key = mock.api_key();
//! let pending = mock.fixture(JobState::Pending).unwrap();
//! assert_eq!(mock.job_state(&key, &pending), Some(JobState::Pending));
//! mock.advance(mock.band_duration());
//! assert_eq!(mock.job_state(&key, &pending), Some(JobState::Running));
//! // Another key never sees the job.
//! assert_eq!(mock.job_state(&mock.other_api_key(), &pending), None);
//! // Point an HTTP client at mock.uri() with the header X-API-Key: of_mock_primary.
//! # }
//! ```
//!
//! # The model
//!
//! - **Lazy time.** There is no background task and no sleep. Every request
//!   (and every introspection call) reads the clock and replays each band
//!   boundary that has passed. Mock time is the clock's reading plus every
//!   [`MockApi::advance`].
//! - **Bands.** A submitted job is `pending` for one band duration, then
//!   `running`; each band duration delivers `rows_per_band` rows (`processed`
//!   and `bands_done` advance; `bands_total` is fixed). After the last band the
//!   job is `completed` and its rows are ranked by `match_score`, best first.
//!   Defaults: band duration 10 s, 4 bands of 15 rows, 10 rows per page.
//! - **Pages.** Delivered rows are cut into pages of `page_size`; page `n` is
//!   `page_{n:04}`. `next_cursor` names the next page while more rows are
//!   written and is `null` on the last written page, also while running (only
//!   `status` says a job is done).
//! - **IDs** are UUIDs from a generator seeded with [`MockApiBuilder::seed`]:
//!   the same seed and the same sequence of submits give the same IDs.
//! - **Keys.** Any `X-API-Key` value is a tenant. The primary key
//!   ([`PRIMARY_KEY`]) owns the fixtures, [`OTHER_KEY`] owns nothing; a job is
//!   visible only to the key that owns it.
//! - **Fixtures.** By default the primary key owns one job in each of the eight
//!   states ([`MockApi::fixtures`]). The moving ones (pending, running,
//!   pausing, cancelling) keep their state until one band duration passes.
//!   Delivered rows: pending 0; running, pausing, cancelling, failed 1 band;
//!   paused, cancelled 2 bands; completed all bands. A pausing fixture writes
//!   its in-flight band when it settles; a cancelling one abandons it.
//!   [`MockApi::seed_job`] adds such a job for any key at any time.
//!
//! # Answers
//!
//! Documented behaviour the mock follows: submit answers `pending`; pause of
//! a running or pending job answers `pausing` and the job settles to `paused`
//! at the next band boundary, writing the in-flight band; pause of a paused
//! job answers `paused`; resume of a paused job answers `running` and building
//! continues from the checkpoint; cancel of a running or pending job answers
//! `cancelling` and the job settles to `cancelled` at the next band boundary;
//! resume of a finished job is 409; an unknown job or another key's job is
//! 404 `{"detail": "Job not found for this API key"}`; `manifest` is `null`
//! until the job is terminal; delivered rows stay readable after pause and
//! cancel; a terminal job never changes. Every body is `application/json`.
//!
//! Routing and validation happen in FastAPI's order: the path and method
//! first (404 / 405), then the parameters and body (422), then the job (404),
//! then its state (409).
//!
//! # Where the documentation is silent
//!
//! Every choice the mock makes where the reference documentation leaves the
//! answer open. Each is one of the outcomes the spec allows (a 2XX with the
//! resulting status, 404, 409 or 422); the mock never answers 5xx and never
//! uses a code the documentation does not. Every 409 body is
//! `{"detail": "Job already finished (completed / failed / cancelled)"}`, and
//! every 409 is true: after it, the job is terminal.
//!
//! | operation | job state / input | answer | why |
//! |---|---|---|---|
//! | submit | valid body | **200** `{job_id, status: "pending", message}` | success code not visible ("2XX"); 200 is FastAPI's default |
//! | poll | any state | **200** poll body | success code not visible ("2XX"); 200 is FastAPI's default |
//! | poll, pause, cancel | unknown job, or another key's job | **404** `Job not found for this API key` | documented for resume only; the sibling bulk-lookalike cancel documents the same 404 |
//! | every operation | no `X-API-Key` header | **422** `loc ["header","x-api-key"]`, `type "missing"`, `msg "Field required"` | the header is a required parameter; this is what FastAPI answers |
//! | every operation | an `X-API-Key` the mock has not seen | accepted: a tenant with no jobs (submit creates its first job; anything else is 404) | no 401/403 is documented, and the mock invents no codes |
//! | poll | `cursor` not `page_` + at least 4 digits (incl. empty) | **422** `loc ["query","cursor"]`, `type "string_pattern_mismatch"`, pattern `^page_[0-9]{4,}$` | FastAPI's answer for a constrained query parameter; 422 is documented |
//! | poll | valid `cursor` past the written pages | **200**, `rows: []`, `count: 0`, `page` = that page, `next_cursor: null` | a running job's later pages are simply not written yet; only `status` says a job is done |
//! | poll | `running` job, last written page | **200**, `next_cursor: null` | documented that a running job can return a null `next_cursor` |
//! | pause | `pending` | **200** `pausing`; settles to `paused` at the end of the queue wait, no rows | the TAM Builder page allows pausing "a running or pending job" |
//! | pause | `pausing` | **200** `pausing`, unchanged | idempotent, like pause of `paused` (documented 200) |
//! | pause | `cancelling` | **409**; the job becomes `cancelled` at once (its in-flight band abandoned) | a 200 for pause can only say `pausing`/`paused`, false for a job a cancel is stopping; 409 means "already finished", so the mock makes that true: "cancel is terminal", only its timing moves |
//! | pause | `completed`, `failed`, `cancelled` | **409**, unchanged, every time | as documented for resume (and the sibling cancel); a terminal job never changes |
//! | resume | `pending` | **200** `running`; the job starts now (its queue wait becomes its first band; no boundary moves) | the only documented 200 body is `running`, so the mock makes it true |
//! | resume | `running` | **200** `running`, unchanged | the job already is what the 200 says |
//! | resume | `pausing` | **200** `running`; the pause request is withdrawn, the in-flight band continues | makes the documented `running` true without losing work |
//! | resume | `cancelling` | **409**; the job becomes `cancelled` at once (its in-flight band abandoned) | a 200 for resume must say `running`, which a cancel cannot undo; 404/422 would be false; 409 means "already finished", so, as for pause, the mock finishes the cancel now and the 409 is true |
//! | cancel | `pausing` | **200** `cancelling`; the in-flight band is abandoned | cancel is documented to stop at the next checkpoint, pause is not terminal |
//! | cancel | `paused` | **200** `cancelling`; `cancelled` one band duration later | the documented cancel 200 says `cancelling`; a paused job has no band in flight, so its next checkpoint is one band away |
//! | cancel | `cancelling` | **200** `cancelling`, unchanged | idempotent, like pause of `paused` |
//! | cancel | `completed`, `failed`, `cancelled` | **409**, unchanged, every time | the sibling bulk-lookalike cancel documents this 409 |
//! | (settling) | `cancelling` at its boundary | the in-flight band is *not* written | "charged only for the companies actually delivered before the cancel - nothing for the abandoned remainder" |
//! | (settling) | `pausing` whose in-flight band is the last | `completed` (not `paused`) | nothing is left to pause |
//! | (settling) | `running` → `completed` | rows re-ordered by `match_score` (best first), `manifest.ranked: true` | the documented example of a completed build has `ranked: true` |
//! | poll | terminal job | `manifest {pages, page_size, unique_count, partial, degraded: false, ranked, stop_reason, credits_consumed}`: `partial` false and `stop_reason` null only for `completed`; `stop_reason` `"failed"` / `"cancelled"` otherwise; `credits_consumed` = `unique_count` = delivered rows | the manifest's fields are known only from one example |
//! | poll | `failed` | `error_message` a string; `null` in every other state | only `null` appears in the documentation |
//! | submit | body not JSON (with a JSON or no `Content-Type`) | **422** `loc ["body", 0]`, `type "json_invalid"`, `msg "JSON decode error"`, `ctx.error` the parser's message | FastAPI's answer; FastAPI puts the error offset in `loc`, the mock always puts 0 |
//! | submit | empty body, or JSON `null` | **422** `loc ["body"]`, `type "missing"` | FastAPI's answer for a missing required body |
//! | submit | JSON that is not an object, or a non-JSON `Content-Type` | **422** `loc ["body"]`, `type "model_attributes_type"` | FastAPI's answer (it does not parse a body sent as e.g. `text/plain` or a form) |
//! | submit | `query` missing / `""` / over 500 characters / not a string | **422** `loc ["body","query"]`, `type` `missing` / `string_too_short` / `string_too_long` / `string_type` | the documented 1..500 length, in pydantic's words; length counts characters, not bytes; other fields are ignored |
//! | submit | missing key *and* a bad body | **422** with both errors, header first | FastAPI reports every parameter error at once (but a JSON syntax error alone) |
//! | any path | known path, wrong method | **405** `{"detail": "Method Not Allowed"}`, `Allow: GET` or `Allow: POST` (no `HEAD`, like FastAPI) | FastAPI's answer; recorded in [`MockApi::unmatched_requests`] |
//! | any path | no operation matches (incl. a trailing `/`) | **404** `{"detail": "Not Found", "nearest_operation": "GET /api/v1/tam/build/{job_id}", "method", "path"}` | FastAPI's 404, plus the nearest operation; recorded in [`MockApi::unmatched_requests`]. Starlette would redirect a trailing slash (307); the mock invents no codes |
//! | any path | percent-encoded `job_id` | each path segment is decoded on its own before routing and lookup (`%61` is `a`); a `job_id` that decodes to contain `/` matches no route: **404** `Not Found` as above | `{job_id}` is one path segment, and a job id never contains `/`; uvicorn + Starlette would decode the whole path first and could then answer 405 for a request the spec says is a poll, a code the spec does not document there |
//!
//! # Standalone
//!
//! [`serve_forever`] binds `127.0.0.1:<port>` with a [`SystemClock`], prints
//! [`MockApi::banner`] (base URL, both keys, fixture IDs) and serves until
//! Ctrl-C. The keys are fixed, public test values, not secrets.
//!
//! Known limitation: wiremock keeps a copy of every request that matched a
//! mock (even with request recording disabled), so a long-running standalone
//! mock grows by roughly the size of each request it serves.

mod clock;
mod fault;
mod http;
mod job;
mod rows;

use std::fmt::Write as _;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use wiremock::matchers::any;
use wiremock::{Mock, MockServer};

pub use clock::{Clock, ManualClock, SystemClock};
pub use fault::{Answer, Call, Fault};
pub use http::{Operation, UnmatchedRequest};

use crate::{ApiKey, JobState};
use http::{Handler, Shared};
use job::{Config, Store};

/// The primary tenant's `X-API-Key`: it owns the fixtures. A public test
/// value, not a secret.
pub const PRIMARY_KEY: &str = "of_mock_primary";
/// A second tenant's `X-API-Key`, owning no fixture. Not a secret.
pub const OTHER_KEY: &str = "of_mock_other";

/// Where the mock listens: a full socket address, or (from a `u16`) that port
/// on `127.0.0.1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListenAddr(pub SocketAddr);

impl From<SocketAddr> for ListenAddr {
    fn from(addr: SocketAddr) -> Self {
        ListenAddr(addr)
    }
}

impl From<u16> for ListenAddr {
    fn from(port: u16) -> Self {
        ListenAddr(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
    }
}

enum ClockChoice {
    Manual,
    System,
    Custom(Box<dyn Clock>),
}

/// Configures and starts a [`MockApi`]. Get one from [`MockApi::builder`].
pub struct MockApiBuilder {
    seed: u64,
    clock: ClockChoice,
    listen: Option<ListenAddr>,
    cfg: Config,
    fixtures: bool,
    fault: Option<Box<dyn Fault>>,
    latency: Duration,
}

impl std::fmt::Debug for MockApiBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockApiBuilder")
            .field("seed", &self.seed)
            .field("clock", &clock_name(&self.clock))
            .field("listen", &self.listen)
            .field("cfg", &self.cfg)
            .field("fixtures", &self.fixtures)
            .field("fault", &self.fault.is_some())
            .finish()
    }
}

fn clock_name(clock: &ClockChoice) -> &'static str {
    match clock {
        ClockChoice::Manual => "manual",
        ClockChoice::System => "system",
        ClockChoice::Custom(_) => "custom",
    }
}

impl Default for MockApiBuilder {
    fn default() -> Self {
        MockApiBuilder {
            seed: 0,
            clock: ClockChoice::Manual,
            listen: None,
            cfg: Config {
                band: Duration::from_secs(10),
                page_size: 10,
                rows_per_band: 15,
                bands_total: 4,
            },
            fixtures: true,
            fault: None,
            latency: Duration::ZERO,
        }
    }
}

impl MockApiBuilder {
    /// Seeds the generator of job IDs and rows (default 0).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Uses `clock` (for instance a [`ManualClock`] the caller keeps a clone
    /// of, to advance it directly).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = ClockChoice::Custom(Box::new(clock));
        self
    }

    /// Uses a fresh [`ManualClock`], moved only by [`MockApi::advance`]
    /// (the default).
    pub fn manual_clock(mut self) -> Self {
        self.clock = ClockChoice::Manual;
        self
    }

    /// Uses a [`SystemClock`]: jobs move in real time.
    pub fn system_clock(mut self) -> Self {
        self.clock = ClockChoice::System;
        self
    }

    /// Listens on `addr`: a [`SocketAddr`] or a port on `127.0.0.1`.
    /// Default: a free port on `127.0.0.1`.
    pub fn listen(mut self, addr: impl Into<ListenAddr>) -> Self {
        self.listen = Some(addr.into());
        self
    }

    /// How long the queue wait and each band take (default 10 s). Zero makes
    /// every moving job settle on its next request.
    pub fn band_duration(mut self, band: Duration) -> Self {
        self.cfg.band = band;
        self
    }

    /// Rows per result page (default 10; at least 1).
    pub fn page_size(mut self, rows: usize) -> Self {
        self.cfg.page_size = rows.max(1);
        self
    }

    /// Rows each band delivers (default 15).
    pub fn rows_per_band(mut self, rows: usize) -> Self {
        self.cfg.rows_per_band = rows;
        self
    }

    /// Bands of a complete build (default 4; at least 2).
    pub fn bands_total(mut self, bands: u32) -> Self {
        self.cfg.bands_total = bands.max(2);
        self
    }

    /// Whether to seed the eight fixtures of the primary key (default true).
    pub fn fixtures(mut self, seed_fixtures: bool) -> Self {
        self.fixtures = seed_fixtures;
        self
    }

    /// Installs a deliberate [`Fault`]: it sees every call with the answer
    /// the correct mock would give and may change it. For checking that a
    /// harness catches a broken server; never set in the default mock.
    pub fn fault(mut self, fault: impl Fault) -> Self {
        self.fault = Some(Box::new(fault));
        self
    }

    /// Delays every answer by `latency` (real time, without blocking the
    /// server), to stand in for a remote deployment in benchmarks.
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Starts the mock. Must run inside a Tokio runtime (with timers).
    ///
    /// # Errors
    /// When the listen address cannot be bound.
    pub async fn try_start(self) -> io::Result<MockApi> {
        let listener = match self.listen {
            Some(ListenAddr(addr)) => TcpListener::bind(addr)?,
            None => TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?,
        };
        let clock_kind = clock_name(&self.clock);
        let clock: Box<dyn Clock> = match self.clock {
            ClockChoice::Manual => Box::new(ManualClock::new()),
            ClockChoice::System => Box::new(SystemClock::new()),
            ClockChoice::Custom(clock) => clock,
        };
        let mut store = Store::new(self.cfg, self.seed);
        let now = clock.now();
        let fixtures = if self.fixtures {
            JobState::ALL
                .into_iter()
                .map(|state| (state, store.seed(PRIMARY_KEY, state, now)))
                .collect()
        } else {
            Vec::new()
        };
        let shared = Arc::new(Shared::new(store, clock, self.fault, self.latency));
        let server = MockServer::builder()
            .listener(listener)
            .disable_request_recording()
            .start()
            .await;
        server
            .register(Mock::given(any()).respond_with(Handler(Arc::clone(&shared))))
            .await;
        Ok(MockApi {
            server,
            shared,
            seed: self.seed,
            clock_kind,
            fixtures,
        })
    }

    /// Starts the mock.
    ///
    /// # Panics
    /// When the listen address cannot be bound; see [`MockApiBuilder::try_start`].
    pub async fn start(self) -> MockApi {
        match self.try_start().await {
            Ok(mock) => mock,
            Err(err) => panic!("the mock could not bind its listen address: {err}"),
        }
    }

    /// Starts the mock, prints [`MockApi::banner`] to stdout and serves until
    /// Ctrl-C.
    ///
    /// # Errors
    /// When the address cannot be bound or Ctrl-C cannot be listened for.
    pub async fn serve_forever(self) -> io::Result<()> {
        let mock = self.try_start().await?;
        println!("{}", mock.banner());
        println!("Serving until Ctrl-C.");
        tokio::signal::ctrl_c().await?;
        drop(mock);
        Ok(())
    }
}

/// Serves the mock on `127.0.0.1:port` (0: any free port) with a
/// [`SystemClock`] and the given seed, prints [`MockApi::banner`] and runs
/// until Ctrl-C. For `openfunnel-contract mock --port 8080 --seed N`.
///
/// # Errors
/// When the port cannot be bound or Ctrl-C cannot be listened for.
pub async fn serve_forever(port: u16, seed: u64) -> io::Result<()> {
    MockApi::builder()
        .seed(seed)
        .system_clock()
        .listen(port)
        .serve_forever()
        .await
}

/// The running mock. Dropping it stops the server.
pub struct MockApi {
    server: MockServer,
    shared: Arc<Shared>,
    seed: u64,
    clock_kind: &'static str,
    fixtures: Vec<(JobState, String)>,
}

impl std::fmt::Debug for MockApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockApi")
            .field("uri", &self.uri())
            .field("seed", &self.seed)
            .field("clock", &self.clock_kind)
            .finish_non_exhaustive()
    }
}

impl MockApi {
    /// A mock with seed 0, a manual clock, the default sizes and the eight
    /// fixtures, on a free port of `127.0.0.1`.
    pub async fn start() -> MockApi {
        MockApi::builder().start().await
    }

    /// A builder for any other configuration.
    pub fn builder() -> MockApiBuilder {
        MockApiBuilder::default()
    }

    /// The base URL, e.g. `http://127.0.0.1:41234` (no trailing slash).
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// The address the mock listens on.
    pub fn address(&self) -> SocketAddr {
        *self.server.address()
    }

    /// The seed of this mock's generator.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The primary tenant's key ([`PRIMARY_KEY`]), which owns the fixtures.
    pub fn api_key(&self) -> ApiKey {
        ApiKey::new(PRIMARY_KEY)
    }

    /// A second tenant's key ([`OTHER_KEY`]).
    pub fn other_api_key(&self) -> ApiKey {
        ApiKey::new(OTHER_KEY)
    }

    /// The id of the primary key's fixture in `state`; `None` when the mock
    /// was built without fixtures.
    pub fn fixture(&self, state: JobState) -> Option<String> {
        self.fixtures
            .iter()
            .find(|(s, _)| *s == state)
            .map(|(_, id)| id.clone())
    }

    /// Every fixture of the primary key, sorted by state (lifecycle order).
    /// Their states are the ones they were seeded in; see
    /// [`MockApi::job_state`] for where they are now.
    pub fn fixtures(&self) -> Vec<(JobState, String)> {
        let mut fixtures = self.fixtures.clone();
        fixtures.sort();
        fixtures
    }

    /// Adds a job in `state` owned by `key`, created now (a moving state
    /// keeps for one band duration); returns its id. Rows as for the
    /// fixtures (see the module docs).
    pub fn seed_job(&self, key: &ApiKey, state: JobState) -> String {
        let now = self.shared.now();
        self.shared.lock().store.seed(key.expose(), state, now)
    }

    /// Moves the mock's time forward by `by`, on top of its clock. With the
    /// default manual clock this is the only thing that moves time; with a
    /// [`SystemClock`] it fast-forwards (real time keeps running too).
    pub fn advance(&self, by: Duration) {
        self.shared.advance(by);
    }

    /// The mock's time: its clock's reading plus every [`MockApi::advance`].
    pub fn now(&self) -> Duration {
        self.shared.now()
    }

    /// How long one band (and the queue wait) takes: advance by this much to
    /// move every moving job one step.
    pub fn band_duration(&self) -> Duration {
        self.shared.lock().store.cfg.band
    }

    /// Rows per result page.
    pub fn page_size(&self) -> usize {
        self.shared.lock().store.cfg.page_size
    }

    /// Rows each band delivers.
    pub fn rows_per_band(&self) -> usize {
        self.shared.lock().store.cfg.rows_per_band
    }

    /// Bands of a complete build.
    pub fn bands_total(&self) -> u32 {
        self.shared.lock().store.cfg.bands_total
    }

    /// The current state of `key`'s job `job_id` (`None` for an unknown job or
    /// another key's job). Settles the job to now, like a request would.
    pub fn job_state(&self, key: &ApiKey, job_id: &str) -> Option<JobState> {
        let now = self.shared.now();
        self.shared
            .lock()
            .store
            .job(key.expose(), job_id, now)
            .map(|job| job.state)
    }

    /// Every job of `key` with its current state, sorted by id.
    pub fn jobs(&self, key: &ApiKey) -> Vec<(String, JobState)> {
        let now = self.shared.now();
        self.shared.lock().store.jobs_of(key.expose(), now)
    }

    /// Every request that matched no operation (answered 404 or 405), oldest
    /// first.
    pub fn unmatched_requests(&self) -> Vec<UnmatchedRequest> {
        self.shared.lock().unmatched.clone()
    }

    /// How many requests the mock has answered.
    pub fn request_count(&self) -> usize {
        self.shared.lock().requests
    }

    /// What the standalone server prints: base URL, both keys, the
    /// configuration and the fixture IDs, with two example `curl` calls.
    pub fn banner(&self) -> String {
        let uri = self.uri();
        let cfg = self.shared.lock().store.cfg;
        let mut out = String::new();
        let _ = writeln!(out, "OpenFunnel TAM Builder mock");
        let _ = writeln!(out, "  base URL   {uri}");
        let _ = writeln!(
            out,
            "  X-API-Key  {PRIMARY_KEY}   (primary tenant, owns the fixtures)"
        );
        let _ = writeln!(out, "  X-API-Key  {OTHER_KEY}     (second tenant)");
        let _ = writeln!(
            out,
            "  seed {} · {} clock · one band every {:?} · {} bands of {} rows · {} rows per page",
            self.seed, self.clock_kind, cfg.band, cfg.bands_total, cfg.rows_per_band, cfg.page_size
        );
        let _ = writeln!(out);
        if self.fixtures.is_empty() {
            let _ = writeln!(out, "No fixture jobs.");
        } else {
            let _ = writeln!(out, "Fixture jobs of {PRIMARY_KEY} (state when seeded):");
            for (state, id) in self.fixtures() {
                let _ = writeln!(out, "  {:<11} {id}", state.as_str());
            }
        }
        let _ = writeln!(out);
        let _ = writeln!(out, "Try:");
        let _ = writeln!(
            out,
            "  curl -s -H 'X-API-Key: {PRIMARY_KEY}' -H 'Content-Type: application/json' \\\n    \
             -d '{{\"query\": \"cloud observability and monitoring tools\"}}' {uri}/api/v1/tam/build"
        );
        let poll_id = self
            .fixture(JobState::Completed)
            .unwrap_or_else(|| "{job_id}".to_owned());
        let _ = write!(
            out,
            "  curl -s -H 'X-API-Key: {PRIMARY_KEY}' '{uri}/api/v1/tam/build/{poll_id}?cursor=page_0001'"
        );
        out
    }
}
