//! Forwarding: the client's request goes upstream unchanged but for the
//! hop-by-hop fields (RFC 9110 §7.6.1) and `Host`; the answer comes back
//! unchanged the same way, streamed, while a bounded copy is kept for the
//! judge. Redirects are passed on, never followed. An upstream that
//! refuses, hangs or sends garbage is answered 502/504 and reported.

use std::convert::Infallible;
use std::sync::Arc;

use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, Limited};
use hyper::StatusCode;
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::json;

use super::Shared;
use super::tee::{Pending, Tee};
use crate::api::Endpoint;
use crate::{ApiKey, Exchange, Request, Response, Violation, ViolationKind};

/// The body the proxy answers with.
pub(crate) type ProxyBody = BoxBody<Bytes, BoxError>;
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Most request body bytes kept for the report's curl line.
const REPORT_BODY: usize = 16 << 10;

/// Headers that describe one connection, not the message (RFC 9110
/// §7.6.1), and `Proxy-*` fields meant for this hop.
const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "proxy-authorization",
    "proxy-authenticate",
];

/// Headers whose values a report shows masked.
const SENSITIVE: [&str; 3] = ["authorization", "cookie", "set-cookie"];

/// `headers` without hop-by-hop fields, the fields `Connection` names,
/// and (for requests) `Host` and `Content-Length`, which the upstream
/// client sets for its own connection.
pub(super) fn end_to_end(headers: &HeaderMap, request: bool) -> HeaderMap {
    let named: Vec<String> = headers
        .get_all(hyper::header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().to_ascii_lowercase())
        .collect();
    let mut out = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let n = name.as_str();
        if HOP_BY_HOP.contains(&n)
            || named.iter().any(|t| t == n)
            || (request && (n == "host" || n == "content-length"))
        {
            continue;
        }
        out.append(name.clone(), value.clone());
    }
    out
}

/// Serves one request: forward, answer, judge.
pub(crate) async fn handle(
    shared: Arc<Shared>,
    request: hyper::Request<Incoming>,
) -> Result<hyper::Response<ProxyBody>, Infallible> {
    let (parts, body) = request.into_parts();
    let body = match Limited::new(body, shared.body_cap).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            // Too large to forward whole, or the client went away.
            return Ok(plain(
                StatusCode::PAYLOAD_TOO_LARGE,
                "the request body is larger than the proxy's cap, or broke off",
            ));
        }
    };
    let judged = judged_request(&parts, &body, &shared.upstream);
    let key = judged.api_key.clone();
    if shared.probe
        && let (Some(key), Some((endpoint, Some(job)))) =
            (&key, Endpoint::of(&parts.method, parts.uri.path()))
        && endpoint.control().is_some()
    {
        probe(&shared, key, &job).await;
    }
    let url = format!(
        "{}{}",
        shared.upstream,
        parts.uri.path_and_query().map_or("/", |p| p.as_str())
    );
    let upstream = shared
        .http
        .request(parts.method.clone(), url)
        .headers(end_to_end(&parts.headers, true))
        .body(body);
    let answer = match tokio::time::timeout(shared.timeout, upstream.send()).await {
        Ok(Ok(answer)) => answer,
        Ok(Err(error)) if !error.is_timeout() => {
            let (rule, why) = if error.is_connect() {
                (
                    "upstream-unreachable",
                    "the upstream refused or could not be reached",
                )
            } else {
                ("upstream-garbage", "the upstream sent no valid HTTP answer")
            };
            return Ok(failed(&shared, judged, StatusCode::BAD_GATEWAY, rule, why));
        }
        _ => {
            return Ok(failed(
                &shared,
                judged,
                StatusCode::GATEWAY_TIMEOUT,
                "upstream-timeout",
                &format!("no answer within the timeout of {:?}", shared.timeout),
            ));
        }
    };
    let status = answer.status();
    let headers = end_to_end(answer.headers(), false);
    let small = answer
        .content_length()
        .is_some_and(|n| n <= shared.body_cap as u64);
    let mut response = hyper::Response::builder().status(status);
    if let Some(h) = response.headers_mut() {
        *h = headers.clone();
    }
    let pending = Pending {
        shared: Arc::clone(&shared),
        request: judged,
        status: status.as_u16(),
        headers,
    };
    if small {
        // Read whole (it fits the cap), judged before the client has it:
        // the client's next request is judged after this one.
        return Ok(match answer.bytes().await {
            Ok(bytes) => {
                pending.judge(&bytes, true);
                response
                    .body(Full::new(bytes).map_err(|never| match never {}).boxed())
                    .unwrap_or_else(|_| plain(StatusCode::BAD_GATEWAY, "bad upstream head"))
            }
            Err(error) if error.is_timeout() => failed(
                &shared,
                pending.request,
                StatusCode::GATEWAY_TIMEOUT,
                "upstream-timeout",
                &format!(
                    "the answer's body stalled past the timeout of {:?}",
                    shared.timeout
                ),
            ),
            Err(_) => failed(
                &shared,
                pending.request,
                StatusCode::BAD_GATEWAY,
                "upstream-garbage",
                "the upstream's answer broke off",
            ),
        });
    }
    let tee = Tee {
        inner: reqwest::Body::from(answer),
        copy: Vec::new(),
        over: false,
        pending: Some(pending),
    };
    Ok(response
        .body(tee.map_err(|e| Box::new(e) as BoxError).boxed())
        .unwrap_or_else(|_| plain(StatusCode::BAD_GATEWAY, "bad upstream head")))
}

/// With `--probe`: a read-only poll of `job` with the client's key when
/// the proxy does not know the job's state, judged like any poll.
async fn probe(shared: &Arc<Shared>, key: &ApiKey, job: &str) {
    {
        let judge = shared.lock();
        if judge.knows(judge.tenant(key), job) {
            return;
        }
    }
    let request = Endpoint::Poll.request(job).base(&shared.upstream).key(key);
    let sent = shared
        .http
        .get(request.url())
        .header("x-api-key", key.expose())
        .send();
    let Ok(Ok(answer)) = tokio::time::timeout(shared.timeout, sent).await else {
        return;
    };
    let status = answer.status().as_u16();
    let headers = end_to_end(answer.headers(), false);
    let Ok(Ok(bytes)) = tokio::time::timeout(shared.timeout, answer.bytes()).await else {
        return;
    };
    shared.lock().tally.probes += 1;
    Pending {
        shared: Arc::clone(shared),
        request,
        status,
        headers,
    }
    .judge(&bytes, true);
}

/// The request as the judge and the reports see it: the key apart, other
/// credentials masked, the body cut and scrubbed of the key.
fn judged_request(parts: &hyper::http::request::Parts, body: &Bytes, base: &str) -> Request {
    let mut request = Request::new(parts.method.clone(), parts.uri.path()).base(base);
    if let Some(query) = parts.uri.query() {
        request.query = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
    }
    for (name, value) in &end_to_end(&parts.headers, true) {
        let value = String::from_utf8_lossy(value.as_bytes());
        if SENSITIVE.contains(&name.as_str()) {
            request
                .headers
                .push((name.as_str().to_owned(), "***".into()));
        } else {
            // `header` keeps an X-API-Key apart, never among the headers.
            request = request.header(name.as_str(), &value);
        }
    }
    if !body.is_empty() {
        let mut kept = body[..body.len().min(REPORT_BODY)].to_vec();
        if let Some(key) = &request.api_key {
            crate::client::scrub::scrub([key], &mut kept, &mut []);
        }
        request.body = Some(kept);
    }
    request
}

/// The proxy's own answer when upstream gave none, reported as a server
/// fault (no answer is never correct).
pub(super) fn failed(
    shared: &Shared,
    request: Request,
    status: StatusCode,
    rule: &str,
    why: &str,
) -> hyper::Response<ProxyBody> {
    let exchange = Exchange::new(request, Response::json(status.as_u16(), &json!({})));
    let mut violation = Violation::builder(ViolationKind::Transport, rule, &exchange)
        .operation(Endpoint::of_exchange(&exchange).map(|e| e.operation_id()))
        .expected("an HTTP answer from the upstream")
        .actual(why)
        .build();
    violation.status = None;
    let found = shared.lock().upstream_failed(violation);
    shared.publish(&found);
    plain(status, &format!("openfunnel-contract proxy: {why}"))
}

/// A small JSON answer of the proxy's own.
fn plain(status: StatusCode, detail: &str) -> hyper::Response<ProxyBody> {
    let body = json!({ "detail": detail }).to_string();
    let mut response =
        hyper::Response::new(Full::new(Bytes::from(body)).map_err(|n| match n {}).boxed());
    *response.status_mut() = status;
    response.headers_mut().insert(
        HeaderName::from_static("content-type"),
        HeaderValue::from_static("application/json"),
    );
    response
}
