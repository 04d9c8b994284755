//! The key never shows: a canary key runs through the whole suite (against
//! a mock that echoes it back, and a raw server that echoes it in every
//! form), every report format, the CLI in every format, panics of the
//! `assert_*` checks and the Debug output of every public type that can
//! hold it. It must appear nowhere, and no snapshot may contain a canary.

#[path = "support/cli.rs"]
mod cli;
mod common;
#[path = "support/raw.rs"]
mod raw;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cli::{Scratch, run};
use common::{CANARY_KEY, panic_message};
use openfunnel_contract::mock::{Answer, Call, MockApi};
use openfunnel_contract::report::{Run, render_json, render_junit, render_run_text, render_text};
use openfunnel_contract::suite::{SuiteOptions, rule, run_suite};
use openfunnel_contract::{
    ApiKey, Config, JobState, Request, SendError, Spec, Target, check_exchange,
};
use reqwest::Method;
use serde_json::json;

/// The second tenant's canary.
const OTHER_CANARY: &str = "of_canary_other_0a1b2c3d4e";

/// Every canary starts with this; no output may contain it.
const CANARY_PREFIX: &str = "of_canary_";

#[track_caller]
fn assert_clean(what: &str, text: &str) {
    for canary in [CANARY_KEY, OTHER_CANARY, CANARY_PREFIX] {
        assert!(!text.contains(canary), "{what} shows {canary}:\n{text}");
    }
}

/// A mock that echoes the caller's key wherever it can: in every JSON body
/// (a FastAPI-style 422 `input`, for unknown jobs), in a header, and in a
/// 500 for every resume. Counts the echoes.
async fn echoing_mock(echoes: Arc<AtomicUsize>) -> MockApi {
    MockApi::builder()
        .fault(move |call: &Call, answer: &mut Answer| {
            let Some(key) = call.key.clone() else { return };
            echoes.fetch_add(1, Ordering::SeqCst);
            if answer.status == 404 {
                *answer = Answer::json(
                    422,
                    &json!({"detail": [{"loc": ["header", "x-api-key"], "msg": format!("unknown key {key}"), "type": "value_error", "input": key}]}),
                );
            } else if call.operation == Some(openfunnel_contract::mock::Operation::Resume) {
                *answer = Answer::json(500, &json!({"detail": format!("resume failed for {key}")}));
            } else {
                let mut body = answer.body_json();
                if let Some(object) = body.as_object_mut() {
                    object.insert("echo".into(), json!(key));
                    answer.set_json(&body);
                }
            }
            answer.headers.push(("x-echo".into(), key.clone()));
        })
        .start()
        .await
}

/// A live configuration on the mock with the canaries, every fixture owned
/// by the canary key.
fn canary_config(mock: &MockApi) -> Config {
    let key = ApiKey::new(CANARY_KEY);
    let mut config = Config::live(&mock.uri(), key.clone()).unwrap();
    config.other_api_key = Some(ApiKey::new(OTHER_CANARY));
    config.limits.rps = None;
    config.limits.wait = Duration::from_millis(300);
    for state in JobState::ALL {
        config.fixtures.insert(state, mock.seed_job(&key, state));
    }
    config
}

fn options() -> SuiteOptions {
    SuiteOptions {
        cases: Some(4),
        ..SuiteOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_suite_against_an_echoing_mock_never_shows_the_canary() {
    let echoes = Arc::new(AtomicUsize::new(0));
    let mock = echoing_mock(echoes.clone()).await;
    for allow_writes in [false, true] {
        let mut config = canary_config(&mock);
        config.allow_writes = allow_writes;
        let target = Target::from_config(&config).await.unwrap();
        let report = run_suite(&target, &options()).await;
        assert!(!report.passed(), "the echoing mock must fail some rule");
        let run = Run::new(&target, report.clone());
        for (format, text) in [
            ("text", render_text(&report)),
            ("run text", render_run_text(&run, false)),
            ("colour text", render_run_text(&run, true)),
            ("json", render_json(&run)),
            ("junit", render_junit(&run)),
            ("debug", format!("{report:#?} {run:?} {target:?}")),
        ] {
            assert_clean(format, &text);
        }
        // The echoed key was replaced by its mask, where the mask shows.
        assert!(render_text(&report).contains("of_***"));
    }
    assert!(echoes.load(Ordering::SeqCst) > 50, "the mock did echo");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_raw_server_echoing_the_key_in_every_form_is_scrubbed() {
    let server = raw::serve(|seen, stream| {
        let key = seen.header("x-api-key").unwrap_or("none").to_owned();
        let json_form = serde_json::to_string(&key).unwrap();
        let escaped = json_form.replace('/', "\\/");
        let percent: String = key.bytes().map(|b| format!("%{b:02X}")).collect();
        let body = format!(
            r#"{{"detail": "bad key {key}", "json": {json_form}, "escaped": {escaped}, "url": "/?k={percent}"}}"#
        );
        let location = format!("/login?key={key}");
        let answer = raw::answer(
            "500 Internal Server Error",
            &[
                ("content-type", "application/json"),
                ("x-echo", &key),
                ("location", &location),
            ],
            body.as_bytes(),
        );
        raw::reply(stream, answer)
    })
    .await;
    // A key with characters that JSON and URLs escape differently.
    let key = format!("{CANARY_KEY}/+=");
    let mut config = Config::live(&server.uri(), ApiKey::new(key.as_str())).unwrap();
    config.limits.rps = None;
    config.limits.timeout = Duration::from_secs(2);
    let target = Target::from_config(&config).await.unwrap();
    let poll = Request::new(Method::GET, "/api/v1/tam/build/x").key(target.api_key());
    let exchange = target.send(poll).await.unwrap();
    assert!(server.seen()[0].raw().contains(&key), "the key was sent");
    let violation = check_exchange(target.spec(), &exchange).unwrap_err();
    for (what, text) in [
        ("exchange", format!("{exchange:?}")),
        ("violation", violation.to_string()),
        ("violation debug", format!("{violation:?}")),
    ] {
        assert_clean(what, &text);
        assert!(!text.contains("%2F%2B%3D"), "{what}: {text}");
    }
    assert_eq!(exchange.response.header("x-echo"), Some("of_***"));
    let report = run_suite(&target, &options()).await;
    assert_clean("report", &render_text(&report));
    assert_clean("json", &render_json(&Run::new(&target, report)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_of_every_type_that_can_hold_a_key_hides_it() {
    let key = ApiKey::new(CANARY_KEY);
    let lookup = |name: &str| match name {
        "OPENFUNNEL_TARGET" => Some("live".to_owned()),
        "OPENFUNNEL_API_KEY" => Some(CANARY_KEY.to_owned()),
        "OPENFUNNEL_OTHER_API_KEY" => Some(OTHER_CANARY.to_owned()),
        "OPENFUNNEL_BASE_URL" => Some(format!("http://127.0.0.1:{}", raw::closed_port())),
        "OPENFUNNEL_TIMEOUT_SECS" => Some("1".to_owned()),
        _ => None,
    };
    let config = Config::from_lookup(lookup).unwrap();
    let target = Target::from_config(&config).await.unwrap();
    let request = Request::new(Method::POST, "/api/v1/tam/build/x/cancel")
        .base("https://api.example.test")
        .key(&key)
        .json(&json!({"query": "q"}));
    // A key passed as a plain header is held as the key, not as a header.
    let by_header = Request::new(Method::GET, "/x").header("X-API-Key", CANARY_KEY);
    assert_eq!(
        by_header.api_key.as_ref().map(ApiKey::expose),
        Some(CANARY_KEY)
    );
    let send_error: SendError = target
        .send(Request::new(Method::GET, "/api/v1/tam/build/x").key(&key))
        .await
        .unwrap_err();
    let SendError::Transport(violation) = &send_error else {
        panic!("{send_error:?}")
    };
    let preflight = target.preflight().await.unwrap_err();
    let report = rule("unknown-job-404")
        .unwrap()
        .run(&target, &options())
        .await;
    let exchange = common::exchange(Method::GET, "/api/v1/tam/build/x", 500, None, "");
    for (what, text) in [
        ("ApiKey", format!("{key:?} {key} {:#?}", key)),
        ("Config", format!("{config:?} {config:#?}")),
        ("Target", format!("{target:?} {target:#?}")),
        (
            "Request",
            format!("{request:?} {request:#?} {}", request.curl()),
        ),
        (
            "header Request",
            format!("{by_header:?} {}", by_header.curl()),
        ),
        ("Exchange", format!("{exchange:?}")),
        ("SendError", format!("{send_error:?} {send_error}")),
        ("Violation", format!("{violation:?} {violation}")),
        ("Error", format!("{preflight:?} {preflight}")),
        ("RuleReport", format!("{report:?}")),
        ("Limits", format!("{:?}", target.limits())),
    ] {
        assert_clean(what, &text);
    }
}

#[test]
fn assert_panics_never_show_the_key() {
    let spec = Spec::embedded().unwrap();
    // The request carries the canary; every assert_* that fails must say
    // $OPENFUNNEL_API_KEY instead.
    let exchanges = [
        common::exchange(
            Method::POST,
            "/api/v1/tam/build/x/resume",
            500,
            Some("text/html"),
            "<h1>boom</h1>",
        ),
        common::exchange(
            Method::GET,
            "/api/v1/tam/build/x",
            200,
            Some("application/json"),
            "{",
        ),
        common::exchange(Method::DELETE, "/api/v1/tam/build/x", 200, None, ""),
    ];
    type Assert = fn(&Spec, &openfunnel_contract::Exchange);
    let asserts: [Assert; 6] = [
        openfunnel_contract::assert_exchange,
        openfunnel_contract::assert_no_server_error,
        openfunnel_contract::assert_status,
        openfunnel_contract::assert_content_type,
        openfunnel_contract::assert_operation,
        openfunnel_contract::assert_body,
    ];
    let mut panics = 0;
    for exchange in &exchanges {
        for assert in asserts {
            let result =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| assert(&spec, exchange)));
            if let Err(payload) = result {
                let text = payload
                    .downcast_ref::<String>()
                    .cloned()
                    .unwrap_or_default();
                assert_clean("assert panic", &text);
                assert!(text.contains("$OPENFUNNEL_API_KEY"), "{text}");
                panics += 1;
            }
        }
    }
    assert!(panics >= 6, "{panics} panics");
    let message = panic_message(|| {
        openfunnel_contract::assert_exchange(
            &Spec::embedded().unwrap(),
            &common::exchange(Method::GET, "/api/v1/tam/build/x", 503, None, ""),
        )
    });
    assert_clean("assert_exchange panic", &message);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_in_every_format_never_shows_the_key() {
    let echoes = Arc::new(AtomicUsize::new(0));
    let mock = echoing_mock(echoes.clone()).await;
    let key = ApiKey::new(CANARY_KEY);
    let completed = mock.seed_job(&key, JobState::Completed);
    let paused = mock.seed_job(&key, JobState::Paused);
    let uri = mock.uri();
    let outputs = tokio::task::spawn_blocking(move || {
        let dir = Scratch::new("secrets-cli");
        let mut outputs = Vec::new();
        for format in ["text", "json", "junit"] {
            for to_file in [false, true] {
                let file = dir.path(&format!("report.{format}"));
                let mut args = vec!["check", "--format", format];
                if to_file {
                    args.extend(["--output", file.to_str().unwrap()]);
                }
                let output = run(
                    &dir,
                    &args,
                    &[
                        ("OPENFUNNEL_TARGET", "live"),
                        ("OPENFUNNEL_BASE_URL", &uri),
                        ("OPENFUNNEL_API_KEY", CANARY_KEY),
                        ("OPENFUNNEL_OTHER_API_KEY", OTHER_CANARY),
                        ("OPENFUNNEL_JOB_COMPLETED", &completed),
                        ("OPENFUNNEL_JOB_PAUSED", &paused),
                        ("OPENFUNNEL_RPS", "1000"),
                        ("OPENFUNNEL_TIMEOUT_SECS", "5"),
                        ("OPENFUNNEL_WAIT_SECS", "0.3"),
                        ("PROPTEST_CASES", "4"),
                        ("RUST_BACKTRACE", "1"),
                    ],
                );
                let file_text = if to_file {
                    std::fs::read_to_string(&file).expect("report file")
                } else {
                    String::new()
                };
                outputs.push((format, to_file, output, file_text));
            }
        }
        outputs
    })
    .await
    .unwrap();
    for (format, to_file, output, file_text) in outputs {
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let what = format!("{format} (file {to_file})");
        assert_eq!(output.status.code(), Some(1), "{what}: {stderr}");
        assert_clean(&format!("{what} stdout"), &stdout);
        assert_clean(&format!("{what} stderr"), &stderr);
        assert_clean(&format!("{what} file"), &file_text);
        let report = if to_file {
            file_text
        } else {
            stdout.into_owned()
        };
        assert!(
            report.contains("of_***"),
            "{what}: the mask shows where the echo was"
        );
    }
    assert!(echoes.load(Ordering::SeqCst) > 0);
}

#[test]
fn no_snapshot_contains_a_canary() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots");
    let mut read = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        assert_clean(&path.display().to_string(), &text);
        read += 1;
    }
    assert!(read > 10, "{read} snapshots in {}", dir.display());
}
