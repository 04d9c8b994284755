//! The HTTP face of the mock: one wiremock [`Respond`] that routes, validates
//! like FastAPI and answers from the store, as the personality says.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::json;
use wiremock::{Request, Respond, ResponseTemplate};

use super::answer::Answer;
use super::bodies::{self, AckBody, Cursor};
use super::clock::Clock;
use super::fault::{Call, Fault};
use super::job::Outcome;
use super::personality::Personality;
use super::routing::{Routed, encode_location, route};
use super::store::Store;
use super::validate::{self, header};
use super::wire::{Asked, dress};
use super::words;
use crate::api::{Control, Endpoint};

/// A request that matched no operation: its path matched none (404), its
/// method was wrong for the path (405), or it was redirected (307).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnmatchedRequest {
    /// The request method, e.g. `"DELETE"`.
    pub method: String,
    /// The path as received (still percent-encoded), without the query.
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    /// The endpoint the request most resembles (for a 405: the endpoint
    /// of that path; for a 307: the one it is sent to).
    pub nearest_operation: Endpoint,
    /// The status the mock answered: 404, 405 or 307.
    pub status: u16,
}

/// What every request reads and writes, behind one lock.
#[derive(Debug)]
pub(crate) struct Inner {
    pub store: Store,
    pub unmatched: Vec<UnmatchedRequest>,
    pub requests: usize,
}

/// The state shared by the [`MockApi`](super::MockApi) handle and the
/// responder running in wiremock's server thread.
pub(crate) struct Shared {
    inner: Mutex<Inner>,
    clock: Box<dyn Clock>,
    offset: Mutex<Duration>,
    fault: Option<Box<dyn Fault>>,
    latency: Duration,
    /// The store's personality, read without the lock.
    personality: Personality,
}

impl Shared {
    pub(crate) fn new(
        store: Store,
        clock: Box<dyn Clock>,
        fault: Option<Box<dyn Fault>>,
        latency: Duration,
    ) -> Shared {
        Shared {
            personality: store.personality.clone(),
            inner: Mutex::new(Inner {
                store,
                unmatched: Vec::new(),
                requests: 0,
            }),
            clock,
            offset: Mutex::new(Duration::ZERO),
            fault,
            latency,
        }
    }

    /// The mock's time: the clock plus every [`Shared::advance`].
    pub(crate) fn now(&self) -> Duration {
        let offset = *self.offset.lock().unwrap_or_else(|e| e.into_inner());
        self.clock.now().saturating_add(offset)
    }

    /// Moves the mock's time forward on top of its clock.
    pub(crate) fn advance(&self, by: Duration) {
        let mut offset = self.offset.lock().unwrap_or_else(|e| e.into_inner());
        *offset = offset.saturating_add(by);
    }

    /// The state. A poisoned lock is recovered, so the mock keeps answering
    /// after a panic in a test thread that held it.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The personality the mock plays.
    pub(crate) fn personality(&self) -> &Personality {
        &self.personality
    }
}

/// The catch-all responder.
pub(crate) struct Handler(pub Arc<Shared>);

impl Respond for Handler {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let template = self.answer(request).into_template();
        if self.0.latency.is_zero() {
            template
        } else {
            template.set_delay(self.0.latency)
        }
    }
}

impl Handler {
    /// The answer to `request` without a socket, for the in-process
    /// transport: the same [`Handler::answer`] as over HTTP (routing,
    /// validation, the store, the fault, the dressing), the latency slept
    /// on the caller's runtime instead of wiremock's, the answer as
    /// wiremock and hyper would frame it ([`Answer::into_wire`]).
    pub(crate) async fn serve_in_process(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> (u16, Vec<(String, String)>, Vec<u8>) {
        let (parts, body) = request.into_parts();
        self.answer_after_latency(parts, body).await.into_wire()
    }

    /// The answer to a request read by an HTTP server of the mock's own
    /// (or handed over in process): the request as wiremock reads one from
    /// hyper (the origin-form target under `http://localhost`), the same
    /// [`Handler::answer`], then the latency.
    pub(crate) async fn answer_after_latency(
        &self,
        parts: http::request::Parts,
        body: Vec<u8>,
    ) -> Answer {
        let target = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
        let url = format!("http://localhost{target}")
            .parse()
            .expect("a request target parses under http://localhost");
        let request = Request {
            url,
            method: parts.method,
            headers: parts.headers,
            body,
        };
        let answer = self.answer(&request);
        if !self.0.latency.is_zero() {
            tokio::time::sleep(self.0.latency).await;
        }
        answer
    }
}

/// One request, as the handler reads it.
struct Incoming<'r> {
    request: &'r Request,
    method: &'r str,
    raw_path: &'r str,
    key: Option<String>,
    now: Duration,
}

impl Handler {
    fn answer(&self, request: &Request) -> Answer {
        let shared = &*self.0;
        let p = shared.personality();
        let incoming = Incoming {
            request,
            method: request.method.as_str(),
            raw_path: request.url.path(),
            key: header(request, "x-api-key"),
            now: shared.now(),
        };
        let routed = route(incoming.method, incoming.raw_path, p.routing);
        let mut inner = shared.lock();
        inner.requests += 1;
        let asked = Asked {
            accept_encoding: header(request, "accept-encoding"),
            number: inner.requests,
        };
        let mut answer = match &shared.fault {
            None => {
                let answer = handle(&mut inner, &incoming, &routed);
                drop(inner);
                answer
            }
            Some(fault) => {
                let (operation, job_id) = match &routed {
                    Routed::To(e, id) | Routed::WrongMethod(e, id) => {
                        (Some(*e), Some(id.clone()).filter(|id| !id.is_empty()))
                    }
                    _ => (None, None),
                };
                let state = |inner: &mut Inner| match (&incoming.key, &job_id) {
                    (Some(key), Some(id)) => inner.store.state(key, id, incoming.now),
                    _ => None,
                };
                let state_before = state(&mut inner);
                let mut answer = handle(&mut inner, &incoming, &routed);
                let state_after = state(&mut inner);
                let call = Call {
                    method: incoming.method.to_owned(),
                    path: incoming.raw_path.to_owned(),
                    query: incoming.request.url.query().map(str::to_owned),
                    operation,
                    job_id,
                    key: incoming.key.clone(),
                    state_before,
                    state_after,
                };
                drop(inner);
                fault.apply(&call, &mut answer);
                answer
            }
        };
        // Outside the lock: the dressing (gzip included) needs only the
        // personality and what was asked.
        dress(&mut answer, p, &asked);
        answer
    }
}

/// The 404 of an unknown job or another key's job.
const NOT_FOUND_DETAIL: &str = "Job not found for this API key";

fn handle(inner: &mut Inner, incoming: &Incoming<'_>, routed: &Routed) -> Answer {
    let mut unmatched = |nearest: Endpoint, status: u16| {
        inner.unmatched.push(UnmatchedRequest {
            method: incoming.method.to_owned(),
            path: incoming.raw_path.to_owned(),
            query: incoming.request.url.query().map(str::to_owned),
            nearest_operation: nearest,
            status,
        });
    };
    match routed {
        Routed::NotFound(nearest) => {
            unmatched(*nearest, 404);
            Answer::json(
                404,
                &json!({
                    "detail": "Not Found",
                    "nearest_operation": nearest.to_string(),
                    "method": incoming.method,
                    "path": incoming.raw_path,
                }),
            )
        }
        Routed::WrongMethod(endpoint, _) => {
            unmatched(*endpoint, 405);
            Answer::detail(405, "Method Not Allowed")
                .with_header("allow", endpoint.method().as_str())
        }
        Routed::Redirect(endpoint, path) => {
            unmatched(*endpoint, 307);
            let host = header(incoming.request, "host").unwrap_or_else(|| "localhost".into());
            let query = incoming
                .request
                .url
                .query()
                .map(|q| format!("?{q}"))
                .unwrap_or_default();
            let location = format!("http://{host}{}{query}", encode_location(path));
            Answer::empty(307).with_header("location", &location)
        }
        Routed::To(endpoint, id) => {
            let store = &mut inner.store;
            match endpoint.control() {
                None if *endpoint == Endpoint::Submit => submit(store, incoming),
                None => poll(store, incoming, id),
                Some(control) => act(store, incoming, id, control),
            }
        }
    }
}

fn submit(store: &mut Store, incoming: &Incoming<'_>) -> Answer {
    let key = incoming.key.as_deref();
    match (validate::submit(incoming.request, key), key) {
        (Ok(query), Some(key)) => {
            let id = store.submit(key, &query, incoming.now);
            let message = words::submit_message(&id);
            let body = AckBody {
                job_id: &id,
                status: "pending",
                message: &message,
            };
            Answer::serialised(store.personality.submit_status.code(), &body)
        }
        (Err(errors), _) => Answer::json(422, &errors),
        (Ok(_), None) => unreachable!("a missing key is a validation error"),
    }
}

fn poll(store: &mut Store, incoming: &Incoming<'_>, id: &str) -> Answer {
    let Some(key) = incoming.key.as_deref() else {
        return Answer::json(422, &validate::unprocessable(vec![validate::missing_key()]));
    };
    let raw_cursor = incoming
        .request
        .url
        .query_pairs()
        .filter(|(name, _)| name == "cursor")
        .map(|(_, value)| value)
        .last();
    let cursor = Cursor::parse(raw_cursor.as_deref());
    match store.job(key, id, incoming.now) {
        Some((job, p)) => {
            Answer::json_bytes(p.poll_status.code(), bodies::poll_json(job, &cursor, p))
        }
        None => Answer::detail(404, NOT_FOUND_DETAIL),
    }
}

fn act(store: &mut Store, incoming: &Incoming<'_>, id: &str, control: Control) -> Answer {
    let Some(key) = incoming.key.as_deref() else {
        return Answer::json(422, &validate::unprocessable(vec![validate::missing_key()]));
    };
    let Some((job, p)) = store.job(key, id, incoming.now) else {
        return Answer::detail(404, NOT_FOUND_DETAIL);
    };
    match job.act(control, incoming.now, p) {
        Outcome::Accepted { status, message } => {
            let code = match control {
                Control::Cancel => p.cancel_status.code(),
                _ => 200,
            };
            let body = AckBody {
                job_id: &job.id,
                status: status.as_str(),
                message: &message,
            };
            Answer::serialised(code, &body)
        }
        Outcome::Refused(detail) => Answer::detail(409, &detail),
    }
}
