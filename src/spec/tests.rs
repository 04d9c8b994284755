//! The spec loads, every `$ref` resolves, and a bad document is a clear
//! set-up error, never a panic and never a silent pass. Every documented
//! example passes every check.

use http::Method;
use proptest::prelude::*;
use serde_json::{Value, json};

use super::{EMBEDDED_SPEC, Spec, StatusKey};
use crate::{ApiKey, Error, Exchange, Request, Response, check_exchange};

/// `snapshot!("name", value)` compares `value` with the top-level
/// `snapshots/spec__<name>.snap`.
macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({
            snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(format!("spec__{}", $name), $value);
        })
    };
}

/// The documented example job id.
const JOB_ID: &str = "8a8e8a97-8192-48ff-849a-d8a96e949732";

/// A JSON exchange against the documented base URL.
fn json_exchange(method: Method, path: &str, status: u16, body: &Value) -> Exchange {
    let request = Request::new(method, path)
        .base("https://api.openfunnel.dev")
        .key(&ApiKey::new("of_canary"));
    Exchange::new(
        request,
        Response {
            status,
            headers: vec![("content-type".to_owned(), "application/json".to_owned())],
            body: body.to_string().into_bytes(),
        },
    )
}

fn document() -> Value {
    serde_json::from_str(EMBEDDED_SPEC).unwrap()
}

fn load_error(document: Value) -> String {
    Spec::from_value(document)
        .expect_err("must not load")
        .to_string()
}

#[test]
fn the_embedded_spec_indexes_five_operations() {
    let spec = Spec::embedded().unwrap();
    let ops: Vec<String> = spec
        .operations()
        .iter()
        .map(|op| {
            format!(
                "{} {} {} {:?}",
                op.id(),
                op.method(),
                op.path_template(),
                op.documented_statuses()
            )
        })
        .collect();
    snapshot!("spec_operations", ops.join("\n"));
    // Exact codes, except the success of the three operations whose pages
    // do not show it: 2XX there.
    let inferred = ["submitTamBuildJob", "pollTamBuildJob", "cancelTamBuildJob"];
    for op in spec.operations() {
        for response in op.responses() {
            let range_ok = inferred.contains(&op.id()) && response.key() == StatusKey::Range(2);
            assert!(
                matches!(response.key(), StatusKey::Code(_)) || range_ok,
                "{} documents {}",
                op.id(),
                response.key()
            );
        }
    }
}

#[test]
fn the_spec_loads_from_a_path_and_a_string() {
    let from_path =
        Spec::from_path(concat!(env!("CARGO_MANIFEST_DIR"), "/spec/openapi.json")).unwrap();
    let from_str = Spec::from_json_str(EMBEDDED_SPEC).unwrap();
    assert_eq!(from_path.operations().len(), from_str.operations().len());
    assert!(
        Spec::from_path("/nonexistent/openapi.json")
            .unwrap_err()
            .to_string()
            .contains("cannot read")
    );
}

#[test]
fn operations_are_found_by_id_and_by_method_and_template() {
    let spec = Spec::embedded().unwrap();
    let op = spec.operation("resumeTamBuildJob").unwrap();
    assert_eq!(op.path_template(), "/api/v1/tam/build/{job_id}/resume");
    assert!(std::ptr::eq(
        spec.find(&Method::POST, "/api/v1/tam/build/{job_id}/resume")
            .unwrap(),
        op
    ));
    assert_eq!(
        spec.operation("deleteTamBuildJob").unwrap_err().to_string(),
        "the spec has no operation \"deleteTamBuildJob\""
    );
    assert!(
        spec.find(&Method::GET, "/api/v1/tam/build/{job_id}/resume")
            .is_none()
    );
}

#[test]
fn percent_encoded_job_ids_match_and_decode() {
    let spec = Spec::embedded().unwrap();
    let matched = spec
        .match_request(&Method::POST, "/api/v1/tam/build/a%2Fb%20%C3%A9/cancel")
        .unwrap();
    assert_eq!(matched.operation.id(), "cancelTamBuildJob");
    assert_eq!(matched.params, [("job_id".to_owned(), "a/b é".to_owned())]);
    assert!(
        spec.match_request(&Method::POST, "/api/v1/tam/build/a/b/cancel")
            .is_none()
    );
    assert!(
        spec.match_request(&Method::GET, "/api/v1/tam/build/")
            .is_none()
    );
    assert!(
        spec.match_request(&Method::GET, "api/v1/tam/build/x")
            .is_none()
    );
    assert_eq!(
        spec.match_request(&Method::POST, "/api/v1/tam/build")
            .unwrap()
            .operation
            .id(),
        "submitTamBuildJob"
    );
}

proptest! {
    #[test]
    fn any_job_id_round_trips_through_its_path(id in "\\PC{1,40}") {
        let spec = Spec::embedded().unwrap();
        for op in spec.operations().iter().filter(|op| op.path_template().contains("{job_id}")) {
            let path = op.path_with(&[("job_id", &id)]);
            let matched = spec.match_request(op.method(), &path).expect("own path matches");
            prop_assert_eq!(matched.operation.id(), op.id());
            prop_assert_eq!(&matched.params[0].1, &id);
        }
    }

    #[test]
    fn matching_never_panics_on_any_path(path in "\\PC{0,80}", method in prop::sample::select(vec![Method::GET, Method::POST, Method::DELETE])) {
        let spec = Spec::embedded().unwrap();
        let _ = spec.match_request(&method, &path);
        let _ = spec.operations_at(&path);
    }
}

#[test]
fn bad_documents_are_setup_errors() {
    let mut errors = Vec::new();
    errors.push(Spec::from_json_str("{ not json").unwrap_err().to_string());
    errors.push(load_error(json!([1, 2])));
    errors.push(load_error(json!({"openapi": "3.0.3", "paths": {}})));
    errors.push(load_error(json!({"swagger": "2.0"})));

    let mut dangling = document();
    dangling["paths"]["/api/v1/tam/build/{job_id}/resume"]["post"]["responses"]["200"]["content"]
        ["application/json"]["schema"] =
        json!({"$ref": "#/components/schemas/TamBuildResumeResponseV2"});
    errors.push(load_error(dangling));

    let mut remote = document();
    remote["components"]["schemas"]["TamBuildRow"] =
        json!({"$ref": "https://example.com/row.json"});
    errors.push(load_error(remote));

    let mut no_id = document();
    no_id["paths"]["/api/v1/tam/build"]["post"]
        .as_object_mut()
        .unwrap()
        .remove("operationId");
    errors.push(load_error(no_id));

    let mut bad_status = document();
    bad_status["paths"]["/api/v1/tam/build"]["post"]["responses"]["2xx0"] =
        json!({"description": "?"});
    errors.push(load_error(bad_status));

    let mut bad_schema = document();
    bad_schema["components"]["schemas"]["TamBuildManifest"]["type"] = json!(5);
    errors.push(load_error(bad_schema));

    let mut twice = document();
    twice["paths"]["/api/v1/tam/build/{job_id}/cancel"]["post"]["operationId"] =
        json!("pauseTamBuildJob");
    errors.push(load_error(twice));

    let mut partial_segment = document();
    let item = partial_segment["paths"]
        .as_object_mut()
        .unwrap()
        .remove("/api/v1/tam/build")
        .unwrap();
    partial_segment["paths"]["/api/v1/tam/build-{kind}"] = item;
    errors.push(load_error(partial_segment));

    snapshot!("spec_setup_errors", errors.join("\n"));
    assert!(matches!(
        Spec::from_json_str("{}"),
        Err(Error::SpecInvalid { .. })
    ));
}

#[test]
fn every_documented_example_passes_every_check() {
    let spec = Spec::embedded().unwrap();
    let examples = spec.examples();
    let mut operations: Vec<&str> = examples.iter().map(|e| e.operation.id()).collect();
    operations.sort();
    assert_eq!(
        operations,
        [
            "cancelTamBuildJob",
            "pauseTamBuildJob",
            "pollTamBuildJob",
            "resumeTamBuildJob",
            "submitTamBuildJob"
        ]
    );
    for example in examples {
        let op = example.operation;
        let status = match example.response.key() {
            StatusKey::Code(code) => code,
            StatusKey::Range(digit) => digit * 100,
            StatusKey::Default => 200,
        };
        let path = op.path_with(&[("job_id", JOB_ID)]);
        let ex = json_exchange(op.method().clone(), &path, status, example.value);
        check_exchange(&spec, &ex).unwrap_or_else(|v| panic!("example {}: {v}", example.pointer));
        assert!(example.media.is_valid(example.value), "{}", example.pointer);
    }
}
