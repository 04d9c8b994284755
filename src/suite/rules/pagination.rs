//! Pagination: following next_cursor.

use super::super::Rule;
use super::super::session::{Session, Stop};
use crate::{JobState, TargetKind};

/// `pagination`.
pub(super) const PAGINATION: Rule = rule!(
    "pagination",
    "following next_cursor gives pages whose count equals their rows; a null next_cursor means done only for a terminal job",
    "\"Check status for completion - not next_cursor. A still-running job can return a null next_cursor\" (sibling poll); count: \"Rows in this page.\"",
    pagination
);

async fn pagination(session: &mut Session) -> Result<(), Stop> {
    let max_pages = match session.target().kind() {
        TargetKind::Mock => 1000,
        // Pages are free, but each is a request against the budget.
        TargetKind::Live => 50,
    };
    let (job, _) = session.job_in(JobState::Completed).await?;
    let walk = session.walk_pages(&job, max_pages).await?;
    if walk.bounded {
        session.note(format!(
            "stopped after {} pages, the page budget of a run on this target: the end of the chain was not reached, so the last page and the end were not checked",
            walk.pages
        ));
    } else if !walk.done {
        return Err(Stop::Skip(
            "the completed job's last page came from a job that is not terminal".into(),
        ));
    }
    if let Ok((running, _)) = session.job_in(JobState::Running).await {
        let walk = session.walk_pages(&running, max_pages).await?;
        if !walk.done {
            session.note(format!(
                "running job: {} page(s), the last with next_cursor null or bounded, not taken as done ({:?})",
                walk.pages, walk.status
            ));
        }
    }
    Ok(())
}
