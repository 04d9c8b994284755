//! How drift reads: one line per change, property paths, type lists, and
//! the sorted pretty form of a fetched document.

use std::collections::BTreeSet;
use std::fmt;

use serde_json::Value;

use super::shape::Path;
use super::{Change, ChangeKind};

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

pub(super) fn show(path: &Path) -> String {
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

pub(super) fn types(set: &BTreeSet<String>) -> String {
    if set.is_empty() {
        return "(any)".to_owned();
    }
    set.iter().cloned().collect::<Vec<_>>().join("|")
}

pub(super) fn quote(name: &str) -> String {
    format!("{name:?}")
}

/// `value` pretty-printed with every object's keys sorted, and a final
/// newline: a stable form to review and commit.
pub(crate) fn to_sorted_pretty(value: &Value) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pretty_output_sorts_keys() {
        let text = to_sorted_pretty(&json!({"b": 1, "a": {"d": 2, "c": 3}}));
        assert_eq!(
            text,
            "{\n  \"a\": {\n    \"c\": 3,\n    \"d\": 2\n  },\n  \"b\": 1\n}\n"
        );
    }
}
