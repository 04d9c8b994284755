//! The JSON report: a stable document that [`JSON_SCHEMA`]
//! (`schemas/report.schema.json`) describes. Additions bump nothing;
//! a change that breaks a reader bumps [`SCHEMA_VERSION`].

use serde_json::{Map, Value, json};

use super::{RuleStatus, Run};
use crate::coverage::Coverage;
use crate::{TargetKind, Violation, ViolationKind};

/// The `schema_version` of the documents this build writes.
pub const SCHEMA_VERSION: u64 = 1;

/// The JSON Schema (2020-12) of the JSON report.
pub const JSON_SCHEMA: &str = include_str!("../../schemas/report.schema.json");

/// The JSON report as a value.
pub fn to_json(run: &Run) -> Value {
    let report = &run.report;
    let rules: Vec<Value> = report
        .rules
        .iter()
        .enumerate()
        .map(|(index, rule)| {
            let (violations, skip_reason) = match &rule.outcome {
                crate::suite::Outcome::Fail(list) => (
                    list.iter()
                        .enumerate()
                        .map(|(i, v)| violation(v, run, index, i))
                        .collect(),
                    Value::Null,
                ),
                crate::suite::Outcome::Skip(reason) => (Vec::new(), json!(reason)),
                crate::suite::Outcome::Pass => (Vec::new(), Value::Null),
            };
            let minimal: Vec<&String> = match run.rule_status(index) {
                RuleStatus::Fail | RuleStatus::Known => rule.minimal_inputs.iter().collect(),
                _ => Vec::new(),
            };
            json!({
                "id": rule.id,
                "title": rule.title,
                "because": rule.because,
                "outcome": run.rule_status(index).as_str(),
                "skip_reason": skip_reason,
                "violations": violations,
                "minimal_inputs": minimal,
                "notes": rule.notes,
                "requests": rule.requests,
                "elapsed_ms": u64::try_from(rule.elapsed.as_millis()).unwrap_or(u64::MAX),
            })
        })
        .collect();
    let counts = run.counts();
    let problems = run.problems();
    json!({
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "openfunnel-contract", "version": env!("CARGO_PKG_VERSION")},
        "target": {
            "kind": match run.kind { TargetKind::Mock => "mock", TargetKind::Live => "live" },
            "description": report.target.to_string(),
        },
        "result": if problems.is_empty() { "pass" } else { "fail" },
        "rules": rules,
        "coverage": run.coverage.as_ref().map_or(Value::Null, |c| coverage(c, run.min_coverage)),
        "deviations": deviations(run),
        "unmatched_requests": report.unmatched,
        "created_jobs": report.created_jobs,
        "seed": report.seed,
        "spend": {
            "credits": report.spend.credits(),
            "dollars": report.spend.dollars(),
            "cap": report.spend.cap,
            "by_job": report.spend.by_job,
            "charged": run.kind == TargetKind::Live,
        },
        "fixtures_changed": report.fixtures,
        "summary": {
            "passed": counts.passed,
            "failed": counts.failed,
            "known": counts.known,
            "skipped": counts.skipped,
            "requests": report.requests,
            "problems": problems,
        },
    })
}

/// The JSON report, pretty-printed, with a final newline.
pub fn render_json(run: &Run) -> String {
    let mut text = serde_json::to_string_pretty(&to_json(run)).expect("a JSON value serialises");
    text.push('\n');
    text
}

/// The JSON name of a violation kind (also the proxy's report).
pub(crate) fn kind_name(kind: ViolationKind) -> &'static str {
    match kind {
        ViolationKind::UnknownOperation => "unknown-operation",
        ViolationKind::ServerError => "server-error",
        ViolationKind::UndocumentedStatus => "undocumented-status",
        ViolationKind::ContentType => "content-type",
        ViolationKind::InvalidJson => "invalid-json",
        ViolationKind::Schema => "schema",
        ViolationKind::Lifecycle => "lifecycle",
        ViolationKind::Transport => "transport",
    }
}

fn violation(v: &Violation, run: &Run, rule: usize, index: usize) -> Value {
    let known = run.known(rule, index).map_or(Value::Null, |entry| {
        json!({
            "reason": entry.deviation.reason,
            "expires": entry.deviation.expires.map(|d| d.to_string()),
        })
    });
    let mut value = violation_json(v);
    value["known"] = known;
    value
}

/// A violation as the JSON reports write it (without `known`).
pub(crate) fn violation_json(v: &Violation) -> Value {
    json!({
        "kind": kind_name(v.kind),
        "check": v.rule,
        "operation_id": v.operation_id,
        "method": v.method,
        "path": v.path,
        "status": v.status,
        "mismatches": v.mismatches.iter().map(|m| json!({
            "pointer": m.pointer,
            "spec_pointer": m.spec_pointer,
            "expected": m.expected,
            "actual": m.actual,
        })).collect::<Vec<_>>(),
        "because": v.because,
        "curl": v.curl,
        "message": v.to_string(),
    })
}

fn coverage(c: &Coverage, min: Option<f64>) -> Value {
    let operations: Vec<Value> = c
        .operations
        .iter()
        .map(|op| {
            let undocumented: Map<String, Value> = op
                .undocumented
                .iter()
                .map(|(s, n)| (s.to_string(), json!(n)))
                .collect();
            json!({
                "operation_id": op.operation_id,
                "method": op.method,
                "path": op.path,
                "documented": op.documented,
                "seen": op.seen,
                "missing": op.missing(),
                "undocumented": undocumented,
                "range_codes": op
                    .range_codes
                    .iter()
                    .map(|(s, n)| (s.to_string(), json!(n)))
                    .collect::<Map<String, Value>>(),
            })
        })
        .collect();
    let transitions: Vec<Value> = c
        .transitions
        .iter()
        .map(|t| {
            json!({
                "control": t.transition.control.verb(),
                "before": t.transition.before.as_str(),
                "status": t.transition.status,
                "after": t.transition.after.map(|s| s.as_str()),
                "count": t.count,
            })
        })
        .collect();
    let never: Vec<Value> = c
        .cells_never_reached()
        .iter()
        .map(|(control, state)| json!({"control": control.verb(), "before": state.as_str()}))
        .collect();
    json!({
        "statuses": {
            "documented": c.statuses_documented(),
            "seen": c.statuses_seen(),
            "percent": (c.status_percent() * 10.0).round() / 10.0,
            "minimum": min,
            "operations": operations,
        },
        "lifecycle": {
            "cells_total": Coverage::CELLS,
            "cells_reached": c.cells_reached().len(),
            "transitions": transitions,
            "never_reached": never,
        },
        "requests_without_operation": c.unmatched_requests,
    })
}

fn deviations(run: &Run) -> Value {
    let Some(applied) = &run.deviations else {
        return Value::Null;
    };
    let entries: Vec<Value> = applied
        .entries
        .iter()
        .map(|e| {
            json!({
                "rule": e.deviation.rule,
                "target": e.deviation.target.as_str(),
                "contains": e.deviation.contains,
                "reason": e.deviation.reason,
                "expires": e.deviation.expires.map(|d| d.to_string()),
                "status": e.status.as_str(),
                "matched": e.matched,
            })
        })
        .collect();
    json!({"file": run.deviations_file, "entries": entries})
}
