//! The comparison itself: operations, parameters, types and required
//! lists. Fetching and the whole `spec diff` (an added status and a
//! removed property found, an identical document no drift) are tested
//! through the command in `tests/cli/drift.rs`.

use serde_json::{Value, json};

use super::{Change, default_scope, diff};
use crate::Spec;

fn lines(changes: &[Change]) -> String {
    let lines: Vec<String> = changes.iter().map(ToString::to_string).collect();
    lines.join("\n")
}

fn vendored() -> Value {
    Spec::embedded().unwrap().document().clone()
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
