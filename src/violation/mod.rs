//! A broken contract, as data first and one readable sentence second.

mod builder;

use std::fmt;

pub use builder::ViolationBuilder;

use crate::Exchange;

/// What kind of rule an exchange broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ViolationKind {
    /// The request matched no operation of the spec.
    UnknownOperation,
    /// A 5xx answer.
    ServerError,
    /// A status the operation does not document.
    UndocumentedStatus,
    /// A content type the response does not document.
    ContentType,
    /// A body that should be JSON and is not.
    InvalidJson,
    /// A body that breaks its documented schema.
    Schema,
    /// A lifecycle rule that a schema cannot express.
    Lifecycle,
    /// No answer at all (timeout, reset, refused, body too large).
    Transport,
}

impl ViolationKind {
    /// A short noun phrase for reports.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            ViolationKind::UnknownOperation => "no operation of the spec matches the request",
            ViolationKind::ServerError => "a server error",
            ViolationKind::UndocumentedStatus => "a status the spec does not document",
            ViolationKind::ContentType => "an undocumented content type",
            ViolationKind::InvalidJson => "a body that is not JSON",
            ViolationKind::Schema => "a body that breaks its schema",
            ViolationKind::Lifecycle => "a broken lifecycle rule",
            ViolationKind::Transport => "no usable answer",
        }
    }
}

/// One thing that differs from what the contract allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// JSON pointer into the response body, when the mismatch is in it.
    pub pointer: Option<String>,
    /// JSON pointer into the spec document of the rule that failed.
    pub spec_pointer: Option<String>,
    /// What the contract allows.
    pub expected: String,
    /// What came back.
    pub actual: String,
}

/// A broken contract: which exchange, which rule, what differs.
///
/// `Display` renders one sentence per mismatch and a curl line that
/// replays the request with the key written as `$OPENFUNNEL_API_KEY`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The kind of rule.
    pub kind: ViolationKind,
    /// A short label of the rule or check (e.g. `status`, `terminal-409`).
    pub rule: String,
    /// The operation, when the request matched one.
    pub operation_id: Option<String>,
    /// HTTP method of the request.
    pub method: String,
    /// Path and query of the request.
    pub path: String,
    /// Status of the response; `None` when none came.
    pub status: Option<u16>,
    /// What differs; never empty.
    pub mismatches: Vec<Mismatch>,
    /// Why the rule holds: the doc sentence it rests on.
    pub because: Option<String>,
    /// A shell line that replays the request (key masked).
    pub curl: String,
}

impl Violation {
    /// Starts a violation of `kind` about `exchange`; see
    /// [`ViolationBuilder`] for the parts and their defaults.
    pub fn builder<'e>(
        kind: ViolationKind,
        rule: &str,
        exchange: &'e Exchange,
    ) -> ViolationBuilder<'e> {
        ViolationBuilder::new(kind, rule, exchange)
    }

    /// Starts a [`ViolationKind::Lifecycle`] violation about `exchange`: a
    /// rule a schema cannot express.
    ///
    /// ```
    /// use openfunnel_contract::Endpoint;
    /// use openfunnel_contract::{Exchange, Response, Violation, ViolationKind};
    /// use serde_json::json;
    ///
    /// let poll = Exchange::new(
    ///     Endpoint::Poll.request("8a8e8a97"),
    ///     Response::json(200, &json!({"job_id": "8a8e8a97", "status": "running"})),
    /// );
    /// let violation = Violation::lifecycle("pause-settles", &poll)
    ///     .endpoint(Endpoint::Poll)
    ///     .at("/status")
    ///     .expected("\"paused\" within the wait limit")
    ///     .actual("\"running\"")
    ///     .because("\"Pausing: the job finishes its current step, then pauses.\"")
    ///     .build();
    ///
    /// assert_eq!(violation.kind, ViolationKind::Lifecycle);
    /// assert_eq!(violation.operation_id.as_deref(), Some("pollTamBuildJob"));
    /// assert_eq!(
    ///     violation.to_string().lines().next().unwrap(),
    ///     "pollTamBuildJob: GET /api/v1/tam/build/8a8e8a97 answered 200 — a broken lifecycle rule \
    ///      [pause-settles]: at /status: expected \"paused\" within the wait limit, got \"running\"."
    /// );
    /// ```
    pub fn lifecycle<'e>(rule: &str, exchange: &'e Exchange) -> ViolationBuilder<'e> {
        Violation::builder(ViolationKind::Lifecycle, rule, exchange)
    }

    /// Adds the documentation sentence the rule rests on.
    #[must_use = "builders return the changed violation"]
    pub fn because(mut self, sentence: &str) -> Self {
        self.because = Some(sentence.to_owned());
        self
    }

    fn subject(&self) -> String {
        let op = self.operation_id.as_deref().unwrap_or("(no operation)");
        let answer = match self.status {
            Some(status) => format!("answered {status}"),
            None => "got no answer".to_owned(),
        };
        format!("{op}: {} {} {answer}", self.method, self.path)
    }
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(pointer) = &self.pointer {
            let at = if pointer.is_empty() {
                "(body root)"
            } else {
                pointer
            };
            write!(f, "at {at}: ")?;
        }
        write!(f, "expected {}, got {}", self.expected, self.actual)?;
        if let Some(spec) = &self.spec_pointer {
            write!(f, " (spec #{spec})")?;
        }
        Ok(())
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} — {} [{}]",
            self.subject(),
            self.kind.describe(),
            self.rule
        )?;
        match self.mismatches.as_slice() {
            [one] => write!(f, ": {one}.")?,
            many => {
                write!(f, ", {} mismatches:", many.len())?;
                for (i, mismatch) in many.iter().enumerate() {
                    write!(f, "\n  {}. {mismatch}", i + 1)?;
                }
            }
        }
        if let Some(because) = &self.because {
            write!(f, "\n  because: {because}")?;
        }
        write!(f, "\n  reproduce: {}", self.curl)
    }
}

impl std::error::Error for Violation {}
