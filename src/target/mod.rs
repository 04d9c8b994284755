//! The one seam between rules and servers. A [`Target`] sends requests
//! (through the guarded client), finds jobs in a state, lets time pass and
//! keeps the run's record; what differs between the embedded mock and a
//! live deployment is a [`Backend`].

mod backend;
#[cfg(test)]
mod in_process_tests;
mod live;
mod mock;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub(crate) use backend::Backend;
pub use backend::{BackendFuture, Unavailable};

use crate::api::Endpoint;
use crate::client::{Client, SendError, WriteGuard};
use crate::config::{Config, Limits, TargetKind};
use crate::mock::{MockApi, MockTransport};
use crate::record::{Record, RunRecord, Transition};
use crate::{ApiKey, Error, Exchange, JobState, Request, Spec};
use live::LiveBackend;
use mock::MockBackend;

/// A target under test. Cheap to clone; clones share the client, the
/// budget and the mock.
#[derive(Clone, Debug)]
pub struct Target {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    kind: TargetKind,
    spec: Spec,
    client: Client,
    api_key: ApiKey,
    other_api_key: Option<ApiKey>,
    allow_writes: bool,
    backend: Box<dyn Backend>,
    record: RunRecord,
    max_credits: Option<u64>,
    leases: Mutex<BTreeSet<JobState>>,
    lent: Mutex<BTreeSet<JobState>>,
    fixture_notes: Mutex<Vec<String>>,
    stopped: Mutex<BTreeSet<String>>,
}

/// The vendored spec, or the file `OPENFUNNEL_SPEC` names.
fn spec_from_env() -> Result<Spec, Error> {
    match std::env::var(crate::config::SPEC) {
        Ok(path) if !path.trim().is_empty() => Spec::from_path(path.trim()),
        _ => Spec::embedded(),
    }
}

/// The embedded mock with the configuration's seed.
async fn start_mock(config: &Config) -> Result<MockApi, Error> {
    MockApi::builder()
        .seed(config.mock_seed)
        .try_start()
        .await
        .map_err(|e| Error::Target(format!("cannot start the embedded mock: {e}")))
}

/// A live fixture held by one rule; released when dropped.
#[derive(Debug)]
pub(crate) struct Lease {
    target: Target,
    /// The state the fixture was named for.
    pub(crate) state: JobState,
    /// Its ID.
    pub(crate) id: String,
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.target
            .inner
            .leases
            .lock()
            .expect("lease lock")
            .remove(&self.state);
    }
}

impl Target {
    /// The embedded mock with seed 0 and the vendored spec.
    pub async fn mock() -> Result<Target, Error> {
        Target::from_config(&Config::mock()).await
    }

    /// The target the environment asks for (`OPENFUNNEL_TARGET`, …).
    pub async fn from_env() -> Result<Target, Error> {
        Target::from_config(&Config::from_env()?).await
    }

    /// The target a configuration describes, checked against the vendored
    /// spec (or the file `OPENFUNNEL_SPEC` names).
    pub async fn from_config(config: &Config) -> Result<Target, Error> {
        Target::with_spec(config, spec_from_env()?).await
    }

    /// Like [`Target::from_config`], with a spec of the caller's.
    pub async fn with_spec(config: &Config, spec: Spec) -> Result<Target, Error> {
        crate::api::check_spec(&spec)?;
        match config.target {
            TargetKind::Mock => Target::on_mock(start_mock(config).await?, spec, config.limits),
            TargetKind::Live => {
                let api_key = config.api_key.clone().ok_or_else(|| Error::Config {
                    setting: crate::config::API_KEY.into(),
                    reason: "required when OPENFUNNEL_TARGET=live".into(),
                })?;
                let protected = config
                    .fixtures
                    .iter()
                    .filter(|(state, _)| !state.is_terminal())
                    .map(|(_, id)| id.clone());
                let guard = WriteGuard::new(config.allow_writes, protected);
                let secrets = std::iter::once(api_key.clone()).chain(config.other_api_key.clone());
                let client = Client::new(spec.clone(), &config.base_url, config.limits, guard)?
                    .with_secrets(secrets);
                Ok(Target::from_inner(Inner {
                    kind: TargetKind::Live,
                    spec,
                    client,
                    api_key: api_key.clone(),
                    other_api_key: config.other_api_key.clone(),
                    allow_writes: config.allow_writes,
                    backend: Box::new(LiveBackend {
                        primary: api_key,
                        fixtures: config.fixtures.clone(),
                        wait: config.limits.wait,
                        jobs: config.jobs.clone(),
                    }),
                    record: RunRecord::default(),
                    max_credits: config.max_credits,
                    leases: Mutex::default(),
                    lent: Mutex::default(),
                    fixture_notes: Mutex::default(),
                    stopped: Mutex::default(),
                }))
            }
        }
    }

    /// Like [`Target::mock`] (seed 0, the vendored spec or the file
    /// `OPENFUNNEL_SPEC` names), reached over `transport`, and without the
    /// mock's eight fixture jobs, which no target reads (it seeds a fresh
    /// job for every job a rule asks for): seeding them was a quarter of a
    /// model run on fresh mocks. Job IDs differ from [`Target::mock`]'s.
    pub async fn mock_with(transport: MockTransport) -> Result<Target, Error> {
        let config = Config::mock();
        let spec = spec_from_env()?;
        crate::api::check_spec(&spec)?;
        let mock = MockApi::builder()
            .seed(config.mock_seed)
            .fixtures(false)
            .try_start()
            .await
            .map_err(|e| Error::Target(format!("cannot start the embedded mock: {e}")))?;
        Target::on_mock_with(mock, spec, config.limits, transport)
    }

    /// A target on a mock the caller started (a faulty variant, a custom
    /// seed), over HTTP. Writes are allowed: a mock costs nothing.
    pub fn on_mock(mock: MockApi, spec: Spec, limits: Limits) -> Result<Target, Error> {
        Target::on_mock_with(mock, spec, limits, MockTransport::Http)
    }

    /// Like [`Target::on_mock`], reached over `transport`: with
    /// [`MockTransport::InProcess`] every request is handed to the mock's
    /// handler without a socket (see there for what that leaves out).
    pub fn on_mock_with(
        mock: MockApi,
        spec: Spec,
        limits: Limits,
        transport: MockTransport,
    ) -> Result<Target, Error> {
        let guard = WriteGuard::new(true, []);
        let client = match transport {
            MockTransport::Http => Client::new(spec.clone(), &mock.uri(), limits, guard)?,
            MockTransport::InProcess => Client::in_process(
                spec.clone(),
                &mock.uri(),
                limits,
                guard,
                Arc::new(mock.in_process()),
            )?,
        };
        Ok(Target::from_inner(Inner {
            kind: TargetKind::Mock,
            spec,
            client,
            api_key: mock.api_key(),
            other_api_key: Some(mock.other_api_key()),
            allow_writes: true,
            backend: Box::new(MockBackend { mock }),
            record: RunRecord::default(),
            max_credits: None,
            leases: Mutex::default(),
            lent: Mutex::default(),
            fixture_notes: Mutex::default(),
            stopped: Mutex::default(),
        }))
    }

    fn from_inner(inner: Inner) -> Target {
        Target {
            inner: Arc::new(inner),
        }
    }

    /// Mock or live.
    pub fn kind(&self) -> TargetKind {
        self.inner.kind
    }

    /// The spec every exchange is checked against.
    pub fn spec(&self) -> &Spec {
        &self.inner.spec
    }

    /// The base URL.
    pub fn base_url(&self) -> &str {
        self.inner.client.base_url()
    }

    /// The key requests carry.
    pub fn api_key(&self) -> &ApiKey {
        &self.inner.api_key
    }

    /// A second tenant's key, when there is one.
    pub fn other_api_key(&self) -> Option<&ApiKey> {
        self.inner.other_api_key.as_ref()
    }

    /// True when calls that can spend or change others' jobs are allowed.
    pub fn allow_writes(&self) -> bool {
        self.inner.allow_writes
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        self.inner.client.limits()
    }

    /// Requests sent so far.
    pub fn requests_sent(&self) -> u32 {
        self.inner.client.requests_sent()
    }

    /// Sends a request (the caller sets the key, or none).
    pub async fn send(&self, request: Request) -> Result<Exchange, SendError> {
        self.inner.client.send(request).await
    }

    /// A job of the target's key that was in `state` a moment ago, or why
    /// there is none. On the mock a fresh job is seeded for every call, so
    /// rules never share state. On live it is the `OPENFUNNEL_JOB_*` fixture.
    pub(crate) async fn job_in(&self, state: JobState) -> Result<String, Unavailable> {
        self.inner.backend.job_in(&self.inner.api_key, state).await
    }

    #[cfg(feature = "model")]
    /// Like [`Target::job_in`], for a job of `key`.
    pub(crate) async fn job_of(
        &self,
        key: &ApiKey,
        state: JobState,
    ) -> Result<String, Unavailable> {
        self.inner.backend.job_in(key, state).await
    }

    /// True when [`Target::job_in`] gives a fresh job in any state, for
    /// either key, at every call (the embedded mock).
    pub(crate) fn seeds_on_demand(&self) -> bool {
        self.inner.backend.seeds_on_demand()
    }

    /// True when `job_in(state)` is a job the suite may change: any job
    /// the backend seeds, any job with writes allowed, a terminal fixture.
    pub(crate) fn may_change(&self, state: JobState) -> bool {
        self.inner.backend.seeds_on_demand() || self.inner.allow_writes || state.is_terminal()
    }

    /// Lets time pass: on the mock its clock moves on (no real sleep); on
    /// live the task sleeps.
    pub(crate) async fn pass_time(&self, by: Duration) {
        self.inner.backend.pass_time(by).await;
    }

    /// How long to let pass between two polls of a moving job.
    pub(crate) fn poll_interval(&self) -> Duration {
        self.inner.backend.poll_interval()
    }

    /// True when jobs in a state come from the caller's
    /// [`JobProvider`](crate::JobProvider).
    pub(crate) fn provides_jobs(&self) -> bool {
        self.inner.backend.provides_jobs()
    }

    /// True when the run makes its own jobs in a state by submitting and
    /// controlling them: live, writes allowed, no job provider.
    pub(crate) fn derives_jobs(&self) -> bool {
        self.inner.allow_writes && !self.seeds_on_demand() && !self.provides_jobs()
    }

    /// The fixture named for `state`, held by the caller alone until the
    /// lease drops; `None` when there is none, another rule holds it, or
    /// it was lent once already this run (every resume of it delivers,
    /// and is paid for: further uses get a job of the run's own).
    pub(crate) fn lease(&self, state: JobState) -> Option<Lease> {
        let id = self.inner.backend.fixture(state)?;
        let mut leases = self.inner.leases.lock().expect("lease lock");
        let mut lent = self.inner.lent.lock().expect("lease lock");
        if lent.contains(&state) {
            return None;
        }
        (leases.insert(state) && lent.insert(state)).then(|| Lease {
            target: self.clone(),
            state,
            id,
        })
    }

    /// Records what the run did to a fixture (one line).
    pub(crate) fn fixture_note(&self, note: String) {
        let mut notes = self.inner.fixture_notes.lock().expect("fixture lock");
        if !notes.contains(&note) {
            notes.push(note);
        }
    }

    /// What the run did to live fixtures, one line each, in order.
    pub(crate) fn fixture_notes(&self) -> Vec<String> {
        self.inner
            .fixture_notes
            .lock()
            .expect("fixture lock")
            .clone()
    }

    /// Requests the server could not route (the mock reports them).
    pub(crate) fn unmatched(&self) -> Vec<String> {
        self.inner.backend.unmatched()
    }

    /// Remembers a job the suite created, so [`Target::created_jobs`] can
    /// cancel it at the end. Submits answered with a `job_id` are noted by
    /// the client already, also when the answer broke the contract.
    pub(crate) fn note_created(&self, job_id: &str) {
        self.inner.client.note_created(job_id);
    }

    /// Remembers that a created job was cancelled already (the end of its
    /// rule), so the run's final cleanup leaves it alone.
    pub(crate) fn note_stopped(&self, job_id: &str) {
        self.inner
            .stopped
            .lock()
            .expect("stopped lock")
            .insert(job_id.to_owned());
    }

    /// Created jobs not cancelled yet by the rule that made them.
    pub(crate) fn unstopped_jobs(&self) -> Vec<String> {
        let stopped = self.inner.stopped.lock().expect("stopped lock");
        self.created_jobs()
            .into_iter()
            .filter(|job| !stopped.contains(job))
            .collect()
    }

    /// Every job the suite created, in order, without repeats.
    pub fn created_jobs(&self) -> Vec<String> {
        self.inner.client.created_jobs()
    }

    /// Checks that a live target answers at all: one poll of the nil UUID
    /// (free, and no job has that ID). Any HTTP answer will do; no answer
    /// (refused, unresolvable, timed out, reset) is
    /// `Error::Target("cannot reach <base>: <cause>")`. The request counts
    /// against the budget like any other.
    pub async fn preflight(&self) -> Result<(), Error> {
        let request = Endpoint::Poll
            .request(&uuid::Uuid::nil().hyphenated().to_string())
            .key(self.api_key());
        match self.send(request).await {
            Ok(_) | Err(SendError::Budget { .. }) => Ok(()),
            Err(SendError::Transport(violation)) => {
                let cause = violation
                    .mismatches
                    .first()
                    .map_or_else(|| "no answer".to_owned(), |m| m.actual.clone());
                Err(Error::Target(format!(
                    "cannot reach {}: {cause}",
                    self.base_url()
                )))
            }
            Err(SendError::Blocked { reason }) => Err(Error::Target(format!(
                "cannot reach {}: {reason}",
                self.base_url()
            ))),
        }
    }

    /// Records a lifecycle transition the suite observed (a control call on
    /// a job seen in one state, its answer, and the state the next poll
    /// showed), for the coverage.
    pub(crate) fn record_transition(&self, transition: Transition) {
        self.inner.record.transition(transition);
    }

    /// Records a control call on `job` with the target's key in the job's
    /// timeline.
    pub(crate) fn observe_control(&self, job: &str, control: crate::api::Control, status: u16) {
        self.inner.record.control(job, control, status);
    }

    /// Records a poll of `job` with the target's key in the job's timeline
    /// and returns the invariants over time it breaks
    /// ([`crate::timeline`]).
    pub(crate) fn observe_poll(
        &self,
        job: &str,
        cursor: Option<&str>,
        poll: &Exchange,
    ) -> Vec<crate::Violation> {
        self.inner.record.poll(job, cursor, poll)
    }

    /// What the run observed so far, as plain data.
    pub fn record(&self) -> Record {
        Record {
            sent: self.inner.client.sent_log(),
            transitions: self.inner.record.transitions(),
            created_jobs: self.inner.client.created_jobs(),
            timelines: self.inner.record.timeline_counts(),
            spend: self.spend(),
        }
    }

    /// Credits spent so far on jobs the run created or resumed, and the
    /// cap ([`Config::max_credits`]).
    pub(crate) fn spend(&self) -> crate::Spend {
        let created = self.inner.client.created_jobs();
        self.inner.record.spend(&created, self.inner.max_credits)
    }

    /// `Err` with the reason, in the caller's terms, when the run has
    /// spent its credits: no further submit or resume.
    pub(crate) fn may_spend(&self) -> Result<(), String> {
        match self.inner.max_credits {
            Some(cap) if self.spend().credits() >= cap => Err(format!(
                "the run has spent {} of its {cap} credits; raise OPENFUNNEL_MAX_CREDITS (Config::max_credits) to go on",
                self.spend().credits()
            )),
            _ => Ok(()),
        }
    }
}
