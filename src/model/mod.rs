//! Model-based testing of the job lifecycle: random call sequences, run
//! against any [`Target`](crate::Target), each answer checked against a
//! reference model of what a correct service may answer.
//!
//! Fixed rules ([`crate::suite`]) test the paths someone thought of; the
//! model tests the others. A sequence seeds and submits jobs, polls them
//! (with and without a cursor), pauses, resumes and cancels them, as their
//! owner or as the other key, names IDs no job has, and lets time pass.
//! A failing sequence shrinks to a minimal one, printed as numbered steps
//! with the request, the answer and the answers the model allowed, then
//! curl lines to replay it by hand (keys as `$OPENFUNNEL_API_KEY` and
//! `$OPENFUNNEL_OTHER_API_KEY`).
//!
//! ```
//! use openfunnel_contract::model::{ModelOptions, ModelOutcome, ModelRunner, Scope};
//!
//! let options = ModelOptions { cases: 8, ..ModelOptions::mock().seeded(7) };
//! let runner = ModelRunner::new(options)?;
//! // A fresh embedded mock per sequence (seeded IDs, manual clock),
//! // reached in process (`options.mock_transport`); `runner.run(scope,
//! // make_target)` runs on targets of the caller's.
//! match runner.run_on_mock(Scope::mock())? {
//!     ModelOutcome::Pass(pass) => assert_eq!(pass.cases, 8),
//!     ModelOutcome::Fail(failure) => panic!("{failure}"),
//! }
//! # Ok::<(), openfunnel_contract::Error>(())
//! ```
//!
//! # The model
//!
//! Per key, the jobs a sequence has made (`job #0`, `job #1`, …) and for
//! each the **set** of states it may be in (a state set). The set is
//! always closed under the lifecycle's reachable states:
//! between two observations a job may have moved on by itself (pending →
//! running → completed/failed; pausing → paused; cancelling → cancelled; a
//! working job may finish or fail at any point), so the model never
//! depends on timing, and a race between the sequence and a job that
//! moves on its own never fails a correct server. Ticks move the mock's
//! clock so that jobs really do move; they do not change the model.
//!
//! # What it allows, and why
//!
//! | step | allowed answers | rests on |
//! |---|---|---|
//! | submit (valid body) | 200 with status `pending` and a new `job_id` | "always pending"; 200 is the documented success |
//! | poll of one's own job | 200 with a status in the job's set, the path's `job_id`, `processed` and first-page rows never below what was seen | the lifecycle's reachable states; `processed` "advances live as bands complete"; delivered rows stay readable after pause and cancel |
//! | the same, with `cursor=page_NNNN` | also 404 or 422 (no narrowing) | the docs name no first page and say nothing of pages not written yet |
//! | pause, resume, cancel of one's own job | what [`check_control_answer`](crate::lifecycle::check_control_answer) accepts for *some* state of the set: 409 where the cell allows a refusal, 2xx with a documented body `status` (the documented body statuses of that control) when it may still be working; the path's `job_id` | the oracle, including its reading of the silent cells: where the docs are silent every documented answer is accepted |
//! | any call on another key's job | 404, and the owner's job is unchanged | "Job not found for this API key" |
//! | any call on a fresh UUID | 404 | the same |
//!
//! Every exchange also passes [`check_exchange`](crate::check_exchange):
//! a documented status, never a 5xx, a documented content type, a body
//! that validates against its schema.
//!
//! # What an answer teaches it
//!
//! - A poll shows exactly one state: the set becomes what is reachable
//!   from it.
//! - A control answer narrows by what the lifecycle allows after that answer,
//!   united over the states the answer was allowed for: a 409 means
//!   terminal (a terminal job stays in its state), a 200 puts the job in
//!   the call's target state; the body `status` cuts further (a 200
//!   `paused` to a pause means paused, `pausing` means pausing or later).
//! - A 404 teaches nothing; another key's call leaves the owner's belief
//!   as it was (its closure already covers any move of its own).
//!
//! The reference machine (a
//! [`ReferenceStateMachine`](proptest_state_machine::ReferenceStateMachine))
//! cannot see answers: it keeps, for each job, the union over every answer
//! the model allows (any answer at all). After every step the
//! narrowed belief must lie within it (checked after every step); that
//! checks the model, not the target.
//!
//! # What it does not judge
//!
//! Liveness (that a paused job stays paused, that a pausing job settles
//! in time) needs timing, which the model leaves out; the fixed rules
//! `pause-running`, `cancel-running` and `resume-paused` check it within
//! the wait limit. Row contents, manifests, page cursors and 422 bodies are
//! the fixed rules' and the spec checks' too.
//!
//! # Running it
//!
//! - [`ModelRunner::run`] runs sequences against any target, a fresh one
//!   per sequence or clones of one, and returns a shrunk
//!   [`ModelFailure`] as data; [`ModelRunner::run_on_mock`] on a fresh
//!   embedded mock per sequence, in process by default
//!   ([`ModelOptions::mock_transport`]). The runner blocks on a
//!   current-thread runtime of its own.
//! - Inside the crate the same machine also runs as a
//!   [`StateMachineTest`](proptest_state_machine::StateMachineTest) under
//!   `prop_state_machine!` (`src/model/machine_tests.rs`), on a fresh mock
//!   per case, over HTTP.
//! - [`Scope`] says what a target allows: on the mock everything (seeded
//!   jobs in any state for both keys, submits, ticks); on live only
//!   terminal fixtures, one submit with `OPENFUNNEL_ALLOW_WRITES=1`, ticks
//!   of one poll interval of real time, and the target's budget.

mod judge;
#[cfg(test)]
mod machine_tests;
mod plan;
mod render;
mod runner;
mod states;
mod sut;

pub use plan::Scope;
pub use render::StepRecord;
pub(crate) use render::sequence;
pub use runner::{ModelFailure, ModelOptions, ModelOutcome, ModelPass, ModelRunner};
use states::StateSet;
