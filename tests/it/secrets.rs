//! The key never shows: a canary key runs through the whole suite (against
//! a mock that echoes it back, and a raw server that echoes it in every
//! form), every report format, panics of the `assert_*` checks and the
//! Debug output of every public type that can hold it. It must appear
//! nowhere, and no snapshot may contain a canary. The CLI in every format:
//! `tests/cli/secrets.rs`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::support::{
    CANARY_KEY, OTHER_CANARY, assert_clean, echoing_mock, exchange, panic_message, raw,
};
use openfunnel_contract::mock::MockApi;
use openfunnel_contract::report::{Run, render_json, render_junit, render_run_text, render_text};
use openfunnel_contract::suite::{SuiteOptions, rule, run_suite};
use openfunnel_contract::{
    ApiKey, Config, JobState, Request, SendError, Spec, Target, check_exchange,
};
use reqwest::Method;
use serde_json::json;

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
    let exchange = exchange(Method::GET, "/api/v1/tam/build/x", 500, None, "");
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
        exchange(
            Method::POST,
            "/api/v1/tam/build/x/resume",
            500,
            Some("text/html"),
            "<h1>boom</h1>",
        ),
        exchange(
            Method::GET,
            "/api/v1/tam/build/x",
            200,
            Some("application/json"),
            "{",
        ),
        exchange(Method::DELETE, "/api/v1/tam/build/x", 200, None, ""),
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
            &exchange(Method::GET, "/api/v1/tam/build/x", 503, None, ""),
        )
    });
    assert_clean("assert_exchange panic", &message);
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
