//! An answer about to be sent.

use serde::Serialize;
use wiremock::ResponseTemplate;

/// The media type of every JSON answer.
pub(crate) const JSON: &str = "application/json";

/// An answer about to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The status.
    pub status: u16,
    /// Headers other than `content-type`.
    pub headers: Vec<(String, String)>,
    /// The `Content-Type` (empty: none).
    pub content_type: String,
    /// The body.
    pub body: Vec<u8>,
}

impl Answer {
    /// A JSON answer.
    pub fn json(status: u16, body: &serde_json::Value) -> Answer {
        Answer::serialised(status, body)
    }

    /// A JSON answer from anything serialisable.
    pub(crate) fn serialised(status: u16, body: &impl Serialize) -> Answer {
        Answer {
            status,
            headers: Vec::new(),
            content_type: JSON.to_owned(),
            body: serde_json::to_vec(body).expect("mock bodies always serialise"),
        }
    }

    /// A JSON answer from bytes already serialised.
    pub(crate) fn json_bytes(status: u16, body: Vec<u8>) -> Answer {
        Answer {
            status,
            headers: Vec::new(),
            content_type: JSON.to_owned(),
            body,
        }
    }

    /// `{"detail": detail}`.
    pub(crate) fn detail(status: u16, detail: &str) -> Answer {
        #[derive(Serialize)]
        struct Detail<'a> {
            detail: &'a str,
        }
        Answer::serialised(status, &Detail { detail })
    }

    /// No body and no `Content-Type`.
    pub(crate) fn empty(status: u16) -> Answer {
        Answer {
            status,
            headers: Vec::new(),
            content_type: String::new(),
            body: Vec::new(),
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
    pub(crate) fn with_header(mut self, name: &str, value: &str) -> Answer {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The header `name` (case-insensitive), if set.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
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
