//! Set-up errors: a spec that cannot be used, a bad setting, a target that
//! cannot be reached. These are never a pass and never a panic.

use std::path::PathBuf;

/// What went wrong before any check could run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The spec file could not be read.
    #[error("cannot read the spec file {path}: {source}")]
    SpecIo {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The spec is not JSON.
    #[error("the spec is not valid JSON: {0}")]
    SpecJson(#[from] serde_json::Error),
    /// The spec is JSON but not a usable OpenAPI 3.1 document.
    #[error("the spec is malformed at {pointer}: {reason}")]
    SpecInvalid {
        /// JSON pointer of the offending part.
        pointer: String,
        /// What is wrong.
        reason: String,
    },
    /// A `$ref` points to nothing inside the document.
    #[error(
        "the spec has a dangling $ref at {pointer}: {target:?} resolves to nothing in the document"
    )]
    DanglingRef {
        /// Where the `$ref` stands.
        pointer: String,
        /// Its value.
        target: String,
    },
    /// A response schema did not compile.
    #[error("the schema at {pointer} does not compile: {reason}")]
    SchemaCompile {
        /// JSON pointer of the schema.
        pointer: String,
        /// The compiler's message.
        reason: String,
    },
    /// An `operationId` that the spec does not have.
    #[error("the spec has no operation {0:?}")]
    UnknownOperation(String),
    /// A configuration value (env var or flag) is missing or malformed.
    #[error("{setting}: {reason}")]
    Config {
        /// The env var (or flag) name.
        setting: String,
        /// What is wrong and what to do.
        reason: String,
    },
    /// The target could not be started or reached.
    #[error("target: {0}")]
    Target(String),
    /// Writing a report failed.
    #[error("cannot write {path}: {source}")]
    Output {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl Error {
    pub(crate) fn invalid(pointer: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::SpecInvalid {
            pointer: pointer.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn config(setting: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Config {
            setting: setting.into(),
            reason: reason.into(),
        }
    }
}
