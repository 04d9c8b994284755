//! The eight states of a TAM build job.

use std::fmt;
use std::str::FromStr;

/// A TAM build job's `status`, as listed in the reference documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum JobState {
    /// Accepted, not started ("always pending" at submit).
    Pending,
    /// Building, band by band.
    Running,
    /// A pause was requested; the in-flight band finishes first.
    Pausing,
    /// Paused at a band boundary; resumable.
    Paused,
    /// Finished with every band built. Terminal.
    Completed,
    /// Finished with an error. Terminal.
    Failed,
    /// A cancel was requested; stops at the next checkpoint.
    Cancelling,
    /// Cancelled. Terminal.
    Cancelled,
}

impl JobState {
    /// Every state, in lifecycle order.
    pub const ALL: [JobState; 8] = [
        JobState::Pending,
        JobState::Running,
        JobState::Pausing,
        JobState::Paused,
        JobState::Completed,
        JobState::Failed,
        JobState::Cancelling,
        JobState::Cancelled,
    ];

    /// The three terminal states.
    pub const TERMINAL: [JobState; 3] =
        [JobState::Completed, JobState::Failed, JobState::Cancelled];

    /// The wire name (`"pending"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Pending => "pending",
            JobState::Running => "running",
            JobState::Pausing => "pausing",
            JobState::Paused => "paused",
            JobState::Completed => "completed",
            JobState::Failed => "failed",
            JobState::Cancelling => "cancelling",
            JobState::Cancelled => "cancelled",
        }
    }

    /// Completed, failed and cancelled: "a terminal job never changes state again".
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            JobState::Completed | JobState::Failed | JobState::Cancelled
        )
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing an unknown status string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown job status {0:?}")]
pub struct UnknownState(pub String);

impl FromStr for JobState {
    type Err = UnknownState;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        JobState::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| UnknownState(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for state in JobState::ALL {
            assert_eq!(state.as_str().parse::<JobState>(), Ok(state));
        }
        assert!("done".parse::<JobState>().is_err());
        assert_eq!(JobState::ALL.iter().filter(|s| s.is_terminal()).count(), 3);
    }
}
