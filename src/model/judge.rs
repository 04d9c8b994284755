//! What a correct service may answer to one step, given what the model
//! believes about the job, and how an answer narrows that belief. Every
//! lifecycle judgement is the oracle's ([`crate::lifecycle`]); this file
//! only lifts it from one state to a set of states.

use std::fmt;

use serde_json::Value;

use super::StateSet;
use crate::api::{Control, Endpoint};
use crate::lifecycle::{self, allowed_after, check_control_answer};
use crate::{Exchange, JobState, Violation};

/// Why a poll must show a state the model allows.
const POLL_BECAUSE: &str = "between two observations a job moves only as lifecycle::reachable allows: pending → running → completed/failed, pausing → paused, cancelling → cancelled; terminal states never change";
/// Why another key, or no job, gets 404.
const NOT_FOUND_BECAUSE: &str = "resume 404: \"Job not found for this API key\"; the sibling bulk-lookalike API: \"404 if no job with that id exists for your API key\"";
/// Why delivered rows never shrink.
const ROWS_BECAUSE: &str = "processed: \"Unique qualified companies so far (advances live as bands complete)\"; rows delivered so far stay readable after pause and cancel";
/// Why a submit answers pending.
const SUBMIT_BECAUSE: &str = "submit: \"The endpoint immediately returns a `job_id`.\"; status: \"Job status at submit time (always pending).\"";

/// One answer a correct service may give: a status and, when the body
/// `status` is known, the values it may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AllowedAnswer {
    /// The HTTP status (200 stands for any 2xx when `any_success`).
    pub status: u16,
    /// True when the docs do not show the success code: any 2xx will do.
    pub any_success: bool,
    /// The body `status` values allowed; `None`: not judged.
    pub body_status: Option<StateSet>,
}

impl fmt::Display for AllowedAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = if self.any_success {
            "2xx".to_owned()
        } else {
            self.status.to_string()
        };
        match self.body_status {
            Some(states) => write!(f, "{status} with status {states}"),
            None => f.write_str(&status),
        }
    }
}

/// Every answer a correct service may give to one step, and the belief it
/// rests on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Allowed {
    /// The answers, any of which is correct.
    pub answers: Vec<AllowedAnswer>,
    /// What a 200 body must also satisfy, e.g. `processed at least 30`.
    pub conditions: Vec<String>,
    /// What the model knew, e.g. `job #1 may be paused`.
    pub given: String,
}

impl Allowed {
    fn one(status: u16, body_status: Option<StateSet>, given: String) -> Allowed {
        Allowed {
            answers: vec![AllowedAnswer {
                status,
                any_success: false,
                body_status,
            }],
            conditions: Vec::new(),
            given,
        }
    }

    /// True when `exchange`'s status and body `status` are one of the
    /// answers.
    pub(crate) fn admits(&self, exchange: &Exchange) -> bool {
        let shown = exchange
            .body_str("status")
            .and_then(|s| s.parse::<JobState>().ok());
        self.answers.iter().any(|a| {
            let status = exchange.status();
            (a.status == status || (a.any_success && (200..300).contains(&status)))
                && a.body_status
                    .is_none_or(|set| shown.is_some_and(|s| set.contains(s)))
        })
    }
}

impl fmt::Display for Allowed {
    /// `200 with status pausing or paused, or 409 (job #1 may be …)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let answers: Vec<String> = self
            .answers
            .iter()
            .map(|a| match a.status {
                200 if !self.conditions.is_empty() => {
                    format!("{a}, {}", self.conditions.join(" and "))
                }
                _ => a.to_string(),
            })
            .collect();
        match answers.as_slice() {
            [] => f.write_str("nothing")?,
            [one] => f.write_str(one)?,
            [init @ .., last] => write!(f, "{}, or {last}", init.join(", "))?,
        }
        write!(f, " ({})", self.given)
    }
}

/// What the model believes about one job it knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Belief {
    /// The job's number in the sequence (`job #n`).
    pub number: usize,
    /// Its ID.
    pub id: String,
    /// The states it may be in now (closed under [`StateSet::closure`]).
    pub states: StateSet,
    /// The most `processed` a poll has shown.
    pub processed: Option<u64>,
    /// The most rows the first page has shown.
    pub first_page_rows: usize,
}

impl Belief {
    /// A job first seen in `state` (a submit: `pending`).
    pub(super) fn new(number: usize, id: String, state: JobState) -> Belief {
        Belief {
            number,
            id,
            states: StateSet::reachable_from(state),
            processed: None,
            first_page_rows: 0,
        }
    }

    fn given(&self) -> String {
        format!("job #{} may be {}", self.number, self.states)
    }
}

/// The answers to a poll of one's own job: 200 with a state the job may
/// be in. With a cursor the docs are silent on pages not written yet and
/// on cursor names, so 404 and 422 (their documented meanings) are
/// allowed too.
pub(crate) fn allowed_poll(belief: &Belief, cursor: bool) -> Allowed {
    // The poll page does not show its success code: any 2xx will do.
    let mut allowed = Allowed::one(200, Some(belief.states), belief.given());
    allowed.answers[0].any_success = true;
    if let Some(floor) = belief.processed.filter(|p| *p > 0) {
        allowed
            .conditions
            .push(format!("processed at least {floor}"));
    }
    if !cursor && belief.first_page_rows > 0 {
        allowed.conditions.push(format!(
            "at least {} rows on the first page",
            belief.first_page_rows
        ));
    }
    if cursor {
        for status in [404, 422] {
            allowed.answers.push(AllowedAnswer {
                status,
                any_success: false,
                body_status: None,
            });
        }
    }
    allowed
}

/// The answers to a control call on one's own job, lifted from
/// [`check_control_answer`]: 409 when the job may have finished, 200 with
/// a documented body `status` when it may still be working.
pub(crate) fn allowed_control(belief: &Belief, control: Control) -> Allowed {
    let mut answers = Vec::new();
    if belief
        .states
        .iter()
        .any(|b| lifecycle::answers(control, b).0)
    {
        answers.push(AllowedAnswer {
            status: 200,
            any_success: control == Control::Cancel,
            body_status: Some(StateSet::of(lifecycle::accepted_statuses(control))),
        });
    }
    if belief
        .states
        .iter()
        .any(|b| lifecycle::answers(control, b).1)
    {
        answers.push(AllowedAnswer {
            status: 409,
            any_success: false,
            body_status: None,
        });
    }
    Allowed {
        answers,
        conditions: Vec::new(),
        given: belief.given(),
    }
}

/// The answers when the job is not the caller's, or no job has the ID.
pub(crate) fn allowed_not_found(given: String) -> Allowed {
    Allowed::one(404, None, given)
}

/// The answers to a submit with a valid body.
pub(crate) fn allowed_submit() -> Allowed {
    // The submit page does not show its success code: any 2xx will do.
    let mut allowed = Allowed::one(
        200,
        Some(StateSet::of(&[JobState::Pending])),
        "a valid body".into(),
    );
    allowed.answers[0].any_success = true;
    allowed
}

/// Where a job believed in `before` may be after `control` answered
/// `status` (with body `status` `shown`): the union of
/// [`allowed_after`] over the states the answer was allowed for, cut to
/// what the body says (a 200 `paused` to a pause means paused).
pub(super) fn after_control(
    before: StateSet,
    control: Control,
    status: u16,
    shown: Option<JobState>,
) -> StateSet {
    let mut after = before
        .iter()
        .filter(|b| match status {
            409 => lifecycle::answers(control, *b).1,
            s if lifecycle::is_success(control, s) => lifecycle::answers(control, *b).0,
            _ => false,
        })
        .fold(StateSet::EMPTY, |acc, b| {
            acc.union(allowed_after(control, b, status).into_iter().collect())
        });
    if let (true, Some(shown)) = (lifecycle::is_success(control, status), shown) {
        after = after.intersect(StateSet::reachable_from(shown));
    }
    after
}

/// Where a job believed in `before` may be after `control`, whatever a
/// correct service answered: the union of [`after_control`] over the
/// allowed answers. What the reference machine keeps, as it sees no
/// answers.
pub(super) fn after_any_answer(before: StateSet, control: Control) -> StateSet {
    let conflict = after_control(before, control, 409, None);
    crate::lifecycle::accepted_statuses(control)
        .iter()
        .fold(conflict, |acc, shown| {
            acc.union(after_control(before, control, 200, Some(*shown)))
        })
}

fn op_of(control: Option<Control>) -> &'static str {
    control.map_or(Endpoint::Poll.operation_id(), Control::operation_id)
}

/// A violation of the model: the exchange is not among `allowed`.
pub(crate) fn not_allowed(
    exchange: &Exchange,
    control: Option<Control>,
    allowed: &Allowed,
    because: &str,
) -> Violation {
    let actual = match exchange.body_str("status") {
        Some(status) if exchange.status() == 200 => {
            format!("{} with status {status:?}", exchange.status())
        }
        _ => exchange.status().to_string(),
    };
    Violation::lifecycle("model", exchange)
        .operation(op_of(control))
        .expected(allowed.to_string())
        .actual(actual)
        .build()
        .because(because)
}

/// Judges a control answer on one's own job by the oracle: allowed when
/// [`check_control_answer`] accepts it for some state the job may be in.
pub(crate) fn judge_control(
    belief: &Belief,
    control: Control,
    exchange: &Exchange,
) -> Result<(), Violation> {
    let accepted = belief
        .states
        .iter()
        .any(|b| check_control_answer(control, b, exchange).is_ok());
    if accepted {
        same_job_id(belief, exchange, Some(control))
    } else {
        Err(not_allowed(
            exchange,
            Some(control),
            &allowed_control(belief, control),
            crate::lifecycle::doc(control),
        ))
    }
}

/// Judges a poll of one's own job: an allowed answer, the path's `job_id`,
/// and never fewer delivered companies than seen before.
pub(crate) fn judge_poll(
    belief: &Belief,
    cursor: bool,
    exchange: &Exchange,
) -> Result<(), Violation> {
    let allowed = allowed_poll(belief, cursor);
    if !allowed.admits(exchange) {
        return Err(not_allowed(exchange, None, &allowed, POLL_BECAUSE));
    }
    if !exchange.is_success() {
        return Ok(());
    }
    same_job_id(belief, exchange, None)?;
    let body = exchange.json();
    if let (Some(floor), Some(now)) = (
        belief.processed,
        body.get("processed").and_then(Value::as_u64),
    ) && now < floor
    {
        return Err(shrunk(exchange, "/processed", floor, now, belief));
    }
    let rows = rows_of(&body);
    if !cursor && rows < belief.first_page_rows {
        return Err(shrunk(
            exchange,
            "/rows",
            belief.first_page_rows as u64,
            rows as u64,
            belief,
        ));
    }
    Ok(())
}

/// Judges a request that must find no job.
pub(crate) fn judge_not_found(
    given: String,
    control: Option<Control>,
    exchange: &Exchange,
) -> Result<(), Violation> {
    let allowed = allowed_not_found(given);
    if allowed.admits(exchange) {
        Ok(())
    } else {
        Err(not_allowed(exchange, control, &allowed, NOT_FOUND_BECAUSE))
    }
}

/// Judges a submit: 200 `pending` with a `job_id` no known job has.
pub(crate) fn judge_submit<'a>(
    known: impl IntoIterator<Item = &'a Belief>,
    exchange: &Exchange,
) -> Result<String, Violation> {
    let allowed = allowed_submit();
    if !allowed.admits(exchange) {
        let mut violation = not_allowed(exchange, None, &allowed, SUBMIT_BECAUSE);
        violation.operation_id = Some(Endpoint::Submit.operation_id().into());
        return Err(violation);
    }
    let id = exchange.body_str("job_id").unwrap_or_default();
    let clash = known.into_iter().find(|b| b.id == id);
    if id.is_empty() || clash.is_some() {
        let actual = match clash {
            Some(b) => format!("the ID of job #{}", b.number),
            None => "none".into(),
        };
        return Err(Violation::lifecycle("model", exchange)
            .endpoint(Endpoint::Submit)
            .at("/job_id")
            .expected("the ID of a new job")
            .actual(actual)
            .build()
            .because(SUBMIT_BECAUSE));
    }
    Ok(id)
}

/// Narrows a belief from an allowed poll answer.
pub(crate) fn learn_poll(belief: &mut Belief, cursor: bool, exchange: &Exchange) {
    if !exchange.is_success() {
        return;
    }
    if let Some(shown) = exchange.body_str("status").and_then(|s| s.parse().ok()) {
        belief.states = StateSet::reachable_from(shown);
    }
    let body = exchange.json();
    if let Some(now) = body.get("processed").and_then(Value::as_u64) {
        belief.processed = Some(belief.processed.map_or(now, |p| p.max(now)));
    }
    if !cursor {
        belief.first_page_rows = belief.first_page_rows.max(rows_of(&body));
    }
}

/// Narrows a belief from an allowed control answer.
pub(crate) fn learn_control(belief: &mut Belief, control: Control, exchange: &Exchange) {
    let shown = exchange.body_str("status").and_then(|s| s.parse().ok());
    belief.states = after_control(belief.states, control, exchange.status(), shown);
}

fn rows_of(body: &Value) -> usize {
    body.get("rows")
        .and_then(Value::as_array)
        .map_or(0, Vec::len)
}

fn same_job_id(
    belief: &Belief,
    exchange: &Exchange,
    control: Option<Control>,
) -> Result<(), Violation> {
    match exchange.body_str("job_id") {
        Some(id) if exchange.is_success() && id != belief.id => {
            Err(Violation::lifecycle("model", exchange)
                .operation(op_of(control))
                .at("/job_id")
                .expected(format!("the path's job_id (job #{})", belief.number))
                .actual(format!("{id:?}"))
                .build())
        }
        _ => Ok(()),
    }
}

fn shrunk(exchange: &Exchange, pointer: &str, floor: u64, now: u64, belief: &Belief) -> Violation {
    Violation::lifecycle("model", exchange)
        .endpoint(Endpoint::Poll)
        .at(pointer)
        .expected(format!(
            "at least {floor} (job #{} showed that many before)",
            belief.number
        ))
        .actual(now.to_string())
        .build()
        .because(ROWS_BECAUSE)
}

#[cfg(test)]
#[path = "judge_tests.rs"]
mod tests;
