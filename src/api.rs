//! The API's own words: the five TAM Builder endpoints and the three control
//! calls. Every operationId and path of the API is spelt here and in the
//! vendored spec, nowhere else; [`check_spec`] proves the two agree when a
//! target loads its spec.

use std::fmt;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::Method;

use crate::{Error, Exchange, Request};

/// The collection path every endpoint lives under.
const BUILD: &str = "/api/v1/tam/build";

/// What a path segment keeps unencoded: RFC 3986 unreserved characters.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// One of the five TAM Builder endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Endpoint {
    /// `POST /api/v1/tam/build`: start a build (costs credits).
    Submit,
    /// `GET /api/v1/tam/build/{job_id}`: status and a page of rows (free).
    Poll,
    /// `POST /api/v1/tam/build/{job_id}/pause` (free).
    Pause,
    /// `POST /api/v1/tam/build/{job_id}/resume`: continues a build (costs credits).
    Resume,
    /// `POST /api/v1/tam/build/{job_id}/cancel` (free).
    Cancel,
}

impl Endpoint {
    /// All five, in the order of the documentation.
    pub const ALL: [Endpoint; 5] = [
        Endpoint::Submit,
        Endpoint::Poll,
        Endpoint::Pause,
        Endpoint::Resume,
        Endpoint::Cancel,
    ];

    /// The four that name a job in their path.
    pub(crate) const ON_JOB: [Endpoint; 4] = [
        Endpoint::Poll,
        Endpoint::Pause,
        Endpoint::Resume,
        Endpoint::Cancel,
    ];

    /// The `operationId` in the spec.
    pub const fn operation_id(self) -> &'static str {
        match self {
            Endpoint::Submit => "submitTamBuildJob",
            Endpoint::Poll => "pollTamBuildJob",
            Endpoint::Pause => "pauseTamBuildJob",
            Endpoint::Resume => "resumeTamBuildJob",
            Endpoint::Cancel => "cancelTamBuildJob",
        }
    }

    /// The endpoint with this `operationId`.
    #[cfg(test)]
    pub(crate) fn from_operation_id(id: &str) -> Option<Endpoint> {
        Endpoint::ALL.into_iter().find(|e| e.operation_id() == id)
    }

    /// True for the four endpoints whose path names a job.
    #[cfg(test)]
    pub(crate) const fn on_job(self) -> bool {
        !matches!(self, Endpoint::Submit)
    }

    /// The HTTP method.
    pub fn method(self) -> Method {
        match self {
            Endpoint::Poll => Method::GET,
            _ => Method::POST,
        }
    }

    /// The OpenAPI path template, e.g. `/api/v1/tam/build/{job_id}/pause`.
    pub const fn path_template(self) -> &'static str {
        match self {
            Endpoint::Submit => BUILD,
            Endpoint::Poll => "/api/v1/tam/build/{job_id}",
            Endpoint::Pause => "/api/v1/tam/build/{job_id}/pause",
            Endpoint::Resume => "/api/v1/tam/build/{job_id}/resume",
            Endpoint::Cancel => "/api/v1/tam/build/{job_id}/cancel",
        }
    }

    /// True for the two that can start or continue a paid build.
    pub(crate) const fn spends(self) -> bool {
        matches!(self, Endpoint::Submit | Endpoint::Resume)
    }

    /// The control call this is, if any.
    pub const fn control(self) -> Option<Control> {
        match self {
            Endpoint::Pause => Some(Control::Pause),
            Endpoint::Resume => Some(Control::Resume),
            Endpoint::Cancel => Some(Control::Cancel),
            _ => None,
        }
    }

    /// The path for `job_id` (percent-encoded as one segment). Submit
    /// ignores the ID.
    pub fn path(self, job_id: &str) -> String {
        let job = encode_segment(job_id);
        match self {
            Endpoint::Submit => BUILD.to_owned(),
            Endpoint::Poll => format!("{BUILD}/{job}"),
            Endpoint::Pause => format!("{BUILD}/{job}/pause"),
            Endpoint::Resume => format!("{BUILD}/{job}/resume"),
            Endpoint::Cancel => format!("{BUILD}/{job}/cancel"),
        }
    }

    /// A request to this endpoint for `job_id`, with no key and no body.
    #[must_use = "a request does nothing until a target sends it"]
    pub fn request(self, job_id: &str) -> Request {
        Request::new(self.method(), self.path(job_id))
    }

    /// A submit request with this JSON body, no key.
    #[must_use = "a request does nothing until a target sends it"]
    pub fn submit(body: &serde_json::Value) -> Request {
        Endpoint::Submit.request("").json(body)
    }

    /// The endpoint a request was sent to, by method and path (no spec
    /// needed); `None` for anything else. Decodes each segment, so
    /// `%62uild` is `build`; a job ID must be one non-empty segment.
    pub(crate) fn of(method: &Method, path: &str) -> Option<(Endpoint, Option<String>)> {
        let rest = path.strip_prefix(BUILD)?;
        let segments: Vec<String> = rest
            .split('/')
            .skip(1)
            .map(|s| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .into_owned()
            })
            .collect();
        let endpoint = match (segments.len(), segments.last().map(String::as_str)) {
            (0, _) if rest.is_empty() => Endpoint::Submit,
            (1, _) => Endpoint::Poll,
            (2, Some("pause")) => Endpoint::Pause,
            (2, Some("resume")) => Endpoint::Resume,
            (2, Some("cancel")) => Endpoint::Cancel,
            _ => return None,
        };
        if endpoint.method() != *method {
            return None;
        }
        match endpoint {
            Endpoint::Submit => Some((endpoint, None)),
            _ if segments[0].is_empty() => None,
            _ => Some((endpoint, Some(segments[0].clone()))),
        }
    }

    /// The endpoint an exchange went to, by its request.
    pub(crate) fn of_exchange(exchange: &Exchange) -> Option<Endpoint> {
        Endpoint::of(&exchange.request.method, &exchange.request.path).map(|(e, _)| e)
    }
}

impl fmt::Display for Endpoint {
    /// `METHOD /path/{template}`, e.g. `GET /api/v1/tam/build/{job_id}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method(), self.path_template())
    }
}

/// A control call on a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Control {
    /// Pause: the job goes to `pausing`, then `paused`.
    Pause,
    /// Resume: a `paused` job goes back to `running`.
    Resume,
    /// Cancel: the job goes to `cancelling`, then `cancelled`.
    Cancel,
}

impl Control {
    /// All three.
    pub const ALL: [Control; 3] = [Control::Pause, Control::Resume, Control::Cancel];

    /// Its endpoint.
    pub const fn endpoint(self) -> Endpoint {
        match self {
            Control::Pause => Endpoint::Pause,
            Control::Resume => Endpoint::Resume,
            Control::Cancel => Endpoint::Cancel,
        }
    }

    /// The `operationId`.
    pub(crate) const fn operation_id(self) -> &'static str {
        self.endpoint().operation_id()
    }

    /// The last path segment (`pause`, `resume`, `cancel`).
    pub const fn verb(self) -> &'static str {
        match self {
            Control::Pause => "pause",
            Control::Resume => "resume",
            Control::Cancel => "cancel",
        }
    }

    /// A request for this call on `job_id`, no key.
    #[must_use = "a request does nothing until a target sends it"]
    pub fn request(self, job_id: &str) -> Request {
        self.endpoint().request(job_id)
    }
}

impl fmt::Display for Control {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.verb())
    }
}

/// Percent-encodes one path segment (everything but RFC 3986 unreserved
/// characters), so any job ID stays one segment.
pub(crate) fn encode_segment(segment: &str) -> String {
    utf8_percent_encode(segment, PATH_SEGMENT).to_string()
}

/// Checks that `spec` documents every endpoint under its operationId, with
/// the same method and path template: the harness's words and the document
/// it checks against must name the same API.
pub(crate) fn check_spec(spec: &crate::Spec) -> Result<(), Error> {
    for endpoint in Endpoint::ALL {
        let id = endpoint.operation_id();
        let operation = spec.operation(id)?;
        if *operation.method() != endpoint.method()
            || operation.path_template() != endpoint.path_template()
        {
            return Err(Error::SpecInvalid {
                pointer: operation.pointer().to_owned(),
                reason: format!(
                    "operation {id} is {} {} in the spec, but the harness knows it as {endpoint}",
                    operation.method(),
                    operation.path_template()
                ),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_round_trip_through_of() {
        for endpoint in Endpoint::ALL {
            for id in ["8a8e8a97", "a/b", "%", "é", ".."] {
                let path = endpoint.path(id);
                let (back, job) = Endpoint::of(&endpoint.method(), &path).expect("matches");
                assert_eq!(back, endpoint);
                if endpoint.on_job() {
                    assert_eq!(job.as_deref(), Some(id));
                }
            }
        }
        assert_eq!(Endpoint::of(&Method::DELETE, "/api/v1/tam/build/x"), None);
        assert_eq!(
            Endpoint::of(&Method::POST, "/api/v1/tam/build/x/stop"),
            None
        );
        assert_eq!(Endpoint::of(&Method::GET, "/api/v1/tam/build/"), None);
        assert_eq!(
            Endpoint::of(&Method::POST, "/api/v1/tam/%62uild/x/resume").map(|e| e.0),
            None,
            "the collection segment is matched as sent; the guard decodes before it asks"
        );
    }

    #[test]
    fn the_vendored_spec_names_the_same_api() {
        let spec = crate::Spec::embedded().expect("vendored spec");
        check_spec(&spec).expect("agrees");
        for endpoint in Endpoint::ALL {
            assert_eq!(
                Endpoint::from_operation_id(endpoint.operation_id()),
                Some(endpoint)
            );
        }
    }
}
