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
    /// `--only` or `--skip` (or [`crate::suite::SuiteOptions`]) named a
    /// rule that does not exist.
    #[error("no rule {} among: {}", unknown.join(", "), known.join(", "))]
    UnknownRules {
        /// The ids asked for that are not rules.
        unknown: Vec<String>,
        /// Every rule id.
        known: Vec<&'static str>,
    },
    /// The target could not be started or reached.
    #[error("target: {0}")]
    Target(String),
    /// A document the harness reads from the target (the service's own
    /// `/openapi.json`, for spec drift) could not be fetched.
    #[error("target: GET {url}: {problem}")]
    Fetch {
        /// The URL asked.
        url: String,
        /// What went wrong.
        problem: FetchProblem,
    },
    /// The known-deviations file could not be read.
    #[error("{setting}: cannot read {path}: {source}", setting = crate::config::DEVIATIONS)]
    DeviationsIo {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The known-deviations file is not a valid list of entries.
    #[error("{setting}: {path}: {reason}", setting = crate::config::DEVIATIONS)]
    DeviationsInvalid {
        /// The file.
        path: PathBuf,
        /// Which entry (`entry 2 (rule "submit")`) and what is wrong with it,
        /// or what is wrong with the file as a whole.
        reason: String,
    },
    /// Writing a report failed.
    #[error("cannot write {path}: {source}")]
    Output {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// Why a document could not be fetched ([`Error::Fetch`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FetchProblem {
    /// No usable answer: not sent, refused, timed out, over the size cap,
    /// or rate-limited past the retries. Holds the client's sentence.
    #[error("{0}")]
    NoAnswer(String),
    /// An answer other than 200 (redirects are not followed).
    #[error("answered {0}, not 200")]
    Status(u16),
    /// A 200 whose body is not JSON; holds the parser's message.
    #[error("the answer is not JSON ({0})")]
    NotJson(String),
    /// A 200 whose body is JSON but not an object.
    #[error("the answer is JSON but not an object")]
    NotObject,
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
