//! The text report: one block per rule, failures numbered and sorted (one
//! sentence each, with its JSON pointer, expected and actual, and a curl
//! line with the key masked), skips with their reasons, the minimal failing
//! input proptest found, coverage, known deviations and a one-line summary.

use std::fmt::Write as _;

use super::{RuleStatus, Run};
use crate::Violation;
use crate::coverage::Coverage;
use crate::deviations::{EntryResult, EntryStatus};
use crate::suite::{Outcome, SuiteReport};

/// How many unmatched mock requests the text report lists.
const SHOWN_UNMATCHED: usize = 5;

/// ANSI colours, or none.
#[derive(Clone, Copy)]
struct Paint(bool);

impl Paint {
    fn paint(self, code: &str, text: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    fn status(self, status: RuleStatus) -> String {
        match status {
            RuleStatus::Pass => self.paint("32", "PASS"),
            RuleStatus::Fail => self.paint("1;31", "FAIL"),
            RuleStatus::Known => self.paint("36", "KNOWN"),
            RuleStatus::Skip => self.paint("33", "SKIP"),
        }
    }
}

/// The text report of a bare suite report (no coverage, no deviations),
/// without colour.
pub fn render_text(report: &SuiteReport) -> String {
    render_run_text(&Run::bare(report.clone()), false)
}

/// The text report of a run; `color` adds ANSI colours (the CLI asks for
/// them only when standard output is a terminal and `NO_COLOR` is unset).
pub fn render_run_text(run: &Run, color: bool) -> String {
    let paint = Paint(color);
    let report = &run.report;
    let mut out = String::new();
    let _ = writeln!(out, "openfunnel-contract check: {}", report.target);
    let _ = writeln!(
        out,
        "seed {} (replay with --seed {} or OPENFUNNEL_SEED={})",
        report.seed, report.seed, report.seed
    );
    let _ = writeln!(out);
    let mut number = 0;
    for (index, rule) in report.rules.iter().enumerate() {
        let status = run.rule_status(index);
        let _ = writeln!(
            out,
            "{} {} ({} requests, {} ms)",
            paint.status(status),
            rule.id,
            rule.requests,
            rule.elapsed.as_millis()
        );
        let _ = writeln!(out, "     {}", rule.title);
        if let Outcome::Skip(reason) = &rule.outcome {
            let _ = writeln!(out, "     skipped: {reason}");
        }
        if let Outcome::Fail(violations) = &rule.outcome {
            let _ = writeln!(out, "     because: {}", rule.because);
            for violation in sorted(violations) {
                number += 1;
                let text = violation.1.to_string().replace('\n', "\n        ");
                let known = run
                    .known(index, violation.0)
                    .map(|entry| paint.paint("36", &format!("[known: {}] ", known_label(entry))))
                    .unwrap_or_default();
                let _ = writeln!(out, "  {number:>3}. {known}{text}");
            }
            for input in rule.minimal_inputs.iter() {
                let seed = match &run.regressions {
                    Some(path) => format!(
                        "; proptest saved its seed in {} and replays it first",
                        path.display()
                    ),
                    None => String::new(),
                };
                let _ = writeln!(out, "     minimal failing input: {input}{seed}");
            }
        }
        for note in &rule.notes {
            if matches!(rule.outcome, Outcome::Fail(_)) && rule.minimal_inputs.contains(note) {
                continue;
            }
            let _ = writeln!(out, "     note: {note}");
        }
    }
    let failed = report.counts().1 > 0;
    unmatched(&mut out, report, run.verbose || failed);
    fixtures(&mut out, report);
    if !report.created_jobs.is_empty() {
        let _ = writeln!(out);
        if run.verbose || failed || report.target.kind == crate::TargetKind::Live {
            let _ = writeln!(
                out,
                "jobs created and cancelled: {}",
                report.created_jobs.join(", ")
            );
        } else {
            let _ = writeln!(
                out,
                "{} jobs created and cancelled (listed in the JSON report and with --verbose)",
                report.created_jobs.len()
            );
        }
    }
    if let Some(coverage) = &run.coverage {
        coverage_section(&mut out, coverage, run.min_coverage);
    }
    if run.deviations.is_some() {
        deviations_section(&mut out, run);
    }
    let _ = writeln!(out);
    let charged = match report.target.kind {
        crate::TargetKind::Mock => " (on the mock: nothing was charged)",
        crate::TargetKind::Live => "",
    };
    let _ = writeln!(out, "{}{charged}", report.spend);
    if run.coverage.is_some() {
        summary(&mut out, run, paint);
    } else {
        let (passed, failed, skipped) = report.counts();
        let _ = writeln!(
            out,
            "{passed} passed, {failed} failed, {skipped} skipped; {} requests",
            report.requests
        );
    }
    if report.counts().1 > 0 {
        let _ = writeln!(
            out,
            "Each failure ends with a curl line that replays it: export OPENFUNNEL_API_KEY first."
        );
    }
    out
}

/// Violations with their original index, sorted by operation, request and
/// check so that numbering is stable.
fn sorted(violations: &[Violation]) -> Vec<(usize, &Violation)> {
    let mut list: Vec<(usize, &Violation)> = violations.iter().enumerate().collect();
    list.sort_by(|(_, a), (_, b)| {
        (&a.operation_id, &a.method, &a.path, &a.rule, a.status).cmp(&(
            &b.operation_id,
            &b.method,
            &b.path,
            &b.rule,
            b.status,
        ))
    });
    list
}

fn known_label(entry: &EntryResult) -> String {
    match entry.deviation.expires {
        Some(date) => format!("{}, until {date}", entry.deviation.reason),
        None => entry.deviation.reason.clone(),
    }
}

/// What the run did to live fixtures.
fn fixtures(out: &mut String, report: &SuiteReport) {
    if report.fixtures.is_empty() {
        return;
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "fixtures the run changed:");
    for line in &report.fixtures {
        let _ = writeln!(out, "  - {line}");
    }
}

/// Unmatched mock requests: one counted line on a passing run (the odd
/// IDs rule sends them on purpose), the first few otherwise.
fn unmatched(out: &mut String, report: &SuiteReport, list: bool) {
    if report.unmatched.is_empty() {
        return;
    }
    let _ = writeln!(out);
    if !list {
        let _ = writeln!(
            out,
            "{} request(s) matched no route of the mock, as expected for odd job IDs (listed in the JSON report and with --verbose)",
            report.unmatched.len()
        );
        return;
    }
    let _ = writeln!(
        out,
        "{} request(s) matched no route of the mock (job IDs with an encoded '/' among them, as in FastAPI):",
        report.unmatched.len()
    );
    for line in report.unmatched.iter().take(SHOWN_UNMATCHED) {
        let _ = writeln!(out, "  - {line}");
    }
    if report.unmatched.len() > SHOWN_UNMATCHED {
        let _ = writeln!(
            out,
            "  - … and {} more",
            report.unmatched.len() - SHOWN_UNMATCHED
        );
    }
}

fn coverage_section(out: &mut String, coverage: &Coverage, min: Option<f64>) {
    let _ = writeln!(out);
    let minimum = min.map(|m| format!(", minimum {m}%")).unwrap_or_default();
    let _ = writeln!(
        out,
        "coverage: {} of {} documented statuses answered ({:.1}%{minimum}); {} of {} lifecycle cells taken",
        coverage.statuses_seen(),
        coverage.statuses_documented(),
        coverage.status_percent(),
        coverage.cells_reached().len(),
        Coverage::CELLS
    );
    for op in &coverage.operations {
        let seen: Vec<String> = op.seen.iter().map(|(k, n)| format!("{k}×{n}")).collect();
        let missing = op.missing();
        let mut line = format!(
            "  {} ({} {}): seen {}",
            op.operation_id,
            op.method,
            op.path,
            if seen.is_empty() {
                "none".to_owned()
            } else {
                seen.join(" ")
            }
        );
        if !op.range_codes.is_empty() {
            let codes: Vec<String> = op
                .range_codes
                .iter()
                .map(|(s, n)| format!("{s}×{n}"))
                .collect();
            let _ = write!(line, " (as {})", codes.join(" "));
        }
        if !missing.is_empty() {
            let _ = write!(line, "; never seen {}", missing.join(" "));
        }
        if !op.undocumented.is_empty() {
            let extra: Vec<String> = op
                .undocumented
                .iter()
                .map(|(s, n)| format!("{s}×{n}"))
                .collect();
            let _ = write!(line, "; undocumented {}", extra.join(" "));
        }
        let _ = writeln!(out, "{line}");
    }
    let never = coverage.cells_never_reached();
    if !never.is_empty() {
        let mut by_control: Vec<(crate::api::Control, Vec<&str>)> = Vec::new();
        for (control, state) in &never {
            match by_control.last_mut() {
                Some((c, states)) if c == control => states.push(state.as_str()),
                _ => by_control.push((*control, vec![state.as_str()])),
            }
        }
        let parts: Vec<String> = by_control
            .iter()
            .map(|(c, states)| format!("{c} × {}", states.join(", ")))
            .collect();
        let _ = writeln!(out, "  lifecycle cells never taken: {}", parts.join("; "));
    }
    if coverage.unmatched_requests > 0 {
        let _ = writeln!(
            out,
            "  requests that matched no operation of the spec: {}",
            coverage.unmatched_requests
        );
    }
}

fn deviations_section(out: &mut String, run: &Run) {
    let Some(applied) = &run.deviations else {
        return;
    };
    let _ = writeln!(out);
    let from = run
        .deviations_file
        .as_deref()
        .map(|f| format!(" ({f})"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "known deviations{from}: {} entr{}",
        applied.entries.len(),
        if applied.entries.len() == 1 {
            "y"
        } else {
            "ies"
        }
    );
    for entry in &applied.entries {
        let d = &entry.deviation;
        let what = match entry.status {
            EntryStatus::Known => format!("known: {} violation(s) accepted", entry.matched),
            EntryStatus::Fixed => "fixed, remove it: the rule passes".to_owned(),
            EntryStatus::Expired => format!(
                "EXPIRED on {}: renew or remove it (the run fails)",
                d.expires.map(|e| e.to_string()).unwrap_or_default()
            ),
            EntryStatus::NotChecked => "not checked: the rule did not run".to_owned(),
            EntryStatus::OtherTarget => format!("not for this target ({})", d.target.as_str()),
        };
        let contains = d
            .contains
            .as_deref()
            .map(|c| format!(" containing {c:?}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  - {} [{}]{contains}: {what} — {}",
            d.rule,
            d.target.as_str(),
            d.reason
        );
    }
}

fn summary(out: &mut String, run: &Run, paint: Paint) {
    let counts = run.counts();
    let mut line = format!("{} passed, {} failed", counts.passed, counts.failed);
    if counts.known > 0 {
        let _ = write!(line, ", {} known", counts.known);
    }
    let _ = write!(
        line,
        ", {} skipped; {} requests",
        counts.skipped, run.report.requests
    );
    if let Some(coverage) = &run.coverage {
        let _ = write!(line, "; status coverage {:.1}%", coverage.status_percent());
    }
    let problems = run.problems();
    let verdict = if problems.is_empty() {
        paint.paint("1;32", "PASS")
    } else {
        format!("{} ({})", paint.paint("1;31", "FAIL"), problems.join("; "))
    };
    let _ = writeln!(out, "{line} — {verdict}");
}
