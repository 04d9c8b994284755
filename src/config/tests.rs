//! The settings parser: defaults, hard errors, secrets never shown.

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
    assert_eq!(
        c.limits.max_requests, LIVE_WRITES_MAX_REQUESTS,
        "room for a run with writes"
    );
    let c = Config::live("https://h.example", ApiKey::new("of_x"))
        .unwrap()
        .allow_writes(true);
    assert_eq!(c.limits.max_requests, LIVE_WRITES_MAX_REQUESTS);
    let c = config(&[
        (TARGET, "live"),
        (API_KEY, "of_x"),
        (ALLOW_WRITES, "1"),
        (MAX_REQUESTS, "50"),
    ])
    .unwrap();
    assert_eq!(c.limits.max_requests, 50, "a set budget wins");
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
#[cfg(feature = "cli")]
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

// ------------------------------------------------------------- fuzzing

use proptest::prelude::*;

use crate::strategies::hostile_text;

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    /// `Config::from_lookup` takes any value of any variable without a
    /// panic; what it accepts, a client can honour.
    #[test]
    fn config_parsing_never_panics(values in proptest::collection::vec(
        proptest::option::weighted(0.3, prop_oneof![
            hostile_text(),
            Just("live".to_owned()), Just("mock".to_owned()),
            "-?[0-9]{0,25}(\\.[0-9]{0,5})?(e[+-]?[0-9]{1,3})?",
            Just("inf".to_owned()), Just("NaN".to_owned()),
            "https?://[a-z:@/.%0-9\\[\\]]{0,30}",
        ]),
        ALL.len(),
    )) {
        let map: BTreeMap<&str, String> = ALL
            .iter()
            .copied()
            .zip(values)
            .filter_map(|(name, value)| value.map(|v| (name, v)))
            .collect();
        if let Ok(config) = Config::from_lookup(|name| map.get(name).cloned()) {
            prop_assert!(config.limits.check().is_ok());
            prop_assert!(config.limits.timeout <= Duration::from_secs(86_400));
            prop_assert!(config.limits.wait <= Duration::from_secs(86_400));
            prop_assert!(url::Url::parse(&config.base_url).is_ok());
            if let Some(key) = &config.api_key {
                prop_assert!(key.is_header_safe());
                let shown = format!("{key:?}");
                prop_assert!(shown == "ApiKey(of_***)" || shown == "ApiKey(***)", "{}", shown);
            }
        }
    }
}
