//! The client against raw HTTP/1.1 servers on 127.0.0.1 that write exact
//! bytes: every correct answer must be read, whatever its framing, coding
//! or connection handling, and the budget and guard must hold.

mod codings;
mod connections;
mod framing;
mod vocabulary;

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::{Client, SendError, WriteGuard};
use crate::api::Endpoint;
use crate::config::Limits;
use crate::{ApiKey, Exchange, Request, Spec};

/// The key of these tests; never in any answer a check sees.
const KEY: &str = "of_client_test_7c1d2e";
/// A job ID.
const JOB: &str = "8a8e8a97-8192-48ff-849a-d8a96e949732";

/// What the server does with one request.
pub(super) enum Step {
    /// Writes these bytes and reads the next request on the connection.
    Reply(Vec<u8>),
    /// Writes these bytes, then closes the connection when no request
    /// comes within the pause.
    ReplyThenIdleClose(Vec<u8>, Duration),
    /// Writes these bytes and closes.
    ReplyClose(Vec<u8>),
    /// Closes without a byte.
    Close,
}

/// A request as the server read it.
#[derive(Debug, Clone)]
pub(super) struct Seen {
    /// Which request on its connection (0, 1, …).
    pub(super) on_connection: usize,
    /// The head, as sent.
    pub(super) head: String,
}

impl Seen {
    /// A header's value (name case-insensitive).
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.head.split("\r\n").skip(1).find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

/// A raw server.
pub(super) struct Server {
    uri: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    connections: Arc<AtomicUsize>,
}

impl Server {
    pub(super) fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub(super) fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// Serves every request with `script(seen)`.
pub(super) async fn serve<F>(script: F) -> Server
where
    F: Fn(&Seen) -> Step + Send + Sync + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let uri = format!("http://{}", listener.local_addr().unwrap());
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let connections = Arc::new(AtomicUsize::new(0));
    let server = Server {
        uri,
        seen: seen.clone(),
        connections: connections.clone(),
    };
    let script = Arc::new(script);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            connections.fetch_add(1, Ordering::SeqCst);
            let (seen, script) = (seen.clone(), script.clone());
            tokio::spawn(serve_connection(stream, seen, script));
        }
    });
    server
}

async fn serve_connection<F>(mut stream: TcpStream, seen: Arc<Mutex<Vec<Seen>>>, script: Arc<F>)
where
    F: Fn(&Seen) -> Step,
{
    let mut buffer = Vec::new();
    let mut wait = Duration::from_secs(10);
    for on_connection in 0..64 {
        let Ok(Some(head)) =
            tokio::time::timeout(wait, read_request(&mut stream, &mut buffer)).await
        else {
            return;
        };
        let request = Seen {
            on_connection,
            head,
        };
        seen.lock().unwrap().push(request.clone());
        match script(&request) {
            Step::Reply(bytes) => {
                if stream.write_all(&bytes).await.is_err() {
                    return;
                }
            }
            Step::ReplyThenIdleClose(bytes, pause) => {
                if stream.write_all(&bytes).await.is_err() {
                    return;
                }
                wait = pause;
            }
            Step::ReplyClose(bytes) => {
                let _ = stream.write_all(&bytes).await;
                let _ = stream.shutdown().await;
                return;
            }
            Step::Close => return,
        }
    }
}

/// Reads one request (head and `Content-Length` body) off `stream`;
/// `None` at the end of the connection.
async fn read_request(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<String> {
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 || buffer.len() > 1 << 20 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
    let length: usize = head
        .split("\r\n")
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse().ok())
        .unwrap_or(0);
    while buffer.len() < end + length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    buffer.drain(..end + length);
    Some(head)
}

/// A head and body, as bytes: `status` line, header lines, blank line.
pub(super) fn raw(head: &str, body: &[u8]) -> Vec<u8> {
    let mut bytes = head.replace('\n', "\r\n").into_bytes();
    bytes.extend_from_slice(b"\r\n");
    bytes.extend_from_slice(body);
    bytes
}

/// A 422 a poll documents, as FastAPI writes it.
pub(super) fn validation_error() -> Value {
    json!({"detail": [{"loc": ["path", "job_id"], "msg": "Input should be a valid UUID", "type": "uuid_parsing"}]})
}

/// `validation_error()` as text.
pub(super) fn validation_text() -> Vec<u8> {
    validation_error().to_string().into_bytes()
}

/// Short limits: 5 s per request and wait, no rate limit.
pub(super) fn limits() -> Limits {
    Limits {
        max_requests: 100,
        rps: None,
        timeout: Duration::from_secs(5),
        wait: Duration::from_secs(5),
        max_body_bytes: 1 << 20,
    }
}

pub(super) fn client(server: &Server) -> Client {
    client_with(server, limits(), WriteGuard::new(true, []))
}

pub(super) fn client_with(server: &Server, limits: Limits, guard: WriteGuard) -> Client {
    Client::new(Spec::embedded().unwrap(), &server.uri, limits, guard).unwrap()
}

pub(super) fn key() -> ApiKey {
    ApiKey::new(KEY)
}

/// A keyed poll of [`JOB`].
pub(super) fn poll() -> Request {
    Endpoint::Poll.request(JOB).key(&key())
}

/// Fails the test instead of hanging it.
pub(super) async fn bounded<T>(future: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(60), future)
        .await
        .expect("the client hung")
}

/// Sends `request`; it must be answered, pass every spec check, and carry
/// `expected` as its JSON body.
pub(super) async fn read_ok(client: &Client, request: Request, expected: &Value) -> Exchange {
    let exchange = match bounded(client.send(request)).await {
        Ok(exchange) => exchange,
        Err(e) => panic!("a correct answer was not read: {e}"),
    };
    let spec = Spec::embedded().unwrap();
    if let Err(v) = crate::checks::check_exchange(&spec, &exchange) {
        panic!("a correct answer failed the checks: {v}");
    }
    assert_eq!(&exchange.json(), expected);
    exchange
}

/// The transport failure `request` must end in, as text.
pub(super) async fn transport_failure(client: &Client, request: Request) -> String {
    match bounded(client.send(request)).await {
        Err(SendError::Transport(v)) => v.to_string(),
        Err(other) => panic!("expected a transport failure, got {other}"),
        Ok(exchange) => panic!("expected a transport failure, got {}", exchange.status()),
    }
}
