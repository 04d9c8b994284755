//! The mock served over HTTP from the runtime that starts it, instead of
//! wiremock's server thread (opt-in: [`MockApiBuilder::on_caller_runtime`]).
//! wiremock always serves from a thread and a runtime of its own, so every
//! request wakes that thread and the answer wakes the client's: on this
//! project's machine such a hand-off costs up to ~120 µs a round trip.
//! Here a plain hyper HTTP/1.1 server, a task of the caller's runtime,
//! hands each request to the same [`Handler`] as wiremock does.
//!
//! [`MockApiBuilder::on_caller_runtime`]: super::MockApiBuilder::on_caller_runtime

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use super::handler::{Handler, Shared};

/// A server task on the caller's runtime; dropping it stops accepting
/// and closes the connections it served.
#[derive(Debug)]
pub(crate) struct LocalServer {
    address: SocketAddr,
    accept: JoinHandle<()>,
}

impl LocalServer {
    /// Serves `shared` on `listener` from the current runtime.
    pub(crate) fn start(
        listener: std::net::TcpListener,
        shared: Arc<Shared>,
    ) -> std::io::Result<LocalServer> {
        listener.set_nonblocking(true)?;
        let address = listener.local_addr()?;
        let listener = TcpListener::from_std(listener)?;
        let accept = tokio::spawn(async move {
            let mut connections = tokio::task::JoinSet::new();
            while let Ok((stream, _)) = listener.accept().await {
                let _ = stream.set_nodelay(true);
                let handler = Arc::new(Handler(Arc::clone(&shared)));
                let service = service_fn(move |request: hyper::Request<Incoming>| {
                    let handler = Arc::clone(&handler);
                    async move {
                        let (parts, body) = request.into_parts();
                        let body = match body.collect().await {
                            Ok(body) => body.to_bytes().to_vec(),
                            Err(_) => Vec::new(),
                        };
                        let answer = handler.answer_after_latency(parts, body).await;
                        Ok::<_, Infallible>(answer.into_http().map(|b| Full::new(Bytes::from(b))))
                    }
                });
                connections.spawn(async move {
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
                while connections.try_join_next().is_some() {}
            }
        });
        Ok(LocalServer { address, accept })
    }

    /// The address it listens on.
    pub(crate) fn address(&self) -> SocketAddr {
        self.address
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        // The connections live in the accept task's `JoinSet`, which
        // aborts them when the task ends.
        self.accept.abort();
    }
}
