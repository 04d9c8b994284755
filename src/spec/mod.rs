//! The OpenAPI 3.1 document: loading, indexing, path matching and the
//! response schemas, each compiled once.
//!
//! One concept per file: `load` checks and indexes a document,
//! `operation` matches request paths, `response` holds status keys and
//! media types, `schema` compiles schemas and turns their errors into data.

mod load;
mod operation;
mod response;
mod schema;
#[cfg(test)]
mod tests;

#[cfg(test)]
mod flat_tests;

use std::fmt;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use reqwest::Method;
use serde_json::Value;

use crate::Error;

pub use operation::{MatchedPath, Operation};
pub(crate) use response::essence;
pub use response::{MediaSpec, ResponseSpec, StatusKey};
pub use schema::SchemaError;

pub(crate) use schema::shorten;

/// The vendored document, `spec/openapi.json`, compiled into the crate.
pub(crate) const EMBEDDED_SPEC: &str = include_str!("../../spec/openapi.json");

/// An OpenAPI document, indexed by operation, with every documented
/// response schema compiled. Cheap to clone.
#[derive(Clone)]
pub struct Spec {
    inner: Arc<SpecInner>,
}

struct SpecInner {
    document: Value,
    operations: Vec<Operation>,
}

impl fmt::Debug for Spec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Spec")
            .field("operations", &self.inner.operations)
            .finish_non_exhaustive()
    }
}

impl Spec {
    /// The vendored TAM Builder document. Compiled on first use and shared.
    pub fn embedded() -> Result<Spec, Error> {
        static EMBEDDED: OnceLock<Result<Spec, String>> = OnceLock::new();
        EMBEDDED
            .get_or_init(|| Spec::from_json_str(EMBEDDED_SPEC).map_err(|e| e.to_string()))
            .clone()
            .map_err(|reason| Error::invalid("(embedded spec)", reason))
    }

    /// Loads a document from a file (JSON).
    pub fn from_path(path: impl AsRef<Path>) -> Result<Spec, Error> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| Error::SpecIo {
            path: path.to_owned(),
            source,
        })?;
        Spec::from_json_str(&text)
    }

    /// Loads a document from JSON text.
    pub fn from_json_str(text: &str) -> Result<Spec, Error> {
        Spec::from_value(serde_json::from_str(text)?)
    }

    /// Loads a document that is already parsed.
    pub fn from_value(document: Value) -> Result<Spec, Error> {
        let operations = load::index(&document)?;
        Ok(Spec {
            inner: Arc::new(SpecInner {
                document,
                operations,
            }),
        })
    }

    /// The whole document.
    pub fn document(&self) -> &Value {
        &self.inner.document
    }

    /// Every operation, sorted by path template, then method.
    pub fn operations(&self) -> &[Operation] {
        &self.inner.operations
    }

    /// The operation with this `operationId`.
    pub fn operation(&self, operation_id: &str) -> Result<&Operation, Error> {
        self.operations()
            .iter()
            .find(|op| op.id() == operation_id)
            .ok_or_else(|| Error::UnknownOperation(operation_id.to_owned()))
    }

    /// The operation at this method and path template, if any.
    #[cfg(test)]
    pub(crate) fn find(&self, method: &Method, path_template: &str) -> Option<&Operation> {
        self.operations()
            .iter()
            .find(|op| op.method() == method && op.path_template() == path_template)
    }

    /// Matches a concrete, percent-encoded request path (no query string)
    /// to its operation and decoded path parameters.
    pub fn match_request(&self, method: &Method, path: &str) -> Option<MatchedPath<'_>> {
        self.operations()
            .iter()
            .filter(|op| op.method() == method)
            .find_map(|op| {
                op.match_path(path).map(|params| MatchedPath {
                    operation: op,
                    params,
                })
            })
    }

    /// Operations whose path template matches `path`, whatever their method.
    pub(crate) fn operations_at(&self, path: &str) -> Vec<&Operation> {
        self.operations()
            .iter()
            .filter(|op| op.match_path(path).is_some())
            .collect()
    }

    /// Every documented response example (`example` and `examples`), in
    /// document order of operations.
    pub fn examples(&self) -> Vec<Example<'_>> {
        let mut out = Vec::new();
        for operation in self.operations() {
            for response in operation.responses() {
                for media in response.media() {
                    let Some(node) = self.document().pointer(media.pointer()) else {
                        continue;
                    };
                    let example = |pointer: String, value| Example {
                        operation,
                        response,
                        media,
                        pointer,
                        value,
                    };
                    if let Some(value) = node.get("example") {
                        out.push(example(format!("{}/example", media.pointer()), value));
                    }
                    if let Some(Value::Object(named)) = node.get("examples") {
                        for (name, named) in named {
                            if let Some(value) = named.get("value") {
                                let pointer = format!(
                                    "{}/examples/{}/value",
                                    media.pointer(),
                                    escape_pointer(name)
                                );
                                out.push(example(pointer, value));
                            }
                        }
                    }
                }
            }
        }
        out
    }
}

/// A documented response example.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Example<'a> {
    /// Its operation.
    pub operation: &'a Operation,
    /// Its response.
    pub response: &'a ResponseSpec,
    /// Its media type.
    pub media: &'a MediaSpec,
    /// Where it stands in the document.
    pub pointer: String,
    /// The example itself.
    pub value: &'a Value,
}

/// Escapes one JSON pointer token (`~` → `~0`, `/` → `~1`).
pub(crate) fn escape_pointer(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}
