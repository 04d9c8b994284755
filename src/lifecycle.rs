//! The job lifecycle as the documentation describes it, and the judgements
//! that a schema cannot express. Every judgement allows the moves a job
//! makes on its own between two observations, so a race never fails a
//! correct server.

use crate::api::{Control, Endpoint};
use crate::{Exchange, JobState, Mismatch, Violation, ViolationKind};

/// The body `status` values a 200 to `control` may carry, as documented.
pub fn accepted_statuses(control: Control) -> &'static [JobState] {
    match control {
        // "Pause accepted; the job is now `pausing` (or already `paused`)."
        Control::Pause => &[JobState::Pausing, JobState::Paused],
        // "Resume accepted; the job is `running` again."
        Control::Resume => &[JobState::Running],
        // "Cancellation accepted; the job is now cancelling."
        Control::Cancel => &[JobState::Cancelling],
    }
}

/// The state a 200 to `control` puts the job in, before it moves on by itself.
pub fn target_state(control: Control) -> JobState {
    match control {
        Control::Pause => JobState::Pausing,
        Control::Resume => JobState::Running,
        Control::Cancel => JobState::Cancelling,
    }
}

/// The documentation sentence for `control`'s documented cells.
pub fn doc(control: Control) -> &'static str {
    match control {
        Control::Pause => {
            "pause: \"Pause accepted; the job is now `pausing` (or already `paused`).\" (pause-tam-builder-job)"
        }
        Control::Resume => {
            "resume: \"Resume accepted; the job is `running` again.\" / 409 \"Job already finished (completed / failed / cancelled)\" (resume-tam-builder-job)"
        }
        Control::Cancel => {
            "cancel: \"Cancellation accepted; the job is now cancelling.\" (cancel-tam-builder-job); 409 if already finished (sibling bulk-lookalike cancel)"
        }
    }
}

/// The states a job observed in `from` may be in by now without any call:
/// pending → running → completed/failed; pausing → paused; cancelling →
/// cancelled. A job that is working may also fail or finish at any point,
/// and a terminal job never moves. Always contains `from`.
pub fn reachable(from: JobState) -> &'static [JobState] {
    use JobState::*;
    match from {
        Pending => &[Pending, Running, Completed, Failed],
        Running => &[Running, Completed, Failed],
        Pausing => &[Pausing, Paused, Completed, Failed],
        Paused => &[Paused],
        Cancelling => &[Cancelling, Cancelled, Completed, Failed],
        Completed => &[Completed],
        Failed => &[Failed],
        Cancelled => &[Cancelled],
    }
}

/// True when a job observed in `from` may be terminal by now.
pub fn may_have_finished(from: JobState) -> bool {
    reachable(from).iter().any(|s| s.is_terminal())
}

/// What a control call on a job of the caller's, last seen in `before`,
/// may answer:
/// - 409 only when the job may have finished by now ("Job already
///   finished (completed / failed / cancelled)");
/// - 200 only when it may still be unfinished, with a body `status` the
///   200's documentation gives ([`Control::accepted_statuses`]);
/// - never 404 ("Job not found for this API key": the job is the caller's),
///   never 422 (the request is valid), never 5xx.
///
/// Cells the docs leave open (resume of a running job, cancel of a paused
/// one, …) accept both 200 and 409 by these meanings.
pub fn check_control_answer(
    control: Control,
    before: JobState,
    exchange: &Exchange,
) -> Result<(), Violation> {
    let status = exchange.status();
    let finished = may_have_finished(before);
    let unfinished = reachable(before).iter().any(|s| !s.is_terminal());
    let expected = match (finished, unfinished) {
        (true, true) => "200 or 409",
        (true, false) => "409",
        _ => "200",
    };
    let fail = |actual: String| {
        Err(lifecycle(
            &format!("{}-{}", control.verb(), before),
            exchange,
            control.operation_id(),
            None,
            format!("{expected} for a job last seen {before}"),
            actual,
        )
        .because(doc(control)))
    };
    match status {
        409 if finished => Ok(()),
        200 if unfinished => {
            let body_status = exchange.body_str("status");
            let ok = body_status
                .as_deref()
                .is_some_and(|s| accepted_statuses(control).iter().any(|a| a.as_str() == s));
            if ok {
                Ok(())
            } else {
                let names: Vec<&str> = accepted_statuses(control)
                    .iter()
                    .map(|s| s.as_str())
                    .collect();
                Err(lifecycle(
                    &format!("{}-{}", control.verb(), before),
                    exchange,
                    control.operation_id(),
                    Some("/status"),
                    format!("status {}", names.join(" or ")),
                    format!("{body_status:?}"),
                )
                .because(doc(control)))
            }
        }
        other => fail(other.to_string()),
    }
}

/// What a poll may show after a control call answered `status` on a job
/// last seen in `before`: after 409 a terminal state (the same one, if
/// `before` was terminal: "a terminal job never changes state again");
/// after 200 a state reachable from the state the call put it in.
pub fn allowed_after(control: Control, before: JobState, status: u16) -> Vec<JobState> {
    match status {
        409 if before.is_terminal() => vec![before],
        409 => reachable(before)
            .iter()
            .copied()
            .filter(|s| s.is_terminal())
            .collect(),
        200 => {
            let mut states: Vec<JobState> = reachable(target_state(control)).to_vec();
            if control == Control::Pause {
                states.extend_from_slice(reachable(JobState::Paused));
            }
            states.sort();
            states.dedup();
            states
        }
        _ => JobState::ALL.to_vec(),
    }
}

/// A poll after a control call shows a state [`allowed_after`] permits.
pub fn check_state_after(
    control: Control,
    before: JobState,
    answered: u16,
    poll: &Exchange,
) -> Result<JobState, Violation> {
    let allowed = allowed_after(control, before, answered);
    let shown = poll_state(poll);
    match shown {
        Some(state) if allowed.contains(&state) => Ok(state),
        _ => {
            let names: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
            Err(lifecycle(
                &format!("{}-{}-then-poll", control.verb(), before),
                poll,
                Endpoint::Poll.operation_id(),
                Some("/status"),
                format!(
                    "one of {} after {control} answered {answered}",
                    names.join(", ")
                ),
                format!("{:?}", poll.body_str("status")),
            )
            .because(if answered == 409 {
                "a terminal job never changes state again; 409 means \"Job already finished\""
            } else {
                doc(control)
            }))
        }
    }
}

/// The `status` of a poll answer, when it is one of the eight states.
pub fn poll_state(poll: &Exchange) -> Option<JobState> {
    poll.body_str("status").and_then(|s| s.parse().ok())
}

/// A lifecycle violation with one mismatch.
pub fn lifecycle(
    rule: &str,
    exchange: &Exchange,
    operation_id: &str,
    pointer: Option<&str>,
    expected: String,
    actual: String,
) -> Violation {
    Violation::new(
        ViolationKind::Lifecycle,
        rule,
        exchange,
        Some(operation_id),
        Mismatch {
            pointer: pointer.map(str::to_owned),
            spec_pointer: None,
            expected,
            actual,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reachable_always_contains_the_start_and_terminal_states_stay() {
        for state in JobState::ALL {
            assert!(reachable(state).contains(&state));
            if state.is_terminal() {
                assert_eq!(reachable(state), [state]);
            }
            for next in reachable(state) {
                // Closed under itself: what is reachable from a reachable state is reachable.
                for further in reachable(*next) {
                    assert!(
                        reachable(state).contains(further),
                        "{state} → {next} → {further}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_paused_job_may_only_answer_200_and_a_terminal_one_only_409() {
        assert!(!may_have_finished(JobState::Paused));
        for state in JobState::TERMINAL {
            assert!(reachable(state).iter().all(|s| s.is_terminal()));
        }
        assert_eq!(
            allowed_after(Control::Resume, JobState::Completed, 409),
            [JobState::Completed]
        );
        assert_eq!(
            allowed_after(Control::Cancel, JobState::Running, 409),
            [JobState::Completed, JobState::Failed]
        );
        assert!(!allowed_after(Control::Resume, JobState::Paused, 200).contains(&JobState::Paused));
    }
}
