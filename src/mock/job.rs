//! One job and its state machine. Nothing here knows about HTTP.
//!
//! Time is a [`Duration`] since the mock started. A job keeps the start of
//! its current *phase* (the queue wait, a band being built, a transient
//! `pausing`/`cancelling`) and [`Job::settle`] replays every boundary that
//! has passed, so a job's state is derived lazily from the clock.

use std::time::Duration;

use super::personality::{PauseReply, Personality, Reply};
use super::rows::{Written, band_label, band_rows};
use super::words::{self, Manifest};
use crate::JobState;
use crate::api::Control;

/// The `detail` of every 409 on a terminal job.
pub(crate) const FINISHED_DETAIL: &str = "Job already finished (completed / failed / cancelled)";

/// Queries of the seeded fixtures: the documentation's own examples.
const FIXTURE_QUERIES: [&str; 5] = [
    "cloud observability and monitoring tools",
    "hospitals and health systems in the US",
    "neobanks and digital banks worldwide",
    "B2B SaaS companies, Series B+, in North America",
    "home service companies serving primarily residential customers",
];

/// One TAM build job.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Job {
    pub id: String,
    pub owner: String,
    pub query: String,
    pub state: JobState,
    /// Start of the current phase.
    pub phase_start: Duration,
    /// For `pausing`: whether a band is in flight and will be written when
    /// the job settles (paused while running), or not.
    pub in_flight: bool,
    pub bands_done: u32,
    /// Delivered rows, in delivery order (ranked once completed).
    pub rows: Vec<Written>,
    row_seed: u64,
    pub error_message: Option<String>,
}

/// What pause, resume or cancel answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// 200 with this body `status` (the job's state now) and `message`.
    Accepted { status: JobState, message: String },
    /// 409 with this `detail`; the job is unchanged.
    Refused(String),
}

impl Job {
    /// A job as submitted at `now`: `pending`, no rows.
    pub(crate) fn submitted(
        id: String,
        owner: String,
        query: String,
        row_seed: u64,
        now: Duration,
    ) -> Job {
        Job {
            id,
            owner,
            query,
            state: JobState::Pending,
            phase_start: now,
            in_flight: false,
            bands_done: 0,
            rows: Vec::new(),
            row_seed,
            error_message: None,
        }
    }

    /// A fixture in `state` created at `now`. Moving states start a fresh
    /// phase at `now`. Bands delivered: pending 0; running, pausing,
    /// cancelling, failed 1; paused, cancelled 2 (at most `bands_total - 1`);
    /// completed all. A pausing fixture has its band 2 in flight.
    pub(crate) fn fixture(
        id: String,
        owner: String,
        state: JobState,
        row_seed: u64,
        now: Duration,
        p: &Personality,
    ) -> Job {
        let query = FIXTURE_QUERIES[state as usize % FIXTURE_QUERIES.len()].to_owned();
        let mut job = Job::submitted(id, owner, query, row_seed, now);
        let some = 2.min(p.bands_total - 1);
        let bands = match state {
            JobState::Pending => 0,
            JobState::Running | JobState::Pausing | JobState::Cancelling | JobState::Failed => 1,
            JobState::Paused | JobState::Cancelled => some,
            JobState::Completed => p.bands_total,
        };
        for _ in 0..bands {
            job.deliver_band(p);
        }
        job.state = state;
        job.in_flight = state == JobState::Pausing;
        match state {
            JobState::Completed => job.rank(),
            JobState::Failed => {
                job.error_message = Some(
                    "Build failed: the enrichment provider timed out (mock fixture)".to_owned(),
                )
            }
            _ => {}
        }
        job
    }

    fn deliver_band(&mut self, p: &Personality) {
        let rows = band_rows(
            self.row_seed,
            self.bands_done,
            self.rows.len(),
            p.rows_per_band,
            &self.query,
        );
        self.rows.extend(rows.iter().map(Written::of));
        self.bands_done += 1;
    }

    /// A completed build is ranked: best match first (stable sort).
    fn rank(&mut self) {
        self.rows
            .sort_by_key(|row| std::cmp::Reverse(row.match_score));
    }

    fn complete(&mut self) {
        self.state = JobState::Completed;
        self.rank();
    }

    /// When the current phase ends, if it moves on its own.
    fn boundary(&self, p: &Personality) -> Option<Duration> {
        let length = match self.state {
            JobState::Pending | JobState::Running => p.band,
            JobState::Pausing | JobState::Cancelling => p.settle_time(),
            _ => return None,
        };
        Some(self.phase_start.saturating_add(length))
    }

    /// Replays every boundary up to `now`.
    pub(crate) fn settle(&mut self, now: Duration, p: &Personality) {
        while let Some(boundary) = self.boundary(p) {
            if now < boundary {
                return;
            }
            match self.state {
                JobState::Pending => self.state = JobState::Running,
                JobState::Running => {
                    self.deliver_band(p);
                    if self.bands_done >= p.bands_total {
                        self.complete();
                    }
                }
                JobState::Pausing => {
                    if std::mem::take(&mut self.in_flight) {
                        self.deliver_band(p);
                    }
                    if self.bands_done >= p.bands_total {
                        self.complete();
                    } else {
                        self.state = JobState::Paused;
                    }
                }
                JobState::Cancelling => self.state = JobState::Cancelled,
                _ => unreachable!("no boundary"),
            }
            self.phase_start = boundary;
        }
    }

    /// Pause, resume or cancel at `now`; the job must be settled to `now`.
    /// A refusal changes nothing. See the table in the docs of `crate::mock`.
    pub(crate) fn act(&mut self, control: Control, now: Duration, p: &Personality) -> Outcome {
        use JobState::*;
        if self.state.is_terminal() {
            return Outcome::Refused(FINISHED_DETAIL.to_owned());
        }
        let before = self.state;
        let accepted = match (control, before) {
            // Documented cells.
            (Control::Pause, Running) => {
                self.in_flight = true;
                self.state = Pausing;
                true
            }
            (Control::Pause, Paused) => true,
            (Control::Resume, Paused) => {
                self.state = Running;
                self.phase_start = now;
                true
            }
            (Control::Cancel, Pending | Running) => {
                self.state = Cancelling;
                self.in_flight = false;
                true
            }
            // Silent cells: the personality answers.
            (Control::Pause, Pending | Pausing | Cancelling) => {
                let reply = match before {
                    Pending => p.pause_pending,
                    Pausing => p.pause_pausing,
                    _ => p.pause_cancelling,
                };
                match reply {
                    PauseReply::Refuse => false,
                    PauseReply::Pausing => {
                        if before != Pausing {
                            self.state = Pausing;
                            self.in_flight = false;
                        }
                        true
                    }
                    PauseReply::Paused => {
                        // Paused now: a band in flight is dropped.
                        self.state = Paused;
                        self.in_flight = false;
                        self.phase_start = now;
                        true
                    }
                }
            }
            (Control::Resume, Pending | Running | Pausing | Cancelling) => {
                let reply = match before {
                    Pending => p.resume_pending,
                    Running => p.resume_running,
                    Pausing => p.resume_pausing,
                    _ => p.resume_cancelling,
                };
                if reply == Reply::Accept && matches!(before, Pausing | Cancelling) {
                    // The band in flight goes on; if its end has passed
                    // (a slow settle), a new band starts now.
                    self.state = Running;
                    self.in_flight = false;
                    if self.phase_start.saturating_add(p.band) <= now {
                        self.phase_start = now;
                    }
                } else if reply == Reply::Accept {
                    // Pending: the queue wait becomes the first band.
                    self.state = Running;
                }
                reply == Reply::Accept
            }
            (Control::Cancel, Pausing | Paused | Cancelling) => {
                let reply = match before {
                    Pausing => p.cancel_pausing,
                    Paused => p.cancel_paused,
                    _ => p.cancel_cancelling,
                };
                if reply == Reply::Accept && before != Cancelling {
                    if before == Paused {
                        // Nothing in flight: the cancel starts now.
                        self.phase_start = now;
                    }
                    self.state = Cancelling;
                    self.in_flight = false;
                }
                reply == Reply::Accept
            }
            (_, Completed | Failed | Cancelled) => unreachable!("handled above"),
        };
        if accepted {
            Outcome::Accepted {
                status: self.state,
                message: words::control_message(control, before, self.state, &self.id),
            }
        } else {
            Outcome::Refused(words::refusal(control, before))
        }
    }

    /// The manifest: `Some` once the job is terminal.
    pub(crate) fn manifest(&self, p: &Personality) -> Option<Manifest> {
        let stop_reason = match self.state {
            JobState::Completed => None,
            JobState::Failed => Some("failed"),
            JobState::Cancelled => Some("cancelled"),
            _ => return None,
        };
        let complete = self.state == JobState::Completed;
        Some(Manifest {
            pages: self.rows.len().div_ceil(p.page_size),
            page_size: p.page_size,
            unique_count: self.rows.len(),
            partial: !complete,
            degraded: false,
            ranked: complete,
            stop_reason,
            credits_consumed: self.rows.len(),
        })
    }

    /// What a poll says the job is doing.
    pub(crate) fn progress_message(&self, p: &Personality) -> String {
        match self.state {
            JobState::Pending => "queued".to_owned(),
            JobState::Running => format!(
                "band {}: validating {}",
                band_label(self.bands_done),
                p.rows_per_band
            ),
            JobState::Pausing if self.in_flight => {
                format!("pausing: band {} finishing", band_label(self.bands_done))
            }
            JobState::Pausing => "pausing".to_owned(),
            JobState::Paused => format!(
                "paused after {} of {} bands",
                self.bands_done, p.bands_total
            ),
            other => other.as_str().to_owned(),
        }
    }
}
