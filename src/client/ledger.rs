//! The request budget, with one request kept back for the cancel of every
//! job the run created: a run that spends its budget still stops what it
//! started.

use std::collections::BTreeSet;
use std::sync::{Mutex, MutexGuard};

use super::SendError;

/// What a request is, for the budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Any request: needs one free request beyond the reserved ones.
    Normal,
    /// A submit: needs two, one of which stays reserved for the cancel of
    /// the job it may create.
    Submit,
    /// A cancel of this job: uses its reservation when it has one.
    Cancel(String),
}

#[derive(Debug, Default)]
struct State {
    sent: u32,
    /// Submits sent whose answer has not come yet, each holding a request.
    pending_submits: u32,
    /// Created jobs whose cancel still holds a reserved request.
    reserved: BTreeSet<String>,
    /// Every job the run created, in order, without repeats.
    created: Vec<String>,
}

impl State {
    fn held(&self) -> u32 {
        self.pending_submits + self.reserved.len() as u32
    }
}

/// Requests sent, requests held back for cleanup, jobs created. Invariant:
/// `sent + held <= max`, so at most `max` requests ever reach the server.
#[derive(Debug)]
pub(crate) struct Ledger {
    max: u32,
    state: Mutex<State>,
}

impl Ledger {
    pub(crate) fn new(max: u32) -> Ledger {
        Ledger {
            max,
            state: Mutex::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts one request, or refuses it when the budget has no room.
    pub(crate) fn admit(&self, admission: &Admission) -> Result<(), SendError> {
        let mut state = self.lock();
        if let Admission::Cancel(job) = admission
            && state.reserved.remove(job)
        {
            state.sent += 1;
            return Ok(());
        }
        let needed = if *admission == Admission::Submit {
            2
        } else {
            1
        };
        if u64::from(state.sent) + u64::from(state.held()) + needed > u64::from(self.max) {
            return Err(SendError::Budget {
                max_requests: self.max,
            });
        }
        state.sent += 1;
        if *admission == Admission::Submit {
            state.pending_submits += 1;
        }
        Ok(())
    }

    /// A submit admitted with [`Admission::Submit`] is over: its held
    /// request moves to the job it created, or is freed.
    pub(crate) fn submit_done(&self, created: Option<String>) {
        let mut state = self.lock();
        state.pending_submits = state.pending_submits.saturating_sub(1);
        if let Some(job) = created
            && !state.created.contains(&job)
        {
            state.reserved.insert(job.clone());
            state.created.push(job);
        }
    }

    /// Remembers a job the run created (no reservation: the request that
    /// created it did not go through [`Admission::Submit`]).
    pub(crate) fn note_created(&self, job: &str) {
        let mut state = self.lock();
        if !state.created.iter().any(|j| j == job) {
            state.created.push(job.to_owned());
        }
    }

    pub(crate) fn created(&self) -> Vec<String> {
        self.lock().created.clone()
    }

    pub(crate) fn sent(&self) -> u32 {
        self.lock().sent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_submit_keeps_a_request_for_its_cancel() {
        let ledger = Ledger::new(3);
        ledger.admit(&Admission::Normal).unwrap();
        ledger.admit(&Admission::Submit).unwrap();
        ledger.submit_done(Some("job".into()));
        assert!(
            ledger.admit(&Admission::Normal).is_err(),
            "the last one is held"
        );
        assert!(ledger.admit(&Admission::Cancel("other".into())).is_err());
        ledger.admit(&Admission::Cancel("job".into())).unwrap();
        assert_eq!(ledger.sent(), 3);
        assert!(ledger.admit(&Admission::Cancel("job".into())).is_err());
        assert_eq!(ledger.created(), ["job"]);
    }

    #[test]
    fn a_submit_needs_room_for_itself_and_its_cancel() {
        let ledger = Ledger::new(1);
        assert!(ledger.admit(&Admission::Submit).is_err());
        ledger.admit(&Admission::Normal).unwrap();
        let ledger = Ledger::new(2);
        ledger.admit(&Admission::Submit).unwrap();
        ledger.submit_done(None);
        ledger.admit(&Admission::Normal).unwrap();
        assert_eq!(ledger.sent(), 2);
    }
}
