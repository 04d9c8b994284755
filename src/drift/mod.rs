//! Spec drift: the service's own `/openapi.json` compared with the vendored
//! document — operations, parameters, documented status codes, content
//! types, schema properties, types and required lists, added or removed.
//!
//! Schemas are compared by shape: local `$ref`s are resolved, `anyOf`,
//! `oneOf` and `allOf` members are merged into one node (FastAPI writes an
//! optional field as `anyOf: [{type: X}, {type: null}]`), and every node is
//! named by its property path (`rows[].domain`). Descriptions, titles and
//! examples are ignored.

mod diff;
mod fetch;
mod render;
mod shape;
#[cfg(test)]
mod tests;

pub(crate) use diff::{default_scope, diff};
pub(crate) use fetch::fetch;
pub(crate) use render::to_sorted_pretty;

/// Added, removed or changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub(crate) enum ChangeKind {
    /// In the fetched document only.
    Added,
    /// In the vendored document only.
    Removed,
    /// In both, different.
    Changed,
}

/// One difference.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub(crate) struct Change {
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
