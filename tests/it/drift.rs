//! Spec drift against a local server (127.0.0.1 only) serving the vendored
//! document, or a modified one: an added status code and a removed
//! property are found; an identical document gives no drift. The `spec
//! diff` and `spec pull` commands: `tests/cli/drift.rs`.

use std::time::Duration;

use crate::support::{modified, serve_document, vendored};
use openfunnel_contract::drift;
use serde_json::json;

fn lines(changes: &[drift::Change]) -> Vec<String> {
    changes.iter().map(ToString::to_string).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_added_status_and_a_removed_property_are_drift() {
    let server = serve_document(&modified()).await;
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
            "GET /api/v1/tam/build/{job_id}: response 2XX application/json: removed property progress_message"
        ),
        "{text}"
    );
    snapshot!("drift_modified", text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_identical_document_is_no_drift() {
    let server = serve_document(&vendored()).await;
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
