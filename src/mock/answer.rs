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

    /// Status, headers and body as wiremock and hyper put this answer on
    /// the wire, for the in-process transport: the headers (a name set
    /// twice keeps its last value, as `insert_header` does), the content
    /// type, then `content-length` (but for a 1xx, 204 or 304) and `date`.
    pub(crate) fn into_wire(self) -> (u16, Vec<(String, String)>, Vec<u8>) {
        let mut headers: Vec<(String, String)> = Vec::with_capacity(self.headers.len() + 3);
        let mut insert = |name: &str, value: String| {
            let name = name.to_ascii_lowercase();
            match headers.iter_mut().find(|(n, _)| *n == name) {
                Some(slot) => slot.1 = value,
                None => headers.push((name, value)),
            }
        };
        for (name, value) in self.headers {
            insert(&name, value);
        }
        if !self.content_type.is_empty() {
            insert("content-type", self.content_type);
        }
        if !matches!(self.status, 100..=199 | 204 | 304) {
            insert("content-length", self.body.len().to_string());
        }
        insert(
            "date",
            httpdate::fmt_http_date(std::time::SystemTime::now()),
        );
        (self.status, headers, self.body)
    }

    /// The answer as wiremock's `generate_response` builds it (hyper adds
    /// `content-length` and `date` on the wire).
    pub(crate) fn into_http(self) -> http::Response<Vec<u8>> {
        let mut response = http::Response::new(self.body);
        *response.status_mut() =
            http::StatusCode::from_u16(self.status).expect("the mock answers valid statuses");
        let headers = response.headers_mut();
        for (name, value) in &self.headers {
            let name = http::HeaderName::from_bytes(name.as_bytes()).expect("a header name");
            headers.insert(name, value.parse().expect("a header value"));
        }
        if !self.content_type.is_empty() {
            let value = self.content_type.parse().expect("a media type");
            headers.insert(http::header::CONTENT_TYPE, value);
        }
        response
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
