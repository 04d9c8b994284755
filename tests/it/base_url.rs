//! Where requests go: under the base URL's path prefix (a gateway at
//! `/staging`), never to another host or outside the prefix, and a target
//! that cannot be reached is a set-up error before any rule runs.

use std::time::Duration;

use crate::support::CANARY_KEY;
use crate::support::raw::{self, Seen, Server, answer, reply, serve};
use openfunnel_contract::mock::MockApi;
use openfunnel_contract::report::render_text;
use openfunnel_contract::suite::{SuiteOptions, run_suite};
use openfunnel_contract::{ApiKey, Config, Error, JobState, Request, SendError, Target};
use reqwest::Method;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A gateway that serves the mock under `/staging` only; anything else is
/// a 500, which no rule accepts.
async fn gateway(mock: &MockApi) -> Server {
    let backend = mock.address();
    serve(move |seen: Seen, client| async move {
        let Some(rest) = seen.target.strip_prefix("/staging") else {
            return reply(
                client,
                answer("500 Internal Server Error", &[], b"no route"),
            )
            .await;
        };
        let mut upstream = format!("{} {rest} HTTP/1.1\r\n", seen.method);
        for (name, value) in &seen.headers {
            if !name.eq_ignore_ascii_case("connection") {
                upstream.push_str(&format!("{name}: {value}\r\n"));
            }
        }
        upstream.push_str("connection: close\r\n\r\n");
        let mut bytes = upstream.into_bytes();
        bytes.extend_from_slice(&seen.body);
        let mut backend = TcpStream::connect(backend).await.expect("backend");
        backend.write_all(&bytes).await.expect("forward");
        let mut response = Vec::new();
        backend.read_to_end(&mut response).await.expect("answer");
        reply(client, response).await;
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_path_prefix_is_honoured_by_every_request() {
    let mock = MockApi::start().await;
    let gateway = gateway(&mock).await;
    let mut config = Config::live(&format!("{}/staging/", gateway.uri()), mock.api_key()).unwrap();
    config.limits.rps = None;
    config.limits.wait = Duration::from_secs(1);
    for state in [JobState::Completed, JobState::Failed, JobState::Cancelled] {
        config.fixtures.insert(state, mock.fixture(state).unwrap());
    }
    let target = Target::from_config(&config).await.unwrap();
    assert_eq!(target.base_url(), format!("{}/staging", gateway.uri()));
    target.preflight().await.unwrap();
    let options = SuiteOptions {
        cases: Some(4),
        ..SuiteOptions::default()
    };
    let report = run_suite(&target, &options).await;
    assert!(report.passed(), "{}", render_text(&report));
    let seen = gateway.seen();
    assert_eq!(seen.len() as u32, target.requests_sent());
    assert!(seen.len() > 20, "{} requests", seen.len());
    for request in &seen {
        assert!(
            request.target.starts_with("/staging/api/v1/tam/build"),
            "{} {}",
            request.method,
            request.target
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_never_leave_the_base_url() {
    let server = serve(|_, stream| reply(stream, answer("404 Not Found", &[], b""))).await;
    let config = Config::live(
        &format!("{}/staging", server.uri()),
        ApiKey::new(CANARY_KEY),
    )
    .unwrap();
    let target = Target::from_config(&config).await.unwrap();
    let key = target.api_key().clone();
    for path in [
        "@127.0.0.2/api/v1/tam/build/x",
        "/../api/v1/tam/build/x",
        "/./../../api/v1/tam/build/x",
        "/%2e%2e/api/v1/tam/build/x",
        "api/v1/tam/build/x",
    ] {
        match target.send(Request::new(Method::GET, path).key(&key)).await {
            Err(SendError::Blocked { reason }) => {
                assert!(reason.contains("the key only goes to"), "{path}: {reason}")
            }
            other => panic!("{path} must be refused, got {other:?}"),
        }
    }
    assert_eq!(server.count(), 0);
    assert_eq!(target.requests_sent(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preflight_names_an_unreachable_host() {
    let port = raw::closed_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut config = Config::live(&base, ApiKey::new(CANARY_KEY)).unwrap();
    config.limits.timeout = Duration::from_secs(1);
    let target = Target::from_config(&config).await.unwrap();
    let error = target.preflight().await.unwrap_err();
    let text = error.to_string();
    assert!(matches!(error, Error::Target(_)), "{error:?}");
    assert!(
        text.starts_with(&format!("target: cannot reach {base}: could not connect")),
        "{text}"
    );
    assert!(!text.contains('\n'), "{text}");
    assert!(!text.contains(CANARY_KEY));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preflight_accepts_any_http_answer_and_names_a_silent_one() {
    let teapot = serve(|_, stream| reply(stream, answer("418 I'm a teapot", &[], b""))).await;
    let config = Config::live(&teapot.uri(), ApiKey::new("of_test_key")).unwrap();
    let target = Target::from_config(&config).await.unwrap();
    target.preflight().await.unwrap();
    assert_eq!(teapot.count(), 1);

    let silent = serve(|_, stream| raw::hold(stream)).await;
    let mut config = Config::live(&silent.uri(), ApiKey::new("of_test_key")).unwrap();
    config.limits.timeout = Duration::from_secs(1);
    let error = Target::from_config(&config)
        .await
        .unwrap()
        .preflight()
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .ends_with("timed out after 1s (OPENFUNNEL_TIMEOUT_SECS)"),
        "{error}"
    );
}
