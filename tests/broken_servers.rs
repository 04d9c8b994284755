//! Checking the checker at the level of the suite: against a mock with one
//! deliberate fault, the rule that guards against it fails with a readable
//! message (snapshotted). A harness that passes a broken server is worthless.

mod common;

use openfunnel_contract::mock::{Answer, Call, MockApi, OTHER_KEY, Operation};
use openfunnel_contract::report::redact;
use openfunnel_contract::suite::{Outcome, SuiteOptions, rule};
use openfunnel_contract::{JobState, Limits, Spec, Target, TargetKind, ViolationKind};
use serde_json::json;

/// Runs one rule against a mock with `fault`; returns its violations.
async fn failures(
    id: &str,
    fault: impl Fn(&Call, &mut Answer) + Send + Sync + 'static,
) -> Vec<openfunnel_contract::Violation> {
    let mock = MockApi::builder().seed(0).fault(fault).start().await;
    let target = Target::on_mock(
        mock,
        Spec::embedded().unwrap(),
        Limits::defaults(TargetKind::Mock),
    )
    .unwrap();
    let report = rule(id)
        .unwrap()
        .run(&target, &SuiteOptions::default())
        .await;
    match report.outcome {
        Outcome::Fail(violations) => violations,
        other => panic!(
            "{id} must fail against the faulty mock, got {other:?} (notes: {:?})",
            report.notes
        ),
    }
}

fn first(violations: &[openfunnel_contract::Violation]) -> String {
    redact(&violations[0].to_string())
}

fn is(call: &Call, op: Operation, state: Option<JobState>) -> bool {
    call.operation == Some(op) && call.state_before == state
}

fn validation_422(answer: &mut Answer) {
    *answer = Answer::json(
        422,
        &json!({"detail": [{"loc": ["path", "job_id"], "msg": "bad id", "type": "value_error"}]}),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_job_answered_422_fails_and_shrinks() {
    let v = failures("unknown-job-404", |call, answer| {
        if is(call, Operation::Pause, None) && call.key.is_some() && answer.status == 404 {
            validation_422(answer);
        }
    })
    .await;
    assert_eq!(v[0].kind, ViolationKind::Lifecycle);
    snapshot!("broken_unknown_job_422", first(&v));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odd_job_id_with_a_space_answered_500_fails() {
    let v = failures("odd-job-id-4xx", |call, answer| {
        if call.job_id.as_deref().is_some_and(|id| id.contains(' ')) {
            *answer = Answer::json(500, &json!({"detail": "Internal Server Error"}));
        }
    })
    .await;
    assert_eq!(v[0].kind, ViolationKind::ServerError);
    assert!(v[0].path.contains("%20"), "{}", v[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_of_a_completed_job_answered_200_fails() {
    let v = failures("terminal-409", |call, answer| {
        if is(call, Operation::Resume, Some(JobState::Completed)) {
            let id = call.job_id.clone().unwrap_or_default();
            *answer = Answer::json(
                200,
                &json!({"job_id": id, "status": "running", "message": "Resume started."}),
            );
        }
    })
    .await;
    snapshot!("broken_terminal_resume_200", first(&v));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_job_without_manifest_fails() {
    let v = failures("terminal-stays-terminal", |call, answer| {
        if is(call, Operation::Poll, Some(JobState::Failed)) {
            let mut body = answer.body_json();
            body["manifest"] = json!(null);
            answer.set_json(&body);
        }
    })
    .await;
    snapshot!("broken_terminal_manifest_null", first(&v));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_that_answers_paused_fails() {
    let v = failures("resume-paused", |call, answer| {
        if is(call, Operation::Resume, Some(JobState::Paused)) {
            let mut body = answer.body_json();
            body["status"] = json!("paused");
            answer.set_json(&body);
        }
    })
    .await;
    snapshot!("broken_resume_says_paused", first(&v));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_pause_answered_500_fails() {
    let v = failures("pause-paused", |call, answer| {
        if is(call, Operation::Pause, Some(JobState::Paused)) {
            *answer = Answer::json(500, &json!({"detail": "Internal Server Error"}));
        }
    })
    .await;
    snapshot!("broken_pause_paused_500", first(&v));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pause_that_never_settles_fails() {
    let v = failures("pause-running", |call, answer| {
        if call.operation == Some(Operation::Poll) && call.state_before == Some(JobState::Paused) {
            let mut body = answer.body_json();
            body["status"] = json!("pausing");
            answer.set_json(&body);
        }
    })
    .await;
    snapshot!("broken_pause_never_settles", first(&v));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_that_loses_rows_fails() {
    let v = failures("cancel-running", |call, answer| {
        let cancelled = matches!(
            call.state_before,
            Some(JobState::Cancelling | JobState::Cancelled)
        );
        if call.operation == Some(Operation::Poll) && cancelled {
            let mut body = answer.body_json();
            body["rows"] = json!([]);
            body["count"] = json!(0);
            body["processed"] = json!(0);
            answer.set_json(&body);
        }
    })
    .await;
    snapshot!("broken_cancel_loses_rows", first(&v));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submit_that_is_not_pending_fails() {
    let v = failures("submit", |call, answer| {
        if call.operation == Some(Operation::Submit) && answer.status == 200 {
            let mut body = answer.body_json();
            body["status"] = json!("queued");
            answer.set_json(&body);
        }
    })
    .await;
    snapshot!("broken_submit_queued", first(&v));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_501_character_query_accepted_fails() {
    let v = failures("submit-invalid-422", |call, answer| {
        if call.operation == Some(Operation::Submit) && String::from_utf8_lossy(&answer.body).contains("string_too_long") {
            *answer = Answer::json(200, &json!({"job_id": "00000000-0000-4000-8000-000000000000", "status": "pending", "message": "TAM build started."}));
        }
    })
    .await;
    snapshot!("broken_submit_too_long_accepted", first(&v));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_key_answered_401_fails() {
    let v = failures("missing-key-422", |call, answer| {
        if call.key.is_none() && answer.status == 422 {
            *answer = Answer::json(401, &json!({"detail": "Not authenticated"}));
        }
    })
    .await;
    assert_eq!(v[0].kind, ViolationKind::UndocumentedStatus);
    snapshot!("broken_missing_key_401", first(&v));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_key_seeing_a_job_fails() {
    let v = failures("isolation-404", |call, answer| {
        if call.key.as_deref() == Some(OTHER_KEY) && call.operation == Some(Operation::Poll) && answer.status == 404 {
            let id = call.job_id.clone().unwrap_or_default();
            *answer = Answer::json(200, &json!({"job_id": id, "status": "completed", "manifest": null, "error_message": null,
                "rows": [], "page": "page_0000", "next_cursor": null, "count": 0, "processed": 0,
                "progress_message": "completed", "bands_done": 4, "bands_total": 4, "degraded": false}));
        }
    })
    .await;
    snapshot!("broken_isolation_poll_200", first(&v));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_whose_count_is_wrong_fails() {
    let v = failures("pagination", |call, answer| {
        let mut body = answer.body_json();
        if call.operation == Some(Operation::Poll) && body["page"] == json!("page_0001") {
            body["count"] = json!(body["count"].as_u64().unwrap_or(0) + 1);
            answer.set_json(&body);
        }
    })
    .await;
    snapshot!("broken_page_count", first(&v));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_of_a_paused_job_answered_404_fails() {
    let v = failures("control-matrix", |call, answer| {
        if is(call, Operation::Cancel, Some(JobState::Paused)) {
            *answer = Answer::json(404, &json!({"detail": "Job not found for this API key"}));
        }
    })
    .await;
    snapshot!("broken_matrix_cancel_paused_404", first(&v));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pause_that_says_running_fails_the_model() {
    let v = failures("model", |call, answer| {
        if is(call, Operation::Pause, Some(JobState::Running)) && answer.status == 200 {
            let mut body = answer.body_json();
            body["status"] = json!("running");
            answer.set_json(&body);
        }
    })
    .await;
    snapshot!("broken_model_pause_says_running", first(&v));
}

#[test]
fn every_rule_has_a_broken_server() {
    // One fault per rule above; a new rule needs a new fault here.
    let source = include_str!("broken_servers.rs");
    for rule in openfunnel_contract::suite::rules() {
        assert!(
            source.contains(&format!("failures(\"{}\"", rule.id)),
            "no broken server for {}",
            rule.id
        );
    }
}
