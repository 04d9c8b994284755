//! Helpers shared by the integration tests.
#![allow(dead_code)]

use openfunnel_contract::{ApiKey, Exchange, Request, Response};
use reqwest::Method;

/// A key that must never show up in any output.
pub const CANARY_KEY: &str = "of_canary_9f8e7d6c5b4a";

/// The documented example job id.
pub const JOB_ID: &str = "8a8e8a97-8192-48ff-849a-d8a96e949732";

/// Snapshots live in the top-level `snapshots/` folder.
#[macro_export]
macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({ snapshot_path => "../snapshots", omit_expression => true }, {
            insta::assert_snapshot!($name, $value);
        })
    };
}

/// An exchange against the documented base URL with the canary key.
pub fn exchange(
    method: Method,
    path: &str,
    status: u16,
    content_type: Option<&str>,
    body: &str,
) -> Exchange {
    let request = Request::new(method, path)
        .base("https://api.openfunnel.dev")
        .key(&ApiKey::new(CANARY_KEY));
    let mut headers = Vec::new();
    if let Some(ct) = content_type {
        headers.push(("content-type".to_owned(), ct.to_owned()));
    }
    Exchange::new(
        request,
        Response {
            status,
            headers,
            body: body.as_bytes().to_vec(),
        },
    )
}

/// A JSON exchange.
pub fn json_exchange(
    method: Method,
    path: &str,
    status: u16,
    body: &serde_json::Value,
) -> Exchange {
    exchange(
        method,
        path,
        status,
        Some("application/json"),
        &body.to_string(),
    )
}

/// The panic message of `f`, which must panic.
pub fn panic_message(f: impl FnOnce() + std::panic::UnwindSafe) -> String {
    let payload = std::panic::catch_unwind(f).expect_err("expected a panic");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}
