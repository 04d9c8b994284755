//! One attempt of one request: the HTTP clients, one deadline for connect,
//! head and body, the body cap, content codings, the key scrubbed, and
//! whether a failure is the one a stale pooled connection causes.

use std::cell::Cell;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use reqwest::header::HeaderMap;
use tokio::time::Instant;
use url::Url;

use super::local::{self, InProcess, Raw};
use super::wire::{closed_under_request, describe, transport, within};
use super::{SendError, decode, scrub};
use crate::config::Limits;
use crate::{ApiKey, Error, Request, Response};

tokio::task_local! {
    /// Set when the request polled in this task made its client open a
    /// new connection: a request that did not ran on a pooled one.
    static NEW_CONNECTION: Cell<bool>;
}

/// A connector layer that notes, in [`NEW_CONNECTION`], that the request
/// being sent opens a connection.
#[derive(Clone, Copy, Debug)]
struct NoteConnects;

impl<S> tower_layer::Layer<S> for NoteConnects {
    type Service = Noted<S>;

    fn layer(&self, inner: S) -> Noted<S> {
        Noted(inner)
    }
}

#[derive(Clone, Debug)]
struct Noted<S>(S);

impl<S: tower_service::Service<R>, R> tower_service::Service<R> for Noted<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, target: R) -> S::Future {
        // Outside a noted request (a connection hyper opens on its own)
        // there is nothing to note.
        let _ = NEW_CONNECTION.try_with(|opened| opened.set(true));
        self.0.call(target)
    }
}

/// How requests reach the server. Over HTTP, two clients: `pooled` keeps
/// connections alive between requests; `fresh` opens a new connection for
/// every request and keeps none, for requests that must not meet a
/// connection the server may already have closed. In process, a server's
/// handler called directly ([`InProcess`]).
#[derive(Debug)]
pub(super) enum Http {
    /// Over HTTP.
    Wire {
        /// Keep-alive.
        pooled: reqwest::Client,
        /// A new connection each time.
        fresh: reqwest::Client,
    },
    /// In process, no socket.
    Local(Arc<dyn InProcess>),
}

/// The way one attempt goes.
#[derive(Clone, Copy)]
pub(super) enum Via<'a> {
    /// With this HTTP client.
    Wire(&'a reqwest::Client),
    /// To this in-process server.
    Local(&'a dyn InProcess),
}

impl Http {
    /// The clients for a base URL that is `https://` when `tls` is true.
    /// Without TLS they load no root certificates: the platform verifier
    /// reads the system's whole store for every client built, which was
    /// over half the time of a model run on fresh mocks (two clients per
    /// target), and a client for an `http://` base never leaves it (no
    /// redirects, no other origin).
    pub(super) fn new(limits: &Limits, tls: bool) -> Result<Http, Error> {
        let build = |idle: usize| {
            // No reqwest timeout: `attempt` puts one deadline on connect,
            // head and body.
            let builder = reqwest::Client::builder()
                .connect_timeout(limits.timeout.min(Duration::from_secs(10)))
                .redirect(reqwest::redirect::Policy::none())
                .pool_max_idle_per_host(idle)
                .connector_layer(NoteConnects);
            #[cfg(feature = "tls")]
            let builder = if tls {
                builder
            } else {
                builder.tls_certs_only([])
            };
            #[cfg(not(feature = "tls"))]
            let _ = tls;
            builder
                .build()
                .map_err(|e| Error::Target(format!("cannot build the HTTP client: {e}")))
        };
        Ok(Http::Wire {
            pooled: build(8)?,
            fresh: build(0)?,
        })
    }

    pub(super) fn client(&self, fresh: bool) -> Via<'_> {
        match self {
            Http::Wire { fresh: client, .. } if fresh => Via::Wire(client),
            Http::Wire { pooled, .. } => Via::Wire(pooled),
            Http::Local(server) => Via::Local(&**server),
        }
    }
}

/// Why an attempt brought no usable answer.
pub(super) enum Failure {
    /// A connection from the pool was closed or reset under the request
    /// before any answer began: a new connection may well succeed.
    Stale(SendError),
    /// Anything else.
    Failed(SendError),
}

impl Failure {
    pub(super) fn into_error(self) -> SendError {
        match self {
            Failure::Stale(e) | Failure::Failed(e) => e,
        }
    }
}

/// How far an attempt got, for the sentence when the deadline cuts it.
#[derive(Default)]
struct Progress {
    status: Option<u16>,
    read: usize,
}

/// Sends `request` once `via` a client or an in-process server and reads
/// its whole answer within the timeout and the body cap; decodes it and
/// scrubs `keys` from it.
pub(super) async fn attempt(
    via: Via<'_>,
    request: &Request,
    url: Url,
    headers: HeaderMap,
    limits: &Limits,
    keys: &[&ApiKey],
) -> Result<Response, Failure> {
    // One deadline for connect, head and body: a server that drips its
    // answer a byte at a time cannot stretch a request past the timeout.
    let deadline = Instant::now().checked_add(limits.timeout);
    let mut progress = Progress::default();
    let answer = match via {
        Via::Wire(http) => {
            let mut outgoing = reqwest::Request::new(request.method.clone(), url);
            *outgoing.headers_mut() = headers;
            if let Some(body) = &request.body {
                *outgoing.body_mut() = Some(body.clone().into());
            }
            let read = NEW_CONNECTION.scope(
                Cell::new(false),
                read(http, outgoing, request, limits, &mut progress),
            );
            within(deadline, read).await
        }
        Via::Local(server) => {
            let outgoing = local::outgoing(request, url, headers)
                .map_err(|cause| Failure::Failed(transport(request, None, cause)))?;
            let read = read_local(server, outgoing, request, limits, &mut progress);
            within(deadline, read).await
        }
    };
    let Some(answer) = answer else {
        let timed_out = format!(
            "timed out after {:?} (OPENFUNNEL_TIMEOUT_SECS)",
            limits.timeout
        );
        let cause = match progress.status {
            None => timed_out,
            Some(_) => format!(
                "the body stopped after {} bytes: {timed_out}",
                progress.read
            ),
        };
        return Err(Failure::Failed(transport(request, progress.status, cause)));
    };
    let (status, mut headers, body) = answer?;
    let mut body = decode::decode(&mut headers, body, limits.max_body_bytes)
        .map_err(|cause| Failure::Failed(transport(request, Some(status), cause)))?;
    scrub::scrub(keys.iter().copied(), &mut body, &mut headers);
    Ok(Response {
        status,
        headers,
        body,
    })
}

async fn read(
    http: &reqwest::Client,
    outgoing: reqwest::Request,
    request: &Request,
    limits: &Limits,
    progress: &mut Progress,
) -> Result<Raw, Failure> {
    let mut response = match http.execute(outgoing).await {
        Ok(response) => response,
        Err(e) => {
            let cause = describe(&e, limits);
            let pooled = !NEW_CONNECTION.with(Cell::get);
            let error = transport(request, None, cause);
            return Err(if pooled && closed_under_request(&e) {
                Failure::Stale(error)
            } else {
                Failure::Failed(error)
            });
        }
    };
    let status = response.status().as_u16();
    progress.status = Some(status);
    let failed = |cause: String| Failure::Failed(transport(request, Some(status), cause));
    let cap = limits.max_body_bytes;
    let length = response.content_length();
    if let Some(length) = length
        && length > cap as u64
    {
        return Err(failed(format!(
            "a body of {length} bytes (Content-Length), over the cap of {cap} bytes; not read"
        )));
    }
    let mut headers = Vec::with_capacity(response.headers().len());
    for (name, value) in response.headers() {
        let value = match value.to_str() {
            Ok(text) => text.to_owned(),
            Err(_) => String::from_utf8_lossy(value.as_bytes()).into_owned(),
        };
        headers.push((name.as_str().to_owned(), value));
    }
    let mut body = Vec::with_capacity(length.map_or(0, |l| l as usize));
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > cap {
                    return Err(failed(format!(
                        "a body over the cap of {cap} bytes; stopped reading after {} bytes",
                        body.len() + chunk.len()
                    )));
                }
                body.extend_from_slice(&chunk);
                progress.read = body.len();
            }
            Ok(None) => break,
            Err(e) => {
                return Err(failed(format!(
                    "the body failed after {} bytes: {}",
                    body.len(),
                    describe(&e, limits)
                )));
            }
        }
    }
    Ok((status, headers, body))
}

/// Hands `outgoing` to `server` and takes its answer, under the body cap
/// as over HTTP (an answer over it is refused as by its `Content-Length`).
async fn read_local(
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
