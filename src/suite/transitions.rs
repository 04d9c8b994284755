//! Turns a rule's polls and control calls into lifecycle [`Transition`]s
//! for the run record.

use std::collections::BTreeMap;

use crate::api::Control;
use crate::record::Transition;
use crate::{JobState, Target};

/// Turns a rule's polls and control calls into [`Transition`]s: a control
/// call on a job whose state a poll showed opens one; the next poll of that
/// job closes it.
#[derive(Debug, Default)]
pub(crate) struct TransitionTracker {
    seen: BTreeMap<String, JobState>,
    open: BTreeMap<String, (Control, JobState, u16)>,
}

impl TransitionTracker {
    /// A poll with the target's key showed `job` in `state`.
    pub(crate) fn polled(&mut self, target: &Target, job: &str, state: JobState) {
        if let Some((control, before, status)) = self.open.remove(job) {
            target.record_transition(Transition {
                control,
                before,
                status,
                after: Some(state),
            });
        }
        self.seen.insert(job.to_owned(), state);
    }

    /// A control call with the target's key answered `status`.
    pub(crate) fn controlled(&mut self, target: &Target, control: Control, job: &str, status: u16) {
        if let Some((control, before, status)) = self.open.remove(job) {
            target.record_transition(Transition {
                control,
                before,
                status,
                after: None,
            });
        }
        if let Some(&before) = self.seen.get(job) {
            self.open.insert(job.to_owned(), (control, before, status));
        }
        if status == 200 {
            // Accepted: the job's state is unknown until the next poll.
            self.seen.remove(job);
        }
    }

    /// Records what is still open, with no state after.
    pub(crate) fn flush(&mut self, target: &Target) {
        for (_, (control, before, status)) in std::mem::take(&mut self.open) {
            target.record_transition(Transition {
                control,
                before,
                status,
                after: None,
            });
        }
    }
}
