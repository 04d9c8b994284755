//! Loading a document: the checks that make it usable (OpenAPI 3.1.x,
//! `paths`, every `$ref` local and resolvable) and the index of its
//! operations, responses and media types.

use jsonschema::Registry;
use percent_encoding::percent_decode_str;
use reqwest::Method;
use serde_json::Value;

use super::escape_pointer;
use super::operation::{Operation, Segment};
use super::response::{MediaSpec, ResponseSpec, StatusKey};
use super::schema;
use crate::Error;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Checks `document` and indexes its operations, sorted by path template,
/// then method, with every response schema compiled.
pub(super) fn index(document: &Value) -> Result<Vec<Operation>, Error> {
    check_version(document)?;
    check_refs(document)?;
    let registry = schema::registry(document)?;
    index_operations(document, &registry)
}

fn check_version(document: &Value) -> Result<(), Error> {
    let Some(object) = document.as_object() else {
        return Err(Error::invalid(
            "(document root)",
            "the document is not a JSON object",
        ));
    };
    match object.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.1.") => {}
        Some(v) => {
            return Err(Error::invalid(
                "/openapi",
                format!("version {v:?} is not OpenAPI 3.1.x"),
            ));
        }
        None => {
            return Err(Error::invalid(
                "/openapi",
                "missing: not an OpenAPI document",
            ));
        }
    }
    match object.get("paths") {
        Some(Value::Object(_)) => Ok(()),
        _ => Err(Error::invalid("/paths", "missing or not an object")),
    }
}

/// Every `$ref` must be local (`#/…`) and resolve inside the document.
fn check_refs(document: &Value) -> Result<(), Error> {
    fn walk(root: &Value, node: &Value, here: &mut String) -> Result<(), Error> {
        let descend = |token: &str, value: &Value, here: &mut String| {
            let len = here.len();
            here.push('/');
            here.push_str(token);
            let result = walk(root, value, here);
            here.truncate(len);
            result
        };
        match node {
            Value::Object(map) => {
                if let Some(target) = map.get("$ref") {
                    let ok = target
                        .as_str()
                        .and_then(|t| t.strip_prefix('#'))
                        .map(|p| percent_decode_str(p).decode_utf8_lossy().into_owned())
                        .is_some_and(|p| root.pointer(&p).is_some());
                    if !ok {
                        return Err(Error::DanglingRef {
                            pointer: format!("{here}/$ref"),
                            target: target.as_str().unwrap_or("(not a string)").to_owned(),
                        });
                    }
                }
                map.iter()
                    .try_for_each(|(key, value)| descend(&escape_pointer(key), value, here))
            }
            Value::Array(items) => items
                .iter()
                .enumerate()
                .try_for_each(|(i, value)| descend(&i.to_string(), value, here)),
            _ => Ok(()),
        }
    }
    walk(document, document, &mut String::new())
}

fn index_operations(document: &Value, registry: &Registry<'_>) -> Result<Vec<Operation>, Error> {
    let paths = document["paths"]
        .as_object()
        .expect("checked by check_version");
    let mut operations = Vec::new();
    for (template, item) in paths {
        let item_pointer = format!("/paths/{}", escape_pointer(template));
        let item = item
            .as_object()
            .ok_or_else(|| Error::invalid(&item_pointer, "a path item must be an object"))?;
        let segments = parse_template(template, &item_pointer)?;
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let pointer = format!("{item_pointer}/{method}");
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .ok_or_else(|| Error::invalid(&pointer, "the operation has no operationId"))?
                .to_owned();
            if operations.iter().any(|o: &Operation| o.id == id) {
                return Err(Error::invalid(
                    &pointer,
                    format!("operationId {id:?} is used twice"),
                ));
            }
            let responses = index_responses(document, op, &pointer, registry)?;
            operations.push(Operation {
                id,
                method: Method::from_bytes(method.to_ascii_uppercase().as_bytes())
                    .expect("a known method"),
                path_template: template.clone(),
                pointer,
                segments: segments.clone(),
                responses,
            });
        }
    }
    operations.sort_by(|a, b| {
        (a.path_template.as_str(), a.method.as_str())
            .cmp(&(b.path_template.as_str(), b.method.as_str()))
    });
    Ok(operations)
}

fn parse_template(template: &str, pointer: &str) -> Result<Vec<Segment>, Error> {
    let rest = template
        .strip_prefix('/')
        .ok_or_else(|| Error::invalid(pointer, "a path template must start with '/'"))?;
    rest.split('/')
        .map(
            |part| match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                Some(name) if !name.is_empty() => Ok(Segment::Param(name.to_owned())),
                _ if part.contains(['{', '}']) => Err(Error::invalid(
                    pointer,
                    format!("path segment {part:?}: only whole-segment parameters are supported"),
                )),
                _ => Ok(Segment::Literal(part.to_owned())),
            },
        )
        .collect()
}

fn index_responses(
    document: &Value,
    op: &Value,
    op_pointer: &str,
    registry: &Registry<'_>,
) -> Result<Vec<ResponseSpec>, Error> {
    let pointer = format!("{op_pointer}/responses");
    let responses = op
        .get("responses")
        .and_then(Value::as_object)
        .ok_or_else(|| Error::invalid(&pointer, "the operation documents no responses"))?;
    let mut out = Vec::new();
    for (key, response) in responses {
        let response_pointer = format!("{pointer}/{}", escape_pointer(key));
        let status = StatusKey::parse(key).ok_or_else(|| {
            Error::invalid(
                &response_pointer,
                format!("{key:?} is not a status code, range or 'default'"),
            )
        })?;
        let (response, response_pointer) = resolve_local(document, response, response_pointer)?;
        let mut media = Vec::new();
        if let Some(content) = response.get("content").and_then(Value::as_object) {
            for (media_type, media_object) in content {
                let media_pointer =
                    format!("{response_pointer}/content/{}", escape_pointer(media_type));
                let (validator, flat) = match media_object.get("schema") {
                    Some(_) => {
                        let (value, flat) =
                            schema::compile(registry, &format!("{media_pointer}/schema"))?;
                        (Some(value), Some(flat))
                    }
                    None => (None, None),
                };
                media.push(MediaSpec {
                    media_type: media_type.to_ascii_lowercase(),
                    pointer: media_pointer,
                    validator,
                    flat,
                });
            }
        }
        out.push(ResponseSpec {
            key: status,
            pointer: response_pointer,
            media,
        });
    }
    Ok(out)
}

/// Follows a `$ref` to a response object (`#/components/responses/…`).
fn resolve_local<'a>(
    document: &'a Value,
    node: &'a Value,
    pointer: String,
) -> Result<(&'a Value, String), Error> {
    match node.get("$ref").and_then(Value::as_str) {
        Some(target) => {
            let target = target.trim_start_matches('#').to_owned();
            let resolved = document
                .pointer(&target)
                .ok_or_else(|| Error::DanglingRef {
                    pointer: pointer.clone(),
                    target: target.clone(),
                })?;
            Ok((resolved, target))
        }
        None => Ok((node, pointer)),
    }
}
