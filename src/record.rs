//! What a run observed, in one place: every answered request, the
//! lifecycle transitions, the jobs it created. The target writes it; the
//! coverage and the reports read a [`Record`] taken from it.

use std::fmt;
use std::sync::Mutex;

use crate::api::Control;
use crate::{JobState, Sent};

/// What a run observed, as plain data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Record {
    /// Every answered request (endpoint and status), in order.
    pub sent: Vec<Sent>,
    /// Every lifecycle transition observed, in order.
    pub transitions: Vec<Transition>,
    /// Every job the run created, in order, without repeats.
    pub created_jobs: Vec<String>,
}

/// The shared, growing record of a run (inside a target).
#[derive(Debug, Default)]
pub(crate) struct RunRecord {
    transitions: Mutex<Vec<Transition>>,
}

impl RunRecord {
    /// Adds a transition.
    pub(crate) fn transition(&self, transition: Transition) {
        self.transitions
            .lock()
            .expect("record lock")
            .push(transition);
    }

    /// The transitions so far.
    pub(crate) fn transitions(&self) -> Vec<Transition> {
        self.transitions.lock().expect("record lock").clone()
    }
}

/// A lifecycle step the suite observed: a control call on a job last seen
/// in `before`, its answer, and the state the next poll showed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Transition {
    /// Pause, resume or cancel.
    pub control: Control,
    /// The job's state at its last poll before the call.
    pub before: JobState,
    /// The status the call answered.
    pub status: u16,
    /// The state the next poll showed; `None` when the suite did not poll
    /// the job again before its next call or the end of the rule.
    pub after: Option<JobState>,
}

impl fmt::Display for Transition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} × {} → {} → ", self.control, self.before, self.status)?;
        match self.after {
            Some(state) => write!(f, "{state}"),
            None => f.write_str("(not polled)"),
        }
    }
}
