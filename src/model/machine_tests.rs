//! The model through `proptest-state-machine`'s own macro: the reference
//! machine ([`LifecycleModel`]) and the test ([`ModelTest`]) as the crate
//! wires them; [`super::ModelRunner`] is the public way in.

use proptest::test_runner::{Config as ProptestConfig, FileFailurePersistence};
use proptest_state_machine::prop_state_machine;

use super::plan::{LifecycleModel, Plan, Scope, Step};
use super::sut::ModelSut;

fn state_machine_cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(32)
}

prop_state_machine! {
    #![proptest_config(ProptestConfig {
        cases: state_machine_cases(),
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/model_state_machine.txt",
        ))),
        ..ProptestConfig::default()
    })]

    /// The same model through `prop_state_machine!` and
    /// [`ModelTest`] (`StateMachineTest`).
    #[test]
    fn model_as_a_state_machine_test(sequential 1..24 => ModelTest);
}

/// The reference machine's own strategy, as `prop_state_machine!` uses it,
/// is the mock's scope.
#[test]
fn reference_machine_defaults_to_the_mock_scope() {
    use proptest::strategy::{Strategy, ValueTree};
    use proptest_state_machine::ReferenceStateMachine;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let plan = LifecycleModel::init_state()
        .new_tree(&mut runner)
        .expect("a plan")
        .current();
    assert_eq!(*plan.scope, Scope::mock());
    assert!(plan.jobs.is_empty());
}

/// The model test as a [`proptest_state_machine::StateMachineTest`]: each
/// case on a fresh embedded mock ([`ModelSut::on_new_mock`]); a step whose
/// answer the model does not allow panics with the numbered sequence.
/// [`crate::model::ModelRunner`] runs the same steps on any target without
/// panicking.
#[derive(Debug, Clone, Copy)]
struct ModelTest;

impl proptest_state_machine::StateMachineTest for ModelTest {
    type SystemUnderTest = ModelSut;
    type Reference = LifecycleModel;

    fn init_test(_plan: &Plan) -> ModelSut {
        ModelSut::on_new_mock()
    }

    fn apply(mut sut: ModelSut, _plan: &Plan, step: Step) -> ModelSut {
        if sut.step(&step).is_err() {
            panic!(
                "{}",
                crate::model::render::sequence(
                    sut.records(),
                    &crate::model::render::describe(sut.target())
                )
            );
        }
        sut
    }

    fn check_invariants(sut: &ModelSut, plan: &Plan) {
        if let Err(bug) = sut.check_against(plan) {
            panic!("the model contradicts its reference machine: {bug}");
        }
    }

    fn teardown(sut: ModelSut, _plan: Plan) {
        sut.teardown();
    }
}
