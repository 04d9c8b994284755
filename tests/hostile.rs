//! The harness against hostile servers of our own (127.0.0.1 only): one
//! that never answers, resets, sends invalid JSON, 50 MB, the wrong content
//! type, endless 500s or 429s, redirects, or drips its answer. Each time
//! the affected rule fails (or, for a 429 within budget, retries and
//! passes) with a message naming the cause, within the configured
//! timeout; nothing panics or hangs.

mod common;
#[path = "support/raw.rs"]
mod raw;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use common::CANARY_KEY;
use openfunnel_contract::report::redact;
use openfunnel_contract::suite::{Outcome, SuiteOptions, rule, run_suite};
use openfunnel_contract::{
    ApiKey, Config, JobState, Limits, Request, SendError, Target, Violation, ViolationKind,
    check_exchange,
};
use raw::{Server, answer, hold, json, reply, serve, serve_bytes};
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_never_answers_times_out_once_without_shrinking() {
    bounded(async {
        let server = serve(|_, stream| hold(stream)).await;
        let target = target(&server).await;
        let v = failures(&target, "unknown-job-404").await;
        assert_eq!(v[0].kind, ViolationKind::Transport);
        assert!(v[0].to_string().contains("timed out after 1s"), "{}", v[0]);
        // A timeout says nothing about the job ID: no shrink step resends it.
        assert_eq!(server.count(), 1);
        snapshot!("hostile_never_answers", text(&v[0]));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_connection_is_a_transport_failure() {
    bounded(async {
        let server = serve(|_, stream| async move {
            stream.set_zero_linger().unwrap();
            drop(stream);
        })
        .await;
        let target = target(&server).await;
        let v = transport(&target).await;
        let message = v.to_string();
        assert!(message.contains("got no answer"), "{message}");
        assert!(
            message.contains("reset") || message.contains("closed"),
            "{message}"
        );
        let v = failures(&target, "missing-key-422").await;
        assert_eq!(v[0].kind, ViolationKind::Transport);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_and_empty_answers_are_transport_failures() {
    bounded(async {
        for bytes in [
            b"SSH-2.0-OpenSSH_9.6\r\n".to_vec(),
            Vec::new(),
            b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc".to_vec(),
            format!("HTTP/1.1 200 OK\r\nx-huge: {}\r\n\r\n", "a".repeat(2 << 20)).into_bytes(),
            b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-length: 7\r\n\r\nabcdefg".to_vec(),
        ] {
            let server = serve_bytes(bytes).await;
            let v = transport(&target(&server).await).await;
            assert_eq!(v.kind, ViolationKind::Transport, "{v}");
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_json_served_as_json_fails_the_body_check() {
    bounded(async {
        let server = serve_bytes(answer(
            "200 OK",
            &[("content-type", "application/json")],
            br#"{"job_id": "x", "status": "#,
        ))
        .await;
        let v = failures(&target(&server).await, "unknown-job-404").await;
        assert_eq!(v[0].kind, ViolationKind::InvalidJson);
        snapshot!("hostile_invalid_json", text(&v[0]));
    })
    .await;
}

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
async fn a_wrong_content_type_is_named() {
    bounded(async {
        // 422 documents a JSON body (404 documents none, so any type goes).
        let server = serve_bytes(answer(
            "422 Unprocessable Entity",
            &[("content-type", "text/html; charset=utf-8")],
            b"<html><body>Unprocessable</body></html>",
        ))
        .await;
        let v = failures(&target(&server).await, "missing-key-422").await;
        assert_eq!(v[0].kind, ViolationKind::ContentType);
        snapshot!("hostile_wrong_content_type", text(&v[0]));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_500s_fail_at_once_and_are_not_retried() {
    bounded(async {
        let server = serve_bytes(json(
            "500 Internal Server Error",
            &j!({"detail": "Internal Server Error"}),
        ))
        .await;
        let v = failures(&target(&server).await, "missing-key-422").await;
        assert_eq!(v[0].kind, ViolationKind::ServerError);
        assert_eq!(server.count(), 1);
        snapshot!("hostile_500", text(&v[0]));
    })
    .await;
}

fn missing_key_422() -> Vec<u8> {
    json(
        "422 Unprocessable Entity",
        &j!({"detail": [{"loc": ["header", "x-api-key"], "msg": "Field required", "type": "missing"}]}),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_with_retry_after_is_retried_and_the_rule_passes() {
    bounded(async {
        // Every other request is rate-limited with Retry-After: 0.
        let server = serve(|seen, stream| {
            let answer = if seen.index % 2 == 0 {
                answer("429 Too Many Requests", &[("retry-after", "0")], b"")
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
async fn a_retry_after_beyond_the_wait_limit_gives_up_at_once() {
    bounded(async {
        let server = serve_bytes(answer(
            "429 Too Many Requests",
            &[("retry-after", "3600")],
            b"",
        ))
        .await;
        let v = transport(&target(&server).await).await;
        assert_eq!(server.count(), 1);
        snapshot!("hostile_retry_after_too_long", text(&v));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_429s_give_up_after_five_retries_or_at_the_budget() {
    bounded(async {
        let server = serve_bytes(answer(
            "429 Too Many Requests",
            &[("retry-after", "0")],
            b"",
        ))
        .await;
        let v = transport(&target(&server).await).await;
        assert_eq!(server.count(), 6);
        snapshot!("hostile_endless_429", text(&v));

        let server = serve_bytes(answer(
            "429 Too Many Requests",
            &[("retry-after", "0")],
            b"",
        ))
        .await;
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
        let server = serve_bytes(answer("307 Temporary Redirect", &[("location", "/")], b"")).await;
        let v = failures(&target(&server).await, "unknown-job-404").await;
        snapshot!("hostile_redirect", text(&v[0]));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_drip_is_cut_by_the_request_timeout() {
    bounded(async {
        // The head at once, then one byte of the body every 50 ms.
        let body_drip = serve(|_, mut stream| async move {
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
        .await;
        let v = transport(&target(&body_drip).await).await;
        assert_eq!(v.status, Some(404));
        assert!(v.to_string().contains("timed out after 1s"), "{v}");
        let message = text(&v);
        assert!(message.contains("the body"), "{message}");

        // The head itself, one byte every 50 ms.
        let head_drip = serve(|_, mut stream| async move {
            for byte in b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n".iter().cycle().take(10_000) {
                tokio::time::sleep(Duration::from_millis(50)).await;
                if stream.write_all(&[*byte]).await.is_err() {
                    return;
                }
            }
        })
        .await;
        let v = transport(&target(&head_drip).await).await;
        assert_eq!(v.status, None);
        assert!(v.to_string().contains("timed out after 1s"), "{v}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_suite_survives_every_hostile_server() {
    bounded(async {
        let behaviours: Vec<Server> = vec![
            serve(|_, stream| hold(stream)).await,
            serve(|_, stream| async move {
                stream.set_zero_linger().unwrap();
            })
            .await,
            serve_bytes(answer(
                "200 OK",
                &[("content-type", "application/json")],
                b"{",
            ))
            .await,
            serve_bytes(answer("200 OK", &[("content-type", "text/plain")], b"ok")).await,
            serve_bytes(json("500 Internal Server Error", &j!({}))).await,
            serve_bytes(answer(
                "429 Too Many Requests",
                &[("retry-after", "0")],
                b"",
            ))
            .await,
            serve_bytes(answer("301 Moved Permanently", &[("location", "/")], b"")).await,
            serve_bytes(b"garbage\r\n\r\n".to_vec()).await,
        ];
        let mut runs = tokio::task::JoinSet::new();
        for server in behaviours {
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
