//! Rendering a run for people: one block per rule, failures numbered, skips
//! with their reasons, one summary line. Plain text, no colour; stable for
//! snapshots once [`redact`] has replaced IDs and ports.

use std::fmt::Write as _;

use crate::suite::{Outcome, SuiteReport};

/// How many unmatched mock requests the text report lists.
const SHOWN_UNMATCHED: usize = 5;

/// The text report.
pub fn render_text(report: &SuiteReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "openfunnel-contract check: {}", report.target);
    let _ = writeln!(out);
    let mut number = 0;
    for rule in &report.rules {
        let (tag, detail) = match &rule.outcome {
            Outcome::Pass => ("PASS", None),
            Outcome::Fail(_) => ("FAIL", None),
            Outcome::Skip(reason) => ("SKIP", Some(reason.as_str())),
        };
        let _ = writeln!(out, "{tag} {} ({} requests)", rule.id, rule.requests);
        let _ = writeln!(out, "     {}", rule.title);
        if let Some(reason) = detail {
            let _ = writeln!(out, "     skipped: {reason}");
        }
        if let Outcome::Fail(violations) = &rule.outcome {
            let _ = writeln!(out, "     because: {}", rule.because);
            for violation in violations {
                number += 1;
                let text = violation.to_string().replace('\n', "\n        ");
                let _ = writeln!(out, "  {number:>3}. {text}");
            }
        }
        for note in &rule.notes {
            let _ = writeln!(out, "     note: {note}");
        }
    }
    if !report.unmatched.is_empty() {
        let _ = writeln!(out);
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
    if !report.created_jobs.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "jobs created and cancelled: {}",
            report.created_jobs.join(", ")
        );
    }
    let (passed, failed, skipped) = report.counts();
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{passed} passed, {failed} failed, {skipped} skipped; {} requests",
        report.requests
    );
    if failed > 0 {
        let _ = writeln!(
            out,
            "Each failure ends with a curl line that replays it: export OPENFUNNEL_API_KEY first."
        );
    }
    out
}

/// Replaces what changes from run to run: UUIDs become `[uuid]` and the
/// port of `127.0.0.1:PORT` becomes `127.0.0.1:[port]`.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if is_uuid_at(bytes, i) {
            out.push_str("[uuid]");
            i += 36;
        } else if text[i..].starts_with("127.0.0.1:") {
            out.push_str("127.0.0.1:[port]");
            i += "127.0.0.1:".len();
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
        } else {
            let ch = text[i..].chars().next().expect("in bounds");
            out.push(ch);
            i += ch.len_utf8();
        }
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
    fn redact_replaces_uuids_and_ports() {
        assert_eq!(
            redact("job 8a8e8a97-8192-48ff-849a-d8a96e949732 at http://127.0.0.1:41234/x é"),
            "job [uuid] at http://127.0.0.1:[port]/x é"
        );
    }
}
