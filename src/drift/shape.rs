//! Schema shapes: every node of a schema named by its property path
//! (`rows[].domain`), with its declared types and required list; local
//! `$ref`s followed and `anyOf`/`oneOf`/`allOf` members merged.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

/// Deepest schema nesting followed.
const MAX_DEPTH: usize = 64;

pub(super) fn object(value: Option<&Value>) -> BTreeMap<String, Value> {
    value
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

/// Follows local `$ref`s (at most [`MAX_DEPTH`]).
pub(super) fn resolve<'a>(document: &'a Value, value: Option<&'a Value>) -> Option<&'a Value> {
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
pub(super) struct Node {
    pub(super) types: BTreeSet<String>,
    pub(super) required: BTreeSet<String>,
}

pub(super) type Path = Vec<String>;

pub(super) fn shape(document: &Value, schema: Option<&Value>) -> BTreeMap<Path, Node> {
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

/// True when the node's parent is in `nodes`: a change is reported at
/// the highest node that differs, not again for each child.
pub(super) fn parent_in(path: &Path, nodes: &BTreeMap<Path, Node>) -> bool {
    path.split_last()
        .is_some_and(|(_, parent)| nodes.contains_key(parent))
}
