//! The HTTP face of the mock: one wiremock [`Respond`] that routes by method
//! and path, validates like FastAPI and answers from the job store.

use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use percent_encoding::percent_decode_str;
use serde::Serialize;
use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

use super::fault::{Answer, Call, Fault};

use super::clock::Clock;
use super::job::{Action, ActionOutcome, Store};

/// The five TAM Builder operations the mock serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Operation {
    /// `POST /api/v1/tam/build`
    Submit,
    /// `GET /api/v1/tam/build/{job_id}`
    Poll,
    /// `POST /api/v1/tam/build/{job_id}/pause`
    Pause,
    /// `POST /api/v1/tam/build/{job_id}/resume`
    Resume,
    /// `POST /api/v1/tam/build/{job_id}/cancel`
    Cancel,
}

impl Operation {
    /// All five, in the order of the documentation.
    pub const ALL: [Operation; 5] = [
        Operation::Submit,
        Operation::Poll,
        Operation::Pause,
        Operation::Resume,
        Operation::Cancel,
    ];

    /// The HTTP method (`"GET"` or `"POST"`).
    pub fn method(self) -> &'static str {
        match self {
            Operation::Poll => "GET",
            _ => "POST",
        }
    }

    /// The OpenAPI path template, e.g. `/api/v1/tam/build/{job_id}/pause`.
    pub fn path_template(self) -> &'static str {
        match self {
            Operation::Submit => "/api/v1/tam/build",
            Operation::Poll => "/api/v1/tam/build/{job_id}",
            Operation::Pause => "/api/v1/tam/build/{job_id}/pause",
            Operation::Resume => "/api/v1/tam/build/{job_id}/resume",
            Operation::Cancel => "/api/v1/tam/build/{job_id}/cancel",
        }
    }
}

impl fmt::Display for Operation {
    /// `METHOD /path/{template}`, e.g. `GET /api/v1/tam/build/{job_id}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method(), self.path_template())
    }
}

/// A request that matched no operation: its path matched none (answered 404)
/// or its method was wrong for the path (answered 405).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnmatchedRequest {
    /// The request method, e.g. `"DELETE"`.
    pub method: String,
    /// The path as received (still percent-encoded), without the query.
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    /// The operation the request most resembles (for a 405: the operation
    /// of that path).
    pub nearest_operation: Operation,
    /// The status the mock answered: 404 or 405.
    pub status: u16,
}

/// What every request reads and writes, behind one lock.
#[derive(Debug)]
pub(crate) struct Inner {
    pub store: Store,
    pub unmatched: Vec<UnmatchedRequest>,
    pub requests: usize,
}

/// The state shared by the [`MockApi`](super::MockApi) handle and the
/// responder running in wiremock's server thread.
pub(crate) struct Shared {
    inner: Mutex<Inner>,
    clock: Box<dyn Clock>,
    offset: Mutex<Duration>,
    fault: Option<Box<dyn Fault>>,
    latency: Duration,
}

impl Shared {
    pub fn new(
        store: Store,
        clock: Box<dyn Clock>,
        fault: Option<Box<dyn Fault>>,
        latency: Duration,
    ) -> Shared {
        Shared {
            inner: Mutex::new(Inner {
                store,
                unmatched: Vec::new(),
                requests: 0,
            }),
            clock,
            offset: Mutex::new(Duration::ZERO),
            fault,
            latency,
        }
    }

    /// The mock's time: the clock plus every [`Shared::advance`].
    pub fn now(&self) -> Duration {
        let offset = *self.offset.lock().unwrap_or_else(|e| e.into_inner());
        self.clock.now().saturating_add(offset)
    }

    /// Moves the mock's time forward on top of its clock.
    pub fn advance(&self, by: Duration) {
        let mut offset = self.offset.lock().unwrap_or_else(|e| e.into_inner());
        *offset = offset.saturating_add(by);
    }

    /// The state. A poisoned lock is recovered, so the mock keeps answering
    /// after a panic in a test thread that held it.
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The catch-all responder.
pub(crate) struct Handler(pub Arc<Shared>);

impl Respond for Handler {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let template = self.answer(request).into_template();
        if self.0.latency.is_zero() {
            template
        } else {
            template.set_delay(self.0.latency)
        }
    }
}

impl Handler {
    fn answer(&self, request: &Request) -> Answer {
        let now = self.0.now();
        let mut inner = self.0.lock();
        let Some(fault) = &self.0.fault else {
            return handle(&mut inner, request, now);
        };
        let route = route(request.url.path());
        let key = header(request, "x-api-key");
        let job_id = match &route {
            Some(Route::Poll(id)) | Some(Route::Act(id, _)) => Some(id.clone()),
            _ => None,
        };
        let state = |inner: &mut Inner| match (&key, &job_id) {
            (Some(key), Some(id)) => inner.store.job(key, id, now).map(|job| job.state),
            _ => None,
        };
        let state_before = state(&mut inner);
        let mut answer = handle(&mut inner, request, now);
        let call = Call {
            method: request.method.as_str().to_owned(),
            path: request.url.path().to_owned(),
            operation: route.as_ref().map(Route::operation),
            job_id: job_id.clone(),
            key: key.clone(),
            state_before,
            state_after: state(&mut inner),
        };
        drop(inner);
        fault.apply(&call, &mut answer);
        answer
    }
}

/// A matched route: operation and decoded `job_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    Submit,
    Poll(String),
    Act(String, Action),
}

impl Route {
    fn operation(&self) -> Operation {
        match self {
            Route::Submit => Operation::Submit,
            Route::Poll(_) => Operation::Poll,
            Route::Act(_, Action::Pause) => Operation::Pause,
            Route::Act(_, Action::Resume) => Operation::Resume,
            Route::Act(_, Action::Cancel) => Operation::Cancel,
        }
    }
}

/// Routes a raw (percent-encoded) path. Each segment is decoded on its own
/// (invalid UTF-8 is replaced), so `%62uild` is `build` and an encoded job id
/// is decoded; `{job_id}` matches one non-empty segment, and a job id that
/// decodes to something containing `/` matches no route.
fn route(raw_path: &str) -> Option<Route> {
    let segments: Vec<Cow<'_, str>> = raw_path
        .strip_prefix('/')?
        .split('/')
        .map(|segment| percent_decode_str(segment).decode_utf8_lossy())
        .collect();
    let segments: Vec<&str> = segments.iter().map(|s| s.as_ref()).collect();
    let (prefix, rest) = segments.split_at_checked(4)?;
    if prefix != ["api", "v1", "tam", "build"] {
        return None;
    }
    let job_id = |id: &str| (!id.is_empty() && !id.contains('/')).then(|| id.to_owned());
    match *rest {
        [] => Some(Route::Submit),
        [id] => Some(Route::Poll(job_id(id)?)),
        [id, action] => {
            let action = match action {
                "pause" => Action::Pause,
                "resume" => Action::Resume,
                "cancel" => Action::Cancel,
                _ => return None,
            };
            Some(Route::Act(job_id(id)?, action))
        }
        _ => None,
    }
}

/// The path with every segment decoded (an encoded `/` stays `%2F`, so the
/// segments do not change), for [`nearest_operation`].
fn decoded_segments(raw_path: &str) -> String {
    raw_path
        .split('/')
        .map(|segment| {
            percent_decode_str(segment)
                .decode_utf8_lossy()
                .replace('/', "%2F")
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The operation a non-matching request most resembles: the smallest edit
/// distance between path segments (a segment substitution costs its
/// normalised character edit distance, `{job_id}` matches any non-empty
/// segment for free), plus 0.75 for a different method. Ties go to the
/// earlier operation in [`Operation::ALL`].
pub(crate) fn nearest_operation(method: &str, decoded_path: &str) -> Operation {
    let segments: Vec<&str> = decoded_path
        .strip_prefix('/')
        .unwrap_or(decoded_path)
        .split('/')
        .collect();
    let cost = |op: Operation| {
        let template: Vec<&str> = op.path_template()[1..].split('/').collect();
        let method_cost = if method.eq_ignore_ascii_case(op.method()) {
            0.0
        } else {
            0.75
        };
        segment_distance(&segments, &template) + method_cost
    };
    let mut best = Operation::Submit;
    let mut best_cost = f64::INFINITY;
    for op in Operation::ALL {
        let c = cost(op);
        if c < best_cost {
            best = op;
            best_cost = c;
        }
    }
    best
}

fn segment_distance(path: &[&str], template: &[&str]) -> f64 {
    let sub = |p: &str, t: &str| -> f64 {
        if t == "{job_id}" {
            if p.is_empty() { 0.5 } else { 0.0 }
        } else {
            let longest = p.chars().count().max(t.chars().count()).max(1);
            char_distance(p, t) as f64 / longest as f64
        }
    };
    let mut prev: Vec<f64> = (0..=template.len()).map(|j| j as f64).collect();
    for (i, p) in path.iter().enumerate() {
        let mut row = vec![(i + 1) as f64];
        for (j, t) in template.iter().enumerate() {
            let best = (prev[j] + sub(p, t))
                .min(prev[j + 1] + 1.0)
                .min(row[j] + 1.0);
            row.push(best);
        }
        prev = row;
    }
    prev[template.len()]
}

fn char_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut row = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let best = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(row[j] + 1);
            row.push(best);
        }
        prev = row;
    }
    prev[b.len()]
}

fn json_response(status: u16, body: &impl Serialize) -> Answer {
    let bytes = serde_json::to_vec(body).expect("mock bodies always serialise");
    Answer {
        status,
        headers: Vec::new(),
        content_type: "application/json".into(),
        body: bytes,
    }
}

fn detail(status: u16, detail: &str) -> Answer {
    json_response(status, &json!({ "detail": detail }))
}

/// The 404 of an unknown job or another key's job.
const NOT_FOUND_DETAIL: &str = "Job not found for this API key";

/// The documented `{job_id, status, message}` of submit, pause, resume and
/// cancel, in that field order.
#[derive(Serialize)]
struct AckBody<'a> {
    job_id: &'a str,
    status: &'static str,
    message: &'a str,
}

/// One FastAPI / pydantic `ValidationError`.
fn validation_error(kind: &str, loc: Value, msg: &str, input: Value, ctx: Option<Value>) -> Value {
    let mut error = json!({ "type": kind, "loc": loc, "msg": msg, "input": input });
    if let Some(ctx) = ctx {
        error["ctx"] = ctx;
    }
    error
}

fn unprocessable(errors: Vec<Value>) -> Answer {
    json_response(422, &json!({ "detail": errors }))
}

/// The pattern a `cursor` must match.
pub(crate) const CURSOR_PATTERN: &str = "^page_[0-9]{4,}$";

/// The page number of a valid cursor (`page_` and at least four digits);
/// a number too large for `usize` saturates (and reads as an empty page).
pub(crate) fn parse_cursor(cursor: &str) -> Option<usize> {
    let digits = cursor.strip_prefix("page_")?;
    if digits.len() < 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(digits.parse().unwrap_or(usize::MAX))
}

/// A header value as Starlette reads it: UTF-8 if possible, else Latin-1.
fn header(request: &Request, name: &str) -> Option<String> {
    let value = request.headers.get(name)?;
    Some(match value.to_str() {
        Ok(s) => s.to_owned(),
        Err(_) => value.as_bytes().iter().map(|&b| char::from(b)).collect(),
    })
}

fn missing_key_error() -> Value {
    validation_error(
        "missing",
        json!(["header", "x-api-key"]),
        "Field required",
        Value::Null,
        None,
    )
}

fn is_json_media_type(content_type: &str) -> bool {
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match mime.split_once('/') {
        Some(("application", sub)) => sub == "json" || sub.ends_with("+json"),
        _ => false,
    }
}

fn handle(inner: &mut Inner, request: &Request, now: Duration) -> Answer {
    inner.requests += 1;
    let method = request.method.as_str();
    let raw_path = request.url.path();
    let Some(route) = route(raw_path) else {
        let nearest = nearest_operation(method, &decoded_segments(raw_path));
        inner.unmatched.push(UnmatchedRequest {
            method: method.to_owned(),
            path: raw_path.to_owned(),
            query: request.url.query().map(str::to_owned),
            nearest_operation: nearest,
            status: 404,
        });
        return json_response(
            404,
            &json!({
                "detail": "Not Found",
                "nearest_operation": nearest.to_string(),
                "method": method,
                "path": raw_path,
            }),
        );
    };
    let operation = route.operation();
    if method != operation.method() {
        inner.unmatched.push(UnmatchedRequest {
            method: method.to_owned(),
            path: raw_path.to_owned(),
            query: request.url.query().map(str::to_owned),
            nearest_operation: operation,
            status: 405,
        });
        return detail(405, "Method Not Allowed").with_header("allow", operation.method());
    }
    let key = header(request, "x-api-key");
    let store = &mut inner.store;
    match route {
        Route::Submit => submit(store, key, request, now),
        Route::Poll(id) => poll(store, key, &id, request, now),
        Route::Act(id, action) => act(store, key, &id, action, now),
    }
}

fn submit(store: &mut Store, key: Option<String>, request: &Request, now: Duration) -> Answer {
    // FastAPI reads and decodes the body first: a JSON syntax error is
    // reported alone, before any parameter is validated.
    let content_type = header(request, "content-type");
    let body: Option<Result<Value, String>> = if request.body.is_empty() {
        None
    } else if content_type.as_deref().is_none_or(is_json_media_type) {
        match serde_json::from_slice::<Value>(&request.body) {
            Ok(value) => Some(Ok(value)),
            Err(err) => {
                return unprocessable(vec![validation_error(
                    "json_invalid",
                    json!(["body", 0]),
                    "JSON decode error",
                    json!({}),
                    Some(json!({ "error": err.to_string() })),
                )]);
            }
        }
    } else {
        Some(Err(String::from_utf8_lossy(&request.body).into_owned()))
    };

    let mut errors = Vec::new();
    if key.is_none() {
        errors.push(missing_key_error());
    }
    let not_an_object = |input: Value| {
        validation_error(
            "model_attributes_type",
            json!(["body"]),
            "Input should be a valid dictionary or object to extract fields from",
            input,
            None,
        )
    };
    let mut query = None;
    match body {
        None | Some(Ok(Value::Null)) => errors.push(validation_error(
            "missing",
            json!(["body"]),
            "Field required",
            Value::Null,
            None,
        )),
        Some(Err(raw)) => errors.push(not_an_object(Value::String(raw))),
        Some(Ok(Value::Object(fields))) => match fields.get("query") {
            None => errors.push(validation_error(
                "missing",
                json!(["body", "query"]),
                "Field required",
                Value::Object(fields.clone()),
                None,
            )),
            Some(Value::String(q)) if q.is_empty() => errors.push(validation_error(
                "string_too_short",
                json!(["body", "query"]),
                "String should have at least 1 character",
                json!(q),
                Some(json!({ "min_length": 1 })),
            )),
            Some(Value::String(q)) if q.chars().count() > 500 => errors.push(validation_error(
                "string_too_long",
                json!(["body", "query"]),
                "String should have at most 500 characters",
                json!(q),
                Some(json!({ "max_length": 500 })),
            )),
            Some(Value::String(q)) => query = Some(q.clone()),
            Some(other) => errors.push(validation_error(
                "string_type",
                json!(["body", "query"]),
                "Input should be a valid string",
                other.clone(),
                None,
            )),
        },
        Some(Ok(other)) => errors.push(not_an_object(other)),
    }
    match (key, query) {
        (Some(key), Some(query)) if errors.is_empty() => {
            let id = store.submit(&key, &query, now);
            let message = format!(
                "TAM build started. Poll GET /api/v1/tam/build/{id} for status and results."
            );
            json_response(
                200,
                &AckBody {
                    job_id: &id,
                    status: "pending",
                    message: &message,
                },
            )
        }
        _ => unprocessable(errors),
    }
}

fn poll(
    store: &mut Store,
    key: Option<String>,
    id: &str,
    request: &Request,
    now: Duration,
) -> Answer {
    let cursor = request
        .url
        .query_pairs()
        .filter(|(name, _)| name == "cursor")
        .map(|(_, value)| value.into_owned())
        .last();
    let mut errors = Vec::new();
    let page = match cursor.as_deref() {
        None => Some(0),
        Some(c) => {
            let page = parse_cursor(c);
            if page.is_none() {
                errors.push(validation_error(
                    "string_pattern_mismatch",
                    json!(["query", "cursor"]),
                    &format!("String should match pattern '{CURSOR_PATTERN}'"),
                    json!(c),
                    Some(json!({ "pattern": CURSOR_PATTERN })),
                ));
            }
            page
        }
    };
    if key.is_none() {
        errors.push(missing_key_error());
    }
    let (Some(key), Some(page)) = (key, page) else {
        return unprocessable(errors);
    };
    let cfg = store.cfg;
    match store.job(&key, id, now) {
        Some(job) => json_response(200, &job.poll(page, &cfg)),
        None => detail(404, NOT_FOUND_DETAIL),
    }
}

fn act(store: &mut Store, key: Option<String>, id: &str, action: Action, now: Duration) -> Answer {
    let Some(key) = key else {
        return unprocessable(vec![missing_key_error()]);
    };
    let Some(job) = store.job(&key, id, now) else {
        return detail(404, NOT_FOUND_DETAIL);
    };
    match job.act(action, now) {
        ActionOutcome::Accepted { status, message } => json_response(
            200,
            &AckBody {
                job_id: &job.id,
                status: status.as_str(),
                message: &message,
            },
        ),
        ActionOutcome::Conflict(text) => detail(409, text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_decoded_paths() {
        assert_eq!(route("/api/v1/tam/build"), Some(Route::Submit));
        assert_eq!(
            route("/api/v1/tam/build/abc"),
            Some(Route::Poll("abc".into()))
        );
        assert_eq!(
            route("/api/v1/tam/build/a b/pause"),
            Some(Route::Act("a b".into(), Action::Pause))
        );
        assert_eq!(
            route("/api/v1/tam/build/x/cancel"),
            Some(Route::Act("x".into(), Action::Cancel))
        );
        for unmatched in [
            "/",
            "/api/v1/tam/build/",
            "/api/v1/tam/builds",
            "/api/v1/tam/build//pause",
            "/api/v1/tam/build/a/b",
            "/api/v1/tam/build/a/pause/",
            "/api/v1/tam/build/a/b/pause",
        ] {
            assert_eq!(route(unmatched), None, "{unmatched}");
        }
    }

    #[test]
    fn nearest_operation_prefers_the_closest_path_then_the_method() {
        let cases = [
            ("GET", "/api/v1/tam/build/x/status", Operation::Poll),
            ("POST", "/api/v1/tam/build/x/pasue", Operation::Pause),
            ("POST", "/api/v1/tam/build/x/resum", Operation::Resume),
            ("POST", "/api/v1/tam/build/x/cancell", Operation::Cancel),
            ("POST", "/api/v1/tam/builds", Operation::Submit),
            ("GET", "/api/v1/tam/build/", Operation::Poll),
            ("GET", "/api/v2/tam/build/x", Operation::Poll),
            ("POST", "/api/v1/tam/build/a/b/pause", Operation::Pause),
        ];
        for (method, path, want) in cases {
            assert_eq!(nearest_operation(method, path), want, "{method} {path}");
        }
    }

    #[test]
    fn cursors_need_page_and_four_digits() {
        assert_eq!(parse_cursor("page_0000"), Some(0));
        assert_eq!(parse_cursor("page_0012"), Some(12));
        assert_eq!(parse_cursor("page_12345"), Some(12345));
        assert_eq!(
            parse_cursor("page_99999999999999999999999"),
            Some(usize::MAX)
        );
        for bad in [
            "",
            "page_",
            "page_1",
            "page_001",
            "Page_0001",
            "page_000a",
            "page_-001",
            "0001",
        ] {
            assert_eq!(parse_cursor(bad), None, "{bad}");
        }
    }

    #[test]
    fn json_media_types() {
        assert!(is_json_media_type("application/json"));
        assert!(is_json_media_type("Application/JSON; charset=utf-8"));
        assert!(is_json_media_type("application/problem+json"));
        assert!(!is_json_media_type("text/plain"));
        assert!(!is_json_media_type("application/x-www-form-urlencoded"));
        assert!(!is_json_media_type("json"));
    }

    #[test]
    fn operations_display_as_method_and_template() {
        assert_eq!(
            Operation::Poll.to_string(),
            "GET /api/v1/tam/build/{job_id}"
        );
        assert_eq!(Operation::Submit.to_string(), "POST /api/v1/tam/build");
    }
}
