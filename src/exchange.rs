//! One request and its response, as plain data, and the curl line that
//! replays the request.

use std::fmt::Write as _;

use http::{HeaderMap, Method, StatusCode};
use serde_json::Value;

use crate::ApiKey;

/// The env var a reproduced curl line reads the key from, so the key
/// itself is never printed.
const KEY_PLACEHOLDER: &str = "$OPENFUNNEL_API_KEY";

/// A request as sent (or about to be sent). The API key is kept apart from
/// the other headers and never printed.
#[derive(Debug, Clone)]
pub struct Request {
    /// The HTTP method.
    pub method: Method,
    /// Base URL of the target, no trailing slash (may carry a path prefix).
    pub base_url: String,
    /// The API path, percent-encoded, starting with `/`, no query string.
    pub path: String,
    /// Query parameters, unencoded, in order.
    pub query: Vec<(String, String)>,
    /// The `X-API-Key` to send; `None` sends no key.
    pub api_key: Option<ApiKey>,
    /// Other headers, names lower-case.
    pub headers: Vec<(String, String)>,
    /// The body, if any.
    pub body: Option<Vec<u8>>,
}

impl Request {
    /// A request with no key, headers or body.
    #[must_use = "a request does nothing until a target sends it"]
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Request {
            method,
            base_url: String::new(),
            path: path.into(),
            query: Vec::new(),
            api_key: None,
            headers: Vec::new(),
            body: None,
        }
    }

    /// Sets the key sent as `X-API-Key`.
    #[must_use = "builders return the changed request"]
    pub fn key(mut self, key: &ApiKey) -> Self {
        self.api_key = Some(key.clone());
        self
    }

    /// Adds a query parameter.
    #[must_use = "builders return the changed request"]
    pub fn query(mut self, name: &str, value: &str) -> Self {
        self.query.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Adds a header (the name is lower-cased). An `X-API-Key` header is
    /// taken as [`Request::key`], so the key is never kept where `Debug` or
    /// the curl line would print it.
    #[must_use = "builders return the changed request"]
    pub fn header(mut self, name: &str, value: &str) -> Self {
        let name = name.to_ascii_lowercase();
        if name == "x-api-key" {
            self.api_key = Some(ApiKey::new(value));
            return self;
        }
        self.headers.push((name, value.to_owned()));
        self
    }

    /// Sets a JSON body and its content type.
    #[must_use = "builders return the changed request"]
    pub fn json(self, body: &Value) -> Self {
        self.raw_body("application/json", body.to_string().into_bytes())
    }

    /// Sets a raw body with this content type.
    #[must_use = "builders return the changed request"]
    pub fn raw_body(mut self, content_type: &str, body: Vec<u8>) -> Self {
        self.headers.retain(|(name, _)| name != "content-type");
        self.headers
            .push(("content-type".into(), content_type.into()));
        self.body = Some(body);
        self
    }

    /// Sets the base URL (trailing `/` removed).
    #[must_use = "builders return the changed request"]
    pub fn base(mut self, base_url: &str) -> Self {
        self.base_url = base_url.trim_end_matches('/').to_owned();
        self
    }

    /// Path and query as sent, e.g. `/api/v1/tam/build/x?cursor=page_0001`.
    pub fn path_and_query(&self) -> String {
        if self.query.is_empty() {
            return self.path.clone();
        }
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&self.query)
            .finish();
        format!("{}?{query}", self.path)
    }

    /// The full URL.
    pub fn url(&self) -> String {
        format!("{}{}", self.base_url, self.path_and_query())
    }

    /// A shell command that replays the request. The key is written as
    /// `$OPENFUNNEL_API_KEY`, never as itself.
    pub fn curl(&self) -> String {
        // A method is any HTTP token, and `|`, `&`, `$` or a backtick are
        // token characters: quote all but the plain ones.
        let method = self.method.as_str();
        let method = if method.bytes().all(|b| b.is_ascii_alphanumeric()) {
            method.to_owned()
        } else {
            shell_quote(method)
        };
        let mut line = format!("curl -sS -X {method} {}", shell_quote(&self.url()));
        if self.api_key.is_some() {
            let _ = write!(line, " -H \"X-API-Key: {KEY_PLACEHOLDER}\"");
        }
        for (name, value) in &self.headers {
            let _ = write!(line, " -H {}", shell_quote(&format!("{name}: {value}")));
        }
        if let Some(body) = &self.body {
            let text = String::from_utf8_lossy(body);
            let _ = write!(line, " --data-raw {}", shell_quote(&text));
        }
        line
    }
}

/// A response as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Headers, names lower-case, in order.
    pub headers: Vec<(String, String)>,
    /// The body (possibly cut at the client's size cap).
    pub body: Vec<u8>,
}

impl Response {
    /// A response with a JSON body.
    pub fn json(status: u16, body: &Value) -> Self {
        Response {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }

    /// A response with this status, headers and body, e.g. from your own
    /// HTTP stack. Header names are lower-cased; a value that is not text
    /// is kept lossily.
    pub fn new(status: StatusCode, headers: &HeaderMap, body: impl Into<Vec<u8>>) -> Self {
        Response {
            status: status.as_u16(),
            headers: header_pairs(headers),
            body: body.into(),
        }
    }

    /// Reads a `reqwest` answer whole: status, headers and body. Async, so
    /// not a `From` (a conversion cannot await the body). No size cap: the
    /// harness's own client caps bodies, a caller's client is the caller's.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), reqwest::Error> {
    /// use openfunnel_contract::{Exchange, Method, Request, Response};
    ///
    /// let sent = reqwest::Client::new()
    ///     .get("http://127.0.0.1:8000/api/v1/tam/build/8a8e8a97")
    ///     .header("X-API-Key", "of_test")
    ///     .send()
    ///     .await?;
    /// let response = Response::from_reqwest(sent).await?;
    /// let request = Request::new(Method::GET, "/api/v1/tam/build/8a8e8a97");
    /// let exchange = Exchange::new(request, response);
    /// # let _ = exchange; Ok(()) }
    /// ```
    pub async fn from_reqwest(response: reqwest::Response) -> Result<Response, reqwest::Error> {
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await?;
        Ok(Response::new(status, &headers, body))
    }

    /// The status as an [`http::StatusCode`] (`None` outside 100–999).
    pub fn status_code(&self) -> Option<StatusCode> {
        StatusCode::from_u16(self.status).ok()
    }

    /// The first value of a header (name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The `Content-Type` header.
    pub fn content_type(&self) -> Option<&str> {
        self.header("content-type")
    }

    /// The body parsed as JSON.
    ///
    /// The bytes are checked as UTF-8 once, then parsed as text: `serde_json`
    /// reading bytes checks every string on its own, which made parsing a
    /// 10-row poll page about 30% slower. A body that is not UTF-8 is
    /// parsed as bytes, so it fails with the same error as ever.
    pub fn body_json(&self) -> Result<Value, serde_json::Error> {
        match std::str::from_utf8(&self.body) {
            Ok(text) => serde_json::from_str(text),
            Err(_) => serde_json::from_slice(&self.body),
        }
    }

    /// The body as text (lossy).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// An `http::Response` whose body is already read: from axum (after
/// `axum::body::to_bytes`), hyper, or a `tower::Service` called in-process.
/// Any body that is `Into<Vec<u8>>` will do: `Bytes`, `Vec<u8>`, `String`,
/// `&'static str`.
///
/// ```
/// use openfunnel_contract::{Response, StatusCode};
///
/// let answer = http::Response::builder()
///     .status(StatusCode::CONFLICT)
///     .header("Content-Type", "application/json")
///     .body(r#"{"detail":"Job already finished"}"#)
///     .unwrap();
/// let response = Response::from(answer);
/// assert_eq!(response.status, 409);
/// assert_eq!(response.content_type(), Some("application/json"));
/// ```
impl<B: Into<Vec<u8>>> From<http::Response<B>> for Response {
    fn from(response: http::Response<B>) -> Self {
        let (parts, body) = response.into_parts();
        Response::new(parts.status, &parts.headers, body)
    }
}

/// Header pairs, names lower-case (as `http` keeps them), in order.
fn header_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// A request and the response it got.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// What was sent.
    pub request: Request,
    /// What came back.
    pub response: Response,
}

impl Exchange {
    /// Pairs a request with its response.
    pub fn new(request: Request, response: Response) -> Self {
        Exchange { request, response }
    }

    /// The response status.
    pub fn status(&self) -> u16 {
        self.response.status
    }

    /// True for a 2xx answer.
    pub(crate) fn is_success(&self) -> bool {
        (200..300).contains(&self.response.status)
    }

    /// The response body as JSON, or `Value::Null` when it is not JSON.
    pub fn json(&self) -> Value {
        self.response.body_json().unwrap_or(Value::Null)
    }

    /// A string field of the JSON body, e.g. `body_str("status")`.
    ///
    /// Read without building a `serde_json::Value` when a flat reading of
    /// the body can tell (it reads a body exactly as `serde_json` would,
    /// or declines it and the body is parsed as before): the model asks
    /// this of most answers.
    pub fn body_str(&self, field: &str) -> Option<String> {
        if let Some(doc) = std::str::from_utf8(&self.response.body)
            .ok()
            .and_then(crate::flat::Doc::parse)
        {
            return doc.str_field(field).map(str::to_owned);
        }
        self.json()
            .get(field)
            .and_then(Value::as_str)
            .map(str::to_owned)
    }
}

/// Quotes a word for a POSIX shell.
pub(crate) fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curl_masks_the_key_and_quotes_everything() {
        let request = Request::new(Method::POST, "/api/v1/tam/build")
            .base("https://api.example.test/staging/")
            .key(&ApiKey::new("of_canary_secret"))
            .json(&serde_json::json!({"query": "it's"}));
        let curl = request.curl();
        assert!(!curl.contains("canary"), "{curl}");
        assert_eq!(
            curl,
            "curl -sS -X POST 'https://api.example.test/staging/api/v1/tam/build' \
             -H \"X-API-Key: $OPENFUNNEL_API_KEY\" -H 'content-type: application/json' \
             --data-raw '{\"query\":\"it'\\''s\"}'"
        );
    }

    #[test]
    fn query_is_encoded() {
        let request = Request::new(Method::GET, "/x").query("cursor", "page 1&2");
        assert_eq!(request.path_and_query(), "/x?cursor=page+1%262");
    }
}
