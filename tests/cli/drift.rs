//! `spec diff` and `spec pull` against a local server (127.0.0.1 only):
//! exit 1 on drift, 0 without, the key sent and never shown; a failed
//! fetch is exit 2; `spec pull` writes the document with sorted keys.

use crate::run::{Scratch, run_async, text};
use crate::support::{CANARY_KEY, local_server, modified, serve_document, vendored};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, ResponseTemplate};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_diff_exits_1_on_drift_0_without_and_sends_the_key() {
    let server = serve_document(&modified()).await;
    let out = run_async(
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
    assert!(
        stdout.contains("  GET /api/v1/tam/build/{job_id}: added status 429\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "  GET /api/v1/tam/build/{job_id}: response 2XX application/json: removed property progress_message\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.starts_with("2 difference(s) between the vendored spec"),
        "{stdout}"
    );

    let same = local_server().await;
    Mock::given(method("GET"))
        .and(path("/openapi.json"))
        .and(header("x-api-key", CANARY_KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(vendored()))
        .expect(1)
        .mount(&same)
        .await;
    let out = run_async(
        vec!["spec".into(), "diff".into()],
        vec![
            ("OPENFUNNEL_BASE_URL".into(), same.uri()),
            ("OPENFUNNEL_API_KEY".into(), CANARY_KEY.into()),
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("no drift"));
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(!all.contains(CANARY_KEY), "{all}");
    same.verify().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_fetch_is_exit_2() {
    let server = local_server().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500).set_body_string("boom"))
        .mount(&server)
        .await;
    let out = run_async(
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
    let out = run_async(
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
    let server = serve_document(
        &json!({"paths": {}, "openapi": "3.1.0", "info": {"version": "1", "title": "T"}}),
    )
    .await;
    let dir = Scratch::new("pull");
    let file = dir.path("openapi.json");
    let out = run_async(
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
    assert_eq!(
        written,
        "{\n  \"info\": {\n    \"title\": \"T\",\n    \"version\": \"1\"\n  },\n  \"openapi\": \"3.1.0\",\n  \"paths\": {}\n}\n"
    );
}
