//! Every setting, read from `OPENFUNNEL_*` environment variables (each CLI
//! flag is a twin of one of them). A bad value is a hard error; nothing
//! falls back to the mock in silence.

use std::collections::BTreeMap;
use std::time::Duration;

use url::Url;

use crate::{ApiKey, Error, JobState};

/// `mock` (default) or `live`.
pub const TARGET: &str = "OPENFUNNEL_TARGET";
/// Base URL of a live deployment; may carry a path prefix. Default
/// [`DEFAULT_BASE_URL`].
pub const BASE_URL: &str = "OPENFUNNEL_BASE_URL";
/// The live API key. Required when live.
pub const API_KEY: &str = "OPENFUNNEL_API_KEY";
/// A second tenant's key, for the isolation rule. Optional.
pub const OTHER_API_KEY: &str = "OPENFUNNEL_OTHER_API_KEY";
/// ID of an existing completed job of the key (live fixture).
pub const JOB_COMPLETED: &str = "OPENFUNNEL_JOB_COMPLETED";
/// ID of an existing failed job of the key (live fixture).
pub const JOB_FAILED: &str = "OPENFUNNEL_JOB_FAILED";
/// ID of an existing cancelled job of the key (live fixture).
pub const JOB_CANCELLED: &str = "OPENFUNNEL_JOB_CANCELLED";
/// ID of an existing paused job of the key (live fixture).
pub const JOB_PAUSED: &str = "OPENFUNNEL_JOB_PAUSED";
/// ID of an existing running job of the key (live fixture).
pub const JOB_RUNNING: &str = "OPENFUNNEL_JOB_RUNNING";
/// `1` permits calls that can create or continue a build, or change a job
/// the suite did not create. Default off: builds cost money.
pub const ALLOW_WRITES: &str = "OPENFUNNEL_ALLOW_WRITES";
/// Most requests one run may send (retries included).
pub const MAX_REQUESTS: &str = "OPENFUNNEL_MAX_REQUESTS";
/// Most requests per second.
pub const RPS: &str = "OPENFUNNEL_RPS";
/// Per-request timeout, seconds.
pub const TIMEOUT_SECS: &str = "OPENFUNNEL_TIMEOUT_SECS";
/// Deadline for a transient state (pausing, cancelling) to settle, seconds.
pub const WAIT_SECS: &str = "OPENFUNNEL_WAIT_SECS";
/// Report format of the CLI: `text` (default), `json` or `junit`.
pub const FORMAT: &str = "OPENFUNNEL_FORMAT";
/// File the CLI writes its report to (default: standard output).
pub const OUTPUT: &str = "OPENFUNNEL_OUTPUT";
/// Spec file to check against instead of the vendored one.
pub const SPEC: &str = "OPENFUNNEL_SPEC";
/// Seed of the embedded mock's IDs and rows. Default 0.
pub const MOCK_SEED: &str = "OPENFUNNEL_MOCK_SEED";
/// Known-deviations file of the CLI's `check` (JSON; see
/// [`crate::deviations`]). Default: none.
pub const DEVIATIONS: &str = "OPENFUNNEL_DEVIATIONS";
/// Least status coverage, in percent (0–100), below which the CLI's
/// `check` fails (see [`crate::coverage`]). Default: none.
pub const MIN_COVERAGE: &str = "OPENFUNNEL_MIN_COVERAGE";
/// The proxy's upstream: base URL of the service it stands in front of
/// (`openfunnel-contract proxy --upstream`). Required by the proxy.
pub const UPSTREAM: &str = "OPENFUNNEL_UPSTREAM";
/// Port of 127.0.0.1 the proxy listens on (0: a free one). Default 8081.
pub const PROXY_PORT: &str = "OPENFUNNEL_PROXY_PORT";
/// How long the proxy runs before it reports, seconds. Default: until
/// Ctrl-C.
pub const DURATION_SECS: &str = "OPENFUNNEL_DURATION_SECS";
/// `1` makes the proxy exit 1 when it saw a server fault or a client
/// mistake. Default 0.
pub const FAIL_ON_VIOLATION: &str = "OPENFUNNEL_FAIL_ON_VIOLATION";
/// `1` lets the proxy send read-only polls of its own, to learn a job's
/// state before a control call on it. Default 0.
pub const PROBE: &str = "OPENFUNNEL_PROBE";

/// Every variable above, for `--help` texts and for tests.
pub const ALL: [&str; 25] = [
    TARGET,
    BASE_URL,
    API_KEY,
    OTHER_API_KEY,
    JOB_COMPLETED,
    JOB_FAILED,
    JOB_CANCELLED,
    JOB_PAUSED,
    JOB_RUNNING,
    ALLOW_WRITES,
    MAX_REQUESTS,
    RPS,
    TIMEOUT_SECS,
    WAIT_SECS,
    FORMAT,
    OUTPUT,
    SPEC,
    MOCK_SEED,
    DEVIATIONS,
    MIN_COVERAGE,
    UPSTREAM,
    PROXY_PORT,
    DURATION_SECS,
    FAIL_ON_VIOLATION,
    PROBE,
];

/// The production deployment.
pub const DEFAULT_BASE_URL: &str = "https://api.openfunnel.dev";

/// The live fixture variables and the state each promises.
pub(crate) const FIXTURES: [(&str, JobState); 5] = [
    (JOB_COMPLETED, JobState::Completed),
    (JOB_FAILED, JobState::Failed),
    (JOB_CANCELLED, JobState::Cancelled),
    (JOB_PAUSED, JobState::Paused),
    (JOB_RUNNING, JobState::Running),
];

/// Where requests go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    /// The embedded, stateful mock (default).
    Mock,
    /// A real deployment.
    Live,
}

/// Limits on what a run may send.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Most requests per run, retries included. Live default 300;
    /// mock default 100 000. Env: [`MAX_REQUESTS`].
    pub max_requests: u32,
    /// Most requests per second; `None` is unlimited. Live default 5; mock
    /// default unlimited. Env: [`RPS`].
    pub rps: Option<f64>,
    /// Per-request timeout. Default 30 s. Env: [`TIMEOUT_SECS`].
    pub timeout: Duration,
    /// How long a transient state may take to settle. Live default 120 s;
    /// mock default 60 s of mock time. Env: [`WAIT_SECS`].
    pub wait: Duration,
    /// Largest response body read; a larger one is a transport failure
    /// (a `Content-Length` over it is refused unread). 8 MiB; no variable
    /// sets it, a [`Limits`] built in code can.
    pub max_body_bytes: usize,
}

impl Limits {
    /// The defaults for a kind of target.
    pub fn defaults(kind: TargetKind) -> Limits {
        match kind {
            TargetKind::Live => Limits {
                max_requests: 300,
                rps: Some(5.0),
                timeout: Duration::from_secs(30),
                wait: Duration::from_secs(120),
                max_body_bytes: 8 << 20,
            },
            TargetKind::Mock => Limits {
                max_requests: 100_000,
                rps: None,
                timeout: Duration::from_secs(30),
                wait: Duration::from_secs(60),
                max_body_bytes: 8 << 20,
            },
        }
    }

    /// `Err` for limits no client can honour: a rate that is not a positive
    /// finite number, a zero budget. [`Limits`] has public fields, so the
    /// client checks them before it sends anything.
    pub fn check(&self) -> Result<(), Error> {
        if let Some(rps) = self.rps
            && !(rps.is_finite() && rps > 0.0 && Duration::try_from_secs_f64(1.0 / rps).is_ok())
        {
            return Err(Error::config(
                RPS,
                format!("{rps} is not a positive number of requests per second"),
            ));
        }
        if self.max_requests == 0 {
            return Err(Error::config(MAX_REQUESTS, "a budget of 0 sends nothing"));
        }
        Ok(())
    }
}

/// A complete, validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Mock or live. Env: [`TARGET`], default mock.
    pub target: TargetKind,
    /// Live base URL, no trailing slash. Env: [`BASE_URL`].
    pub base_url: String,
    /// Live key. Env: [`API_KEY`]; required when live.
    pub api_key: Option<ApiKey>,
    /// Second tenant's key. Env: [`OTHER_API_KEY`].
    pub other_api_key: Option<ApiKey>,
    /// Live fixtures by state. Env: `OPENFUNNEL_JOB_*`.
    pub fixtures: BTreeMap<JobState, String>,
    /// Writes allowed. Env: [`ALLOW_WRITES`]; default off on live, always
    /// on for the mock (it costs nothing).
    pub allow_writes: bool,
    /// Request budget, rate, timeouts.
    pub limits: Limits,
    /// Seed of the embedded mock. Env: [`MOCK_SEED`], default 0.
    pub mock_seed: u64,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, Error> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup` (an env var name → its value). The
    /// CLI passes its flags first and the environment second.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, Error> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let target = match get(TARGET).as_deref().map(str::trim) {
            None | Some("mock") => TargetKind::Mock,
            Some("live") => TargetKind::Live,
            Some(other) => {
                return Err(Error::config(
                    TARGET,
                    format!("{other:?} is not a target; use \"mock\" or \"live\""),
                ));
            }
        };
        let base_url = parse_base_url(get(BASE_URL).as_deref().unwrap_or(DEFAULT_BASE_URL))?;
        let api_key = get(API_KEY).map(ApiKey::new);
        let other_api_key = get(OTHER_API_KEY).map(ApiKey::new);
        for (var, key) in [(API_KEY, &api_key), (OTHER_API_KEY, &other_api_key)] {
            if let Some(key) = key {
                check_key(var, key)?;
            }
        }
        if target == TargetKind::Live && api_key.is_none() {
            return Err(Error::config(
                API_KEY,
                "required when OPENFUNNEL_TARGET=live (never falls back to the mock); export the key of the deployment under test",
            ));
        }
        let mut fixtures = BTreeMap::new();
        for (var, state) in FIXTURES {
            if let Some(id) = get(var) {
                fixtures.insert(state, id.trim().to_owned());
            }
        }
        let allow_writes = match get(ALLOW_WRITES).as_deref().map(str::trim) {
            None | Some("0") | Some("false") => target == TargetKind::Mock,
            Some("1") | Some("true") => true,
            Some(other) => {
                return Err(Error::config(
                    ALLOW_WRITES,
                    format!("{other:?} is not 1 or 0"),
                ));
            }
        };
        let mut limits = Limits::defaults(target);
        if let Some(n) = get(MAX_REQUESTS) {
            limits.max_requests = match n.trim().parse::<u32>() {
                Ok(n) if n >= 1 => n,
                _ => {
                    return Err(Error::config(
                        MAX_REQUESTS,
                        format!("{n:?} is not a whole number from 1 to {}", u32::MAX),
                    ));
                }
            };
        }
        if let Some(n) = get(RPS) {
            limits.rps = Some(parse_number(RPS, &n, 0.01, f64::MAX)?);
        }
        if let Some(n) = get(TIMEOUT_SECS) {
            limits.timeout = parse_secs(TIMEOUT_SECS, &n, 0.001)?;
        }
        if let Some(n) = get(WAIT_SECS) {
            limits.wait = parse_secs(WAIT_SECS, &n, 0.0)?;
        }
        let mock_seed = match get(MOCK_SEED) {
            Some(n) => n
                .trim()
                .parse()
                .map_err(|_| Error::config(MOCK_SEED, format!("{n:?} is not a whole number")))?,
            None => 0,
        };
        Ok(Config {
            target,
            base_url,
            api_key,
            other_api_key,
            fixtures,
            allow_writes,
            limits,
            mock_seed,
        })
    }

    /// The embedded mock with default limits.
    pub fn mock() -> Config {
        Config {
            target: TargetKind::Mock,
            base_url: DEFAULT_BASE_URL.to_owned(),
            api_key: None,
            other_api_key: None,
            fixtures: BTreeMap::new(),
            allow_writes: true,
            limits: Limits::defaults(TargetKind::Mock),
            mock_seed: 0,
        }
    }

    /// A live deployment at `base_url` with `key`, read-only, default limits.
    pub fn live(base_url: &str, key: ApiKey) -> Result<Config, Error> {
        check_key(API_KEY, &key)?;
        Ok(Config {
            target: TargetKind::Live,
            base_url: parse_base_url(base_url)?,
            api_key: Some(key),
            other_api_key: None,
            fixtures: BTreeMap::new(),
            allow_writes: false,
            limits: Limits::defaults(TargetKind::Live),
            mock_seed: 0,
        })
    }
}

/// The settings of `openfunnel-contract proxy`, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct ProxyConfig {
    /// The service's base URL. Env: [`UPSTREAM`]; required.
    pub upstream: String,
    /// Port on 127.0.0.1. Env: [`PROXY_PORT`], default 8081.
    pub port: u16,
    /// Stop (and report) after this long; `None` runs until Ctrl-C. Env:
    /// [`DURATION_SECS`].
    pub duration: Option<Duration>,
    /// Exit 1 on any violation. Env: [`FAIL_ON_VIOLATION`], default off.
    pub fail_on_violation: bool,
    /// Read-only polls of its own allowed. Env: [`PROBE`], default off.
    pub probe: bool,
    /// Upstream timeout. Env: [`TIMEOUT_SECS`], default 30 s.
    pub timeout: Duration,
}

impl ProxyConfig {
    /// Reads the proxy's settings through `lookup` (flags first, then the
    /// environment, as for [`Config::from_lookup`]).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<ProxyConfig, Error> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let upstream = get(UPSTREAM).ok_or_else(|| {
            Error::config(
                UPSTREAM,
                "required: the base URL of the service the proxy stands in front of",
            )
        })?;
        // The same rules as a base URL, named after the proxy's variable.
        let upstream = parse_base_url(&upstream).map_err(|e| match e {
            Error::Config { reason, .. } => Error::config(UPSTREAM, reason),
            other => other,
        })?;
        let port = match get(PROXY_PORT) {
            None => 8081,
            Some(text) => text.trim().parse().map_err(|_| {
                Error::config(
                    PROXY_PORT,
                    format!("{text:?} is not a port from 0 to 65535"),
                )
            })?,
        };
        let duration = get(DURATION_SECS)
            .map(|text| parse_secs(DURATION_SECS, &text, 0.001))
            .transpose()?;
        let timeout = match get(TIMEOUT_SECS) {
            Some(text) => parse_secs(TIMEOUT_SECS, &text, 0.001)?,
            None => Duration::from_secs(30),
        };
        Ok(ProxyConfig {
            upstream,
            port,
            duration,
            fail_on_violation: parse_switch(FAIL_ON_VIOLATION, get(FAIL_ON_VIOLATION))?,
            probe: parse_switch(PROBE, get(PROBE))?,
            timeout,
        })
    }
}

fn parse_switch(var: &str, value: Option<String>) -> Result<bool, Error> {
    match value.as_deref().map(str::trim) {
        None | Some("0") | Some("false") => Ok(false),
        Some("1") | Some("true") => Ok(true),
        Some(other) => Err(Error::config(var, format!("{other:?} is not 1 or 0"))),
    }
}

fn parse_base_url(text: &str) -> Result<String, Error> {
    let trimmed = text.trim();
    let url = Url::parse(trimmed)
        .map_err(|e| Error::config(BASE_URL, format!("{trimmed:?} is not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(Error::config(
            BASE_URL,
            format!("{trimmed:?} is not an http(s) URL with a host"),
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        // Never echo the text: the credentials are in it.
        return Err(Error::config(
            BASE_URL,
            "must not carry credentials (user:password@); the key goes in OPENFUNNEL_API_KEY",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::config(
            BASE_URL,
            format!("{trimmed:?} must not carry a query or fragment"),
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// Longest timeout or wait accepted: one day.
const MAX_SECS: f64 = 86_400.0;

fn parse_number(var: &str, text: &str, min: f64, max: f64) -> Result<f64, Error> {
    match text.trim().parse::<f64>() {
        Ok(n) if n.is_finite() && n >= min && n <= max => Ok(n),
        _ if max < f64::MAX => Err(Error::config(
            var,
            format!("{text:?} is not a number from {min} to {max}"),
        )),
        _ => Err(Error::config(
            var,
            format!("{text:?} is not a number of at least {min}"),
        )),
    }
}

fn parse_secs(var: &str, text: &str, min: f64) -> Result<Duration, Error> {
    parse_number(var, text, min, MAX_SECS).map(Duration::from_secs_f64)
}

/// A key must fit in a header; the message never shows the key.
fn check_key(var: &str, key: &ApiKey) -> Result<(), Error> {
    if key.is_header_safe() {
        Ok(())
    } else {
        Err(Error::config(
            var,
            "holds characters an HTTP header cannot carry (control characters, line breaks or non-ASCII); the value is not shown",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, Error> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn no_settings_means_the_mock() {
        let c = config(&[]).unwrap();
        assert_eq!(c.target, TargetKind::Mock);
        assert!(c.allow_writes);
    }

    #[test]
    fn live_is_read_only_by_default_and_needs_a_key() {
        let err = config(&[(TARGET, "live")]).unwrap_err().to_string();
        assert!(err.starts_with("OPENFUNNEL_API_KEY: required"), "{err}");
        let c = config(&[(TARGET, "live"), (API_KEY, "of_x")]).unwrap();
        assert!(!c.allow_writes);
        assert_eq!(c.limits.max_requests, 300);
        assert_eq!(c.base_url, "https://api.openfunnel.dev");
        let c = config(&[(TARGET, "live"), (API_KEY, "of_x"), (ALLOW_WRITES, "1")]).unwrap();
        assert!(c.allow_writes);
    }

    #[test]
    fn bad_values_are_hard_errors() {
        let errors: Vec<String> = [
            vec![(TARGET, "staging")],
            vec![(MAX_REQUESTS, "lots")],
            vec![(RPS, "0")],
            vec![(TIMEOUT_SECS, "-1")],
            vec![(BASE_URL, "not a url")],
            vec![(BASE_URL, "ftp://host")],
            vec![(ALLOW_WRITES, "yes")],
            vec![(MOCK_SEED, "x")],
        ]
        .iter()
        .map(|pairs| config(pairs).unwrap_err().to_string())
        .collect();
        assert_eq!(
            errors,
            [
                "OPENFUNNEL_TARGET: \"staging\" is not a target; use \"mock\" or \"live\"",
                "OPENFUNNEL_MAX_REQUESTS: \"lots\" is not a whole number from 1 to 4294967295",
                "OPENFUNNEL_RPS: \"0\" is not a number of at least 0.01",
                "OPENFUNNEL_TIMEOUT_SECS: \"-1\" is not a number from 0.001 to 86400",
                "OPENFUNNEL_BASE_URL: \"not a url\" is not a URL (relative URL without a base)",
                "OPENFUNNEL_BASE_URL: \"ftp://host\" is not an http(s) URL with a host",
                "OPENFUNNEL_ALLOW_WRITES: \"yes\" is not 1 or 0",
                "OPENFUNNEL_MOCK_SEED: \"x\" is not a whole number",
            ]
        );
    }

    #[test]
    fn a_path_prefix_is_kept_and_fixtures_are_read() {
        let c = config(&[
            (BASE_URL, "https://gw.example/staging/"),
            (JOB_COMPLETED, " abc "),
        ])
        .unwrap();
        assert_eq!(c.base_url, "https://gw.example/staging");
        assert_eq!(c.fixtures[&JobState::Completed], "abc");
    }

    #[test]
    fn limits_a_client_cannot_honour_are_errors_never_panics() {
        for (var, value) in [
            (TIMEOUT_SECS, "1e30"),
            (WAIT_SECS, "99999999999999999999"),
            (TIMEOUT_SECS, "NaN"),
            (MAX_REQUESTS, "2.5"),
            (MAX_REQUESTS, "0"),
            (MAX_REQUESTS, "1e3"),
        ] {
            let err = config(&[(var, value)]).unwrap_err().to_string();
            assert!(err.starts_with(&format!("{var}: {value:?}")), "{err}");
        }
        let mut limits = Limits::defaults(TargetKind::Live);
        for rps in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e-320] {
            limits.rps = Some(rps);
            assert!(limits.check().is_err(), "{rps}");
        }
        limits.rps = Some(50.0);
        assert!(limits.check().is_ok());
    }

    #[test]
    fn keys_and_credentials_are_checked_without_being_shown() {
        let err = config(&[(TARGET, "live"), (API_KEY, "of_canary\nx")])
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("OPENFUNNEL_API_KEY: holds"), "{err}");
        assert!(!err.contains("canary"), "{err}");
        let err = config(&[(BASE_URL, "https://u:pw_canary@h.example")])
            .unwrap_err()
            .to_string();
        assert!(!err.contains("canary"), "{err}");
        assert!(Config::live("https://h.example", ApiKey::new("of_a\u{1}b")).is_err());
    }

    #[test]
    fn the_proxy_needs_an_upstream_and_parses_its_switches() {
        let proxy = |pairs: &[(&str, &str)]| {
            let map: BTreeMap<String, String> = pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            ProxyConfig::from_lookup(|name| map.get(name).cloned())
        };
        let err = proxy(&[]).unwrap_err().to_string();
        assert!(err.starts_with("OPENFUNNEL_UPSTREAM: required"), "{err}");
        let c = proxy(&[(UPSTREAM, "https://staging.example/"), (PROBE, "1")]).unwrap();
        assert_eq!(c.upstream, "https://staging.example");
        assert_eq!(
            (c.port, c.probe, c.fail_on_violation, c.duration),
            (8081, true, false, None)
        );
        for (var, value) in [
            (UPSTREAM, "ftp://x"),
            (PROXY_PORT, "70000"),
            (DURATION_SECS, "-1"),
            (PROBE, "yes"),
        ] {
            let err = proxy(&[(UPSTREAM, "http://h"), (var, value)])
                .unwrap_err()
                .to_string();
            assert!(err.starts_with(var), "{err}");
        }
    }

    #[test]
    fn every_variable_is_prefixed() {
        assert!(ALL.iter().all(|v| v.starts_with("OPENFUNNEL_")));
    }
}
