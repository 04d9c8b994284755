//! Settings in code: one builder method per live setting, each naming its
//! environment twin, and the caller's own source of jobs in a state.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use super::{Config, vars::*};
use crate::target::{BackendFuture, Unavailable};
use crate::{ApiKey, Error, JobState};

/// A caller's source of jobs: a job of `key` in `state`, seeded on the
/// caller's own server (Pact calls these provider states). Closures
/// `Fn(ApiKey, JobState) -> impl Future<Output = Result<String, Unavailable>>`
/// implement it.
///
/// Each call must give a job no other call was given: rules change the
/// jobs they get.
pub trait JobProvider: Send + Sync {
    /// A fresh job of `key` in `state`, or why there is none.
    fn job_in(
        &self,
        key: &ApiKey,
        state: JobState,
    ) -> BackendFuture<'_, Result<String, Unavailable>>;
}

impl<F, Fut> JobProvider for F
where
    F: Fn(ApiKey, JobState) -> Fut + Send + Sync,
    Fut: Future<Output = Result<String, Unavailable>> + Send + 'static,
{
    fn job_in(
        &self,
        key: &ApiKey,
        state: JobState,
    ) -> BackendFuture<'_, Result<String, Unavailable>> {
        Box::pin(self(key.clone(), state))
    }
}

/// A shared [`JobProvider`], as [`Config::jobs`] keeps it.
#[derive(Clone)]
pub struct JobSource(pub(crate) Arc<dyn JobProvider>);

impl fmt::Debug for JobSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JobSource(..)")
    }
}

impl Config {
    /// Allows calls that can create or continue a build (they cost
    /// credits) or change a job the run did not create. Env:
    /// `OPENFUNNEL_ALLOW_WRITES`; default off on live.
    #[must_use = "a Config builder method returns the changed Config"]
    ///
    /// On live it also raises a budget still at the read-only default (300)
    /// to `LIVE_WRITES_MAX_REQUESTS`, as the environment does.
    pub fn allow_writes(mut self, allow: bool) -> Config {
        let read_only_budget = super::Limits::defaults(self.target).max_requests;
        if allow
            && self.target == super::TargetKind::Live
            && self.limits.max_requests == read_only_budget
        {
            self.limits.max_requests = super::LIVE_WRITES_MAX_REQUESTS;
        }
        self.allow_writes = allow;
        self
    }

    /// A second tenant's key, for the isolation rule. Env: `OPENFUNNEL_OTHER_API_KEY`.
    pub fn other_api_key(mut self, key: ApiKey) -> Result<Config, Error> {
        super::check_key(OTHER_API_KEY, &key)?;
        self.other_api_key = Some(key);
        Ok(self)
    }

    /// An existing job of the key in `state`, used for what a run cannot
    /// derive (completed, failed) or when writes are off. Env:
    /// `OPENFUNNEL_JOB_<STATE>` (completed, failed, cancelled, paused,
    /// running).
    #[must_use = "a Config builder method returns the changed Config"]
    pub fn fixture(mut self, state: JobState, job_id: impl Into<String>) -> Config {
        self.fixtures.insert(state, job_id.into());
        self
    }

    /// Most requests of the run, retries included. Env: `OPENFUNNEL_MAX_REQUESTS`;
    /// default 300 on live.
    #[must_use = "a Config builder method returns the changed Config"]
    pub fn max_requests(mut self, n: u32) -> Config {
        self.limits.max_requests = n.max(1);
        self
    }

    /// Most requests per second; `None` is unlimited. Env: `OPENFUNNEL_RPS`;
    /// default 5 on live.
    #[must_use = "a Config builder method returns the changed Config"]
    pub fn rps(mut self, rps: Option<f64>) -> Config {
        self.limits.rps = rps;
        self
    }

    /// Per-request timeout. Env: `OPENFUNNEL_TIMEOUT_SECS`; default 30 s.
    #[must_use = "a Config builder method returns the changed Config"]
    pub fn timeout(mut self, timeout: Duration) -> Config {
        self.limits.timeout = timeout;
        self
    }

    /// How long a transient state may take to settle. Env: `OPENFUNNEL_WAIT_SECS`;
    /// default 120 s on live.
    #[must_use = "a Config builder method returns the changed Config"]
    pub fn wait(mut self, wait: Duration) -> Config {
        self.limits.wait = wait;
        self
    }

    /// Most credits the run may spend; `None` is no cap. Env:
    /// `OPENFUNNEL_MAX_CREDITS`; default 100 on live.
    #[must_use = "a Config builder method returns the changed Config"]
    pub fn max_credits(mut self, credits: Option<u64>) -> Config {
        self.max_credits = credits;
        self
    }

    /// Jobs in a state come from `provider` (seeding your own server)
    /// instead of being derived or read from fixtures. No environment
    /// twin: it is code.
    ///
    /// ```
    /// use openfunnel_contract::{ApiKey, Config, JobState, Unavailable};
    ///
    /// let config = Config::live("http://127.0.0.1:9", ApiKey::new("of_test"))?
    ///     .allow_writes(true)
    ///     .jobs(|key: ApiKey, state: JobState| async move {
    ///         // Insert a job of `key` in `state` into your server's store here.
    ///         let _ = key;
    ///         Err::<String, _>(Unavailable::new(state, "this server cannot seed jobs"))
    ///     });
    /// assert!(config.jobs.is_some());
    /// # Ok::<(), openfunnel_contract::Error>(())
    /// ```
    #[must_use = "a Config builder method returns the changed Config"]
    pub fn jobs(mut self, provider: impl JobProvider + 'static) -> Config {
        self.jobs = Some(JobSource(Arc::new(provider)));
        self
    }
}
