//! JUnit XML, as CI systems render it: one `<testcase>` per rule with the
//! target as its `classname`; a failure carries the rendered violations, a
//! skip its reason. A known deviation passes, with the accepted violations
//! in `<system-out>`. With `--min-coverage` a `coverage` test case, and with
//! a deviations file a `known-deviations` test case, fail when those fail.

use std::fmt::Write as _;

use super::{RuleStatus, Run};
use crate::deviations::EntryStatus;
use crate::suite::Outcome;

/// The JUnit XML report.
pub fn render_junit(run: &Run) -> String {
    let report = &run.report;
    let classname = escape(&report.target.to_string());
    let mut cases = String::new();
    let (mut tests, mut failures, mut skipped) = (0, 0, 0);
    let mut total_ms: u128 = 0;
    for (index, rule) in report.rules.iter().enumerate() {
        tests += 1;
        total_ms += rule.elapsed.as_millis();
        let status = run.rule_status(index);
        let _ = write!(
            cases,
            "    <testcase name=\"{}\" classname=\"{classname}\" time=\"{}\"",
            escape(rule.id),
            seconds(rule.elapsed.as_millis())
        );
        let mut body = String::new();
        let mut out = Vec::new();
        match &rule.outcome {
            Outcome::Skip(reason) => {
                skipped += 1;
                let _ = writeln!(body, "      <skipped message=\"{}\"/>", escape(reason));
            }
            Outcome::Fail(violations) => {
                let mut failing = Vec::new();
                for (i, violation) in violations.iter().enumerate() {
                    match run.known(index, i) {
                        Some(entry) => out.push(format!(
                            "known deviation ({}): {violation}",
                            entry.deviation.reason
                        )),
                        None => failing.push(violation),
                    }
                }
                if status == RuleStatus::Fail {
                    failures += 1;
                    let first = failing[0].to_string();
                    let headline = first.lines().next().unwrap_or_default();
                    let mut text = format!("because: {}\n", rule.because);
                    for (n, violation) in failing.iter().enumerate() {
                        let _ = writeln!(text, "{}. {violation}", n + 1);
                    }
                    for input in &rule.minimal_inputs {
                        let _ = writeln!(text, "minimal failing input: {input}");
                    }
                    let _ = writeln!(
                        body,
                        "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                        escape(&format!(
                            "{} violation(s); first: {headline}",
                            failing.len()
                        )),
                        escape(failing[0].kind.describe()),
                        escape(&text)
                    );
                }
            }
            Outcome::Pass => {}
        }
        out.extend(rule.notes.iter().map(|n| format!("note: {n}")));
        if !out.is_empty() {
            let _ = writeln!(
                body,
                "      <system-out>{}</system-out>",
                escape(&out.join("\n"))
            );
        }
        if body.is_empty() {
            cases.push_str("/>\n");
        } else {
            let _ = write!(cases, ">\n{body}    </testcase>\n");
        }
    }
    if let (Some(coverage), Some(min)) = (&run.coverage, run.min_coverage) {
        tests += 1;
        let _ = write!(
            cases,
            "    <testcase name=\"coverage\" classname=\"{classname}\" time=\"0.000\""
        );
        if run.below_min_coverage() {
            failures += 1;
            let message = format!(
                "status coverage {:.1}% is below the minimum of {min}%",
                coverage.status_percent()
            );
            let missing: Vec<String> = coverage
                .statuses_missing()
                .iter()
                .map(|(op, status)| format!("{op} {status}"))
                .collect();
            let _ = write!(
                cases,
                ">\n      <failure message=\"{}\" type=\"coverage\">never seen: {}</failure>\n    </testcase>\n",
                escape(&message),
                escape(&missing.join(", "))
            );
        } else {
            cases.push_str("/>\n");
        }
    }
    if let Some(applied) = &run.deviations {
        tests += 1;
        let _ = write!(
            cases,
            "    <testcase name=\"known-deviations\" classname=\"{classname}\" time=\"0.000\""
        );
        let expired: Vec<String> = applied
            .with_status(EntryStatus::Expired)
            .map(|e| {
                format!(
                    "{}: expired on {} ({})",
                    e.deviation.rule,
                    e.deviation
                        .expires
                        .map(|d| d.to_string())
                        .unwrap_or_default(),
                    e.deviation.reason
                )
            })
            .collect();
        let fixed: Vec<String> = applied
            .with_status(EntryStatus::Fixed)
            .map(|e| {
                format!(
                    "{}: fixed, remove it ({})",
                    e.deviation.rule, e.deviation.reason
                )
            })
            .collect();
        let mut body = String::new();
        if !expired.is_empty() {
            failures += 1;
            let _ = writeln!(
                body,
                "      <failure message=\"{} known deviation(s) expired\" type=\"deviations\">{}</failure>",
                expired.len(),
                escape(&expired.join("\n"))
            );
        }
        if !fixed.is_empty() {
            let _ = writeln!(
                body,
                "      <system-out>{}</system-out>",
                escape(&fixed.join("\n"))
            );
        }
        if body.is_empty() {
            cases.push_str("/>\n");
        } else {
            let _ = write!(cases, ">\n{body}    </testcase>\n");
        }
    }
    let time = seconds(total_ms);
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        xml,
        "<testsuites name=\"openfunnel-contract\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" time=\"{time}\">"
    );
    let _ = writeln!(
        xml,
        "  <testsuite name=\"openfunnel-contract check\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" time=\"{time}\">"
    );
    xml.push_str("    <properties>\n");
    let mut properties = vec![
        ("target".to_owned(), report.target.to_string()),
        ("requests".to_owned(), report.requests.to_string()),
        ("seed".to_owned(), report.seed.to_string()),
        ("spend".to_owned(), report.spend.to_string()),
    ];
    for (index, line) in report.fixtures.iter().enumerate() {
        properties.push((format!("fixture.{index}"), line.clone()));
    }
    if let Some(coverage) = &run.coverage {
        properties.push((
            "coverage.statuses".into(),
            format!(
                "{}/{} ({:.1}%)",
                coverage.statuses_seen(),
                coverage.statuses_documented(),
                coverage.status_percent()
            ),
        ));
        properties.push((
            "coverage.lifecycle_cells".into(),
            format!(
                "{}/{}",
                coverage.cells_reached().len(),
                crate::coverage::Coverage::CELLS
            ),
        ));
    }
    for (name, value) in properties {
        let _ = writeln!(
            xml,
            "      <property name=\"{}\" value=\"{}\"/>",
            escape(&name),
            escape(&value)
        );
    }
    xml.push_str("    </properties>\n");
    xml.push_str(&cases);
    xml.push_str("  </testsuite>\n</testsuites>\n");
    xml
}

fn seconds(ms: u128) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// Escapes text for XML attributes and content; characters XML 1.0 cannot
/// carry (most control characters, U+FFFE, U+FFFF) become U+FFFD.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_and_invalid_characters() {
        assert_eq!(
            escape("a<b>&\"c\" 'd'\u{0}\u{1b}\n\u{FFFF}é"),
            "a&lt;b&gt;&amp;&quot;c&quot; &apos;d&apos;\u{FFFD}\u{FFFD}\n\u{FFFD}é"
        );
    }
}
