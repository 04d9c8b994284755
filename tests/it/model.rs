//! The model test (issue 6): random call sequences against the embedded
//! mock, every answer checked against the reference model of the job
//! lifecycle. Against live only with `OPENFUNNEL_TARGET=live` and
//! `OPENFUNNEL_ALLOW_WRITES=1`, with few, short sequences.
//!
//! Plain `#[test]`s: the runner owns its Tokio runtime and blocks on it.

use openfunnel_contract::mock::MockTransport;
use openfunnel_contract::model::{ModelOptions, ModelOutcome, ModelRunner, Scope};
use openfunnel_contract::{Config, Target, TargetKind};

/// The default model test: `PROPTEST_CASES` sequences (256 by default) of
/// up to 24 steps, a fresh mock each, reached in process (the default of
/// `ModelOptions::mock`; `model_as_a_state_machine_test` and the suite's
/// `model` rule run over HTTP); failing seeds go to
/// `proptest-regressions/model.txt` and are replayed first.
#[test]
fn model_against_the_mock() {
    let options = ModelOptions::mock();
    assert_eq!(options.mock_transport, MockTransport::InProcess);
    let runner = ModelRunner::new(options).expect("runtime");
    let outcome = runner.run_on_mock(Scope::mock()).expect("the mock starts");
    match outcome {
        ModelOutcome::Pass(pass) => {
            eprintln!(
                "model: {} sequences, {} steps against the mock in {:.2} s",
                pass.cases,
                pass.steps,
                pass.elapsed.as_secs_f64()
            );
            assert_eq!(pass.halted, None);
            assert_eq!(pass.cases, runner.options().cases as usize);
        }
        ModelOutcome::Fail(failure) => panic!("{failure}"),
    }
}

/// Live, with writes allowed: 2 sequences (or `PROPTEST_CASES`) of up to
/// 6 steps within the target's budget; jobs the model submits are
/// cancelled. Skipped with the reason otherwise.
#[test]
fn model_against_live() {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => panic!("set-up error: {error}"),
    };
    if config.target != TargetKind::Live {
        eprintln!("skipped: the model runs against live only with OPENFUNNEL_TARGET=live");
        return;
    }
    if !config.allow_writes {
        eprintln!(
            "skipped: the model submits, resumes and cancels jobs, which can spend credits; set OPENFUNNEL_ALLOW_WRITES=1"
        );
        return;
    }
    let runner = ModelRunner::new(ModelOptions::live()).expect("runtime");
    let target = runner
        .block_on(Target::from_config(&config))
        .unwrap_or_else(|error| panic!("set-up error: {error}"));
    let scope = runner.block_on(Scope::for_target(&target));
    let outcome = runner.run(scope, || {
        let target = target.clone();
        async move { Ok(target) }
    });
    runner.block_on(openfunnel_contract::suite::cleanup(&target));
    match outcome.unwrap_or_else(|error| panic!("set-up error: {error}")) {
        ModelOutcome::Pass(pass) => {
            eprintln!(
                "model: {} sequences, {} steps, {} requests against live",
                pass.cases,
                pass.steps,
                target.requests_sent()
            );
            if let Some(reason) = pass.halted {
                eprintln!("stopped early: {reason}");
            }
        }
        ModelOutcome::Fail(failure) => panic!("{failure}"),
    }
}
