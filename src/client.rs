//! The HTTP client every request goes through: one connection pool, a
//! request budget, a rate limit, a timeout, a cap on body size, 429
//! retries and the write guard that keeps a live run from spending.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use tokio::time::Instant;

use crate::config::Limits;
use crate::{Error, Exchange, Mismatch, Request, Response, Spec, Violation, ViolationKind};

/// Most 429 retries of one request.
const MAX_RETRIES: u32 = 5;

/// Why a request got no answer to check.
#[derive(Debug, Clone)]
pub enum SendError {
    /// The request budget is spent; the request was not sent.
    Budget {
        /// The budget.
        max_requests: u32,
    },
    /// The write guard stopped a request that could spend money.
    Blocked {
        /// Why, and which setting allows it.
        reason: String,
    },
    /// Sent, but no usable answer came (timeout, reset, too large, endless 429).
    Transport(Box<Violation>),
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::Budget { max_requests } => write!(
                f,
                "the request budget of {max_requests} is spent (OPENFUNNEL_MAX_REQUESTS)"
            ),
            SendError::Blocked { reason } => write!(f, "not sent: {reason}"),
            SendError::Transport(violation) => violation.fmt(f),
        }
    }
}

/// Which requests a run may send without `OPENFUNNEL_ALLOW_WRITES=1`: no
/// submit, and no pause, resume or cancel of a job the suite must not
/// change (a live fixture that is not terminal). Requests without a key
/// cannot spend and always pass.
#[derive(Debug, Default)]
pub struct WriteGuard {
    allow_writes: bool,
    protected: BTreeSet<String>,
}

impl WriteGuard {
    /// A guard; `protected` are job IDs that only writes may change.
    pub fn new(allow_writes: bool, protected: impl IntoIterator<Item = String>) -> Self {
        WriteGuard {
            allow_writes,
            protected: protected.into_iter().collect(),
        }
    }

    /// `Err(reason)` when the request needs writes that are not allowed.
    pub fn check(&self, spec: &Spec, request: &Request) -> Result<(), String> {
        if self.allow_writes || request.api_key.is_none() {
            return Ok(());
        }
        let Some(found) = spec.match_request(&request.method, &request.path) else {
            return Ok(());
        };
        let job = found.params.iter().find(|(name, _)| name == "job_id");
        match (found.operation.id(), job) {
            ("submitTamBuildJob", _) => Err(
                "submit creates a build, which costs 1 credit per company; set OPENFUNNEL_ALLOW_WRITES=1 to allow it".into(),
            ),
            (op, Some((_, id))) if op != "pollTamBuildJob" && self.protected.contains(id) => Err(format!(
                "{op} would change job {id}, a fixture the suite did not create and that is not terminal; set OPENFUNNEL_ALLOW_WRITES=1 to allow it"
            )),
            _ => Ok(()),
        }
    }
}

/// One answered request, for coverage.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Sent {
    /// The operation, when the request matched one.
    pub operation_id: Option<String>,
    /// The status.
    pub status: u16,
}

/// The client. Shared by every rule of a run.
#[derive(Debug)]
pub struct Client {
    http: reqwest::Client,
    spec: Spec,
    base_url: String,
    limits: Limits,
    guard: WriteGuard,
    sent: AtomicU32,
    next_slot: tokio::sync::Mutex<Option<Instant>>,
    log: Mutex<Vec<Sent>>,
}

impl Client {
    /// A client for `base_url` (no trailing slash; may carry a path prefix).
    pub fn new(
        spec: Spec,
        base_url: &str,
        limits: Limits,
        guard: WriteGuard,
    ) -> Result<Client, Error> {
        // reqwest is built without a default TLS provider; ring is ours.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(limits.timeout)
            .connect_timeout(limits.timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(8)
            .build()
            .map_err(|e| Error::Target(format!("cannot build the HTTP client: {e}")))?;
        Ok(Client {
            http,
            spec,
            base_url: base_url.trim_end_matches('/').to_owned(),
            limits,
            guard,
            sent: AtomicU32::new(0),
            next_slot: tokio::sync::Mutex::new(None),
            log: Mutex::new(Vec::new()),
        })
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Requests sent so far (retries included).
    pub fn requests_sent(&self) -> u32 {
        self.sent.load(Ordering::SeqCst)
    }

    /// Every answered request so far, in order.
    pub fn sent_log(&self) -> Vec<Sent> {
        self.log.lock().expect("log lock").clone()
    }

    /// Sends `request` under the base URL, honouring the guard, the budget,
    /// the rate limit and 429 `Retry-After`.
    pub async fn send(&self, request: Request) -> Result<Exchange, SendError> {
        let request = request.base(&self.base_url);
        self.guard
            .check(&self.spec, &request)
            .map_err(|reason| SendError::Blocked { reason })?;
        let mut retries = 0;
        loop {
            let response = self.send_once(&request).await?;
            if response.status != 429 || retries == MAX_RETRIES {
                self.log.lock().expect("log lock").push(Sent {
                    operation_id: self
                        .spec
                        .match_request(&request.method, &request.path)
                        .map(|m| m.operation.id().to_owned()),
                    status: response.status,
                });
                return Ok(Exchange::new(request, response));
            }
            retries += 1;
            let delay = retry_after(&response).unwrap_or(Duration::from_secs(1 << retries.min(4)));
            if delay > self.limits.wait {
                let exchange = Exchange::new(request, response);
                return Err(transport(
                    &exchange.request,
                    format!(
                        "429 with Retry-After {} s, longer than the wait limit of {} s (OPENFUNNEL_WAIT_SECS)",
                        delay.as_secs(),
                        self.limits.wait.as_secs()
                    ),
                ));
            }
            tokio::time::sleep(delay).await;
        }
    }

    async fn send_once(&self, request: &Request) -> Result<Response, SendError> {
        let spent = self.sent.fetch_add(1, Ordering::SeqCst);
        if spent >= self.limits.max_requests {
            self.sent.fetch_sub(1, Ordering::SeqCst);
            return Err(SendError::Budget {
                max_requests: self.limits.max_requests,
            });
        }
        self.take_rate_slot().await;
        let mut headers = HeaderMap::new();
        for (name, value) in &request.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|e| transport(request, format!("bad header name {name:?}: {e}")))?;
            let value = HeaderValue::from_str(value)
                .map_err(|e| transport(request, format!("bad header value: {e}")))?;
            headers.append(name, value);
        }
        if let Some(key) = &request.api_key {
            let mut value = HeaderValue::from_str(key.expose()).map_err(|_| {
                transport(request, "the API key is not a valid header value".into())
            })?;
            value.set_sensitive(true);
            headers.insert("x-api-key", value);
        }
        let mut builder = self
            .http
            .request(request.method.clone(), request.url())
            .headers(headers);
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        }
        let mut response = builder
            .send()
            .await
            .map_err(|e| transport(request, describe(&e, &self.limits)))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > self.limits.max_body_bytes {
                        return Err(transport(
                            request,
                            format!(
                                "status {status} with a body over the cap of {} bytes; stopped reading",
                                self.limits.max_body_bytes
                            ),
                        ));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => {
                    return Err(transport(
                        request,
                        format!(
                            "status {status}, then the body failed: {}",
                            describe(&e, &self.limits)
                        ),
                    ));
                }
            }
        }
        Ok(Response {
            status,
            headers,
            body,
        })
    }

    async fn take_rate_slot(&self) {
        let Some(rps) = self.limits.rps else { return };
        let interval = Duration::from_secs_f64(1.0 / rps);
        let slot = {
            let mut next = self.next_slot.lock().await;
            let now = Instant::now();
            let slot = next.map_or(now, |n| n.max(now));
            *next = Some(slot + interval);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

/// `Retry-After` in seconds (the HTTP-date form is not honoured: backoff).
fn retry_after(response: &Response) -> Option<Duration> {
    response
        .header("retry-after")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

fn describe(error: &reqwest::Error, limits: &Limits) -> String {
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
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn transport(request: &Request, cause: String) -> SendError {
    SendError::Transport(Box::new(Violation {
        kind: ViolationKind::Transport,
        rule: "transport".into(),
        operation_id: None,
        method: request.method.to_string(),
        path: request.path_and_query(),
        status: None,
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
