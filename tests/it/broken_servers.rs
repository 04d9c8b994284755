//! Checking the checker at the level of the suite: against a mock with one
//! deliberate fault, the rule that guards against it fails with a readable
//! message (snapshotted). A harness that passes a broken server is worthless.
//!
//! One row of [`broken_servers!`] per rule: the test's name, the rule, the
//! fault, and what the failure must show. Each row is a test of its own.

use crate::support::{faulty_mock, on_mock, resume_of_completed_answers_200};
use openfunnel_contract::Endpoint;
use openfunnel_contract::mock::{Answer, Call, OTHER_KEY};
use openfunnel_contract::report::redact;
use openfunnel_contract::suite::{Outcome, SuiteOptions, rule};
use openfunnel_contract::{JobState, Violation, ViolationKind};
use serde_json::json;

/// A mock with one fault, and the rule that must catch it.
struct Broken {
    /// The rule that must fail.
    rule: &'static str,
    /// What the mock gets wrong.
    fault: fn(&Call, &mut Answer),
    /// The kind of the first violation, when it matters.
    kind: Option<ViolationKind>,
    /// Text the first violation's path must contain.
    path_has: Option<&'static str>,
    /// The snapshot of the first violation (`broken_servers__<name>.snap`).
    snapshot: Option<&'static str>,
}

impl Broken {
    /// `rule` must fail against `fault`.
    const fn new(rule: &'static str, fault: fn(&Call, &mut Answer)) -> Broken {
        Broken {
            rule,
            fault,
            kind: None,
            path_has: None,
            snapshot: None,
        }
    }
}

/// Runs one rule against a mock with `fault`; returns its violations.
async fn failures(case: &Broken) -> Vec<Violation> {
    let target = on_mock(faulty_mock(case.fault).await);
    let report = rule(case.rule)
        .unwrap()
        .run(&target, &SuiteOptions::default())
        .await;
    match report.outcome {
        Outcome::Fail(violations) => violations,
        other => panic!(
            "{} must fail against the faulty mock, got {other:?} (notes: {:?})",
            case.rule, report.notes
        ),
    }
}

/// The rule fails, and its first violation shows what the row says.
async fn check(case: &Broken) {
    let v = failures(case).await;
    if let Some(kind) = case.kind {
        assert_eq!(v[0].kind, kind, "{}", v[0]);
    }
    if let Some(part) = case.path_has {
        assert!(v[0].path.contains(part), "{}", v[0]);
    }
    if let Some(name) = case.snapshot {
        snapshot!(name, redact(&v[0].to_string()));
    }
}

/// `name => Broken { … },`: one test per row, and [`CASES`] of them all.
macro_rules! broken_servers {
    ($($name:ident => $case:expr,)*) => {
        const CASES: &[Broken] = &[$($case),*];
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                check(&$case).await;
            }
        )*
    };
}

fn is(call: &Call, op: Endpoint, state: Option<JobState>) -> bool {
    call.operation == Some(op) && call.state_before == state
}

fn validation_422(answer: &mut Answer) {
    *answer = Answer::json(
        422,
        &json!({"detail": [{"loc": ["path", "job_id"], "msg": "bad id", "type": "value_error"}]}),
    );
}

fn internal_error(answer: &mut Answer) {
    *answer = Answer::json(500, &json!({"detail": "Internal Server Error"}));
}

/// Sets `field` of a JSON answer.
fn set(answer: &mut Answer, field: &str, value: serde_json::Value) {
    let mut body = answer.body_json();
    body[field] = value;
    answer.set_json(&body);
}

broken_servers! {
    unknown_job_answered_422_fails_and_shrinks => Broken {
        kind: Some(ViolationKind::Lifecycle),
        snapshot: Some("broken_unknown_job_422"),
        ..Broken::new("unknown-job-404", |call, answer| {
            if is(call, Endpoint::Pause, None) && call.key.is_some() && answer.status == 404 {
                validation_422(answer);
            }
        })
    },
    odd_job_id_with_a_space_answered_500_fails => Broken {
        kind: Some(ViolationKind::ServerError),
        path_has: Some("%20"),
        ..Broken::new("odd-job-id-4xx", |call, answer| {
            if call.job_id.as_deref().is_some_and(|id| id.contains(' ')) {
                internal_error(answer);
            }
        })
    },
    resume_of_a_completed_job_answered_200_fails => Broken {
        snapshot: Some("broken_terminal_resume_200"),
        ..Broken::new("terminal-409", resume_of_completed_answers_200)
    },
    a_failed_job_without_manifest_fails => Broken {
        snapshot: Some("broken_terminal_manifest_null"),
        ..Broken::new("terminal-stays-terminal", |call, answer| {
            if is(call, Endpoint::Poll, Some(JobState::Failed)) {
                set(answer, "manifest", json!(null));
            }
        })
    },
    resume_that_answers_paused_fails => Broken {
        snapshot: Some("broken_resume_says_paused"),
        ..Broken::new("resume-paused", |call, answer| {
            if is(call, Endpoint::Resume, Some(JobState::Paused)) {
                set(answer, "status", json!("paused"));
            }
        })
    },
    a_second_pause_answered_500_fails => Broken {
        snapshot: Some("broken_pause_paused_500"),
        ..Broken::new("pause-paused", |call, answer| {
            if is(call, Endpoint::Pause, Some(JobState::Paused)) {
                internal_error(answer);
            }
        })
    },
    a_pause_that_never_settles_fails => Broken {
        snapshot: Some("broken_pause_never_settles"),
        ..Broken::new("pause-running", |call, answer| {
            if is(call, Endpoint::Poll, Some(JobState::Paused)) {
                set(answer, "status", json!("pausing"));
            }
        })
    },
    a_cancel_that_loses_rows_fails => Broken {
        snapshot: Some("broken_cancel_loses_rows"),
        ..Broken::new("cancel-running", |call, answer| {
            let cancelled = matches!(
                call.state_before,
                Some(JobState::Cancelling | JobState::Cancelled)
            );
            if call.operation == Some(Endpoint::Poll) && cancelled {
                set(answer, "rows", json!([]));
                set(answer, "count", json!(0));
                set(answer, "processed", json!(0));
            }
        })
    },
    a_submit_that_is_not_pending_fails => Broken {
        snapshot: Some("broken_submit_queued"),
        ..Broken::new("submit", |call, answer| {
            if call.operation == Some(Endpoint::Submit) && answer.status == 200 {
                set(answer, "status", json!("queued"));
            }
        })
    },
    a_501_character_query_accepted_fails => Broken {
        snapshot: Some("broken_submit_too_long_accepted"),
        ..Broken::new("submit-invalid-422", |call, answer| {
            if call.operation == Some(Endpoint::Submit)
                && String::from_utf8_lossy(&answer.body).contains("string_too_long")
            {
                *answer = Answer::json(
                    200,
                    &json!({"job_id": "00000000-0000-4000-8000-000000000000", "status": "pending", "message": "TAM build started."}),
                );
            }
        })
    },
    a_missing_key_answered_401_fails => Broken {
        kind: Some(ViolationKind::UndocumentedStatus),
        snapshot: Some("broken_missing_key_401"),
        ..Broken::new("missing-key-422", |call, answer| {
            if call.key.is_none() && answer.status == 422 {
                *answer = Answer::json(401, &json!({"detail": "Not authenticated"}));
            }
        })
    },
    another_key_seeing_a_job_fails => Broken {
        snapshot: Some("broken_isolation_poll_200"),
        ..Broken::new("isolation-404", |call, answer| {
            if call.key.as_deref() == Some(OTHER_KEY)
                && call.operation == Some(Endpoint::Poll)
                && answer.status == 404
            {
                let id = call.job_id.clone().unwrap_or_default();
                *answer = Answer::json(
                    200,
                    &json!({"job_id": id, "status": "completed", "manifest": null, "error_message": null,
                        "rows": [], "page": "page_0000", "next_cursor": null, "count": 0, "processed": 0,
                        "progress_message": "completed", "bands_done": 4, "bands_total": 4, "degraded": false}),
                );
            }
        })
    },
    a_page_whose_count_is_wrong_fails => Broken {
        snapshot: Some("broken_page_count"),
        ..Broken::new("pagination", |call, answer| {
            let mut body = answer.body_json();
            if call.operation == Some(Endpoint::Poll) && body["page"] == json!("page_0001") {
                body["count"] = json!(body["count"].as_u64().unwrap_or(0) + 1);
                answer.set_json(&body);
            }
        })
    },
    cancel_of_a_paused_job_answered_404_fails => Broken {
        snapshot: Some("broken_matrix_cancel_paused_404"),
        ..Broken::new("control-matrix", |call, answer| {
            if is(call, Endpoint::Cancel, Some(JobState::Paused)) {
                *answer = Answer::json(404, &json!({"detail": "Job not found for this API key"}));
            }
        })
    },
    a_pause_that_says_running_fails_the_model => Broken {
        snapshot: Some("broken_model_pause_says_running"),
        ..Broken::new("model", |call, answer| {
            if is(call, Endpoint::Pause, Some(JobState::Running)) && answer.status == 200 {
                let mut body = answer.body_json();
                body["status"] = json!("running");
                answer.set_json(&body);
            }
        })
    },
}

#[test]
fn every_rule_has_a_broken_server() {
    // One row per rule above; a new rule needs a new row here.
    for rule in openfunnel_contract::suite::rules() {
        assert!(
            CASES.iter().any(|case| case.rule == rule.id),
            "no broken server for {}",
            rule.id
        );
    }
}
