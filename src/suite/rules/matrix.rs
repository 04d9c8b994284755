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
    control_matrix, changes_fixtures: true
);

async fn control_matrix(session: &mut Session) -> Result<(), Stop> {
    let mut cells = 0;
    let mut skipped: BTreeMap<String, Vec<&'static str>> = BTreeMap::new();
    let mut answers: Vec<String> = Vec::new();
    for state in JobState::ALL {
        if !session.target().may_change(state) {
            skipped
                .entry("needs OPENFUNNEL_ALLOW_WRITES=1".into())
                .or_default()
                .push(state.as_str());
            continue;
        }
        let mut row = Vec::new();
        for control in Control::ALL {
            let (job, seen) = match session.job_in(state).await {
                Ok(found) => found,
                Err(Stop::Skip(reason)) => {
                    skipped.entry(reason).or_default().push(state.as_str());
                    break;
                }
                Err(stop) => return Err(stop),
            };
            cells += 1;
            let answer = session.control(control, &job).await?;
            row.push(answer.status().to_string());
            let judged: Result<(), Violation> = check_control_answer(control, seen, &answer);
            let ok = judged.is_ok();
            session.soft(judged);
            if ok {
                let poll = session.poll(&job).await?;
                session.soft(check_state_after(control, seen, answer.status(), &poll).map(drop));
            }
        }
        if !row.is_empty() {
            answers.push(format!("{state} {}", row.join("/")));
        }
    }
    for (reason, states) in skipped {
        session.note(format!(
            "skipped {} (× pause, resume, cancel): {reason}",
            states.join(", ")
        ));
    }
    if cells == 0 {
        return Err(Stop::Skip("no job in any state could be changed".into()));
    }
    session.note(format!(
        "{cells} of 24 cells exercised; answers (pause/resume/cancel): {}",
        answers.join(", ")
    ));
    Ok(())
}
