//! The wire side of the client: URLs as the server routes them, headers,
//! deadlines, and the sentences that name why no usable answer came.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use tokio::time::Instant;

use super::SendError;
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
    path.split('/')
        .map(|segment| {
            let decoded = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
            crate::spec::encode_segment(&decoded)
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The headers of `request`, the key marked sensitive. Checked before the
/// request counts against the budget.
pub(super) fn headers(request: &Request) -> Result<HeaderMap, SendError> {
    let mut headers = HeaderMap::new();
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

/// `Retry-After` in seconds (the HTTP-date form is not honoured: backoff).
pub(super) fn retry_after(response: &Response) -> Option<Duration> {
    response
        .header("retry-after")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
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
