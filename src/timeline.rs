//! A job's timeline: every poll of it, and every control call answered in
//! between, judged against what the documentation says must hold over
//! time. Rules and the model feed the same timelines (through the target),
//! so they judge alike.
//!
//! | invariant | sentence |
//! |---|---|
//! | `progress-monotone`: `processed` and `bands_done` never go back | "While running, `processed` and `bands_done` advance as each sub process completes" (poll) |
//! | `progress-still`: no growth while `paused` (without a resume) or once terminal | same; "a terminal job never changes state again" |
//! | `progress-settles`: after `pausing`/`cancelling` was seen, at most the in-flight band more | "the in-flight process finishes and is written, then it settles to `paused`"; "stops at its next checkpoint" (tam-builder) |
//! | `rows-stay`: a page's rows stay, in place, in every later poll (a ranked completion may reorder) | "whatever companies were already delivered stay readable via the poll endpoint" (tam-builder) |
//! | `polling-free`: a terminal job's manifest (with `credits_consumed`) never changes | "async jobs are billed once on completion — never for polling" (credits) |

use std::collections::BTreeMap;

use serde_json::Value;

use crate::api::{Control, Endpoint};
use crate::lifecycle::is_success;
use crate::violation::ViolationBuilder;
use crate::{Exchange, JobState, Violation};

const PROGRESS: &str = "\"While running, `processed` and `bands_done` advance as each sub process completes\" (poll-tam-builder-results)";
const SETTLES: &str = "\"the in-flight process finishes and is written, then it settles to `paused`\"; cancel \"stops at its next checkpoint\" (tam-builder)";
const ROWS: &str = "\"whatever companies were already delivered stay readable via the poll endpoint\" (tam-builder)";
const FREE: &str = "\"async jobs are billed once on completion — never for polling\" (credits); a terminal job never changes";

/// The most rows kept per page (a long run must not grow without bound).
const ROWS_KEPT: usize = 200;
/// The most pages whose rows are kept per job; later pages are not judged
/// for `rows-stay` (a job of 20,000 companies has 2,000 pages).
const PAGES_KEPT: usize = 64;

/// What one poll showed.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    state: JobState,
    processed: Option<u64>,
    bands_done: Option<u64>,
    manifest: Option<Value>,
}

/// Everything observed of one job.
#[derive(Debug, Clone, Default)]
pub(crate) struct Timeline {
    last: Option<Seen>,
    /// Control calls accepted since the last poll.
    accepted: Vec<Control>,
    /// `bands_done` when `pausing`/`cancelling` was first seen (the in-flight
    /// band may still finish); cleared by an accepted resume.
    settling_from: Option<u64>,
    /// Row identities per page name (`""` for the first page).
    pages: BTreeMap<String, Vec<String>>,
    polls: u32,
}

impl Timeline {
    /// A control call on the job answered `status`.
    pub(crate) fn control(&mut self, control: Control, status: u16) {
        if is_success(control, status) {
            self.accepted.push(control);
            if control == Control::Resume {
                self.settling_from = None;
            }
        }
    }

    /// A poll of the job (by its owner) answered: judges it against what
    /// came before, then remembers it. `cursor` is the page asked for.
    pub(crate) fn poll(&mut self, cursor: Option<&str>, poll: &Exchange) -> Vec<Violation> {
        if !poll.is_success() {
            return Vec::new();
        }
        self.poll_with(cursor, poll, &poll.json())
    }

    /// [`Timeline::poll`] with the poll's body already parsed (`body` is
    /// `poll.json()`), for a caller that reads it too: the body is parsed
    /// once.
    pub(crate) fn poll_with(
        &mut self,
        cursor: Option<&str>,
        poll: &Exchange,
        body: &Value,
    ) -> Vec<Violation> {
        let mut found = Vec::new();
        let Some(now) = seen(poll, body) else {
            return found;
        };
        self.polls += 1;
        if let Some(before) = self.last.clone() {
            self.judge_progress(&before, &now, poll, &mut found);
            if before.state.is_terminal()
                && now.state == before.state
                && before.manifest.is_some()
                && now.manifest != before.manifest
            {
                found.push(
                    violation(poll, "polling-free", Some("/manifest"))
                        .expected("the same manifest as the previous poll (the job is terminal)")
                        .actual(short(&now.manifest))
                        .because(FREE)
                        .build(),
                );
            }
        }
        self.judge_rows(cursor, &now, poll, body, &mut found);
        if matches!(now.state, JobState::Pausing | JobState::Cancelling)
            && self.settling_from.is_none()
        {
            self.settling_from = now.bands_done;
        }
        self.accepted.clear();
        self.last = Some(now);
        found
    }

    fn judge_progress(
        &self,
        before: &Seen,
        now: &Seen,
        poll: &Exchange,
        found: &mut Vec<Violation>,
    ) {
        let resumed = self.accepted.contains(&Control::Resume);
        let still = before.state.is_terminal()
            || (before.state == JobState::Paused && now.state == JobState::Paused && !resumed);
        for (field, was, is) in [
            ("processed", before.processed, now.processed),
            ("bands_done", before.bands_done, now.bands_done),
        ] {
            let (Some(was), Some(is)) = (was, is) else {
                continue;
            };
            let pointer = format!("/{field}");
            if is < was {
                found.push(
                    violation(poll, "progress-monotone", Some(&pointer))
                        .expected(format!("at least {was} (the previous poll showed it)"))
                        .actual(is.to_string())
                        .because(PROGRESS)
                        .build(),
                );
            } else if is > was && still {
                found.push(
                    violation(poll, "progress-still", Some(&pointer))
                        .expected(format!(
                            "{was} again: the job was {} and nothing resumed it",
                            before.state
                        ))
                        .actual(is.to_string())
                        .because(PROGRESS)
                        .build(),
                );
            }
        }
        if let (Some(from), Some(is)) = (self.settling_from, now.bands_done)
            && !resumed
            && is > from + 1
        {
            found.push(
                violation(poll, "progress-settles", Some("/bands_done"))
                    .expected(format!(
                        "at most {} (pausing or cancelling was seen at {from}; only the in-flight band may finish)",
                        from + 1
                    ))
                    .actual(is.to_string())
                    .because(SETTLES)
                        .build(),
            );
        }
    }

    fn judge_rows(
        &mut self,
        cursor: Option<&str>,
        now: &Seen,
        poll: &Exchange,
        body: &Value,
        found: &mut Vec<Violation>,
    ) {
        let rows: Vec<String> = body
            .get("rows")
            .and_then(Value::as_array)
            .map(|rows| rows.iter().take(ROWS_KEPT).map(identity).collect())
            .unwrap_or_default();
        let page = cursor.unwrap_or("").to_owned();
        let reranked = now.state == JobState::Completed
            && body
                .pointer("/manifest/ranked")
                .and_then(Value::as_bool)
                .unwrap_or(false);
        if let Some(before) = self.pages.get(&page) {
            let kept = before.len().min(ROWS_KEPT);
            if rows.len() < kept {
                found.push(
                    violation(poll, "rows-stay", Some("/rows"))
                        .expected(format!(
                            "at least {kept} rows on this page, as an earlier poll showed"
                        ))
                        .actual(rows.len().to_string())
                        .because(ROWS)
                        .build(),
                );
            } else if !reranked && let Some(index) = (0..kept).find(|i| before[*i] != rows[*i]) {
                found.push(
                    violation(poll, "rows-stay", Some(&format!("/rows/{index}")))
                        .expected(format!("{} (delivered there before)", before[index]))
                        .actual(rows[index].clone())
                        .because(ROWS)
                        .build(),
                );
            }
        }
        if self.pages.len() < PAGES_KEPT || self.pages.contains_key(&page) {
            self.pages.insert(page, rows);
        }
    }
}

/// The timelines of a run, by job ID.
#[derive(Debug, Default)]
pub(crate) struct Timelines {
    jobs: BTreeMap<String, Timeline>,
    /// Jobs forgotten to keep memory bounded.
    forgotten: u64,
}

impl Timelines {
    /// The most jobs kept; the oldest (by ID order) is forgotten first.
    pub(crate) const MAX_JOBS: usize = 10_000;

    /// A control call on `job` answered `status`.
    pub(crate) fn control(&mut self, job: &str, control: Control, status: u16) {
        self.entry(job).control(control, status);
    }

    /// A poll of `job` by its owner; the violations of the invariants.
    pub(crate) fn poll(
        &mut self,
        job: &str,
        cursor: Option<&str>,
        poll: &Exchange,
    ) -> Vec<Violation> {
        self.entry(job).poll(cursor, poll)
    }

    /// Jobs observed, polls in all, jobs forgotten.
    pub(crate) fn counts(&self) -> (usize, u64, u64) {
        let polls = self.jobs.values().map(|t| u64::from(t.polls)).sum();
        (self.jobs.len(), polls, self.forgotten)
    }

    fn entry(&mut self, job: &str) -> &mut Timeline {
        if !self.jobs.contains_key(job) && self.jobs.len() >= Self::MAX_JOBS {
            let oldest = self.jobs.keys().next().cloned();
            if let Some(oldest) = oldest {
                self.jobs.remove(&oldest);
                self.forgotten += 1;
            }
        }
        self.jobs.entry(job.to_owned()).or_default()
    }
}

fn seen(poll: &Exchange, body: &Value) -> Option<Seen> {
    if !poll.is_success() {
        return None;
    }
    let state = body.get("status")?.as_str()?.parse().ok()?;
    Some(Seen {
        state,
        processed: body.get("processed").and_then(Value::as_u64),
        bands_done: body.get("bands_done").and_then(Value::as_u64),
        manifest: body.get("manifest").filter(|m| !m.is_null()).cloned(),
    })
}

/// A row's identity: its `domain`, else its `name`, else the whole row.
fn identity(row: &Value) -> String {
    row.get("domain")
        .or_else(|| row.get("name"))
        .and_then(Value::as_str)
        .map_or_else(|| row.to_string(), |s| format!("{s:?}"))
}

fn short(value: &Option<Value>) -> String {
    crate::spec::shorten(&value.as_ref().map_or("null".into(), Value::to_string))
}

/// A violation of an invariant, shown on the poll that broke it.
fn violation<'a>(
    exchange: &'a Exchange,
    rule: &'static str,
    pointer: Option<&str>,
) -> ViolationBuilder<'a> {
    let draft = Violation::lifecycle(rule, exchange).endpoint(Endpoint::Poll);
    match pointer {
        Some(pointer) => draft.at(pointer),
        None => draft,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Response;
    use serde_json::json;

    fn poll(status: &str, processed: u64, bands: u64, rows: &[&str]) -> Exchange {
        let rows: Vec<Value> = rows.iter().map(|d| json!({"domain": d})).collect();
        Exchange::new(
            Endpoint::Poll.request("j"),
            Response::json(
                200,
                &json!({"job_id": "j", "status": status, "processed": processed,
                        "bands_done": bands, "rows": rows, "manifest": null}),
            ),
        )
    }

    fn rules(found: &[Violation]) -> Vec<&str> {
        found.iter().map(|v| v.rule.as_str()).collect()
    }

    #[test]
    fn progress_never_goes_back_and_stays_still_while_paused() {
        let mut t = Timeline::default();
        assert!(t.poll(None, &poll("running", 10, 1, &["a"])).is_empty());
        assert_eq!(
            rules(&t.poll(None, &poll("running", 5, 1, &["a"]))),
            ["progress-monotone"]
        );
        let mut t = Timeline::default();
        t.poll(None, &poll("paused", 10, 1, &["a"]));
        assert_eq!(
            rules(&t.poll(None, &poll("paused", 20, 2, &["a"]))),
            ["progress-still", "progress-still"]
        );
        let mut t = Timeline::default();
        t.poll(None, &poll("paused", 10, 1, &["a"]));
        t.control(Control::Resume, 200);
        assert!(
            t.poll(None, &poll("paused", 20, 2, &["a"])).is_empty(),
            "resumed, then paused again"
        );
    }

    #[test]
    fn at_most_the_in_flight_band_after_pausing_was_seen() {
        let mut t = Timeline::default();
        t.poll(None, &poll("pausing", 10, 1, &[]));
        assert!(t.poll(None, &poll("paused", 20, 2, &[])).is_empty());
        let mut t = Timeline::default();
        t.poll(None, &poll("cancelling", 10, 1, &[]));
        assert_eq!(
            rules(&t.poll(None, &poll("cancelling", 30, 3, &[]))),
            ["progress-settles"]
        );
    }

    #[test]
    fn delivered_rows_stay_in_place() {
        let mut t = Timeline::default();
        t.poll(None, &poll("running", 2, 1, &["a", "b"]));
        assert!(
            t.poll(None, &poll("running", 3, 1, &["a", "b", "c"]))
                .is_empty()
        );
        assert_eq!(
            rules(&t.poll(None, &poll("running", 3, 1, &["a", "x", "c"]))),
            ["rows-stay"]
        );
        assert_eq!(
            rules(&t.poll(None, &poll("running", 3, 1, &["a"]))),
            ["rows-stay"]
        );
    }
}
