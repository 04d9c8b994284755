//! Jobs per state, never shared: where a rule's job comes from, and how
//! the rule gives back what it borrowed (the table is in the `suite` docs).

use serde_json::json;

use super::session::{Session, Stop};
use crate::JobState;
use crate::api::Control;
use crate::lifecycle::reachable;

/// The body of every build the suite submits.
pub(crate) fn probe_body() -> serde_json::Value {
    json!({"query": "openfunnel-contract probe: cloud observability tools"})
}

impl Session {
    /// A job of this key in `state`, checked by a poll, that no other rule
    /// is using. A live fixture may be lent (and is put back when the rule
    /// ends); use [`Session::fresh_job_in`] for a call that cannot be
    /// undone (cancel).
    pub(crate) async fn job_in(&mut self, state: JobState) -> Result<(String, JobState), Stop> {
        self.job_for(state, true).await
    }

    /// Like [`Session::job_in`], never a non-terminal live fixture: for a
    /// rule that cancels the job.
    pub(crate) async fn fresh_job_in(
        &mut self,
        state: JobState,
    ) -> Result<(String, JobState), Stop> {
        self.job_for(state, false).await
    }

    async fn job_for(&mut self, state: JobState, lend: bool) -> Result<(String, JobState), Stop> {
        let target = self.target().clone();
        let id = if target.seeds_on_demand() || target.provides_jobs() || state.is_terminal() {
            match target.job_in(state).await {
                Ok(id) => id,
                Err(_) if target.derives_jobs() && state == JobState::Cancelled => {
                    self.derive(state).await?
                }
                Err(reason) => return Err(Stop::Skip(reason.to_string())),
            }
        } else if target.derives_jobs() {
            match lend.then(|| target.lease(state)).flatten() {
                Some(lease) => {
                    let (now, _) = self.observe(&lease.id).await?;
                    if reachable(state).contains(&now) {
                        let id = lease.id.clone();
                        self.hold(lease);
                        id
                    } else {
                        // A fixture that moved on is no use: make one.
                        drop(lease);
                        self.derive(state).await?
                    }
                }
                None => self.derive(state).await?,
            }
        } else {
            target
                .job_in(state)
                .await
                .map_err(|reason| Stop::Skip(reason.to_string()))?
        };
        let (seen, _) = self.observe(&id).await?;
        if !reachable(state).contains(&seen) {
            return Err(Stop::Skip(format!(
                "the {state} job {id} is {seen} now; point the OPENFUNNEL_JOB_* variable at a job in that state"
            )));
        }
        Ok((id, seen))
    }

    /// Makes a job in `state` on live: submit, then pause or cancel.
    async fn derive(&mut self, state: JobState) -> Result<String, Stop> {
        if matches!(state, JobState::Completed | JobState::Failed) {
            return Err(Stop::Skip(format!(
                "no {state} job: a run cannot make one; set OPENFUNNEL_JOB_{}",
                state.as_str().to_uppercase()
            )));
        }
        self.target().may_spend().map_err(Stop::Skip)?;
        let submitted = self.submit(&probe_body()).await?;
        let id = submitted
            .body_str("job_id")
            .ok_or_else(|| Stop::Skip("submit gave no job_id".into()))?;
        let control = match state {
            JobState::Pausing | JobState::Paused => Some(Control::Pause),
            JobState::Cancelling | JobState::Cancelled => Some(Control::Cancel),
            _ => None,
        };
        if state != JobState::Pending && control != Some(Control::Cancel) {
            // Pause of a pending job is not documented: wait until it runs.
            self.settle(&id, &[JobState::Pending]).await?;
        }
        if let Some(control) = control {
            self.control(control, &id).await?;
        }
        match state {
            JobState::Paused => {
                self.settle(&id, &[JobState::Running, JobState::Pausing])
                    .await?;
            }
            JobState::Cancelled => {
                self.settle(
                    &id,
                    &[JobState::Pending, JobState::Running, JobState::Cancelling],
                )
                .await?;
            }
            _ => {}
        }
        self.note(format!("derived a {state} job: submitted {id}"));
        Ok(id)
    }

    /// Ends the rule's paid work and gives back what it borrowed: cancels
    /// every job it submitted (free; a finished job answers 409) and puts
    /// every lent fixture back in its state.
    pub(crate) async fn close(&mut self) {
        for job in self.take_created() {
            let request = Control::Cancel.request(&job).key(self.target().api_key());
            let _ = self.target().send(request).await;
            self.target().note_stopped(&job);
        }
        for lease in self.take_leases() {
            self.put_back(lease).await;
        }
    }

    /// Puts the fixture `job` back at once, if the rule was lent it: the
    /// next cell need not wait for the end of the rule.
    pub(crate) async fn give_back(&mut self, job: &str) {
        let mut leases = self.take_leases();
        let lent = leases.iter().position(|lease| lease.id == job);
        let lease = lent.map(|index| leases.remove(index));
        for kept in leases {
            self.hold(kept);
        }
        if let Some(lease) = lease {
            self.put_back(lease).await;
        }
    }

    async fn put_back(&mut self, lease: crate::target::Lease) {
        let note = match self.restore(lease.state, &lease.id).await {
            Ok(None) => return,
            Ok(Some(note)) => note,
            Err(_) => "could not be checked after the rule".to_owned(),
        };
        let var = format!("OPENFUNNEL_JOB_{}", lease.state.as_str().to_uppercase());
        self.target()
            .fixture_note(format!("{var} {}: {note}", lease.id));
    }

    /// Puts a fixture lent in `state` back; `None` when it never moved.
    async fn restore(&mut self, state: JobState, id: &str) -> Result<Option<String>, Stop> {
        let (mut now, _) = self.observe(id).await?;
        if now == state {
            return Ok(None);
        }
        let changed = now;
        if state == JobState::Running && now == JobState::Pausing {
            // A pausing job takes no resume until it has settled.
            now = self.settle(id, &[JobState::Pausing]).await?;
        }
        let (control, moving) = match (state, now) {
            (JobState::Paused, JobState::Pending | JobState::Running) => (
                Some(Control::Pause),
                &[JobState::Running, JobState::Pausing][..],
            ),
            (JobState::Paused, JobState::Pausing) => (None, &[JobState::Pausing][..]),
            (JobState::Running, JobState::Paused) if self.target().may_spend().is_ok() => {
                (Some(Control::Resume), &[][..])
            }
            _ => {
                return Ok(Some(format!(
                    "left {now} (was {state}, changed to {changed} by the rule); it cannot be put back: set a new one"
                )));
            }
        };
        if let Some(control) = control {
            self.control(control, id).await?;
        }
        let back = self.settle(id, moving).await?;
        Ok(Some(if back == state {
            format!("changed to {changed} by the rule, put back to {state}")
        } else {
            format!("changed to {changed} by the rule; put back only as far as {back}")
        }))
    }
}
