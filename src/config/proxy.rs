//! The settings of `openfunnel-contract proxy`.

use std::time::Duration;

use super::{parse_base_url, parse_secs, parse_switch, vars::*};
use crate::Error;

/// The settings of `openfunnel-contract proxy`, validated.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ProxyConfig {
    /// The service's base URL. Env: `OPENFUNNEL_UPSTREAM`; required.
    pub(crate) upstream: String,
    /// Port on 127.0.0.1. Env: `OPENFUNNEL_PROXY_PORT`, default 8081.
    pub(crate) port: u16,
    /// Stop (and report) after this long; `None` runs until Ctrl-C. Env:
    /// `OPENFUNNEL_DURATION_SECS`.
    pub(crate) duration: Option<Duration>,
    /// Exit 1 on any violation. Env: `OPENFUNNEL_FAIL_ON_VIOLATION`, default off.
    pub(crate) fail_on_violation: bool,
    /// Read-only polls of its own allowed. Env: `OPENFUNNEL_PROBE`, default off.
    pub(crate) probe: bool,
    /// Upstream timeout. Env: `OPENFUNNEL_TIMEOUT_SECS`, default 30 s.
    pub(crate) timeout: Duration,
}

impl ProxyConfig {
    /// Reads the proxy's settings through `lookup` (flags first, then the
    /// environment, as for [`Config::from_lookup`](super::Config::from_lookup)).
    pub(crate) fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<ProxyConfig, Error> {
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
            fail_on_violation: parse_switch(FAIL_ON_VIOLATION, get(FAIL_ON_VIOLATION).as_deref())?,
            probe: parse_switch(PROBE, get(PROBE).as_deref())?,
            timeout,
        })
    }
}
