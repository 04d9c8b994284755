//! Spec drift: the service's own `/openapi.json` compared with the vendored
//! document — operations, parameters, documented status codes, content
//! types, schema properties, types and required lists, added or removed.
//!
//! Schemas are compared by shape: local `$ref`s are resolved, `anyOf`,
//! `oneOf` and `allOf` members are merged into one node (FastAPI writes an
//! optional field as `anyOf: [{type: X}, {type: null}]`), and every node is
//! named by its property path (`rows[].domain`). Descriptions, titles and
//! examples are ignored.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::Duration;

use serde_json::Value;

use crate::{ApiKey, Error};

/// Deepest schema nesting followed.
const MAX_DEPTH: usize = 64;
/// Largest document read.
const MAX_BYTES: usize = 16 << 20;
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Added, removed or changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChangeKind {
    /// In the fetched document only.
    Added,
    /// In the vendored document only.
    Removed,
    /// In both, different.
    Changed,
}

/// One difference.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    /// `METHOD /path` of the operation.
    pub operation: String,
    /// Where in the operation (`response 200 application/json`,
    /// `parameter query cursor`, …); `None` for the operation itself.
    pub location: Option<String>,
    /// Added, removed or changed.
    pub kind: ChangeKind,
    /// What, e.g. `status 429`, `property manifest.degraded`.
    pub what: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.operation)?;
        if let Some(location) = &self.location {
            write!(f, "{location}: ")?;
        }
        let verb = match self.kind {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Changed => "changed",
        };
        write!(f, "{verb} {}", self.what)
    }
}

/// The longest common path-segment prefix of a document's paths (`/` when
/// there is none): the default scope of [`diff`].
pub fn default_scope(document: &Value) -> String {
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
pub fn diff(vendored: &Value, fetched: &Value, scope: &str) -> Vec<Change> {
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

fn object(value: Option<&Value>) -> BTreeMap<String, Value> {
    value
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

/// Follows local `$ref`s (at most [`MAX_DEPTH`]).
fn resolve<'a>(document: &'a Value, value: Option<&'a Value>) -> Option<&'a Value> {
    let mut value = value?;
    for _ in 0..MAX_DEPTH {
        match value.get("$ref").and_then(Value::as_str) {
            Some(reference) => value = document.pointer(reference.strip_prefix('#')?)?,
            None => return Some(value),
        }
    }
    None
}

/// A schema node: its declared types and required list.
#[derive(Debug, Default, PartialEq, Eq)]
struct Node {
    types: BTreeSet<String>,
    required: BTreeSet<String>,
}

type Path = Vec<String>;

fn shape(document: &Value, schema: Option<&Value>) -> BTreeMap<Path, Node> {
    let mut nodes = BTreeMap::new();
    if let Some(schema) = schema {
        walk(document, schema, Vec::new(), &mut Vec::new(), &mut nodes);
    }
    nodes
}

fn walk<'a>(
    document: &'a Value,
    schema: &'a Value,
    path: Path,
    refs: &mut Vec<&'a str>,
    nodes: &mut BTreeMap<Path, Node>,
) {
    if refs.len() > MAX_DEPTH || path.len() > MAX_DEPTH {
        return;
    }
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        if refs.contains(&reference) {
            nodes.entry(path).or_default();
            return;
        }
        let Some(target) = reference
            .strip_prefix('#')
            .and_then(|p| document.pointer(p))
        else {
            nodes
                .entry(path)
                .or_default()
                .types
                .insert(format!("$ref {reference}"));
            return;
        };
        refs.push(reference);
        walk(document, target, path, refs, nodes);
        refs.pop();
        return;
    }
    let node = nodes.entry(path.clone()).or_default();
    match schema.get("type") {
        Some(Value::String(t)) => {
            node.types.insert(t.clone());
        }
        Some(Value::Array(list)) => {
            node.types
                .extend(list.iter().filter_map(Value::as_str).map(str::to_owned));
        }
        _ => {}
    }
    if let Some(required) = schema.get("required").and_then(Value::as_array) {
        node.required
            .extend(required.iter().filter_map(Value::as_str).map(str::to_owned));
    }
    for combinator in ["anyOf", "oneOf", "allOf"] {
        for member in schema
            .get(combinator)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            walk(document, member, path.clone(), refs, nodes);
        }
    }
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        for (name, sub) in properties {
            let mut child = path.clone();
            child.push(name.clone());
            walk(document, sub, child, refs, nodes);
        }
    }
    if let Some(items) = schema.get("items").filter(|i| i.is_object()) {
        let mut child = path.clone();
        child.push("[]".into());
        walk(document, items, child, refs, nodes);
    }
    if let Some(extra) = schema.get("additionalProperties").filter(|i| i.is_object()) {
        let mut child = path;
        child.push("{}".into());
        walk(document, extra, child, refs, nodes);
    }
}

fn parent_in(path: &Path, nodes: &BTreeMap<Path, Node>) -> bool {
    path.split_last()
        .is_some_and(|(_, parent)| nodes.contains_key(parent))
}

fn show(path: &Path) -> String {
    if path.is_empty() {
        return "(root)".to_owned();
    }
    let mut out = String::new();
    for segment in path {
        match segment.as_str() {
            "[]" => out.push_str("[]"),
            "{}" => out.push_str("{*}"),
            name => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(name);
            }
        }
    }
    if out.starts_with('[') || out.starts_with('{') {
        out.insert_str(0, "(root)");
    }
    out
}

fn types(set: &BTreeSet<String>) -> String {
    if set.is_empty() {
        return "(any)".to_owned();
    }
    set.iter().cloned().collect::<Vec<_>>().join("|")
}

fn quote(name: &str) -> String {
    format!("{name:?}")
}

/// `value` pretty-printed with every object's keys sorted, and a final
/// newline: a stable form to review and commit.
pub fn to_sorted_pretty(value: &Value) -> String {
    fn sorted(value: &Value) -> Value {
        match value {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                Value::Object(
                    keys.into_iter()
                        .map(|k| (k.clone(), sorted(&map[k])))
                        .collect(),
                )
            }
            Value::Array(list) => Value::Array(list.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    let mut text = serde_json::to_string_pretty(&sorted(value)).expect("a JSON value serialises");
    text.push('\n');
    text
}

/// `GET {base_url}/openapi.json`, with the key when there is one, within
/// `timeout`; redirects are not followed (the key never travels to another
/// host). Any answer but a 200 with a JSON object is an error.
pub async fn fetch(
    base_url: &str,
    key: Option<&ApiKey>,
    timeout: Duration,
) -> Result<Value, Error> {
    crate::client::install_tls_provider();
    let http = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| Error::Target(format!("cannot build the HTTP client: {e}")))?;
    let url = format!("{}/openapi.json", base_url.trim_end_matches('/'));
    let mut request = http.get(&url).header("accept", "application/json");
    if let Some(key) = key {
        let mut value = reqwest::header::HeaderValue::from_str(key.expose())
            .map_err(|_| Error::config(crate::config::API_KEY, "not a valid header value"))?;
        value.set_sensitive(true);
        request = request.header("x-api-key", value);
    }
    let failed = |what: String| Error::Target(format!("GET {url}: {what}"));
    let mut response = request.send().await.map_err(|e| failed(describe(&e)))?;
    let status = response.status().as_u16();
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| failed(describe(&e)))? {
        if body.len() + chunk.len() > MAX_BYTES {
            return Err(failed(format!(
                "the document is larger than {MAX_BYTES} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    if status != 200 {
        return Err(failed(format!("answered {status}, not 200")));
    }
    match serde_json::from_slice::<Value>(&body) {
        Ok(document) if document.is_object() => Ok(document),
        Ok(_) => Err(failed("the answer is JSON but not an object".into())),
        Err(e) => Err(failed(format!("the answer is not JSON ({e})"))),
    }
}

fn describe(error: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut text = if error.is_timeout() {
        "timed out (OPENFUNNEL_TIMEOUT_SECS)".to_owned()
    } else if error.is_connect() {
        "could not connect".to_owned()
    } else {
        "the request failed".to_owned()
    };
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
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

    #[test]
    fn pretty_output_sorts_keys() {
        let text = to_sorted_pretty(&json!({"b": 1, "a": {"d": 2, "c": 3}}));
        assert_eq!(
            text,
            "{\n  \"a\": {\n    \"c\": 3,\n    \"d\": 2\n  },\n  \"b\": 1\n}\n"
        );
    }
}
