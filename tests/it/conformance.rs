//! The conformance suite under `cargo test`: every rule against the target
//! the environment names — the embedded mock by default, a deployment with
//! `OPENFUNNEL_TARGET=live` (see the README for the live variables).
//!
//! Each rule is its own test with its own target, so tests share no state
//! and can be sharded (`cargo nextest run --partition count:1/2`).

use openfunnel_contract::suite::{Outcome, SuiteOptions, rule};
use openfunnel_contract::{Target, TargetKind};

async fn run(id: &str) {
    let target = match Target::from_env().await {
        Ok(target) => target,
        Err(error) => panic!("set-up error: {error}"),
    };
    let rule = rule(id).expect("a rule of the suite");
    let report = rule
        .run(&target, &SuiteOptions::with_default_regressions())
        .await;
    openfunnel_contract::suite::cleanup(&target).await;
    for note in &report.notes {
        eprintln!("note: {note}");
    }
    match report.outcome {
        Outcome::Pass => {}
        Outcome::Skip(reason) if target.kind() == TargetKind::Live => {
            eprintln!("skipped: {reason}")
        }
        Outcome::Skip(reason) => {
            panic!("{id} skipped on the mock, where every rule must run: {reason}")
        }
        Outcome::Fail(violations) => {
            let text: Vec<String> = violations.iter().map(ToString::to_string).collect();
            panic!("{id} failed:\n{}", text.join("\n"));
        }
    }
}

/// One test per rule, and the list of the rules that have one.
macro_rules! conformance {
    ($($name:ident => $id:literal,)*) => {
        const TESTED: &[&str] = &[$($id),*];
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                run($id).await;
            }
        )*
    };
}

conformance! {
    unknown_job_404 => "unknown-job-404",
    odd_job_id_4xx => "odd-job-id-4xx",
    terminal_409 => "terminal-409",
    terminal_stays_terminal => "terminal-stays-terminal",
    resume_paused => "resume-paused",
    pause_paused => "pause-paused",
    pause_running => "pause-running",
    cancel_running => "cancel-running",
    submit => "submit",
    submit_invalid_422 => "submit-invalid-422",
    missing_key_422 => "missing-key-422",
    isolation_404 => "isolation-404",
    pagination => "pagination",
    control_matrix => "control-matrix",
    model => "model",
}

#[test]
fn every_rule_has_a_test() {
    for rule in openfunnel_contract::suite::rules() {
        assert!(
            TESTED.contains(&rule.id),
            "rule {} has no test here",
            rule.id
        );
    }
}
