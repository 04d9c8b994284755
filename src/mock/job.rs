//! The job model: an in-memory store of TAM build jobs owned by API keys, and
//! their state machine. Nothing here knows about HTTP.
//!
//! Time is a [`Duration`] since the mock started. A job keeps the start of its
//! current *phase* (the queue wait, a band being built, or the wait of a paused
//! job's cancel) and [`Job::settle`] replays every band boundary that has
//! passed, so a job's state is derived lazily from the clock on each request.

use std::collections::BTreeMap;
use std::time::Duration;

use rand::rngs::SmallRng;
use rand::{RngCore, SeedableRng};
use serde::Serialize;

use super::rows::{Row, band_label, band_rows};
use crate::JobState;

/// The tunables a job needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Config {
    /// How long the queue wait and each band take.
    pub band: Duration,
    /// Rows per result page.
    pub page_size: usize,
    /// Rows a band delivers.
    pub rows_per_band: usize,
    /// Bands of a complete build (at least 2).
    pub bands_total: u32,
}

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
#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub id: String,
    pub owner: String,
    pub query: String,
    pub state: JobState,
    /// Start of the current phase; the next boundary is `phase_start + band`.
    phase_start: Duration,
    /// For `pausing`: whether a band is in flight (paused while running) and
    /// will be written at the boundary, or not (paused while pending).
    in_flight: bool,
    pub bands_done: u32,
    pub rows: Vec<Row>,
    row_seed: u64,
    pub error_message: Option<String>,
}

/// What pause, resume or cancel answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ActionOutcome {
    /// 200 with this `status` and `message`.
    Accepted {
        /// The body's `status`.
        status: JobState,
        /// The body's `message`.
        message: String,
    },
    /// 409 with this `detail`; the job is unchanged.
    Conflict(&'static str),
}

/// The three job actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Pause,
    Resume,
    Cancel,
}

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

/// The body of `GET /api/v1/tam/build/{job_id}`, in the documented field order.
#[derive(Debug, Serialize)]
pub(crate) struct PollBody<'a> {
    pub job_id: &'a str,
    pub status: &'static str,
    pub manifest: Option<Manifest>,
    pub error_message: Option<&'a str>,
    pub rows: &'a [Row],
    pub page: String,
    pub next_cursor: Option<String>,
    pub count: usize,
    pub processed: usize,
    pub progress_message: String,
    pub bands_done: u32,
    pub bands_total: u32,
    pub degraded: bool,
}

/// The name of page `n`: `page_0003`.
pub(crate) fn page_name(n: usize) -> String {
    format!("page_{n:04}")
}

impl Job {
    /// A job as submitted at `now`: `pending`, no rows.
    pub fn submitted(
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

    /// A fixture in `state` created at `now`. Moving states (pending, running,
    /// pausing, cancelling) start a fresh phase at `now`, so they keep their
    /// state until one band duration has passed.
    ///
    /// | state      | bands delivered       |
    /// |------------|-----------------------|
    /// | pending    | 0                     |
    /// | running    | 1 (band 2 in flight)  |
    /// | pausing    | 1 (band 2 in flight, written at the boundary) |
    /// | paused     | 2                     |
    /// | cancelling | 1 (band 2 in flight, abandoned)             |
    /// | completed  | all                   |
    /// | failed     | 1                     |
    /// | cancelled  | 2                     |
    ///
    /// (2 is capped at `bands_total - 1`.)
    pub fn fixture(
        id: String,
        owner: String,
        state: JobState,
        row_seed: u64,
        now: Duration,
        cfg: &Config,
    ) -> Job {
        let query = FIXTURE_QUERIES[state as usize % FIXTURE_QUERIES.len()].to_owned();
        let mut job = Job::submitted(id, owner, query, row_seed, now);
        let some = 2.min(cfg.bands_total - 1);
        let bands = match state {
            JobState::Pending => 0,
            JobState::Running | JobState::Pausing | JobState::Cancelling | JobState::Failed => 1,
            JobState::Paused | JobState::Cancelled => some,
            JobState::Completed => cfg.bands_total,
        };
        for _ in 0..bands {
            job.deliver_band(cfg);
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

    fn deliver_band(&mut self, cfg: &Config) {
        let rows = band_rows(
            self.row_seed,
            self.bands_done,
            self.rows.len(),
            cfg.rows_per_band,
            &self.query,
        );
        self.rows.extend(rows);
        self.bands_done += 1;
    }

    /// A completed build's master set is ranked: best match first. The sort
    /// is stable, so equal scores keep delivery order.
    fn rank(&mut self) {
        self.rows
            .sort_by_key(|row| std::cmp::Reverse(row.match_score));
    }

    fn complete(&mut self) {
        self.state = JobState::Completed;
        self.rank();
    }

    /// Replays every band boundary up to `now`.
    pub fn settle(&mut self, now: Duration, cfg: &Config) {
        loop {
            let boundary = self.phase_start.saturating_add(cfg.band);
            if now < boundary || self.state.is_terminal() || self.state == JobState::Paused {
                return;
            }
            match self.state {
                JobState::Pending => {
                    self.state = JobState::Running;
                }
                JobState::Running => {
                    self.deliver_band(cfg);
                    if self.bands_done >= cfg.bands_total {
                        self.complete();
                    }
                }
                JobState::Pausing => {
                    if self.in_flight {
                        self.deliver_band(cfg);
                    }
                    self.in_flight = false;
                    if self.bands_done >= cfg.bands_total {
                        self.complete();
                    } else {
                        self.state = JobState::Paused;
                    }
                }
                JobState::Cancelling => {
                    self.state = JobState::Cancelled;
                }
                JobState::Paused | JobState::Completed | JobState::Failed | JobState::Cancelled => {
                    unreachable!("returned above")
                }
            }
            self.phase_start = boundary;
        }
    }

    /// Pause, resume or cancel at `now` (the job must be settled to `now`).
    /// See the table in the module docs of `crate::mock`.
    pub fn act(&mut self, action: Action, now: Duration) -> ActionOutcome {
        use JobState::*;
        if self.state.is_terminal() {
            return ActionOutcome::Conflict(FINISHED_DETAIL);
        }
        let id = self.id.clone();
        let poll = format!("Poll GET /api/v1/tam/build/{id} for status and results.");
        let (status, message) = match (action, self.state) {
            (Action::Pause, Pending | Running) => {
                self.in_flight = self.state == Running;
                self.state = Pausing;
                (
                    Pausing,
                    format!(
                        "Pause requested. The in-flight sub process will finish and be written, \
                         then the job will pause. Resume with POST /api/v1/tam/build/{id}/resume."
                    ),
                )
            }
            (Action::Pause, Pausing) => (
                Pausing,
                format!(
                    "Pause already requested; the job will pause at the next band boundary. \
                     Resume with POST /api/v1/tam/build/{id}/resume."
                ),
            ),
            (Action::Pause, Paused) => (
                Paused,
                format!("Job is already paused. Resume with POST /api/v1/tam/build/{id}/resume."),
            ),
            (Action::Pause | Action::Resume, Cancelling) => {
                // The cancel is terminal: the job reaches its checkpoint now
                // (the in-flight band is abandoned, as at the boundary), so
                // the documented 409 "already finished" is true.
                self.state = Cancelled;
                self.in_flight = false;
                self.phase_start = now;
                return ActionOutcome::Conflict(FINISHED_DETAIL);
            }
            (Action::Resume, Paused) => {
                self.state = Running;
                self.phase_start = now;
                (Running, format!("Resume started. {poll}"))
            }
            (Action::Resume, Pending | Pausing) => {
                // The queue wait (or the band in flight) becomes the running
                // band; its boundary does not move.
                self.state = Running;
                self.in_flight = false;
                (Running, format!("Resume started. {poll}"))
            }
            (Action::Resume, Running) => (Running, format!("Job is already running. {poll}")),
            (Action::Cancel, Pending | Running | Pausing | Paused) => {
                if self.state == Paused {
                    // Nothing is in flight: the next checkpoint is one band away.
                    self.phase_start = now;
                }
                self.state = Cancelling;
                self.in_flight = false;
                (
                    Cancelling,
                    format!(
                        "Cancellation requested. Poll GET /api/v1/tam/build/{id} for the final \
                         status and the companies built before cancellation."
                    ),
                )
            }
            (Action::Cancel, Cancelling) => (
                Cancelling,
                format!(
                    "Cancellation already requested. Poll GET /api/v1/tam/build/{id} for the \
                     final status and the companies built before cancellation."
                ),
            ),
            (_, Completed | Failed | Cancelled) => unreachable!("handled above"),
        };
        ActionOutcome::Accepted { status, message }
    }

    /// The manifest: `Some` once the job is terminal.
    pub fn manifest(&self, cfg: &Config) -> Option<Manifest> {
        let stop_reason = match self.state {
            JobState::Completed => None,
            JobState::Failed => Some("failed"),
            JobState::Cancelled => Some("cancelled"),
            _ => return None,
        };
        let complete = self.state == JobState::Completed;
        Some(Manifest {
            pages: self.rows.len().div_ceil(cfg.page_size),
            page_size: cfg.page_size,
            unique_count: self.rows.len(),
            partial: !complete,
            degraded: false,
            ranked: complete,
            stop_reason,
            credits_consumed: self.rows.len(),
        })
    }

    fn progress_message(&self, cfg: &Config) -> String {
        match self.state {
            JobState::Pending => "queued".to_owned(),
            JobState::Running => format!(
                "band {}: validating {}",
                band_label(self.bands_done),
                cfg.rows_per_band
            ),
            JobState::Pausing if self.in_flight => {
                format!("pausing: band {} finishing", band_label(self.bands_done))
            }
            JobState::Pausing => "pausing".to_owned(),
            JobState::Paused => format!(
                "paused after {} of {} bands",
                self.bands_done, cfg.bands_total
            ),
            other => other.as_str().to_owned(),
        }
    }

    /// The poll body for page `page` (0-based). A page past the written rows
    /// is empty, with a null `next_cursor`.
    pub fn poll(&self, page: usize, cfg: &Config) -> PollBody<'_> {
        let len = self.rows.len();
        let start = page.checked_mul(cfg.page_size).filter(|&s| s < len);
        let rows = match start {
            Some(s) => &self.rows[s..(s + cfg.page_size).min(len)],
            None => &self.rows[..0],
        };
        let next_cursor = match start {
            Some(s) if s + cfg.page_size < len => Some(page_name(page + 1)),
            _ => None,
        };
        PollBody {
            job_id: &self.id,
            status: self.state.as_str(),
            manifest: self.manifest(cfg),
            error_message: self.error_message.as_deref(),
            rows,
            page: page_name(page),
            next_cursor,
            count: rows.len(),
            processed: len,
            progress_message: self.progress_message(cfg),
            bands_done: self.bands_done,
            bands_total: cfg.bands_total,
            degraded: false,
        }
    }
}

/// Every job of every key, the seeded generator and the request log.
#[derive(Debug)]
pub(crate) struct Store {
    pub cfg: Config,
    rng: SmallRng,
    jobs: BTreeMap<String, Job>,
}

impl Store {
    /// An empty store whose IDs come from `seed`.
    pub fn new(cfg: Config, seed: u64) -> Store {
        Store {
            cfg,
            rng: SmallRng::seed_from_u64(seed),
            jobs: BTreeMap::new(),
        }
    }

    /// A fresh UUID and row seed from the seeded generator.
    fn draw(&mut self) -> (String, u64) {
        loop {
            let mut bytes = [0u8; 16];
            self.rng.fill_bytes(&mut bytes);
            let id = uuid::Builder::from_random_bytes(bytes)
                .into_uuid()
                .hyphenated()
                .to_string();
            let row_seed = self.rng.next_u64();
            if !self.jobs.contains_key(&id) {
                return (id, row_seed);
            }
        }
    }

    /// Submits a job for `owner` at `now`; returns its id.
    pub fn submit(&mut self, owner: &str, query: &str, now: Duration) -> String {
        let (id, row_seed) = self.draw();
        let job = Job::submitted(
            id.clone(),
            owner.to_owned(),
            query.to_owned(),
            row_seed,
            now,
        );
        self.jobs.insert(id.clone(), job);
        id
    }

    /// Adds a fixture job in `state` for `owner` at `now`; returns its id.
    pub fn seed(&mut self, owner: &str, state: JobState, now: Duration) -> String {
        let (id, row_seed) = self.draw();
        let job = Job::fixture(
            id.clone(),
            owner.to_owned(),
            state,
            row_seed,
            now,
            &self.cfg,
        );
        self.jobs.insert(id.clone(), job);
        id
    }

    /// The job `id` of `owner`, settled to `now`; `None` for an unknown job
    /// or another key's job.
    pub fn job(&mut self, owner: &str, id: &str, now: Duration) -> Option<&mut Job> {
        let cfg = self.cfg;
        let job = self.jobs.get_mut(id).filter(|job| job.owner == owner)?;
        job.settle(now, &cfg);
        Some(job)
    }

    /// The ids and states of `owner`'s jobs, settled to `now`, sorted by id.
    pub fn jobs_of(&mut self, owner: &str, now: Duration) -> Vec<(String, JobState)> {
        let cfg = self.cfg;
        self.jobs
            .values_mut()
            .filter(|job| job.owner == owner)
            .map(|job| {
                job.settle(now, &cfg);
                (job.id.clone(), job.state)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: Duration = Duration::from_secs(10);

    fn cfg() -> Config {
        Config {
            band: B,
            page_size: 10,
            rows_per_band: 15,
            bands_total: 4,
        }
    }

    fn job_at(state: JobState) -> Job {
        Job::fixture("j".into(), "k".into(), state, 1, Duration::ZERO, &cfg())
    }

    fn settled(mut job: Job, at: Duration) -> Job {
        job.settle(at, &cfg());
        job
    }

    #[test]
    fn submitted_job_runs_band_by_band_then_completes() {
        let mut job = Job::submitted("j".into(), "k".into(), "q".into(), 3, Duration::ZERO);
        let c = cfg();
        job.settle(B - Duration::from_millis(1), &c);
        assert_eq!(job.state, JobState::Pending);
        job.settle(B, &c);
        assert_eq!((job.state, job.bands_done), (JobState::Running, 0));
        job.settle(B * 2, &c);
        assert_eq!(
            (job.state, job.bands_done, job.rows.len()),
            (JobState::Running, 1, 15)
        );
        job.settle(B * 4, &c);
        assert_eq!((job.state, job.bands_done), (JobState::Running, 3));
        job.settle(B * 5, &c);
        assert_eq!(
            (job.state, job.bands_done, job.rows.len()),
            (JobState::Completed, 4, 60)
        );
        let m = job.manifest(&c).unwrap();
        assert_eq!(
            (m.pages, m.unique_count, m.partial, m.ranked),
            (6, 60, false, true)
        );
        assert!(
            job.rows
                .windows(2)
                .all(|w| w[0].match_score >= w[1].match_score)
        );
        // Terminal: nothing moves any more.
        job.settle(B * 100, &c);
        assert_eq!(job.state, JobState::Completed);
    }

    #[test]
    fn settling_in_one_jump_equals_settling_step_by_step() {
        let c = cfg();
        let mut a = Job::submitted("j".into(), "k".into(), "q".into(), 3, Duration::ZERO);
        let mut b = a.clone();
        a.settle(B * 9, &c);
        for i in 0..=9 {
            b.settle(B * i, &c);
        }
        assert_eq!(
            (a.state, a.bands_done, &a.rows),
            (b.state, b.bands_done, &b.rows)
        );
    }

    #[test]
    fn fixtures_hold_until_one_band_passes() {
        for state in JobState::ALL {
            let job = settled(job_at(state), B - Duration::from_nanos(1));
            assert_eq!(job.state, state, "{state} moved early");
        }
        let moved: Vec<_> = JobState::ALL
            .into_iter()
            .map(|s| settled(job_at(s), B).state)
            .collect();
        use JobState::*;
        assert_eq!(
            moved,
            [
                Running, Running, Paused, Paused, Completed, Failed, Cancelled, Cancelled
            ]
        );
    }

    #[test]
    fn pausing_writes_the_in_flight_band_but_cancelling_abandons_it() {
        let pausing = settled(job_at(JobState::Pausing), B);
        assert_eq!((pausing.state, pausing.bands_done), (JobState::Paused, 2));
        let cancelling = settled(job_at(JobState::Cancelling), B);
        assert_eq!(
            (cancelling.state, cancelling.bands_done),
            (JobState::Cancelled, 1)
        );
        assert_eq!(cancelling.rows.len(), 15);
        let m = cancelling.manifest(&cfg()).unwrap();
        assert_eq!(
            (m.partial, m.stop_reason, m.unique_count),
            (true, Some("cancelled"), 15)
        );
    }

    #[test]
    fn pause_of_pending_settles_to_paused_without_rows() {
        let mut job = job_at(JobState::Pending);
        let out = job.act(Action::Pause, Duration::ZERO);
        assert!(matches!(
            out,
            ActionOutcome::Accepted {
                status: JobState::Pausing,
                ..
            }
        ));
        let job = settled(job, B);
        assert_eq!((job.state, job.rows.len()), (JobState::Paused, 0));
    }

    #[test]
    fn pausing_on_the_last_band_completes() {
        let c = cfg();
        let mut job = job_at(JobState::Running);
        job.settle(B * 2, &c);
        assert_eq!((job.state, job.bands_done), (JobState::Running, 3));
        job.act(Action::Pause, B * 2);
        job.settle(B * 3, &c);
        assert_eq!(job.state, JobState::Completed);
    }

    #[test]
    fn resume_restarts_a_paused_job_from_now() {
        let c = cfg();
        let mut job = job_at(JobState::Paused);
        job.settle(B * 50, &c);
        assert_eq!(job.state, JobState::Paused);
        let out = job.act(Action::Resume, B * 50);
        assert!(matches!(
            out,
            ActionOutcome::Accepted {
                status: JobState::Running,
                ..
            }
        ));
        job.settle(B * 51 - Duration::from_nanos(1), &c);
        assert_eq!(job.bands_done, 2);
        job.settle(B * 52, &c);
        assert_eq!((job.state, job.bands_done), (JobState::Completed, 4));
    }

    #[test]
    fn every_action_on_a_terminal_job_conflicts_and_changes_nothing() {
        for state in JobState::TERMINAL {
            for action in [Action::Pause, Action::Resume, Action::Cancel] {
                let mut job = job_at(state);
                let before = (job.state, job.rows.clone(), job.phase_start);
                assert_eq!(job.act(action, B), ActionOutcome::Conflict(FINISHED_DETAIL));
                assert_eq!((job.state, job.rows.clone(), job.phase_start), before);
            }
        }
    }

    #[test]
    fn silent_cells_answer_as_the_table_says() {
        use JobState::*;
        let cases = [
            (Action::Resume, Pending, Some(Running)),
            (Action::Resume, Running, Some(Running)),
            (Action::Resume, Pausing, Some(Running)),
            (Action::Resume, Cancelling, None),
            (Action::Pause, Pausing, Some(Pausing)),
            (Action::Pause, Paused, Some(Paused)),
            (Action::Pause, Cancelling, None),
            (Action::Cancel, Paused, Some(Cancelling)),
            (Action::Cancel, Pausing, Some(Cancelling)),
            (Action::Cancel, Cancelling, Some(Cancelling)),
        ];
        for (action, state, expected) in cases {
            let mut job = job_at(state);
            match (job.act(action, Duration::ZERO), expected) {
                (ActionOutcome::Accepted { status, .. }, Some(want)) => {
                    assert_eq!(status, want, "{action:?} of {state}");
                    assert_eq!(job.state, want, "{action:?} of {state}");
                }
                (ActionOutcome::Conflict(detail), None) => {
                    // Pause or resume of a cancelling job: it is cancelled now.
                    assert_eq!(detail, FINISHED_DETAIL);
                    assert_eq!(job.state, JobState::Cancelled);
                    assert_eq!(job.rows.len(), 15, "the in-flight band is abandoned");
                }
                (out, _) => panic!("{action:?} of {state}: {out:?}"),
            }
        }
    }

    #[test]
    fn cancel_of_paused_settles_one_band_later_keeping_rows() {
        let c = cfg();
        let mut job = job_at(JobState::Paused);
        job.settle(B * 7, &c);
        job.act(Action::Cancel, B * 7);
        job.settle(B * 8 - Duration::from_nanos(1), &c);
        assert_eq!(job.state, JobState::Cancelling);
        job.settle(B * 8, &c);
        assert_eq!((job.state, job.rows.len()), (JobState::Cancelled, 30));
    }

    #[test]
    fn pages_cover_the_rows_exactly_once() {
        let c = cfg();
        let job = job_at(JobState::Completed);
        let mut seen = 0;
        let mut page = 0;
        loop {
            let body = job.poll(page, &c);
            assert_eq!(body.count, body.rows.len());
            assert_eq!(body.page, page_name(page));
            seen += body.count;
            match body.next_cursor {
                Some(next) => {
                    assert_eq!(next, page_name(page + 1));
                    page += 1;
                }
                None => break,
            }
        }
        assert_eq!((seen, page), (60, 5));
        let past = job.poll(99, &c);
        assert_eq!((past.count, past.next_cursor), (0, None));
        assert_eq!(job.poll(usize::MAX, &c).count, 0);
        let empty = job_at(JobState::Pending);
        let first = empty.poll(0, &c);
        assert_eq!(
            (first.count, first.next_cursor, first.manifest),
            (0, None, None)
        );
    }

    #[test]
    fn store_scopes_jobs_by_owner_and_ids_follow_the_seed() {
        let mut a = Store::new(cfg(), 42);
        let mut b = Store::new(cfg(), 42);
        let mut c = Store::new(cfg(), 43);
        let id = a.submit("k1", "q", Duration::ZERO);
        assert_eq!(id, b.submit("k1", "q", Duration::ZERO));
        assert_ne!(id, c.submit("k1", "q", Duration::ZERO));
        assert!(uuid::Uuid::parse_str(&id).is_ok());
        assert!(a.job("k1", &id, Duration::ZERO).is_some());
        assert!(a.job("k2", &id, Duration::ZERO).is_none());
        assert!(a.job("k1", "nope", Duration::ZERO).is_none());
        assert_eq!(a.jobs_of("k1", B).len(), 1);
    }
}
