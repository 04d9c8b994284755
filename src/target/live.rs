//! A live deployment as a [`Backend`]: jobs come from the `OPENFUNNEL_JOB_*`
//! fixtures, time is real.

use std::collections::BTreeMap;
use std::time::Duration;

use super::backend::{Backend, BackendFuture, Unavailable};
use crate::{ApiKey, JobState};

/// Fixtures of the primary key, and the real clock.
#[derive(Debug)]
pub(crate) struct LiveBackend {
    pub(crate) primary: ApiKey,
    pub(crate) fixtures: BTreeMap<JobState, String>,
    pub(crate) wait: Duration,
    /// The caller's own source of jobs, tried before the fixtures.
    pub(crate) jobs: Option<crate::JobSource>,
}

impl Backend for LiveBackend {
    fn job_in<'a>(
        &'a self,
        key: &'a ApiKey,
        state: JobState,
    ) -> BackendFuture<'a, Result<String, Unavailable>> {
        if let Some(jobs) = &self.jobs {
            return Box::pin(async move {
                match jobs.0.job_in(key, state).await {
                    Ok(id) => Ok(id),
                    Err(unavailable) => self.fixture(key, state).map_err(|_| unavailable),
                }
            });
        }
        let found = self.fixture(key, state);
        Box::pin(async move { found })
    }

    fn pass_time(&self, by: Duration) -> BackendFuture<'_, ()> {
        Box::pin(tokio::time::sleep(by))
    }

    fn provides_jobs(&self) -> bool {
        self.jobs.is_some()
    }

    fn fixture(&self, state: JobState) -> Option<String> {
        self.fixtures.get(&state).cloned()
    }

    fn poll_interval(&self) -> Duration {
        // A thirtieth of the wait limit, between 10 ms and 2 s.
        (self.wait / 30).clamp(Duration::from_millis(10), Duration::from_secs(2))
    }
}

impl LiveBackend {
    /// The fixture of `key` in `state`, or why there is none.
    fn fixture(&self, key: &ApiKey, state: JobState) -> Result<String, Unavailable> {
        if key != &self.primary {
            Err(Unavailable::new(
                state,
                format!(
                    "no {state} job of the second key: live fixtures belong to OPENFUNNEL_API_KEY"
                ),
            ))
        } else {
            self.fixtures.get(&state).cloned().ok_or_else(|| {
                let reason = match crate::config::FIXTURES.iter().find(|(_, s)| *s == state) {
                    Some((var, _)) => format!("no {state} job: set {var} to the ID of one"),
                    None => format!(
                        "no {state} job: live runs cannot bring a job into this state on their own"
                    ),
                };
                Unavailable::new(state, reason)
            })
        }
    }
}
