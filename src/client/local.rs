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

use super::fetch::{Failure, Progress, Raw};
use super::wire::transport;
use crate::Request;
use crate::config::Limits;

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
/// */*` unless set, `content-length` of a body).
pub(super) fn outgoing(
    request: &Request,
    url: Url,
    mut headers: HeaderMap,
) -> Result<http::Request<Vec<u8>>, Failure> {
    let failed = |cause: String| Failure::Failed(transport(request, None, cause));
    let host = match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        (None, _) => return Err(failed(format!("{url} has no host; not sent"))),
    };
    let host = HeaderValue::from_str(&host).map_err(|e| failed(format!("bad host: {e}")))?;
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
        .map_err(|e| failed(format!("{url} is not a URI: {e}; not sent")))?;
    *outgoing.headers_mut() = headers;
    Ok(outgoing)
}

/// Hands `outgoing` to `server` and takes its answer, under the body cap
/// as over HTTP (an answer over it is refused as by its `Content-Length`).
pub(super) async fn read(
    server: &dyn InProcess,
    outgoing: http::Request<Vec<u8>>,
    request: &Request,
    limits: &Limits,
    progress: &mut Progress,
) -> Result<Raw, Failure> {
    let (status, headers, body) = server.serve(outgoing).await;
    progress.status = Some(status);
    let cap = limits.max_body_bytes;
    if body.len() > cap {
        return Err(Failure::Failed(transport(
            request,
            Some(status),
            format!(
                "a body of {} bytes (Content-Length), over the cap of {cap} bytes; not read",
                body.len()
            ),
        )));
    }
    progress.read = body.len();
    Ok((status, headers, body))
}
