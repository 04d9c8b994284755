//! Every control cell under every personality: a 200 is true, a 409
//! changes nothing, documented cells never move.

use std::time::Duration;

use proptest::prelude::*;

use crate::JobState;
use crate::api::Control;
use crate::mock::job::{Job, Outcome};
use crate::mock::personality::{PauseReply, Personality, Reply};

const B: Duration = Duration::from_secs(10);

/// The body statuses the documentation gives a 200 to `control`.
fn documented_bodies(control: Control) -> &'static [JobState] {
    match control {
        Control::Pause => &[JobState::Pausing, JobState::Paused],
        Control::Resume => &[JobState::Running],
        Control::Cancel => &[JobState::Cancelling],
    }
}

/// The documented cells and their one answer: (control, state, 200 body).
fn documented(control: Control, state: JobState) -> Option<Option<JobState>> {
    use JobState::*;
    match (control, state) {
        (_, Completed | Failed | Cancelled) => Some(None),
        (Control::Pause, Running) => Some(Some(Pausing)),
        (Control::Pause, Paused) => Some(Some(Paused)),
        (Control::Resume, Paused) => Some(Some(Running)),
        (Control::Cancel, Pending | Running) => Some(Some(Cancelling)),
        _ => None,
    }
}

fn check_cell(p: &Personality, control: Control, state: JobState, at: Duration) {
    let fixture = Job::fixture("j".into(), "k".into(), state, 7, Duration::ZERO, p);
    let mut job = fixture.clone();
    job.settle(at, p);
    let before = job.clone();
    match (job.act(control, at, p), documented(control, before.state)) {
        (Outcome::Accepted { status, .. }, expected) => {
            assert!(
                documented_bodies(control).contains(&status),
                "{control} of {}: body {status}",
                before.state
            );
            assert_eq!(
                job.state, status,
                "{control} of {}: the 200 is true",
                before.state
            );
            if let Some(expected) = expected {
                assert_eq!(Some(status), expected, "{control} of {}", before.state);
            }
        }
        (Outcome::Refused(_), expected) => {
            assert_eq!(
                job, before,
                "{control} of {}: a 409 changes nothing",
                before.state
            );
            if let Some(expected) = expected {
                assert_eq!(
                    expected, None,
                    "{control} of {} is documented 200",
                    before.state
                );
            }
        }
    }
    // Whatever happened, the job keeps moving by itself to a state its
    // rules allow, and a terminal job never changes again.
    let mut later = job.clone();
    later.settle(at + p.band * 20, p);
    assert!(
        later.state.is_terminal() || later.state == JobState::Paused,
        "{control} of {}: ends {}",
        before.state,
        later.state
    );
}

#[test]
fn the_faithful_cells_answer_as_the_table_says() {
    use JobState::*;
    let p = Personality::faithful();
    let cases = [
        (Control::Pause, Pending, Some(Pausing)),
        (Control::Pause, Pausing, Some(Pausing)),
        (Control::Pause, Cancelling, None),
        (Control::Resume, Pending, Some(Running)),
        (Control::Resume, Running, Some(Running)),
        (Control::Resume, Pausing, Some(Running)),
        (Control::Resume, Cancelling, None),
        (Control::Cancel, Pausing, Some(Cancelling)),
        (Control::Cancel, Paused, Some(Cancelling)),
        (Control::Cancel, Cancelling, Some(Cancelling)),
    ];
    for (control, state, expected) in cases {
        let mut job = Job::fixture("j".into(), "k".into(), state, 1, Duration::ZERO, &p);
        let before = job.clone();
        match (job.act(control, Duration::ZERO, &p), expected) {
            (Outcome::Accepted { status, .. }, Some(want)) => {
                assert_eq!((status, job.state), (want, want), "{control} of {state}");
            }
            (Outcome::Refused(detail), None) => {
                assert_eq!(detail, format!("Cannot {control} a job that is {state}"));
                assert_eq!(job, before);
            }
            (out, _) => panic!("{control} of {state}: {out:?}"),
        }
    }
}

#[test]
fn each_silent_cell_takes_each_reply() {
    use JobState::*;
    let pause_cells = [Pending, Pausing, Cancelling];
    for state in pause_cells {
        for reply in [PauseReply::Pausing, PauseReply::Paused, PauseReply::Refuse] {
            let p = match state {
                Pending => Personality::faithful().with(|p| p.pause_pending = reply),
                Pausing => Personality::faithful().with(|p| p.pause_pausing = reply),
                _ => Personality::faithful().with(|p| p.pause_cancelling = reply),
            };
            let mut job = Job::fixture("j".into(), "k".into(), state, 1, Duration::ZERO, &p);
            let before = job.clone();
            let out = job.act(Control::Pause, Duration::ZERO, &p);
            let want = match reply {
                PauseReply::Pausing => Some(Pausing),
                PauseReply::Paused => Some(Paused),
                PauseReply::Refuse => None,
            };
            match out {
                Outcome::Accepted { status, .. } => {
                    assert_eq!(
                        (Some(status), Some(job.state)),
                        (want, want),
                        "pause of {state}"
                    );
                }
                Outcome::Refused(_) => {
                    assert_eq!((want, &job), (None, &before), "pause of {state}");
                }
            }
        }
    }
    let others = [
        (Control::Resume, Pending),
        (Control::Resume, Running),
        (Control::Resume, Pausing),
        (Control::Resume, Cancelling),
        (Control::Cancel, Pausing),
        (Control::Cancel, Paused),
        (Control::Cancel, Cancelling),
    ];
    for (control, state) in others {
        for reply in [Reply::Accept, Reply::Refuse] {
            let f = Personality::faithful();
            let p = match (control, state) {
                (Control::Resume, Pending) => f.with(|p| p.resume_pending = reply),
                (Control::Resume, Running) => f.with(|p| p.resume_running = reply),
                (Control::Resume, Pausing) => f.with(|p| p.resume_pausing = reply),
                (Control::Resume, _) => f.with(|p| p.resume_cancelling = reply),
                (_, Pausing) => f.with(|p| p.cancel_pausing = reply),
                (_, Paused) => f.with(|p| p.cancel_paused = reply),
                _ => f.with(|p| p.cancel_cancelling = reply),
            };
            let mut job = Job::fixture("j".into(), "k".into(), state, 1, Duration::ZERO, &p);
            let before = job.clone();
            let out = job.act(control, Duration::ZERO, &p);
            match (out, reply) {
                (Outcome::Accepted { status, .. }, Reply::Accept) => {
                    assert_eq!(status, documented_bodies(control)[0]);
                    assert_eq!(job.state, status);
                }
                (Outcome::Refused(_), Reply::Refuse) => assert_eq!(job, before),
                (out, _) => panic!("{control} of {state} with {reply:?}: {out:?}"),
            }
        }
    }
}

#[test]
fn a_refused_call_leaves_a_moving_job_moving() {
    let p = Personality::faithful().refuse_silent();
    let mut job = Job::fixture(
        "j".into(),
        "k".into(),
        JobState::Pausing,
        1,
        Duration::ZERO,
        &p,
    );
    assert!(matches!(
        job.act(Control::Resume, B / 2, &p),
        Outcome::Refused(_)
    ));
    job.settle(B, &p);
    assert_eq!((job.state, job.bands_done), (JobState::Paused, 2));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn every_cell_of_every_personality_is_honest(
        p in Personality::strategy(),
        state in proptest::sample::select(JobState::ALL.to_vec()),
        control in proptest::sample::select(Control::ALL.to_vec()),
        quarter in 0u32..8,
    ) {
        let p = p.normalised();
        check_cell(&p, control, state, p.band * quarter / 4);
    }
}

#[test]
fn every_cell_of_the_catalogue_is_honest() {
    for (_, p) in Personality::catalogue() {
        for state in JobState::ALL {
            for control in Control::ALL {
                for quarter in [0, 2, 5] {
                    check_cell(&p, control, state, p.band * quarter / 4);
                }
            }
        }
    }
}
