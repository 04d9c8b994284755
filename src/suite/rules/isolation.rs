//! Tenant isolation: another key never sees or changes a job.

use super::super::Rule;
use super::super::session::{Session, Stop};
use crate::JobState;
use crate::Violation;
use crate::api::{Control, Endpoint};

/// `isolation-404`.
pub(super) const ISOLATION_404: Rule = rule!(
    "isolation-404",
    "another key's job gets 404 on poll, pause, resume and cancel, and is left unchanged",
    "\"Job not found for this API key.\"",
    isolation_404
);

async fn isolation_404(session: &mut Session) -> Result<(), Stop> {
    let Some(other) = session.target().other_api_key().cloned() else {
        return Err(Stop::Skip(
            "no second key: set OPENFUNNEL_OTHER_API_KEY to another tenant's key".into(),
        ));
    };
    const STATES: [JobState; 5] = [
        JobState::Completed,
        JobState::Cancelled,
        JobState::Failed,
        JobState::Paused,
        JobState::Running,
    ];
    let probes = session
        .each(STATES.to_vec(), move |mut session, state| {
            let other = other.clone();
            async move {
                let probed = probe(&mut session, &other, state).await;
                (session, probed)
            }
        })
        .await?;
    let reached = probes.into_iter().filter(|hit| *hit).count();
    if reached == 0 {
        return Err(Stop::Skip(
            "no job of this key to probe: set OPENFUNNEL_JOB_COMPLETED (or another fixture)".into(),
        ));
    }
    Ok(())
}

/// Every request form of the other key on this key's job in `state`;
/// false when there is no such job here.
async fn probe(
    session: &mut Session,
    other: &crate::ApiKey,
    state: JobState,
) -> Result<bool, Stop> {
    if !session.target().may_change(state) {
        return Ok(false);
    }
    let Ok((job, seen)) = session.job_in(state).await else {
        return Ok(false);
    };
    let poll = session.poll_as(Some(other), &job, None).await?;
    // Every request form: a page named by a cursor too.
    let (_, own) = session.observe(&job).await?;
    let cursor = own
        .body_str("next_cursor")
        .unwrap_or_else(|| "page_0001".to_owned());
    let paged = session.poll_as(Some(other), &job, Some(&cursor)).await?;
    let mut answers = vec![
        (poll, Endpoint::Poll.operation_id()),
        (paged, Endpoint::Poll.operation_id()),
    ];
    for control in Control::ALL {
        answers.push((
            session.control_as(Some(other), control, &job).await?,
            control.operation_id(),
        ));
    }
    for (answer, op) in answers {
        if answer.status() != 404 {
            session.soft(Err(Violation::lifecycle("isolation-404", &answer)
                .operation(op)
                .expected(format!("404 for another key's {seen} job"))
                .actual(answer.status().to_string())
                .build()
                .because("\"Job not found for this API key.\"")));
        }
    }
    let (now, poll) = session.observe(&job).await?;
    if !crate::lifecycle::reachable(seen).contains(&now) {
        session.soft(Err(Violation::lifecycle("isolation-unchanged", &poll)
            .endpoint(Endpoint::Poll)
            .at("/status")
            .expected(format!("{seen} or where it moves on its own"))
            .actual(now.as_str())
            .build()));
    }
    Ok(true)
}
