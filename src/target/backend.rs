//! What differs between servers: where a job in a given state comes from,
//! how time passes, how often to poll. The mock and a live deployment each
//! implement [`Backend`]; rules only ever see the [`Target`](super::Target).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use crate::{ApiKey, JobState};

/// A boxed future of a backend call.
pub type BackendFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why no job in the asked state can be had, in the caller's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Unavailable {
    /// The state asked for.
    pub state: JobState,
    /// What to do about it (which setting to set), in one sentence.
    pub reason: String,
}

impl Unavailable {
    /// No job in `state`, and why.
    pub fn new(state: JobState, reason: impl Into<String>) -> Unavailable {
        Unavailable {
            state,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Unavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for Unavailable {}

/// The server side of a [`Target`](super::Target): one small trait, so the
/// embedded mock, a live deployment and a user's own server plug in alike.
pub(crate) trait Backend: Send + Sync + fmt::Debug {
    /// A job of `key` that was in `state` a moment ago.
    fn job_in<'a>(
        &'a self,
        key: &'a ApiKey,
        state: JobState,
    ) -> BackendFuture<'a, Result<String, Unavailable>>;

    /// Lets `by` pass on the server (a mock clock moves; live sleeps).
    fn pass_time(&self, by: Duration) -> BackendFuture<'_, ()>;

    /// How long to let pass between two polls of a moving job.
    fn poll_interval(&self) -> Duration;

    /// True when [`Backend::job_in`] gives a fresh job in any state, for
    /// any key, at every call (a mock): rules and the model then never
    /// share a job, and may seed as many as they like.
    fn seeds_on_demand(&self) -> bool {
        false
    }

    /// True when [`Backend::job_in`] gives a fresh job at every call from
    /// the caller's own [`JobProvider`](crate::JobProvider).
    fn provides_jobs(&self) -> bool {
        false
    }

    /// The long-lived job the caller named for `state` (a live fixture),
    /// if any.
    fn fixture(&self, state: JobState) -> Option<String> {
        let _ = state;
        None
    }

    /// Requests the server could not route, one line each (a mock knows;
    /// a live server does not say).
    fn unmatched(&self) -> Vec<String> {
        Vec::new()
    }
}
