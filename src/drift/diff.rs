//! The comparison: operations in scope, then per operation its
//! parameters, request body, documented statuses, content types and
//! schema shapes.

use std::collections::BTreeMap;

use serde_json::Value;

use super::render::{quote, show, types};
use super::shape::{object, parent_in, resolve, shape};
use super::{Change, ChangeKind};

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The longest common path-segment prefix of a document's paths (`/` when
/// there is none): the default scope of [`diff`].
pub(crate) fn default_scope(document: &Value) -> String {
    let paths: Vec<Vec<&str>> = document
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|map| map.keys())
        .map(|p| p.split('/').filter(|s| !s.is_empty()).collect())
        .collect();
    let Some(first) = paths.first() else {
        return "/".to_owned();
    };
    let mut common = first.len();
    for path in &paths[1..] {
        common = common.min(
            first
                .iter()
                .zip(path)
                .take_while(|(a, b)| a == b && !a.starts_with('{'))
                .count(),
        );
    }
    format!("/{}", first[..common].join("/"))
}

/// Every difference between `vendored` and `fetched` for the paths under
/// `scope` (a path prefix; `/` for all), sorted.
pub(crate) fn diff(vendored: &Value, fetched: &Value, scope: &str) -> Vec<Change> {
    let old = operations(vendored, scope);
    let new = operations(fetched, scope);
    let mut changes = Vec::new();
    for (key, op) in &old {
        match new.get(key) {
            None => changes.push(Change {
                operation: key.clone(),
                location: None,
                kind: ChangeKind::Removed,
                what: format!("operation {}", op_id(op)),
            }),
            Some(other) => {
                let mut cx = Pair {
                    old: vendored,
                    new: fetched,
                    operation: key,
                    out: &mut changes,
                };
                cx.operation(op, other);
            }
        }
    }
    for (key, op) in &new {
        if !old.contains_key(key) {
            changes.push(Change {
                operation: key.clone(),
                location: None,
                kind: ChangeKind::Added,
                what: format!("operation {}", op_id(op)),
            });
        }
    }
    changes.sort();
    changes.dedup();
    changes
}

fn in_scope(path: &str, scope: &str) -> bool {
    let scope = scope.trim_end_matches('/');
    scope.is_empty()
        || path == scope
        || path
            .strip_prefix(scope)
            .is_some_and(|rest| rest.starts_with('/'))
}

fn operations<'a>(document: &'a Value, scope: &str) -> BTreeMap<String, &'a Value> {
    let mut out = BTreeMap::new();
    let Some(paths) = document.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths.iter().filter(|(p, _)| in_scope(p, scope)) {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                out.insert(format!("{} {path}", method.to_ascii_uppercase()), op);
            }
        }
    }
    out
}

fn op_id(op: &Value) -> String {
    op.get("operationId")
        .and_then(Value::as_str)
        .unwrap_or("(no operationId)")
        .to_owned()
}

/// One operation present in both documents.
struct Pair<'a> {
    old: &'a Value,
    new: &'a Value,
    operation: &'a str,
    out: &'a mut Vec<Change>,
}

impl Pair<'_> {
    fn push(&mut self, location: Option<String>, kind: ChangeKind, what: String) {
        self.out.push(Change {
            operation: self.operation.to_owned(),
            location,
            kind,
            what,
        });
    }

    fn operation(&mut self, old: &Value, new: &Value) {
        if op_id(old) != op_id(new) {
            self.push(
                None,
                ChangeKind::Changed,
                format!("operationId from {} to {}", op_id(old), op_id(new)),
            );
        }
        self.parameters(old, new);
        self.request_body(old, new);
        let old_responses = object(resolve(self.old, old.get("responses")));
        let new_responses = object(resolve(self.new, new.get("responses")));
        for (status, response) in &old_responses {
            match new_responses.get(status) {
                None => self.push(None, ChangeKind::Removed, format!("status {status}")),
                Some(other) => {
                    let location = format!("response {status}");
                    self.content(&location, response, other);
                }
            }
        }
        for status in new_responses.keys() {
            if !old_responses.contains_key(status) {
                self.push(None, ChangeKind::Added, format!("status {status}"));
            }
        }
    }

    fn parameters(&mut self, old: &Value, new: &Value) {
        let list = |doc: &Value, op: &Value| -> BTreeMap<(String, String), Value> {
            op.get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|p| {
                    let p = resolve(doc, Some(p))?;
                    let name = p.get("name")?.as_str()?.to_owned();
                    let place = p.get("in")?.as_str()?.to_owned();
                    Some(((place, name), p.clone()))
                })
                .collect()
        };
        let (old_params, new_params) = (list(self.old, old), list(self.new, new));
        for ((place, name), param) in &old_params {
            let what = format!("parameter {place} {name}");
            match new_params.get(&(place.clone(), name.clone())) {
                None => self.push(None, ChangeKind::Removed, what),
                Some(other) => {
                    let required =
                        |p: &Value| p.get("required").and_then(Value::as_bool) == Some(true);
                    if required(param) != required(other) {
                        self.push(
                            Some(what.clone()),
                            ChangeKind::Changed,
                            format!("required from {} to {}", required(param), required(other)),
                        );
                    }
                    self.schema(&what, param.get("schema"), other.get("schema"));
                }
            }
        }
        for (place, name) in new_params.keys() {
            if !old_params.contains_key(&(place.clone(), name.clone())) {
                self.push(None, ChangeKind::Added, format!("parameter {place} {name}"));
            }
        }
    }

    fn request_body(&mut self, old: &Value, new: &Value) {
        let old_body = resolve(self.old, old.get("requestBody"));
        let new_body = resolve(self.new, new.get("requestBody"));
        match (old_body, new_body) {
            (None, None) => {}
            (Some(_), None) => self.push(None, ChangeKind::Removed, "request body".into()),
            (None, Some(_)) => self.push(None, ChangeKind::Added, "request body".into()),
            (Some(a), Some(b)) => {
                let required = |v: &Value| v.get("required").and_then(Value::as_bool) == Some(true);
                if required(a) != required(b) {
                    self.push(
                        Some("request body".into()),
                        ChangeKind::Changed,
                        format!("required from {} to {}", required(a), required(b)),
                    );
                }
                self.content("request body", a, b);
            }
        }
    }

    fn content(&mut self, location: &str, old: &Value, new: &Value) {
        let old_media = object(old.get("content"));
        let new_media = object(new.get("content"));
        for (media, spec) in &old_media {
            match new_media.get(media) {
                None => self.push(
                    Some(location.to_owned()),
                    ChangeKind::Removed,
                    format!("content type {media}"),
                ),
                Some(other) => self.schema(
                    &format!("{location} {media}"),
                    spec.get("schema"),
                    other.get("schema"),
                ),
            }
        }
        for media in new_media.keys() {
            if !old_media.contains_key(media) {
                self.push(
                    Some(location.to_owned()),
                    ChangeKind::Added,
                    format!("content type {media}"),
                );
            }
        }
    }

    fn schema(&mut self, location: &str, old: Option<&Value>, new: Option<&Value>) {
        let old_nodes = shape(self.old, old);
        let new_nodes = shape(self.new, new);
        let at = Some(location.to_owned());
        for (path, node) in &old_nodes {
            match new_nodes.get(path) {
                None if parent_in(path, &new_nodes) => self.push(
                    at.clone(),
                    ChangeKind::Removed,
                    format!("property {}", show(path)),
                ),
                None => {}
                Some(other) => {
                    if node.types != other.types {
                        self.push(
                            at.clone(),
                            ChangeKind::Changed,
                            format!(
                                "type of {} from {} to {}",
                                show(path),
                                types(&node.types),
                                types(&other.types)
                            ),
                        );
                    }
                    for name in node.required.difference(&other.required) {
                        self.push(
                            at.clone(),
                            ChangeKind::Removed,
                            format!("{} from the required list of {}", quote(name), show(path)),
                        );
                    }
                    for name in other.required.difference(&node.required) {
                        self.push(
                            at.clone(),
                            ChangeKind::Added,
                            format!("{} to the required list of {}", quote(name), show(path)),
                        );
                    }
                }
            }
        }
        for path in new_nodes.keys() {
            if !old_nodes.contains_key(path) && parent_in(path, &old_nodes) {
                self.push(
                    at.clone(),
                    ChangeKind::Added,
                    format!("property {}", show(path)),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_vendored_scope_is_the_tam_builder() {
        let spec = crate::Spec::embedded().unwrap();
        assert_eq!(default_scope(spec.document()), "/api/v1/tam/build");
        assert!(in_scope("/api/v1/tam/build/{job_id}", "/api/v1/tam/build"));
        assert!(!in_scope("/api/v1/tam/builder", "/api/v1/tam/build"));
        assert!(in_scope("/x", "/"));
    }

    #[test]
    fn nested_removals_are_reported_once_and_types_merge_any_of() {
        let doc = |props: Value| {
            json!({"paths": {"/a": {"get": {"operationId": "a", "responses": {"200": {
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}}}}},
                "components": {"schemas": {"A": {"type": "object", "properties": props}}}})
        };
        let old = doc(
            json!({"m": {"type": "object", "properties": {"x": {"type": "string"}}},
                             "n": {"anyOf": [{"type": "integer"}, {"type": "null"}]}}),
        );
        let new = doc(json!({"n": {"anyOf": [{"type": "string"}, {"type": "null"}]}}));
        let lines: Vec<String> = diff(&old, &new, "/")
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            lines,
            [
                "GET /a: response 200 application/json: removed property m",
                "GET /a: response 200 application/json: changed type of n from integer|null to null|string",
            ]
        );
    }

    #[test]
    fn recursive_schemas_end() {
        let doc = json!({"paths": {"/a": {"post": {"requestBody": {"content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/T"}}}}, "responses": {}}}},
            "components": {"schemas": {"T": {"type": "object", "properties": {"child": {"$ref": "#/components/schemas/T"}}}}}});
        assert!(diff(&doc, &doc, "/").is_empty());
    }
}
