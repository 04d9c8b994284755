//! Live runs against a local HTTP server (the mock on a system clock, seen
//! as a live deployment): every cell with writes and fixtures, fixtures put
//! back, spend reported and capped, the same seed sending the same
//! requests.

use std::time::Duration;

use openfunnel_contract::mock::MockApi;
use openfunnel_contract::report::{redact, render_text};
use openfunnel_contract::suite::{Outcome, SuiteOptions, SuiteReport, run_suite};
use openfunnel_contract::{Config, JobState, Target};

/// A local server whose jobs take long enough (40 bands of 150 ms) that a
/// run can catch each state, with its fixtures.
async fn local_server() -> MockApi {
    MockApi::builder()
        .system_clock()
        .band_duration(Duration::from_millis(150))
        .bands_total(40)
        .start()
        .await
}

/// Writes allowed, a second key, every fixture, no rate limit, no credit
/// cap, and room for the polls of 24 cells (the live default budget, 300
/// requests, is for read-only runs).
fn config(server: &MockApi) -> Config {
    let mut config = writes(server);
    for state in [
        JobState::Completed,
        JobState::Failed,
        JobState::Cancelled,
        JobState::Paused,
        JobState::Running,
    ] {
        config = config.fixture(state, server.fixture(state).unwrap());
    }
    config
}

/// The settings of [`config`] without the fixtures.
fn writes(server: &MockApi) -> Config {
    Config::live(&server.uri(), server.api_key())
        .unwrap()
        .allow_writes(true)
        .other_api_key(server.other_api_key())
        .unwrap()
        .rps(None)
        .max_requests(2_000)
        .wait(Duration::from_secs(5))
        .max_credits(None)
}

fn options() -> SuiteOptions {
    SuiteOptions {
        cases: Some(4),
        ..SuiteOptions::default()
    }
}

fn note<'a>(report: &'a SuiteReport, rule: &str, starts: &str) -> Option<&'a String> {
    let rule = report.rules.iter().find(|r| r.id == rule)?;
    rule.notes.iter().find(|n| n.starts_with(starts))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_and_fixtures_take_every_cell_and_put_the_paused_fixture_back() {
    let server = local_server().await;
    let paused = server.fixture(JobState::Paused).unwrap();
    let target = Target::from_config(&config(&server)).await.unwrap();
    let report = run_suite(&target, &options()).await;

    let text = render_text(&report);
    assert!(report.passed(), "{text}");
    assert!(report.ran_everything(), "no rule may skip: {text}");
    let cells = note(&report, "control-matrix", "24 of 24 cells").is_some();
    assert!(cells, "{text}");
    assert_eq!(
        server.job_state(&server.api_key(), &paused),
        Some(JobState::Paused),
        "the paused fixture is paused again: {text}"
    );
    // The fixture was lent to one rule; if that rule changed it, the report
    // says so, and that it went back.
    for line in report.fixtures.iter().filter(|line| line.contains(&paused)) {
        assert!(line.ends_with("put back to paused"), "{line}");
    }
    // What was paid for is reported, and every job the run made is stopped.
    assert!(report.spend.credits() > 0, "{text}");
    assert!(text.contains("this run spent "), "{text}");
    for job in &report.created_jobs {
        let state = server.job_state(&server.api_key(), job).unwrap();
        assert!(
            !matches!(state, JobState::Running | JobState::Pending),
            "{job} still {state}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_credit_cap_skips_paid_work_once_spent_and_says_so() {
    let server = local_server().await;
    let target = Target::from_config(&config(&server).max_credits(Some(1)))
        .await
        .unwrap();
    let report = run_suite(&target, &options()).await;
    let text = render_text(&report);
    assert!(!report.passed() || !report.ran_everything(), "{text}");
    let capped: Vec<&str> = report
        .rules
        .iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Skip(reason) if reason.contains("Config::max_credits") => Some(r.id),
            _ => None,
        })
        .collect();
    assert!(!capped.is_empty(), "some paid rule is skipped: {text}");
    assert!(text.contains("; cap 1\n"), "{text}");
    assert_eq!(report.spend.cap, Some(1));
}

/// Everything a run sent and saw that generated inputs decide.
async fn mock_run(seed: u64) -> (Vec<String>, Vec<String>, String) {
    let target = Target::mock().await.unwrap();
    let options = SuiteOptions {
        seed,
        cases: Some(16),
        ..SuiteOptions::default()
    };
    let report = run_suite(&target, &options).await;
    let sent = target
        .record()
        .sent
        .iter()
        .map(|s| format!("{:?} {}", s.operation_id, s.status))
        .collect();
    let text = redact(&render_text(&report))
        .lines()
        .filter(|l| !l.starts_with("this run spent"))
        .collect::<Vec<_>>()
        .join("\n");
    (sent, report.unmatched, text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_seed_sends_the_same_requests_in_the_same_order() {
    let (sent, unmatched, text) = mock_run(7).await;
    let again = mock_run(7).await;
    assert_eq!(sent, again.0, "same seed, same requests and answers");
    assert_eq!(unmatched, again.1, "same seed, same generated odd IDs");
    assert_eq!(text, again.2);
    assert!(text.contains("seed 7 (replay with --seed 7"), "{text}");
    let other = mock_run(8).await;
    assert_ne!(unmatched, other.1, "another seed draws other IDs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_provider_gives_every_rule_its_own_job_in_every_state() {
    let server = std::sync::Arc::new(local_server().await);
    let seeder = server.clone();
    let provided = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = provided.clone();
    let config = writes(&server).jobs(move |key, state| {
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let id = seeder.seed_job(&key, state);
        async move { Ok(id) }
    });
    let target = Target::from_config(&config).await.unwrap();
    let report = run_suite(&target, &options()).await;
    let text = render_text(&report);
    assert!(report.passed() && report.ran_everything(), "{text}");
    assert!(
        note(&report, "control-matrix", "24 of 24 cells").is_some(),
        "{text}"
    );
    assert!(
        provided.load(std::sync::atomic::Ordering::SeqCst) >= 24,
        "every cell asked the provider"
    );
    assert!(report.fixtures.is_empty(), "no fixture was touched: {text}");
}
