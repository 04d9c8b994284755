//! Tests of the model's judgements (kept apart so `judge.rs` reads in one sitting).

use super::*;
use crate::Response;
use serde_json::json;

fn answer(status: u16, body_status: Option<&str>) -> Exchange {
    let body = match body_status {
        Some(s) => json!({"job_id": "j", "status": s, "message": "m"}),
        None => json!({"detail": "d"}),
    };
    Exchange::new(Endpoint::Pause.request("j"), Response::json(status, &body))
}

/// The lifted oracle and the displayed answers agree, for every
/// closed belief, control and answer.
#[test]
fn allowed_control_agrees_with_the_oracle() {
    let closed: std::collections::BTreeSet<u8> = (0..=u8::MAX)
        .map(|bits| {
            JobState::ALL
                .into_iter()
                .filter(|s| bits & (1 << (*s as u8)) != 0)
                .collect::<StateSet>()
                .closure()
        })
        .filter(|set| !set.is_empty())
        .map(|set| set.iter().fold(0u8, |acc, s| acc | (1 << (s as u8))))
        .collect();
    for bits in closed {
        let states: StateSet = JobState::ALL
            .into_iter()
            .filter(|s| bits & (1 << (*s as u8)) != 0)
            .collect();
        let belief = Belief {
            states,
            ..Belief::new(0, "j".into(), JobState::Pending)
        };
        for control in Control::ALL {
            let allowed = allowed_control(&belief, control);
            for status in [200, 404, 409, 422] {
                for shown in [
                    None,
                    Some("pausing"),
                    Some("paused"),
                    Some("running"),
                    Some("cancelling"),
                    Some("completed"),
                ] {
                    let exchange = answer(status, shown);
                    assert_eq!(
                        judge_control(&belief, control, &exchange).is_ok(),
                        allowed.admits(&exchange),
                        "{control} on {states:?} answered {status} {shown:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn answers_narrow_the_belief() {
    use JobState::*;
    let running = StateSet::reachable_from(Running);
    assert_eq!(
        after_control(running, Control::Pause, 200, Some(Paused)),
        StateSet::of(&[Paused])
    );
    assert_eq!(
        after_control(running, Control::Pause, 409, None),
        StateSet::of(&[Completed, Failed])
    );
    // Resume of a cancelling job is a silent cell: a 409 refuses it
    // and changes nothing, so the cancel goes on as it would have.
    let cancelling = StateSet::reachable_from(Cancelling);
    assert_eq!(
        after_control(cancelling, Control::Resume, 409, None),
        cancelling
    );
    // Cancel of a paused job is silent: accepted it cancels, refused
    // (409) the job stays paused.
    assert_eq!(
        after_any_answer(StateSet::of(&[Paused]), Control::Cancel),
        StateSet::reachable_from(Cancelling).union(StateSet::of(&[Paused]))
    );
    assert_eq!(
        after_control(StateSet::of(&[Cancelled]), Control::Resume, 409, None),
        StateSet::of(&[Cancelled])
    );
}
