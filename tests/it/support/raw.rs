//! Small raw-HTTP servers on 127.0.0.1 for the hostile-server tests: each
//! connection carries one request; the behaviour decides what (if
//! anything) goes back. Every request is recorded with its arrival time.
#![allow(dead_code)]

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A request as the server read it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// 0 for the first request the server saw, then 1, 2, …
    pub index: usize,
    /// `GET`, `POST`, …
    pub method: String,
    /// The request target (path and query) as sent.
    pub target: String,
    /// Header lines as sent.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// When the head arrived.
    pub at: Instant,
}

impl Seen {
    /// The first value of a header (name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The request as it came over the wire (head and body), for searching.
    pub fn raw(&self) -> String {
        let mut text = format!("{} {}\r\n", self.method, self.target);
        for (name, value) in &self.headers {
            text.push_str(&format!("{name}: {value}\r\n"));
        }
        text.push_str(&String::from_utf8_lossy(&self.body));
        text
    }
}

/// A running server.
#[derive(Clone)]
pub struct Server {
    /// Where it listens.
    pub addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    /// Connections accepted.
    pub connections: Arc<AtomicUsize>,
}

impl Server {
    /// `http://127.0.0.1:PORT`.
    pub fn uri(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request read so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// How many requests were read.
    pub fn count(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}

/// Serves `behave(request, stream)` for every request. The behaviour owns
/// the connection: it may answer, drip, reset or hold it forever (the task
/// ends with the test's runtime).
pub async fn serve<F, Fut>(behave: F) -> Server
where
    F: Fn(Seen, TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let connections = Arc::new(AtomicUsize::new(0));
    let server = Server {
        addr,
        seen: seen.clone(),
        connections: connections.clone(),
    };
    let behave = Arc::new(behave);
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            connections.fetch_add(1, Ordering::SeqCst);
            let (seen, behave) = (seen.clone(), behave.clone());
            tokio::spawn(async move {
                let Some(mut request) = read_request(&mut stream).await else {
                    return;
                };
                {
                    let mut all = seen.lock().unwrap();
                    request.index = all.len();
                    all.push(request.clone());
                }
                behave(request, stream).await;
            });
        }
    });
    server
}

/// Serves the same raw answer to every request, then closes.
pub async fn serve_bytes(answer: Vec<u8>) -> Server {
    let answer = Arc::new(answer);
    serve(move |_, mut stream| {
        let answer = answer.clone();
        async move {
            let _ = stream.write_all(&answer).await;
            let _ = stream.shutdown().await;
        }
    })
    .await
}

/// A complete HTTP/1.1 answer with `Connection: close`.
pub fn answer(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut head = format!("HTTP/1.1 {status}\r\nconnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// A JSON answer.
pub fn json(status: &str, body: &serde_json::Value) -> Vec<u8> {
    answer(
        status,
        &[("content-type", "application/json")],
        body.to_string().as_bytes(),
    )
}

/// Writes `answer` and closes.
pub async fn reply(mut stream: TcpStream, answer: Vec<u8>) {
    let _ = stream.write_all(&answer).await;
    let _ = stream.shutdown().await;
}

/// Holds the connection open and never writes.
pub async fn hold(stream: TcpStream) {
    let _keep = stream;
    std::future::pending::<()>().await;
}

/// A port on 127.0.0.1 where nothing listens (bound, then released).
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

async fn read_request(stream: &mut TcpStream) -> Option<Seen> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(end) = find(&buffer, b"\r\n\r\n") {
            break end;
        }
        if buffer.len() > 1 << 20 {
            return None;
        }
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk))
            .await
            .ok()?
            .ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let at = Instant::now();
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let target = first.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Seen {
        index: 0,
        method,
        target,
        headers,
        body,
        at,
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
