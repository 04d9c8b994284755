//! What a run exercised, and what it never reached.
//!
//! Two measures:
//! - **status coverage**: for every operation of the spec, which of its
//!   documented status keys (`200`, `404`, `4XX`, `default`, …) answered at
//!   least once. An answer counts for the key that documents it (the exact
//!   code first, then its range, then `default`), as the spec checks do.
//!   The percentage is *documented (operation, status key) pairs seen at
//!   least once ÷ all documented pairs*; answers with an undocumented status
//!   and requests that match no operation are listed but never count.
//! - **lifecycle cells**: which (control × state before) cells were taken,
//!   out of 3 × 8, each with the answers and the states the next poll
//!   showed.

use std::collections::{BTreeMap, BTreeSet};

use crate::api::Control;
use crate::record::{Record, Transition};
use crate::spec::StatusKey;
use crate::{JobState, Sent, Spec};

/// Status coverage of one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationCoverage {
    /// The `operationId`.
    pub operation_id: String,
    /// The HTTP method.
    pub method: String,
    /// The path template.
    pub path: String,
    /// The documented status keys, in document order.
    pub documented: Vec<String>,
    /// Answers per documented status key that answered at least once.
    pub seen: BTreeMap<String, u32>,
    /// Answers with a status no key documents, per status.
    pub undocumented: BTreeMap<u16, u32>,
    /// The codes that answered for a range key (`2XX`, where the docs do
    /// not show the exact code) or `default`, per code: what the service
    /// really answers.
    pub range_codes: BTreeMap<u16, u32>,
}

impl OperationCoverage {
    /// Documented keys that never answered, in document order.
    pub fn missing(&self) -> Vec<&str> {
        self.documented
            .iter()
            .filter(|key| !self.seen.contains_key(*key))
            .map(String::as_str)
            .collect()
    }
}

/// How often a transition was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransitionCount {
    /// The transition.
    pub transition: Transition,
    /// How many times.
    pub count: u32,
}

/// What a run exercised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    /// Per operation, in spec order.
    pub operations: Vec<OperationCoverage>,
    /// Distinct transitions taken, sorted.
    pub transitions: Vec<TransitionCount>,
    /// Answered requests that matched no operation of the spec.
    pub unmatched_requests: u32,
}

impl Coverage {
    /// Every (control × state before) cell: 3 × 8.
    pub(crate) const CELLS: usize = Control::ALL.len() * JobState::ALL.len();

    /// Coverage from the answered requests and observed transitions.
    pub(crate) fn compute(spec: &Spec, sent: &[Sent], transitions: &[Transition]) -> Coverage {
        let mut operations: Vec<OperationCoverage> = spec
            .operations()
            .iter()
            .map(|op| OperationCoverage {
                operation_id: op.id().to_owned(),
                method: op.method().to_string(),
                path: op.path_template().to_owned(),
                documented: op.documented_statuses(),
                seen: BTreeMap::new(),
                undocumented: BTreeMap::new(),
                range_codes: BTreeMap::new(),
            })
            .collect();
        let mut unmatched_requests = 0;
        for answer in sent {
            let found = answer.operation_id.as_deref().and_then(|id| {
                let index = operations.iter().position(|o| o.operation_id == id)?;
                Some((index, spec.operation(id).ok()?))
            });
            let Some((index, operation)) = found else {
                unmatched_requests += 1;
                continue;
            };
            let entry = &mut operations[index];
            match operation.response_for(answer.status) {
                Some(response) => {
                    *entry.seen.entry(response.key().to_string()).or_default() += 1;
                    if !matches!(response.key(), StatusKey::Code(_)) {
                        *entry.range_codes.entry(answer.status).or_default() += 1;
                    }
                }
                None => *entry.undocumented.entry(answer.status).or_default() += 1,
            }
        }
        let mut counts: BTreeMap<Transition, u32> = BTreeMap::new();
        for transition in transitions {
            *counts.entry(*transition).or_default() += 1;
        }
        // A call not followed by a poll (the suite repeated it first) adds
        // nothing when the same call was seen with a poll after it.
        let polled: BTreeSet<(Control, JobState, u16)> = counts
            .keys()
            .filter(|t| t.after.is_some())
            .map(|t| (t.control, t.before, t.status))
            .collect();
        counts
            .retain(|t, _| t.after.is_some() || !polled.contains(&(t.control, t.before, t.status)));
        Coverage {
            operations,
            transitions: counts
                .into_iter()
                .map(|(transition, count)| TransitionCount { transition, count })
                .collect(),
            unmatched_requests,
        }
    }

    /// The coverage of everything a run sent and observed.
    pub(crate) fn of_record(spec: &Spec, record: &Record) -> Coverage {
        Coverage::compute(spec, &record.sent, &record.transitions)
    }

    /// Documented (operation, status key) pairs.
    pub fn statuses_documented(&self) -> usize {
        self.operations.iter().map(|o| o.documented.len()).sum()
    }

    /// Documented pairs that answered at least once.
    pub fn statuses_seen(&self) -> usize {
        self.operations.iter().map(|o| o.seen.len()).sum()
    }

    /// `statuses_seen / statuses_documented` in percent (100 when the spec
    /// documents nothing).
    pub(crate) fn status_percent(&self) -> f64 {
        match self.statuses_documented() {
            0 => 100.0,
            documented => self.statuses_seen() as f64 * 100.0 / documented as f64,
        }
    }

    /// Documented pairs never seen, as `(operationId, status key)`.
    pub(crate) fn statuses_missing(&self) -> Vec<(&str, &str)> {
        self.operations
            .iter()
            .flat_map(|o| {
                o.missing()
                    .into_iter()
                    .map(move |key| (o.operation_id.as_str(), key))
            })
            .collect()
    }

    /// The (control × state before) cells taken.
    pub fn cells_reached(&self) -> BTreeSet<(Control, JobState)> {
        self.transitions
            .iter()
            .map(|t| (t.transition.control, t.transition.before))
            .collect()
    }

    /// The cells never taken, by control then state (lifecycle order).
    pub(crate) fn cells_never_reached(&self) -> Vec<(Control, JobState)> {
        let reached = self.cells_reached();
        Control::ALL
            .iter()
            .flat_map(|c| JobState::ALL.iter().map(move |s| (*c, *s)))
            .filter(|cell| !reached.contains(cell))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(op: &str, status: u16) -> Sent {
        Sent {
            operation_id: Some(op.to_owned()),
            endpoint: crate::api::Endpoint::from_operation_id(op),
            status,
        }
    }

    #[test]
    fn statuses_count_once_per_documented_key() {
        let spec = Spec::embedded().unwrap();
        let log = [
            sent("pollTamBuildJob", 200),
            sent("pollTamBuildJob", 200),
            sent("pollTamBuildJob", 418),
            sent("resumeTamBuildJob", 409),
            Sent {
                operation_id: None,
                endpoint: None,
                status: 404,
            },
        ];
        let coverage = Coverage::compute(&spec, &log, &[]);
        assert_eq!(coverage.statuses_documented(), 17);
        assert_eq!(coverage.statuses_seen(), 2);
        assert_eq!(coverage.unmatched_requests, 1);
        let poll = &coverage.operations[1];
        assert_eq!(poll.operation_id, "pollTamBuildJob");
        assert_eq!(poll.seen["2XX"], 2);
        assert_eq!(poll.range_codes[&200], 2, "the code that answered 2XX");
        assert_eq!(poll.undocumented[&418], 1);
        assert_eq!(poll.missing(), ["404", "422"]);
        assert!((coverage.status_percent() - 200.0 / 17.0).abs() < 1e-9);
    }

    #[test]
    fn cells_never_reached_are_the_complement() {
        let spec = Spec::embedded().unwrap();
        let t = Transition {
            control: Control::Resume,
            before: JobState::Paused,
            status: 200,
            after: Some(JobState::Running),
        };
        let coverage = Coverage::compute(&spec, &[], &[t, t]);
        assert_eq!(coverage.transitions.len(), 1);
        assert_eq!(coverage.transitions[0].count, 2);
        assert_eq!(coverage.cells_never_reached().len(), Coverage::CELLS - 1);
        assert_eq!(t.to_string(), "resume × paused → 200 → running");
    }
}
