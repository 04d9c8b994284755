//! A whole run: the selected rules, one after another on the mock and
//! concurrently on live, then the cleanup of every job still working.

use super::{Rule, RuleReport, SuiteOptions, SuiteReport, TargetInfo, rules};
use crate::{Target, TargetKind};

/// Runs the rules `options` selects (by exact id), then cancels every job
/// the suite created that its rule did not stop already.
///
/// On the mock the rules run one after another: they share its clock, and
/// a fixed order keeps seeded IDs and reports reproducible. On live they
/// run concurrently (the client's rate limit and budget still bound the
/// whole run): no two rules ever share a job that either may change
/// (see the `suite` module's job table). Reports keep rule order either way.
///
/// # Panics
/// When `options.only` or `options.skip` names a rule that does not
/// exist: check first with [`SuiteOptions::select`] to handle it.
pub async fn run_suite(target: &Target, options: &SuiteOptions) -> SuiteReport {
    let selected = options.select().unwrap_or_else(|error| panic!("{error}"));
    let mut reports: Vec<RuleReport> = Vec::new();
    if target.kind() == TargetKind::Live && !options.sequential {
        let mut tasks = tokio::task::JoinSet::new();
        for rule in selected {
            let (target, options) = (target.clone(), options.clone());
            tasks.spawn(async move { rule.run(&target, &options).await });
        }
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok(report) => reports.push(report),
                Err(error) => std::panic::resume_unwind(error.into_panic()),
            }
        }
    } else {
        for rule in selected {
            reports.push(rule.run(target, options).await);
        }
    }
    reports.sort_by_key(|report| rules().iter().position(|rule: &Rule| rule.id == report.id));
    cleanup(target).await;
    SuiteReport {
        target: TargetInfo {
            kind: target.kind(),
            base_url: target.base_url().to_owned(),
            allow_writes: target.allow_writes(),
        },
        rules: reports,
        requests: target.requests_sent(),
        created_jobs: target.created_jobs(),
        unmatched: target.unmatched(),
        seed: options.seed,
        spend: target.spend(),
        fixtures: target
            .fixture_notes()
            .iter()
            .map(|note| options.terms.speak(note))
            .collect(),
        fail_on_skip: options.fail_on_skip,
    }
}

/// Cancels every job the suite created that is not stopped yet (cancel is
/// free). Errors are ignored: a job that already finished answers 409.
pub async fn cleanup(target: &Target) {
    for job in target.unstopped_jobs() {
        let request = crate::api::Control::Cancel
            .request(&job)
            .key(target.api_key());
        let _ = target.send(request).await;
        target.note_stopped(&job);
    }
}
