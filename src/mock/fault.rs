//! Deliberate faults: a hook that sees every call with the answer the
//! correct mock would give, and may change it. Used to check the checker:
//! a harness that passes a faulty server is worthless.

use wiremock::ResponseTemplate;

use super::http::Operation;
use crate::JobState;

/// One call the mock answered.
#[derive(Debug, Clone)]
pub struct Call {
    /// The request method.
    pub method: String,
    /// The raw (percent-encoded) path.
    pub path: String,
    /// The operation, when the route matched one.
    pub operation: Option<Operation>,
    /// The decoded `job_id` of the path, if any.
    pub job_id: Option<String>,
    /// The `X-API-Key` sent (mock keys are public test values).
    pub key: Option<String>,
    /// The job's state for this key just before the call (after the clock
    /// moved it); `None` for no such job.
    pub state_before: Option<JobState>,
    /// The job's state for this key right after the correct answer.
    pub state_after: Option<JobState>,
}

/// An answer about to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The status.
    pub status: u16,
    /// Headers other than `content-type`.
    pub headers: Vec<(String, String)>,
    /// The `Content-Type`.
    pub content_type: String,
    /// The body.
    pub body: Vec<u8>,
}

impl Answer {
    /// A JSON answer.
    pub fn json(status: u16, body: &serde_json::Value) -> Answer {
        Answer {
            status,
            headers: Vec::new(),
            content_type: "application/json".into(),
            body: serde_json::to_vec(body).expect("a JSON value serialises"),
        }
    }

    /// The body as JSON (`Null` when it is not).
    pub fn body_json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_default()
    }

    /// Replaces the body with JSON.
    pub fn set_json(&mut self, body: &serde_json::Value) {
        self.body = serde_json::to_vec(body).expect("a JSON value serialises");
    }

    /// Adds a header.
    #[must_use = "builders return the changed answer"]
    pub fn with_header(mut self, name: &str, value: &str) -> Answer {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub(crate) fn into_template(self) -> ResponseTemplate {
        let mut template =
            ResponseTemplate::new(self.status).set_body_raw(self.body, &self.content_type);
        for (name, value) in self.headers {
            template = template.insert_header(name.as_str(), value.as_str());
        }
        template
    }
}

/// A deliberate deviation from the contract. Closures
/// `Fn(&Call, &mut Answer)` are faults.
pub trait Fault: Send + Sync + 'static {
    /// Changes `answer` (or leaves it) for `call`.
    fn apply(&self, call: &Call, answer: &mut Answer);
}

impl<F> Fault for F
where
    F: Fn(&Call, &mut Answer) + Send + Sync + 'static,
{
    fn apply(&self, call: &Call, answer: &mut Answer) {
        self(call, answer)
    }
}
