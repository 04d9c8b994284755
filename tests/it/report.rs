//! The three report formats on one fixed run (mock seed 0, a subset of the
//! rules): a rule that passes, one that fails against a deliberately broken
//! mock (resume of a completed job answers 200), and one skipped because
//! the request budget is spent. IDs, ports and timings are redacted.

use crate::support::{faulty_mock, on_mock_with, resume_of_completed_answers_200};
use openfunnel_contract::report::{
    JSON_SCHEMA, RuleStatus, Run, redact, render_json, render_junit, render_run_text, render_text,
    to_json,
};
use openfunnel_contract::suite::{SuiteOptions, run_suite};
use openfunnel_contract::{Limits, Target, TargetKind};
use serde_json::{Value, json};

/// terminal-409 and resume-paused together send 35 requests on the mock,
/// so pause-paused is skipped for the budget.
const BUDGET: u32 = 35;

async fn fixed_run() -> Run {
    let mock = faulty_mock(resume_of_completed_answers_200).await;
    let mut limits = Limits::defaults(TargetKind::Mock);
    limits.max_requests = BUDGET;
    let target = on_mock_with(mock, limits);
    let options = SuiteOptions {
        only: vec![
            "terminal-409".into(),
            "resume-paused".into(),
            "pause-paused".into(),
        ],
        ..SuiteOptions::default()
    };
    let report = run_suite(&target, &options).await;
    Run::new(&target, report)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fixed_run_passes_fails_and_skips() {
    let run = fixed_run().await;
    let statuses: Vec<RuleStatus> = (0..3).map(|i| run.rule_status(i)).collect();
    assert_eq!(
        statuses,
        [RuleStatus::Fail, RuleStatus::Pass, RuleStatus::Skip],
        "{}",
        render_run_text(&run, false)
    );
    assert!(!run.passed());
    assert_eq!(run.problems(), ["1 rule failed"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_report() {
    let run = fixed_run().await;
    let text = render_run_text(&run, false);
    assert!(!text.contains('\x1b'), "no colour unless asked");
    snapshot!("report_text", redact(&text));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_report_in_colour_only_adds_escapes() {
    let run = fixed_run().await;
    let coloured = render_run_text(&run, true);
    assert!(coloured.contains("\x1b[1;31mFAIL\x1b[0m terminal-409"));
    assert!(coloured.contains("\x1b[32mPASS\x1b[0m resume-paused"));
    assert!(coloured.contains("\x1b[33mSKIP\x1b[0m pause-paused"));
    let stripped = coloured
        .replace("\x1b[1;31m", "")
        .replace("\x1b[1;32m", "")
        .replace("\x1b[32m", "")
        .replace("\x1b[33m", "")
        .replace("\x1b[36m", "")
        .replace("\x1b[0m", "");
    assert_eq!(stripped, render_run_text(&run, false));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bare_text_report_has_no_coverage() {
    let run = fixed_run().await;
    let text = render_text(&run.report);
    assert!(!text.contains("coverage"), "{text}");
    assert!(
        text.contains("1 passed, 1 failed, 1 skipped; 35 requests\n"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_report() {
    let run = fixed_run().await;
    snapshot!("report_json", redact(&render_json(&run)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn junit_report() {
    let run = fixed_run().await;
    let xml = render_junit(&run);
    assert!(xml.contains("classname=\"embedded mock\""));
    snapshot!("report_junit", redact(&xml));
}

fn validate(report: &Value) {
    let schema: Value = serde_json::from_str(JSON_SCHEMA).expect("the schema is JSON");
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&schema)
        .expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_json_report_of_the_fixed_run_validates_against_its_schema() {
    let run = fixed_run().await;
    let text = render_json(&run);
    let value: Value = serde_json::from_str(&text).unwrap();
    validate(&value);
    assert_eq!(value["schema_version"], 1);
    assert_eq!(value["result"], "fail");
    assert_eq!(value["rules"][0]["outcome"], "fail");
    assert_eq!(value["rules"][0]["violations"][0]["kind"], "lifecycle");
    assert_eq!(
        value["rules"][0]["violations"][0]["operation_id"],
        "resumeTamBuildJob"
    );
    assert_eq!(value["rules"][2]["outcome"], "skip");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_json_report_of_a_full_mock_run_validates_against_its_schema() {
    let target = Target::mock().await.unwrap();
    let options = SuiteOptions {
        cases: Some(8),
        ..SuiteOptions::default()
    };
    let report = run_suite(&target, &options).await;
    let mut run = Run::new(&target, report);
    run.min_coverage = Some(50.0);
    let value = to_json(&run);
    validate(&value);
    assert_eq!(value["result"], "pass", "{}", render_run_text(&run, false));
    let statuses = &value["coverage"]["statuses"];
    assert_eq!(statuses["documented"], 17);
    assert_eq!(value["coverage"]["lifecycle"]["cells_reached"], 24);
    assert_eq!(value["coverage"]["lifecycle"]["never_reached"], json!([]));
}

#[test]
fn the_schema_rejects_a_report_that_breaks_it() {
    let schema: Value = serde_json::from_str(JSON_SCHEMA).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(!validator.is_valid(&json!({"schema_version": 2})));
}
