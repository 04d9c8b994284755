//! The in-process transport (`MockTransport::InProcess`, issue 11 §6) and
//! the mock served on the caller's runtime (`on_caller_runtime`): the same
//! answers as over HTTP from wiremock's server, byte for byte, from mocks
//! of the same seed fed the same requests, on every personality switch
//! that touches the wire; the same client limits; the suite passes on
//! each.

use http::Method;

use crate::api::{Control, Endpoint};
use crate::mock::{Coding, Connection, MockApi, MockTransport, Personality, Routing};
use crate::suite::{SuiteOptions, run_suite};
use crate::{Exchange, JobState, Limits, Request, SendError, Spec, Target, TargetKind};
use serde_json::json;

/// Targets on mocks of the same personality and seed: over HTTP to
/// wiremock's server, in process, and over HTTP to a server on this
/// runtime.
async fn triplets(personality: &Personality) -> Vec<Target> {
    let spec = Spec::embedded().expect("spec");
    let limits = Limits::defaults(TargetKind::Mock);
    let mut targets = Vec::new();
    for (transport, here) in [
        (MockTransport::Http, false),
        (MockTransport::InProcess, false),
        (MockTransport::Http, true),
    ] {
        let mut builder = MockApi::builder().personality(personality.clone());
        if here {
            builder = builder.on_caller_runtime();
        }
        let mock = builder.start().await;
        targets.push(Target::on_mock_with(mock, spec.clone(), limits, transport).expect("target"));
    }
    targets
}

/// Requests of every kind: each endpoint, fresh and finished jobs, pages,
/// missing keys, bad bodies, unknown paths, wrong methods, trailing slashes.
fn requests(target: &Target, fixtures: &[(JobState, String)]) -> Vec<Request> {
    let key = target.api_key().clone();
    let other = target.other_api_key().expect("second key").clone();
    let mut requests = vec![
        Endpoint::submit(&json!({ "query": "cloud observability tools" })).key(&key),
        Endpoint::submit(&json!({ "query": "" })).key(&key),
        Endpoint::submit(&json!({ "nope": 1 })).key(&key),
        Request::new(Method::POST, "/api/v1/tam/build")
            .key(&key)
            .raw_body("text/plain", b"not json".to_vec()),
        Request::new(Method::DELETE, "/api/v1/tam/build").key(&key),
        Request::new(Method::GET, "/api/v1/tam/nothing").key(&key),
        Request::new(Method::GET, "/api/v1/tam/build/x/").key(&key),
        Endpoint::Poll.request("00000000-0000-0000-0000-000000000000"),
    ];
    for (_, id) in fixtures {
        requests.push(Endpoint::Poll.request(id).key(&key));
        requests.push(
            Endpoint::Poll
                .request(id)
                .key(&key)
                .query("cursor", "page_0002"),
        );
        requests.push(Endpoint::Poll.request(id).key(&other));
        for control in [Control::Pause, Control::Resume, Control::Cancel] {
            requests.push(control.request(id).key(&key));
        }
        requests.push(Endpoint::Poll.request(id).key(&key));
        requests.push(Control::Cancel.request(id));
    }
    requests
}

/// The answer without the `date` header (the clock's second, not the
/// mock's), the target's own address written as `BASE`.
fn seen(target: &Target, exchange: &Exchange) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut headers = exchange.response.headers.clone();
    headers.retain(|(name, _)| name != "date");
    for (_, value) in &mut headers {
        *value = value.replace(target.base_url(), "BASE");
    }
    headers.sort();
    (exchange.status(), headers, exchange.response.body.clone())
}

async fn same_answers(personality: Personality) {
    let targets = triplets(&personality).await;
    let fixtures = MockApi::start().await.fixtures();
    for request in requests(&targets[0], &fixtures) {
        let line = request.curl();
        let mut seen_by = Vec::new();
        for target in &targets {
            match target.send(request.clone()).await {
                Ok(exchange) => seen_by.push(seen(target, &exchange)),
                Err(error) => panic!("{line}\n{target:?}: {error:?}"),
            }
            target.pass_time(target.poll_interval() / 2).await;
        }
        assert_eq!(
            seen_by[0], seen_by[1],
            "in process\n{personality:?}\n{line}"
        );
        assert_eq!(
            seen_by[0], seen_by[2],
            "caller's runtime\n{personality:?}\n{line}"
        );
    }
    for target in &targets[1..] {
        assert_eq!(targets[0].unmatched(), target.unmatched());
        assert_eq!(targets[0].record(), target.record());
    }
}

#[tokio::test]
async fn answers_are_those_over_http() {
    same_answers(Personality::faithful()).await;
}

#[tokio::test]
async fn answers_are_those_over_http_on_every_wire_switch() {
    for coding in [Coding::GzipAlways, Coding::GzipWhenAccepted] {
        same_answers(Personality::faithful().with(|p| p.coding = coding)).await;
    }
    same_answers(Personality::faithful().with(|p| {
        p.routing = Routing::Starlette;
        p.extra_fields = true;
        p.extra_headers = true;
        p.media_type_params = true;
        p.connection = Connection::Close;
    }))
    .await;
}

/// The client's body cap holds in process as over HTTP, with the same
/// sentence.
#[tokio::test]
async fn the_body_cap_holds_in_process() {
    let spec = Spec::embedded().expect("spec");
    let mut limits = Limits::defaults(TargetKind::Mock);
    limits.max_body_bytes = 100;
    let mut errors = Vec::new();
    for transport in [MockTransport::Http, MockTransport::InProcess] {
        let mock = MockApi::start().await;
        let job = mock.fixture(JobState::Completed).expect("fixture");
        let target = Target::on_mock_with(mock, spec.clone(), limits, transport).expect("target");
        let request = Endpoint::Poll.request(&job).key(target.api_key());
        match target.send(request).await {
            Err(SendError::Transport(violation)) => {
                errors.push(violation.mismatches[0].actual.clone())
            }
            other => panic!("{transport:?}: {other:?}"),
        }
    }
    assert_eq!(errors[0], errors[1]);
    assert!(
        errors[0].contains("over the cap of 100 bytes"),
        "{}",
        errors[0]
    );
}

/// The whole suite passes on an in-process target, and on a mock served
/// from this runtime; the default target (`Target::mock`, the suite's)
/// stays over HTTP to wiremock's server.
#[tokio::test]
async fn the_suite_passes_in_process() {
    let target = Target::mock_with(MockTransport::InProcess)
        .await
        .expect("the mock starts");
    let report = run_suite(&target, &SuiteOptions::default()).await;
    assert!(report.passed(), "{}", crate::report::render_text(&report));
    let mock = MockApi::builder().on_caller_runtime().start().await;
    let spec = Spec::embedded().expect("spec");
    let limits = Limits::defaults(TargetKind::Mock);
    let target = Target::on_mock(mock, spec, limits).expect("target");
    let report = run_suite(&target, &SuiteOptions::default()).await;
    assert!(report.passed(), "{}", crate::report::render_text(&report));
    assert_eq!(MockTransport::default(), MockTransport::Http);
}
