//! Terminal jobs: 409 to every control call, and no change ever after.

use serde_json::Value;

use super::super::Rule;
use super::super::session::{Session, Stop};
use crate::JobState;
use crate::Violation;
use crate::api::{Control, Endpoint};
use crate::lifecycle::{check_control_answer, check_state_after, poll_state};

/// `terminal-409`.
pub(super) const TERMINAL_409: Rule = rule!(
    "terminal-409",
    "a completed, failed or cancelled job answers pause, resume and cancel with 409, twice, and stays as it was",
    "resume 409: \"Job already finished (completed / failed / cancelled)\"; sibling cancel: \"Returns 409 if the job has already finished\"; a terminal job never changes state again",
    terminal_409
);

async fn terminal_409(session: &mut Session) -> Result<(), Stop> {
    let mut reached = 0;
    for state in JobState::TERMINAL {
        let (job, seen) = match session.job_in(state).await {
            Ok(found) => found,
            Err(Stop::Skip(reason)) => {
                session.note(format!("{state}: skipped: {reason}"));
                continue;
            }
            Err(stop) => return Err(stop),
        };
        reached += 1;
        for control in Control::ALL {
            for _ in 0..2 {
                let answer = session.control(control, &job).await?;
                session.soft(check_control_answer(control, seen, &answer));
            }
            let poll = session.poll(&job).await?;
            session.soft(check_state_after(control, seen, 409, &poll).map(drop));
        }
    }
    if reached == 0 {
        return Err(Stop::Skip(
            "no terminal job: set OPENFUNNEL_JOB_COMPLETED, OPENFUNNEL_JOB_FAILED or OPENFUNNEL_JOB_CANCELLED".into(),
        ));
    }
    Ok(())
}

/// `terminal-stays-terminal`.
pub(super) const TERMINAL_STAYS_TERMINAL: Rule = rule!(
    "terminal-stays-terminal",
    "a terminal job shows the same status over repeated polls, with its manifest",
    "manifest: \"Build summary; populated once the job is terminal.\"",
    terminal_stays_terminal
);

async fn terminal_stays_terminal(session: &mut Session) -> Result<(), Stop> {
    let mut jobs = Vec::new();
    for state in JobState::TERMINAL {
        if let Ok(found) = session.job_in(state).await {
            jobs.push(found);
        }
    }
    if jobs.is_empty() {
        return Err(Stop::Skip(
            "no terminal job: set OPENFUNNEL_JOB_COMPLETED, OPENFUNNEL_JOB_FAILED or OPENFUNNEL_JOB_CANCELLED".into(),
        ));
    }
    // Three rounds over every job, one poll interval apart: the jobs wait
    // together, not one after another.
    for round in 0..3 {
        if round > 0 {
            session
                .target()
                .pass_time(session.target().poll_interval())
                .await;
        }
        for (job, seen) in &jobs {
            let poll = session.poll(job).await?;
            if poll_state(&poll) != Some(*seen) {
                session.soft(Err(Violation::lifecycle("terminal-stays-terminal", &poll)
                    .endpoint(Endpoint::Poll)
                    .at("/status")
                    .expected(format!("{seen:?} again (terminal)").to_lowercase())
                    .actual(format!("{:?}", poll.body_str("status")))
                    .build()
                    .because("Terminal states never change")));
            }
            if poll.json().get("manifest").is_none_or(Value::is_null) {
                session.soft(Err(Violation::lifecycle("terminal-manifest", &poll)
                    .endpoint(Endpoint::Poll)
                    .at("/manifest")
                    .expected("a manifest object")
                    .actual("null or missing")
                    .build()
                    .because(
                        "manifest: \"Build summary; populated once the job is terminal.\"",
                    )));
            }
        }
    }
    Ok(())
}
