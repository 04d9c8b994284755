//! What a run spent: the credits of every job it created or resumed, read
//! from the polls (`processed`, or the manifest's `credits_consumed` once
//! the job is terminal). 1 credit is one delivered company, about $0.02
//! ("costs 1 credit ($0.02) per company delivered").

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

use crate::Exchange;

/// Dollars per credit, from the credits page.
pub const DOLLARS_PER_CREDIT: f64 = 0.02;

/// Most jobs whose last `processed` is remembered (for a later resume).
const MAX_SEEN: usize = 10_000;

/// Credits a run spent, as plain data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Spend {
    /// Credits spent on each job the run created or resumed, by job ID.
    pub by_job: BTreeMap<String, u64>,
    /// The cap in force; `None` is no cap.
    pub cap: Option<u64>,
}

impl Spend {
    /// Credits spent in all.
    pub fn credits(&self) -> u64 {
        self.by_job.values().sum()
    }

    /// About how many dollars that is.
    pub(crate) fn dollars(&self) -> f64 {
        self.credits() as f64 * DOLLARS_PER_CREDIT
    }
}

impl fmt::Display for Spend {
    /// `this run spent 12 credits (about $0.24) on 3 jobs`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "this run spent {} credits (about ${:.2}) on {} job{} it created or resumed",
            self.credits(),
            self.dollars(),
            self.by_job.len(),
            if self.by_job.len() == 1 { "" } else { "s" }
        )?;
        if let Some(cap) = self.cap {
            write!(f, "; cap {cap}")?;
        }
        Ok(())
    }
}

/// One paid job: its `processed` when the run started paying, and the
/// most it has delivered since.
#[derive(Debug, Clone, Copy)]
struct Paid {
    start: u64,
    last: u64,
}

/// The growing ledger inside a target.
#[derive(Debug, Default)]
pub(crate) struct Ledger {
    paid: BTreeMap<String, Paid>,
    seen: BTreeMap<String, u64>,
}

impl Ledger {
    /// The run created `job` (a submit answered with its ID).
    pub(crate) fn created(&mut self, job: &str) {
        let last = self.seen.get(job).copied().unwrap_or(0);
        self.paid
            .entry(job.to_owned())
            .or_insert(Paid { start: 0, last });
    }

    /// The run resumed `job` (200): what it delivers from now on is paid.
    pub(crate) fn resumed(&mut self, job: &str) {
        let now = self.seen.get(job).copied().unwrap_or(0);
        self.paid.entry(job.to_owned()).or_insert(Paid {
            start: now,
            last: now,
        });
    }

    /// A poll of `job` answered.
    pub(crate) fn polled(&mut self, job: &str, poll: &Exchange) {
        let Some(delivered) = delivered(poll) else {
            return;
        };
        if let Some(paid) = self.paid.get_mut(job) {
            paid.last = paid.last.max(delivered);
        }
        if self.seen.len() < MAX_SEEN || self.seen.contains_key(job) {
            let seen = self.seen.entry(job.to_owned()).or_default();
            *seen = (*seen).max(delivered);
        }
    }

    /// The spend, as data.
    pub(crate) fn spend(&self, cap: Option<u64>) -> Spend {
        Spend {
            by_job: self
                .paid
                .iter()
                .map(|(job, p)| (job.clone(), p.last.saturating_sub(p.start)))
                .collect(),
            cap,
        }
    }
}

/// Companies a job has delivered, by its poll: the manifest's
/// `credits_consumed` when there is one, else `processed`.
fn delivered(poll: &Exchange) -> Option<u64> {
    if !poll.is_success() {
        return None;
    }
    let body = poll.json();
    let manifest = body
        .get("manifest")
        .and_then(|m| m.get("credits_consumed"))
        .and_then(Value::as_u64);
    let processed = body.get("processed").and_then(Value::as_u64);
    manifest.max(processed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Request, Response};
    use serde_json::json;

    fn poll(processed: u64, credits: Option<u64>) -> Exchange {
        let manifest = credits.map(|c| json!({"credits_consumed": c}));
        Exchange::new(
            Request::new(reqwest::Method::GET, "/api/v1/tam/build/j"),
            Response::json(
                200,
                &json!({"job_id": "j", "status": "running", "processed": processed, "manifest": manifest}),
            ),
        )
    }

    #[test]
    fn created_jobs_cost_what_they_delivered_and_resumed_ones_what_came_after() {
        let mut ledger = Ledger::default();
        ledger.created("new");
        ledger.polled("new", &poll(5, None));
        ledger.polled("new", &poll(3, Some(7)));
        ledger.polled("fixture", &poll(40, None));
        ledger.resumed("fixture");
        ledger.polled("fixture", &poll(46, None));
        ledger.polled("free", &poll(900, None));
        let spend = ledger.spend(Some(100));
        assert_eq!(spend.credits(), 7 + 6);
        assert_eq!(spend.by_job.len(), 2);
        assert_eq!(
            spend.to_string(),
            "this run spent 13 credits (about $0.26) on 2 jobs it created or resumed; cap 100"
        );
    }
}
