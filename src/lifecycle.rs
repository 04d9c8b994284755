//! The job lifecycle as the documentation describes it, and the judgements
//! that a schema cannot express. Every judgement allows the moves a job
//! makes on its own between two observations, so a race never fails a
//! correct server.

use crate::api::{Control, Endpoint};
use crate::{Exchange, JobState, Violation};

/// The body `status` values a 200 to `control` may carry, as documented.
pub(crate) fn accepted_statuses(control: Control) -> &'static [JobState] {
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
pub(crate) fn target_state(control: Control) -> JobState {
    match control {
        Control::Pause => JobState::Pausing,
        Control::Resume => JobState::Running,
        Control::Cancel => JobState::Cancelling,
    }
}

/// The documentation sentence for `control`'s documented cells.
pub(crate) fn doc(control: Control) -> &'static str {
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
pub(crate) fn reachable(from: JobState) -> &'static [JobState] {
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
pub(crate) fn may_have_finished(from: JobState) -> bool {
    reachable(from).iter().any(|s| s.is_terminal())
}

/// What the documentation says of one (control × state) cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellKind {
    /// The docs say what a control call on a job in this state does.
    Documented,
    /// The job is terminal: 409, and the job stays exactly as it was.
    Terminal,
    /// The docs are silent: 200 (with a documented body status) or 409
    /// (refused: nothing changes) are both correct.
    Silent,
}

/// One (control × state) cell: what the docs say, and the sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cell {
    /// Documented, terminal or silent.
    pub kind: CellKind,
    /// The documentation sentence it rests on (or why it is silent).
    pub sentence: &'static str,
}

const PAUSE_PENDING_RUNNING: &str = "\"If you need to pause a running or pending job, call `POST /api/v1/tam/build/{job_id}/pause`. The job moves to a transient `pausing` state, the in-flight process finishes and is written, then it settles to `paused`.\" (tam-builder)";
const PAUSE_PAUSED: &str = "pause 200: \"Pause accepted; the job is now `pausing` (or already `paused`).\" (pause-tam-builder-job)";
const RESUME_PAUSED: &str = "\"To resume a paused job, call [...] resume. It will continue from the checkpoint where it was paused\" (tam-builder); 200: \"Resume accepted; the job is `running` again.\"";
const CANCEL_PENDING_RUNNING: &str = "\"If you need to stop a running or pending job early, call [...] cancel. The job moves to a transient `cancelling` state and stops at its next checkpoint\" (tam-builder)";
const TERMINAL: &str = "409 \"Job already finished (completed / failed / cancelled)\" (resume; sibling cancel: \"409 if the job already finished\"); a terminal job never changes state again";
const SILENT: &str = "the docs do not say what this call does to a job in this state: 200 with a documented body status, or 409 (refused, nothing changes)";

/// The documentation of every (control × state) cell: 24 in all.
pub fn cell(control: Control, state: JobState) -> Cell {
    use JobState::*;
    let documented = |sentence| Cell {
        kind: CellKind::Documented,
        sentence,
    };
    if state.is_terminal() {
        return Cell {
            kind: CellKind::Terminal,
            sentence: TERMINAL,
        };
    }
    match (control, state) {
        (Control::Pause, Running) => documented(PAUSE_PENDING_RUNNING),
        // The page mentions pausing a pending job, but the reference
        // summary lists it as undocumented and a refusal harms no one: a
        // correct service may do either, so the cell is silent.
        (Control::Pause, Pending) => Cell {
            kind: CellKind::Silent,
            sentence: PAUSE_PENDING_RUNNING,
        },
        (Control::Pause, Paused) => documented(PAUSE_PAUSED),
        (Control::Resume, Paused) => documented(RESUME_PAUSED),
        (Control::Cancel, Pending | Running) => documented(CANCEL_PENDING_RUNNING),
        _ => Cell {
            kind: CellKind::Silent,
            sentence: SILENT,
        },
    }
}

/// True when `status` is the success a control call may answer: pause and
/// resume document 200; the cancel page does not show its code, so any
/// 2xx (with the documented body) is a success.
pub(crate) fn is_success(control: Control, status: u16) -> bool {
    match control {
        Control::Pause | Control::Resume => status == 200,
        Control::Cancel => (200..300).contains(&status),
    }
}

/// Which answers a control call on a job last seen in `before` may get:
/// (success, 409). A success needs the job to be possibly unfinished; a
/// 409 is "refused": on a terminal job it is required, in a documented
/// cell it is allowed only when the job may have finished meanwhile, in a
/// silent cell always.
pub(crate) fn answers(control: Control, before: JobState) -> (bool, bool) {
    let unfinished = reachable(before).iter().any(|s| !s.is_terminal());
    match cell(control, before).kind {
        CellKind::Terminal => (false, true),
        CellKind::Documented => (unfinished, may_have_finished(before)),
        CellKind::Silent => (unfinished, true),
    }
}

/// What a control call on a job of the caller's, last seen in `before`,
/// may answer (`answers`): a success with a body `status` the 200's
/// documentation gives (`accepted_statuses`), or 409 where [`cell`]
/// allows it; never 404 ("Job not found for this API key": the job is the
/// caller's), never 422 (the request is valid), never 5xx.
pub fn check_control_answer(
    control: Control,
    before: JobState,
    exchange: &Exchange,
) -> Result<(), Violation> {
    let status = exchange.status();
    let (success, conflict) = answers(control, before);
    let ok = if control == Control::Cancel {
        "2xx"
    } else {
        "200"
    };
    let expected = match (success, conflict) {
        (true, true) => format!("{ok} or 409"),
        (false, _) => "409".to_owned(),
        _ => ok.to_owned(),
    };
    let sentence = cell(control, before).sentence;
    let fail = |actual: String| {
        Err(
            Violation::lifecycle(&format!("{}-{}", control.verb(), before), exchange)
                .endpoint(control.endpoint())
                .expected(format!("{expected} for a job last seen {before}"))
                .actual(actual)
                .build()
                .because(sentence),
        )
    };
    match status {
        409 if conflict => Ok(()),
        status if success && is_success(control, status) => {
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
                Err(
                    Violation::lifecycle(&format!("{}-{}", control.verb(), before), exchange)
                        .endpoint(control.endpoint())
                        .at("/status")
                        .expected(format!("status {}", names.join(" or ")))
                        .actual(format!("{body_status:?}"))
                        .build()
                        .because(doc(control)),
                )
            }
        }
        other => fail(other.to_string()),
    }
}

/// What a poll may show after a control call answered `status` on a job
/// last seen in `before`:
/// - after 409 on a terminal job, the same state ("a terminal job never
///   changes state again");
/// - after 409 in a documented cell, a terminal state (the job finished
///   meanwhile: nothing else explains the refusal);
/// - after 409 in a silent cell, a state the job could have reached on its
///   own ("refused" changes nothing);
/// - after a success, a state reachable from the one the call put it in
///   (in a silent cell also from where it was: the docs do not say).
pub(crate) fn allowed_after(control: Control, before: JobState, status: u16) -> Vec<JobState> {
    let kind = cell(control, before).kind;
    let mut states: Vec<JobState> = match status {
        409 if kind == CellKind::Terminal => vec![before],
        409 if kind == CellKind::Documented => reachable(before)
            .iter()
            .copied()
            .filter(|s| s.is_terminal())
            .collect(),
        409 => reachable(before).to_vec(),
        status if is_success(control, status) => {
            let mut states: Vec<JobState> = reachable(target_state(control)).to_vec();
            if control == Control::Pause {
                states.extend_from_slice(reachable(JobState::Paused));
            }
            if kind == CellKind::Silent {
                states.extend_from_slice(reachable(before));
            }
            states
        }
        _ => JobState::ALL.to_vec(),
    };
    states.sort();
    states.dedup();
    states
}

/// A poll after a control call shows a state [`allowed_after`] permits.
pub(crate) fn check_state_after(
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
            Err(Violation::lifecycle(&format!("{}-{}-then-poll", control.verb(), before), poll)
.endpoint(Endpoint::Poll)
.at("/status")
.expected(format!(
                    "one of {} after {control} answered {answered}",
                    names.join(", ")
                ))
.actual(format!("{:?}", poll.body_str("status")))
.build()
            .because(if answered == 409 {
                match cell(control, before).kind {
                    CellKind::Terminal => "a terminal job never changes state again",
                    CellKind::Documented => "409 means \"Job already finished (completed / failed / cancelled)\"",
                    CellKind::Silent => "a refused call (409) changes nothing: the job moves only as it would on its own",
                }
            } else {
                doc(control)
            }))
        }
    }
}

/// True when every router sees `id` as one path segment, including one
/// that decodes the whole path before routing (Starlette, many proxies):
/// no `/`, `\\`, `?` or `#`, and no dot segment. For other IDs the docs
/// cannot say which route answers.
pub(crate) fn one_segment_for_every_router(id: &str) -> bool {
    !id.contains(['/', '\\', '?', '#']) && id != "." && id != ".."
}

/// A successful control answer names the job of its path: `job_id` is
/// "the path's job_id" for pause, resume and cancel alike.
pub(crate) fn check_echo(control: Control, job: &str, answer: &Exchange) -> Result<(), Violation> {
    if !is_success(control, answer.status()) {
        return Ok(());
    }
    match answer.body_str("job_id") {
        Some(id) if id == job => Ok(()),
        other => Err(Violation::lifecycle(&format!("{control}-job-id"), answer)
.endpoint(control.endpoint())
.at("/job_id")
.expected(format!("{job:?} (the path's job_id)"))
.actual(format!("{other:?}"))
.build()
        .because("every documented control answer carries the job's `job_id` (pause, resume and cancel examples)")),
    }
}

/// The `status` of a poll answer, when it is one of the eight states.
pub(crate) fn poll_state(poll: &Exchange) -> Option<JobState> {
    state_in(&poll.json())
}

/// The `status` of a poll answer's parsed body, when it is one of the
/// eight states ([`poll_state`] for a caller that has parsed the body).
pub(crate) fn state_in(body: &serde_json::Value) -> Option<JobState> {
    body.get("status")
        .and_then(serde_json::Value::as_str)
        .and_then(|s| s.parse().ok())
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
