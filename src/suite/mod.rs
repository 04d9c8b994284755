//! The conformance suite: lifecycle rules that a schema cannot express,
//! run against any [`Target`]. Every exchange a rule makes also passes the
//! spec checks ([`crate::check_exchange`]).
//!
//! # Jobs
//!
//! Jobs per state, never shared (Pact's provider states). A rule asks for
//! a job in a state and gets one no other rule is using:
//!
//! | target | job in a state |
//! |---|---|
//! | mock | a fresh seeded job |
//! | live with a [`JobProvider`](crate::JobProvider) | the caller's fresh job |
//! | live, writes allowed | the fixture of that state, lent once per run to one rule that may change it and put back afterwards, else derived: submit → pending/running, pause → pausing/paused, cancel → cancelling/cancelled |
//! | live, read-only | the fixture, for read-only use |
//!
//! Completed and failed jobs cannot be derived: they come from fixtures,
//! which no control call can change. When the rule ends, every job it
//! submitted is cancelled at once (cancel is free) and every fixture it
//! changed is put back where possible; the report says which.

mod jobs;
mod options;
mod props;
mod report;
mod rules;
mod run;
mod session;
mod transitions;

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

#[cfg(feature = "cli")]
pub(crate) use options::rule_ids;
pub use options::{SuiteOptions, Terms};
pub use report::{SuiteReport, TargetInfo};
pub use run::{cleanup, run_suite};
pub(crate) use session::{Session, Stop};

use crate::{Target, Violation};

/// A boxed rule future.
pub(crate) type RuleFuture<'a> = Pin<Box<dyn Future<Output = Result<(), Stop>> + Send + 'a>>;

/// One rule of the suite.
#[derive(Clone, Copy)]
pub struct Rule {
    /// Stable identifier, e.g. `terminal-409`.
    pub id: &'static str,
    /// What it checks, in one line.
    pub title: &'static str,
    /// The documentation it rests on.
    pub because: &'static str,
    run: for<'a> fn(&'a mut Session) -> RuleFuture<'a>,
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rule")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl Rule {
    /// Runs the rule on `target` and reports what happened.
    pub async fn run(&self, target: &Target, options: &SuiteOptions) -> RuleReport {
        let started = Instant::now();
        let mut session = Session::new(target.clone(), options.clone());
        let result = (self.run)(&mut session).await;
        session.close().await;
        let (mut failures, mut notes, minimal_inputs, requests) = session.finish();
        let skipped = match result {
            Err(Stop::Fail(violation)) => {
                failures.push(*violation);
                None
            }
            Err(Stop::Skip(reason)) => Some(reason),
            Ok(()) => None,
        };
        let (failures, repeats) = distinct(failures);
        if repeats > 0 {
            notes.push(format!(
                "{repeats} more violation(s) like those above (same check, same answer) not listed"
            ));
        }
        let notes = notes.iter().map(|n| options.terms.speak(n)).collect();
        let outcome = match skipped {
            _ if !failures.is_empty() => Outcome::Fail(failures),
            Some(reason) => Outcome::Skip(options.terms.speak(&reason)),
            None => Outcome::Pass,
        };
        RuleReport {
            id: self.id,
            title: self.title,
            because: self.because,
            outcome,
            notes,
            minimal_inputs,
            requests,
            elapsed: started.elapsed(),
        }
    }
}

/// The violations without repeats of the same check on the same answer
/// (the same rule, operation, status and mismatches, on another job), and
/// how many repeats were dropped.
fn distinct(violations: Vec<Violation>) -> (Vec<Violation>, usize) {
    let mut seen = std::collections::BTreeSet::new();
    let before = violations.len();
    let kept: Vec<Violation> = violations
        .into_iter()
        .filter(|v| {
            let mismatches: Vec<_> = v
                .mismatches
                .iter()
                .map(|m| (m.pointer.clone(), m.expected.clone(), m.actual.clone()))
                .collect();
            seen.insert((
                v.rule.clone(),
                v.operation_id.clone(),
                v.method.clone(),
                v.status,
                mismatches,
            ))
        })
        .collect();
    let repeats = before - kept.len();
    (kept, repeats)
}

/// How a rule ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every check held.
    Pass,
    /// At least one violation.
    Fail(Vec<Violation>),
    /// Not run, and why (a missing fixture, writes not allowed, the budget).
    Skip(String),
}

/// What one rule did.
#[derive(Debug, Clone)]
pub struct RuleReport {
    /// The rule's id.
    pub id: &'static str,
    /// The rule's title.
    pub title: &'static str,
    /// The documentation it rests on.
    pub because: &'static str,
    /// Pass, fail or skip.
    pub outcome: Outcome,
    /// What the rule noticed without failing (races, silent cells, bounds).
    pub notes: Vec<String>,
    /// The smallest failing inputs proptest shrank to, one line each.
    pub minimal_inputs: Vec<String>,
    /// Requests it sent.
    pub requests: u32,
    /// Wall time it took.
    pub elapsed: Duration,
}

/// Every rule, in report order.
pub fn rules() -> &'static [Rule] {
    rules::ALL
}

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    rules::ALL.iter().find(|r| r.id == id)
}
