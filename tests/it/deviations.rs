//! Known deviations: a listed failure is "known" and does not fail the run,
//! a listed entry that now passes is "fixed, remove it", an expired entry
//! fails the run, and a bad file is a set-up error.

use crate::support::{faulty_mock, on_mock, resume_of_completed_answers_200};
use openfunnel_contract::deviations::{Date, Deviations, EntryStatus};
use openfunnel_contract::report::{RuleStatus, Run, redact, render_run_text, to_json};
use openfunnel_contract::suite::{SuiteOptions, run_suite};

/// terminal-409 failing (the fault) and pause-paused passing, seed 0.
async fn faulty_run() -> Run {
    let target = on_mock(faulty_mock(resume_of_completed_answers_200).await);
    let options = SuiteOptions {
        only: vec!["terminal-409".into(), "pause-paused".into()],
        ..SuiteOptions::default()
    };
    let report = run_suite(&target, &options).await;
    Run::new(&target, report)
}

fn today() -> Date {
    Date::parse("2026-06-01").unwrap()
}

fn judged(mut run: Run, file: &str) -> Run {
    let deviations = Deviations::parse(file).unwrap();
    run.deviations = Some(deviations.apply(&run.report, run.kind, today()));
    run.deviations_file = Some("deviations.json".into());
    run
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deviation_file_turns_a_failing_run_into_a_passing_one() {
    let run = faulty_run().await;
    assert!(!run.passed());
    let run = judged(
        run,
        r#"{"deviations": [
            {"rule": "terminal-409", "target": "mock", "contains": "resumeTamBuildJob",
             "reason": "resume of a finished job answers 200 (TICKET-12)", "expires": "2026-12-31"},
            {"rule": "pause-paused", "target": "*", "reason": "was flaky on staging"},
            {"rule": "pagination", "target": "*", "reason": "not run here"},
            {"rule": "submit", "target": "live", "reason": "live only"}
        ]}"#,
    );
    assert!(run.passed(), "{}", render_run_text(&run, false));
    assert_eq!(run.rule_status(0), RuleStatus::Known);
    let statuses: Vec<EntryStatus> = run
        .deviations
        .as_ref()
        .unwrap()
        .entries
        .iter()
        .map(|e| e.status)
        .collect();
    assert_eq!(
        statuses,
        [
            EntryStatus::Known,
            EntryStatus::Fixed,
            EntryStatus::NotChecked,
            EntryStatus::OtherTarget
        ]
    );
    let text = render_run_text(&run, false);
    snapshot!("deviations_known_run", redact(&text));
    let value = to_json(&run);
    assert_eq!(value["result"], "pass");
    assert_eq!(value["rules"][0]["outcome"], "known");
    assert_eq!(
        value["rules"][0]["violations"][0]["known"]["reason"],
        "resume of a finished job answers 200 (TICKET-12)"
    );
    assert_eq!(value["deviations"]["entries"][1]["status"], "fixed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contains_that_matches_nothing_leaves_the_failure() {
    let run = judged(
        faulty_run().await,
        r#"[{"rule": "terminal-409", "target": "*", "contains": "pauseTamBuildJob", "reason": "r"}]"#,
    );
    assert!(!run.passed());
    assert_eq!(run.rule_status(0), RuleStatus::Fail);
    assert_eq!(
        run.deviations.unwrap().entries[0].status,
        EntryStatus::Fixed
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entry_for_live_does_not_cover_the_mock() {
    let run = judged(
        faulty_run().await,
        r#"[{"rule": "terminal-409", "target": "live", "reason": "staging only"}]"#,
    );
    assert!(!run.passed());
    assert_eq!(
        run.deviations.unwrap().entries[0].status,
        EntryStatus::OtherTarget
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_entry_fails_the_run_and_covers_nothing() {
    let run = judged(
        faulty_run().await,
        r#"[{"rule": "terminal-409", "target": "*", "reason": "was accepted", "expires": "2026-05-31"}]"#,
    );
    assert!(!run.passed());
    assert_eq!(run.rule_status(0), RuleStatus::Fail);
    assert_eq!(
        run.problems(),
        [
            "1 rule failed",
            "the known deviation for terminal-409 expired on 2026-05-31"
        ]
    );
    let run = judged(
        faulty_run().await,
        r#"[{"rule": "pause-paused", "target": "*", "reason": "was accepted", "expires": "2020-01-01"},
            {"rule": "terminal-409", "target": "*", "reason": "accepted"}]"#,
    );
    assert_eq!(
        run.problems(),
        ["the known deviation for pause-paused expired on 2020-01-01"],
        "an expired entry fails even when its rule passes"
    );
}

#[test]
fn bad_files_are_set_up_errors_that_say_which_entry() {
    let cases = [
        ("not json", "not JSON"),
        (r#"{"entries": []}"#, "expected an array of entries"),
        (
            r#"[{"rule": "terminal-409", "target": "*"}]"#,
            "entry 1 (rule \"terminal-409\"): no reason",
        ),
        (
            r#"[{"rule": "terminal-409", "target": "*", "reason": "  "}]"#,
            "no reason",
        ),
        (
            r#"[{"rule": "terminal-409", "target": "staging", "reason": "r"}]"#,
            "target \"staging\" is not",
        ),
        (
            r#"[{"rule": "no-such-rule", "target": "*", "reason": "r"}]"#,
            "no such rule",
        ),
        (
            r#"[{"rule": "submit", "target": "*", "reason": "r", "expires": "31/12/2026"}]"#,
            "is not a date YYYY-MM-DD",
        ),
        (
            r#"[{"rule": "submit", "target": "*", "reason": "r", "reson": "typo"}]"#,
            "unknown field `reson`",
        ),
        (
            r#"[{"rule": "submit", "target": "*", "reason": "r", "contains": ""}]"#,
            "\"contains\" is empty",
        ),
    ];
    for (text, expected) in cases {
        let error = Deviations::parse(text).unwrap_err();
        assert!(error.contains(expected), "{text}: {error}");
    }
    let error = Deviations::load("/nonexistent/deviations.json")
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("OPENFUNNEL_DEVIATIONS: cannot read /nonexistent/deviations.json"),
        "{error}"
    );
}
