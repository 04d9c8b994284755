//! The control matrix: every control call on a job in every state.

use std::collections::BTreeMap;

use super::super::Rule;
use super::super::session::{Session, Stop};
use crate::api::Control;
use crate::lifecycle::{check_control_answer, check_state_after};
use crate::{JobState, Violation};

/// `control-matrix`.
pub(super) const CONTROL_MATRIX: Rule = rule!(
    "control-matrix",
    "pause, resume and cancel on a job in every reachable state answer as the lifecycle allows, and the next poll agrees",
    "the job states of the TAM Builder docs; silent cells accept 200 or 409 by their documented meanings",
    control_matrix
);

/// One cell's outcome: the status answered, or why it was skipped.
type Cell = Result<String, String>;

async fn control_matrix(session: &mut Session) -> Result<(), Stop> {
    let mut skipped: BTreeMap<String, Vec<&'static str>> = BTreeMap::new();
    let states: Vec<JobState> = JobState::ALL
        .into_iter()
        .filter(|state| {
            let may = session.target().may_change(*state);
            if !may {
                skipped
                    .entry("needs OPENFUNNEL_ALLOW_WRITES=1".into())
                    .or_default()
                    .push(state.as_str());
            }
            may
        })
        .collect();
    let cells: Vec<(JobState, Control)> = states
        .iter()
        .flat_map(|state| Control::ALL.map(|control| (*state, control)))
        .collect();
    // Each cell on its own job: in order on the mock, concurrently on live.
    let outcomes: Vec<Cell> = session
        .each(cells, |mut session, (state, control)| async move {
            let outcome = cell(&mut session, state, control).await;
            (session, outcome)
        })
        .await?;
    let mut taken = 0;
    let mut answers: Vec<String> = Vec::new();
    for (state, row) in states.iter().zip(outcomes.chunks(3)) {
        let statuses: Vec<&str> = row.iter().filter_map(|c| c.as_deref().ok()).collect();
        taken += statuses.len();
        if !statuses.is_empty() {
            answers.push(format!("{state} {}", statuses.join("/")));
        }
        for (control, outcome) in Control::ALL.iter().zip(row) {
            if let Err(reason) = outcome {
                if statuses.is_empty() {
                    skipped
                        .entry(reason.clone())
                        .or_default()
                        .push(state.as_str());
                    break;
                }
                session.note(format!("{state} × {control}: skipped: {reason}"));
            }
        }
    }
    for (reason, states) in skipped {
        session.note(format!(
            "skipped {} (× pause, resume, cancel): {reason}",
            states.join(", ")
        ));
    }
    if taken == 0 {
        return Err(Stop::Skip("no job in any state could be changed".into()));
    }
    session.note(format!(
        "{taken} of 24 cells exercised; answers (pause/resume/cancel): {}",
        answers.join(", ")
    ));
    Ok(())
}

/// One control call on its own job in `state`, judged with the next poll.
async fn cell(session: &mut Session, state: JobState, control: Control) -> Result<Cell, Stop> {
    // Cancel cannot be undone: never on a lent fixture.
    let job = if control == Control::Cancel {
        session.fresh_job_in(state).await
    } else {
        session.job_in(state).await
    };
    let (job, seen) = match job {
        Ok(found) => found,
        Err(Stop::Skip(reason)) => return Ok(Err(reason)),
        Err(stop) => return Err(stop),
    };
    let answer = session.control(control, &job).await?;
    let judged: Result<(), Violation> = check_control_answer(control, seen, &answer);
    let ok = judged.is_ok();
    session.soft(judged);
    if ok {
        let poll = session.poll(&job).await?;
        session.soft(check_state_after(control, seen, answer.status(), &poll).map(drop));
    }
    session.give_back(&job).await;
    Ok(Ok(answer.status().to_string()))
}
