//! The proxy's judgement of observed traffic over time (the one-exchange
//! spec checks are in `observed`): per job the timeline invariants
//! ([`crate::timeline::Timeline`]) and the control × state judgement
//! ([`crate::lifecycle`]), the previous poll of the job being the state
//! "before". Nothing here re-states a rule: server faults come from those
//! modules; client mistakes are the calls the documentation does not
//! support for what the client itself was shown.
//!
//! Jobs are kept per tenant (a keyed hash of the `X-API-Key`, never the
//! key) and bounded: at most `max_jobs`, the least recently seen dropped
//! first, and a job not seen for `job_ttl` aged out.

use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::BuildHasher;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::observed::{Observed, SpecJudgement};
use super::report::{Finding, Side, Tally};
use crate::api::{Control, Endpoint};
use crate::lifecycle::{self, CellKind};
use crate::timeline::Timeline;
use crate::{ApiKey, Exchange, JobState, Violation};

/// Most cursors remembered per job; past it, cursors of that job are no
/// longer judged (never a false "never handed out").
const CURSORS_KEPT: usize = 1024;

const CURSOR_HANDED_OUT: &str = "cursor: \"Page to read, e.g. `page_0003` (use `next_cursor` from the previous response). Omit for the first page.\" (poll-tam-builder-results)";

/// Who a request came from: a keyed hash of its `X-API-Key`.
pub(crate) type Tenant = u64;

/// What the proxy knows of one job of one tenant.
#[derive(Debug)]
struct Job {
    timeline: Timeline,
    /// The state the last poll showed; `None` until a poll, and after a
    /// control call whose answer may have changed it.
    last: Option<JobState>,
    /// A terminal state a poll showed: the job stays in it.
    terminal: Option<JobState>,
    /// The control call answered since the last poll, with the state it
    /// was judged against: the next poll is judged against it.
    after: Option<(Control, JobState, u16)>,
    /// The proxy saw the submit that created it: every cursor of the job
    /// went through the proxy.
    born_here: bool,
    cursors: HashSet<String>,
    cursors_full: bool,
    /// Tick and time of the last exchange about the job.
    tick: u64,
    at: Instant,
}

impl Job {
    fn new(tick: u64, at: Instant) -> Job {
        Job {
            timeline: Timeline::default(),
            last: None,
            terminal: None,
            after: None,
            born_here: false,
            cursors: HashSet::new(),
            cursors_full: false,
            tick,
            at,
        }
    }

    fn hand_out(&mut self, cursor: &str) {
        if self.cursors.len() >= CURSORS_KEPT {
            self.cursors_full = true;
        } else {
            self.cursors.insert(cursor.to_owned());
        }
    }
}

/// The judge: jobs by tenant, the tallies, the findings kept.
#[derive(Debug)]
pub(crate) struct Judge {
    hasher: RandomState,
    jobs: HashMap<(Tenant, String), Job>,
    /// Jobs by the tick of their last exchange, oldest first.
    order: BTreeMap<u64, (Tenant, String)>,
    tick: u64,
    max_jobs: usize,
    job_ttl: Duration,
    pub(crate) tally: Tally,
}

impl Judge {
    pub(crate) fn new(max_jobs: usize, job_ttl: Duration) -> Judge {
        Judge {
            hasher: RandomState::new(),
            jobs: HashMap::new(),
            order: BTreeMap::new(),
            tick: 0,
            max_jobs: max_jobs.max(1),
            job_ttl,
            tally: Tally::default(),
        }
    }

    /// The tenant of a key.
    pub(crate) fn tenant(&self, key: &ApiKey) -> Tenant {
        self.hasher.hash_one(key.expose())
    }

    /// Jobs tracked now.
    pub(crate) fn jobs_tracked(&self) -> usize {
        self.jobs.len()
    }

    /// True when the proxy knows the state of `job` of `tenant` (a poll
    /// showed it, and no control call may have changed it since).
    pub(crate) fn knows(&self, tenant: Tenant, job: &str) -> bool {
        self.jobs
            .get(&(tenant, job.to_owned()))
            .is_some_and(|j| j.last.is_some())
    }

    /// A request the proxy could not forward (no answer from upstream).
    pub(crate) fn upstream_failed(&mut self, violation: Violation) -> Vec<Finding> {
        self.tally.seen += 1;
        self.tally.upstream_failures += 1;
        let finding = Finding {
            side: Side::Server,
            violation,
        };
        self.tally.keep(&finding);
        vec![finding]
    }

    /// Judges one exchange over time (its spec findings, from
    /// [`check_spec`], come with it); returns everything found, tallied.
    pub(crate) fn observe(
        &mut self,
        observed: &Observed,
        spec: SpecJudgement,
        now: Instant,
    ) -> Vec<Finding> {
        self.age_out(now);
        self.tally.seen += 1;
        match spec.checked {
            Some(true) => self.tally.checked += 1,
            Some(false) => self.tally.unchecked += 1,
            None => {}
        }
        let ex = &observed.exchange;
        let mut found = spec.found;
        if observed.complete
            && let (Some(key), Some((endpoint, job))) = (
                &ex.request.api_key,
                Endpoint::of(&ex.request.method, &ex.request.path),
            )
        {
            let tenant = self.tenant(key);
            match (endpoint, job) {
                (Endpoint::Submit, _) => self.submitted(tenant, ex, observed.body(), now),
                (Endpoint::Poll, Some(job)) => {
                    self.polled(tenant, &job, ex, observed.body(), now, &mut found);
                }
                (_, Some(job)) => {
                    if let Some(control) = endpoint.control() {
                        if self.controlled(tenant, &job, control, ex, now, &mut found) {
                            self.tally.controls_judged += 1;
                        } else {
                            self.tally.controls_unjudged += 1;
                        }
                    }
                }
                _ => {}
            }
        }
        for finding in &found {
            self.tally.keep(finding);
        }
        found
    }

    fn submitted(&mut self, tenant: Tenant, ex: &Exchange, body: &Value, now: Instant) {
        if !ex.is_success() {
            return;
        }
        if let Some(id) = body.get("job_id").and_then(Value::as_str) {
            self.job(tenant, id, now).born_here = true;
        }
    }

    fn polled(
        &mut self,
        tenant: Tenant,
        id: &str,
        ex: &Exchange,
        body: &Value,
        now: Instant,
        found: &mut Vec<Finding>,
    ) {
        let cursor = ex
            .request
            .query
            .iter()
            .find(|(name, _)| name == "cursor")
            .map(|(_, value)| value.as_str());
        let job = self.job(tenant, id, now);
        if let Some(cursor) = cursor
            && job.born_here
            && !job.cursors_full
            && !job.cursors.contains(cursor)
        {
            found.push(Finding {
                side: Side::Client,
                violation: Violation::lifecycle("client-cursor-unknown", ex)
                    .endpoint(Endpoint::Poll)
                    .expected("a cursor a poll of this job handed out as `next_cursor`")
                    .actual(format!("{cursor:?}, never handed out"))
                    .because(CURSOR_HANDED_OUT)
                    .build(),
            });
        }
        let Some(state) = lifecycle::state_in(body).filter(|_| ex.is_success()) else {
            return;
        };
        for v in job.timeline.poll_with(cursor, ex, body) {
            found.push(Finding {
                side: Side::Server,
                violation: v,
            });
        }
        if let Some((control, before, status)) = job.after.take()
            && let Err(v) = lifecycle::check_state_after(control, before, status, ex)
        {
            found.push(Finding {
                side: Side::Server,
                violation: v,
            });
        }
        if let Some(next) = body.get("next_cursor").and_then(Value::as_str) {
            job.hand_out(next);
        }
        job.last = Some(state);
        if state.is_terminal() {
            job.terminal = Some(state);
        }
    }

    fn controlled(
        &mut self,
        tenant: Tenant,
        id: &str,
        control: Control,
        ex: &Exchange,
        now: Instant,
        found: &mut Vec<Finding>,
    ) -> bool {
        let job = self.job(tenant, id, now);
        let status = ex.status();
        if let Some(terminal) = job.terminal {
            found.push(Finding {
                side: Side::Client,
                violation: Violation::lifecycle("client-control-after-terminal", ex)
                    .endpoint(control.endpoint())
                    .expected(format!("no {control} of a job already seen {terminal}"))
                    .actual(format!("{control} sent"))
                    .because(lifecycle::cell(control, terminal).sentence)
                    .build(),
            });
        }
        let Some(before) = job.last else {
            job.timeline.control(control, status);
            job.after = None;
            return false;
        };
        if !before.is_terminal() && !supported(control, before) {
            found.push(Finding {
                side: Side::Client,
                violation: Violation::lifecycle(&format!("client-{control}-{before}"), ex)
                    .endpoint(control.endpoint())
                    .expected(format!(
                        "{control} only where the docs say what it does; the job was last seen {before}"
                    ))
                    .actual(format!("{control} sent"))
                    .because(lifecycle::cell(control, before).sentence)
                    .build(),
            });
        }
        let answer = lifecycle::check_control_answer(control, before, ex)
            .and_then(|()| lifecycle::check_echo(control, id, ex));
        if let Err(v) = answer {
            found.push(Finding {
                side: Side::Server,
                violation: v,
            });
        }
        job.timeline.control(control, status);
        job.after = Some((control, before, status));
        // A refusal changes nothing, unless it says the job finished
        // meanwhile; an accepted call moves the job where only a poll says.
        let unchanged =
            status == 409 && lifecycle::cell(control, before).kind != CellKind::Documented;
        if !unchanged {
            job.last = None;
        }
        true
    }

    /// The job, created if new (dropping the least recently seen at the
    /// cap), marked as seen now.
    fn job(&mut self, tenant: Tenant, id: &str, now: Instant) -> &mut Job {
        self.tick += 1;
        let tick = self.tick;
        let key = (tenant, id.to_owned());
        if let Some(job) = self.jobs.get_mut(&key) {
            self.order.remove(&job.tick);
        } else if self.jobs.len() >= self.max_jobs
            && let Some((_, oldest)) = self.order.pop_first()
        {
            self.jobs.remove(&oldest);
            self.tally.jobs_dropped += 1;
        }
        self.order.insert(tick, key.clone());
        let job = self.jobs.entry(key).or_insert_with(|| Job::new(tick, now));
        job.tick = tick;
        job.at = now;
        job
    }

    /// Forgets jobs not seen for `job_ttl`.
    fn age_out(&mut self, now: Instant) {
        while let Some((_, key)) = self.order.first_key_value() {
            let stale = self
                .jobs
                .get(key)
                .is_none_or(|job| now.saturating_duration_since(job.at) >= self.job_ttl);
            if !stale {
                break;
            }
            if let Some((_, key)) = self.order.pop_first() {
                self.jobs.remove(&key);
                self.tally.jobs_aged_out += 1;
            }
        }
    }
}

/// True when the docs say what `control` does to a job last seen in
/// `before`, or in a state it may have reached on its own since (the
/// client may have waited). Pausing a pending job is named on the TAM
/// Builder page ("pause a running or pending job"), so it is supported even
/// though the cell is silent about its answer.
fn supported(control: Control, before: JobState) -> bool {
    if (control, before) == (Control::Pause, JobState::Pending) {
        return true;
    }
    lifecycle::reachable(before)
        .iter()
        .any(|s| lifecycle::cell(control, *s).kind == CellKind::Documented)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unsupported_calls_are_client_mistakes() {
        use JobState::*;
        assert!(supported(Control::Resume, Paused));
        assert!(
            supported(Control::Resume, Pausing),
            "it may be paused by now"
        );
        assert!(!supported(Control::Resume, Running));
        assert!(!supported(Control::Resume, Pending));
        assert!(supported(Control::Pause, Pending));
        assert!(supported(Control::Pause, Running));
        assert!(supported(Control::Cancel, Pending));
        assert!(!supported(Control::Cancel, Paused));
        assert!(!supported(Control::Pause, Cancelling));
    }
}
