//! The running mock: its address, keys, fixtures, clock and what it saw.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use wiremock::MockServer;

use super::handler::{Handler, Shared, UnmatchedRequest};
use super::local::LocalServer;
use super::personality::Personality;
use super::{OTHER_KEY, PRIMARY_KEY};
use crate::api::Endpoint;
use crate::{ApiKey, JobState};

/// What serves the mock over HTTP.
pub(crate) enum Listening {
    /// wiremock's server, on a thread of its own (the default).
    Wiremock(MockServer),
    /// A task of the runtime that started the mock.
    Local(LocalServer),
}

/// The running mock. Dropping it stops the server.
pub struct MockApi {
    server: Listening,
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

/// The mock's handler reached without a socket (the in-process transport,
/// [`MockTransport::InProcess`](super::MockTransport::InProcess)): the same
/// handler and state as the server's.
pub(crate) struct InProcessMock(Handler);

impl std::fmt::Debug for InProcessMock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InProcessMock")
    }
}

impl InProcessMock {
    /// The answer to `request` (a full URL, the headers the wire carries).
    pub(crate) async fn serve(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> (u16, Vec<(String, String)>, Vec<u8>) {
        self.0.serve_in_process(request).await
    }
}

impl MockApi {
    /// This mock's handler, to call without a socket.
    pub(crate) fn in_process(&self) -> InProcessMock {
        InProcessMock(Handler(Arc::clone(&self.shared)))
    }

    pub(crate) fn new(
        server: Listening,
        shared: Arc<Shared>,
        seed: u64,
        clock_kind: &'static str,
        fixtures: Vec<(JobState, String)>,
    ) -> MockApi {
        MockApi {
            server,
            shared,
            seed,
            clock_kind,
            fixtures,
        }
    }

    /// The base URL, e.g. `http://127.0.0.1:41234` (no trailing slash).
    pub fn uri(&self) -> String {
        format!("http://{}", self.address())
    }

    /// The address the mock listens on.
    pub fn address(&self) -> SocketAddr {
        match &self.server {
            Listening::Wiremock(server) => *server.address(),
            Listening::Local(server) => server.address(),
        }
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
    /// [`SystemClock`](super::SystemClock) it fast-forwards (real time keeps running too).
    pub fn advance(&self, by: Duration) {
        self.shared.advance(by);
    }

    /// The mock's time: its clock's reading plus every [`MockApi::advance`].
    pub fn now(&self) -> Duration {
        self.shared.now()
    }

    /// The personality the mock plays (sizes raised to their minimum).
    pub fn personality(&self) -> &Personality {
        self.shared.personality()
    }

    /// The current state of `key`'s job `job_id` (`None` for an unknown job or
    /// another key's job). Settles the job to now, like a request would.
    pub fn job_state(&self, key: &ApiKey, job_id: &str) -> Option<JobState> {
        let now = self.shared.now();
        self.shared.lock().store.state(key.expose(), job_id, now)
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
        let cfg = self.shared.personality();
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
             -d '{{\"query\": \"cloud observability and monitoring tools\"}}' {uri}{}",
            Endpoint::Submit.path("")
        );
        let poll_path = self.fixture(JobState::Completed).map_or_else(
            || Endpoint::Poll.path_template().to_owned(),
            |id| Endpoint::Poll.path(&id),
        );
        let _ = write!(
            out,
            "  curl -s -H 'X-API-Key: {PRIMARY_KEY}' '{uri}{poll_path}?cursor=page_0001'"
        );
        out
    }
}
