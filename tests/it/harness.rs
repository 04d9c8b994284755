//! The per-rule test harness (feature `harness`): one libtest trial per
//! rule, named by its id; a skip is ignored with its reason, or a failure
//! under fail-on-skip. Each test runs the trials in-process through
//! libtest-mimic with `--exact` and one thread, as `cargo test NAME` would,
//! its output in a log file (not this binary's stdout, where its
//! `test result: FAILED` lines would read as this run's).

use openfunnel_contract::harness::libtest_mimic::{self, Arguments, Conclusion};
use openfunnel_contract::harness::{Harness, test_name};
use openfunnel_contract::mock::MockApi;
use openfunnel_contract::suite::rules;
use openfunnel_contract::{Config, Target};

/// Runs the trial `name` alone; its conclusion and what it printed.
fn run_one(harness: &Harness, name: &str, case: &str) -> (Conclusion, String) {
    let log = std::env::temp_dir().join(format!(
        "openfunnel-harness-{case}-{}.log",
        std::process::id()
    ));
    let log_arg = format!("--logfile={}", log.display());
    let args = Arguments::from_iter(["it", "--exact", name, "--test-threads=1", &log_arg]);
    let conclusion = libtest_mimic::run(&args, harness.trials());
    let printed = std::fs::read_to_string(&log).unwrap_or_default();
    let _ = std::fs::remove_file(&log);
    (conclusion, printed)
}

#[test]
fn every_rule_is_one_test_named_by_its_id() {
    let harness = Harness::new(Target::mock);
    let names: Vec<String> = harness
        .trials()
        .iter()
        .map(|t| t.name().to_owned())
        .collect();
    let ids: Vec<String> = rules().iter().map(|r| r.id.replace('-', "_")).collect();
    assert_eq!(names, ids);
    assert_eq!(test_name("terminal-409"), "terminal_409");
    assert!(names.iter().all(|n| !n.contains('-')), "{names:?}");
}

#[test]
fn a_rule_passes_against_the_mock() {
    let (conclusion, printed) = run_one(&Harness::new(Target::mock), "terminal_409", "pass");
    assert!(printed.contains("test terminal_409 ... ok"), "{printed}");
    assert_eq!(
        (
            conclusion.num_passed,
            conclusion.num_failed,
            conclusion.num_filtered_out
        ),
        (1, 0, rules().len() as u64 - 1)
    );
}

/// A read-only live run without fixtures: `terminal-409` has no terminal
/// job, so it is ignored with its reason, or fails under fail-on-skip.
#[test]
fn a_skip_is_ignored_or_fails_under_fail_on_skip() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mock = runtime.block_on(MockApi::start());
    let config = Config::live(&mock.uri(), mock.api_key()).unwrap().rps(None);
    let factory = move || {
        let config = config.clone();
        async move { Target::from_config(&config).await }
    };
    let harness = Harness::new(factory).fail_on_skip(false);
    let (ignored, printed) = run_one(&harness, "terminal_409", "ignored");
    assert_eq!((ignored.num_ignored, ignored.num_failed), (1, 0));
    assert!(
        printed.contains(
            "test terminal_409 ... ignored (no terminal job: set Config::fixture(JobState::Completed, ..), Config::fixture(JobState::Failed, ..) or Config::fixture(JobState::Cancelled, ..))"
        ),
        "{printed}"
    );
    let (failed, printed) = run_one(&harness.fail_on_skip(true), "terminal_409", "fail-on-skip");
    assert_eq!((failed.num_ignored, failed.num_failed), (0, 1));
    assert!(
        printed.contains(
            "skipped, and OPENFUNNEL_FAIL_ON_SKIP=1 fails a skipped rule: no terminal job"
        ),
        "{printed}"
    );
    drop(mock);
}

#[test]
fn a_target_that_cannot_be_set_up_fails_the_rule() {
    let factory = || async {
        Target::from_config(&Config::live(
            "http://127.0.0.1:9",
            openfunnel_contract::ApiKey::new("bad\nkey"),
        )?)
        .await
    };
    let (conclusion, printed) = run_one(&Harness::new(factory), "pagination", "setup");
    assert_eq!(conclusion.num_failed, 1);
    assert!(
        printed.contains("cannot set up the target: OPENFUNNEL_API_KEY"),
        "{printed}"
    );
}
