//! The system under test: any [`Target`], driven one [`Step`] at a time
//! (async calls through a Tokio runtime's `block_on`), every exchange
//! checked by [`check_exchange`] and judged by the model, which then
//! narrows its belief from the answer.

use std::future::Future;
use std::sync::Arc;

use serde_json::json;
use tokio::runtime::{Handle, Runtime};

use super::judge::{self, Allowed, Belief};
use super::plan::{JobRef, Key, Plan, Step, Who};
use super::render::StepRecord;
use crate::api::{Control, Endpoint};
use crate::{ApiKey, Exchange, JobState, Request, SendError, Target, Violation, check_exchange};

/// The query every submit of the model sends.
pub(super) const SUBMIT_QUERY: &str = "openfunnel-contract model: cloud observability tools";

/// How the model blocks on async calls.
#[derive(Debug, Clone)]
pub(crate) enum Driver {
    /// A runtime of the caller's (usually current-thread): its
    /// `Runtime::block_on` drives its IO and timers on the calling thread,
    /// so a step's request, its answer and the check stay on one thread.
    Runtime(Arc<Runtime>),
    /// A handle of a runtime whose IO is driven elsewhere: a multi-thread
    /// runtime, or one whose own thread is waiting for this one (the
    /// suite's `model` rule, from `spawn_blocking`).
    Handle(Handle),
}

impl Driver {
    /// Runs `future` to completion on the calling thread.
    pub(crate) fn block_on<F: Future>(&self, future: F) -> F::Output {
        match self {
            Driver::Runtime(runtime) => runtime.block_on(future),
            Driver::Handle(handle) => handle.block_on(future),
        }
    }

    /// A current-thread runtime of its own.
    pub(crate) fn current_thread() -> std::io::Result<Driver> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        Ok(Driver::Runtime(Arc::new(runtime)))
    }
}

/// A target under a sequence, with the model's belief about each job.
#[derive(Debug)]
pub(super) struct ModelSut {
    target: Target,
    beliefs: Vec<(Key, Belief)>,
    submitted: Vec<String>,
    records: Vec<StepRecord>,
    halted: Option<String>,
    /// Last, so a runtime owned here outlives the target.
    driver: Driver,
}

impl ModelSut {
    pub(crate) fn with_driver(driver: Driver, target: Target) -> ModelSut {
        ModelSut {
            target,
            beliefs: Vec::new(),
            submitted: Vec::new(),
            records: Vec::new(),
            halted: None,
            driver,
        }
    }

    /// A fresh embedded mock (seed 0, manual clock, over HTTP) on a
    /// current-thread runtime of its own, as [`ModelTest`] uses per test
    /// case.
    ///
    /// # Panics
    /// When the runtime or the mock cannot start.
    #[cfg(test)]
    pub(crate) fn on_new_mock() -> ModelSut {
        let driver = Driver::current_thread().expect("a Tokio runtime");
        let target = driver
            .block_on(Target::mock())
            .expect("the embedded mock starts");
        ModelSut::with_driver(driver, target)
    }

    /// The target.
    #[cfg(test)]
    pub(crate) fn target(&self) -> &Target {
        &self.target
    }

    /// Every step run so far.
    pub(super) fn records(&self) -> &[StepRecord] {
        &self.records
    }

    /// Why the sequence stopped early (budget spent, write guard), if it did.
    pub(super) fn halted(&self) -> Option<&str> {
        self.halted.as_deref()
    }

    /// Runs one step. `Err` when the answer is not one a correct service
    /// may give (or breaks the spec); the step is recorded either way.
    /// After a halt, steps are recorded as not run.
    pub(super) fn step(&mut self, step: &Step) -> Result<(), Box<Violation>> {
        let mut record = StepRecord {
            number: self.records.len() + 1,
            step: step.clone(),
            title: self.title(step),
            key: None,
            request: None,
            answer: None,
            allowed: None,
            violation: None,
        };
        let result = if self.halted.is_some() {
            Ok(())
        } else {
            self.run(step, &mut record)
        };
        if let Err(violation) = &result {
            record.violation = Some((**violation).clone());
        }
        self.records.push(record);
        result
    }

    /// Checks the model against itself: each belief lies within what the
    /// reference machine allows without seeing answers.
    pub(super) fn check_against(&self, plan: &Plan) -> Result<(), String> {
        if self.halted.is_some() {
            return Ok(());
        }
        for ((owner, belief), planned) in self.beliefs.iter().zip(&plan.jobs) {
            if *owner != planned.owner || !belief.states.is_subset(planned.states) {
                return Err(format!(
                    "job #{}: believed {:?} of {owner}, the reference allows {:?} of {}",
                    belief.number, belief.states, planned.states, planned.owner
                ));
            }
        }
        if self.beliefs.len() != plan.jobs.len() {
            return Err(format!(
                "{} jobs believed, {} planned",
                self.beliefs.len(),
                plan.jobs.len()
            ));
        }
        Ok(())
    }

    /// On live, cancels the jobs this sequence submitted that may still be
    /// working (cancel is free); answers are ignored.
    pub(crate) fn teardown(self) {
        if self.target.seeds_on_demand() {
            return;
        }
        for id in &self.submitted {
            let unfinished = self
                .beliefs
                .iter()
                .any(|(_, b)| &b.id == id && b.states.any_unfinished());
            if unfinished {
                let request = Control::Cancel.request(id).key(self.target.api_key());
                let _ = self.driver.block_on(self.target.send(request));
            }
        }
    }

    fn title(&self, step: &Step) -> String {
        let name = |job: &JobRef| match job.index(self.beliefs.len()) {
            Some(n) => format!("job #{n}"),
            None => "an unknown job ID".to_owned(),
        };
        let sender = |job: &JobRef, by: Who| match (by, job) {
            (Who::Other, JobRef::Job(_)) => format!("{} (not its owner)", self.sender(job, by)),
            _ => self.sender(job, by).to_string(),
        };
        let next = self.beliefs.len();
        match step {
            Step::Seed { key, state } => format!("seed a {state} job of {key} → job #{next}"),
            Step::Submit { key } => format!("submit as {key} → job #{next}"),
            Step::Poll { job, by, cursor } => {
                let page = cursor.map_or(String::new(), |c| format!(" at page_{c:04}"));
                format!("poll {}{page} as {}", name(job), sender(job, *by))
            }
            Step::Control { control, job, by } => {
                format!("{control} {} as {}", name(job), sender(job, *by))
            }
            Step::Tick { bands } => format!(
                "let {bands} band duration{} pass",
                if *bands == 1 { "" } else { "s" }
            ),
        }
    }

    fn key(&self, key: Key) -> ApiKey {
        match key {
            Key::A => self.target.api_key().clone(),
            Key::B => self
                .target
                .other_api_key()
                .cloned()
                .unwrap_or_else(|| self.target.api_key().clone()),
        }
    }

    fn sender(&self, job: &JobRef, by: Who) -> Key {
        let owner = job
            .index(self.beliefs.len())
            .map_or(Key::A, |n| self.beliefs[n].0);
        if by == Who::Owner {
            owner
        } else {
            owner.other()
        }
    }

    fn run(&mut self, step: &Step, record: &mut StepRecord) -> Result<(), Box<Violation>> {
        match step {
            Step::Seed { key, state } => {
                let id = match self
                    .driver
                    .block_on(self.target.job_of(&self.key(*key), *state))
                {
                    Ok(id) => id,
                    Err(reason) => {
                        self.halted = Some(reason.to_string());
                        return Ok(());
                    }
                };
                let number = self.beliefs.len();
                self.beliefs.push((*key, Belief::new(number, id, *state)));
                Ok(())
            }
            Step::Tick { bands } => {
                let by = self.target.poll_interval() * *bands;
                self.driver.block_on(self.target.pass_time(by));
                Ok(())
            }
            Step::Submit { key } => {
                let request =
                    Endpoint::submit(&json!({ "query": SUBMIT_QUERY })).key(&self.key(*key));
                let allowed = judge::allowed_submit();
                let Some(exchange) = self.send(request, *key, allowed, record)? else {
                    return Ok(());
                };
                let id = judge::judge_submit(self.beliefs.iter().map(|(_, b)| b), &exchange)?;
                self.target.note_created(&id);
                self.submitted.push(id.clone());
                let number = self.beliefs.len();
                self.beliefs
                    .push((*key, Belief::new(number, id, JobState::Pending)));
                Ok(())
            }
            Step::Poll { job, by, cursor } => {
                let sender = self.sender(job, *by);
                let (id, own) = self.resolve(job, *by);
                let mut request = Endpoint::Poll.request(&id).key(&self.key(sender));
                if let Some(page) = cursor {
                    request = request.query("cursor", &format!("page_{page:04}"));
                }
                let allowed = match own {
                    Some(n) => judge::allowed_poll(&self.beliefs[n].1, cursor.is_some()),
                    None => judge::allowed_not_found(self.not_found_given(job, sender)),
                };
                let Some(exchange) = self.send(request, sender, allowed, record)? else {
                    return Ok(());
                };
                match own {
                    Some(n) => {
                        let belief = &mut self.beliefs[n].1;
                        judge::judge_poll(belief, cursor.is_some(), &exchange)?;
                        judge::learn_poll(belief, cursor.is_some(), &exchange);
                        let page = cursor.map(|c| format!("page_{c:04}"));
                        let broken = self.target.observe_poll(&id, page.as_deref(), &exchange);
                        match broken.into_iter().next() {
                            Some(violation) => Err(Box::new(violation)),
                            None => Ok(()),
                        }
                    }
                    None => Ok(judge::judge_not_found(
                        self.not_found_given(job, sender),
                        None,
                        &exchange,
                    )?),
                }
            }
            Step::Control { control, job, by } => {
                let sender = self.sender(job, *by);
                let (id, own) = self.resolve(job, *by);
                let request = control.request(&id).key(&self.key(sender));
                let allowed = match own {
                    Some(n) => judge::allowed_control(&self.beliefs[n].1, *control),
                    None => judge::allowed_not_found(self.not_found_given(job, sender)),
                };
                let Some(exchange) = self.send(request, sender, allowed, record)? else {
                    return Ok(());
                };
                if own.is_some() {
                    self.target
                        .observe_control(&id, *control, exchange.status());
                }
                self.judge_control(*control, job, own, sender, &exchange)
            }
        }
    }

    fn judge_control(
        &mut self,
        control: Control,
        job: &JobRef,
        own: Option<usize>,
        sender: Key,
        exchange: &Exchange,
    ) -> Result<(), Box<Violation>> {
        match own {
            Some(n) => {
                let belief = &mut self.beliefs[n].1;
                judge::judge_control(belief, control, exchange)?;
                judge::learn_control(belief, control, exchange);
                Ok(())
            }
            None => Ok(judge::judge_not_found(
                self.not_found_given(job, sender),
                Some(control),
                exchange,
            )?),
        }
    }

    /// The ID a step names, and the job's index when the sender owns it.
    fn resolve(&self, job: &JobRef, by: Who) -> (String, Option<usize>) {
        match (job, job.index(self.beliefs.len())) {
            (_, Some(n)) => (
                self.beliefs[n].1.id.clone(),
                (by == Who::Owner).then_some(n),
            ),
            (JobRef::Unknown(id), None) => (id.clone(), None),
            (JobRef::Job(_), None) => (String::new(), None),
        }
    }

    fn not_found_given(&self, job: &JobRef, sender: Key) -> String {
        match job.index(self.beliefs.len()) {
            Some(n) => format!("job #{n} is not {sender}'s"),
            None => "no job has this ID".to_owned(),
        }
    }

    /// Sends, records, and runs the spec checks. `Ok(None)`: not sent
    /// (budget or write guard), the sequence halts.
    fn send(
        &mut self,
        request: Request,
        key: Key,
        allowed: Allowed,
        record: &mut StepRecord,
    ) -> Result<Option<Exchange>, Box<Violation>> {
        record.key = Some(key);
        record.allowed = Some(allowed);
        let sent = self.driver.block_on(self.target.send(request.clone()));
        record.request = Some(
            sent.as_ref()
                .map_or(request, |exchange| exchange.request.clone()),
        );
        let exchange = match sent {
            Ok(exchange) => exchange,
            Err(SendError::Transport(violation)) => return Err(violation),
            Err(other) => {
                self.halted = Some(other.to_string());
                return Ok(None);
            }
        };
        record.answer = Some((exchange.status(), exchange.body_str("status")));
        check_exchange(self.target.spec(), &exchange)?;
        Ok(Some(exchange))
    }
}
