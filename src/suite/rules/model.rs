//! The model as a rule: random sequences of submits, polls, control calls
//! and passing time, each answer judged against what the reference model
//! allows, a failure shrunk to a minimal sequence. `check` and `cargo test`
//! judge alike.

use super::super::Rule;
use super::super::session::{Session, Stop};
use crate::model::{ModelOptions, ModelOutcome, ModelRunner, Scope};

/// Sequences on the mock unless `SuiteOptions::cases` or `PROPTEST_CASES`
/// say otherwise (each sequence is up to 24 steps).
const MOCK_SEQUENCES: u32 = 32;

/// `model`.
pub(super) const MODEL: Rule = rule!(
    "model",
    "random sequences of submit, poll, pause, resume, cancel and passing time get only answers the reference model allows; a failure is shrunk to a minimal sequence",
    "every judgement of the other rules (cells, timelines, isolation), lifted to what the model believes after each answer",
    model_sequences
);

async fn model_sequences(session: &mut Session) -> Result<(), Stop> {
    let target = session.target().clone();
    if !target.seeds_on_demand() && !target.allow_writes() {
        return Err(Stop::Skip(
            "the model pauses, resumes and submits jobs, which can spend credits; set OPENFUNNEL_ALLOW_WRITES=1".into(),
        ));
    }
    let seed = session.options().seed;
    let cases = session.options().cases;
    let mut options = if target.seeds_on_demand() {
        let mut options = ModelOptions::mock();
        if std::env::var("PROPTEST_CASES").is_err() {
            options.cases = MOCK_SEQUENCES;
        }
        options
    } else {
        ModelOptions::live()
    };
    if let Some(cases) = cases {
        options.cases = cases.min(options.cases.max(1));
    }
    options = options.seeded(seed);
    let scope = Scope::for_target(&target).await;
    let handle = tokio::runtime::Handle::current();
    let runner = ModelRunner::with_handle(options.clone(), handle);
    let outcome = tokio::task::spawn_blocking(move || {
        runner.run(scope, || {
            let target = target.clone();
            async move { Ok(target) }
        })
    })
    .await
    .map_err(|e| Stop::Skip(format!("the model stopped: {e}")))?
    .map_err(|e| Stop::Skip(format!("the model could not run: {e}")))?;
    match outcome {
        ModelOutcome::Pass(pass) => {
            session.note(format!(
                "{} sequences ({} steps) passed, seed {seed}",
                pass.cases, pass.steps
            ));
            if let Some(reason) = pass.halted {
                session.note(format!("stopped early: {reason}"));
            }
            Ok(())
        }
        ModelOutcome::Fail(failure) => {
            session.minimal_input(format!(
                "model (seed {seed}): shrunk to the minimal failing sequence of {} steps:\n{}",
                failure.records.len(),
                crate::model::sequence(&failure.records, &failure.target)
            ));
            Err(failure.violation.into())
        }
    }
}
