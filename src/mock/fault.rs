//! Deliberate faults: a hook that sees every call with the answer the
//! correct mock would give, and may change it. Used to check the checker:
//! a harness that passes a faulty server is worthless.

use super::answer::Answer;
use crate::JobState;
use crate::api::Endpoint;

/// One call the mock answered.
#[derive(Debug, Clone)]
pub struct Call {
    /// The request method.
    pub method: String,
    /// The raw (percent-encoded) path.
    pub path: String,
    /// The raw query string, if any (`cursor=page_0001`).
    pub query: Option<String>,
    /// The endpoint, when the route matched one (method and path).
    pub operation: Option<Endpoint>,
    /// The decoded `job_id` of the path, if any.
    pub job_id: Option<String>,
    /// The `X-API-Key` sent (mock keys are public test values).
    pub key: Option<String>,
    /// The job's state for this key just before the call (after the clock
    /// moved it); `None` for no such job.
    pub state_before: Option<JobState>,
    /// The job's state for this key right after the correct answer.
    pub state_after: Option<JobState>,
}

/// A deliberate deviation from the contract. Closures
/// `Fn(&Call, &mut Answer)` are faults. A fault sees the answer before the
/// personality dresses it (extra fields, gzip, ...).
pub trait Fault: Send + Sync + 'static {
    /// Changes `answer` (or leaves it) for `call`.
    fn apply(&self, call: &Call, answer: &mut Answer);
}

impl<F> Fault for F
where
    F: Fn(&Call, &mut Answer) + Send + Sync + 'static,
{
    fn apply(&self, call: &Call, answer: &mut Answer) {
        self(call, answer)
    }
}
