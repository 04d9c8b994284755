//! What a rule works with: the target, the spec checks on every exchange,
//! soft failures, notes, and the common moves (poll, control, settle, walk
//! pages).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use serde_json::Value;

use super::SuiteOptions;
use super::transitions::TransitionTracker;
use crate::api::{Control, Endpoint};
use crate::lifecycle::poll_state;
use crate::target::Lease;
use crate::{ApiKey, Exchange, JobState, Request, SendError, Target, Violation, check_exchange};

/// Why a rule stopped early.
#[derive(Debug)]
pub(crate) enum Stop {
    /// A violation that ends the rule.
    Fail(Box<Violation>),
    /// The rule cannot run here, and why.
    Skip(String),
}

impl From<Violation> for Stop {
    fn from(violation: Violation) -> Self {
        Stop::Fail(Box::new(violation))
    }
}

impl From<SendError> for Stop {
    fn from(error: SendError) -> Self {
        match error {
            SendError::Transport(violation) => Stop::Fail(violation),
            SendError::Budget { .. } | SendError::Blocked { .. } => Stop::Skip(error.to_string()),
        }
    }
}

/// A rule's working state.
#[derive(Debug)]
pub(crate) struct Session {
    target: Target,
    options: SuiteOptions,
    failures: Vec<Violation>,
    notes: Vec<String>,
    minimal_inputs: Vec<String>,
    transitions: TransitionTracker,
    sent: Arc<AtomicU32>,
    created: Vec<String>,
    leases: Vec<Lease>,
}

/// Pages read by [`Session::walk_pages`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PageWalk {
    /// Pages read.
    pub pages: usize,
    /// Rows read across them.
    pub rows: usize,
    /// The job's status on the last page.
    pub status: Option<JobState>,
    /// True only when the last page had a null `next_cursor` *and* the job
    /// was terminal: a running job can return a null cursor because later
    /// pages are not written yet.
    pub done: bool,
    /// True when the walk stopped at its page bound.
    pub bounded: bool,
}

impl Session {
    pub(crate) fn new(target: Target, options: SuiteOptions) -> Session {
        Session {
            target,
            options,
            failures: Vec::new(),
            notes: Vec::new(),
            minimal_inputs: Vec::new(),
            transitions: TransitionTracker::default(),
            sent: Arc::default(),
            created: Vec::new(),
            leases: Vec::new(),
        }
    }

    /// Failures, notes, minimal failing inputs and the number of requests
    /// the rule sent.
    pub(crate) fn finish(mut self) -> (Vec<Violation>, Vec<String>, Vec<String>, u32) {
        self.transitions.flush(&self.target);
        let sent = self.sent.load(Ordering::SeqCst);
        (self.failures, self.notes, self.minimal_inputs, sent)
    }

    /// A session of the same rule for work that waits concurrently with
    /// this one (its own jobs); [`Session::absorb`] takes its results back.
    pub(crate) fn fork(&self) -> Session {
        let mut child = Session::new(self.target.clone(), self.options.clone());
        child.sent = Arc::clone(&self.sent);
        child
    }

    /// Runs `work` on each item in a fork of this session and takes the
    /// forks back, results in item order: one after another on the mock
    /// (seeded IDs, one clock), concurrently on live (each item waits for
    /// its own jobs). The first stop, if any, is returned after all ran.
    pub(crate) async fn each<T, R, F, Fut>(
        &mut self,
        items: Vec<T>,
        work: F,
    ) -> Result<Vec<R>, Stop>
    where
        T: Send + 'static,
        R: Send + 'static,
        F: Fn(Session, T) -> Fut,
        Fut: std::future::Future<Output = (Session, Result<R, Stop>)> + Send + 'static,
    {
        let mut done = Vec::new();
        if self.target.seeds_on_demand() {
            for item in items {
                let (child, result) = work(self.fork(), item).await;
                let stopped = result.is_err();
                done.push((child, result));
                if stopped {
                    break;
                }
            }
        } else {
            let mut tasks = tokio::task::JoinSet::new();
            for (index, item) in items.into_iter().enumerate() {
                let future = work(self.fork(), item);
                tasks.spawn(async move { (index, future.await) });
            }
            let mut finished = Vec::new();
            while let Some(joined) = tasks.join_next().await {
                match joined {
                    Ok(one) => finished.push(one),
                    Err(error) => std::panic::resume_unwind(error.into_panic()),
                }
            }
            finished.sort_by_key(|(index, _)| *index);
            done = finished.into_iter().map(|(_, one)| one).collect();
        }
        let mut results = Vec::new();
        let mut stop = None;
        for (child, result) in done {
            self.absorb(child);
            match result {
                Ok(value) => results.push(value),
                Err(error) => stop = stop.or(Some(error)),
            }
        }
        match stop {
            Some(stop) => Err(stop),
            None => Ok(results),
        }
    }

    /// Takes a forked session's failures, notes, jobs and fixtures back.
    pub(crate) fn absorb(&mut self, mut child: Session) {
        child.transitions.flush(&self.target);
        self.failures.append(&mut child.failures);
        self.notes.append(&mut child.notes);
        self.minimal_inputs.append(&mut child.minimal_inputs);
        self.created.append(&mut child.created);
        self.leases.append(&mut child.leases);
    }

    /// Keeps a lent fixture until the rule ends.
    pub(crate) fn hold(&mut self, lease: Lease) {
        self.leases.push(lease);
    }

    /// The fixtures lent to the rule, given up.
    pub(crate) fn take_leases(&mut self) -> Vec<Lease> {
        std::mem::take(&mut self.leases)
    }

    /// The jobs the rule submitted, forgotten.
    pub(crate) fn take_created(&mut self) -> Vec<String> {
        std::mem::take(&mut self.created)
    }

    /// Records the smallest failing input proptest shrank to (also a note).
    pub(crate) fn minimal_input(&mut self, text: String) {
        self.notes.push(text.clone());
        self.minimal_inputs.push(text);
    }

    /// The counter of requests this rule sent (shared with helper threads).
    pub(crate) fn sent_counter(&self) -> Arc<AtomicU32> {
        Arc::clone(&self.sent)
    }

    /// The target.
    pub(crate) fn target(&self) -> &Target {
        &self.target
    }

    /// The run's options.
    pub(crate) fn options(&self) -> &SuiteOptions {
        &self.options
    }

    /// The target's key.
    pub(crate) fn key(&self) -> ApiKey {
        self.target.api_key().clone()
    }

    /// Records a failure and goes on.
    pub(crate) fn soft(&mut self, result: Result<(), Violation>) {
        if let Err(violation) = result {
            self.failures.push(violation);
        }
    }

    /// Records something worth reading that is not a failure.
    pub(crate) fn note(&mut self, text: impl Into<String>) {
        self.notes.push(text.into());
    }

    /// Sends a request and runs the spec checks on the exchange.
    pub(crate) async fn call(&mut self, request: Request) -> Result<Exchange, Stop> {
        let exchange = send_counted(&self.target, &self.sent, request).await?;
        check_exchange(self.target.spec(), &exchange)?;
        Ok(exchange)
    }

    /// Polls a job (first page, or `cursor`) with `key`.
    pub(crate) async fn poll_as(
        &mut self,
        key: Option<&ApiKey>,
        job: &str,
        cursor: Option<&str>,
    ) -> Result<Exchange, Stop> {
        let mut request = Endpoint::Poll.request(job);
        if let Some(cursor) = cursor {
            request = request.query("cursor", cursor);
        }
        if let Some(key) = key {
            request = request.key(key);
        }
        let exchange = self.call(request).await?;
        if key == Some(self.target.api_key()) {
            for violation in self.target.observe_poll(job, cursor, &exchange) {
                self.failures.push(violation);
            }
            if exchange.is_success()
                && let Some(state) = poll_state(&exchange)
            {
                self.transitions.polled(&self.target, job, state);
            }
        }
        Ok(exchange)
    }

    /// Polls a job with the target's key.
    pub(crate) async fn poll(&mut self, job: &str) -> Result<Exchange, Stop> {
        let key = self.key();
        self.poll_as(Some(&key), job, None).await
    }

    /// Polls a job that must be found (200 with a known status).
    pub(crate) async fn observe(&mut self, job: &str) -> Result<(JobState, Exchange), Stop> {
        let poll = self.poll(job).await?;
        match (poll.is_success(), poll_state(&poll)) {
            (true, Some(state)) => Ok((state, poll)),
            _ => Err(Violation::lifecycle("own-job-found", &poll)
                .endpoint(Endpoint::Poll)
                .expected("200 with one of the eight job states for a job of this key")
                .actual(format!(
                    "{} with status {:?}",
                    poll.status(),
                    poll.body_str("status")
                ))
                .build()
                .because("Poll a TAM build job for its status (poll-tam-builder-results)")
                .into()),
        }
    }

    /// Sends pause, resume or cancel with `key` (none: no header).
    pub(crate) async fn control_as(
        &mut self,
        key: Option<&ApiKey>,
        control: Control,
        job: &str,
    ) -> Result<Exchange, Stop> {
        let mut request = control.request(job);
        if let Some(key) = key {
            request = request.key(key);
        }
        let exchange = self.call(request).await?;
        if key == Some(self.target.api_key()) {
            self.target.observe_control(job, control, exchange.status());
            self.transitions
                .controlled(&self.target, control, job, exchange.status());
            self.soft(crate::lifecycle::check_echo(control, job, &exchange));
        }
        Ok(exchange)
    }

    /// Sends pause, resume or cancel with the target's key. A resume (it
    /// continues a paid build) is skipped once the run has spent its
    /// credits.
    pub(crate) async fn control(&mut self, control: Control, job: &str) -> Result<Exchange, Stop> {
        if control == Control::Resume {
            self.target.may_spend().map_err(Stop::Skip)?;
        }
        let key = self.key();
        self.control_as(Some(&key), control, job).await
    }

    /// Submits a build (writes only); the job is cancelled when the rule
    /// ends. Skipped once the run has spent its credits.
    pub(crate) async fn submit(&mut self, body: &Value) -> Result<Exchange, Stop> {
        self.target.may_spend().map_err(Stop::Skip)?;
        let request = Endpoint::submit(body).key(&self.key());
        let exchange = self.call(request).await?;
        if exchange.is_success()
            && let Some(id) = exchange.body_str("job_id")
        {
            self.target.note_created(&id);
            self.created.push(id);
        }
        Ok(exchange)
    }

    /// Skips unless the target may change a job in `state`.
    pub(crate) fn require_change(&self, state: JobState) -> Result<(), Stop> {
        if self.target.may_change(state) {
            Ok(())
        } else {
            Err(Stop::Skip(format!(
                "changing a live {state} job needs OPENFUNNEL_ALLOW_WRITES=1 (it may continue a build, which costs credits)"
            )))
        }
    }

    /// Polls until the job leaves the states in `moving` or the wait limit
    /// passes; returns the last state seen.
    ///
    /// On the mock each step is one poll interval of its clock. On live the
    /// first steps are short (a sixteenth of the poll interval, at least
    /// 25 ms, doubling up to the poll interval), so a fast server's
    /// transitions are seen at once and a slow one is polled at the poll
    /// interval.
    pub(crate) async fn settle(
        &mut self,
        job: &str,
        moving: &[JobState],
    ) -> Result<JobState, Stop> {
        let deadline = self.target.limits().wait;
        let interval = self.target.poll_interval();
        let mut step = if self.target.seeds_on_demand() {
            interval
        } else {
            (interval / 16).max(Duration::from_millis(25)).min(interval)
        };
        let mut waited = Duration::ZERO;
        loop {
            let (state, _) = self.observe(job).await?;
            if !moving.contains(&state) || waited >= deadline {
                return Ok(state);
            }
            self.target.pass_time(step).await;
            waited += step;
            step = (step * 2).min(interval);
        }
    }

    /// Follows `next_cursor` from the first page, at most `max_pages`
    /// pages. Checks on every page: `count` equals the rows, `page` is the
    /// cursor asked for, and no cursor comes twice.
    pub(crate) async fn walk_pages(
        &mut self,
        job: &str,
        max_pages: usize,
    ) -> Result<PageWalk, Stop> {
        let key = self.key();
        let mut walk = PageWalk::default();
        let mut cursor: Option<String> = None;
        let mut seen = std::collections::BTreeSet::new();
        loop {
            let page = self.poll_as(Some(&key), job, cursor.as_deref()).await?;
            if !page.is_success() {
                return Err(Violation::lifecycle("pages", &page)
                    .endpoint(Endpoint::Poll)
                    .expected("200 for a page named by the previous next_cursor")
                    .actual(page.status().to_string())
                    .build()
                    .because("next_cursor: \"Pass as cursor to fetch the next page\"")
                    .into());
            }
            let body = page.json();
            walk.pages += 1;
            let rows = body
                .get("rows")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            walk.rows += rows;
            walk.status = poll_state(&page);
            if let Some(count) = body.get("count").and_then(Value::as_u64)
                && count as usize != rows
            {
                self.soft(Err(Violation::lifecycle("page-count", &page)
                    .endpoint(Endpoint::Poll)
                    .at("/count")
                    .expected(format!("{rows} (the rows in this page)"))
                    .actual(count.to_string())
                    .build()
                    .because("count: \"Rows in this page.\"")));
            }
            if let (Some(asked), Some(named)) = (&cursor, body.get("page").and_then(Value::as_str))
                && asked != named
            {
                self.soft(Err(Violation::lifecycle("page-name", &page)
                    .endpoint(Endpoint::Poll)
                    .at("/page")
                    .expected(format!("{asked:?} (the cursor asked for)"))
                    .actual(format!("{named:?}"))
                    .build()
                    .because(
                        "cursor: \"Page to read\"; page: \"Name of the page returned\"",
                    )));
            }
            match body.get("next_cursor").and_then(Value::as_str) {
                None => {
                    walk.done = walk.status.is_some_and(JobState::is_terminal);
                    return Ok(walk);
                }
                Some(next) if !seen.insert(next.to_owned()) => {
                    return Err(Violation::lifecycle("page-cycle", &page)
                        .endpoint(Endpoint::Poll)
                        .at("/next_cursor")
                        .expected("a cursor not seen before in this walk")
                        .actual(format!("{next:?} again"))
                        .build()
                        .because("next_cursor: \"null when this is the last page\"")
                        .into());
                }
                Some(_) if walk.pages >= max_pages => {
                    walk.bounded = true;
                    return Ok(walk);
                }
                Some(next) => cursor = Some(next.to_owned()),
            }
        }
    }
}

/// Sends through the target and counts it for the rule when it reached the
/// wire (a blocked or over-budget request is not sent; 429 retries are
/// counted once).
pub(crate) async fn send_counted(
    target: &Target,
    sent: &AtomicU32,
    request: Request,
) -> Result<Exchange, SendError> {
    let result = target.send(request).await;
    if matches!(result, Ok(_) | Err(SendError::Transport(_))) {
        sent.fetch_add(1, Ordering::SeqCst);
    }
    result
}
