//! Passive conformance: a checking proxy between a client and the service.
//!
//! It forwards every request unchanged (headers, body, the client's own
//! key), returns the upstream answer unchanged (streamed), and judges each
//! exchange with the same checks the suite uses: status, content type and
//! body against the spec (`checks`); per job, the timeline
//! invariants (`timeline`) and the control × state judgement
//! ([`crate::lifecycle`]) with the job's previous poll as the state
//! "before". A poll is the only way it learns a state; it sends nothing of
//! its own unless [`ProxyBuilder::probe`] allows read-only polls.
//!
//! Findings are data ([`Finding`]): **server faults** (the service broke
//! the contract, or gave no answer: the client then gets 502 or 504) and
//! **client mistakes** (a call the docs do not support in the job's last
//! known state, a control call on a job already seen terminal, a cursor
//! never handed out, a missing key, a request the spec does not describe),
//! never counted as each other.
//!
//! Memory is bounded: at most [`ProxyBuilder::max_jobs`] jobs are tracked
//! (least recently seen dropped first), a job idle for
//! [`ProxyBuilder::job_ttl`] is aged out, each job's timeline keeps a
//! bounded number of rows and pages, and the report keeps at most
//! [`KEPT_PER_SIDE`] violations per side (the totals count all).
//!
//! ```
//! use openfunnel_contract::mock::MockApi;
//! use openfunnel_contract::proxy::Proxy;
//!
//! # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
//! # async fn main() -> Result<(), openfunnel_contract::Error> {
//! let mock = MockApi::start().await;
//! let proxy = Proxy::builder(&mock.uri()).start().await?;
//! // Point the client at proxy.uri() instead of the service.
//! let answer = reqwest::Client::new()
//!     .get(format!("{}/api/v1/tam/build/no-such-job", proxy.uri()))
//!     .header("x-api-key", "of_mock_primary")
//!     .send()
//!     .await
//!     .expect("an answer");
//! assert_eq!(answer.status(), 404);
//! let report = proxy.finish().await;
//! assert!(report.passed(), "{}", openfunnel_contract::proxy::render_proxy_text(&report));
//! assert_eq!(report.exchanges_checked, 1);
//! # Ok(()) }
//! ```

mod forward;
mod judge;
mod observed;
mod report;
mod tee;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

pub use report::{
    Finding, KEPT_PER_SIDE, ProxyReport, Side, render_proxy_json, render_proxy_junit,
    render_proxy_text,
};

use crate::{Error, Spec};
use judge::Judge;

/// A callback that sees each finding as it happens.
type OnFinding = Arc<dyn Fn(&Finding) + Send + Sync>;

/// Configures and starts a [`Proxy`]; from [`Proxy::builder`].
#[must_use = "a builder does nothing until `.start()`"]
pub struct ProxyBuilder {
    upstream: String,
    listen: SocketAddr,
    spec: Option<Spec>,
    timeout: Duration,
    body_cap: usize,
    max_jobs: usize,
    job_ttl: Duration,
    probe: bool,
    on_finding: Option<OnFinding>,
}

impl std::fmt::Debug for ProxyBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProxyBuilder")
            .field("upstream", &self.upstream)
            .field("listen", &self.listen)
            .field("timeout", &self.timeout)
            .field("body_cap", &self.body_cap)
            .field("max_jobs", &self.max_jobs)
            .field("job_ttl", &self.job_ttl)
            .field("probe", &self.probe)
            .finish_non_exhaustive()
    }
}

impl ProxyBuilder {
    /// Listens on `addr` (default: a free port of 127.0.0.1).
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// Listens on this port of 127.0.0.1 (0: a free one).
    pub fn port(self, port: u16) -> Self {
        self.listen(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
    }

    /// Judges against `spec` instead of the vendored one.
    pub fn spec(mut self, spec: Spec) -> Self {
        self.spec = Some(spec);
        self
    }

    /// How long the upstream may take to answer (and between two reads of
    /// its body) before the client gets 504. Default 30 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The largest body kept for checking (and the largest request body
    /// forwarded). A larger answer is streamed on and counted unchecked.
    /// Default 8 MiB, the client's cap.
    pub fn body_cap(mut self, bytes: usize) -> Self {
        self.body_cap = bytes;
        self
    }

    /// Most jobs tracked at once; the least recently seen is dropped first.
    /// Default 10 000.
    pub fn max_jobs(mut self, jobs: usize) -> Self {
        self.max_jobs = jobs.max(1);
        self
    }

    /// A job with no traffic for this long is forgotten. Default 6 hours.
    pub fn job_ttl(mut self, ttl: Duration) -> Self {
        self.job_ttl = ttl;
        self
    }

    /// Allows a read-only poll of its own (with the client's key) before a
    /// control call on a job whose state the proxy does not know, so the
    /// call can be judged. Default off: the proxy sends nothing of its own.
    pub fn probe(mut self, probe: bool) -> Self {
        self.probe = probe;
        self
    }

    /// Calls `f` with each finding as it happens (the CLI prints
    /// [`Finding::line`] on standard error).
    pub fn on_finding(mut self, f: impl Fn(&Finding) + Send + Sync + 'static) -> Self {
        self.on_finding = Some(Arc::new(f));
        self
    }

    /// Binds the address and starts serving. Must run inside a Tokio
    /// runtime.
    ///
    /// # Errors
    /// A bad upstream URL, a spec that does not load, an address that
    /// cannot be bound.
    pub async fn start(self) -> Result<Proxy, Error> {
        let upstream = parse_upstream(&self.upstream)?;
        let spec = match self.spec {
            Some(spec) => spec,
            None => Spec::embedded()?,
        };
        crate::client::install_tls_provider();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .read_timeout(self.timeout)
            .connect_timeout(self.timeout)
            .pool_max_idle_per_host(64)
            .build()
            .map_err(|e| Error::Target(format!("cannot build the upstream client: {e}")))?;
        let listener = TcpListener::bind(self.listen).await.map_err(|e| {
            Error::Target(format!("the proxy cannot listen on {}: {e}", self.listen))
        })?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::Target(format!("the proxy's address: {e}")))?;
        let shared = Arc::new(Shared {
            judge: Mutex::new(Judge::new(self.max_jobs, self.job_ttl)),
            spec,
            upstream: upstream.clone(),
            http,
            timeout: self.timeout,
            body_cap: self.body_cap,
            probe: self.probe,
            on_finding: self.on_finding,
            max_jobs: self.max_jobs,
            job_ttl: self.job_ttl,
        });
        let (stop, stopped) = watch::channel(false);
        let server = tokio::spawn(serve(listener, Arc::clone(&shared), stopped));
        Ok(Proxy {
            addr,
            shared,
            stop,
            server: Some(server),
        })
    }
}

/// A running checking proxy. [`Proxy::finish`] stops it and returns the
/// report; dropping it stops it too.
pub struct Proxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    server: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy")
            .field("uri", &self.uri())
            .field("upstream", &self.shared.upstream)
            .finish_non_exhaustive()
    }
}

impl Proxy {
    /// A builder for a proxy in front of `upstream` (an http(s) base URL,
    /// may carry a path prefix).
    pub fn builder(upstream: &str) -> ProxyBuilder {
        ProxyBuilder {
            upstream: upstream.to_owned(),
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            spec: None,
            timeout: Duration::from_secs(30),
            body_cap: 8 << 20,
            max_jobs: 10_000,
            job_ttl: Duration::from_secs(6 * 3600),
            probe: false,
            on_finding: None,
        }
    }

    /// The base URL clients use instead of the service's, e.g.
    /// `http://127.0.0.1:41234`.
    pub fn uri(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.addr
    }

    /// The report so far; the proxy keeps running.
    pub fn report(&self) -> ProxyReport {
        self.shared.report()
    }

    /// Stops accepting, lets requests in flight finish (at most the
    /// timeout), and returns the report.
    pub async fn finish(mut self) -> ProxyReport {
        let _ = self.stop.send(true);
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
        self.shared.report()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// What every connection shares.
pub(crate) struct Shared {
    judge: Mutex<Judge>,
    spec: Spec,
    upstream: String,
    http: reqwest::Client,
    timeout: Duration,
    body_cap: usize,
    probe: bool,
    on_finding: Option<OnFinding>,
    max_jobs: usize,
    job_ttl: Duration,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Judge> {
        self.judge.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Hands each finding to the callback (outside the judge's lock).
    fn publish(&self, found: &[Finding]) {
        if let Some(f) = &self.on_finding {
            for finding in found {
                f(finding);
            }
        }
    }

    fn report(&self) -> ProxyReport {
        let judge = self.lock();
        ProxyReport::new(
            &self.upstream,
            &judge.tally,
            judge.jobs_tracked(),
            self.max_jobs,
            self.job_ttl,
        )
    }
}

/// Accepts connections until told to stop, then shuts them down
/// gracefully (each at most the timeout).
async fn serve(listener: TcpListener, shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let shared = Arc::clone(&shared);
                let mut stop = stop.clone();
                connections.spawn(async move {
                    let service = service_fn(move |request| forward::handle(Arc::clone(&shared), request));
                    let connection = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service);
                    tokio::pin!(connection);
                    tokio::select! {
                        _ = connection.as_mut() => {}
                        () = stopped(&mut stop) => {
                            connection.as_mut().graceful_shutdown();
                            let _ = connection.await;
                        }
                    }
                });
                while connections.try_join_next().is_some() {}
            }
            () = stopped(&mut stop) => break,
        }
    }
    drop(listener);
    let drained = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(shared.timeout, drained).await.is_err() {
        connections.abort_all();
    }
}

/// Resolves once the proxy is told to stop (the borrow of the flag ends
/// here, never held across an await).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await.map(drop);
}

/// The upstream base URL, checked, without a trailing `/`.
fn parse_upstream(text: &str) -> Result<String, Error> {
    let bad = |reason: String| Error::config(crate::config::UPSTREAM, reason);
    let url = url::Url::parse(text.trim())
        .map_err(|e| bad(format!("{:?} is not a URL ({e})", text.trim())))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(bad(format!(
            "{:?} is not an http(s) URL with a host",
            text.trim()
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(
            "must not carry credentials (user:password@); clients send their own key".into(),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad(format!(
            "{:?} must not carry a query or fragment",
            text.trim()
        )));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}
