//! `openfunnel-contract proxy`: a set-up error without an upstream; a run
//! in front of the mock that prints each finding on stderr as it happens,
//! reports at SIGTERM and exits 1 with `--fail-on-violation`.

use std::io::{BufRead as _, BufReader, Read as _};
use std::process::{Command, Stdio};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::run::{Scratch, run_in};
use crate::support::{CANARY_KEY, assert_clean};
use openfunnel_contract::JobState;
use openfunnel_contract::mock::MockApi;

/// The status of a bare HTTP/1.1 GET (no TLS stack needed in this test).
async fn get(address: &str, target: &str, key: Option<&str>) -> u16 {
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    let key = key.map_or(String::new(), |k| format!("x-api-key: {k}\r\n"));
    let head =
        format!("GET {target} HTTP/1.1\r\nhost: {address}\r\n{key}connection: close\r\n\r\n");
    stream.write_all(head.as_bytes()).await.expect("write");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("read");
    let text = String::from_utf8_lossy(&answer);
    text.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status in {text:?}"))
}

#[test]
fn a_proxy_without_an_upstream_is_a_setup_error() {
    let dir = Scratch::new("proxy-no-upstream");
    let output = run_in(&dir, &["proxy"], &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with("openfunnel-contract: error: OPENFUNNEL_UPSTREAM: required"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_reports_at_sigterm_and_fails_on_a_violation() {
    let mock = MockApi::start().await;
    let dir = Scratch::new("proxy-run");
    let mut child = Command::new(env!("CARGO_BIN_EXE_openfunnel-contract"))
        .args([
            "proxy",
            "--port",
            "0",
            "--format",
            "json",
            "--fail-on-violation",
        ])
        .current_dir(&dir.0)
        .env_clear()
        .env("OPENFUNNEL_UPSTREAM", mock.uri())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the CLI");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut banner = String::new();
    stderr.read_line(&mut banner).expect("the banner");
    let uri = banner
        .split_whitespace()
        .find(|word| word.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no address in {banner:?}"))
        .to_owned();
    let job = mock.fixture(JobState::Completed).unwrap();
    let target = format!("/api/v1/tam/build/{job}");
    let address = uri.trim_start_matches("http://");
    assert_eq!(
        get(address, &target, Some(CANARY_KEY)).await,
        404,
        "another tenant's key: forwarded as sent"
    );
    assert_eq!(get(address, &target, None).await, 422);
    let mut line = String::new();
    stderr.read_line(&mut line).expect("a finding");
    assert!(line.starts_with("CLIENT MISTAKE "), "{line}");
    assert!(line.contains("[client-missing-key]"), "{line}");
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = child.wait().expect("the proxy exits");
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    assert_eq!(status.code(), Some(1), "{stdout}{rest}");
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("a JSON report");
    assert_eq!(report["totals"]["exchanges_seen"], 2);
    assert_eq!(report["totals"]["client_mistakes"], 1);
    assert_eq!(report["totals"]["server_faults"], 0);
    assert_clean(
        "the proxy's output",
        &format!("{banner}{line}{rest}{stdout}"),
    );
}
