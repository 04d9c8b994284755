//! What a run ran against and how it ended.

use super::{Outcome, RuleReport};

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
#[non_exhaustive]
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
    /// The run's seed ([`super::SuiteOptions::seed`]).
    pub seed: u64,
    /// Credits spent on jobs the run created or resumed, and the cap.
    pub spend: crate::Spend,
    /// Live fixtures the run changed, and whether they were put back, one
    /// line each.
    pub fixtures: Vec<String>,
    /// True when a skipped rule fails the run
    /// ([`super::SuiteOptions::fail_on_skip`]).
    pub fail_on_skip: bool,
}

impl SuiteReport {
    /// A report of `rules` run against `target`, with nothing else
    /// observed (seed 0, nothing spent); for tests of report renderers.
    pub fn new(target: TargetInfo, rules: Vec<RuleReport>) -> SuiteReport {
        SuiteReport {
            target,
            rules,
            requests: 0,
            created_jobs: Vec::new(),
            unmatched: Vec::new(),
            seed: 0,
            spend: crate::Spend::default(),
            fixtures: Vec::new(),
            fail_on_skip: false,
        }
    }

    /// True when no rule failed and, under
    /// [`fail_on_skip`](super::SuiteOptions::fail_on_skip), none was
    /// skipped.
    pub fn passed(&self) -> bool {
        let (_, failed, skipped) = self.counts();
        failed == 0 && !(self.fail_on_skip && skipped > 0)
    }

    /// True when every selected rule ran (none skipped), whatever
    /// [`fail_on_skip`](super::SuiteOptions::fail_on_skip) says.
    pub fn ran_everything(&self) -> bool {
        self.counts().2 == 0
    }

    /// The skipped rules and why, in report order.
    pub fn skipped(&self) -> Vec<(&'static str, &str)> {
        self.rules
            .iter()
            .filter_map(|r| match &r.outcome {
                Outcome::Skip(reason) => Some((r.id, reason.as_str())),
                _ => None,
            })
            .collect()
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
