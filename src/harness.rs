//! One rule, one test: the suite as a test binary of your own crate, one
//! named test per rule (feature `harness`, on [libtest-mimic]).
//!
//! In a test target with `harness = false`:
//!
//! ```toml
//! [[test]]
//! name = "contract"
//! path = "tests/contract.rs"
//! harness = false
//! ```
//!
//! ```no_run
//! // tests/contract.rs
//! use openfunnel_contract::{ApiKey, Config, Target};
//!
//! fn main() -> std::process::ExitCode {
//!     openfunnel_contract::harness::run(|| async {
//!         // A fresh target for every rule: your server, writes allowed.
//!         let config = Config::live("http://127.0.0.1:8000", ApiKey::new("of_test"))?
//!             .allow_writes(true);
//!         Target::from_config(&config).await
//!     })
//! }
//! ```
//!
//! Each rule is a test named by its id with `_` for `-` (`terminal-409` is
//! `terminal_409`), so the usual filters work: `cargo test --test contract
//! terminal_409`, `cargo test -- --list`, `cargo nextest run -E
//! 'test(isolation)'`, and a CI log shows one line per rule.
//!
//! | the rule | the test |
//! |---|---|
//! | passes | `ok` |
//! | fails | `FAILED`, with every violation (its sentence and curl line) |
//! | is skipped (a fixture, writes, a second key missing) | `ignored (<the reason>)`, decided while it runs (libtest-mimic 0.8.2's runtime ignore); **failed** instead when `OPENFUNNEL_FAIL_ON_SKIP``=1` or [`Harness::fail_on_skip`] |
//! | cannot get its target (the factory's `Err`) | `FAILED`, with the error |
//!
//! Every rule runs on a target of its own from the factory, in a Tokio
//! runtime of its own (two worker threads), and the jobs it created are
//! cancelled after it, as [`run_suite`](crate::suite::run_suite) does. Rules
//! run on libtest's test threads (`--test-threads`); a server whose state
//! one rule could disturb for another gets a fresh server from the
//! factory, or `--test-threads=1`.
//!
//! [libtest-mimic]: https://docs.rs/libtest-mimic

use std::fmt::Write as _;
use std::future::Future;
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::Arc;

pub use libtest_mimic;
use libtest_mimic::{Arguments, Completion, Failed, Trial};

use crate::suite::{Outcome, Rule, RuleReport, SuiteOptions, cleanup, rules};
use crate::{Error, Target};

type TargetFuture = Pin<Box<dyn Future<Output = Result<Target, Error>>>>;
type Factory = Arc<dyn Fn() -> TargetFuture + Send + Sync>;

/// The suite as libtest trials: one per rule, each on a fresh target from
/// a factory. [`run`] is the short way.
#[derive(Clone)]
pub struct Harness {
    factory: Factory,
    options: SuiteOptions,
    fail_on_skip: bool,
}

impl std::fmt::Debug for Harness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Harness")
            .field("options", &self.options)
            .field("fail_on_skip", &self.fail_on_skip)
            .finish_non_exhaustive()
    }
}

/// The test name of a rule: its id with `_` for `-` (`terminal_409`).
pub fn test_name(rule_id: &str) -> String {
    rule_id.replace('-', "_")
}

/// Runs every rule as a test of this binary, with the command line's
/// filters and flags, and returns the exit code libtest would: see the
/// [module docs](self).
pub fn run<F, Fut>(factory: F) -> ExitCode
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Target, Error>> + 'static,
{
    Harness::new(factory).run()
}

impl Harness {
    /// The trials over targets from `factory`, with default
    /// [`SuiteOptions`]; skipped rules fail when the environment sets
    /// `OPENFUNNEL_FAIL_ON_SKIP``=1`.
    ///
    /// # Panics
    /// When that variable holds anything but `1`, `0`, `true` or `false`.
    pub fn new<F, Fut>(factory: F) -> Harness
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Target, Error>> + 'static,
    {
        // A bad value is a hard error, never a silent "off".
        let value = std::env::var(crate::config::FAIL_ON_SKIP).ok();
        let fail_on_skip =
            crate::config::parse_switch(crate::config::FAIL_ON_SKIP, value.as_deref())
                .unwrap_or_else(|error| panic!("{error}"));
        Harness {
            factory: Arc::new(move || Box::pin(factory()) as TargetFuture),
            options: SuiteOptions::default(),
            fail_on_skip,
        }
    }

    /// Options every rule runs with (generated cases, regressions file).
    /// Rule selection is the test filter's job, not `options.only`.
    #[must_use = "a Harness builder method returns the changed Harness"]
    pub fn options(mut self, options: SuiteOptions) -> Harness {
        self.options = options;
        self
    }

    /// `true` fails a skipped rule instead of reporting it ignored. Env:
    /// `OPENFUNNEL_FAIL_ON_SKIP`; default off.
    #[must_use = "a Harness builder method returns the changed Harness"]
    pub fn fail_on_skip(mut self, fail: bool) -> Harness {
        self.fail_on_skip = fail;
        self
    }

    /// One trial per rule, in report order, to run with your own trials
    /// through [`libtest_mimic::run`].
    pub fn trials(&self) -> Vec<Trial> {
        rules().iter().map(|rule| self.trial(rule)).collect()
    }

    fn trial(&self, rule: &'static Rule) -> Trial {
        let (factory, options, fail_on_skip) = (
            Arc::clone(&self.factory),
            self.options.clone(),
            self.fail_on_skip || self.options.fail_on_skip,
        );
        Trial::ignorable_test(test_name(rule.id), move || {
            let report = run_rule(rule, &factory, &options)?;
            verdict(&report, fail_on_skip)
        })
    }

    /// Parses the command line as libtest does, runs the trials and
    /// returns the exit code (101 when a test failed).
    pub fn run(self) -> ExitCode {
        let args = Arguments::from_args();
        libtest_mimic::run(&args, self.trials()).exit_code()
    }
}

/// Runs one rule on a fresh target in a runtime of its own, then cancels
/// the jobs it created.
fn run_rule(rule: &Rule, factory: &Factory, options: &SuiteOptions) -> Result<RuleReport, Failed> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failed::from(format!("cannot start a Tokio runtime: {e}")))?;
    runtime.block_on(async {
        let target = factory()
            .await
            .map_err(|e| Failed::from(format!("cannot set up the target: {e}")))?;
        let report = rule.run(&target, options).await;
        cleanup(&target).await;
        Ok(report)
    })
}

/// Pass, ignored with the reason, or failed with every violation.
fn verdict(report: &RuleReport, fail_on_skip: bool) -> Result<Completion, Failed> {
    match &report.outcome {
        Outcome::Pass => Ok(Completion::Completed),
        Outcome::Skip(reason) if !fail_on_skip => Ok(Completion::ignored_with(reason)),
        Outcome::Skip(reason) => Err(Failed::from(format!(
            "{}: skipped, and {}=1 fails a skipped rule: {reason}",
            report.id,
            crate::config::FAIL_ON_SKIP
        ))),
        Outcome::Fail(violations) => {
            let mut text = format!("{}: {}\n", report.id, report.title);
            for (i, violation) in violations.iter().enumerate() {
                let _ = write!(text, "\n{}. {violation}\n", i + 1);
            }
            for input in &report.minimal_inputs {
                let _ = writeln!(text, "\nminimal failing input: {input}");
            }
            for note in report
                .notes
                .iter()
                .filter(|n| !report.minimal_inputs.contains(n))
            {
                let _ = writeln!(text, "\nnote: {note}");
            }
            Err(Failed::from(text))
        }
    }
}
