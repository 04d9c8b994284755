//! What the mock says: the manifest of a terminal job and the messages of
//! its answers. Shared by the job state machine and the bodies, so neither
//! imports the other.

use serde::Serialize;

use crate::JobState;
use crate::api::{Control, Endpoint};

/// The build summary of a terminal job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Manifest {
    pub pages: usize,
    pub page_size: usize,
    pub unique_count: usize,
    pub partial: bool,
    pub degraded: bool,
    pub ranked: bool,
    pub stop_reason: Option<&'static str>,
    pub credits_consumed: usize,
}

/// `POST /api/v1/tam/build/<id>/resume`, for messages.
fn call(endpoint: Endpoint, id: &str) -> String {
    format!("{} {}", endpoint.method(), endpoint.path(id))
}

/// The `message` of an accepted submit.
pub(crate) fn submit_message(id: &str) -> String {
    format!(
        "TAM build started. Poll {} for status and results.",
        call(Endpoint::Poll, id)
    )
}

/// The `message` of an accepted control call that moved a job from
/// `before` to `after`.
pub(crate) fn control_message(
    control: Control,
    before: JobState,
    after: JobState,
    id: &str,
) -> String {
    let poll = call(Endpoint::Poll, id);
    let resume = call(Endpoint::Resume, id);
    match (control, before, after) {
        (Control::Pause, JobState::Paused, _) => {
            format!("Job is already paused. Resume with {resume}.")
        }
        (Control::Pause, JobState::Pausing, JobState::Pausing) => format!(
            "Pause already requested; the job will pause at the next band boundary. \
             Resume with {resume}."
        ),
        (Control::Pause, _, JobState::Paused) => format!("Job paused. Resume with {resume}."),
        (Control::Pause, _, _) => format!(
            "Pause requested. The in-flight sub process will finish and be written, \
             then the job will pause. Resume with {resume}."
        ),
        (Control::Resume, JobState::Running, _) => {
            format!("Job is already running. Poll {poll} for status and results.")
        }
        (Control::Resume, _, _) => {
            format!("Resume started. Poll {poll} for status and results.")
        }
        (Control::Cancel, JobState::Cancelling, _) => format!(
            "Cancellation already requested. Poll {poll} for the final status and the \
             companies built before cancellation."
        ),
        (Control::Cancel, _, _) => format!(
            "Cancellation requested. Poll {poll} for the final status and the companies \
             built before cancellation."
        ),
    }
}

/// The `detail` of a refused (409) control call on a job in `state`.
pub(crate) fn refusal(control: Control, state: JobState) -> String {
    format!("Cannot {control} a job that is {state}")
}
