//! The harness against hostile servers of our own (127.0.0.1 only): one
//! that never answers, resets, sends garbage, invalid JSON, 50 MB, the
//! wrong content type, endless 500s or 429s, redirects, or drips its
//! answer. Each time the affected rule fails (or, for a 429 within budget,
//! retries and passes) with a message naming the cause, within the
//! configured timeout; nothing panics or hangs.
//!
//! The table [`hostile!`] holds the servers met by one probe (a rule that
//! must fail, or a poll that must get no usable answer) and what the
//! failure must show; each row is a test of its own. The tests after it
//! check behaviour over several requests (retries, backoff, the budget,
//! redirects not followed, bytes left unread, the whole suite).

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use crate::support::CANARY_KEY;
use crate::support::raw::{Server, answer, hold, json, reply, serve, serve_bytes};
use openfunnel_contract::report::redact;
use openfunnel_contract::suite::{Outcome, SuiteOptions, rule, run_suite};
use openfunnel_contract::{
    ApiKey, Config, JobState, Limits, Request, SendError, Target, Violation, ViolationKind,
    check_exchange,
};
use reqwest::Method;
use serde_json::json as j;
use tokio::io::AsyncWriteExt;

/// Fails the test instead of hanging it; far above any honest run here.
async fn bounded<T>(future: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(60), future)
        .await
        .expect("the harness hung")
}

/// Short limits: 1 s per request, 1 s wait, no rate limit.
fn limits() -> Limits {
    Limits {
        max_requests: 300,
        rps: None,
        timeout: Duration::from_secs(1),
        wait: Duration::from_secs(1),
        max_body_bytes: 8 << 20,
    }
}

async fn target_with(server: &Server, limits: Limits) -> Target {
    let mut config = Config::live(&server.uri(), ApiKey::new(CANARY_KEY)).unwrap();
    config.limits = limits;
    Target::from_config(&config).await.unwrap()
}

async fn target(server: &Server) -> Target {
    target_with(server, limits()).await
}

fn options() -> SuiteOptions {
    SuiteOptions {
        cases: Some(2),
        ..SuiteOptions::default()
    }
}

/// Runs one rule; it must fail. Returns its violations.
async fn failures(target: &Target, id: &str) -> Vec<Violation> {
    let report = rule(id).unwrap().run(target, &options()).await;
    match report.outcome {
        Outcome::Fail(violations) => violations,
        other => panic!("{id} must fail, got {other:?} (notes {:?})", report.notes),
    }
}

fn poll(key: &str) -> Request {
    Request::new(
        Method::GET,
        "/api/v1/tam/build/00000000-0000-0000-0000-000000000000",
    )
    .key(&ApiKey::new(key))
}

async fn transport(target: &Target) -> Violation {
    match target.send(poll(CANARY_KEY)).await {
        Err(SendError::Transport(violation)) => *violation,
        other => panic!("expected a transport failure, got {other:?}"),
    }
}

fn text(violation: &Violation) -> String {
    redact(&violation.to_string())
}

// ------------------------------------------------------------ the table

/// How a hostile server treats every request it reads.
#[derive(Clone, Copy)]
enum Serve {
    /// Holds the connection open and never writes.
    Silent,
    /// Resets the connection (RST).
    Reset,
    /// Writes these bytes and closes.
    Bytes(fn() -> Vec<u8>),
    /// The head at once, then one byte of its 1000-byte body every 50 ms.
    DripBody,
    /// The head itself, one byte every 50 ms.
    DripHead,
}

impl Serve {
    async fn start(self) -> Server {
        match self {
            Serve::Silent => serve(|_, stream| hold(stream)).await,
            Serve::Reset => {
                serve(|_, stream| async move {
                    stream.set_zero_linger().unwrap();
                    drop(stream);
                })
                .await
            }
            Serve::Bytes(bytes) => serve_bytes(bytes()).await,
            Serve::DripBody => {
                serve(|_, mut stream| async move {
                    let head = "HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n";
                    if stream.write_all(head.as_bytes()).await.is_err() {
                        return;
                    }
                    for _ in 0..1000 {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        if stream.write_all(b" ").await.is_err() {
                            return;
                        }
                    }
                })
                .await
            }
            Serve::DripHead => {
                serve(|_, mut stream| async move {
                    for byte in b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n".iter().cycle().take(10_000) {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        if stream.write_all(&[*byte]).await.is_err() {
                            return;
                        }
                    }
                })
                .await
            }
        }
    }
}

/// What meets the server.
#[derive(Clone, Copy)]
enum Probe {
    /// This rule runs; it must fail. Its first violation is checked.
    Rule(&'static str),
    /// One poll; it must get no usable answer (a transport failure).
    Poll,
}

/// One hostile server, its probe, and what the failure must show.
struct Hostile {
    serve: Serve,
    probe: Probe,
    /// The violation's kind.
    kind: Option<ViolationKind>,
    /// The status the violation names (`Some(None)`: none came).
    status: Option<Option<u16>>,
    /// Requests the server read in all.
    requests: Option<usize>,
    /// Text the violation must contain, every piece.
    says: &'static [&'static str],
    /// Text the violation must contain, one piece at least.
    says_one_of: &'static [&'static str],
    /// The snapshot of the violation, redacted (`hostile__<name>.snap`).
    snapshot: Option<&'static str>,
}

impl Hostile {
    const fn new(serve: Serve, probe: Probe) -> Hostile {
        Hostile {
            serve,
            probe,
            kind: None,
            status: None,
            requests: None,
            says: &[],
            says_one_of: &[],
            snapshot: None,
        }
    }
}

async fn check(case: &Hostile) {
    bounded(async {
        let server = case.serve.start().await;
        let target = target(&server).await;
        let v = match case.probe {
            Probe::Rule(id) => failures(&target, id).await.swap_remove(0),
            Probe::Poll => transport(&target).await,
        };
        if let Some(kind) = case.kind {
            assert_eq!(v.kind, kind, "{v}");
        }
        if let Some(status) = case.status {
            assert_eq!(v.status, status, "{v}");
        }
        let message = v.to_string();
        for part in case.says {
            assert!(message.contains(part), "{part:?} in {message}");
        }
        if !case.says_one_of.is_empty() {
            assert!(
                case.says_one_of.iter().any(|part| message.contains(part)),
                "one of {:?} in {message}",
                case.says_one_of
            );
        }
        if let Some(requests) = case.requests {
            assert_eq!(server.count(), requests, "requests the server read");
        }
        if let Some(name) = case.snapshot {
            snapshot!(name, text(&v));
        }
    })
    .await;
}

/// `name => Hostile { … },`: one test per row.
macro_rules! hostile {
    ($($(#[$doc:meta])* $name:ident => $case:expr,)*) => {$(
        $(#[$doc])*
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            check(&$case).await;
        }
    )*};
}

fn missing_key_422() -> Vec<u8> {
    json(
        "422 Unprocessable Entity",
        &j!({"detail": [{"loc": ["header", "x-api-key"], "msg": "Field required", "type": "missing"}]}),
    )
}

fn too_many_requests_retry_at_once() -> Vec<u8> {
    answer("429 Too Many Requests", &[("retry-after", "0")], b"")
}

hostile! {
    /// A timeout says nothing about the job ID: no shrink step resends it.
    a_server_that_never_answers_times_out_once_without_shrinking => Hostile {
        kind: Some(ViolationKind::Transport),
        requests: Some(1),
        says: &["timed out after 1s"],
        snapshot: Some("hostile_never_answers"),
        ..Hostile::new(Serve::Silent, Probe::Rule("unknown-job-404"))
    },
    a_reset_connection_is_a_transport_failure => Hostile {
        says: &["got no answer"],
        says_one_of: &["reset", "closed"],
        ..Hostile::new(Serve::Reset, Probe::Poll)
    },
    a_reset_connection_fails_the_rule => Hostile {
        kind: Some(ViolationKind::Transport),
        ..Hostile::new(Serve::Reset, Probe::Rule("missing-key-422"))
    },
    an_ssh_banner_is_a_transport_failure => Hostile {
        kind: Some(ViolationKind::Transport),
        ..Hostile::new(Serve::Bytes(|| b"SSH-2.0-OpenSSH_9.6\r\n".to_vec()), Probe::Poll)
    },
    an_empty_answer_is_a_transport_failure => Hostile {
        kind: Some(ViolationKind::Transport),
        ..Hostile::new(Serve::Bytes(Vec::new), Probe::Poll)
    },
    a_body_shorter_than_its_content_length_is_a_transport_failure => Hostile {
        kind: Some(ViolationKind::Transport),
        ..Hostile::new(
            Serve::Bytes(|| b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc".to_vec()),
            Probe::Poll,
        )
    },
    a_2_mib_header_is_a_transport_failure => Hostile {
        kind: Some(ViolationKind::Transport),
        ..Hostile::new(
            Serve::Bytes(|| format!("HTTP/1.1 200 OK\r\nx-huge: {}\r\n\r\n", "a".repeat(2 << 20)).into_bytes()),
            Probe::Poll,
        )
    },
    two_content_lengths_are_a_transport_failure => Hostile {
        kind: Some(ViolationKind::Transport),
        ..Hostile::new(
            Serve::Bytes(|| b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-length: 7\r\n\r\nabcdefg".to_vec()),
            Probe::Poll,
        )
    },
    invalid_json_served_as_json_fails_the_body_check => Hostile {
        kind: Some(ViolationKind::InvalidJson),
        snapshot: Some("hostile_invalid_json"),
        ..Hostile::new(
            Serve::Bytes(|| answer("200 OK", &[("content-type", "application/json")], br#"{"job_id": "x", "status": "#)),
            Probe::Rule("unknown-job-404"),
        )
    },
    /// 422 documents a JSON body (404 documents none, so any type goes).
    a_wrong_content_type_is_named => Hostile {
        kind: Some(ViolationKind::ContentType),
        snapshot: Some("hostile_wrong_content_type"),
        ..Hostile::new(
            Serve::Bytes(|| answer(
                "422 Unprocessable Entity",
                &[("content-type", "text/html; charset=utf-8")],
                b"<html><body>Unprocessable</body></html>",
            )),
            Probe::Rule("missing-key-422"),
        )
    },
    endless_500s_fail_at_once_and_are_not_retried => Hostile {
        kind: Some(ViolationKind::ServerError),
        requests: Some(1),
        snapshot: Some("hostile_500"),
        ..Hostile::new(
            Serve::Bytes(|| json("500 Internal Server Error", &j!({"detail": "Internal Server Error"}))),
            Probe::Rule("missing-key-422"),
        )
    },
    a_retry_after_beyond_the_wait_limit_gives_up_at_once => Hostile {
        requests: Some(1),
        snapshot: Some("hostile_retry_after_too_long"),
        ..Hostile::new(
            Serve::Bytes(|| answer("429 Too Many Requests", &[("retry-after", "3600")], b"")),
            Probe::Poll,
        )
    },
    endless_429s_give_up_after_five_retries => Hostile {
        requests: Some(6),
        snapshot: Some("hostile_endless_429"),
        ..Hostile::new(Serve::Bytes(too_many_requests_retry_at_once), Probe::Poll)
    },
    a_redirect_fails_the_rule => Hostile {
        snapshot: Some("hostile_redirect"),
        ..Hostile::new(
            Serve::Bytes(|| answer("307 Temporary Redirect", &[("location", "/")], b"")),
            Probe::Rule("unknown-job-404"),
        )
    },
    a_slow_body_drip_is_cut_by_the_request_timeout => Hostile {
        status: Some(Some(404)),
        says: &["timed out after 1s", "the body"],
        ..Hostile::new(Serve::DripBody, Probe::Poll)
    },
    a_slow_head_drip_is_cut_by_the_request_timeout => Hostile {
        status: Some(None),
        says: &["timed out after 1s"],
        ..Hostile::new(Serve::DripHead, Probe::Poll)
    },
}

// ------------------------------------------- over several requests

/// Streams up to 50 MB of JSON-looking bytes, chunked or with a
/// Content-Length; counts what it managed to write.
async fn fifty_megabytes(chunked: bool) -> (Server, Arc<AtomicUsize>, Arc<AtomicBool>) {
    const TOTAL: usize = 50 << 20;
    let written = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let (w, d) = (written.clone(), done.clone());
    let server = serve(move |_, mut stream| {
        let (written, done) = (w.clone(), d.clone());
        async move {
            let framing = if chunked {
                "transfer-encoding: chunked".to_owned()
            } else {
                format!("content-length: {TOTAL}")
            };
            let head =
                format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{framing}\r\n\r\n");
            if stream.write_all(head.as_bytes()).await.is_ok() {
                let block = vec![b' '; 64 << 10];
                while written.load(Ordering::SeqCst) < TOTAL {
                    let frame = if chunked {
                        let mut f = format!("{:x}\r\n", block.len()).into_bytes();
                        f.extend_from_slice(&block);
                        f.extend_from_slice(b"\r\n");
                        f
                    } else {
                        block.clone()
                    };
                    if stream.write_all(&frame).await.is_err() {
                        break;
                    }
                    written.fetch_add(block.len(), Ordering::SeqCst);
                }
            }
            done.store(true, Ordering::SeqCst);
        }
    })
    .await;
    (server, written, done)
}

async fn stopped_early(written: &AtomicUsize, done: &AtomicBool) -> usize {
    while !done.load(Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    written.load(Ordering::SeqCst)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_50_mb_body_is_cut_at_the_8_mib_cap() {
    bounded(async {
        let (server, written, done) = fifty_megabytes(true).await;
        let v = transport(&target(&server).await).await;
        let message = v.to_string();
        assert!(
            message.contains("over the cap of 8388608 bytes; stopped reading"),
            "{message}"
        );
        let sent = stopped_early(&written, &done).await;
        assert!(sent < 50 << 20, "the client read all {sent} bytes");

        let (server, written, done) = fifty_megabytes(false).await;
        let v = transport(&target(&server).await).await;
        assert_eq!(v.status, Some(200));
        snapshot!("hostile_50_mb_content_length", text(&v));
        let sent = stopped_early(&written, &done).await;
        assert!(sent < 50 << 20, "the client read all {sent} bytes");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_body_cap_is_a_limit_of_the_client() {
    bounded(async {
        let body = j!({"detail": "x".repeat(2000)});
        let server = serve_bytes(json("404 Not Found", &body)).await;
        let small = Limits {
            max_body_bytes: 1024,
            ..limits()
        };
        let v = match target_with(&server, small)
            .await
            .send(poll(CANARY_KEY))
            .await
        {
            Err(SendError::Transport(v)) => v,
            other => panic!("{other:?}"),
        };
        assert!(v.to_string().contains("over the cap of 1024 bytes"), "{v}");
        let roomy = Limits {
            max_body_bytes: 4096,
            ..limits()
        };
        let exchange = target_with(&server, roomy)
            .await
            .send(poll(CANARY_KEY))
            .await
            .unwrap();
        assert_eq!(exchange.response.body.len(), body.to_string().len());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_with_retry_after_is_retried_and_the_rule_passes() {
    bounded(async {
        // Every other request is rate-limited with Retry-After: 0.
        let server = serve(|seen, stream| {
            let answer = if seen.index % 2 == 0 {
                too_many_requests_retry_at_once()
            } else {
                missing_key_422()
            };
            reply(stream, answer)
        })
        .await;
        let target = target(&server).await;
        let report = rule("missing-key-422")
            .unwrap()
            .run(&target, &options())
            .await;
        assert_eq!(report.outcome, Outcome::Pass, "{:?}", report.notes);
        assert_eq!(server.count(), 10, "5 requests, each after one 429");
        assert_eq!(
            target.requests_sent(),
            10,
            "retries count against the budget"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_without_retry_after_backs_off_within_the_wait_limit() {
    bounded(async {
        let server = serve(|seen, stream| {
            let answer = if seen.index == 0 {
                answer("429 Too Many Requests", &[], b"")
            } else {
                json(
                    "404 Not Found",
                    &j!({"detail": "Job not found for this API key"}),
                )
            };
            reply(stream, answer)
        })
        .await;
        let short_wait = Limits {
            wait: Duration::from_millis(300),
            ..limits()
        };
        let exchange = target_with(&server, short_wait)
            .await
            .send(poll(CANARY_KEY))
            .await
            .unwrap();
        assert_eq!(exchange.status(), 404);
        let seen = server.seen();
        assert_eq!(seen.len(), 2);
        // The backoff (1 s, capped at the 300 ms wait limit) was honoured.
        let gap = seen[1].at - seen[0].at;
        assert!(gap >= Duration::from_millis(250), "retried after {gap:?}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_429s_stop_at_the_budget() {
    bounded(async {
        let server = serve_bytes(too_many_requests_retry_at_once()).await;
        let tight = Limits {
            max_requests: 3,
            ..limits()
        };
        let result = target_with(&server, tight)
            .await
            .send(poll(CANARY_KEY))
            .await;
        assert!(
            matches!(result, Err(SendError::Budget { max_requests: 3 })),
            "{result:?}"
        );
        assert_eq!(server.count(), 3);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_are_reported_not_followed() {
    bounded(async {
        let elsewhere = serve_bytes(json("404 Not Found", &j!({"detail": "x"}))).await;
        for location in [
            "/api/v1/tam/build/00000000-0000-0000-0000-000000000000".to_owned(),
            format!("{}/api/v1/tam/build/x", elsewhere.uri()),
        ] {
            let server =
                serve_bytes(answer("302 Found", &[("location", location.as_str())], b"")).await;
            let target = target(&server).await;
            let exchange = target.send(poll(CANARY_KEY)).await.unwrap();
            assert_eq!(exchange.status(), 302);
            let v = check_exchange(target.spec(), &exchange).unwrap_err();
            assert_eq!(v.kind, ViolationKind::UndocumentedStatus);
            assert_eq!(server.count(), 1, "the loop was not followed");
        }
        assert_eq!(elsewhere.count(), 0, "the key never went to another server");
    })
    .await;
}

/// The servers the whole suite meets at once.
const WHOLE_SUITE: [Serve; 8] = [
    Serve::Silent,
    Serve::Reset,
    Serve::Bytes(|| answer("200 OK", &[("content-type", "application/json")], b"{")),
    Serve::Bytes(|| answer("200 OK", &[("content-type", "text/plain")], b"ok")),
    Serve::Bytes(|| json("500 Internal Server Error", &j!({}))),
    Serve::Bytes(too_many_requests_retry_at_once),
    Serve::Bytes(|| answer("301 Moved Permanently", &[("location", "/")], b"")),
    Serve::Bytes(|| b"garbage\r\n\r\n".to_vec()),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_suite_survives_every_hostile_server() {
    bounded(async {
        let mut runs = tokio::task::JoinSet::new();
        for serve in WHOLE_SUITE {
            let server = serve.start().await;
            runs.spawn(async move {
                let mut config = Config::live(&server.uri(), ApiKey::new(CANARY_KEY)).unwrap();
                config.limits = limits();
                config.other_api_key = Some(ApiKey::new("of_other_tenant_key"));
                for state in [JobState::Completed, JobState::Paused, JobState::Running] {
                    config.fixtures.insert(state, format!("fixture-{state}"));
                }
                let target = Target::from_config(&config).await.unwrap();
                let report = run_suite(&target, &options()).await;
                let text = openfunnel_contract::report::render_text(&report);
                assert!(!report.passed(), "{text}");
                assert!(!text.contains(CANARY_KEY));
                (server.uri(), report.requests)
            });
        }
        while let Some(run) = runs.join_next().await {
            let (uri, requests) = run.expect("no panic");
            assert!(requests <= 300, "{uri}: {requests}");
        }
    })
    .await;
}
