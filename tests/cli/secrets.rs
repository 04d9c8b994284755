//! The key never shows through the CLI: `check` against a mock that echoes
//! the canary key back, in every format, to standard output and to a file;
//! neither stream nor the file may show it (the library's side:
//! `tests/it/secrets.rs`).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::run::{Scratch, run_in};
use crate::support::{CANARY_KEY, OTHER_CANARY, assert_clean, echoing_mock};
use openfunnel_contract::{ApiKey, JobState};

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
                let output = run_in(
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
