//! Configuring and starting a [`MockApi`].

use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use wiremock::matchers::any;
use wiremock::{Mock, MockServer};

use super::PRIMARY_KEY;
use super::clock::{Clock, ManualClock, SystemClock};
use super::fault::Fault;
use super::handler::{Handler, Shared};
use super::local::LocalServer;
use super::personality::Personality;
use super::server::{Listening, MockApi};
use super::store::Store;
use crate::JobState;

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

impl ClockChoice {
    fn name(&self) -> &'static str {
        match self {
            ClockChoice::Manual => "manual",
            ClockChoice::System => "system",
            ClockChoice::Custom(_) => "custom",
        }
    }
}

/// Configures and starts a [`MockApi`]. Get one from [`MockApi::builder`].
pub struct MockApiBuilder {
    seed: u64,
    clock: ClockChoice,
    listen: Option<ListenAddr>,
    personality: Personality,
    fixtures: bool,
    fault: Option<Box<dyn Fault>>,
    latency: Duration,
    on_caller_runtime: bool,
}

impl std::fmt::Debug for MockApiBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockApiBuilder")
            .field("seed", &self.seed)
            .field("clock", &self.clock.name())
            .field("listen", &self.listen)
            .field("personality", &self.personality)
            .field("fixtures", &self.fixtures)
            .field("fault", &self.fault.is_some())
            .field("on_caller_runtime", &self.on_caller_runtime)
            .finish()
    }
}

impl Default for MockApiBuilder {
    fn default() -> Self {
        MockApiBuilder {
            seed: 0,
            clock: ClockChoice::Manual,
            listen: None,
            personality: Personality::faithful(),
            fixtures: true,
            fault: None,
            latency: Duration::ZERO,
            on_caller_runtime: false,
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

    /// Uses a [`SystemClock`](super::SystemClock): jobs move in real time.
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

    /// Plays `personality` (default [`Personality::faithful`]). It replaces
    /// every switch, sizes included: call [`MockApiBuilder::page_size`] and
    /// the like after it, not before.
    pub fn personality(mut self, personality: Personality) -> Self {
        self.personality = personality;
        self
    }

    /// How long the queue wait and each band take (default 10 s). Zero makes
    /// every moving job settle on its next request.
    pub fn band_duration(mut self, band: Duration) -> Self {
        self.personality.band = band;
        self
    }

    /// Rows per result page (default 10; at least 1).
    pub fn page_size(mut self, rows: usize) -> Self {
        self.personality.page_size = rows.max(1);
        self
    }

    /// Rows each band delivers (default 15).
    pub fn rows_per_band(mut self, rows: usize) -> Self {
        self.personality.rows_per_band = rows;
        self
    }

    /// Bands of a complete build (default 4; at least 2).
    pub fn bands_total(mut self, bands: u32) -> Self {
        self.personality.bands_total = bands.max(2);
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

    /// Serves HTTP from the Tokio runtime that starts the mock (a hyper
    /// HTTP/1.1 server, a task of that runtime) instead of wiremock's
    /// server thread: the same handler, without a hand-off between threads
    /// for every request (on a current-thread runtime a request and its
    /// answer never leave the calling thread). Opt-in, for benchmarks and
    /// runs that only ever call the mock from that runtime: it answers only
    /// while the runtime runs, so a caller that blocks it waiting for an
    /// answer (a blocking client, a child process it waits for) hangs.
    /// HTTP/1.1 only; the runtime needs its IO driver (`enable_io`, or
    /// `enable_all`). The default stays wiremock's server.
    pub fn on_caller_runtime(mut self) -> Self {
        self.on_caller_runtime = true;
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
        let clock_kind = self.clock.name();
        let clock: Box<dyn Clock> = match self.clock {
            ClockChoice::Manual => Box::new(ManualClock::new()),
            ClockChoice::System => Box::new(SystemClock::new()),
            ClockChoice::Custom(clock) => clock,
        };
        let mut store = Store::new(self.personality, self.seed);
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
        let server = if self.on_caller_runtime {
            Listening::Local(LocalServer::start(listener, Arc::clone(&shared))?)
        } else {
            let server = MockServer::builder()
                .listener(listener)
                .disable_request_recording()
                .start()
                .await;
            server
                .register(Mock::given(any()).respond_with(Handler(Arc::clone(&shared))))
                .await;
            Listening::Wiremock(server)
        };
        Ok(MockApi::new(
            server, shared, self.seed, clock_kind, fixtures,
        ))
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
}
