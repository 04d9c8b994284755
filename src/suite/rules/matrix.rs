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

/// One state's row: the answers, or why the row was skipped.
type Row = Result<Vec<String>, String>;

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
    // On the mock the rows run in order (seeded IDs, one clock); on live
    // each row waits for its own jobs concurrently.
    let mut rows: Vec<(JobState, Row)> = Vec::new();
    if session.target().seeds_on_demand() {
        for state in states {
            rows.push((state, row(session, state).await?));
        }
    } else {
        let mut tasks = tokio::task::JoinSet::new();
        for (index, state) in states.into_iter().enumerate() {
            let mut child = session.fork();
            tasks.spawn(async move {
                let row = row(&mut child, state).await;
                (index, state, child, row)
            });
        }
        let mut done = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok(finished) => done.push(finished),
                Err(error) => std::panic::resume_unwind(error.into_panic()),
            }
        }
        done.sort_by_key(|(index, ..)| *index);
        let mut stop = None;
        for (_, state, child, row) in done {
            session.absorb(child);
            match row {
                Ok(row) => rows.push((state, row)),
                Err(error) => stop = stop.or(Some(error)),
            }
        }
        if let Some(stop) = stop {
            return Err(stop);
        }
    }
    let mut cells = 0;
    let mut answers: Vec<String> = Vec::new();
    for (state, row) in rows {
        match row {
            Ok(row) => {
                cells += row.len();
                if !row.is_empty() {
                    answers.push(format!("{state} {}", row.join("/")));
                }
            }
            Err(reason) => skipped.entry(reason).or_default().push(state.as_str()),
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

/// Pause, resume and cancel, each on its own job in `state`.
async fn row(session: &mut Session, state: JobState) -> Result<Row, Stop> {
    let mut answers = Vec::new();
    for control in Control::ALL {
        // Cancel cannot be undone: never on a lent fixture.
        let job = if control == Control::Cancel {
            session.fresh_job_in(state).await
        } else {
            session.job_in(state).await
        };
        let (job, seen) = match job {
            Ok(found) => found,
            Err(Stop::Skip(reason)) if answers.is_empty() => return Ok(Err(reason)),
            Err(Stop::Skip(reason)) => {
                session.note(format!("{state} × {control}: skipped: {reason}"));
                break;
            }
            Err(stop) => return Err(stop),
        };
        let answer = session.control(control, &job).await?;
        answers.push(answer.status().to_string());
        let judged: Result<(), Violation> = check_control_answer(control, seen, &answer);
        let ok = judged.is_ok();
        session.soft(judged);
        if ok {
            let poll = session.poll(&job).await?;
            session.soft(check_state_after(control, seen, answer.status(), &poll).map(drop));
        }
        session.give_back(&job).await;
    }
    Ok(Ok(answers))
}
