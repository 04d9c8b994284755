//! Every setting, read from `OPENFUNNEL_*` environment variables (each CLI
//! flag is a twin of one of them). A bad value is a hard error; nothing
//! falls back to the mock in silence.

use std::collections::BTreeMap;
use std::time::Duration;

use url::Url;

use crate::{ApiKey, Error, JobState};

mod builder;
#[cfg(feature = "cli")]
mod proxy;
mod vars;

pub use builder::{JobProvider, JobSource};
#[cfg(feature = "cli")]
pub(crate) use proxy::ProxyConfig;
pub(crate) use vars::*;

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

/// The live request budget when writes are allowed and none is set: room
/// for every rule's jobs, cells and polls.
pub(crate) const LIVE_WRITES_MAX_REQUESTS: u32 = 1_000;

/// Limits on what a run may send.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Most requests per run, retries included. Live default 300 read-only
    /// and `LIVE_WRITES_MAX_REQUESTS` with writes allowed (a full run then
    /// sends about 400–550); mock default 100 000. Env: `OPENFUNNEL_MAX_REQUESTS`.
    pub max_requests: u32,
    /// Most requests per second; `None` is unlimited. Live default 5; mock
    /// default unlimited. Env: `OPENFUNNEL_RPS`.
    pub rps: Option<f64>,
    /// Per-request timeout. Default 30 s. Env: `OPENFUNNEL_TIMEOUT_SECS`.
    pub timeout: Duration,
    /// How long a transient state may take to settle. Live default 120 s;
    /// mock default 60 s of mock time. Env: `OPENFUNNEL_WAIT_SECS`.
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
    pub(crate) fn check(&self) -> Result<(), Error> {
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

/// A complete, validated configuration: from the environment
/// ([`Config::from_env`]) or built in code ([`Config::live`] and the
/// builder methods, each naming its environment twin).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// Mock or live. Env: `OPENFUNNEL_TARGET`, default mock.
    pub target: TargetKind,
    /// Live base URL, no trailing slash. Env: `OPENFUNNEL_BASE_URL`.
    pub base_url: String,
    /// Live key. Env: `OPENFUNNEL_API_KEY`; required when live.
    pub api_key: Option<ApiKey>,
    /// Second tenant's key. Env: `OPENFUNNEL_OTHER_API_KEY`.
    pub other_api_key: Option<ApiKey>,
    /// Live fixtures by state. Env: `OPENFUNNEL_JOB_*`.
    pub fixtures: BTreeMap<JobState, String>,
    /// Writes allowed. Env: `OPENFUNNEL_ALLOW_WRITES`; default off on live, always
    /// on for the mock (it costs nothing).
    pub allow_writes: bool,
    /// Request budget, rate, timeouts.
    pub limits: Limits,
    /// Seed of the embedded mock. Env: `OPENFUNNEL_MOCK_SEED`, default 0.
    pub mock_seed: u64,
    /// Most credits the run may spend; `None` is no cap. Env:
    /// `OPENFUNNEL_MAX_CREDITS`; default 100 on live, no cap on the mock.
    pub max_credits: Option<u64>,
    /// Where jobs in a given state come from on live, when the caller can
    /// seed them (a test of one's own server); see [`Config::jobs`].
    /// Default none: the run derives them or uses the fixtures.
    pub jobs: Option<JobSource>,
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
        let allow_writes = match get(ALLOW_WRITES) {
            None => target == TargetKind::Mock,
            Some(value) => parse_switch(ALLOW_WRITES, Some(&value))? || target == TargetKind::Mock,
        };
        let mut limits = Limits::defaults(target);
        if target == TargetKind::Live && allow_writes {
            limits.max_requests = LIVE_WRITES_MAX_REQUESTS;
        }
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
        let max_credits = match get(MAX_CREDITS) {
            Some(n) => Some(n.trim().parse::<u64>().map_err(|_| {
                Error::config(
                    MAX_CREDITS,
                    format!("{n:?} is not a whole number of credits"),
                )
            })?),
            None => default_max_credits(target),
        };
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
            max_credits,
            jobs: None,
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
            max_credits: default_max_credits(TargetKind::Mock),
            jobs: None,
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
            max_credits: default_max_credits(TargetKind::Live),
            jobs: None,
        })
    }
}

/// A 0/1 setting (`1`/`true` on, `0`/`false`/blank/unset off); anything
/// else is a hard error naming `setting`.
pub(crate) fn parse_switch(setting: &str, value: Option<&str>) -> Result<bool, Error> {
    match value.map(str::trim) {
        None | Some("") | Some("0") | Some("false") => Ok(false),
        Some("1") | Some("true") => Ok(true),
        Some(other) => Err(Error::config(setting, format!("{other:?} is not 1 or 0"))),
    }
}

/// 100 credits (about $2) on live; no cap on the mock.
fn default_max_credits(kind: TargetKind) -> Option<u64> {
    match kind {
        TargetKind::Live => Some(100),
        TargetKind::Mock => None,
    }
}

pub(crate) fn parse_base_url(text: &str) -> Result<String, Error> {
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

pub(crate) fn parse_secs(var: &str, text: &str, min: f64) -> Result<Duration, Error> {
    parse_number(var, text, min, MAX_SECS).map(Duration::from_secs_f64)
}

/// A key must fit in a header; the message never shows the key.
pub(crate) fn check_key(var: &str, key: &ApiKey) -> Result<(), Error> {
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
mod tests;
