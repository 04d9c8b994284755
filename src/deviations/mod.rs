//! Known deviations: rule failures that are known and accepted for a
//! target, each with a reason and optionally an expiry date.
//!
//! The file (`--deviations FILE`, `OPENFUNNEL_DEVIATIONS`) is JSON,
//! either an array of entries or `{"deviations": [...]}`:
//!
//! ```json
//! {"deviations": [
//!   {"rule": "terminal-409", "target": "live", "contains": "resumeTamBuildJob",
//!    "reason": "resume of a finished job answers 200 on staging (TICKET-12)",
//!    "expires": "2026-12-31"}
//! ]}
//! ```
//!
//! - `rule` (required): a rule id of the suite.
//! - `target` (required): `mock`, `live` or `*`.
//! - `contains` (optional): the entry covers only violations whose text
//!   (the sentence the report prints) contains this; all of the rule's
//!   violations without it.
//! - `reason` (required, not blank): why the failure is accepted.
//! - `expires` (optional, `YYYY-MM-DD`): the last day the entry holds.
//!
//! Unknown fields, unknown rules and bad values are set-up errors.

mod date;
mod file;

pub use date::Date;

use crate::TargetKind;
use crate::suite::{Outcome, SuiteReport};

/// Which targets an entry applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Scope {
    /// The embedded mock.
    Mock,
    /// Live deployments.
    Live,
    /// Both (`*`).
    Any,
}

impl Scope {
    /// True when the entry applies to a target of `kind`.
    pub(crate) fn covers(self, kind: TargetKind) -> bool {
        matches!(
            (self, kind),
            (Scope::Any, _) | (Scope::Mock, TargetKind::Mock) | (Scope::Live, TargetKind::Live)
        )
    }

    /// As written in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Mock => "mock",
            Scope::Live => "live",
            Scope::Any => "*",
        }
    }
}

/// One accepted failure.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Deviation {
    /// The rule id.
    pub rule: String,
    /// The targets it applies to.
    pub target: Scope,
    /// A substring of the violations it covers; all of the rule's when `None`.
    pub contains: Option<String>,
    /// Why it is accepted.
    pub reason: String,
    /// The last day it holds.
    pub expires: Option<Date>,
}

impl Deviation {
    /// True when the entry is past its expiry date on `today`.
    pub(crate) fn expired(&self, today: Date) -> bool {
        self.expires.is_some_and(|last| today > last)
    }

    /// True when the entry covers this violation text.
    pub(crate) fn matches(&self, text: &str) -> bool {
        self.contains.as_deref().is_none_or(|c| text.contains(c))
    }
}

/// A loaded deviations file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deviations {
    /// The entries, in file order.
    pub entries: Vec<Deviation>,
}

impl Deviations {
    /// Judges a run: which violations the entries cover, which entries are
    /// fixed, expired, not checked or for another target.
    pub fn apply(&self, report: &SuiteReport, kind: TargetKind, today: Date) -> Applied {
        let mut entries: Vec<EntryResult> = self
            .entries
            .iter()
            .map(|entry| EntryResult {
                deviation: entry.clone(),
                status: EntryStatus::OtherTarget,
                matched: 0,
            })
            .collect();
        let mut known = Vec::new();
        for rule in &report.rules {
            let violations: &[crate::Violation] = match &rule.outcome {
                Outcome::Fail(v) => v,
                _ => &[],
            };
            let mut covered = Vec::with_capacity(violations.len());
            for violation in violations {
                let text = violation.to_string();
                let entry = self.entries.iter().position(|e| {
                    e.rule == rule.id
                        && e.target.covers(kind)
                        && !e.expired(today)
                        && e.matches(&text)
                });
                if let Some(index) = entry {
                    entries[index].matched += 1;
                }
                covered.push(entry);
            }
            known.push(covered);
        }
        for result in &mut entries {
            let entry = &result.deviation;
            result.status = if !entry.target.covers(kind) {
                EntryStatus::OtherTarget
            } else if entry.expired(today) {
                EntryStatus::Expired
            } else if result.matched > 0 {
                EntryStatus::Known
            } else {
                match report.rules.iter().find(|r| r.id == entry.rule) {
                    None
                    | Some(crate::suite::RuleReport {
                        outcome: Outcome::Skip(_),
                        ..
                    }) => EntryStatus::NotChecked,
                    Some(_) => EntryStatus::Fixed,
                }
            };
        }
        Applied { entries, known }
    }
}

/// What became of one entry in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EntryStatus {
    /// It covered at least one violation: reported as known.
    Known,
    /// The rule ran and nothing it covers failed: fixed, remove the entry.
    Fixed,
    /// Past its expiry date: the run fails until it is renewed or removed.
    Expired,
    /// The rule was skipped or not selected: nothing to judge.
    NotChecked,
    /// The entry is for the other kind of target.
    OtherTarget,
}

impl EntryStatus {
    /// A stable lower-case name (`known`, `fixed`, `expired`,
    /// `not-checked`, `other-target`).
    pub fn as_str(self) -> &'static str {
        match self {
            EntryStatus::Known => "known",
            EntryStatus::Fixed => "fixed",
            EntryStatus::Expired => "expired",
            EntryStatus::NotChecked => "not-checked",
            EntryStatus::OtherTarget => "other-target",
        }
    }
}

/// One entry and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EntryResult {
    /// The entry.
    pub deviation: Deviation,
    /// What became of it.
    pub status: EntryStatus,
    /// Violations it covered.
    pub matched: usize,
}

/// The entries judged against a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Applied {
    /// Every entry, in file order.
    pub entries: Vec<EntryResult>,
    /// Per rule of the report (same order), per violation: the index of the
    /// entry that covers it.
    pub known: Vec<Vec<Option<usize>>>,
}

impl Applied {
    /// The entry covering violation `violation` of rule number `rule`.
    pub(crate) fn covering(&self, rule: usize, violation: usize) -> Option<&EntryResult> {
        let index = (*self.known.get(rule)?.get(violation)?)?;
        self.entries.get(index)
    }

    /// True when rule number `rule` failed and every violation is covered.
    pub(crate) fn all_known(&self, rule: usize) -> bool {
        self.known
            .get(rule)
            .is_some_and(|v| !v.is_empty() && v.iter().all(Option::is_some))
    }

    /// Entries in `status`.
    pub(crate) fn with_status(&self, status: EntryStatus) -> impl Iterator<Item = &EntryResult> {
        self.entries.iter().filter(move |e| e.status == status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_expires_after_its_last_day() {
        let entry = Deviation {
            rule: "submit".into(),
            target: Scope::Any,
            contains: None,
            reason: "r".into(),
            expires: Date::parse("2025-06-30"),
        };
        assert!(!entry.expired(Date::parse("2025-06-30").unwrap()));
        assert!(entry.expired(Date::parse("2025-07-01").unwrap()));
    }
}
