//! The HTTP client every request goes through: one connection pool, a
//! request budget, a rate limit, a timeout, a cap on body size, content
//! codings, 429 retries, one retry of a free request that met a connection
//! the server had closed, the write guard that keeps a live run from
//! spending, and a scrubber that keeps an echoed key out of every report.
//!
//! ## Retries
//! A request is sent again only when that cannot spend twice:
//! - after a 429 (the server says it did not act), up to [`MAX_RETRIES`]
//!   times, waiting as `Retry-After` (seconds or an HTTP-date) asks;
//! - once, on a new connection, when a connection taken from the pool was
//!   closed or reset under it before any answer began (the server closed
//!   it while idle, the classic keep-alive race), and only when the
//!   request is free: not a submit or resume (they start or continue a
//!   paid build), and not an unknown path with a method other than `GET`,
//!   `HEAD` or `OPTIONS`. A connection the client had just opened is never
//!   retried: a server that closes it without answering is broken, and
//!   the failure is reported.
//!
//! Requests that can spend never meet a pooled connection at all: they
//! go out on a connection of their own, so the keep-alive race cannot hit
//! them, and they are never sent twice. Every retry counts against the
//! request budget and waits for its rate slot.

pub(crate) mod decode;
mod fetch;
mod guard;
mod ledger;
mod local;
pub(crate) mod scrub;
mod wire;

#[cfg(test)]
mod tests;

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use reqwest::Method;
use reqwest::header::HeaderMap;
use tokio::time::Instant;
use url::Url;

use fetch::{Failure, Http, attempt};
pub(crate) use guard::WriteGuard;
use ledger::{Admission, Ledger};
pub(crate) use local::{InProcess, ServeFuture};
use wire::{canonical, created_job, headers, retry_after, transport};

use crate::api::Endpoint;
use crate::config::Limits;
use crate::{ApiKey, Error, Exchange, Request, Spec, Violation};

/// Most 429 retries of one request.
pub(crate) const MAX_RETRIES: u32 = 5;

/// First backoff after a 429 without `Retry-After`; it doubles per retry
/// (1, 2, 4, 8, 16 s), never beyond the wait limit.
const FIRST_BACKOFF: Duration = Duration::from_secs(1);

/// Why a request got no answer to check.
#[derive(Debug, Clone)]
pub enum SendError {
    /// The request budget is spent; the request was not sent.
    Budget {
        /// The budget.
        max_requests: u32,
    },
    /// The write guard stopped a request that could spend money, or one
    /// that would leave the base URL.
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

/// One answered request, for coverage.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Sent {
    /// The operation, when the request matched one: one of the five
    /// endpoints, or another operation of the spec.
    pub operation_id: Option<String>,
    /// The endpoint, when the request went to one of the five.
    pub endpoint: Option<Endpoint>,
    /// The status.
    pub status: u16,
}

/// The client. Shared by every rule of a run.
#[derive(Debug)]
pub(crate) struct Client {
    http: Http,
    spec: Spec,
    base_url: String,
    base: Url,
    limits: Limits,
    /// `1 / rps`, when there is a rate limit.
    interval: Option<Duration>,
    guard: WriteGuard,
    secrets: Vec<ApiKey>,
    ledger: Ledger,
    next_slot: Mutex<Option<Instant>>,
    log: Mutex<Vec<Sent>>,
}

/// What a request is, worked out once before it is sent.
struct Route {
    endpoint: Option<Endpoint>,
    operation_id: Option<String>,
    admission: Admission,
    /// It may start or continue a paid build: never sent twice, never on
    /// a pooled connection.
    spends: bool,
}

impl Client {
    /// A client for `base_url` (no trailing slash; may carry a path prefix).
    pub(crate) fn new(
        spec: Spec,
        base_url: &str,
        limits: Limits,
        guard: WriteGuard,
    ) -> Result<Client, Error> {
        Client::build(spec, base_url, limits, guard, None)
    }

    /// Like [`Client::new`], but every request is handed to `server` in
    /// this process instead of going over HTTP to `base_url` (which still
    /// names the origin requests may go to). Everything else is as over
    /// HTTP.
    pub(crate) fn in_process(
        spec: Spec,
        base_url: &str,
        limits: Limits,
        guard: WriteGuard,
        server: std::sync::Arc<dyn InProcess>,
    ) -> Result<Client, Error> {
        Client::build(spec, base_url, limits, guard, Some(server))
    }

    fn build(
        spec: Spec,
        base_url: &str,
        limits: Limits,
        guard: WriteGuard,
        server: Option<std::sync::Arc<dyn InProcess>>,
    ) -> Result<Client, Error> {
        limits.check()?;
        let base_url = base_url.trim_end_matches('/').to_owned();
        let base = Url::parse(&base_url)
            .map_err(|e| Error::Target(format!("the base URL {base_url:?} does not parse: {e}")))?;
        if base.scheme() == "https" && !cfg!(feature = "tls") {
            return Err(Error::Target(format!(
                "{base_url} is https://, and this build has no TLS: enable the `tls` feature of openfunnel-contract"
            )));
        }
        install_tls_provider();
        let http = match server {
            Some(server) => Http::Local(server),
            None => Http::new(&limits, base.scheme() == "https")?,
        };
        // `Limits::check` made sure this is a positive, finite interval.
        let interval = limits
            .rps
            .map(|rps| Duration::try_from_secs_f64(1.0 / rps).unwrap_or(Duration::ZERO));
        Ok(Client {
            http,
            spec,
            base_url,
            base,
            limits,
            interval,
            guard,
            secrets: Vec::new(),
            ledger: Ledger::new(limits.max_requests),
            next_slot: Mutex::new(None),
            log: Mutex::new(Vec::new()),
        })
    }

    /// Keys that must never reach a report: every copy of them in a
    /// response (body or header) is replaced by its mask. The key a
    /// request carries is always scrubbed from its own response.
    #[must_use = "builders return the changed client"]
    pub(crate) fn with_secrets(mut self, secrets: impl IntoIterator<Item = ApiKey>) -> Client {
        for key in secrets {
            if !self.secrets.contains(&key) {
                self.secrets.push(key);
            }
        }
        self
    }

    /// The base URL requests go to.
    pub(crate) fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The limits in force.
    pub(crate) fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Requests sent so far (retries included).
    pub(crate) fn requests_sent(&self) -> u32 {
        self.ledger.sent()
    }

    /// Every answered request so far, in order.
    pub(crate) fn sent_log(&self) -> Vec<Sent> {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Remembers a job the run created, for the cleanup.
    pub(crate) fn note_created(&self, job_id: &str) {
        self.ledger.note_created(job_id);
    }

    /// Every job the run created, in order: those a submit answered with a
    /// `job_id` (whatever else was wrong with the answer) and those noted.
    pub(crate) fn created_jobs(&self) -> Vec<String> {
        self.ledger.created()
    }

    /// Sends `request` under the base URL, honouring the guard, the budget,
    /// the rate limit and 429 `Retry-After`.
    pub(crate) async fn send(&self, request: Request) -> Result<Exchange, SendError> {
        let request = request.base(&self.base_url);
        let (url, server_path) = self.checked_url(&request)?;
        let keyed = request.api_key.is_some();
        let blocked = |reason| SendError::Blocked { reason };
        if server_path != request.path {
            self.guard
                .check_path(&self.spec, &request.method, &request.path, keyed)
                .map_err(blocked)?;
        }
        let routed = Endpoint::of(&request.method, &server_path);
        self.guard
            .check_routed(&self.spec, &request.method, &server_path, keyed, &routed)
            .map_err(blocked)?;
        let headers = headers(&request)?;
        let route = self.route(&request.method, &server_path, routed);
        self.ledger.admit(&route.admission)?;
        let mut result = self.with_retries(request, url, headers, route.spends).await;
        if let Err(SendError::Transport(violation)) = &mut result {
            violation.operation_id.clone_from(&route.operation_id);
        }
        if route.admission == Admission::Submit {
            let created = result.as_ref().ok().and_then(created_job);
            self.ledger.submit_done(created);
        }
        let exchange = result?;
        self.log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Sent {
                operation_id: route.operation_id,
                endpoint: route.endpoint,
                status: exchange.status(),
            });
        Ok(exchange)
    }

    /// What a request to `server_path` is: its endpoint (or operation of
    /// the spec), what the budget must hold for it, whether it can spend.
    fn route(&self, method: &Method, server_path: &str, routed: guard::Routed) -> Route {
        let Some((endpoint, job)) = routed else {
            let operation_id = self
                .spec
                .match_request(method, server_path)
                .map(|m| m.operation.id().to_owned());
            return Route {
                endpoint: None,
                operation_id,
                admission: Admission::Normal,
                // A path of none of the five may be one a server routes to
                // submit; only the methods that are safe by definition are
                // free.
                spends: !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS),
            };
        };
        let admission = match (endpoint, job) {
            (Endpoint::Submit, _) => Admission::Submit,
            (Endpoint::Cancel, Some(job)) => Admission::Cancel(job),
            _ => Admission::Normal,
        };
        Route {
            endpoint: Some(endpoint),
            operation_id: Some(endpoint.operation_id().to_owned()),
            admission,
            spends: endpoint.spends(),
        }
    }

    /// The URL of `request` and its path as the server will route it,
    /// under the base URL's prefix: dot segments resolved, each segment
    /// decoded and re-encoded the one canonical way (`%62uild` is `build`,
    /// as for FastAPI). A request that would leave the base URL (its origin
    /// or its path prefix) is refused, so the key never travels elsewhere.
    fn checked_url(&self, request: &Request) -> Result<(Url, String), SendError> {
        let text = request.url();
        let leaves = |why: String| SendError::Blocked {
            reason: format!("{why}; the key only goes to {}", self.base_url),
        };
        if !request.path.starts_with('/') {
            return Err(leaves(format!(
                "the path {:?} does not start with /",
                request.path
            )));
        }
        let url = Url::parse(&text).map_err(|e| leaves(format!("{text:?} is not a URL ({e})")))?;
        if !self.same_origin(&url) {
            return Err(leaves(format!("{text:?} is on another host")));
        }
        let prefix = self.base.path().trim_end_matches('/');
        let server_path = match url.path().strip_prefix(prefix) {
            Some(rest) if rest.starts_with('/') => canonical(rest),
            _ => {
                return Err(leaves(format!(
                    "{text:?} leaves the path prefix {prefix:?}"
                )));
            }
        };
        Ok((url, server_path))
    }

    /// `url.origin() == base.origin()` for http(s), without the copies
    /// `origin()` makes (any other scheme has an opaque origin, equal to
    /// nothing).
    fn same_origin(&self, url: &Url) -> bool {
        matches!(url.scheme(), "http" | "https")
            && url.scheme() == self.base.scheme()
            && url.host() == self.base.host()
            && url.port_or_known_default() == self.base.port_or_known_default()
    }

    async fn with_retries(
        &self,
        request: Request,
        url: Url,
        headers: HeaderMap,
        spends: bool,
    ) -> Result<Exchange, SendError> {
        let mut retries = 0;
        loop {
            if retries > 0 {
                self.ledger.admit(&Admission::Normal)?;
            }
            let response = self.send_once(&request, &url, &headers, spends).await?;
            if response.status != 429 {
                return Ok(Exchange::new(request, response));
            }
            if retries == MAX_RETRIES {
                return Err(transport(
                    &request,
                    Some(429),
                    format!(
                        "429 Too Many Requests {} times in a row; gave up after {MAX_RETRIES} retries (lower OPENFUNNEL_RPS)",
                        retries + 1
                    ),
                ));
            }
            retries += 1;
            let delay = match retry_after(&response, SystemTime::now()) {
                Some(asked) if asked > self.limits.wait => {
                    return Err(transport(
                        &request,
                        Some(429),
                        format!(
                            "429 with Retry-After {} s, longer than the wait limit of {} s (OPENFUNNEL_WAIT_SECS); gave up",
                            asked.as_secs(),
                            self.limits.wait.as_secs_f64()
                        ),
                    ));
                }
                Some(asked) => asked,
                None => (FIRST_BACKOFF * (1 << (retries - 1))).min(self.limits.wait),
            };
            tokio::time::sleep(delay).await;
        }
    }

    /// One request as the server sees it: a single attempt, or, when a
    /// pooled connection was closed under a free request before any
    /// answer, that attempt and one more on a new connection.
    async fn send_once(
        &self,
        request: &Request,
        url: &Url,
        headers: &HeaderMap,
        spends: bool,
    ) -> Result<crate::Response, SendError> {
        let keys: Vec<&ApiKey> = request
            .api_key
            .iter()
            .chain(
                self.secrets
                    .iter()
                    .filter(|k| request.api_key.as_ref() != Some(*k)),
            )
            .collect();
        self.take_rate_slot().await;
        let http = self.http.client(spends);
        match attempt(
            http,
            request,
            url.clone(),
            headers.clone(),
            &self.limits,
            &keys,
        )
        .await
        {
            Ok(response) => Ok(response),
            Err(Failure::Stale(error)) if !spends => {
                if self.ledger.admit(&Admission::Normal).is_err() {
                    return Err(error);
                }
                self.take_rate_slot().await;
                let fresh = self.http.client(true);
                attempt(
                    fresh,
                    request,
                    url.clone(),
                    headers.clone(),
                    &self.limits,
                    &keys,
                )
                .await
                .map_err(Failure::into_error)
            }
            Err(failure) => Err(failure.into_error()),
        }
    }

    async fn take_rate_slot(&self) {
        let Some(interval) = self.interval else {
            return;
        };
        let slot = {
            let mut next = self.next_slot.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let slot = next.map_or(now, |n| n.max(now));
            *next = Some(slot + interval);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

/// reqwest is built without a default TLS provider; ring is ours. Without
/// the `tls` feature there is no TLS at all (http:// targets only).
pub(crate) fn install_tls_provider() {
    #[cfg(feature = "tls")]
    let _ = rustls::crypto::ring::default_provider().install_default();
}
