//! Spend safety, counted on the server side: a recording mock (its Fault
//! hook sees every call) stands in for a live deployment. Read-only runs
//! send no submit and change no job that is not terminal; no run sends
//! more than its budget; the rate limit holds; every job a run created is
//! cancelled, also when its rule failed and when the budget ran out.

use openfunnel_contract::Endpoint;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use openfunnel_contract::mock::{Answer, Call, MockApi};
use openfunnel_contract::report::render_text;
use openfunnel_contract::suite::{Outcome, SuiteOptions, cleanup, run_suite};
use openfunnel_contract::{Config, JobState, Request, SendError, Target};
use reqwest::Method;
use serde_json::json;

/// One call the mock answered, and when.
#[derive(Debug, Clone)]
struct Record {
    at: Instant,
    call: Call,
}

#[derive(Clone, Default)]
struct Recorder {
    calls: Arc<Mutex<Vec<Record>>>,
    created: Arc<Mutex<Vec<String>>>,
}

impl Recorder {
    fn calls(&self) -> Vec<Record> {
        self.calls.lock().unwrap().clone()
    }

    fn created(&self) -> Vec<String> {
        self.created.lock().unwrap().clone()
    }

    /// A mock that records every call, then lets `fault` change the answer.
    async fn mock(
        &self,
        system_clock: bool,
        fault: impl Fn(&Call, &mut Answer) + Send + Sync + 'static,
    ) -> MockApi {
        let recorder = self.clone();
        let mut builder = MockApi::builder().fault(move |call: &Call, answer: &mut Answer| {
            if call.operation == Some(Endpoint::Submit)
                && answer.status == 200
                && let Some(id) = answer.body_json()["job_id"].as_str()
            {
                recorder.created.lock().unwrap().push(id.to_owned());
            }
            fault(call, answer);
            recorder.calls.lock().unwrap().push(Record {
                at: Instant::now(),
                call: call.clone(),
            });
        });
        if system_clock {
            builder = builder
                .system_clock()
                .band_duration(Duration::from_millis(25));
        }
        builder.start().await
    }
}

fn no_fault(_: &Call, _: &mut Answer) {}

/// A live configuration pointed at the mock with its primary key, a
/// second tenant, and a fixture for every one of the eight states.
fn live(mock: &MockApi, allow_writes: bool) -> Config {
    let mut config = Config::live(&mock.uri(), mock.api_key()).unwrap();
    config.other_api_key = Some(mock.other_api_key());
    config.allow_writes = allow_writes;
    config.limits.rps = None;
    config.limits.timeout = Duration::from_secs(5);
    config.limits.wait = Duration::from_millis(300);
    for (state, id) in mock.fixtures() {
        config.fixtures.insert(state, id);
    }
    config
}

fn options() -> SuiteOptions {
    SuiteOptions {
        cases: Some(4),
        ..SuiteOptions::default()
    }
}

fn primary(call: &Call) -> bool {
    call.key.as_deref() == Some(openfunnel_contract::mock::PRIMARY_KEY)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_run_sends_no_submit_and_changes_no_moving_job() {
    let recorder = Recorder::default();
    let mock = recorder.mock(false, no_fault).await;
    let before = mock.jobs(&mock.api_key());
    let target = Target::from_config(&live(&mock, false)).await.unwrap();
    let report = run_suite(&target, &options()).await;
    assert!(report.passed(), "{}", render_text(&report));

    let calls = recorder.calls();
    let submits: Vec<&Record> = calls
        .iter()
        .filter(|r| r.call.operation == Some(Endpoint::Submit) && r.call.key.is_some())
        .collect();
    assert!(submits.is_empty(), "keyed submits: {submits:#?}");
    let changes: Vec<&Record> = calls
        .iter()
        .filter(|r| {
            matches!(
                r.call.operation,
                Some(Endpoint::Pause | Endpoint::Resume | Endpoint::Cancel)
            ) && r.call.state_before.is_some_and(|s| !s.is_terminal())
        })
        .collect();
    assert!(changes.is_empty(), "controls of moving jobs: {changes:#?}");
    // The run did probe: terminal fixtures were paused, resumed, cancelled.
    let probes = calls
        .iter()
        .filter(|r| primary(&r.call) && r.call.state_before.is_some_and(JobState::is_terminal))
        .filter(|r| r.call.operation != Some(Endpoint::Poll))
        .count();
    assert!(probes >= 9, "{probes} probes of terminal fixtures");
    assert_eq!(mock.jobs(&mock.api_key()), before, "no job changed");
    assert!(recorder.created().is_empty());
    assert_eq!(calls.len() as u32, target.requests_sent());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_budget_is_ever_exceeded_with_or_without_writes() {
    for allow_writes in [false, true] {
        for budget in [1, 2, 3, 7, 20, 45] {
            let recorder = Recorder::default();
            let mock = recorder.mock(true, no_fault).await;
            let mut config = live(&mock, allow_writes);
            config.limits.max_requests = budget;
            let target = Target::from_config(&config).await.unwrap();
            let report = run_suite(&target, &options()).await;
            let reached = mock.request_count();
            assert!(
                reached <= budget as usize,
                "writes {allow_writes}, budget {budget}: {reached} requests reached the server"
            );
            assert_eq!(recorder.calls().len(), reached);
            assert!(report.requests <= budget);
            let key = mock.api_key();
            for job in recorder.created() {
                let state = mock.job_state(&key, &job).unwrap();
                assert!(
                    state.is_terminal() || state == JobState::Cancelling,
                    "budget {budget}: created job {job} left {state}"
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spent_budget_keeps_one_request_for_each_created_jobs_cancel() {
    let recorder = Recorder::default();
    let mock = recorder.mock(false, no_fault).await;
    let mut config = live(&mock, true);
    config.limits.max_requests = 2;
    let target = Target::from_config(&config).await.unwrap();
    let key = mock.api_key();
    let submit = Request::new(Method::POST, "/api/v1/tam/build")
        .key(&key)
        .json(&json!({"query": "spend safety probe"}));
    let created = target.send(submit.clone()).await.unwrap();
    let job = created.body_str("job_id").unwrap();
    // The second request of the budget is held for the cancel.
    let poll = Request::new(Method::GET, format!("/api/v1/tam/build/{job}")).key(&key);
    assert!(matches!(
        target.send(poll).await,
        Err(SendError::Budget { max_requests: 2 })
    ));
    assert!(matches!(
        target.send(submit.clone()).await,
        Err(SendError::Budget { .. })
    ));
    cleanup(&target).await;
    assert_eq!(mock.request_count(), 2);
    assert_eq!(mock.job_state(&key, &job), Some(JobState::Cancelling));

    // A budget of one cannot cover a submit and its cancel: not sent.
    let mut config = live(&mock, true);
    config.limits.max_requests = 1;
    let target = Target::from_config(&config).await.unwrap();
    assert!(matches!(
        target.send(submit).await,
        Err(SendError::Budget { max_requests: 1 })
    ));
    assert_eq!(mock.request_count(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rate_limit_holds_on_the_server_side() {
    const RPS: f64 = 50.0;
    let recorder = Recorder::default();
    let mock = recorder.mock(false, no_fault).await;
    let mut config = live(&mock, false);
    config.limits.rps = Some(RPS);
    let target = Target::from_config(&config).await.unwrap();
    let options = SuiteOptions {
        only: vec![
            "unknown-job-404".into(),
            "missing-key-422".into(),
            "terminal-409".into(),
        ],
        ..options()
    };
    // The rules run concurrently on live; the limit is the client's.
    let report = run_suite(&target, &options).await;
    assert!(report.passed(), "{}", render_text(&report));
    let times: Vec<Instant> = recorder.calls().iter().map(|r| r.at).collect();
    let n = times.len();
    assert!(n >= 30, "{n} requests");
    let span = *times.iter().max().unwrap() - *times.iter().min().unwrap();
    let least = Duration::from_secs_f64((n - 1) as f64 / RPS) - Duration::from_millis(50);
    assert!(
        span >= least,
        "{n} requests in {span:?}; at {RPS}/s they need {least:?}"
    );
}

/// Runs `only` with writes against a mock with `fault`; returns the report,
/// the mock and the jobs its submits created.
async fn with_writes(
    only: &[&str],
    fault: impl Fn(&Call, &mut Answer) + Send + Sync + 'static,
) -> (
    openfunnel_contract::suite::SuiteReport,
    MockApi,
    Vec<String>,
) {
    let recorder = Recorder::default();
    let mock = recorder.mock(true, fault).await;
    let target = Target::from_config(&live(&mock, true)).await.unwrap();
    let options = SuiteOptions {
        only: only.iter().map(|s| s.to_string()).collect(),
        ..options()
    };
    let report = run_suite(&target, &options).await;
    (report, mock, recorder.created())
}

fn assert_all_cancelled(mock: &MockApi, created: &[String]) {
    assert!(!created.is_empty(), "the run created no job");
    for job in created {
        let state = mock.job_state(&mock.api_key(), job).unwrap();
        assert!(
            state.is_terminal() || state == JobState::Cancelling,
            "{job} left {state}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_whose_submit_answer_breaks_the_contract_is_still_cancelled() {
    // The job is created, but the answer breaks its schema: the submit
    // rule fails on the spec checks before it could note the job.
    let (report, mock, created) = with_writes(&["submit"], |call, answer| {
        if call.operation == Some(Endpoint::Submit) && answer.status == 200 {
            let mut body = answer.body_json();
            body["message"] = serde_json::json!(12);
            answer.set_json(&body);
        }
    })
    .await;
    assert!(matches!(report.rules[0].outcome, Outcome::Fail(_)));
    assert_eq!(report.created_jobs, created);
    assert_all_cancelled(&mock, &created);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rule_that_fails_after_its_submit_still_has_its_job_cancelled() {
    // Polls of the new (pending or running) job answer 500.
    let (report, mock, created) = with_writes(&["submit"], |call, answer| {
        if call.operation == Some(Endpoint::Poll)
            && matches!(
                call.state_before,
                Some(JobState::Pending | JobState::Running)
            )
        {
            *answer = Answer::json(500, &json!({"detail": "boom"}));
        }
    })
    .await;
    assert!(matches!(report.rules[0].outcome, Outcome::Fail(_)));
    assert_all_cancelled(&mock, &created);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_run_with_writes_and_a_broken_server_cancels_everything_it_created() {
    // Every answer about a running job is a 500.
    let (report, mock, created) = with_writes(&[], |call, answer| {
        if call.state_before == Some(JobState::Running) {
            *answer = Answer::json(500, &json!({"detail": "boom"}));
        }
    })
    .await;
    assert!(!report.passed());
    assert_eq!(report.created_jobs.len(), created.len());
    assert_all_cancelled(&mock, &created);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_spelling_of_submit_is_refused_without_writes() {
    let recorder = Recorder::default();
    let mock = recorder.mock(false, no_fault).await;
    let key = mock.api_key();
    let spellings = [
        "/api/v1/tam/%62uild",
        "/api/v1/tam/./build",
        "/api/v1/x/../tam/build",
        "/api/v1/tam/build/",
        "/api/v1/tam/build?",
    ];
    let read_only = Target::from_config(&live(&mock, false)).await.unwrap();
    for path in spellings {
        let submit = Request::new(Method::POST, path)
            .key(&key)
            .json(&json!({"query": "spend safety probe"}));
        match read_only.send(submit).await {
            Err(SendError::Blocked { reason }) => {
                assert!(
                    reason.contains("OPENFUNNEL_ALLOW_WRITES=1"),
                    "{path}: {reason}"
                )
            }
            other => panic!("{path} must be blocked, got {other:?}"),
        }
    }
    assert_eq!(mock.request_count(), 0);
    // The refusal matters: the mock (like FastAPI) routes the encoded
    // spelling to submit, and a job would be created and charged.
    let writes = Target::from_config(&live(&mock, true)).await.unwrap();
    let submit = Request::new(Method::POST, spellings[0])
        .key(&key)
        .json(&json!({"query": "spend safety probe"}));
    let answer = writes.send(submit).await.unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(recorder.created().len(), 1);
    assert_eq!(writes.created_jobs(), recorder.created());
    cleanup(&writes).await;
    assert_all_cancelled(&mock, &recorder.created());
}
