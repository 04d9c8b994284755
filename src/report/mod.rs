//! A run's result for people and for CI: plain or coloured text
//! ([`render_run_text`]), a JSON document with a JSON Schema
//! ([`render_json`], [`JSON_SCHEMA`]) and JUnit XML ([`render_junit`]).
//!
//! A [`Run`] is a [`SuiteReport`] together with what the suite exercised
//! ([`Coverage`]), the known deviations judged against it ([`Applied`]) and
//! the least coverage asked for; [`Run::passed`] is the verdict the CLI
//! exits with. [`redact`] makes any of the formats stable for snapshots.

mod json;
mod junit;
mod text;

use std::path::PathBuf;

pub use json::{JSON_SCHEMA, SCHEMA_VERSION, render_json, to_json};
pub(crate) use json::{kind_name, violation_json};
pub(crate) use junit::escape;
pub use junit::render_junit;
pub use text::{render_run_text, render_text};

pub use crate::coverage::{Coverage, OperationCoverage, TransitionCount};
use crate::deviations::{Applied, EntryResult, EntryStatus};
use crate::suite::{Outcome, SuiteReport};
use crate::{Target, TargetKind};

/// A report format of the CLI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Text for people (colour only on a terminal).
    Text,
    /// The JSON document [`JSON_SCHEMA`] describes.
    Json,
    /// JUnit XML.
    Junit,
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "text" => Ok(Format::Text),
            "json" => Ok(Format::Json),
            "junit" => Ok(Format::Junit),
            other => Err(format!(
                "{other:?} is not a format; use text, json or junit"
            )),
        }
    }
}

/// How a rule ended once known deviations are taken into account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleStatus {
    /// Every check held.
    Pass,
    /// At least one violation that no deviation covers.
    Fail,
    /// Failed, but every violation is a known deviation.
    Known,
    /// Not run.
    Skip,
}

impl RuleStatus {
    /// `pass`, `fail`, `known` or `skip`.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleStatus::Pass => "pass",
            RuleStatus::Fail => "fail",
            RuleStatus::Known => "known",
            RuleStatus::Skip => "skip",
        }
    }
}

/// Rules per [`RuleStatus`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Passed.
    pub passed: usize,
    /// Failed.
    pub failed: usize,
    /// Failed with known deviations only.
    pub known: usize,
    /// Skipped.
    pub skipped: usize,
}

/// A finished run and everything judged about it.
#[derive(Debug, Clone)]
pub struct Run {
    /// The suite's report.
    pub report: SuiteReport,
    /// Mock or live.
    pub kind: TargetKind,
    /// What the run exercised; `None` when unknown (a bare report).
    pub coverage: Option<Coverage>,
    /// Known deviations judged against the run, when a file was given.
    pub deviations: Option<Applied>,
    /// Where the deviations came from (for the report).
    pub deviations_file: Option<String>,
    /// Least status coverage in percent, when asked for.
    pub min_coverage: Option<f64>,
    /// Where proptest keeps the seeds of failing inputs, when it does.
    pub regressions: Option<PathBuf>,
    /// List every unmatched request in the text report also when the run
    /// passed (default: one counted line). Env of the CLI:
    /// `OPENFUNNEL_VERBOSE`.
    pub verbose: bool,
}

impl Run {
    /// A run on `target`: its report and the coverage of everything the
    /// target sent and observed.
    pub fn new(target: &Target, report: SuiteReport) -> Run {
        Run {
            report,
            kind: target.kind(),
            coverage: Some(Coverage::of_record(target.spec(), &target.record())),
            deviations: None,
            deviations_file: None,
            min_coverage: None,
            regressions: None,
            verbose: false,
        }
    }

    /// A run known only by its report (no coverage).
    pub fn bare(report: SuiteReport) -> Run {
        let kind = report.target.kind;
        Run {
            report,
            kind,
            coverage: None,
            deviations: None,
            deviations_file: None,
            min_coverage: None,
            regressions: None,
            verbose: false,
        }
    }

    /// The status of rule number `index` of the report.
    pub fn rule_status(&self, index: usize) -> RuleStatus {
        match &self.report.rules[index].outcome {
            Outcome::Pass => RuleStatus::Pass,
            Outcome::Skip(_) => RuleStatus::Skip,
            Outcome::Fail(_) => match &self.deviations {
                Some(applied) if applied.all_known(index) => RuleStatus::Known,
                _ => RuleStatus::Fail,
            },
        }
    }

    /// The deviation entry covering violation `violation` of rule `rule`.
    pub(crate) fn known(&self, rule: usize, violation: usize) -> Option<&EntryResult> {
        self.deviations.as_ref()?.covering(rule, violation)
    }

    /// Rules per status.
    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for index in 0..self.report.rules.len() {
            match self.rule_status(index) {
                RuleStatus::Pass => counts.passed += 1,
                RuleStatus::Fail => counts.failed += 1,
                RuleStatus::Known => counts.known += 1,
                RuleStatus::Skip => counts.skipped += 1,
            }
        }
        counts
    }

    /// True when the status coverage is below the minimum asked for.
    pub(crate) fn below_min_coverage(&self) -> bool {
        match (&self.coverage, self.min_coverage) {
            (Some(coverage), Some(min)) => coverage.status_percent() + 1e-9 < min,
            _ => false,
        }
    }

    /// Why the run fails, one phrase each; empty when it passes.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let failed = self.counts().failed;
        if failed > 0 {
            problems.push(format!(
                "{failed} rule{} failed",
                if failed == 1 { "" } else { "s" }
            ));
        }
        if let Some(applied) = &self.deviations {
            for entry in applied.with_status(EntryStatus::Expired) {
                problems.push(format!(
                    "the known deviation for {} expired on {}",
                    entry.deviation.rule,
                    entry
                        .deviation
                        .expires
                        .map(|d| d.to_string())
                        .unwrap_or_default()
                ));
            }
        }
        let skipped = self.counts().skipped;
        if self.report.fail_on_skip && skipped > 0 {
            problems.push(format!(
                "{skipped} rule{} skipped (fail on skip)",
                if skipped == 1 { "" } else { "s" }
            ));
        }
        if self.below_min_coverage()
            && let (Some(coverage), Some(min)) = (&self.coverage, self.min_coverage)
        {
            problems.push(format!(
                "status coverage {:.1}% is below the minimum of {min}%",
                coverage.status_percent()
            ));
        }
        problems
    }

    /// The verdict: no rule failed outside known deviations, no deviation
    /// expired, and the coverage is at least the minimum.
    pub fn passed(&self) -> bool {
        self.problems().is_empty()
    }
}

/// Replaces what changes from run to run: UUIDs become `[uuid]`, the port
/// of `127.0.0.1:PORT` becomes `127.0.0.1:[port]`, and timings become
/// `"elapsed_ms": "[ms]"` (JSON), `time="[s]"` (JUnit) and
/// `(N requests, [ms] ms)` (text).
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let bytes = text.as_bytes();
    let mut i = 0;
    let timings: [(&str, &str, &[u8]); 3] = [
        (
            "\"elapsed_ms\": ",
            "\"elapsed_ms\": \"[ms]\"",
            b"0123456789",
        ),
        (" time=\"", " time=\"[s]", b"0123456789."),
        (" requests, ", " requests, [ms]", b"0123456789"),
    ];
    'outer: while i < bytes.len() {
        if is_uuid_at(bytes, i) {
            out.push_str("[uuid]");
            i += 36;
            continue;
        }
        if text[i..].starts_with("127.0.0.1:")
            && bytes
                .get(i + "127.0.0.1:".len())
                .is_some_and(u8::is_ascii_digit)
        {
            out.push_str("127.0.0.1:[port]");
            i += "127.0.0.1:".len();
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            continue;
        }
        for (prefix, replacement, digits) in timings {
            if text[i..].starts_with(prefix) {
                let start = i + prefix.len();
                let mut end = start;
                while end < bytes.len() && digits.contains(&bytes[end]) {
                    end += 1;
                }
                if end > start {
                    out.push_str(replacement);
                    i = end;
                    continue 'outer;
                }
            }
        }
        let ch = text[i..].chars().next().expect("in bounds");
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

fn is_uuid_at(bytes: &[u8], at: usize) -> bool {
    let Some(window) = bytes.get(at..at + 36) else {
        return false;
    };
    window.iter().enumerate().all(|(i, b)| match i {
        8 | 13 | 18 | 23 => *b == b'-',
        _ => b.is_ascii_hexdigit(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_replaces_uuids_ports_and_timings() {
        assert_eq!(
            redact("job 8a8e8a97-8192-48ff-849a-d8a96e949732 at http://127.0.0.1:41234/x é"),
            "job [uuid] at http://127.0.0.1:[port]/x é"
        );
        assert_eq!(
            redact("\"elapsed_ms\": 123,\n<testcase name=\"x\" time=\"0.042\">"),
            "\"elapsed_ms\": \"[ms]\",\n<testcase name=\"x\" time=\"[s]\">"
        );
    }

    #[test]
    fn formats_parse() {
        assert_eq!("json".parse(), Ok(Format::Json));
        assert!(
            "xml"
                .parse::<Format>()
                .unwrap_err()
                .contains("text, json or junit")
        );
    }
}
