//! The HTTP client every request goes through: one connection pool, a
//! request budget, a rate limit, a timeout, a cap on body size, 429
//! retries, the write guard that keeps a live run from spending, and a
//! scrubber that keeps an echoed key out of every report.

mod guard;
mod ledger;
mod wire;

use std::sync::Mutex;
use std::time::Duration;

use reqwest::header::HeaderMap;
use tokio::time::Instant;
use url::Url;

pub use guard::WriteGuard;
use ledger::{Admission, Ledger};
use wire::{canonical, created_job, describe, headers, retry_after, transport, within};

use crate::config::Limits;
use crate::{ApiKey, Error, Exchange, Request, Response, Spec, Violation};

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
    base: Url,
    limits: Limits,
    guard: WriteGuard,
    secrets: Vec<ApiKey>,
    ledger: Ledger,
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
            base_url,
            base,
            limits,
            guard,
            secrets: Vec::new(),
            ledger: Ledger::new(limits.max_requests),
            next_slot: tokio::sync::Mutex::new(None),
            log: Mutex::new(Vec::new()),
        })
    }

    /// Keys that must never reach a report: every copy of them in a
    /// response (body or header) is replaced by its mask. The key a
    /// request carries is always scrubbed from its own response.
    #[must_use = "builders return the changed client"]
    pub fn with_secrets(mut self, secrets: impl IntoIterator<Item = ApiKey>) -> Client {
        self.secrets.extend(secrets);
        self
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
        self.ledger.sent()
    }

    /// Every answered request so far, in order.
    pub fn sent_log(&self) -> Vec<Sent> {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Remembers a job the run created, for the cleanup.
    pub fn note_created(&self, job_id: &str) {
        self.ledger.note_created(job_id);
    }

    /// Every job the run created, in order: those a submit answered with a
    /// `job_id` (whatever else was wrong with the answer) and those noted.
    pub fn created_jobs(&self) -> Vec<String> {
        self.ledger.created()
    }

    /// Sends `request` under the base URL, honouring the guard, the budget,
    /// the rate limit and 429 `Retry-After`.
    pub async fn send(&self, request: Request) -> Result<Exchange, SendError> {
        let request = request.base(&self.base_url);
        let (url, server_path) = self.checked_url(&request)?;
        let keyed = request.api_key.is_some();
        for path in [request.path.as_str(), server_path.as_str()] {
            self.guard
                .check_path(&self.spec, &request.method, path, keyed)
                .map_err(|reason| SendError::Blocked { reason })?;
        }
        let headers = headers(&request)?;
        let matched = self.spec.match_request(&request.method, &server_path);
        let operation_id = matched.as_ref().map(|m| m.operation.id().to_owned());
        let admission = match (operation_id.as_deref(), &matched) {
            (Some("submitTamBuildJob"), _) => Admission::Submit,
            (Some("cancelTamBuildJob"), Some(m)) => m
                .params
                .iter()
                .find(|(name, _)| name == "job_id")
                .map_or(Admission::Normal, |(_, id)| Admission::Cancel(id.clone())),
            _ => Admission::Normal,
        };
        self.ledger.admit(&admission)?;
        let mut result = self.with_retries(&request, url, headers).await;
        if let Err(SendError::Transport(violation)) = &mut result {
            violation.operation_id.clone_from(&operation_id);
        }
        if admission == Admission::Submit {
            let created = result.as_ref().ok().and_then(created_job);
            self.ledger.submit_done(created);
        }
        let exchange = result?;
        self.log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Sent {
                operation_id,
                status: exchange.status(),
            });
        Ok(exchange)
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
        if url.origin() != self.base.origin() {
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

    async fn with_retries(
        &self,
        request: &Request,
        url: Url,
        headers: HeaderMap,
    ) -> Result<Exchange, SendError> {
        let mut retries = 0;
        loop {
            if retries > 0 {
                self.ledger.admit(&Admission::Normal)?;
            }
            self.take_rate_slot().await;
            let response = self
                .send_once(request, url.clone(), headers.clone())
                .await?;
            if response.status != 429 {
                return Ok(Exchange::new(request.clone(), response));
            }
            if retries == MAX_RETRIES {
                return Err(transport(
                    request,
                    Some(429),
                    format!(
                        "429 Too Many Requests {} times in a row; gave up after {MAX_RETRIES} retries (lower OPENFUNNEL_RPS)",
                        retries + 1
                    ),
                ));
            }
            retries += 1;
            let delay = match retry_after(&response) {
                Some(asked) if asked > self.limits.wait => {
                    return Err(transport(
                        request,
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

    async fn send_once(
        &self,
        request: &Request,
        url: Url,
        headers: HeaderMap,
    ) -> Result<Response, SendError> {
        let mut builder = self
            .http
            .request(request.method.clone(), url)
            .headers(headers);
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        }
        // One deadline for connect, head and body: a server that drips its
        // answer a byte at a time cannot stretch a request past the timeout.
        let deadline = Instant::now().checked_add(self.limits.timeout);
        let timed_out = || {
            format!(
                "timed out after {:?} (OPENFUNNEL_TIMEOUT_SECS)",
                self.limits.timeout
            )
        };
        let mut response = within(deadline, builder.send())
            .await
            .ok_or_else(|| transport(request, None, timed_out()))?
            .map_err(|e| transport(request, None, describe(&e, &self.limits)))?;
        let status = response.status().as_u16();
        let cap = self.limits.max_body_bytes;
        if let Some(length) = response.content_length()
            && length > cap as u64
        {
            return Err(transport(
                request,
                Some(status),
                format!(
                    "a body of {length} bytes (Content-Length), over the cap of {cap} bytes; not read"
                ),
            ));
        }
        let mut headers: Vec<(String, String)> = response
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
            let Some(next) = within(deadline, response.chunk()).await else {
                return Err(transport(
                    request,
                    Some(status),
                    format!(
                        "the body stopped after {} bytes: {}",
                        body.len(),
                        timed_out()
                    ),
                ));
            };
            match next {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > cap {
                        return Err(transport(
                            request,
                            Some(status),
                            format!(
                                "a body over the cap of {cap} bytes; stopped reading after {} bytes",
                                body.len() + chunk.len()
                            ),
                        ));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => {
                    return Err(transport(
                        request,
                        Some(status),
                        format!(
                            "the body failed after {} bytes: {}",
                            body.len(),
                            describe(&e, &self.limits)
                        ),
                    ));
                }
            }
        }
        for key in request.api_key.iter().chain(&self.secrets) {
            if let Some(clean) = key.scrub(&body) {
                body = clean;
            }
            for (_, value) in &mut headers {
                if let Some(clean) = key.scrub(value.as_bytes()) {
                    *value = String::from_utf8_lossy(&clean).into_owned();
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
        // `Limits::check` made sure this is a positive, finite interval.
        let interval = Duration::try_from_secs_f64(1.0 / rps).unwrap_or(Duration::ZERO);
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

/// reqwest is built without a default TLS provider; ring is ours. Without
/// the `tls` feature there is no TLS at all (http:// targets only).
pub(crate) fn install_tls_provider() {
    #[cfg(feature = "tls")]
    let _ = rustls::crypto::ring::default_provider().install_default();
}
