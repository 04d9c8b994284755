//! Submit and request validation: a valid submit, invalid bodies, a missing key.

use serde_json::json;

use super::super::Rule;
use super::super::session::{Session, Stop};
use crate::Violation;
use crate::api::{Control, Endpoint};
use crate::lifecycle::check_control_answer;
use crate::strategies::invalid_submit_body;
use crate::{JobState, Request};

fn require_writes(session: &Session, what: &str) -> Result<(), Stop> {
    if session.target().allow_writes() {
        Ok(())
    } else {
        Err(Stop::Skip(format!(
            "{what} can create a build, which costs 1 credit per company; set OPENFUNNEL_ALLOW_WRITES=1"
        )))
    }
}

/// `submit`.
pub(super) const SUBMIT: Rule = rule!(
    "submit",
    "submit answers 200 with status pending and a job_id that poll then finds",
    "\"The endpoint immediately returns a `job_id`.\"; status: \"Job status at submit time (always pending).\"",
    submit
);

async fn submit(session: &mut Session) -> Result<(), Stop> {
    require_writes(session, "submit")?;
    let answer = session
        .submit(&json!({"query": "openfunnel-contract probe: cloud observability tools"}))
        .await?;
    if !answer.is_success() {
        return Err(Violation::lifecycle("submit-2xx", &answer)
            .endpoint(Endpoint::Submit)
            .expected("a 2xx (the submit page does not show its success code)")
            .actual(answer.status().to_string())
            .build()
            .into());
    }
    if let Some(status) = answer.body_str("status")
        && status != "pending"
    {
        session.soft(Err(Violation::lifecycle("submit-pending", &answer)
            .endpoint(Endpoint::Submit)
            .at("/status")
            .expected("\"pending\"")
            .actual(format!("{status:?}"))
            .build()
            .because("status: \"Job status at submit time (always pending).\"")));
    }
    let job = answer.body_str("job_id").unwrap_or_default();
    if job.is_empty() {
        return Err(Violation::lifecycle("submit-job-id", &answer)
            .endpoint(Endpoint::Submit)
            .at("/job_id")
            .expected("a non-empty job_id")
            .actual("an empty one")
            .build()
            .into());
    }
    let (state, poll) = session.observe(&job).await?;
    if poll.body_str("job_id").as_deref() != Some(job.as_str()) {
        session.soft(Err(Violation::lifecycle("poll-job-id", &poll)
            .endpoint(Endpoint::Poll)
            .at("/job_id")
            .expected(format!("{job:?}"))
            .actual(format!("{:?}", poll.body_str("job_id")))
            .build()));
    }
    if !crate::lifecycle::reachable(JobState::Pending).contains(&state) {
        session.soft(Err(Violation::lifecycle("submit-then-poll", &poll)
            .endpoint(Endpoint::Poll)
            .at("/status")
            .expected("pending, running, completed or failed (a new job)")
            .actual(state.as_str())
            .build()));
    }
    let cancel = session.control(Control::Cancel, &job).await?;
    session.soft(check_control_answer(Control::Cancel, state, &cancel));
    Ok(())
}

/// `submit-invalid-422`.
pub(super) const SUBMIT_INVALID_422: Rule = rule!(
    "submit-invalid-422",
    "a submit body that breaks TamBuildRequest (no query, empty, 501 characters, not a string, not JSON) gets 422 HTTPValidationError",
    "query: string, \"Required string length: 1 - 500\"; 422: HTTPValidationError",
    submit_invalid_422
);

async fn submit_invalid_422(session: &mut Session) -> Result<(), Stop> {
    require_writes(session, "a submit the server might wrongly accept")?;
    let mut bodies: Vec<(String, Request)> = Vec::new();
    let mut runner =
        super::super::props::seeded_runner(session.options().seed, "submit-invalid-422");
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
                Endpoint::Submit.request("").key(&session.key()).json(&body),
            ));
        }
    }
    bodies.push((
        "a body that is not JSON".into(),
        Endpoint::Submit
            .request("")
            .key(&session.key())
            .raw_body("application/json", b"{\"query\": ".to_vec()),
    ));
    for (name, request) in bodies {
        let answer = session.call(request).await?;
        if answer.is_success()
            && let Some(id) = answer.body_str("job_id")
        {
            session.target().note_created(&id);
        }
        if answer.status() != 422 {
            session.soft(Err(Violation::lifecycle("submit-invalid-422", &answer)
                .endpoint(Endpoint::Submit)
                .expected(format!("422 for {name}"))
                .actual(answer.status().to_string())
                .build()
                .because("query: string, \"Required string length: 1 - 500\"")));
        }
    }
    Ok(())
}

/// `missing-key-422`.
pub(super) const MISSING_KEY_422: Rule = rule!(
    "missing-key-422",
    "a request without X-API-Key gets 422 on every operation, never 2xx",
    "X-API-Key is a required header on every operation; FastAPI answers a missing required header with 422 HTTPValidationError",
    missing_key_422
);

async fn missing_key_422(session: &mut Session) -> Result<(), Stop> {
    let job = uuid::Uuid::nil().hyphenated().to_string();
    let requests = Endpoint::ALL.into_iter().map(|endpoint| match endpoint {
        Endpoint::Submit => Endpoint::submit(&json!({"query": "openfunnel-contract probe"})),
        _ => endpoint.request(&job),
    });
    for request in requests {
        let answer = session.call(request).await?;
        if answer.status() != 422 {
            let op = session
                .target()
                .spec()
                .match_request(&answer.request.method, &answer.request.path)
                .map(|m| m.operation.id().to_owned())
                .unwrap_or_default();
            if answer.is_success()
                && let Some(id) = answer.body_str("job_id")
            {
                session.target().note_created(&id);
            }
            session.soft(Err(Violation::lifecycle("missing-key-422", &answer)
                .operation(op.as_str())
                .expected("422 (X-API-Key is a required header)")
                .actual(answer.status().to_string())
                .build()));
        }
    }
    Ok(())
}
