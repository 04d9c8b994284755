//! Control calls in their documented cells: resume of a paused job, pause of a paused or running job, cancel of a running job.

use serde_json::Value;

use super::super::Rule;
use super::super::session::{Session, Stop};
use crate::Violation;
use crate::api::{Control, Endpoint};
use crate::lifecycle::{check_control_answer, check_state_after};
use crate::{Exchange, JobState};

fn processed(poll: &Exchange) -> Option<u64> {
    poll.json().get("processed").and_then(Value::as_u64)
}

/// `resume-paused`.
pub(super) const RESUME_PAUSED: Rule = rule!(
    "resume-paused",
    "resume of a paused job answers 200 running with the path's job_id, and the job really resumes",
    "\"Resume a `paused` build from its checkpoint\"; 200: \"Resume accepted; the job is `running` again.\"",
    resume_paused
);

async fn resume_paused(session: &mut Session) -> Result<(), Stop> {
    session.require_change(JobState::Paused)?;
    let (job, seen) = session.job_in(JobState::Paused).await?;
    let (_, before) = session.observe(&job).await?;
    let answer = session.control(Control::Resume, &job).await?;
    check_control_answer(Control::Resume, seen, &answer)?;
    let poll = session.poll(&job).await?;
    check_state_after(Control::Resume, seen, 200, &poll)?;
    // "It continues from the checkpoint": judged at the first poll that
    // shows progress (then the job is paused or cancelled at once when the
    // rule ends: every delivered company is paid for). Until then, it must
    // not go back to paused on its own, nor lose progress.
    let start = processed(&before);
    let limit = session.target().limits().wait;
    let step = session.target().poll_interval();
    let mut waited = std::time::Duration::ZERO;
    let mut after = poll;
    loop {
        let state = crate::lifecycle::poll_state(&after);
        let now = processed(&after);
        if state == Some(JobState::Paused) {
            return Err(Violation::lifecycle("resume-resumes", &after)
                .endpoint(Endpoint::Poll)
                .at("/status")
                .expected("not paused again without a pause")
                .actual("\"paused\"")
                .build()
                .into());
        }
        if let (Some(a), Some(b)) = (start, now)
            && b < a
        {
            return Err(Violation::lifecycle("resume-from-checkpoint", &after)
                .endpoint(Endpoint::Poll)
                .at("/processed")
                .expected(format!("at least {a} (processed before the resume)"))
                .actual(b.to_string())
                .build()
                .because("\"It continues from the checkpoint where it was paused\"")
                .into());
        }
        let progressed = matches!((start, now), (Some(a), Some(b)) if b > a);
        // Where every delivered company is paid for, a poll showing the job
        // running is evidence enough; the mock costs nothing, so there the
        // rule waits for progress too.
        let paid = !session.target().seeds_on_demand();
        if progressed
            || state.is_some_and(JobState::is_terminal)
            || (paid && state == Some(JobState::Running))
        {
            return Ok(());
        }
        if waited >= limit {
            session.note(format!(
                "no progress within the wait limit ({} s): inconclusive",
                limit.as_secs()
            ));
            return Ok(());
        }
        session.target().pass_time(step).await;
        waited += step;
        after = session.poll(&job).await?;
    }
}

/// `pause-paused`.
pub(super) const PAUSE_PAUSED: Rule = rule!(
    "pause-paused",
    "pause of a paused job answers 200 (pausing or already paused)",
    "pause 200: \"Pause accepted; the job is now `pausing` (or already `paused`).\"",
    pause_paused
);

async fn pause_paused(session: &mut Session) -> Result<(), Stop> {
    session.require_change(JobState::Paused)?;
    let (job, seen) = session.job_in(JobState::Paused).await?;
    let answer = session.control(Control::Pause, &job).await?;
    check_control_answer(Control::Pause, seen, &answer)?;
    let poll = session.poll(&job).await?;
    check_state_after(Control::Pause, seen, answer.status(), &poll)?;
    Ok(())
}

/// `pause-running`.
pub(super) const PAUSE_RUNNING: Rule = rule!(
    "pause-running",
    "pause of a running job answers 200 pausing or paused and settles to paused within the wait limit",
    "\"The job flips to a transient `pausing` state, the in-flight process finishes and is written, then it settles to `paused`.\"",
    pause_running
);

async fn pause_running(session: &mut Session) -> Result<(), Stop> {
    session.require_change(JobState::Running)?;
    let (job, seen) = session.job_in(JobState::Running).await?;
    let answer = session.control(Control::Pause, &job).await?;
    check_control_answer(Control::Pause, seen, &answer)?;
    if answer.status() == 409 {
        // Allowed only when the job finished meanwhile: the poll must agree.
        let poll = session.poll(&job).await?;
        check_state_after(Control::Pause, seen, 409, &poll)?;
        session.note("the job finished before the pause took effect (409): accepted");
        return Ok(());
    }
    let state = session
        .settle(&job, &[JobState::Running, JobState::Pausing])
        .await?;
    let poll = session.poll(&job).await?;
    match state {
        JobState::Paused => Ok(()),
        JobState::Completed | JobState::Failed => {
            session.note(format!("the job became {state} while pausing: accepted"));
            Ok(())
        }
        other => Err(Violation::lifecycle("pause-settles", &poll)
            .endpoint(Endpoint::Poll)
            .at("/status")
            .expected(format!(
                "paused within {} s",
                session.target().limits().wait.as_secs()
            ))
            .actual(format!("{other:?}").to_lowercase())
            .build()
            .because("\"then it settles to `paused`\"")
            .into()),
    }
}

/// `cancel-running`.
pub(super) const CANCEL_RUNNING: Rule = rule!(
    "cancel-running",
    "cancel of a running job answers 200 cancelling, settles to cancelled, and keeps its delivered rows",
    "\"The job moves to a transient `cancelling` state and stops at its next checkpoint; whatever companies were already delivered stay readable\"",
    cancel_running
);

async fn cancel_running(session: &mut Session) -> Result<(), Stop> {
    session.require_change(JobState::Running)?;
    let (job, seen) = session.fresh_job_in(JobState::Running).await?;
    // Let some rows arrive first, so there is something to keep.
    session
        .target()
        .pass_time(session.target().poll_interval() * 2)
        .await;
    let (seen_now, before) = session.observe(&job).await?;
    let seen = if seen_now.is_terminal() {
        seen_now
    } else {
        seen
    };
    let answer = session.control(Control::Cancel, &job).await?;
    check_control_answer(Control::Cancel, seen, &answer)?;
    if answer.status() == 409 {
        // Allowed only when the job finished meanwhile: the poll must agree.
        let poll = session.poll(&job).await?;
        check_state_after(Control::Cancel, seen, 409, &poll)?;
        session.note("the job finished before the cancel (409): accepted");
        return Ok(());
    }
    let state = session
        .settle(&job, &[JobState::Running, JobState::Cancelling])
        .await?;
    let after = session.poll(&job).await?;
    if !state.is_terminal() {
        return Err(Violation::lifecycle("cancel-settles", &after)
            .endpoint(Endpoint::Poll)
            .at("/status")
            .expected(format!(
                "cancelled within {} s",
                session.target().limits().wait.as_secs()
            ))
            .actual(state.as_str())
            .build()
            .because("\"The job then settles to a terminal cancelled status\" (sibling cancel)")
            .into());
    }
    if let (Some(a), Some(b)) = (processed(&before), processed(&after))
        && b < a
    {
        return Err(Violation::lifecycle("cancel-keeps-rows", &after)
            .endpoint(Endpoint::Poll)
            .at("/processed")
            .expected(format!("at least {a} (delivered before the cancel)"))
            .actual(b.to_string())
            .build()
            .because(
                "\"whatever companies were already delivered stay readable via the poll endpoint\"",
            )
            .into());
    }
    let rows_before = before.json()["rows"].as_array().map_or(0, Vec::len);
    let rows_after = after.json()["rows"].as_array().map_or(0, Vec::len);
    if rows_after < rows_before {
        return Err(Violation::lifecycle("cancel-keeps-rows", &after)
            .endpoint(Endpoint::Poll)
            .at("/rows")
            .expected(format!("at least {rows_before} rows on the first page"))
            .actual(rows_after.to_string())
            .build()
            .because(
                "\"whatever companies were already delivered stay readable via the poll endpoint\"",
            )
            .into());
    }
    Ok(())
}
