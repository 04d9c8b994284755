//! The rules. Each states the documentation it rests on; where the docs
//! are silent a rule accepts every documented answer and says so in a note.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicU32;
use std::sync::{Arc, Mutex};

use proptest::test_runner::{
    Config as ProptestConfig, FileFailurePersistence, TestCaseError, TestError, TestRunner,
};
use reqwest::Method;
use serde_json::{Value, json};

use super::session::send_counted;
use super::{Rule, RuleFuture, Session, Stop, encode};
use crate::api::Control;
use crate::lifecycle::{check_control_answer, check_state_after, lifecycle, poll_state};
use crate::strategies::{invalid_submit_body, odd_job_id, unknown_job_id};
use crate::{Exchange, JobState, Request, Target, TargetKind, Violation, check_exchange};

macro_rules! rule {
    ($id:literal, $title:literal, $because:literal, $run:ident) => {
        rule!($id, $title, $because, $run, changes_fixtures: false)
    };
    ($id:literal, $title:literal, $because:literal, $run:ident, changes_fixtures: $changes:literal) => {
        Rule {
            id: $id,
            title: $title,
            because: $because,
            changes_fixtures: $changes,
            run: |session| -> RuleFuture<'_> { Box::pin($run(session)) },
        }
    };
}

pub(super) static ALL: &[Rule] = &[
    rule!(
        "unknown-job-404",
        "a well-formed unknown job ID (a fresh UUID) gets 404 on poll, pause, resume and cancel",
        "resume 404: \"Job not found for this API key.\"; poll, pause and cancel inferred from the sibling job API: \"404 if no job with that id exists for your API key\"",
        unknown_job_404
    ),
    rule!(
        "odd-job-id-4xx",
        "any other job ID (printable, unicode, needs percent-encoding, very long) gets a documented 4xx, never 2xx or 5xx",
        "job_id is a path string; no job has such an ID, so the answer is a documented client error (404 or 422)",
        odd_job_id_4xx
    ),
    rule!(
        "terminal-409",
        "a completed, failed or cancelled job answers pause, resume and cancel with 409, twice, and stays as it was",
        "resume 409: \"Job already finished (completed / failed / cancelled)\"; sibling cancel: \"Returns 409 if the job has already finished\"; a terminal job never changes state again",
        terminal_409
    ),
    rule!(
        "terminal-stays-terminal",
        "a terminal job shows the same status over repeated polls, with its manifest",
        "manifest: \"Build summary; populated once the job is terminal.\"",
        terminal_stays_terminal
    ),
    rule!(
        "resume-paused",
        "resume of a paused job answers 200 running with the path's job_id, and the job really resumes",
        "\"Resume a `paused` build from its checkpoint\"; 200: \"Resume accepted; the job is `running` again.\"",
        resume_paused,
        changes_fixtures: true
    ),
    rule!(
        "pause-paused",
        "pause of a paused job answers 200 (pausing or already paused)",
        "pause 200: \"Pause accepted; the job is now `pausing` (or already `paused`).\"",
        pause_paused,
        changes_fixtures: true
    ),
    rule!(
        "pause-running",
        "pause of a running job answers 200 pausing or paused and settles to paused within the wait limit",
        "\"The job flips to a transient `pausing` state, the in-flight process finishes and is written, then it settles to `paused`.\"",
        pause_running,
        changes_fixtures: true
    ),
    rule!(
        "cancel-running",
        "cancel of a running job answers 200 cancelling, settles to cancelled, and keeps its delivered rows",
        "\"The job moves to a transient `cancelling` state and stops at its next checkpoint; whatever companies were already delivered stay readable\"",
        cancel_running,
        changes_fixtures: true
    ),
    rule!(
        "submit",
        "submit answers 200 with status pending and a job_id that poll then finds",
        "\"The endpoint immediately returns a `job_id`.\"; status: \"Job status at submit time (always pending).\"",
        submit
    ),
    rule!(
        "submit-invalid-422",
        "a submit body that breaks TamBuildRequest (no query, empty, 501 characters, not a string, not JSON) gets 422 HTTPValidationError",
        "query: string, \"Required string length: 1 - 500\"; 422: HTTPValidationError",
        submit_invalid_422
    ),
    rule!(
        "missing-key-422",
        "a request without X-API-Key gets 422 on every operation, never 2xx",
        "X-API-Key is a required header on every operation; FastAPI answers a missing required header with 422 HTTPValidationError",
        missing_key_422
    ),
    rule!(
        "isolation-404",
        "another key's job gets 404 on poll, pause, resume and cancel, and is left unchanged",
        "\"Job not found for this API key.\"",
        isolation_404,
        changes_fixtures: true
    ),
    rule!(
        "pagination",
        "following next_cursor gives pages whose count equals their rows; a null next_cursor means done only for a terminal job",
        "\"Check status for completion - not next_cursor. A still-running job can return a null next_cursor\" (sibling poll); count: \"Rows in this page.\"",
        pagination
    ),
    rule!(
        "control-matrix",
        "pause, resume and cancel on a job in every reachable state answer as the lifecycle allows, and the next poll agrees",
        "the job states of the TAM Builder docs; silent cells accept 200 or 409 by their documented meanings",
        control_matrix,
        changes_fixtures: true
    ),
];

/// Proptest config for job-ID rules: [`super::SuiteOptions::cases`] when
/// set, else `PROPTEST_CASES` when set, else proptest's default on the mock
/// and 8 cases on live (every case is a request against the budget).
fn proptest_config(session: &Session) -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if let Some(cases) = session.options().cases {
        config.cases = cases;
    } else if session.target().kind() == TargetKind::Live
        && std::env::var("PROPTEST_CASES").is_err()
    {
        config.cases = 8;
    }
    config.failure_persistence = session.options().regressions.clone().map(|path| {
        Box::new(FileFailurePersistence::Direct(Box::leak(
            path.to_string_lossy().into_owned().into_boxed_str(),
        ))) as _
    });
    config.max_shrink_iters = 256;
    config
}

/// Runs `check` on generated job IDs through proptest (on a blocking thread,
/// so each case can send a request); a failure is shrunk to the smallest ID.
async fn prop_over_ids<S>(
    session: &mut Session,
    strategy: S,
    label: &str,
    check: fn(&Target, &AtomicU32, &str) -> Result<(), Stop>,
) -> Result<(), Stop>
where
    S: proptest::strategy::Strategy<Value = String> + Send + 'static,
{
    let target = session.target().clone();
    let config = proptest_config(session);
    let cases = config.cases;
    let handle = tokio::runtime::Handle::current();
    let failures: Arc<Mutex<BTreeMap<String, Stop>>> = Arc::default();
    let recorded = failures.clone();
    let sent = session.sent_counter();
    // No usable answer (timeout, reset, body too large) is not about the
    // ID: once one is seen, shrinking sends nothing more, so a server that
    // never answers costs one timeout, not one per shrink step.
    let no_answer = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stopped = no_answer.clone();
    let result = tokio::task::spawn_blocking(move || {
        let mut runner = TestRunner::new(config);
        runner.run(&strategy, |id| {
            let _guard = handle.enter();
            if stopped.load(std::sync::atomic::Ordering::SeqCst) {
                return Ok(());
            }
            match check(&target, &sent, &id) {
                Ok(()) => Ok(()),
                Err(Stop::Skip(reason)) => Err(TestCaseError::reject(reason)),
                Err(stop) => {
                    if matches!(&stop, Stop::Fail(v) if v.kind == crate::ViolationKind::Transport) {
                        stopped.store(true, std::sync::atomic::Ordering::SeqCst);
                    }
                    recorded.lock().expect("lock").insert(id.clone(), stop);
                    Err(TestCaseError::fail(id))
                }
            }
        })
    })
    .await
    .map_err(|e| Stop::Skip(format!("the property runner stopped: {e}")))?;
    match result {
        Ok(()) => {
            session.note(format!(
                "{label}: {cases} generated IDs per operation passed"
            ));
            Ok(())
        }
        Err(TestError::Fail(_, minimal)) => {
            let stop = failures.lock().expect("lock").remove(&minimal);
            if no_answer.load(std::sync::atomic::Ordering::SeqCst) {
                session.note(format!(
                    "{label}: no usable answer for ID {minimal:?}; not shrunk"
                ));
            } else {
                session.note(format!(
                    "{label}: shrunk to the minimal failing ID {minimal:?}"
                ));
            }
            Err(stop.unwrap_or_else(|| {
                Stop::Skip(format!("failing ID {minimal:?} lost its violation"))
            }))
        }
        Err(TestError::Abort(reason)) => Err(Stop::Skip(format!("{label}: {reason}"))),
    }
}

/// Sends one request from a blocking thread.
fn blocking_call(target: &Target, sent: &AtomicU32, request: Request) -> Result<Exchange, Stop> {
    let exchange =
        tokio::runtime::Handle::current().block_on(send_counted(target, sent, request))?;
    check_exchange(target.spec(), &exchange)?;
    Ok(exchange)
}

fn job_requests(target: &Target, id: &str) -> Vec<(Request, &'static str)> {
    let path = format!("/api/v1/tam/build/{}", encode(id));
    let key = target.api_key();
    let mut requests = vec![(
        Request::new(Method::GET, path.clone()).key(key),
        "pollTamBuildJob",
    )];
    for control in Control::ALL {
        requests.push((
            Request::new(Method::POST, format!("{path}/{}", control.verb())).key(key),
            control.operation_id(),
        ));
    }
    requests
}

async fn unknown_job_404(session: &mut Session) -> Result<(), Stop> {
    prop_over_ids(
        session,
        unknown_job_id(),
        "unknown UUIDs",
        |target, sent, id| {
            for (request, op) in job_requests(target, id) {
                let exchange = blocking_call(target, sent, request)?;
                if exchange.status() != 404 {
                    return Err(lifecycle(
                        "unknown-job-404",
                        &exchange,
                        op,
                        None,
                        "404".into(),
                        exchange.status().to_string(),
                    )
                    .because("\"Job not found for this API key.\"")
                    .into());
                }
            }
            Ok(())
        },
    )
    .await
}

async fn odd_job_id_4xx(session: &mut Session) -> Result<(), Stop> {
    prop_over_ids(session, odd_job_id(), "odd IDs", |target, sent, id| {
        for (request, op) in job_requests(target, id) {
            let exchange = blocking_call(target, sent, request)?;
            if !(400..500).contains(&exchange.status()) {
                return Err(lifecycle(
                    "odd-job-id-4xx",
                    &exchange,
                    op,
                    None,
                    "a documented 4xx (404 or 422): no job has this ID".into(),
                    exchange.status().to_string(),
                )
                .into());
            }
        }
        Ok(())
    })
    .await
}

async fn terminal_409(session: &mut Session) -> Result<(), Stop> {
    let mut reached = 0;
    for state in JobState::TERMINAL {
        let (job, seen) = match session.job_in(state).await {
            Ok(found) => found,
            Err(Stop::Skip(reason)) => {
                session.note(format!("{state}: skipped: {reason}"));
                continue;
            }
            Err(stop) => return Err(stop),
        };
        reached += 1;
        for control in Control::ALL {
            for _ in 0..2 {
                let answer = session.control(control, &job).await?;
                session.soft(check_control_answer(control, seen, &answer));
            }
            let poll = session.poll(&job).await?;
            session.soft(check_state_after(control, seen, 409, &poll).map(drop));
        }
    }
    if reached == 0 {
        return Err(Stop::Skip(
            "no terminal job: set OPENFUNNEL_JOB_COMPLETED, _FAILED or _CANCELLED".into(),
        ));
    }
    Ok(())
}

async fn terminal_stays_terminal(session: &mut Session) -> Result<(), Stop> {
    let mut reached = 0;
    for state in JobState::TERMINAL {
        let Ok((job, seen)) = session.job_in(state).await else {
            continue;
        };
        reached += 1;
        for _ in 0..3 {
            let poll = session.poll(&job).await?;
            if poll_state(&poll) != Some(seen) {
                session.soft(Err(lifecycle(
                    "terminal-stays-terminal",
                    &poll,
                    "pollTamBuildJob",
                    Some("/status"),
                    format!("{seen:?} again (terminal)").to_lowercase(),
                    format!("{:?}", poll.body_str("status")),
                )
                .because("Terminal states never change")));
            }
            if poll.json().get("manifest").is_none_or(Value::is_null) {
                session.soft(Err(lifecycle(
                    "terminal-manifest",
                    &poll,
                    "pollTamBuildJob",
                    Some("/manifest"),
                    "a manifest object".into(),
                    "null or missing".into(),
                )
                .because(
                    "manifest: \"Build summary; populated once the job is terminal.\"",
                )));
            }
            session
                .target()
                .pass_time(session.target().poll_interval())
                .await;
        }
    }
    if reached == 0 {
        return Err(Stop::Skip(
            "no terminal job: set OPENFUNNEL_JOB_COMPLETED, _FAILED or _CANCELLED".into(),
        ));
    }
    Ok(())
}

fn processed(poll: &Exchange) -> Option<u64> {
    poll.json().get("processed").and_then(Value::as_u64)
}

async fn resume_paused(session: &mut Session) -> Result<(), Stop> {
    session.require_change(JobState::Paused)?;
    let (job, seen) = session.job_in(JobState::Paused).await?;
    let (_, before) = session.observe(&job).await?;
    let answer = session.control(Control::Resume, &job).await?;
    check_control_answer(Control::Resume, seen, &answer)?;
    if answer.body_str("job_id").as_deref() != Some(job.as_str()) {
        session.soft(Err(lifecycle(
            "resume-job-id",
            &answer,
            "resumeTamBuildJob",
            Some("/job_id"),
            format!("{job:?} (the path's job_id)"),
            format!("{:?}", answer.body_str("job_id")),
        )));
    }
    let poll = session.poll(&job).await?;
    check_state_after(Control::Resume, seen, 200, &poll)?;
    // "It continues from the checkpoint": progress never goes back, and the
    // job never returns to paused on its own.
    let start = processed(&before);
    let state = session.settle(&job, &[JobState::Running]).await?;
    let after = session.poll(&job).await?;
    if state == JobState::Paused {
        return Err(lifecycle(
            "resume-resumes",
            &after,
            "pollTamBuildJob",
            Some("/status"),
            "not paused again without a pause".into(),
            "\"paused\"".into(),
        )
        .into());
    }
    match (start, processed(&after)) {
        (Some(a), Some(b)) if b < a => {
            return Err(lifecycle(
                "resume-from-checkpoint",
                &after,
                "pollTamBuildJob",
                Some("/processed"),
                format!("at least {a} (processed before the resume)"),
                b.to_string(),
            )
            .because("\"It continues from the checkpoint where it was paused\"")
            .into());
        }
        (Some(a), Some(b)) if b == a && state == JobState::Running => {
            session.note(format!(
                "no progress within the wait limit ({} s): inconclusive",
                session.target().limits().wait.as_secs()
            ));
        }
        _ => {}
    }
    if session.target().kind() == TargetKind::Live && state == JobState::Running {
        // Put the live fixture back where it was, to stop the spend.
        let _ = session.control(Control::Pause, &job).await?;
        session.note("the live paused fixture was paused again after the test");
    }
    Ok(())
}

async fn pause_paused(session: &mut Session) -> Result<(), Stop> {
    session.require_change(JobState::Paused)?;
    let (job, seen) = session.job_in(JobState::Paused).await?;
    let answer = session.control(Control::Pause, &job).await?;
    check_control_answer(Control::Pause, seen, &answer)?;
    let poll = session.poll(&job).await?;
    check_state_after(Control::Pause, seen, answer.status(), &poll)?;
    Ok(())
}

async fn pause_running(session: &mut Session) -> Result<(), Stop> {
    session.require_change(JobState::Running)?;
    let (job, seen) = session.job_in(JobState::Running).await?;
    let answer = session.control(Control::Pause, &job).await?;
    check_control_answer(Control::Pause, seen, &answer)?;
    if answer.status() == 409 {
        session.note("the job finished before the pause took effect (409): accepted");
        return Ok(());
    }
    let state = session
        .settle(&job, &[JobState::Running, JobState::Pausing])
        .await?;
    let poll = session.poll(&job).await?;
    match state {
        JobState::Paused => Ok(()),
        JobState::Completed | JobState::Failed => {
            session.note(format!("the job became {state} while pausing: accepted"));
            Ok(())
        }
        other => Err(lifecycle(
            "pause-settles",
            &poll,
            "pollTamBuildJob",
            Some("/status"),
            format!(
                "paused within {} s",
                session.target().limits().wait.as_secs()
            ),
            format!("{other:?}").to_lowercase(),
        )
        .because("\"then it settles to `paused`\"")
        .into()),
    }
}

async fn cancel_running(session: &mut Session) -> Result<(), Stop> {
    session.require_change(JobState::Running)?;
    let (job, seen) = session.job_in(JobState::Running).await?;
    // Let some rows arrive first, so there is something to keep.
    session
        .target()
        .pass_time(session.target().poll_interval() * 2)
        .await;
    let (seen_now, before) = session.observe(&job).await?;
    let seen = if seen_now.is_terminal() {
        seen_now
    } else {
        seen
    };
    let answer = session.control(Control::Cancel, &job).await?;
    check_control_answer(Control::Cancel, seen, &answer)?;
    if answer.status() == 409 {
        session.note("the job finished before the cancel (409): accepted");
        return Ok(());
    }
    let state = session
        .settle(&job, &[JobState::Running, JobState::Cancelling])
        .await?;
    let after = session.poll(&job).await?;
    if !state.is_terminal() {
        return Err(lifecycle(
            "cancel-settles",
            &after,
            "pollTamBuildJob",
            Some("/status"),
            format!(
                "cancelled within {} s",
                session.target().limits().wait.as_secs()
            ),
            state.as_str().into(),
        )
        .because("\"The job then settles to a terminal cancelled status\" (sibling cancel)")
        .into());
    }
    if let (Some(a), Some(b)) = (processed(&before), processed(&after))
        && b < a
    {
        return Err(lifecycle(
            "cancel-keeps-rows",
            &after,
            "pollTamBuildJob",
            Some("/processed"),
            format!("at least {a} (delivered before the cancel)"),
            b.to_string(),
        )
        .because(
            "\"whatever companies were already delivered stay readable via the poll endpoint\"",
        )
        .into());
    }
    let rows_before = before.json()["rows"].as_array().map_or(0, Vec::len);
    let rows_after = after.json()["rows"].as_array().map_or(0, Vec::len);
    if rows_after < rows_before {
        return Err(lifecycle(
            "cancel-keeps-rows",
            &after,
            "pollTamBuildJob",
            Some("/rows"),
            format!("at least {rows_before} rows on the first page"),
            rows_after.to_string(),
        )
        .because(
            "\"whatever companies were already delivered stay readable via the poll endpoint\"",
        )
        .into());
    }
    Ok(())
}

fn require_writes(session: &Session, what: &str) -> Result<(), Stop> {
    if session.target().allow_writes() {
        Ok(())
    } else {
        Err(Stop::Skip(format!(
            "{what} can create a build, which costs 1 credit per company; set OPENFUNNEL_ALLOW_WRITES=1"
        )))
    }
}

async fn submit(session: &mut Session) -> Result<(), Stop> {
    require_writes(session, "submit")?;
    let answer = session
        .submit(&json!({"query": "openfunnel-contract probe: cloud observability tools"}))
        .await?;
    if answer.status() != 200 {
        return Err(lifecycle(
            "submit-200",
            &answer,
            "submitTamBuildJob",
            None,
            "200".into(),
            answer.status().to_string(),
        )
        .into());
    }
    if let Some(status) = answer.body_str("status")
        && status != "pending"
    {
        session.soft(Err(lifecycle(
            "submit-pending",
            &answer,
            "submitTamBuildJob",
            Some("/status"),
            "\"pending\"".into(),
            format!("{status:?}"),
        )
        .because("status: \"Job status at submit time (always pending).\"")));
    }
    let job = answer.body_str("job_id").unwrap_or_default();
    if job.is_empty() {
        return Err(lifecycle(
            "submit-job-id",
            &answer,
            "submitTamBuildJob",
            Some("/job_id"),
            "a non-empty job_id".into(),
            "an empty one".into(),
        )
        .into());
    }
    let (state, poll) = session.observe(&job).await?;
    if poll.body_str("job_id").as_deref() != Some(job.as_str()) {
        session.soft(Err(lifecycle(
            "poll-job-id",
            &poll,
            "pollTamBuildJob",
            Some("/job_id"),
            format!("{job:?}"),
            format!("{:?}", poll.body_str("job_id")),
        )));
    }
    if !crate::lifecycle::reachable(JobState::Pending).contains(&state) {
        session.soft(Err(lifecycle(
            "submit-then-poll",
            &poll,
            "pollTamBuildJob",
            Some("/status"),
            "pending, running, completed or failed (a new job)".into(),
            state.as_str().into(),
        )));
    }
    let cancel = session.control(Control::Cancel, &job).await?;
    session.soft(check_control_answer(Control::Cancel, state, &cancel));
    Ok(())
}

async fn submit_invalid_422(session: &mut Session) -> Result<(), Stop> {
    require_writes(session, "a submit the server might wrongly accept")?;
    let mut bodies: Vec<(String, Request)> = Vec::new();
    let mut runner = TestRunner::deterministic();
    use proptest::strategy::{Strategy, ValueTree};
    let mut names = std::collections::BTreeSet::new();
    while names.len() < 4 {
        let (name, body) = invalid_submit_body()
            .new_tree(&mut runner)
            .expect("strategy")
            .current();
        if names.insert(name.clone()) {
            bodies.push((
                name,
                Request::new(Method::POST, "/api/v1/tam/build")
                    .key(&session.key())
                    .json(&body),
            ));
        }
    }
    bodies.push((
        "a body that is not JSON".into(),
        Request::new(Method::POST, "/api/v1/tam/build")
            .key(&session.key())
            .raw_body("application/json", b"{\"query\": ".to_vec()),
    ));
    for (name, request) in bodies {
        let answer = session.call(request).await?;
        if answer.status() == 200
            && let Some(id) = answer.body_str("job_id")
        {
            session.target().note_created(&id);
        }
        if answer.status() != 422 {
            session.soft(Err(lifecycle(
                "submit-invalid-422",
                &answer,
                "submitTamBuildJob",
                None,
                format!("422 for {name}"),
                answer.status().to_string(),
            )
            .because("query: string, \"Required string length: 1 - 500\"")));
        }
    }
    Ok(())
}

async fn missing_key_422(session: &mut Session) -> Result<(), Stop> {
    let job = uuid::Uuid::nil().hyphenated().to_string();
    let path = format!("/api/v1/tam/build/{job}");
    let mut requests = vec![
        Request::new(Method::POST, "/api/v1/tam/build")
            .json(&json!({"query": "openfunnel-contract probe"})),
        Request::new(Method::GET, path.clone()),
    ];
    for control in Control::ALL {
        requests.push(Request::new(
            Method::POST,
            format!("{path}/{}", control.verb()),
        ));
    }
    for request in requests {
        let answer = session.call(request).await?;
        if answer.status() != 422 {
            let op = session
                .target()
                .spec()
                .match_request(&answer.request.method, &answer.request.path)
                .map(|m| m.operation.id().to_owned())
                .unwrap_or_default();
            if answer.status() == 200
                && let Some(id) = answer.body_str("job_id")
            {
                session.target().note_created(&id);
            }
            session.soft(Err(lifecycle(
                "missing-key-422",
                &answer,
                &op,
                None,
                "422 (X-API-Key is a required header)".into(),
                answer.status().to_string(),
            )));
        }
    }
    Ok(())
}

async fn isolation_404(session: &mut Session) -> Result<(), Stop> {
    let Some(other) = session.target().other_api_key().cloned() else {
        return Err(Stop::Skip(
            "no second key: set OPENFUNNEL_OTHER_API_KEY to another tenant's key".into(),
        ));
    };
    let mut reached = 0;
    for state in [
        JobState::Completed,
        JobState::Cancelled,
        JobState::Failed,
        JobState::Paused,
        JobState::Running,
    ] {
        if !session.target().may_change(state) {
            continue;
        }
        let Ok((job, seen)) = session.job_in(state).await else {
            continue;
        };
        reached += 1;
        let poll = session.poll_as(Some(&other), &job, None).await?;
        let mut answers = vec![(poll, "pollTamBuildJob")];
        for control in Control::ALL {
            answers.push((
                session.control_as(Some(&other), control, &job).await?,
                control.operation_id(),
            ));
        }
        for (answer, op) in answers {
            if answer.status() != 404 {
                session.soft(Err(lifecycle(
                    "isolation-404",
                    &answer,
                    op,
                    None,
                    format!("404 for another key's {seen} job"),
                    answer.status().to_string(),
                )
                .because("\"Job not found for this API key.\"")));
            }
        }
        let (now, poll) = session.observe(&job).await?;
        if !crate::lifecycle::reachable(seen).contains(&now) {
            session.soft(Err(lifecycle(
                "isolation-unchanged",
                &poll,
                "pollTamBuildJob",
                Some("/status"),
                format!("{seen} or where it moves on its own"),
                now.as_str().into(),
            )));
        }
    }
    if reached == 0 {
        return Err(Stop::Skip(
            "no job of this key to probe: set OPENFUNNEL_JOB_COMPLETED (or another fixture)".into(),
        ));
    }
    Ok(())
}

async fn pagination(session: &mut Session) -> Result<(), Stop> {
    let max_pages = match session.target().kind() {
        TargetKind::Mock => 1000,
        TargetKind::Live => 5,
    };
    let (job, _) = session.job_in(JobState::Completed).await?;
    let walk = session.walk_pages(&job, max_pages).await?;
    if walk.bounded {
        session.note(format!(
            "stopped after {} pages (bound on live runs)",
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
