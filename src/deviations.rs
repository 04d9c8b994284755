//! Known deviations: rule failures that are known and accepted for a
//! target, each with a reason and optionally an expiry date.
//!
//! The file (`--deviations FILE`, [`crate::config::DEVIATIONS`]) is JSON,
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

use std::fmt;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Deserialize;

use crate::config::DEVIATIONS;
use crate::suite::{Outcome, SuiteReport};
use crate::{Error, TargetKind};

/// A calendar date (proleptic Gregorian), for expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year.
    pub year: i32,
    /// Month, 1–12.
    pub month: u32,
    /// Day, 1–31.
    pub day: u32,
}

impl Date {
    /// Parses `YYYY-MM-DD`; `None` for anything else or a day that does
    /// not exist.
    pub fn parse(text: &str) -> Option<Date> {
        let bytes = text.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return None;
        }
        let digits = |range: std::ops::Range<usize>| {
            let part = &text[range];
            part.bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| part.parse::<u32>().ok())
                .flatten()
        };
        let date = Date {
            year: digits(0..4)? as i32,
            month: digits(5..7)?,
            day: digits(8..10)?,
        };
        let days_in_month = match date.month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if is_leap(date.year) => 29,
            2 => 28,
            _ => return None,
        };
        (1..=days_in_month).contains(&date.day).then_some(date)
    }

    /// The date `days` days after 1970-01-01 (civil-from-days).
    pub fn from_unix_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// Today in UTC, from the system clock.
    pub fn today() -> Date {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Date::from_unix_days((secs / 86_400) as i64)
    }
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Which targets an entry applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    pub fn covers(self, kind: TargetKind) -> bool {
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
    pub fn expired(&self, today: Date) -> bool {
        self.expires.is_some_and(|last| today > last)
    }

    /// True when the entry covers this violation text.
    pub fn matches(&self, text: &str) -> bool {
        self.contains.as_deref().is_none_or(|c| text.contains(c))
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum FileShape {
    Wrapped { deviations: Vec<Raw> },
    Bare(Vec<Raw>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    rule: String,
    target: String,
    #[serde(default)]
    contains: Option<String>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    expires: Option<String>,
}

/// A loaded deviations file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deviations {
    /// The entries, in file order.
    pub entries: Vec<Deviation>,
}

impl Deviations {
    /// Reads and checks a file.
    pub fn load(path: impl AsRef<Path>) -> Result<Deviations, Error> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::config(DEVIATIONS, format!("cannot read {}: {e}", path.display()))
        })?;
        Deviations::parse(&text)
            .map_err(|reason| Error::config(DEVIATIONS, format!("{}: {reason}", path.display())))
    }

    /// Parses and checks the text of a file; the error says which entry and
    /// what is wrong.
    pub fn parse(text: &str) -> Result<Deviations, String> {
        let entries = match serde_json::from_str::<serde_json::Value>(text) {
            Err(e) => return Err(format!("not JSON: {e}")),
            Ok(value) => match serde_json::from_value::<FileShape>(value.clone()) {
                Ok(FileShape::Wrapped { deviations } | FileShape::Bare(deviations)) => deviations,
                Err(_) => return Err(explain_shape(&value)),
            },
        };
        let rules: Vec<&str> = crate::suite::rules().iter().map(|r| r.id).collect();
        let mut out = Vec::new();
        for (i, raw) in entries.into_iter().enumerate() {
            let at = format!("entry {} (rule {:?})", i + 1, raw.rule);
            if !rules.contains(&raw.rule.as_str()) {
                return Err(format!(
                    "{at}: no such rule; `openfunnel-contract rules` lists them"
                ));
            }
            let target = match raw.target.as_str() {
                "mock" => Scope::Mock,
                "live" => Scope::Live,
                "*" => Scope::Any,
                other => {
                    return Err(format!(
                        "{at}: target {other:?} is not \"mock\", \"live\" or \"*\""
                    ));
                }
            };
            let reason = match raw.reason {
                Some(reason) if !reason.trim().is_empty() => reason.trim().to_owned(),
                _ => {
                    return Err(format!("{at}: no reason; every accepted failure says why"));
                }
            };
            if raw.contains.as_deref().is_some_and(str::is_empty) {
                return Err(format!(
                    "{at}: \"contains\" is empty; leave it out to cover every violation of the rule"
                ));
            }
            let expires =
                match raw.expires {
                    None => None,
                    Some(text) => Some(Date::parse(&text).ok_or_else(|| {
                        format!("{at}: expires {text:?} is not a date YYYY-MM-DD")
                    })?),
                };
            out.push(Deviation {
                rule: raw.rule,
                target,
                contains: raw.contains,
                reason,
                expires,
            });
        }
        Ok(Deviations { entries: out })
    }

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

fn explain_shape(value: &serde_json::Value) -> String {
    let list = match value {
        serde_json::Value::Array(list) => list,
        serde_json::Value::Object(map) => match map.get("deviations") {
            Some(serde_json::Value::Array(list)) => list,
            _ => {
                return "expected an array of entries or {\"deviations\": [...]}".to_owned();
            }
        },
        _ => return "expected an array of entries or {\"deviations\": [...]}".to_owned(),
    };
    for (i, item) in list.iter().enumerate() {
        if let Err(e) = serde_json::from_value::<Raw>(item.clone()) {
            let rule = item.get("rule").and_then(|r| r.as_str()).unwrap_or("?");
            return format!("entry {} (rule {rule:?}): {e}", i + 1);
        }
    }
    "expected an array of entries or {\"deviations\": [...]}".to_owned()
}

/// What became of one entry in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
pub struct Applied {
    /// Every entry, in file order.
    pub entries: Vec<EntryResult>,
    /// Per rule of the report (same order), per violation: the index of the
    /// entry that covers it.
    pub known: Vec<Vec<Option<usize>>>,
}

impl Applied {
    /// The entry covering violation `violation` of rule number `rule`.
    pub fn covering(&self, rule: usize, violation: usize) -> Option<&EntryResult> {
        let index = (*self.known.get(rule)?.get(violation)?)?;
        self.entries.get(index)
    }

    /// True when rule number `rule` failed and every violation is covered.
    pub fn all_known(&self, rule: usize) -> bool {
        self.known
            .get(rule)
            .is_some_and(|v| !v.is_empty() && v.iter().all(Option::is_some))
    }

    /// Entries in `status`.
    pub fn with_status(&self, status: EntryStatus) -> impl Iterator<Item = &EntryResult> {
        self.entries.iter().filter(move |e| e.status == status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_and_count_from_the_epoch() {
        assert_eq!(Date::from_unix_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_unix_days(19_782).to_string(), "2024-02-29");
        assert_eq!(Date::from_unix_days(-1).to_string(), "1969-12-31");
        assert_eq!(
            Date::parse("2024-02-29"),
            Some(Date {
                year: 2024,
                month: 2,
                day: 29
            })
        );
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-1-01",
            "24-01-01x",
            "2024-01-00",
            "+024-01-01",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
        assert!(Date::today() > Date::parse("2024-01-01").unwrap());
    }

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
