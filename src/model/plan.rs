//! The reference state machine: the steps a sequence is made of, what a
//! target lets a sequence do ([`Scope`]), and the plan a sequence builds
//! up ([`Plan`]), with what each job may be in before any answer is seen.

use std::fmt;
use std::sync::Arc;

use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::{BoxedStrategy, Union};
use proptest_state_machine::ReferenceStateMachine;

use super::StateSet;
use super::judge::after_any_answer;
use crate::api::Control;
use crate::strategies::unknown_job_id;
use crate::{JobState, Target};

/// One of the two keys of a sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Key {
    /// The target's key ([`Target::api_key`]).
    A,
    /// The second tenant's key ([`Target::other_api_key`]).
    B,
}

impl Key {
    /// The other one.
    pub(crate) fn other(self) -> Key {
        match self {
            Key::A => Key::B,
            Key::B => Key::A,
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Key::A => "key A",
            Key::B => "key B",
        })
    }
}

/// Who sends a request about a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Who {
    /// The job's owner (for an unknown ID: key A).
    Owner,
    /// The other key (for an unknown ID: key B).
    Other,
}

/// The job a request names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum JobRef {
    /// Job `#n` of the sequence (seeded or submitted earlier), taken
    /// modulo the jobs there are ([`JobRef::index`]), so that shrinking
    /// can delete an unused job without breaking later steps.
    Job(usize),
    /// A fresh UUID no job has.
    Unknown(String),
}

impl JobRef {
    /// The job meant when `jobs` jobs exist: `n % jobs`; `None` for an
    /// unknown ID, or when there is no job yet.
    pub(crate) fn index(&self, jobs: usize) -> Option<usize> {
        match self {
            JobRef::Job(n) if jobs > 0 => Some(n % jobs),
            _ => None,
        }
    }
}

/// One step of a generated sequence.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Step {
    /// A job of `key` in `state` appears without a request: on the mock
    /// [`crate::mock::MockApi::seed_job`]; on live the terminal
    /// `OPENFUNNEL_JOB_*` fixture.
    Seed {
        /// Its owner.
        key: Key,
        /// Its state.
        state: JobState,
    },
    /// `POST /api/v1/tam/build` as `key`.
    Submit {
        /// The key.
        key: Key,
    },
    /// `GET /api/v1/tam/build/{job_id}`, with `?cursor=page_NNNN` when set.
    Poll {
        /// The job.
        job: JobRef,
        /// Who asks.
        by: Who,
        /// The page number of the cursor.
        cursor: Option<u16>,
    },
    /// `POST /api/v1/tam/build/{job_id}/{pause,resume,cancel}`.
    Control {
        /// Which call.
        control: Control,
        /// The job.
        job: JobRef,
        /// Who asks.
        by: Who,
    },
    /// Time passes: `bands` band durations (the mock's clock moves; on
    /// live a short real wait).
    Tick {
        /// How many.
        bands: u32,
    },
}

/// What a target lets a sequence do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// A second key exists (cross-key requests, key B's jobs).
    pub other_key: bool,
    /// States a `Step::Seed` may ask for.
    pub seed_states: Vec<JobState>,
    /// Key B may own seeded jobs (mock only).
    pub seed_other_key: bool,
    /// A state can be seeded once only (live: a fixture is one job).
    pub seed_once: bool,
    /// Key A may submit (mock, or live with writes allowed).
    pub submit: bool,
    /// Key B may submit too (mock only: it spends the other tenant's credits).
    pub submit_other_key: bool,
    /// Most submits in one sequence.
    pub max_submits: usize,
    /// Most jobs (seeded and submitted) in one sequence: few jobs make
    /// calls meet on the same job.
    pub max_jobs: usize,
    /// Most band durations one tick may pass; 0: no ticks.
    pub max_tick_bands: u32,
}

impl Scope {
    /// The embedded mock: two keys, seeds in every state for both, submits
    /// for both, ticks of up to three bands, at most four jobs.
    pub fn mock() -> Scope {
        Scope {
            other_key: true,
            seed_states: JobState::ALL.to_vec(),
            seed_other_key: true,
            seed_once: false,
            submit: true,
            submit_other_key: true,
            max_submits: 4,
            max_jobs: 3,
            max_tick_bands: 3,
        }
    }

    /// What `target` allows: [`Scope::mock`] on a mock; on live, seeds of
    /// the terminal fixtures it has, cross-key requests when it has a
    /// second key, one submit with writes allowed (none otherwise), and
    /// ticks of one band (one poll interval of real time).
    pub async fn for_target(target: &Target) -> Scope {
        if target.seeds_on_demand() {
            return Scope::mock();
        }
        Scope {
            other_key: target.other_api_key().is_some(),
            seed_states: {
                let mut states = Vec::new();
                for state in JobState::TERMINAL {
                    if target.job_in(state).await.is_ok() {
                        states.push(state);
                    }
                }
                states
            },
            seed_other_key: false,
            seed_once: true,
            submit: target.allow_writes(),
            submit_other_key: false,
            max_submits: 1,
            max_jobs: 3,
            max_tick_bands: 1,
        }
    }
}

/// A job of the plan, as the reference machine sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PlannedJob {
    /// Its owner.
    pub owner: Key,
    /// Every state it may be in, whatever the answers were.
    pub states: StateSet,
}

/// The reference state: the jobs a sequence has made so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Plan {
    /// What the target allows.
    pub scope: Arc<Scope>,
    /// Jobs `#0`, `#1`, … in order of appearance.
    pub jobs: Vec<PlannedJob>,
    /// States seeded so far.
    pub seeded: Vec<JobState>,
    /// Submits so far.
    pub submits: usize,
    /// The job the last step made or named, which the next step names
    /// more often than the others: calls meet on one job and walk deep
    /// into its lifecycle.
    pub last: Option<usize>,
}

impl Plan {
    /// An empty plan.
    pub(super) fn new(scope: Scope) -> Plan {
        Plan {
            scope: Arc::new(scope),
            jobs: Vec::new(),
            seeded: Vec::new(),
            submits: 0,
            last: None,
        }
    }

    fn names(&self, job: &JobRef, by: Who) -> bool {
        let known = match job {
            JobRef::Job(_) => !self.jobs.is_empty(),
            JobRef::Unknown(_) => true,
        };
        known && (by == Who::Owner || self.scope.other_key)
    }

    fn room(&self) -> bool {
        self.jobs.len() < self.scope.max_jobs
    }
}

#[must_use = "strategies do nothing until a runner draws from them"]
fn key(other: bool) -> BoxedStrategy<Key> {
    if other {
        prop_oneof![3 => Just(Key::A), 1 => Just(Key::B)].boxed()
    } else {
        Just(Key::A).boxed()
    }
}

#[must_use = "strategies do nothing until a runner draws from them"]
fn who(other: bool) -> BoxedStrategy<Who> {
    if other {
        prop_oneof![4 => Just(Who::Owner), 1 => Just(Who::Other)].boxed()
    } else {
        Just(Who::Owner).boxed()
    }
}

/// A job of the plan: the last one named (3 in 4) or any.
#[must_use = "strategies do nothing until a runner draws from them"]
fn job(plan: &Plan) -> BoxedStrategy<usize> {
    let jobs = plan.jobs.len();
    match plan.last {
        Some(last) if last < jobs => prop_oneof![3 => Just(last), 1 => 0..jobs].boxed(),
        _ => (0..jobs).boxed(),
    }
}

#[must_use = "strategies do nothing until a runner draws from them"]
fn cursor() -> BoxedStrategy<Option<u16>> {
    prop_oneof![4 => Just(None), 1 => (0u16..3).prop_map(Some)].boxed()
}

/// The reference model of the job lifecycle, for
/// [`proptest_state_machine`]. Its state is a [`Plan`]; see the module
/// docs of [`crate::model`] for what it allows and why.
#[derive(Debug, Clone, Copy)]
pub(super) struct LifecycleModel;

impl LifecycleModel {
    /// The sequences of `1..=max_steps` steps a target with `scope` can run.
    #[must_use = "strategies do nothing until a runner draws from them"]
    pub(super) fn sequences(
        scope: Scope,
        max_steps: usize,
    ) -> proptest_state_machine::Sequential<Plan, Step, BoxedStrategy<Plan>, BoxedStrategy<Step>>
    {
        let plan = Plan::new(scope);
        proptest_state_machine::Sequential::new(
            (1..=max_steps.max(1)).into(),
            move || Just(plan.clone()).boxed(),
            <LifecycleModel as ReferenceStateMachine>::preconditions,
            <LifecycleModel as ReferenceStateMachine>::transitions,
            <LifecycleModel as ReferenceStateMachine>::apply,
        )
    }
}

impl ReferenceStateMachine for LifecycleModel {
    type State = Plan;
    type Transition = Step;

    /// An empty plan on the mock's scope ([`Scope::mock`]); other scopes
    /// go through [`LifecycleModel::sequences`].
    fn init_state() -> BoxedStrategy<Plan> {
        Just(Plan::new(Scope::mock())).boxed()
    }

    fn transitions(plan: &Plan) -> BoxedStrategy<Step> {
        let scope = &plan.scope;
        let other = scope.other_key;
        let jobs = plan.jobs.len();
        let mut choices: Vec<(u32, BoxedStrategy<Step>)> = Vec::new();
        if jobs > 0 {
            choices.push((
                6,
                (select(Control::ALL.to_vec()), job(plan), who(other))
                    .prop_map(|(control, n, by)| Step::Control {
                        control,
                        job: JobRef::Job(n),
                        by,
                    })
                    .boxed(),
            ));
            choices.push((
                3,
                (job(plan), who(other), cursor())
                    .prop_map(|(n, by, cursor)| Step::Poll {
                        job: JobRef::Job(n),
                        by,
                        cursor,
                    })
                    .boxed(),
            ));
        }
        if plan.room() && !scope.seed_states.is_empty() {
            choices.push((
                2,
                (key(scope.seed_other_key), select(scope.seed_states.clone()))
                    .prop_map(|(key, state)| Step::Seed { key, state })
                    .boxed(),
            ));
        }
        if plan.room() && scope.submit && plan.submits < scope.max_submits {
            choices.push((
                2,
                key(scope.submit_other_key)
                    .prop_map(|key| Step::Submit { key })
                    .boxed(),
            ));
        }
        if scope.max_tick_bands > 0 {
            choices.push((
                2,
                (1..=scope.max_tick_bands)
                    .prop_map(|bands| Step::Tick { bands })
                    .boxed(),
            ));
        }
        choices.push((
            1,
            (
                proptest::option::of(select(Control::ALL.to_vec())),
                unknown_job_id(),
                who(other),
            )
                .prop_map(|(control, id, by)| match control {
                    Some(control) => Step::Control {
                        control,
                        job: JobRef::Unknown(id),
                        by,
                    },
                    None => Step::Poll {
                        job: JobRef::Unknown(id),
                        by,
                        cursor: None,
                    },
                })
                .boxed(),
        ));
        Union::new_weighted(choices).boxed()
    }

    fn apply(mut plan: Plan, step: &Step) -> Plan {
        plan.last = match step {
            Step::Seed { .. } | Step::Submit { .. } => Some(plan.jobs.len()),
            Step::Poll { job, .. } | Step::Control { job, .. } => {
                job.index(plan.jobs.len()).or(plan.last)
            }
            Step::Tick { .. } => plan.last,
        };
        match step {
            Step::Seed { key, state } => {
                plan.jobs.push(PlannedJob {
                    owner: *key,
                    states: StateSet::reachable_from(*state),
                });
                plan.seeded.push(*state);
            }
            Step::Submit { key } => {
                plan.jobs.push(PlannedJob {
                    owner: *key,
                    states: StateSet::reachable_from(JobState::Pending),
                });
                plan.submits += 1;
            }
            Step::Control {
                control,
                job,
                by: Who::Owner,
            } => {
                if let Some(n) = job.index(plan.jobs.len()) {
                    plan.jobs[n].states = after_any_answer(plan.jobs[n].states, *control);
                }
            }
            Step::Poll { .. } | Step::Control { .. } | Step::Tick { .. } => {}
        }
        plan
    }

    fn preconditions(plan: &Plan, step: &Step) -> bool {
        let scope = &plan.scope;
        match step {
            Step::Seed { key, state } => {
                plan.room()
                    && scope.seed_states.contains(state)
                    && (*key == Key::A || scope.seed_other_key)
                    && !(scope.seed_once && plan.seeded.contains(state))
            }
            Step::Submit { key } => {
                plan.room()
                    && scope.submit
                    && plan.submits < scope.max_submits
                    && (*key == Key::A || scope.submit_other_key)
            }
            Step::Poll { job, by, .. } | Step::Control { job, by, .. } => plan.names(job, *by),
            Step::Tick { bands } => (1..=scope.max_tick_bands).contains(bands),
        }
    }
}
