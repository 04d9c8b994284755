//! Bad input to the CLI: each mistake gives one clear line on standard
//! error, nothing on standard output, and exit code 2, before any request
//! is sent. Never a panic (exit 101), never a run against the wrong target.

use crate::run::{Scratch, run_in};
use crate::support::{CANARY_KEY, raw};

/// Runs `check` with `env` and the extra `args`; asserts the set-up error
/// contract and returns the one stderr line.
fn setup_error(label: &str, args: &[&str], env: &[(&str, &str)]) -> String {
    let dir = Scratch::new(label);
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    let output = run_in(&dir, &all, env);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(output.status.code(), Some(2), "{label}: {stderr}{stdout}");
    assert_eq!(stdout, "", "{label}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{label}: one line, got {stderr:?}");
    assert!(
        lines[0].starts_with("openfunnel-contract: error: "),
        "{label}: {stderr}"
    );
    assert!(!stderr.contains(CANARY_KEY), "{label}: the key leaked");
    lines[0]
        .trim_start_matches("openfunnel-contract: error: ")
        .to_owned()
}

const LIVE: [(&str, &str); 2] = [
    ("OPENFUNNEL_TARGET", "live"),
    ("OPENFUNNEL_API_KEY", CANARY_KEY),
];

fn live_with<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut env = LIVE.to_vec();
    env.extend_from_slice(extra);
    env
}

#[test]
fn a_malformed_spec_file_is_a_setup_error() {
    let dir = Scratch::new("bad-spec");
    let cases = [
        (
            "not-json.json",
            "{ \"openapi\": ",
            "the spec is not valid JSON",
        ),
        ("empty.json", "{}", "the spec is malformed"),
        (
            "swagger.json",
            r#"{"swagger": "2.0"}"#,
            "the spec is malformed",
        ),
    ];
    for (name, content, expected) in cases {
        let path = dir.path(name);
        std::fs::write(&path, content).unwrap();
        let path = path.to_str().unwrap();
        let line = setup_error(name, &["--spec", path], &[]);
        assert!(line.starts_with(expected), "{name}: {line}");
        let line = setup_error(name, &[], &[("OPENFUNNEL_SPEC", path)]);
        assert!(line.starts_with(expected), "{name} (env): {line}");
    }
    let line = setup_error(
        "missing-spec",
        &["--spec", "/nonexistent/openapi.json"],
        &[],
    );
    assert!(line.starts_with("cannot read the spec file"), "{line}");
}

#[test]
fn an_unknown_target_is_a_setup_error() {
    for target in ["staging", "LIVE", "moc"] {
        let line = setup_error(
            "target",
            &[],
            &[
                ("OPENFUNNEL_TARGET", target),
                ("OPENFUNNEL_API_KEY", CANARY_KEY),
            ],
        );
        assert_eq!(
            line,
            format!("OPENFUNNEL_TARGET: {target:?} is not a target; use \"mock\" or \"live\"")
        );
    }
    let line = setup_error("target-flag", &["--target", "prod"], &[]);
    assert!(line.starts_with("OPENFUNNEL_TARGET: \"prod\""), "{line}");
}

#[test]
fn a_budget_that_is_not_a_whole_number_is_a_setup_error() {
    for budget in ["lots", "2.5", "-1", "0", "1e3", "99999999999"] {
        let line = setup_error("budget", &[], &[("OPENFUNNEL_MAX_REQUESTS", budget)]);
        assert_eq!(
            line,
            format!(
                "OPENFUNNEL_MAX_REQUESTS: {budget:?} is not a whole number from 1 to 4294967295"
            )
        );
    }
    let line = setup_error("budget-flag", &["--max-requests", "ten"], &[]);
    assert!(
        line.starts_with("OPENFUNNEL_MAX_REQUESTS: \"ten\""),
        "{line}"
    );
}

#[test]
fn other_bad_numbers_are_setup_errors_not_panics() {
    for (var, value) in [
        ("OPENFUNNEL_TIMEOUT_SECS", "1e30"),
        ("OPENFUNNEL_TIMEOUT_SECS", "NaN"),
        ("OPENFUNNEL_WAIT_SECS", "inf"),
        ("OPENFUNNEL_WAIT_SECS", "99999999999999999999"),
        ("OPENFUNNEL_RPS", "0"),
        ("OPENFUNNEL_RPS", "fast"),
        ("OPENFUNNEL_MOCK_SEED", "-3"),
        ("OPENFUNNEL_ALLOW_WRITES", "yes"),
    ] {
        let line = setup_error(var, &[], &live_with(&[(var, value)]));
        assert!(line.starts_with(&format!("{var}: {value:?}")), "{line}");
    }
}

#[test]
fn a_base_url_that_does_not_parse_is_a_setup_error() {
    for url in [
        "not a url",
        "http://",
        "ftp://example.test",
        "http://[::1",
        "https://h/x?y=1",
    ] {
        let line = setup_error("base-url", &[], &live_with(&[("OPENFUNNEL_BASE_URL", url)]));
        assert!(line.starts_with("OPENFUNNEL_BASE_URL: "), "{url}: {line}");
    }
    // Credentials in the URL are refused without being echoed.
    let line = setup_error(
        "base-url-credentials",
        &[],
        &live_with(&[(
            "OPENFUNNEL_BASE_URL",
            "https://user:s3cr3t-pw@example.test/",
        )]),
    );
    assert!(line.contains("must not carry credentials"), "{line}");
    assert!(!line.contains("s3cr3t-pw"), "{line}");
}

#[test]
fn a_key_that_cannot_be_a_header_is_a_setup_error_that_does_not_show_it() {
    let key = format!("{CANARY_KEY}\u{7f}x");
    let line = setup_error(
        "bad-key",
        &[],
        &[("OPENFUNNEL_TARGET", "live"), ("OPENFUNNEL_API_KEY", &key)],
    );
    assert!(
        line.starts_with("OPENFUNNEL_API_KEY: holds characters"),
        "{line}"
    );
}

#[test]
fn live_without_a_key_never_falls_back_to_the_mock() {
    let line = setup_error("no-key", &[], &[("OPENFUNNEL_TARGET", "live")]);
    assert!(line.starts_with("OPENFUNNEL_API_KEY: required"), "{line}");
}

#[test]
fn an_unreachable_host_is_a_setup_error_before_any_rule_runs() {
    let base = format!("http://127.0.0.1:{}", raw::closed_port());
    let line = setup_error(
        "unreachable",
        &[],
        &live_with(&[
            ("OPENFUNNEL_BASE_URL", &base),
            ("OPENFUNNEL_TIMEOUT_SECS", "2"),
        ]),
    );
    assert!(
        line.starts_with(&format!("target: cannot reach {base}: could not connect")),
        "{line}"
    );
}
