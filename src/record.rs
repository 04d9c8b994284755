//! What a run observed, in one place: every answered request, the
//! lifecycle transitions, the jobs it created. The target writes it; the
//! coverage and the reports read a [`Record`] taken from it.

use std::fmt;
use std::sync::Mutex;

use crate::api::Control;
use crate::spend::Ledger;
use crate::timeline::Timelines;
use crate::{Exchange, JobState, Sent, Violation};

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
    /// Jobs whose polls were judged over time, the polls, and the jobs
    /// forgotten to keep memory bounded.
    pub timelines: (usize, u64, u64),
    /// Credits spent on jobs the run created or resumed.
    pub spend: crate::Spend,
}

/// The shared, growing record of a run (inside a target).
#[derive(Debug, Default)]
pub(crate) struct RunRecord {
    transitions: Mutex<Vec<Transition>>,
    timelines: Mutex<Timelines>,
    ledger: Mutex<Ledger>,
}

impl RunRecord {
    /// Adds a transition.
    pub(crate) fn transition(&self, transition: Transition) {
        self.transitions
            .lock()
            .expect("record lock")
            .push(transition);
    }

    /// A control call with the target's key on `job` answered `status`.
    pub(crate) fn control(&self, job: &str, control: Control, status: u16) {
        if control == Control::Resume && (200..300).contains(&status) {
            self.ledger.lock().expect("record lock").resumed(job);
        }
        self.timelines
            .lock()
            .expect("record lock")
            .control(job, control, status);
    }

    /// A poll with the target's key: the timeline invariants it breaks.
    pub(crate) fn poll(&self, job: &str, cursor: Option<&str>, poll: &Exchange) -> Vec<Violation> {
        self.ledger.lock().expect("record lock").polled(job, poll);
        self.timelines
            .lock()
            .expect("record lock")
            .poll(job, cursor, poll)
    }

    /// The credits spent so far, counting every job in `created` as paid.
    pub(crate) fn spend(&self, created: &[String], cap: Option<u64>) -> crate::Spend {
        let mut ledger = self.ledger.lock().expect("record lock");
        for job in created {
            ledger.created(job);
        }
        ledger.spend(cap)
    }

    /// Timeline counts (jobs, polls, forgotten).
    pub(crate) fn timeline_counts(&self) -> (usize, u64, u64) {
        self.timelines.lock().expect("record lock").counts()
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
