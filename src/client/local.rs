//! The in-process transport: a request handed to a server's handler in
//! this process, no socket, no HTTP parsing. Opt-in, for runs against the
//! embedded mock ([`crate::mock::MockTransport::InProcess`]); everything
//! around the hand-over (guard, budget, rate limit, deadline, body cap,
//! content codings, key scrub, 429 retries) is the client's as over HTTP.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use http::header::{ACCEPT, CONTENT_LENGTH, HOST, HeaderMap, HeaderValue};
use url::Url;

use crate::Request;

/// The head and the (still encoded) body of an answer.
pub(crate) type Raw = (u16, Vec<(String, String)>, Vec<u8>);

/// The answer of an in-process server: status, headers (names lower-case,
/// in order) and the body as it would go on the wire (still encoded).
pub(crate) type ServeFuture<'a> = Pin<Box<dyn Future<Output = Raw> + Send + 'a>>;

/// A server that answers requests in this process.
pub(crate) trait InProcess: Send + Sync + fmt::Debug {
    /// Answers `request`, whose URI is the full URL and whose headers are
    /// those the wire would carry.
    fn serve(&self, request: http::Request<Vec<u8>>) -> ServeFuture<'_>;
}

/// `request` as the server would receive it over HTTP: the client's
/// headers plus what reqwest and hyper add on the wire (`host`, `accept:
/// */*` unless set, `content-length` of a body). `Err` says why it cannot
/// be sent.
pub(super) fn outgoing(
    request: &Request,
    url: Url,
    mut headers: HeaderMap,
) -> Result<http::Request<Vec<u8>>, String> {
    let host = match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        (None, _) => return Err(format!("{url} has no host; not sent")),
    };
    let host = HeaderValue::from_str(&host).map_err(|e| format!("bad host: {e}; not sent"))?;
    headers.insert(HOST, host);
    if !headers.contains_key(ACCEPT) {
        headers.insert(ACCEPT, HeaderValue::from_static("*/*"));
    }
    let body = request.body.clone().unwrap_or_default();
    if request.body.is_some() {
        headers.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
    }
    let mut outgoing = http::Request::new(body);
    *outgoing.method_mut() = request.method.clone();
    *outgoing.uri_mut() = url
        .as_str()
        .parse()
        .map_err(|e| format!("{url} is not a URI: {e}; not sent"))?;
    *outgoing.headers_mut() = headers;
    Ok(outgoing)
}
