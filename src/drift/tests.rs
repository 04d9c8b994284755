//! Spec drift against a local server (127.0.0.1 only) serving the vendored
//! document, or a modified one: an added status code and a removed
//! property are found; an identical document gives no drift. The `spec
//! diff` and `spec pull` commands: `tests/cli/drift.rs`.

use std::time::Duration;

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{Change, default_scope, diff, fetch};
use crate::Spec;

fn lines(changes: &[Change]) -> String {
    let lines: Vec<String> = changes.iter().map(ToString::to_string).collect();
    lines.join("\n")
}

fn vendored() -> Value {
    Spec::embedded().unwrap().document().clone()
}

/// The vendored document with a 429 on poll and without the poll
/// response's `progress_message` property.
fn modified() -> Value {
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

async fn serve_document(document: &Value) -> MockServer {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let server = MockServer::builder().listener(listener).start().await;
    Mock::given(method("GET"))
        .and(path("/openapi.json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(document))
        .mount(&server)
        .await;
    server
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_added_status_and_a_removed_property_are_drift() {
    let server = serve_document(&modified()).await;
    let fetched = fetch(&server.uri(), None, Duration::from_secs(10))
        .await
        .unwrap();
    let vendored = vendored();
    let text = lines(&diff(&vendored, &fetched, &default_scope(&vendored)));
    assert_eq!(
        text,
        "GET /api/v1/tam/build/{job_id}: added status 429\n\
         GET /api/v1/tam/build/{job_id}: response 2XX application/json: removed property progress_message"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_identical_document_is_no_drift() {
    let server = serve_document(&vendored()).await;
    let fetched = fetch(&server.uri(), None, Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(lines(&diff(&vendored(), &fetched, "/")), "");
}

#[test]
fn operations_parameters_types_and_required_lists_are_compared() {
    let old = vendored();
    let mut new = vendored();
    let paths = new["paths"].as_object_mut().unwrap();
    let cancel = paths.remove("/api/v1/tam/build/{job_id}/cancel").unwrap();
    paths.insert("/api/v1/tam/build/{job_id}/archive".into(), cancel);
    paths.insert(
        "/api/v1/agent/sign-up".into(),
        json!({"post": {"responses": {}}}),
    );
    new["paths"]["/api/v1/tam/build/{job_id}"]["get"]["parameters"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "limit", "in": "query", "schema": {"type": "integer"}}));
    let request = &mut new["components"]["schemas"]["TamBuildRequest"];
    request["properties"]["query"]["type"] = json!("integer");
    request["required"] = json!([]);
    let text = lines(&diff(&old, &new, &default_scope(&old)));
    assert_eq!(
        text,
        "GET /api/v1/tam/build/{job_id}: added parameter query limit\n\
         POST /api/v1/tam/build: request body application/json: removed \"query\" from the required list of (root)\n\
         POST /api/v1/tam/build: request body application/json: changed type of query from string to integer\n\
         POST /api/v1/tam/build/{job_id}/archive: added operation cancelTamBuildJob\n\
         POST /api/v1/tam/build/{job_id}/cancel: removed operation cancelTamBuildJob"
    );
    assert!(!text.contains("sign-up"), "out of scope: {text}");
}
