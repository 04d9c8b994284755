//! The mock passes its own contract: random sequences of operations (two
//! keys, a stranger's key and no key; fixtures and seeded jobs; clock ticks;
//! odd and percent-encoded job IDs; random submit bodies and cursors; stray
//! methods and paths) go through the mock, and every exchange is validated
//! with the foundation's checks against the vendored spec.
//!
//! The sequences are this test's own: the model's plan
//! (`openfunnel_contract::model`) generates only what the model can judge
//! (two keys, jobs by index or a fresh UUID, page cursors 0 to 2), while
//! this test also sends no key and a stranger's key, dot segments and
//! percent-encoded or upper-cased IDs, raw and malformed bodies, odd
//! cursors, and stray methods and paths. It reuses the job IDs and invalid
//! bodies the crate generates (`openfunnel_contract::strategies`).
//! Requests go through the crate's own client (`support::client_of`).

use std::collections::BTreeMap;

use crate::support::{client_of, spec};
use openfunnel_contract::mock::MockApi;
use openfunnel_contract::spec::Operation as SpecOperation;
use openfunnel_contract::strategies::{invalid_submit_body, odd_job_id, unknown_job_id};
use openfunnel_contract::{ApiKey, Exchange, JobState, Request, Spec, Target, check_exchange};
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use reqwest::Method;
use serde_json::json;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Primary,
    Other,
    Stranger,
    Missing,
}

#[derive(Debug, Clone)]
enum JobRef {
    /// A job the sequence knows (fixture, seeded or submitted), by index.
    Known(usize),
    /// The same, with every byte of the id percent-encoded.
    Encoded(usize),
    /// The same, upper-cased (job ids are case-sensitive strings).
    Upper(usize),
    /// Anything else, percent-encoded as a path segment.
    Odd(String),
}

#[derive(Debug, Clone)]
enum Body {
    /// `{"query": …}` as JSON.
    Query(String),
    /// A raw body with this content type (`None`: no content type).
    Raw(Option<&'static str>, String),
}

#[derive(Debug, Clone)]
enum Cursor {
    Absent,
    Page(u16),
    Odd(String),
}

#[derive(Debug, Clone)]
enum Op {
    Submit(Key, Body),
    Poll(Key, JobRef, Cursor),
    Act(Key, JobRef, &'static str),
    /// Advance the clock by this many quarters of a band.
    Advance(u8),
    Seed(Key, JobState),
    /// A method and path template (`{id}`: the first known job).
    Stray(&'static str, &'static str),
}

fn key() -> impl Strategy<Value = Key> {
    prop_oneof![
        5 => Just(Key::Primary),
        2 => Just(Key::Other),
        1 => Just(Key::Stranger),
        1 => Just(Key::Missing),
    ]
}

/// IDs no job has: the crate's (a fresh UUID; any other ID, printable,
/// unicode, to be percent-encoded or very long), and what those leave out
/// on purpose (the empty ID and dot segments, which are other routes), and
/// IDs that look like paths or escapes.
fn odd_id() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just(" ".to_owned()),
        Just(".".to_owned()),
        Just("..".to_owned()),
        Just("a/b".to_owned()),
        Just("x/pause".to_owned()),
        Just("%2F".to_owned()),
        Just("%".to_owned()),
        Just("%zz".to_owned()),
        Just("nope".to_owned()),
        Just("00000000-0000-0000-0000-000000000000".to_owned()),
        unknown_job_id(),
        odd_job_id(),
    ]
}

fn job_ref() -> impl Strategy<Value = JobRef> {
    prop_oneof![
        8 => any::<usize>().prop_map(JobRef::Known),
        2 => any::<usize>().prop_map(JobRef::Encoded),
        1 => any::<usize>().prop_map(JobRef::Upper),
        3 => odd_id().prop_map(JobRef::Odd),
    ]
}

fn body() -> impl Strategy<Value = Body> {
    let json = Some("application/json");
    prop_oneof![
        6 => "\\PC{1,60}".prop_map(Body::Query),
        1 => prop_oneof![
            Just(String::new()),
            Just("x".repeat(500)),
            Just("x".repeat(501)),
            Just("é".repeat(500)),
            Just("é".repeat(501)),
        ]
        .prop_map(Body::Query),
        3 => prop_oneof![
            invalid_submit_body().prop_map(move |(_, body)| (json, body.to_string())),
            Just((json, r#"{"query": null}"#.to_owned())),
            Just((json, r#"{"query": ["a"]}"#.to_owned())),
            Just((json, r#"{"query": {"a": 1}}"#.to_owned())),
            Just((json, "[]".to_owned())),
            Just((json, "null".to_owned())),
            Just((json, "\"query\"".to_owned())),
            Just((json, String::new())),
            Just((json, "not json".to_owned())),
            Just((json, r#"{"query": "x""#.to_owned())),
            Just((json, r#"{"query": "ok", "extra": true}"#.to_owned())),
            Just((None, r#"{"query": "no content type"}"#.to_owned())),
            Just((Some("text/plain"), r#"{"query": "x"}"#.to_owned())),
            Just((Some("application/x-www-form-urlencoded"), "query=x".to_owned())),
            Just((Some("application/problem+json"), r#"{"query": "x"}"#.to_owned())),
            "\\PC{0,24}".prop_map(move |text| (json, text)),
        ]
        .prop_map(|(content_type, text)| Body::Raw(content_type, text)),
    ]
}

fn cursor() -> impl Strategy<Value = Cursor> {
    prop_oneof![
        4 => Just(Cursor::Absent),
        4 => (0u16..9).prop_map(Cursor::Page),
        1 => prop_oneof![
            Just(String::new()),
            Just("page_1".to_owned()),
            Just("page_99999999999999999999999".to_owned()),
            "\\PC{0,12}",
        ]
        .prop_map(Cursor::Odd),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let action = prop_oneof![Just("pause"), Just("resume"), Just("cancel")];
    let state = proptest::sample::select(JobState::ALL.to_vec());
    let stray_method = proptest::sample::select(vec!["GET", "POST", "PUT", "DELETE", "PATCH"]);
    let stray_path = proptest::sample::select(vec![
        "/api/v1/tam/build",
        "/api/v1/tam/build/{id}",
        "/api/v1/tam/build/{id}/pause",
        "/api/v1/tam/build/{id}/resume",
        "/api/v1/tam/build/{id}/cancel",
        "/api/v1/tam/build/",
        "/api/v1/tam/builds",
        "/api/v1/tam/build/{id}/status",
        "/api/v1/tam/build/{id}/pause/",
        "/openapi.json",
        "/",
    ]);
    prop_oneof![
        3 => (key(), body()).prop_map(|(k, b)| Op::Submit(k, b)),
        6 => (key(), job_ref(), cursor()).prop_map(|(k, j, c)| Op::Poll(k, j, c)),
        5 => (key(), job_ref(), action).prop_map(|(k, j, a)| Op::Act(k, j, a)),
        3 => (0u8..=8).prop_map(Op::Advance),
        1 => (prop_oneof![Just(Key::Primary), Just(Key::Other)], state)
            .prop_map(|(k, s)| Op::Seed(k, s)),
        1 => (stray_method, stray_path).prop_map(|(m, p)| Op::Stray(m, p)),
    ]
}

/// One run: a fresh mock, its known jobs and what has been observed.
struct Run {
    mock: MockApi,
    spec: Spec,
    /// Sends to the mock.
    target: Target,
    /// Every job the sequence knows: id and owner.
    jobs: Vec<(String, Key)>,
    /// Terminal status observed per job id: it must never change.
    terminal: BTreeMap<String, String>,
    log: Vec<String>,
}

impl Run {
    fn api_key(&self, key: Key) -> Option<ApiKey> {
        match key {
            Key::Primary => Some(self.mock.api_key()),
            Key::Other => Some(self.mock.other_api_key()),
            Key::Stranger => Some(ApiKey::new("of_stranger")),
            Key::Missing => None,
        }
    }

    /// The job id a reference names, its path segment, and its owner.
    fn resolve(&self, job: &JobRef) -> (String, String, Option<Key>) {
        let known = |i: usize| self.jobs[i % self.jobs.len()].clone();
        match job {
            JobRef::Known(i) => {
                let (id, owner) = known(*i);
                (id.clone(), id, Some(owner))
            }
            JobRef::Encoded(i) => {
                let (id, owner) = known(*i);
                let encoded = id.bytes().map(|b| format!("%{b:02X}")).collect();
                (id, encoded, Some(owner))
            }
            JobRef::Upper(i) => {
                let upper = known(*i).0.to_uppercase();
                let segment = path_segment(&upper);
                (upper, segment, None)
            }
            JobRef::Odd(text) => (text.clone(), path_segment(text), None),
        }
    }

    async fn send(&mut self, request: Request) -> Exchange {
        let mut request = request.base(&self.mock.uri());
        // A URL parser removes dot segments (`/./`, `/%2e%2e/`) before
        // sending: check the path the mock actually receives.
        let sent = url::Url::parse(&request.url()).expect("a valid URL");
        if sent.path() != request.path {
            self.log.push(format!(
                "(path {} is sent as {})",
                request.path,
                sent.path()
            ));
            request.path = sent.path().to_owned();
        }
        let exchange = self.target.send(request).await.expect("the mock answers");
        self.validate(&exchange);
        exchange
    }

    /// What every exchange must satisfy.
    fn validate(&mut self, exchange: &Exchange) {
        let request = &exchange.request;
        let line = format!(
            "{} {} -> {}",
            request.method,
            request.path_and_query(),
            exchange.status()
        );
        self.log.push(line.clone());
        let context = || format!("{line}\nsequence so far:\n  {}", self.log.join("\n  "));
        assert!(exchange.status() < 500, "a 5xx: {}", context());
        if request.method != Method::HEAD {
            assert_eq!(
                exchange.response.content_type(),
                Some("application/json"),
                "{}",
                context()
            );
            assert!(
                exchange.response.body_json().is_ok(),
                "not JSON: {}",
                context()
            );
        }
        if self
            .spec
            .match_request(&request.method, &request.path)
            .is_some()
        {
            if let Err(violation) = check_exchange(&self.spec, exchange) {
                panic!("{violation}\n{}", context());
            }
        } else {
            assert!(
                matches!(exchange.status(), 404 | 405 | 422),
                "{}",
                context()
            );
        }
    }

    async fn apply(&mut self, op: &Op) {
        match op {
            Op::Advance(quarters) => {
                self.mock
                    .advance(self.mock.personality().band * u32::from(*quarters) / 4);
                self.log.push(format!("advance {quarters}/4 band"));
            }
            Op::Seed(key, state) => {
                let api_key = self.api_key(*key).expect("seeding keys are present");
                let id = self.mock.seed_job(&api_key, *state);
                self.log.push(format!("seed {state} for {key:?}: {id}"));
                self.jobs.push((id, *key));
            }
            Op::Submit(key, body) => self.submit(*key, body).await,
            Op::Poll(key, job, cursor) => self.poll(*key, job, cursor).await,
            Op::Act(key, job, action) => self.act(*key, job, action).await,
            Op::Stray(method, template) => self.stray(method, template).await,
        }
    }

    async fn submit(&mut self, key: Key, body: &Body) {
        let mut request = Request::new(Method::POST, "/api/v1/tam/build");
        if let Some(api_key) = self.api_key(key) {
            request = request.key(&api_key);
        }
        let valid_query = match body {
            Body::Query(query) => {
                request = request.json(&json!({ "query": query }));
                (1..=500).contains(&query.chars().count())
            }
            Body::Raw(content_type, text) => {
                match content_type {
                    Some(ct) => request = request.raw_body(ct, text.clone().into_bytes()),
                    None => request.body = Some(text.clone().into_bytes()),
                }
                false
            }
        };
        let exchange = self.send(request).await;
        if valid_query && key != Key::Missing {
            assert_eq!(exchange.status(), 200, "{}", self.log.join("\n"));
        }
        if exchange.status() == 200 {
            assert_eq!(exchange.body_str("status").as_deref(), Some("pending"));
            let id = exchange.body_str("job_id").expect("job_id");
            assert_ne!(key, Key::Missing);
            self.jobs.push((id, key));
        } else {
            assert_eq!(exchange.status(), 422);
        }
    }

    async fn poll(&mut self, key: Key, job: &JobRef, cursor: &Cursor) {
        let (id, segment, owner) = self.resolve(job);
        let mut request = Request::new(Method::GET, format!("/api/v1/tam/build/{segment}"));
        if let Some(api_key) = self.api_key(key) {
            request = request.key(&api_key);
        }
        let cursor_ok = match cursor {
            Cursor::Absent => true,
            Cursor::Page(n) => {
                request = request.query("cursor", &format!("page_{n:04}"));
                true
            }
            Cursor::Odd(text) => {
                // Any string is a valid cursor: the spec states no pattern.
                request = request.query("cursor", text);
                true
            }
        };
        let exchange = self.send(request).await;
        let expected = expected_status(key, owner, cursor_ok);
        if let Some(expected) = expected {
            assert_eq!(exchange.status(), expected, "{}", self.log.join("\n"));
        }
        if exchange.status() == 200 {
            let body = exchange.json();
            assert_eq!(body["job_id"], json!(id));
            let rows = body["rows"].as_array().expect("rows").len();
            assert_eq!(body["count"], json!(rows));
            let status = body["status"].as_str().expect("status").to_owned();
            assert!(status.parse::<JobState>().is_ok(), "status {status}");
            let terminal = status.parse::<JobState>().unwrap().is_terminal();
            assert_eq!(
                body["manifest"].is_null(),
                !terminal,
                "manifest of {status}"
            );
            if let Some(before) = self.terminal.get(&id) {
                assert_eq!(&status, before, "a terminal job changed");
            } else if terminal {
                self.terminal.insert(id, status);
            }
        }
    }

    async fn act(&mut self, key: Key, job: &JobRef, action: &str) {
        let (id, segment, owner) = self.resolve(job);
        let mut request = Request::new(
            Method::POST,
            format!("/api/v1/tam/build/{segment}/{action}"),
        );
        if let Some(api_key) = self.api_key(key) {
            request = request.key(&api_key);
        }
        let exchange = self.send(request).await;
        if let Some(expected) = expected_status(key, owner, true) {
            if expected == 200 {
                // Owned and present: 200 or 409, depending on the state.
                assert!(
                    matches!(exchange.status(), 200 | 409),
                    "{}",
                    self.log.join("\n")
                );
            } else {
                assert_eq!(exchange.status(), expected, "{}", self.log.join("\n"));
            }
        }
        if self.terminal.contains_key(&id) && owner.is_some_and(|o| o == key) {
            assert_eq!(exchange.status(), 409, "an action on a terminal job");
        }
        if exchange.status() == 200 {
            let status = exchange.body_str("status").expect("status");
            let allowed: &[&str] = match action {
                "pause" => &["pausing", "paused"],
                "resume" => &["running"],
                _ => &["cancelling"],
            };
            assert!(
                allowed.contains(&status.as_str()),
                "{action} answered {status}"
            );
            assert_eq!(exchange.body_str("job_id"), Some(id));
        }
    }

    async fn stray(&mut self, method: &str, template: &str) {
        let id = self.jobs[0].0.clone();
        let path = template.replace("{id}", &id);
        let method = Method::from_bytes(method.as_bytes()).expect("method");
        let known = self.spec.match_request(&method, &path).is_some();
        let before = self.mock.unmatched_requests().len();
        let request = Request::new(method, path).key(&self.mock.api_key());
        let exchange = self.send(request).await;
        let after = self.mock.unmatched_requests();
        if known {
            assert_eq!(after.len(), before);
        } else {
            assert_eq!(after.len(), before + 1, "{}", self.log.join("\n"));
            let recorded = after.last().expect("recorded");
            assert_eq!(recorded.status, exchange.status());
            assert_eq!(recorded.path, exchange.request.path);
            if exchange.status() == 405 {
                assert!(exchange.response.header("allow").is_some());
            } else {
                assert_eq!(exchange.status(), 404);
                let nearest = exchange.json()["nearest_operation"].clone();
                assert_eq!(nearest, json!(recorded.nearest_operation.to_string()));
            }
        }
    }
}

/// The status a job request must get, when it is determined by the key, the
/// owner and the cursor alone (`Some(200)` means "the job is found").
fn expected_status(key: Key, owner: Option<Key>, cursor_ok: bool) -> Option<u16> {
    if owner.is_some() && (key == Key::Missing || !cursor_ok) {
        return Some(422);
    }
    match owner {
        Some(owner) if owner == key => Some(200),
        Some(_) => Some(404),
        // An odd id: 404, or (when its path routes) 422 for the key or cursor.
        None => None,
    }
}

/// `text` percent-encoded as one path segment, as the spec encodes it.
fn path_segment(text: &str) -> String {
    let spec = spec();
    let poll: &SpecOperation = spec.operation("pollTamBuildJob").expect("poll");
    poll.path_with(&[("job_id", text)])
        .trim_start_matches("/api/v1/tam/build/")
        .to_owned()
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(48)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn every_exchange_of_a_random_sequence_passes_the_checks(
        seed in any::<u64>(),
        ops in proptest::collection::vec(op(), 1..40),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let mock = MockApi::builder().seed(seed).start().await;
            let jobs = mock.fixtures().into_iter().map(|(_, id)| (id, Key::Primary)).collect();
            let mut run = Run {
                target: client_of(&mock).await,
                spec: spec(),
                mock,
                jobs,
                terminal: BTreeMap::new(),
                log: Vec::new(),
            };
            for op in &ops {
                run.apply(op).await;
            }
            let sent = run.log.iter().filter(|line| line.contains(" -> ")).count();
            assert_eq!(run.mock.request_count(), sent);
        });
    }
}

/// The path encoding of odd ids is what the test thinks it is.
#[test]
fn odd_ids_are_encoded_as_one_segment() {
    assert_eq!(path_segment("a/b"), "a%2Fb");
    assert_eq!(path_segment("%"), "%25");
    assert_eq!(path_segment(" "), "%20");
    assert_eq!(path_segment("é"), "%C3%A9");
}
