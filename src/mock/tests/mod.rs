//! Unit tests of the mock. No sleeps: the mock's clock is manual.

mod cells;
mod http;
mod job;
mod personality;
mod routing;
mod wire;

use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::Value;

use super::{MockApi, PRIMARY_KEY};

/// An answer as the tests read it.
#[derive(Debug)]
pub(crate) struct Got {
    pub status: u16,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
}

impl Got {
    /// The body as JSON (gunzipped if it is gzip-coded).
    pub(super) fn json(&self) -> Value {
        let bytes = if self.header("content-encoding") == Some("gzip") {
            gunzip(&self.bytes)
        } else {
            self.bytes.clone()
        };
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&bytes)))
    }

    /// A header as a string.
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub(crate) fn gunzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Read as _;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("gzip");
    out
}

/// A plain client: no redirects followed, no decompression.
pub(crate) struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    pub(super) fn new(mock: &MockApi) -> Client {
        #[cfg(feature = "tls")]
        let _ = rustls::crypto::ring::default_provider().install_default();
        Client {
            http: reqwest::Client::builder()
                .no_proxy()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            base: mock.uri(),
        }
    }

    /// Sends `method path` with the primary key (unless `key` is `None`),
    /// extra headers and an optional JSON body.
    pub(super) async fn send(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Got {
        let method = Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(key) = key {
            request = request.header("x-api-key", key);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(serde_json::to_vec(body).expect("json"));
        }
        let response = request.send().await.expect("the mock answers");
        Got {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            bytes: response.bytes().await.expect("body").to_vec(),
        }
    }

    /// `send` with the primary key and no extra headers or body.
    pub(super) async fn call(&self, method: &str, path: &str) -> Got {
        self.send(method, path, Some(PRIMARY_KEY), &[], None).await
    }
}
