//! The printed sequence: numbered steps with the request, the answer and
//! the answers the model allowed, then curl lines to replay it by hand
//! (keys written as environment variables, never as themselves).

use std::fmt::Write as _;

use super::judge::Allowed;
use super::plan::{Key, Step};
use crate::{Request, Target, TargetKind, Violation};

/// What happened at one step, for the printed sequence.
#[derive(Debug, Clone)]
pub struct StepRecord {
    /// 1-based.
    pub(crate) number: usize,
    /// The step.
    pub(crate) step: Step,
    /// One line: `pause job #1 as key A`.
    pub(crate) title: String,
    /// The key the request carried.
    pub(crate) key: Option<Key>,
    /// The request, for steps that send one.
    pub(crate) request: Option<Request>,
    /// Status and body `status` of the answer.
    pub(crate) answer: Option<(u16, Option<String>)>,
    /// What the model allowed.
    pub(crate) allowed: Option<Allowed>,
    /// What the step found wrong.
    pub(crate) violation: Option<Violation>,
}

/// Where a sequence ran, for headings: `the embedded mock` or `live <url>`.
pub(super) fn describe(target: &Target) -> String {
    match target.kind() {
        TargetKind::Mock => "the embedded mock".to_owned(),
        TargetKind::Live => format!("live {}", target.base_url()),
    }
}

/// The curl line of a request sent with `key`: key B reads
/// `$OPENFUNNEL_OTHER_API_KEY`.
fn curl_for(curl: &str, key: Option<Key>) -> String {
    match key {
        Some(Key::B) => curl.replace("$OPENFUNNEL_API_KEY", "$OPENFUNNEL_OTHER_API_KEY"),
        _ => curl.to_owned(),
    }
}

fn no_request(step: &Step) -> Option<String> {
    match step {
        Step::Seed { state, .. } => {
            let fixture = crate::config::FIXTURES
                .iter()
                .find(|(_, s)| s == state)
                .map_or(String::new(), |(var, _)| {
                    format!("; on live the {var} fixture")
                });
            Some(format!(
                "no request: on the mock MockApi::seed_job{fixture}"
            ))
        }
        Step::Tick { .. } => Some(
            "no request: on the mock MockApi::advance by that much; on live a real wait".into(),
        ),
        _ => None,
    }
}

/// The numbered steps of `records` (run on `target`), then the replay.
pub(crate) fn sequence(records: &[StepRecord], target: &str) -> String {
    let mut out = String::new();
    for record in records {
        let _ = writeln!(out, "{:>3}. {}", record.number, record.title);
        if let Some(text) = no_request(&record.step) {
            let _ = writeln!(out, "     ({text})");
        }
        if let Some(request) = &record.request {
            let _ = writeln!(out, "     {} {}", request.method, request.path_and_query());
        }
        match &record.answer {
            Some((status, Some(body_status))) => {
                let _ = writeln!(out, "     answered {status} with status {body_status:?}");
            }
            Some((status, None)) => {
                let _ = writeln!(out, "     answered {status}");
            }
            None if record.request.is_some() => {
                let _ = writeln!(out, "     no answer");
            }
            None => {}
        }
        if let Some(allowed) = &record.allowed {
            let _ = writeln!(out, "     allowed  {allowed}");
        }
        if let Some(violation) = &record.violation {
            let mut violation = violation.clone();
            violation.curl = curl_for(&violation.curl, record.key);
            let text = violation.to_string().replace('\n', "\n       ");
            let _ = writeln!(out, "     ✗ {text}");
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Replay on {target} by hand (export OPENFUNNEL_API_KEY, and OPENFUNNEL_OTHER_API_KEY for key B):"
    );
    for record in records {
        let _ = writeln!(out, "  # {}. {}", record.number, record.title);
        if let Some(text) = no_request(&record.step) {
            let _ = writeln!(out, "  #    {text}");
        }
        if let Some(request) = &record.request {
            let _ = writeln!(out, "  {}", curl_for(&request.curl(), record.key));
        }
    }
    out
}
