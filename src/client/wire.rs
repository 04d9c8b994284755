//! The wire side of the client: paths as the server routes them, headers,
//! deadlines, `Retry-After`, and the sentences that name why no usable
//! answer came.

use std::time::{Duration, SystemTime};

use reqwest::header::{ACCEPT_ENCODING, HeaderMap, HeaderName, HeaderValue};
use tokio::time::Instant;

use super::SendError;
use super::decode;
use crate::config::Limits;
use crate::{Exchange, Mismatch, Request, Response, Violation, ViolationKind};

/// `future`'s output, or `None` when `deadline` passes first.
pub(super) async fn within<F: std::future::Future>(
    deadline: Option<Instant>,
    future: F,
) -> Option<F::Output> {
    match deadline {
        Some(deadline) => tokio::time::timeout_at(deadline, future).await.ok(),
        None => Some(future.await),
    }
}

/// `path` with every segment percent-decoded and re-encoded canonically.
pub(super) fn canonical(path: &str) -> String {
    // RFC 3986 unreserved characters and `/` are their own canonical form:
    // the common path (a UUID job) needs no decoding.
    if path
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'.' | b'_' | b'~'))
    {
        return path.to_owned();
    }
    path.split('/')
        .map(|segment| {
            let decoded = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
            crate::api::encode_segment(&decoded)
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The headers of `request`, the key marked sensitive, and an
/// `Accept-Encoding` naming what the client decodes unless the request
/// brings its own. Checked before the request counts against the budget.
pub(super) fn headers(request: &Request) -> Result<HeaderMap, SendError> {
    let mut headers = HeaderMap::with_capacity(request.headers.len() + 2);
    for (name, value) in &request.headers {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|e| {
            transport(
                request,
                None,
                format!("bad header name {name:?}: {e}; not sent"),
            )
        })?;
        let value = HeaderValue::from_str(value)
            .map_err(|e| transport(request, None, format!("bad header value: {e}; not sent")))?;
        headers.append(name, value);
    }
    if let Some(key) = &request.api_key {
        let mut value = HeaderValue::from_str(key.expose()).map_err(|_| {
            transport(
                request,
                None,
                "the API key is not a valid header value; not sent".into(),
            )
        })?;
        value.set_sensitive(true);
        headers.insert("x-api-key", value);
    }
    if !headers.contains_key(ACCEPT_ENCODING) {
        headers.insert(
            ACCEPT_ENCODING,
            HeaderValue::from_static(decode::ACCEPT_ENCODING),
        );
    }
    Ok(headers)
}

/// The job a submit answer created: a 2xx with a string `job_id`, whatever
/// else is wrong with it (a rule that fails on the answer must not leave
/// the job running).
pub(super) fn created_job(exchange: &Exchange) -> Option<String> {
    if !(200..300).contains(&exchange.status()) {
        return None;
    }
    exchange.body_str("job_id").filter(|id| !id.is_empty())
}

/// How long `Retry-After` asks to wait: delay-seconds, or an HTTP-date
/// (IMF-fixdate, or the obsolete RFC 850 and asctime forms) counted from
/// the answer's own `Date` when it has a valid one (so a server whose clock
/// is off still means what it says), else from `now`. A date in the past
/// is no wait; anything else is no `Retry-After`.
pub(super) fn retry_after(response: &Response, now: SystemTime) -> Option<Duration> {
    let value = response.header("retry-after")?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    let reference = response
        .header("date")
        .and_then(|date| httpdate::parse_http_date(date.trim()).ok())
        .unwrap_or(now);
    Some(at.duration_since(reference).unwrap_or(Duration::ZERO))
}

pub(super) fn describe(error: &reqwest::Error, limits: &Limits) -> String {
    use std::error::Error as _;
    let mut text = if error.is_timeout() {
        format!(
            "timed out after {:?} (OPENFUNNEL_TIMEOUT_SECS)",
            limits.timeout
        )
    } else if error.is_connect() {
        "could not connect".to_owned()
    } else {
        "the request failed".to_owned()
    };
    if error.is_timeout() {
        return text;
    }
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// True when `error` (of a request whose answer had not begun) says the
/// connection was closed or reset under it: what a pooled connection the
/// server closed while idle does to the next request on it.
pub(super) fn closed_under_request(error: &reqwest::Error) -> bool {
    use std::error::Error as _;
    use std::io::ErrorKind;
    if error.is_timeout() || error.is_connect() || error.is_status() || error.is_redirect() {
        return false;
    }
    let mut source = error.source();
    while let Some(cause) = source {
        if let Some(hyper) = cause.downcast_ref::<hyper::Error>()
            && (hyper.is_incomplete_message() || hyper.is_canceled())
        {
            return true;
        }
        if let Some(io) = cause.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                ErrorKind::ConnectionReset
                    | ErrorKind::ConnectionAborted
                    | ErrorKind::BrokenPipe
                    | ErrorKind::UnexpectedEof
            )
        {
            return true;
        }
        source = cause.source();
    }
    false
}

pub(super) fn transport(request: &Request, status: Option<u16>, cause: String) -> SendError {
    SendError::Transport(Box::new(Violation {
        kind: ViolationKind::Transport,
        rule: "transport".into(),
        operation_id: None,
        method: request.method.to_string(),
        path: request.path_and_query(),
        status,
        mismatches: vec![Mismatch {
            pointer: None,
            spec_pointer: None,
            expected: "an answer within the limits".into(),
            actual: cause,
        }],
        because: None,
        curl: request.curl(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(headers: &[(&str, &str)]) -> Response {
        Response {
            status: 429,
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            body: Vec::new(),
        }
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        let secs = |h: &[(&str, &str)]| retry_after(&with(h), now).map(|d| d.as_secs());
        assert_eq!(secs(&[("retry-after", " 7 ")]), Some(7));
        assert_eq!(
            secs(&[("retry-after", "Sun, 06 Nov 1994 08:49:40 GMT")]),
            Some(3)
        );
        assert_eq!(
            secs(&[("retry-after", "Sunday, 06-Nov-94 08:49:47 GMT")]),
            Some(10),
            "RFC 850"
        );
        assert_eq!(
            secs(&[("retry-after", "Sun Nov  6 08:49:38 1994")]),
            Some(1),
            "asctime"
        );
        assert_eq!(
            secs(&[
                ("date", "Sun, 06 Nov 1994 09:00:00 GMT"),
                ("retry-after", "Sun, 06 Nov 1994 09:00:05 GMT")
            ]),
            Some(5),
            "counted from the server's own clock"
        );
        assert_eq!(
            secs(&[("retry-after", "Sat, 05 Nov 1994 08:49:37 GMT")]),
            Some(0)
        );
        assert_eq!(secs(&[("retry-after", "soon")]), None);
        assert_eq!(secs(&[("retry-after", "-1")]), None);
        assert_eq!(secs(&[]), None);
    }

    #[test]
    fn canonical_paths() {
        assert_eq!(canonical("/api/v1/tam/%62uild/x"), "/api/v1/tam/build/x");
        assert_eq!(canonical("/a/b-c_d.e~f"), "/a/b-c_d.e~f");
        assert_eq!(canonical("/a/b%2Fc/%7e"), "/a/b%2Fc/~");
    }
}
