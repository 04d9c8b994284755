//! Runs generated sequences against any target with proptest, shrinks a
//! failing one to a minimal sequence, and hands it back as data.
//!
//! It runs the same steps as [`super::ModelTest`] under
//! [`proptest_state_machine::StateMachineTest::test_sequential`] (the
//! reference machine first, then the target, then the invariant), but a
//! failing step returns an error instead of panicking: no panic output
//! while proptest shrinks, and the shrunk sequence comes back as a
//! [`ModelFailure`] to print or snapshot.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use proptest::test_runner::{
    Config as ProptestConfig, FileFailurePersistence, RngAlgorithm, RngSeed, TestCaseError,
    TestError, TestRunner,
};
use proptest_state_machine::ReferenceStateMachine;
use tokio::runtime::Handle;

use super::plan::{LifecycleModel, Plan, Scope, Step};
use super::render::StepRecord;
use super::render::{describe, sequence};
use super::sut::{Driver, ModelSut};
use crate::mock::MockTransport;
use crate::{Error, Target, Violation};

/// How many sequences, how long, and where failing seeds go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelOptions {
    /// Sequences that must pass.
    pub cases: u32,
    /// Longest sequence (steps).
    pub max_steps: usize,
    /// Where proptest keeps the seeds of failing sequences (replayed first
    /// next time); `None` keeps none.
    pub regressions: Option<PathBuf>,
    /// A fixed seed for the generator (`None`: a fresh one each run, or
    /// `PROPTEST_RNG_SEED`).
    pub rng_seed: Option<u64>,
    /// Most shrink steps.
    pub max_shrink_iters: u32,
    /// How the fresh mocks of [`ModelRunner::run_on_mock`] are reached:
    /// [`MockTransport::InProcess`] for [`ModelOptions::mock`] (the
    /// sequences test the lifecycle, not the HTTP layer, which the suite
    /// tests over HTTP), [`MockTransport::Http`] for
    /// [`ModelOptions::live`]. Targets the caller makes for
    /// [`ModelRunner::run`] keep their own transport.
    pub mock_transport: MockTransport,
}

fn env_cases() -> Option<u32> {
    std::env::var("PROPTEST_CASES").ok()?.trim().parse().ok()
}

impl ModelOptions {
    /// For the mock: `PROPTEST_CASES` sequences (proptest's 256 by
    /// default) of up to 24 steps; seeds to
    /// `proptest-regressions/model.txt` when that folder exists; fresh
    /// mocks reached in process.
    pub fn mock() -> ModelOptions {
        let dir = PathBuf::from("proptest-regressions");
        ModelOptions {
            cases: env_cases().unwrap_or(256),
            max_steps: 24,
            regressions: dir.is_dir().then(|| dir.join("model.txt")),
            rng_seed: None,
            max_shrink_iters: 1024,
            mock_transport: MockTransport::InProcess,
        }
    }

    /// For live: `PROPTEST_CASES` sequences (2 by default) of up to 6
    /// steps, no regressions file; every request counts against the
    /// target's budget.
    pub fn live() -> ModelOptions {
        ModelOptions {
            cases: env_cases().unwrap_or(2),
            max_steps: 6,
            regressions: None,
            rng_seed: None,
            max_shrink_iters: 64,
            mock_transport: MockTransport::Http,
        }
    }

    /// The same options with a fixed generator seed and no regressions
    /// file: the same sequences (and the same shrunk failure) every run.
    #[must_use = "builders return the changed options"]
    pub fn seeded(mut self, seed: u64) -> ModelOptions {
        self.rng_seed = Some(seed);
        self.regressions = None;
        self
    }

    fn proptest(&self) -> ProptestConfig {
        let mut config = ProptestConfig {
            cases: self.cases,
            max_shrink_iters: self.max_shrink_iters,
            failure_persistence: self.regressions.as_ref().map(|path| {
                Box::new(FileFailurePersistence::Direct(Box::leak(
                    path.to_string_lossy().into_owned().into_boxed_str(),
                ))) as _
            }),
            ..ProptestConfig::default()
        };
        if let Some(seed) = self.rng_seed {
            config.rng_algorithm = RngAlgorithm::ChaCha;
            config.rng_seed = RngSeed::Fixed(seed);
        }
        config
    }
}

/// A run in which every sequence passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelPass {
    /// Sequences run.
    pub cases: usize,
    /// Steps run across them.
    pub steps: usize,
    /// Why the run stopped early (budget, write guard), if it did.
    pub halted: Option<String>,
    /// Wall time.
    pub elapsed: Duration,
}

/// A sequence whose answers a correct service cannot give, shrunk.
#[derive(Debug, Clone)]
pub struct ModelFailure {
    /// Where it ran (`the embedded mock`, `live <url>`).
    pub target: String,
    /// Sequences that passed before the first failing one.
    pub passed_before: usize,
    /// Length of the first failing sequence as generated, before shrinking.
    pub found_with: usize,
    /// The minimal sequence, step by step, the last one failing.
    pub records: Vec<StepRecord>,
    /// What the last step broke.
    pub violation: Violation,
}

impl fmt::Display for ModelFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "The model test failed on {} after {} passing sequences: a minimal sequence of {} steps (shrunk from {}).",
            self.target,
            self.passed_before,
            self.records.len(),
            self.found_with
        )?;
        writeln!(f)?;
        f.write_str(&sequence(&self.records, &self.target))
    }
}

/// How a run ended.
#[derive(Debug, Clone)]
pub enum ModelOutcome {
    /// Every sequence's answers lay in the model's allowed sets.
    Pass(ModelPass),
    /// A sequence failed; this is its minimal form.
    Fail(Box<ModelFailure>),
}

/// Runs the model against targets, on a current-thread Tokio runtime of
/// its own (build targets with [`ModelRunner::block_on`] so they share
/// it): a step's request, its answer and its check stay on the calling
/// thread.
#[derive(Debug)]
pub struct ModelRunner {
    driver: Driver,
    options: ModelOptions,
}

type Logs = Mutex<BTreeMap<String, (Vec<StepRecord>, Violation)>>;

impl ModelRunner {
    /// A runner with a current-thread runtime of its own.
    ///
    /// # Errors
    /// When the runtime cannot start.
    pub fn new(options: ModelOptions) -> Result<ModelRunner, Error> {
        let driver = Driver::current_thread()
            .map_err(|e| Error::Target(format!("cannot start a Tokio runtime: {e}")))?;
        Ok(ModelRunner { driver, options })
    }

    /// A runner on a runtime the caller owns and drives (a target built
    /// there keeps its connections there). Call [`ModelRunner::run`] from
    /// a blocking thread of it (`spawn_blocking`), never from a task.
    pub(crate) fn with_handle(options: ModelOptions, handle: Handle) -> ModelRunner {
        ModelRunner {
            driver: Driver::Handle(handle),
            options,
        }
    }

    /// The options.
    pub fn options(&self) -> &ModelOptions {
        &self.options
    }

    /// Runs a future on the runner's runtime (to build a target, or clean
    /// up after a run). Not from inside another runtime.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.driver.block_on(future)
    }

    /// [`ModelRunner::run`] on a fresh embedded mock per sequence (seed 0,
    /// manual clock, the vendored spec or `OPENFUNNEL_SPEC`), reached as
    /// [`ModelOptions::mock_transport`] says.
    ///
    /// # Errors
    /// When a mock cannot start.
    pub fn run_on_mock(&self, scope: Scope) -> Result<ModelOutcome, Error> {
        let transport = self.options.mock_transport;
        self.run(scope, move || Target::mock_with(transport))
    }

    /// Runs `options.cases` sequences the `scope` allows, each against the
    /// target `make_target` gives (a fresh mock per sequence, or clones
    /// of one live target); shrinks the first failure.
    ///
    /// # Errors
    /// When a target cannot be made.
    ///
    /// # Panics
    /// When the model contradicts its own reference machine (a bug here,
    /// not in the target).
    pub fn run<F, Fut>(&self, scope: Scope, make_target: F) -> Result<ModelOutcome, Error>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<Target, Error>>,
    {
        let started = Instant::now();
        let strategy = LifecycleModel::sequences(scope, self.options.max_steps);
        let logs: Logs = Mutex::default();
        let setup: Mutex<Option<Error>> = Mutex::default();
        let halted: Mutex<Option<String>> = Mutex::default();
        let found_with = AtomicUsize::new(0);
        let passed_before = AtomicUsize::new(0);
        let (cases, steps) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let described: Mutex<String> = Mutex::default();
        let mut runner = TestRunner::new(self.options.proptest());
        let result = runner.run(
            &strategy,
            |(plan, sequence, seen): (Plan, Vec<Step>, Option<Arc<AtomicUsize>>)| {
                if halted.lock().expect("lock").is_some() {
                    return Ok(());
                }
                let target = match self.block_on(make_target()) {
                    Ok(target) => target,
                    Err(error) => {
                        *setup.lock().expect("lock") = Some(error);
                        return Err(TestCaseError::fail("the target could not be made"));
                    }
                };
                *described.lock().expect("lock") = describe(&target);
                let mut sut = ModelSut::with_driver(self.driver.clone(), target);
                let mut plan = plan;
                for step in &sequence {
                    if let Some(seen) = &seen {
                        seen.fetch_add(1, Ordering::SeqCst);
                    }
                    plan = <LifecycleModel as ReferenceStateMachine>::apply(plan, step);
                    steps.fetch_add(1, Ordering::Relaxed);
                    if let Err(violation) = sut.step(step) {
                        let records = sut.records().to_vec();
                        if found_with.load(Ordering::SeqCst) == 0 {
                            passed_before.store(cases.load(Ordering::SeqCst), Ordering::SeqCst);
                        }
                        let _ = found_with.compare_exchange(
                            0,
                            sequence.len(),
                            Ordering::SeqCst,
                            Ordering::SeqCst,
                        );
                        sut.teardown();
                        logs.lock()
                            .expect("lock")
                            .insert(format!("{sequence:?}"), (records, *violation));
                        return Err(TestCaseError::fail("an answer the model does not allow"));
                    }
                    if let Some(reason) = sut.halted() {
                        *halted.lock().expect("lock") = Some(reason.to_owned());
                        break;
                    }
                    if let Err(bug) = sut.check_against(&plan) {
                        panic!("the model contradicts its reference machine: {bug}");
                    }
                }
                sut.teardown();
                cases.fetch_add(1, Ordering::Relaxed);
                Ok(())
            },
        );
        if let Some(error) = setup.lock().expect("lock").take() {
            return Err(error);
        }
        match result {
            Ok(()) => Ok(ModelOutcome::Pass(ModelPass {
                cases: cases.into_inner(),
                steps: steps.into_inner(),
                halted: halted.into_inner().expect("lock"),
                elapsed: started.elapsed(),
            })),
            Err(TestError::Fail(reason, (_, minimal, _))) => {
                let key = format!("{minimal:?}");
                let Some((records, violation)) = logs.lock().expect("lock").remove(&key) else {
                    panic!("the shrunk sequence lost its record: {reason}");
                };
                Ok(ModelOutcome::Fail(Box::new(ModelFailure {
                    target: described.into_inner().expect("lock"),
                    passed_before: passed_before.into_inner(),
                    found_with: found_with.into_inner(),
                    records,
                    violation,
                })))
            }
            Err(TestError::Abort(reason)) => {
                Err(Error::Target(format!("the model run stopped: {reason}")))
            }
        }
    }
}
