//! Checking the checker: every check passes correct exchanges and fails
//! broken ones with a snapshotted message.

use crate::support::{CANARY_KEY, JOB_ID, exchange, json_exchange, panic_message, spec};
use openfunnel_contract::{
    Spec, ViolationKind, assert_exchange, check_body, check_content_type, check_exchange,
    check_no_server_error, check_operation, check_status,
};
use reqwest::Method;
use serde_json::{Value, json};

fn poll_path() -> String {
    format!("/api/v1/tam/build/{JOB_ID}")
}

fn resume_path() -> String {
    format!("/api/v1/tam/build/{JOB_ID}/resume")
}

/// The documented poll example, with `rows` grown to `n` copies of its row.
fn poll_body(n: usize) -> Value {
    let spec = spec();
    let example = spec
        .examples()
        .into_iter()
        .find(|e| e.operation.id() == "pollTamBuildJob")
        .expect("poll has an example")
        .value
        .clone();
    let mut body = example;
    let row = body["rows"][0].clone();
    body["rows"] = Value::Array(vec![row; n]);
    body["count"] = json!(n);
    body
}

fn rendered(result: Result<(), openfunnel_contract::Violation>) -> String {
    let violation = result.expect_err("the check must fail");
    let text = violation.to_string();
    assert!(!text.contains(CANARY_KEY), "the key leaked: {text}");
    assert!(!format!("{violation:?}").contains(CANARY_KEY));
    text
}

#[test]
fn correct_exchanges_pass() {
    let spec = spec();
    let passing = [
        json_exchange(Method::GET, &poll_path(), 200, &poll_body(100)),
        exchange(
            Method::POST,
            &resume_path(),
            404,
            Some("application/json"),
            r#"{"detail":"Job not found for this API key"}"#,
        ),
        exchange(Method::POST, &resume_path(), 409, None, ""),
        exchange(
            Method::POST,
            &resume_path(),
            409,
            Some("text/plain"),
            "already finished",
        ),
        exchange(
            Method::POST,
            &resume_path(),
            200,
            Some("application/json; charset=utf-8"),
            &json!({"job_id": JOB_ID, "status": "running", "message": "ok", "extra": 1})
                .to_string(),
        ),
        json_exchange(
            Method::POST,
            "/api/v1/tam/build",
            422,
            &json!({"detail": [{"loc": ["body", "query"], "msg": "Field required", "type": "missing"}]}),
        ),
        json_exchange(
            Method::GET,
            "/api/v1/tam/build/a%20b%2Fc",
            200,
            &json!({"job_id": "a b/c", "status": "paused", "manifest": null, "error_message": null,
                    "rows": [], "page": "page_0000", "next_cursor": null, "count": 0, "processed": null,
                    "progress_message": null, "bands_done": null, "bands_total": null, "degraded": false}),
        ),
    ];
    for ex in &passing {
        check_exchange(&spec, ex).unwrap_or_else(|v| panic!("{v}"));
    }
}

#[test]
fn a_string_match_score_names_its_pointer() {
    let mut body = poll_body(100);
    body["rows"][3]["match_score"] = json!("92");
    let ex = json_exchange(Method::GET, &poll_path(), 200, &body);
    let violation = check_body(&spec(), &ex).expect_err("must fail");
    assert_eq!(violation.kind, ViolationKind::Schema);
    assert_eq!(violation.mismatches.len(), 1);
    assert_eq!(
        violation.mismatches[0].pointer.as_deref(),
        Some("/rows/3/match_score")
    );
    snapshot!("schema_match_score_string", rendered(Err(violation)));
}

#[test]
fn every_schema_error_is_reported() {
    let mut body = poll_body(5);
    body["rows"][0]["employee_count"] = json!(12.5);
    body["rows"][4]["industries"] = json!("Software");
    body["count"] = json!("5");
    body.as_object_mut().unwrap().remove("status");
    let ex = json_exchange(Method::GET, &poll_path(), 200, &body);
    let violation = check_exchange(&spec(), &ex).expect_err("must fail");
    assert_eq!(violation.mismatches.len(), 4, "{violation}");
    snapshot!("schema_many_errors", rendered(Err(violation)));
}

#[test]
fn resume_body_missing_its_message_fails() {
    let ex = json_exchange(
        Method::POST,
        &resume_path(),
        200,
        &json!({"job_id": JOB_ID, "status": "running"}),
    );
    snapshot!(
        "schema_resume_missing_message",
        rendered(check_body(&spec(), &ex))
    );
}

#[test]
fn a_422_that_is_not_fastapi_shaped_fails() {
    let ex = json_exchange(
        Method::POST,
        &resume_path(),
        422,
        &json!({"detail": "bad job id"}),
    );
    snapshot!(
        "schema_422_detail_string",
        rendered(check_body(&spec(), &ex))
    );
}

#[test]
fn an_undocumented_500_on_resume_names_the_documented_codes() {
    let ex = exchange(
        Method::POST,
        &resume_path(),
        500,
        Some("text/plain"),
        "Internal Server Error",
    );
    let status = rendered(check_status(&spec(), &ex));
    assert!(status.contains("one of 200, 404, 409, 422"), "{status}");
    snapshot!("status_resume_500", status);
    snapshot!(
        "no_5xx_resume_500",
        rendered(check_no_server_error(&spec(), &ex))
    );
}

#[test]
fn undocumented_statuses_fail() {
    let spec = spec();
    // Pause shows its code (200); submit's is not shown, so 2XX there.
    let created = json_exchange(
        Method::POST,
        &format!("/api/v1/tam/build/{JOB_ID}/pause"),
        201,
        &json!({"job_id": JOB_ID, "status": "pausing", "message": "m"}),
    );
    snapshot!("status_pause_201", rendered(check_status(&spec, &created)));
    let accepted = json_exchange(
        Method::POST,
        "/api/v1/tam/build",
        202,
        &json!({"job_id": JOB_ID, "status": "pending", "message": "m"}),
    );
    assert!(
        check_exchange(&spec, &accepted).is_ok(),
        "any 2xx for submit"
    );
    let conflict = exchange(Method::GET, &poll_path(), 409, None, "");
    snapshot!("status_poll_409", rendered(check_status(&spec, &conflict)));
    let unauthorized = exchange(Method::POST, &resume_path(), 401, None, "");
    assert!(check_status(&spec, &unauthorized).is_err());
}

#[test]
fn a_documented_5xx_still_fails_the_server_error_check() {
    let mut document: Value = openfunnel_contract::Spec::embedded()
        .unwrap()
        .document()
        .clone();
    document["paths"]["/api/v1/tam/build/{job_id}"]["get"]["responses"]["5XX"] =
        json!({"description": "oops"});
    let spec = Spec::from_value(document).unwrap();
    let ex = exchange(Method::GET, &poll_path(), 503, None, "");
    assert!(
        check_status(&spec, &ex).is_ok(),
        "5XX is documented in this spec"
    );
    snapshot!(
        "no_5xx_poll_503",
        rendered(check_no_server_error(&spec, &ex))
    );
}

#[test]
fn wrong_content_types_fail() {
    let spec = spec();
    let html = exchange(
        Method::GET,
        &poll_path(),
        200,
        Some("text/html"),
        "<html></html>",
    );
    snapshot!(
        "content_type_html",
        rendered(check_content_type(&spec, &html))
    );
    let missing = exchange(Method::POST, &resume_path(), 200, None, "{}");
    snapshot!(
        "content_type_missing",
        rendered(check_content_type(&spec, &missing))
    );
    let upper = exchange(
        Method::GET,
        &poll_path(),
        422,
        Some("Application/JSON; charset=UTF-8"),
        r#"{"detail":[]}"#,
    );
    assert!(check_content_type(&spec, &upper).is_ok());
}

#[test]
fn a_body_that_is_not_json_fails() {
    let ex = exchange(
        Method::POST,
        &resume_path(),
        200,
        Some("application/json"),
        "{\"job_id\": ",
    );
    snapshot!("body_not_json", rendered(check_body(&spec(), &ex)));
}

#[test]
fn requests_outside_the_spec_fail() {
    let spec = spec();
    let wrong_method = exchange(Method::DELETE, &poll_path(), 405, None, "");
    snapshot!(
        "operation_wrong_method",
        rendered(check_operation(&spec, &wrong_method))
    );
    let unknown = exchange(Method::GET, "/api/v1/tam/builds", 404, None, "");
    snapshot!(
        "operation_unknown_path",
        rendered(check_operation(&spec, &unknown))
    );
    let trailing = exchange(Method::GET, &format!("{}/", poll_path()), 200, None, "");
    assert!(check_operation(&spec, &trailing).is_err());
    let empty_id = exchange(Method::POST, "/api/v1/tam/build//pause", 404, None, "");
    assert!(check_operation(&spec, &empty_id).is_err());
}

#[test]
fn assert_twins_panic_with_the_rendered_violation() {
    let ex = exchange(
        Method::POST,
        &resume_path(),
        500,
        Some("text/plain"),
        "boom",
    );
    let message = panic_message(|| assert_exchange(&spec(), &ex));
    assert!(!message.contains(CANARY_KEY));
    snapshot!("assert_exchange_panic", message);
}

#[test]
fn violations_convert_into_proptest_failures() {
    fn body() -> Result<(), proptest::test_runner::TestCaseError> {
        let ex = exchange(Method::POST, &resume_path(), 502, None, "");
        check_exchange(&spec(), &ex)?;
        Ok(())
    }
    let error = body().expect_err("must fail");
    assert!(error.to_string().contains("no-5xx"), "{error}");
}
