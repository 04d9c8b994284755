//! One operation of the document and the matching of concrete request
//! paths against its template.

use percent_encoding::percent_decode_str;
use reqwest::Method;

use super::response::{ResponseSpec, StatusKey};
use crate::api::encode_segment;

/// A request path matched to its operation.
#[derive(Debug, Clone)]
pub struct MatchedPath<'a> {
    /// The operation.
    pub operation: &'a Operation,
    /// Path parameters, percent-decoded, in template order.
    pub params: Vec<(String, String)>,
}

/// One operation of the document.
#[derive(Debug)]
pub struct Operation {
    pub(super) id: String,
    pub(super) method: Method,
    pub(super) path_template: String,
    pub(super) pointer: String,
    pub(super) segments: Vec<Segment>,
    pub(super) responses: Vec<ResponseSpec>,
}

/// One `/`-separated part of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Segment {
    /// Matched as written.
    Literal(String),
    /// A whole-segment parameter, `{name}`.
    Param(String),
}

impl Operation {
    /// The `operationId`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path template, e.g. `/api/v1/tam/build/{job_id}/resume`.
    pub fn path_template(&self) -> &str {
        &self.path_template
    }

    /// JSON pointer of the operation object in the document.
    pub(crate) fn pointer(&self) -> &str {
        &self.pointer
    }

    /// The documented responses, in document order.
    pub(crate) fn responses(&self) -> &[ResponseSpec] {
        &self.responses
    }

    /// The documented response that covers `status`: the exact code first,
    /// then a range such as `4XX`, then `default`.
    pub(crate) fn response_for(&self, status: u16) -> Option<&ResponseSpec> {
        let with = |key: StatusKey| self.responses.iter().find(|r| r.key() == key);
        with(StatusKey::Code(status))
            .or_else(|| with(StatusKey::Range(status / 100)))
            .or_else(|| with(StatusKey::Default))
    }

    /// The documented status keys as written (`200`, `4XX`, `default`).
    pub(crate) fn documented_statuses(&self) -> Vec<String> {
        self.responses.iter().map(|r| r.key().to_string()).collect()
    }

    /// The concrete path with every parameter filled in (percent-encoded),
    /// e.g. `path_with(&[("job_id", "a b")])` → `/api/v1/tam/build/a%20b`.
    /// A parameter not given is left as its `{name}`.
    pub fn path_with(&self, params: &[(&str, &str)]) -> String {
        let mut out = String::new();
        for segment in &self.segments {
            out.push('/');
            match segment {
                Segment::Literal(text) => out.push_str(text),
                Segment::Param(name) => match params.iter().find(|(n, _)| n == name) {
                    Some((_, value)) => out.push_str(&encode_segment(value)),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                },
            }
        }
        out
    }

    /// Decoded path parameters when `path` (percent-encoded, no query)
    /// matches this operation's template.
    pub fn match_path(&self, path: &str) -> Option<Vec<(String, String)>> {
        let rest = path.strip_prefix('/')?;
        let parts: Vec<&str> = rest.split('/').collect();
        if parts.len() != self.segments.len() {
            return None;
        }
        let mut params = Vec::new();
        for (segment, part) in self.segments.iter().zip(parts) {
            match segment {
                Segment::Literal(text) if text == part => {}
                Segment::Literal(_) => return None,
                Segment::Param(_) if part.is_empty() => return None,
                Segment::Param(name) => params.push((
                    name.clone(),
                    percent_decode_str(part).decode_utf8_lossy().into_owned(),
                )),
            }
        }
        Some(params)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_missing_parameter_stays_a_placeholder() {
        let spec = crate::Spec::embedded().expect("vendored spec");
        let poll = spec.operation("pollTamBuildJob").expect("poll");
        assert_eq!(poll.path_with(&[]), "/api/v1/tam/build/{job_id}");
        assert_eq!(
            poll.path_with(&[("job_id", "a b/é")]),
            "/api/v1/tam/build/a%20b%2F%C3%A9"
        );
        assert_eq!(
            poll.match_path("/api/v1/tam/build/a%20b%2F%C3%A9"),
            Some(vec![("job_id".to_owned(), "a b/é".to_owned())])
        );
        assert_eq!(poll.match_path("/api/v1/tam/build/"), None);
    }
}
