//! The conformance suite: lifecycle rules that a schema cannot express,
//! run against any [`Target`]. Every exchange a rule makes also passes the
//! spec checks ([`crate::check_exchange`]).

mod props;
mod rules;
mod session;
mod transitions;

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::time::{Duration, Instant};

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
    /// True when, with writes allowed, the rule may change a live fixture
    /// that is not terminal; such rules never run concurrently with others.
    pub changes_fixtures: bool,
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
        let (mut failures, notes, minimal_inputs, requests) = session.finish();
        let outcome = match result {
            Err(Stop::Fail(violation)) => {
                failures.push(*violation);
                Outcome::Fail(failures)
            }
            _ if !failures.is_empty() => Outcome::Fail(failures),
            Err(Stop::Skip(reason)) => Outcome::Skip(reason),
            Ok(()) => Outcome::Pass,
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

/// Options of a run.
#[derive(Debug, Clone, Default)]
pub struct SuiteOptions {
    /// Where proptest keeps the seeds of failing job IDs (replayed first
    /// next time); `None` keeps none.
    pub regressions: Option<PathBuf>,
    /// Only rules whose id contains one of these (all when empty).
    pub only: Vec<String>,
    /// Rules not to run, by exact id.
    pub skip: Vec<String>,
    /// Generated job IDs per operation in the property rules; `None` reads
    /// `PROPTEST_CASES` (proptest's default 256 on the mock, 8 on live).
    pub cases: Option<u32>,
    /// Run the rules one at a time also on live (default: concurrently).
    pub sequential: bool,
    /// The seed of the run's generated sequences (the model rule); printed
    /// in its note so a run can be replayed. Default 0.
    pub seed: u64,
}

impl SuiteOptions {
    /// Seeds go to `proptest-regressions/conformance.txt` when that folder
    /// exists in the working directory (it does in this repository).
    pub fn with_default_regressions() -> SuiteOptions {
        let dir = PathBuf::from("proptest-regressions");
        SuiteOptions {
            regressions: dir.is_dir().then(|| dir.join("conformance.txt")),
            ..SuiteOptions::default()
        }
    }
}

/// Every rule, in report order.
pub fn rules() -> &'static [Rule] {
    rules::ALL
}

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    rules::ALL.iter().find(|r| r.id == id)
}

/// What a run ran against.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TargetInfo {
    /// Mock or live.
    pub kind: crate::TargetKind,
    /// The base URL requests went to.
    pub base_url: String,
    /// True when writes were allowed.
    pub allow_writes: bool,
}

impl TargetInfo {
    /// The embedded mock at `base_url`.
    pub fn mock(base_url: impl Into<String>) -> TargetInfo {
        TargetInfo {
            kind: crate::TargetKind::Mock,
            base_url: base_url.into(),
            allow_writes: true,
        }
    }

    /// A live deployment at `base_url`.
    pub fn live(base_url: impl Into<String>, allow_writes: bool) -> TargetInfo {
        TargetInfo {
            kind: crate::TargetKind::Live,
            base_url: base_url.into(),
            allow_writes,
        }
    }
}

impl std::fmt::Display for TargetInfo {
    /// `embedded mock`, or `live <base> (writes allowed|off)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            crate::TargetKind::Mock => f.write_str("embedded mock"),
            crate::TargetKind::Live => write!(
                f,
                "live {} (writes {})",
                self.base_url,
                if self.allow_writes { "allowed" } else { "off" }
            ),
        }
    }
}

/// The outcome of a whole run.
#[derive(Debug, Clone)]
pub struct SuiteReport {
    /// Mock or live, and where.
    pub target: TargetInfo,
    /// Each rule's report, in rule order.
    pub rules: Vec<RuleReport>,
    /// Requests sent in all (cleanup included).
    pub requests: u32,
    /// Jobs the suite created (and cancelled at the end).
    pub created_jobs: Vec<String>,
    /// Requests that matched no mock route (mock targets only).
    pub unmatched: Vec<String>,
}

impl SuiteReport {
    /// True when no rule failed.
    pub fn passed(&self) -> bool {
        !self
            .rules
            .iter()
            .any(|r| matches!(r.outcome, Outcome::Fail(_)))
    }

    /// (passed, failed, skipped).
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut counts = (0, 0, 0);
        for rule in &self.rules {
            match rule.outcome {
                Outcome::Pass => counts.0 += 1,
                Outcome::Fail(_) => counts.1 += 1,
                Outcome::Skip(_) => counts.2 += 1,
            }
        }
        counts
    }
}

/// Runs every rule (or those `options.only` selects), then cancels every
/// job the suite created, also when a rule failed.
///
/// On the mock the rules run one after another: they share its clock, and
/// a fixed order keeps seeded IDs and reports reproducible. On live the
/// rules run concurrently (the client's rate limit and budget still bound
/// the whole run), except those that may change a fixture while writes are
/// allowed, which run alone afterwards. Reports keep rule order either way.
pub async fn run_suite(target: &Target, options: &SuiteOptions) -> SuiteReport {
    let selected: Vec<&'static Rule> = rules()
        .iter()
        .filter(|rule| {
            (options.only.is_empty() || options.only.iter().any(|o| rule.id.contains(o.as_str())))
                && !options.skip.iter().any(|s| s == rule.id)
        })
        .collect();
    let concurrent = target.kind() == crate::TargetKind::Live && !options.sequential;
    let mut reports: Vec<RuleReport> = Vec::new();
    let mut alone = Vec::new();
    let mut tasks = tokio::task::JoinSet::new();
    for rule in selected {
        if concurrent && !(rule.changes_fixtures && target.allow_writes()) {
            let (target, options) = (target.clone(), options.clone());
            tasks.spawn(async move { rule.run(&target, &options).await });
        } else {
            alone.push(rule);
        }
    }
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(report) => reports.push(report),
            Err(error) => std::panic::resume_unwind(error.into_panic()),
        }
    }
    for rule in alone {
        reports.push(rule.run(target, options).await);
    }
    reports.sort_by_key(|report| rules().iter().position(|rule| rule.id == report.id));
    cleanup(target).await;
    SuiteReport {
        target: TargetInfo {
            kind: target.kind(),
            base_url: target.base_url().to_owned(),
            allow_writes: target.allow_writes(),
        },
        rules: reports,
        requests: target.requests_sent(),
        created_jobs: target.created_jobs(),
        unmatched: target.unmatched(),
    }
}

/// Cancels every job the suite created (cancel is free). Errors are
/// ignored: a job that already finished answers 409.
pub async fn cleanup(target: &Target) {
    for job in target.created_jobs() {
        let request = crate::api::Control::Cancel
            .request(&job)
            .key(target.api_key());
        let _ = target.send(request).await;
    }
}
