//! Spec drift against a local server (127.0.0.1 only) serving the vendored
//! document, or a modified one: an added status code and a removed
//! property are found; an identical document gives no drift; `spec pull`
//! writes the document with sorted keys; a failed fetch is exit 2.

mod common;
#[path = "support/bin.rs"]
mod run_cli;

use run_cli::{cli_async, text};

use std::path::PathBuf;
use std::time::Duration;

use openfunnel_contract::{Spec, drift};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

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

async fn serve(document: &Value) -> MockServer {
    let server = MockServer::builder()
        .listener(std::net::TcpListener::bind("127.0.0.1:0").unwrap())
        .start()
        .await;
    Mock::given(method("GET"))
        .and(path("/openapi.json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(document))
        .mount(&server)
        .await;
    server
}

fn lines(changes: &[drift::Change]) -> Vec<String> {
    changes.iter().map(ToString::to_string).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_added_status_and_a_removed_property_are_drift() {
    let server = serve(&modified()).await;
    let fetched = drift::fetch(&server.uri(), None, Duration::from_secs(10))
        .await
        .unwrap();
    let vendored = vendored();
    let changes = drift::diff(&vendored, &fetched, &drift::default_scope(&vendored));
    let text = lines(&changes).join("\n");
    assert!(
        text.contains("GET /api/v1/tam/build/{job_id}: added status 429"),
        "{text}"
    );
    assert!(
        text.contains(
            "GET /api/v1/tam/build/{job_id}: response 200 application/json: removed property progress_message"
        ),
        "{text}"
    );
    snapshot!("drift_modified", text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_identical_document_is_no_drift() {
    let server = serve(&vendored()).await;
    let fetched = drift::fetch(&server.uri(), None, Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(
        lines(&drift::diff(&vendored(), &fetched, "/")),
        Vec::<String>::new()
    );
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
    let text = lines(&drift::diff(&old, &new, &drift::default_scope(&old))).join("\n");
    snapshot!("drift_operations", text);
    assert!(!text.contains("sign-up"), "out of scope: {text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_diff_exits_1_on_drift_0_without_and_sends_the_key() {
    let server = serve(&modified()).await;
    let out = cli_async(
        vec![
            "spec".into(),
            "diff".into(),
            "--base-url".into(),
            server.uri(),
        ],
        vec![],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("added status 429"), "{stdout}");

    let same = MockServer::builder()
        .listener(std::net::TcpListener::bind("127.0.0.1:0").unwrap())
        .start()
        .await;
    Mock::given(method("GET"))
        .and(path("/openapi.json"))
        .and(header("x-api-key", common::CANARY_KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(vendored()))
        .expect(1)
        .mount(&same)
        .await;
    let out = cli_async(
        vec!["spec".into(), "diff".into()],
        vec![
            ("OPENFUNNEL_BASE_URL".into(), same.uri()),
            ("OPENFUNNEL_API_KEY".into(), common::CANARY_KEY.into()),
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("no drift"));
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(!all.contains(common::CANARY_KEY), "{all}");
    same.verify().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_fetch_is_exit_2() {
    let server = MockServer::builder()
        .listener(std::net::TcpListener::bind("127.0.0.1:0").unwrap())
        .start()
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500).set_body_string("boom"))
        .mount(&server)
        .await;
    let out = cli_async(
        vec![
            "spec".into(),
            "diff".into(),
            "--base-url".into(),
            server.uri(),
        ],
        vec![],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("/openapi.json: answered 500, not 200"),
        "{stderr}"
    );
    let out = cli_async(
        vec![
            "spec".into(),
            "pull".into(),
            "--base-url".into(),
            "not a url".into(),
        ],
        vec![],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("OPENFUNNEL_BASE_URL"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_pull_writes_the_document_with_sorted_keys() {
    let server =
        serve(&json!({"paths": {}, "openapi": "3.1.0", "info": {"version": "1", "title": "T"}}))
            .await;
    let file: PathBuf = std::env::temp_dir().join(format!(
        "openfunnel-contract-pull-{}.json",
        std::process::id()
    ));
    let out = cli_async(
        vec![
            "spec".into(),
            "pull".into(),
            "--base-url".into(),
            server.uri(),
            "--output".into(),
            file.display().to_string(),
        ],
        vec![],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let written = std::fs::read_to_string(&file).unwrap();
    let _ = std::fs::remove_file(&file);
    assert_eq!(
        written,
        "{\n  \"info\": {\n    \"title\": \"T\",\n    \"version\": \"1\"\n  },\n  \"openapi\": \"3.1.0\",\n  \"paths\": {}\n}\n"
    );
}
