//! Checking the model: mock variants with a fault that no fixed rule of
//! the suite catches (shown by running the whole suite against each, which
//! passes), each caught by the model with a minimal sequence of a few
//! steps, whose printed form is snapshotted.
//!
//! The model runs with a fixed generator seed and a fixed count of 256
//! sequences (the first failure ends the run; `PROPTEST_CASES` does not
//! apply, as the claim under test is "found within 256 sequences of this
//! seed"), and no regressions file: these runs are expected to fail.

use openfunnel_contract::Endpoint;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use crate::support::{faulty_mock, on_mock};
use openfunnel_contract::mock::{Answer, Call, Fault, MockTransport};
use openfunnel_contract::model::{ModelFailure, ModelOptions, ModelOutcome, ModelRunner, Scope};
use openfunnel_contract::report::redact;
use openfunnel_contract::suite::{Outcome, SuiteOptions, run_suite};
use openfunnel_contract::{Error, JobState, Limits, Spec, Target, TargetKind, ViolationKind};
use serde_json::{Value, json};

/// The generator seed of every run here.
const SEED: u64 = 2;
/// Sequences the model gets to find a fault.
const CASES: u32 = 256;
/// Most steps a minimal sequence may have.
const FEW: usize = 5;

async fn faulty_target(fault: impl Fault) -> Result<Target, Error> {
    Ok(on_mock(faulty_mock(fault).await))
}

/// [`faulty_target`] reached in process (`MockTransport::InProcess`).
async fn faulty_target_in_process(fault: impl Fault) -> Result<Target, Error> {
    Target::on_mock_with(
        faulty_mock(fault).await,
        Spec::embedded()?,
        Limits::defaults(TargetKind::Mock),
        MockTransport::InProcess,
    )
}

/// Runs the model against fresh mocks with `make()`'s fault; it must fail
/// with a sequence of at most [`FEW`] steps.
fn model_finds<F: Fault>(make: impl Fn() -> F) -> ModelFailure {
    model_finds_within(FEW, make)
}

/// Like [`model_finds`], with at most `few` steps.
fn model_finds_within<F: Fault>(few: usize, make: impl Fn() -> F) -> ModelFailure {
    let options = ModelOptions {
        cases: CASES,
        ..ModelOptions::mock().seeded(SEED)
    };
    let runner = ModelRunner::new(options).expect("runtime");
    match runner
        .run(Scope::mock(), || faulty_target(make()))
        .expect("the mock starts")
    {
        ModelOutcome::Fail(failure) => {
            assert!(
                failure.records.len() <= few,
                "not minimal enough ({} steps):\n{failure}",
                failure.records.len()
            );
            *failure
        }
        ModelOutcome::Pass(pass) => {
            panic!("the model missed the fault in {} sequences", pass.cases)
        }
    }
}

/// Runs every fixed rule (all but the model) against a mock with the
/// fault; all must pass.
async fn fixed_rules_pass(fault: impl Fault) {
    let target = faulty_target(fault).await.expect("the mock starts");
    let options = SuiteOptions {
        skip: vec!["model".into()],
        ..SuiteOptions::default()
    };
    let report = run_suite(&target, &options).await;
    let failed: Vec<String> = report
        .rules
        .iter()
        .filter_map(|rule| match &rule.outcome {
            Outcome::Fail(violations) => Some(format!(
                "{}: {}",
                rule.id,
                violations
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            )),
            _ => None,
        })
        .collect();
    assert!(
        failed.is_empty(),
        "a fixed rule caught it:\n{}",
        failed.join("\n")
    );
    assert!(
        report
            .rules
            .iter()
            .all(|rule| !matches!(rule.outcome, Outcome::Skip(_))),
        "every rule runs on the mock"
    );
}

fn id_of(call: &Call) -> Option<String> {
    call.job_id.clone()
}

/// A job cancelled through the API re-opens on resume, but only after a
/// pause was attempted on it (the pause gets its 409): the resume answers
/// 200 `running`, and polls show `running` from then on. `terminal-409`
/// pauses and resumes a cancelled job too, but a seeded one.
fn reopen_after_pause_attempt() -> impl Fault {
    #[derive(Default)]
    struct Memory {
        cancelled: BTreeSet<String>,
        pause_tried: BTreeSet<String>,
        reopened: BTreeSet<String>,
    }
    let memory = Mutex::new(Memory::default());
    move |call: &Call, answer: &mut Answer| {
        let Some(id) = id_of(call) else { return };
        let mut m = memory.lock().expect("lock");
        match (call.operation, answer.status) {
            (Some(Endpoint::Cancel), 200) => {
                m.cancelled.insert(id);
            }
            (Some(Endpoint::Pause), 409) if m.cancelled.contains(&id) => {
                m.pause_tried.insert(id);
            }
            (Some(Endpoint::Resume), 409) if m.pause_tried.contains(&id) => {
                *answer = Answer::json(
                    200,
                    &json!({"job_id": id, "status": "running", "message": "Resume started."}),
                );
                m.reopened.insert(id);
            }
            (Some(Endpoint::Poll), 200) if m.reopened.contains(&id) => {
                let mut body = answer.body_json();
                body["status"] = json!("running");
                body["manifest"] = Value::Null;
                answer.set_json(&body);
            }
            _ => {}
        }
    }
}

/// The second pause of a paused job answers 500 (the first answers 200
/// `paused`, as documented). `pause-paused` and `control-matrix` pause a
/// paused job once.
fn second_pause_of_paused_500() -> impl Fault {
    let pauses: Mutex<BTreeMap<String, u32>> = Mutex::default();
    move |call: &Call, answer: &mut Answer| {
        if call.operation == Some(Endpoint::Pause)
            && call.state_before == Some(JobState::Paused)
            && answer.status == 200
            && let Some(id) = id_of(call)
        {
            let mut pauses = pauses.lock().expect("lock");
            let count = pauses.entry(id).or_default();
            *count += 1;
            if *count >= 2 {
                *answer = Answer::json(500, &json!({"detail": "Internal Server Error"}));
            }
        }
    }
}

/// Cancel of a paused job answers 200 `cancelling`, as documented, but
/// from then on polls show no delivered rows (`rows` empty, `processed`
/// 0, an empty manifest). `cancel-running` checks kept rows after
/// cancelling a running job; `control-matrix` cancels a paused one but
/// checks only its status.
fn cancel_of_paused_loses_rows() -> impl Fault {
    let lost: Mutex<BTreeSet<String>> = Mutex::default();
    move |call: &Call, answer: &mut Answer| {
        let Some(id) = id_of(call) else { return };
        let mut lost = lost.lock().expect("lock");
        match (call.operation, answer.status) {
            (Some(Endpoint::Cancel), 200) if call.state_before == Some(JobState::Paused) => {
                lost.insert(id);
            }
            (Some(Endpoint::Poll), 200) if lost.contains(&id) => {
                let mut body = answer.body_json();
                body["rows"] = json!([]);
                body["count"] = json!(0);
                body["processed"] = json!(0);
                body["next_cursor"] = Value::Null;
                if let Some(manifest) = body.get_mut("manifest").filter(|m| m.is_object()) {
                    manifest["unique_count"] = json!(0);
                    manifest["credits_consumed"] = json!(0);
                    manifest["pages"] = json!(0);
                }
                answer.set_json(&body);
            }
            _ => {}
        }
    }
}

/// Once a job was paused through the API, any key can poll it: another
/// key's poll answers 200 with the job's status instead of 404.
/// `isolation-404` probes seeded jobs, never one paused through the API.
fn paused_jobs_leak_to_other_keys() -> impl Fault {
    let paused: Mutex<BTreeSet<String>> = Mutex::default();
    move |call: &Call, answer: &mut Answer| {
        let Some(id) = id_of(call) else { return };
        let mut paused = paused.lock().expect("lock");
        match (call.operation, answer.status) {
            (Some(Endpoint::Pause), 200) => {
                paused.insert(id);
            }
            (Some(Endpoint::Poll), 404) if paused.contains(&id) => {
                *answer = Answer::json(
                    200,
                    &json!({
                        "job_id": id, "status": "paused", "manifest": null, "error_message": null,
                        "rows": [], "page": "page_0000", "next_cursor": null, "count": 0,
                        "processed": 0, "progress_message": "paused", "bands_done": 0,
                        "bands_total": 4, "degraded": false
                    }),
                );
            }
            _ => {}
        }
    }
}

#[test]
fn model_catches_resume_reopening_a_cancelled_job() {
    // Six steps: a 409 to resume a job that may still be cancelling is a
    // refusal (a silent cell), so the model must first see it `cancelled`.
    let failure = model_finds_within(6, reopen_after_pause_attempt);
    assert_eq!(failure.violation.kind, ViolationKind::Lifecycle);
    snapshot!("model_fault_reopen_cancelled", redact(&failure.to_string()));
}

#[test]
fn model_catches_a_second_pause_answering_500() {
    let failure = model_finds(second_pause_of_paused_500);
    assert_eq!(failure.violation.kind, ViolationKind::ServerError);
    snapshot!("model_fault_second_pause_500", redact(&failure.to_string()));
}

#[test]
fn model_catches_cancel_losing_a_paused_jobs_rows() {
    let failure = model_finds(cancel_of_paused_loses_rows);
    assert_eq!(failure.violation.kind, ViolationKind::Lifecycle);
    snapshot!(
        "model_fault_cancel_loses_rows",
        redact(&failure.to_string())
    );
}

#[test]
fn model_catches_a_paused_job_leaking_to_another_key() {
    let failure = model_finds(paused_jobs_leak_to_other_keys);
    assert_eq!(failure.violation.kind, ViolationKind::Lifecycle);
    snapshot!(
        "model_fault_leak_to_other_key",
        redact(&failure.to_string())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixed_rules_miss_resume_reopening_a_cancelled_job() {
    fixed_rules_pass(reopen_after_pause_attempt()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixed_rules_miss_a_second_pause_answering_500() {
    fixed_rules_pass(second_pause_of_paused_500()).await;
}

/// The fixed rules missed this fault before jobs had timelines; now the
/// control matrix's polls see `processed` go back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timelines_let_the_fixed_rules_catch_cancel_losing_a_paused_jobs_rows() {
    let target = faulty_target(cancel_of_paused_loses_rows())
        .await
        .expect("the mock starts");
    let options = SuiteOptions {
        skip: vec!["model".into()],
        ..SuiteOptions::default()
    };
    let report = run_suite(&target, &options).await;
    let caught = report.rules.iter().any(|rule| {
        matches!(&rule.outcome, Outcome::Fail(v) if v.iter().any(|v| v.rule == "progress-monotone"))
    });
    assert!(caught, "no fixed rule saw processed go back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixed_rules_miss_a_paused_job_leaking_to_another_key() {
    fixed_rules_pass(paused_jobs_leak_to_other_keys()).await;
}

/// The printed sequence never shows a key, only `key A` / `key B` and the
/// environment variables of the curl lines.
#[test]
fn the_printed_sequence_never_shows_a_key() {
    let failure = model_finds(paused_jobs_leak_to_other_keys);
    let text = failure.to_string();
    for key in [
        openfunnel_contract::mock::PRIMARY_KEY,
        openfunnel_contract::mock::OTHER_KEY,
    ] {
        assert!(!text.contains(key), "{text}");
    }
    assert!(text.contains("$OPENFUNNEL_OTHER_API_KEY"), "{text}");
}

/// Not only the lucky seed: across 12 generator seeds the model finds each
/// planted fault at least 10 times, each time shrunk to a short sequence.
/// Measured on this code (printed with `--nocapture` as
/// `passed-before:minimal-steps` per seed, `-` for a miss): 11, 11, 11 and
/// 12 of 12. The fault runs reach the mock in process (the same handler,
/// no socket), which keeps the 48 runs to seconds.
#[test]
fn every_fault_is_found_for_most_seeds() {
    const SEEDS: u64 = 12;
    const FOUND_AT_LEAST: usize = 10;
    /// Longest minimal sequence seen across the seeds, plus a margin.
    const SHORT: usize = 8;
    fn rate<F: Fault>(name: &str, make: impl Fn() -> F) -> Vec<String> {
        let mut found = Vec::new();
        let mut problems = Vec::new();
        for seed in 0..SEEDS {
            let options = ModelOptions {
                cases: CASES,
                ..ModelOptions::mock().seeded(seed)
            };
            let runner = ModelRunner::new(options).expect("runtime");
            match runner
                .run(Scope::mock(), || faulty_target_in_process(make()))
                .expect("the mock starts")
            {
                ModelOutcome::Fail(f) => {
                    if f.records.len() > SHORT {
                        problems.push(format!(
                            "{name}, seed {seed}: shrunk to {} steps, more than {SHORT}",
                            f.records.len()
                        ));
                    }
                    found.push(format!("{}:{}", f.passed_before, f.records.len()));
                }
                ModelOutcome::Pass(_) => found.push("-".into()),
            }
        }
        eprintln!("{name}: {}", found.join(" "));
        let hits = found.iter().filter(|f| *f != "-").count();
        if hits < FOUND_AT_LEAST {
            problems.push(format!(
                "{name}: found for {hits} of {SEEDS} seeds, fewer than {FOUND_AT_LEAST} ({})",
                found.join(" ")
            ));
        }
        problems
    }
    let mut problems = Vec::new();
    problems.extend(rate("reopen-cancelled", reopen_after_pause_attempt));
    problems.extend(rate("second-pause-500", second_pause_of_paused_500));
    problems.extend(rate("cancel-loses-rows", cancel_of_paused_loses_rows));
    problems.extend(rate("leak-to-other-key", paused_jobs_leak_to_other_keys));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
