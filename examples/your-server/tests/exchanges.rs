//! Single exchanges checked with `assert_*`, and the broken twin: the same
//! server with one documented behaviour wrong, and the failure it gets.

mod support;

use openfunnel_contract::Control;
use openfunnel_contract::lifecycle::check_control_answer;
use openfunnel_contract::report::render_text;
use openfunnel_contract::suite::{Outcome, SuiteOptions, rule, run_suite};
use openfunnel_contract::{
    Exchange, JobState, Method, Request, Response, Spec, StatusCode, assert_exchange,
};
use support::{KEY, server, target};
use tower::ServiceExt;
use your_server::{Flaw, Status, Store, app};

/// Sends `request` to the server over HTTP with reqwest and pairs it with
/// the answer.
async fn send(base: &str, request: Request) -> Exchange {
    let request = request.base(base);
    let mut builder = reqwest::Client::new().request(request.method.clone(), request.url());
    if let Some(key) = &request.api_key {
        builder = builder.header("X-API-Key", key.expose());
    }
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    if let Some(body) = &request.body {
        builder = builder.body(body.clone());
    }
    let answer = builder.send().await.expect("the server answers");
    let response = Response::from_reqwest(answer).await.expect("a whole body");
    Exchange::new(request, response)
}

#[tokio::test]
async fn submit_answers_a_pending_job_the_spec_describes() {
    let spec = Spec::embedded().unwrap();
    let (_, addr) = server(Flaw::None).await.unwrap();
    let request = Request::new(Method::POST, "/api/v1/tam/build")
        .key(&openfunnel_contract::ApiKey::new(KEY))
        .json(&serde_json::json!({"query": "cloud observability tools"}));
    let exchange = send(&format!("http://{addr}"), request).await;
    assert_exchange(&spec, &exchange);
    assert_eq!(exchange.body_str("status").as_deref(), Some("pending"));
}

#[tokio::test]
async fn resume_of_a_completed_job_is_409() {
    let spec = Spec::embedded().unwrap();
    let (store, addr) = server(Flaw::None).await.unwrap();
    let job = store.seed(KEY, Status::Completed);
    let request = Control::Resume
        .request(&job)
        .key(&openfunnel_contract::ApiKey::new(KEY));
    let exchange = send(&format!("http://{addr}"), request).await;
    assert_exchange(&spec, &exchange);
    check_control_answer(Control::Resume, JobState::Completed, &exchange)
        .unwrap_or_else(|violation| panic!("{violation}"));
}

/// In-process, no socket: the router as a `tower::Service`, its
/// `http::Response` converted with `From`.
#[tokio::test]
async fn a_missing_key_is_422_in_process() {
    let spec = Spec::embedded().unwrap();
    let request = Request::new(Method::GET, "/api/v1/tam/build/8a8e8a97");
    let answer = app(Store::default())
        .oneshot(
            axum::http::Request::get(request.path_and_query())
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let (parts, body) = answer.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20).await.unwrap();
    let exchange = Exchange::new(
        request,
        Response::from(openfunnel_contract::http::Response::from_parts(parts, body)),
    );
    assert_exchange(&spec, &exchange);
    assert_eq!(
        exchange.response.status_code(),
        Some(StatusCode::UNPROCESSABLE_ENTITY)
    );
}

/// The broken twin's one wrong answer, as `assert_*` reports it.
#[tokio::test]
#[should_panic(expected = "expected 409 for a job last seen completed")]
async fn broken_twin_resume_of_a_completed_job_panics() {
    let (store, addr) = server(Flaw::ResumeCompletedAnswers200).await.unwrap();
    let job = store.seed(KEY, Status::Completed);
    let request = Control::Resume
        .request(&job)
        .key(&openfunnel_contract::ApiKey::new(KEY));
    let exchange = send(&format!("http://{addr}"), request).await;
    check_control_answer(Control::Resume, JobState::Completed, &exchange)
        .unwrap_or_else(|violation| panic!("{violation}"));
}

/// The broken twin fails the rule `terminal-409`, and only by that cell.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_twin_fails_terminal_409() {
    let target = target(Flaw::ResumeCompletedAnswers200).await.unwrap();
    let report = rule("terminal-409")
        .unwrap()
        .run(&target, &SuiteOptions::default())
        .await;
    let Outcome::Fail(violations) = &report.outcome else {
        panic!("expected a failure, got {:?}", report.outcome);
    };
    let text: Vec<String> = violations.iter().map(ToString::to_string).collect();
    // Resume is sent twice; the same violation twice is listed once.
    assert_eq!(violations.len(), 1, "{text:#?}");
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.starts_with("1 more violation(s) like")),
        "{:?}",
        report.notes
    );
    for line in &text {
        assert!(line.contains("resume-completed"), "{line}");
        assert!(
            line.contains("expected 409 for a job last seen completed, got 200"),
            "{line}"
        );
    }
}

/// The whole suite in one test, as the README shows it: with writes, a job
/// provider and a second key, every rule runs and passes (none skipped).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_suite_passes_with_nothing_skipped() {
    let target = support::target(Flaw::None).await.unwrap();
    let options = SuiteOptions {
        fail_on_skip: true,
        ..SuiteOptions::default()
    };
    let report = run_suite(&target, &options).await;
    println!("{}", render_text(&report));
    assert!(report.passed(), "{}", render_text(&report));
}
