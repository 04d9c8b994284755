//! Live mode's safety, against a local server standing in for a deployment
//! (the mock, reached over HTTP as a live target): read-only by default,
//! rules that need writes or fixtures skip with their reason, the budget
//! holds, and jobs the suite creates are cancelled.

use std::time::Duration;

use openfunnel_contract::mock::MockApi;
use openfunnel_contract::report::{redact, render_text};
use openfunnel_contract::suite::{Outcome, SuiteOptions, Terms, run_suite};
use openfunnel_contract::{Config, JobState, Request, SendError, Target};
use reqwest::Method;

fn live_config(mock: &MockApi, fixtures: &[JobState]) -> Config {
    let mut config = Config::live(&mock.uri(), mock.api_key()).unwrap();
    config.limits.wait = Duration::from_secs(1);
    config.limits.rps = None;
    for state in fixtures {
        config
            .fixtures
            .insert(*state, mock.fixture(*state).unwrap());
    }
    config
}

fn outcome<'a>(report: &'a openfunnel_contract::suite::SuiteReport, id: &str) -> &'a Outcome {
    &report.rules.iter().find(|r| r.id == id).unwrap().outcome
}

const ALL_FIXTURES: [JobState; 5] = [
    JobState::Completed,
    JobState::Failed,
    JobState::Cancelled,
    JobState::Paused,
    JobState::Running,
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_live_run_skips_what_needs_writes_and_changes_nothing() {
    let mock = MockApi::start().await;
    let key = mock.api_key();
    let before = mock.jobs(&key);
    let target = Target::from_config(&live_config(&mock, &ALL_FIXTURES))
        .await
        .unwrap();
    let options = SuiteOptions {
        cases: Some(8),
        terms: Terms::Env,
        ..SuiteOptions::default()
    };
    let report = run_suite(&target, &options).await;

    assert!(report.passed(), "{}", render_text(&report));
    for id in [
        "submit",
        "submit-invalid-422",
        "resume-paused",
        "pause-paused",
        "pause-running",
        "cancel-running",
    ] {
        match outcome(&report, id) {
            Outcome::Skip(reason) => assert!(
                reason.contains("OPENFUNNEL_ALLOW_WRITES=1"),
                "{id}: {reason}"
            ),
            other => panic!("{id} must skip without writes, got {other:?}"),
        }
    }
    for id in [
        "terminal-409",
        "terminal-stays-terminal",
        "unknown-job-404",
        "missing-key-422",
        "pagination",
        "control-matrix",
    ] {
        assert_eq!(outcome(&report, id), &Outcome::Pass, "{id}");
    }
    // No job was created and no fixture changed.
    assert_eq!(mock.jobs(&key), before);
    assert!(report.created_jobs.is_empty());
    snapshot!("live_read_only_report", redact(&render_text(&report)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_fixtures_and_keys_skip_with_the_variable_to_set() {
    let mock = MockApi::start().await;
    let target = Target::from_config(&live_config(&mock, &[])).await.unwrap();
    let options = SuiteOptions {
        terms: Terms::Env,
        ..SuiteOptions::default()
    };
    let report = run_suite(&target, &options).await;
    let reason = |id| match outcome(&report, id) {
        Outcome::Skip(reason) => reason.clone(),
        other => panic!("{id} must skip, got {other:?}"),
    };
    assert!(reason("terminal-409").contains("OPENFUNNEL_JOB_COMPLETED"));
    assert!(reason("pagination").contains("OPENFUNNEL_JOB_COMPLETED"));
    assert!(reason("isolation-404").contains("OPENFUNNEL_OTHER_API_KEY"));
    assert_eq!(outcome(&report, "unknown-job-404"), &Outcome::Pass);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_budget_is_never_exceeded() {
    let mock = MockApi::start().await;
    let mut config = live_config(&mock, &ALL_FIXTURES);
    config.limits.max_requests = 10;
    let target = Target::from_config(&config).await.unwrap();
    let report = run_suite(&target, &SuiteOptions::default()).await;
    assert!(
        mock.request_count() <= 10,
        "{} requests reached the server",
        mock.request_count()
    );
    assert_eq!(target.requests_sent(), 10);
    let skipped_for_budget = report
        .rules
        .iter()
        .filter(|r| matches!(&r.outcome, Outcome::Skip(reason) if reason.contains("budget of 10")))
        .count();
    assert!(skipped_for_budget > 0, "{}", render_text(&report));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_write_guard_stops_spending_requests_before_they_are_sent() {
    let mock = MockApi::start().await;
    let target = Target::from_config(&live_config(&mock, &ALL_FIXTURES))
        .await
        .unwrap();
    let key = mock.api_key();
    let submit = Request::new(Method::POST, "/api/v1/tam/build")
        .key(&key)
        .json(&serde_json::json!({"query": "x"}));
    let paused = mock.fixture(JobState::Paused).unwrap();
    let resume = Request::new(Method::POST, format!("/api/v1/tam/build/{paused}/resume")).key(&key);
    for request in [submit, resume] {
        match target.send(request).await {
            Err(SendError::Blocked { reason }) => {
                assert!(reason.contains("OPENFUNNEL_ALLOW_WRITES=1"), "{reason}")
            }
            other => panic!("must be blocked, got {other:?}"),
        }
    }
    assert_eq!(mock.request_count(), 0);
    // A terminal fixture and an unknown job may be probed: they cannot spend.
    let completed = mock.fixture(JobState::Completed).unwrap();
    let probe = Request::new(
        Method::POST,
        format!("/api/v1/tam/build/{completed}/resume"),
    )
    .key(&key);
    assert_eq!(target.send(probe).await.unwrap().status(), 409);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_writes_every_created_job_is_cancelled_at_the_end() {
    let mock = MockApi::builder()
        .system_clock()
        .band_duration(Duration::from_millis(25))
        .start()
        .await;
    let mut config = live_config(
        &mock,
        &[JobState::Completed, JobState::Failed, JobState::Cancelled],
    );
    config.allow_writes = true;
    config.limits.wait = Duration::from_secs(5);
    let target = Target::from_config(&config).await.unwrap();
    let options = SuiteOptions {
        only: vec![
            "submit".into(),
            "pause-running".into(),
            "cancel-running".into(),
        ],
        ..SuiteOptions::default()
    };
    let report = run_suite(&target, &options).await;
    assert!(report.passed(), "{}", render_text(&report));
    assert!(!report.created_jobs.is_empty());
    let key = mock.api_key();
    for job in &report.created_jobs {
        let state = mock.job_state(&key, job).unwrap();
        assert!(
            state.is_terminal() || state == JobState::Cancelling,
            "{job} is {state}"
        );
    }
}
