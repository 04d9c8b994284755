//! The `check` command end to end: formats, output files, colour only on a
//! terminal, `--min-coverage`, `--deviations`, and exit codes (0 pass, 1
//! fail, 2 set-up error). Every run selects a few rules (`--only`) to stay
//! short; each test has its own files and mock, so tests can be sharded.

use std::process::Output;

use crate::run::{Scratch, run, run_async, text};
use crate::support::{faulty_mock, resume_of_completed_answers_200};
use openfunnel_contract::JobState;
use openfunnel_contract::mock::MockApi;
use openfunnel_contract::report::JSON_SCHEMA;
use serde_json::Value;

#[test]
fn json_to_a_file_validates_against_the_schema() {
    let dir = Scratch::new("report-json");
    let file = dir.path("report.json");
    let out = run(
        &[
            "check",
            "--only",
            "pause-paused",
            "--format",
            "json",
            "--output",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "--output needs a value");
    let path = file.display().to_string();
    let out = run(
        &[
            "check",
            "--only",
            "pause-paused",
            "--format",
            "json",
            "--output",
            &path,
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "", "the report goes to the file only");
    assert!(text(&out.stderr).contains("report written to"));
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let schema: Value = serde_json::from_str(JSON_SCHEMA).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(validator.is_valid(&report));
    assert_eq!(report["rules"][0]["id"], "pause-paused");
    assert_eq!(report["result"], "pass");
}

#[test]
fn junit_from_the_environment_and_text_without_colour_when_piped() {
    let out = run(
        &["check", "--only", "pause-paused"],
        &[("OPENFUNNEL_FORMAT", "junit")],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let xml = text(&out.stdout);
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites"));
    assert!(xml.contains("<testcase name=\"pause-paused\" classname=\"embedded mock\""));

    let out = run(&["check", "--only", "pause-paused"], &[]);
    assert_eq!(out.status.code(), Some(0));
    let report = text(&out.stdout);
    assert!(!report.contains('\x1b'), "{report}");
    assert!(report.contains("PASS pause-paused"));
    assert!(report.trim_end().ends_with("— PASS"), "{report}");
}

#[test]
fn bad_values_are_set_up_errors() {
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
    let cases: [Case; 4] = [
        (
            &["check", "--format", "xml"],
            &[],
            "OPENFUNNEL_FORMAT: \"xml\" is not a format; use text, json or junit",
        ),
        (
            &["check"],
            &[("OPENFUNNEL_MIN_COVERAGE", "101")],
            "OPENFUNNEL_MIN_COVERAGE: \"101\" is not a percentage from 0 to 100",
        ),
        (
            &["check", "--min-coverage", "lots"],
            &[],
            "OPENFUNNEL_MIN_COVERAGE: \"lots\" is not a percentage",
        ),
        (
            &["check", "--deviations", "/nonexistent/deviations.json"],
            &[],
            "OPENFUNNEL_DEVIATIONS: cannot read /nonexistent/deviations.json",
        ),
    ];
    for (args, env, expected) in cases {
        let out = run(args, env);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = text(&out.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert_eq!(text(&out.stdout), "", "no report after a set-up error");
    }
}

#[test]
fn min_coverage_fails_a_passing_run_below_it() {
    let out = run(
        &["check", "--only", "pause-paused", "--min-coverage", "90"],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(report.contains("PASS pause-paused"));
    assert!(
        report.contains("FAIL (status coverage 11.8% is below the minimum of 90%)"),
        "{report}"
    );
    let out = run(
        &["check", "--only", "pause-paused"],
        &[("OPENFUNNEL_MIN_COVERAGE", "10%")],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

#[test]
fn a_deviation_without_a_reason_is_a_set_up_error() {
    let dir = Scratch::new("no-reason");
    std::fs::write(
        dir.path("no-reason.json"),
        r#"[{"rule": "pause-paused", "target": "*"}]"#,
    )
    .unwrap();
    let out = run(&["check", "--deviations", &dir.arg("no-reason.json")], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("entry 1 (rule \"pause-paused\"): no reason"),
        "{}",
        text(&out.stderr)
    );
}

/// `check` of terminal-409 as a live target against a broken mock (resume
/// of the completed fixture answers 200), with extra arguments.
async fn live_terminal_409(mock: &MockApi, extra: &[&str]) -> Output {
    let mut args: Vec<String> = ["check", "--target", "live", "--only", "terminal-409"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    let env = vec![
        ("OPENFUNNEL_BASE_URL".to_owned(), mock.uri()),
        (
            "OPENFUNNEL_API_KEY".to_owned(),
            mock.api_key().expose().to_owned(),
        ),
        (
            "OPENFUNNEL_JOB_COMPLETED".to_owned(),
            mock.fixture(JobState::Completed).unwrap(),
        ),
        ("OPENFUNNEL_RPS".to_owned(), "1000".to_owned()),
    ];
    run_async(args, env).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deviation_file_turns_a_failing_live_run_into_a_passing_one() {
    let mock = faulty_mock(resume_of_completed_answers_200).await;
    let out = live_terminal_409(&mock, &[]).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("FAIL terminal-409"));

    let dir = Scratch::new("deviations");
    let file = dir.path("deviations.json");
    std::fs::write(
        &file,
        r#"{"deviations": [{"rule": "terminal-409", "target": "live", "contains": "[resume-completed]",
            "reason": "staging answers 200 to resume of a finished job (TICKET-12)", "expires": "2999-12-31"}]}"#,
    )
    .unwrap();
    let path = file.display().to_string();
    let out = live_terminal_409(&mock, &["--deviations", &path]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let report = text(&out.stdout);
    assert!(report.contains("KNOWN terminal-409"), "{report}");
    assert!(
        report.contains(
            "terminal-409 [live] containing \"[resume-completed]\": known: 1 violation(s) accepted"
        ),
        "{report}"
    );
    assert!(
        !report.contains(mock.api_key().expose()),
        "the key never shows"
    );

    std::fs::write(
        &file,
        r#"[{"rule": "terminal-409", "target": "*", "reason": "accepted once", "expires": "2000-01-01"}]"#,
    )
    .unwrap();
    let out = live_terminal_409(&mock, &["--deviations", &path, "--format", "junit"]).await;
    assert_eq!(out.status.code(), Some(1), "an expired entry fails the run");
    let xml = text(&out.stdout);
    assert!(xml.contains("<testcase name=\"known-deviations\""), "{xml}");
    assert!(xml.contains("1 known deviation(s) expired"), "{xml}");
}

#[test]
fn rules_still_lists_every_rule() {
    let out = run(&["rules"], &[]);
    assert_eq!(out.status.code(), Some(0));
    let listing = text(&out.stdout);
    for rule in openfunnel_contract::suite::rules() {
        assert!(listing.contains(rule.id), "{}", rule.id);
    }
}

#[test]
fn only_and_skip_take_exact_ids_and_an_unknown_id_is_a_set_up_error() {
    let out = run(&["check", "--only", "nonexistent"], &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("no rule nonexistent among: unknown-job-404, "),
        "{err}"
    );
    assert!(text(&out.stdout).is_empty(), "nothing ran");

    let out = run(&["check", "--only", "submit"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(report.contains("PASS submit ("), "{report}");
    assert!(
        !report.contains("submit-invalid-422"),
        "exact ids: {report}"
    );
    assert!(report.contains("1 passed, 0 failed, 0 skipped"), "{report}");

    // The env twin takes a comma-separated list.
    let out = run(
        &["check"],
        &[
            ("OPENFUNNEL_ONLY", "submit,pagination"),
            ("OPENFUNNEL_SKIP", "pagination"),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("1 passed, 0 failed, 0 skipped"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fail_on_skip_fails_a_run_that_skipped_a_rule() {
    // Live without a second key: the isolation rule is skipped.
    let mock = MockApi::start().await;
    let env = vec![
        ("OPENFUNNEL_TARGET".to_owned(), "live".to_owned()),
        ("OPENFUNNEL_BASE_URL".to_owned(), mock.uri()),
        (
            "OPENFUNNEL_API_KEY".to_owned(),
            mock.api_key().expose().to_owned(),
        ),
        ("OPENFUNNEL_RPS".to_owned(), "1000".to_owned()),
    ];
    let args = |extra: &[&str]| {
        let mut args = vec!["check".to_owned(), "--only".into(), "isolation-404".into()];
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    };
    let out = run_async(args(&[]), env.clone()).await;
    assert_eq!(out.status.code(), Some(0), "a skip alone passes");
    assert!(text(&out.stdout).contains("set OPENFUNNEL_OTHER_API_KEY"));
    let out = run_async(args(&["--fail-on-skip"]), env.clone()).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("FAIL (1 rule skipped (fail on skip))"));
    let mut with_twin = env;
    with_twin.push(("OPENFUNNEL_FAIL_ON_SKIP".into(), "1".into()));
    let out = run_async(args(&[]), with_twin).await;
    assert_eq!(out.status.code(), Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_check_writes_nothing_in_its_directory() {
    // Unknown jobs answer 500: unknown-job-404 fails and proptest shrinks.
    let mock = faulty_mock(
        |_: &openfunnel_contract::mock::Call, answer: &mut openfunnel_contract::mock::Answer| {
            if answer.status == 404 {
                answer.status = 500;
            }
        },
    )
    .await;
    let dir = Scratch::new("empty-dir");
    std::fs::create_dir(dir.path("proptest-regressions")).unwrap();
    let env = [
        ("OPENFUNNEL_TARGET".to_owned(), "live".to_owned()),
        ("OPENFUNNEL_BASE_URL".to_owned(), mock.uri()),
        (
            "OPENFUNNEL_API_KEY".to_owned(),
            mock.api_key().expose().to_owned(),
        ),
        ("OPENFUNNEL_RPS".to_owned(), "1000".to_owned()),
    ];
    let out = tokio::task::block_in_place(|| {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        crate::run::run_in(&dir, &["check", "--only", "unknown-job-404"], &env)
    });
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("minimal failing input"));
    let left: Vec<_> = walk(&dir.0);
    assert_eq!(left, [dir.path("proptest-regressions")], "nothing written");

    // Asked to, it keeps the seed where it was told.
    let file = dir.arg("seeds.txt");
    let out = run_async(
        vec![
            "check".into(),
            "--only".into(),
            "unknown-job-404".into(),
            "--regressions".into(),
            file.clone(),
        ],
        vec![
            ("OPENFUNNEL_TARGET".into(), "live".into()),
            ("OPENFUNNEL_BASE_URL".into(), mock.uri()),
            (
                "OPENFUNNEL_API_KEY".into(),
                mock.api_key().expose().to_owned(),
            ),
            ("OPENFUNNEL_RPS".into(), "1000".into()),
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(std::fs::read_to_string(&file).unwrap().contains("cc "));
}

/// Every path under `dir`, sorted.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(walk(&path));
        }
        found.push(path);
    }
    found.sort();
    found
}

#[test]
fn a_passing_run_counts_unmatched_requests_in_one_line_and_verbose_lists_them() {
    let args = ["check", "--only", "odd-job-id-4xx"];
    let out = run(&args, &[("PROPTEST_CASES", "64")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let quiet = text(&out.stdout);
    let counted = quiet
        .lines()
        .filter(|l| l.contains("matched no route of the mock"))
        .count();
    // Seed 0 draws IDs with an encoded '/', which no mock route matches.
    assert_eq!(counted, 1, "{quiet}");
    assert!(!quiet.contains("\n  - "), "no list on a pass: {quiet}");
    let out = run(
        &args,
        &[("PROPTEST_CASES", "64"), ("OPENFUNNEL_VERBOSE", "1")],
    );
    assert!(
        text(&out.stdout).contains("\n  - "),
        "{}",
        text(&out.stdout)
    );
}
