//! What the tests share: the canary keys, exchanges to check, snapshots,
//! targets on a mock, the faults more than one test breaks a mock with,
//! and the raw servers of [`raw`]. The CLI's test binary includes this
//! same folder (`tests/cli/main.rs`), so not every item is used by both.
#![allow(dead_code)]

pub mod raw;

use openfunnel_contract::Endpoint;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use openfunnel_contract::mock::{Answer, Call, Fault, MockApi};
use openfunnel_contract::{
    ApiKey, Config, Exchange, JobState, Limits, Request, Response, Spec, Target, TargetKind,
};
use reqwest::Method;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

// ------------------------------------------------------------- canaries

/// A key that must never show up in any output.
pub const CANARY_KEY: &str = "of_canary_9f8e7d6c5b4a";

/// The second tenant's canary.
pub const OTHER_CANARY: &str = "of_canary_other_0a1b2c3d4e";

/// Every canary starts with this; no output may contain it.
pub const CANARY_PREFIX: &str = "of_canary_";

/// Fails when `text` shows any canary.
#[track_caller]
pub fn assert_clean(what: &str, text: &str) {
    for canary in [CANARY_KEY, OTHER_CANARY, CANARY_PREFIX] {
        assert!(!text.contains(canary), "{what} shows {canary}:\n{text}");
    }
}

/// The documented example job id.
pub const JOB_ID: &str = "8a8e8a97-8192-48ff-849a-d8a96e949732";

// ------------------------------------------------------------ snapshots

/// The top-level `snapshots/` folder.
pub const SNAPSHOTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots");

/// `snapshot!("name", value)` compares `value` with
/// `snapshots/<module>__<name>.snap`, `<module>` being the last segment of
/// the calling module's path (`checks` for `it::checks`): the names the
/// snapshots had when every test file was a binary of its own.
#[allow(unused_macros)]
macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({
            snapshot_path => $crate::support::SNAPSHOTS,
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!($crate::support::snapshot_name(module_path!(), $name), $value);
        })
    };
}

/// `<last segment of module_path>__<name>`.
pub fn snapshot_name(module_path: &str, name: &str) -> String {
    let module = module_path.rsplit("::").next().unwrap_or(module_path);
    format!("{module}__{name}")
}

// ------------------------------------------------------------ exchanges

/// An exchange against the documented base URL with the canary key.
pub fn exchange(
    method: Method,
    path: &str,
    status: u16,
    content_type: Option<&str>,
    body: &str,
) -> Exchange {
    let request = Request::new(method, path)
        .base("https://api.openfunnel.dev")
        .key(&ApiKey::new(CANARY_KEY));
    let mut headers = Vec::new();
    if let Some(ct) = content_type {
        headers.push(("content-type".to_owned(), ct.to_owned()));
    }
    Exchange::new(
        request,
        Response {
            status,
            headers,
            body: body.as_bytes().to_vec(),
        },
    )
}

/// A JSON exchange.
pub fn json_exchange(method: Method, path: &str, status: u16, body: &Value) -> Exchange {
    exchange(
        method,
        path,
        status,
        Some("application/json"),
        &body.to_string(),
    )
}

/// The panic message of `f`, which must panic.
pub fn panic_message(f: impl FnOnce() + std::panic::UnwindSafe) -> String {
    let payload = std::panic::catch_unwind(f).expect_err("expected a panic");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

// -------------------------------------------------------- mock targets

/// The vendored spec.
pub fn spec() -> Spec {
    Spec::embedded().expect("the embedded spec loads")
}

/// A target on `mock` (the vendored spec, the mock's limits). The target
/// owns the mock.
pub fn on_mock(mock: MockApi) -> Target {
    on_mock_with(mock, Limits::defaults(TargetKind::Mock))
}

/// [`on_mock`] with other limits.
pub fn on_mock_with(mock: MockApi, limits: Limits) -> Target {
    Target::on_mock(mock, spec(), limits).expect("a target on the mock")
}

/// A mock with seed 0 whose answers `fault` may change.
pub async fn faulty_mock(fault: impl Fault) -> MockApi {
    MockApi::builder().seed(0).fault(fault).start().await
}

/// A target that reaches `mock` over HTTP as it would any server (every
/// write allowed, the mock's limits), while the test keeps the mock to
/// move its clock and look inside it.
pub async fn client_of(mock: &MockApi) -> Target {
    let mut config = Config::live(&mock.uri(), mock.api_key()).expect("the mock's URL");
    config.allow_writes = true;
    config.limits = Limits::defaults(TargetKind::Mock);
    Target::with_spec(&config, spec())
        .await
        .expect("a target on the mock")
}

// --------------------------------------------------------------- faults

/// Resume of a completed job answers 200 `running` instead of 409.
pub fn resume_of_completed_answers_200(call: &Call, answer: &mut Answer) {
    if call.operation == Some(Endpoint::Resume) && call.state_before == Some(JobState::Completed) {
        let id = call.job_id.clone().unwrap_or_default();
        *answer = Answer::json(
            200,
            &json!({"job_id": id, "status": "running", "message": "Resume started."}),
        );
    }
}

/// A mock that echoes the caller's key wherever it can: in every JSON body
/// (a FastAPI-style 422 `input`, for unknown jobs), in a header, and in a
/// 500 for every resume. Counts the echoes.
pub async fn echoing_mock(echoes: Arc<AtomicUsize>) -> MockApi {
    MockApi::builder()
        .fault(move |call: &Call, answer: &mut Answer| {
            let Some(key) = call.key.clone() else { return };
            echoes.fetch_add(1, Ordering::SeqCst);
            if answer.status == 404 {
                *answer = Answer::json(
                    422,
                    &json!({"detail": [{"loc": ["header", "x-api-key"], "msg": format!("unknown key {key}"), "type": "value_error", "input": key}]}),
                );
            } else if call.operation == Some(Endpoint::Resume) {
                *answer = Answer::json(500, &json!({"detail": format!("resume failed for {key}")}));
            } else {
                let mut body = answer.body_json();
                if let Some(object) = body.as_object_mut() {
                    object.insert("echo".into(), json!(key));
                    answer.set_json(&body);
                }
            }
            answer.headers.push(("x-echo".into(), key.clone()));
        })
        .start()
        .await
}

// ------------------------------------------------------------ spec drift

/// The vendored document.
pub fn vendored() -> Value {
    spec().document().clone()
}

/// The vendored document with a 429 on poll and without the poll
/// response's `progress_message` property.
pub fn modified() -> Value {
    let mut doc = vendored();
    doc["paths"]["/api/v1/tam/build/{job_id}"]["get"]["responses"]["429"] =
        json!({"description": "Too Many Requests"});
    let poll = &mut doc["components"]["schemas"]["TamBuildPollResponse"];
    poll["properties"]
        .as_object_mut()
        .unwrap()
        .remove("progress_message")
        .expect("the vendored poll response has progress_message");
    if let Some(required) = poll["required"].as_array_mut() {
        required.retain(|r| r != "progress_message");
    }
    doc
}

/// A server on 127.0.0.1 with nothing mounted.
pub async fn local_server() -> MockServer {
    MockServer::builder()
        .listener(std::net::TcpListener::bind("127.0.0.1:0").unwrap())
        .start()
        .await
}

/// A server on 127.0.0.1 that serves `document` at `/openapi.json`.
pub async fn serve_document(document: &Value) -> MockServer {
    let server = local_server().await;
    Mock::given(method("GET"))
        .and(path("/openapi.json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(document))
        .mount(&server)
        .await;
    server
}
