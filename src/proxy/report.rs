//! What a proxy run found: server faults and client mistakes apart, the
//! counts, and the three formats of `check` (text, JSON, JUnit).

use std::fmt;
use std::fmt::Write as _;
use std::time::Duration;

use serde_json::json;

use crate::Violation;
use crate::report::{escape, kind_name, violation_json};

/// Most violations of each side kept for the report; the totals count
/// every one.
pub const KEPT_PER_SIDE: usize = 1000;

/// Whose fault a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// The service broke the contract.
    Server,
    /// The client sent something the documentation does not support.
    Client,
}

/// One violation found in observed traffic, and whose it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Server fault or client mistake.
    pub side: Side,
    /// What was broken (the key masked in its curl line).
    pub violation: Violation,
}

impl Finding {
    /// One line: the side, the violation's first sentence and its masked
    /// curl line (what the proxy prints on standard error as it happens).
    pub fn line(&self) -> String {
        let text = self.violation.to_string();
        let first = text.lines().next().unwrap_or_default();
        let side = match self.side {
            Side::Server => "SERVER FAULT",
            Side::Client => "CLIENT MISTAKE",
        };
        format!("{side} {first} | {}", self.violation.curl)
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.line())
    }
}

/// The running counts, and the violations kept.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tally {
    pub seen: u64,
    pub checked: u64,
    pub unchecked: u64,
    pub upstream_failures: u64,
    pub probes: u64,
    pub controls_judged: u64,
    pub controls_unjudged: u64,
    pub jobs_aged_out: u64,
    pub jobs_dropped: u64,
    pub server_total: u64,
    pub client_total: u64,
    pub server: Vec<Violation>,
    pub client: Vec<Violation>,
}

impl Tally {
    pub(crate) fn keep(&mut self, finding: &Finding) {
        let (total, kept) = match finding.side {
            Side::Server => (&mut self.server_total, &mut self.server),
            Side::Client => (&mut self.client_total, &mut self.client),
        };
        *total += 1;
        if kept.len() < KEPT_PER_SIDE {
            kept.push(finding.violation.clone());
        }
    }
}

/// A proxy's report: everything it judged, from its start to
/// [`Proxy::finish`](super::Proxy::finish) (or to the moment of
/// [`Proxy::report`](super::Proxy::report)).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProxyReport {
    /// The upstream base URL.
    pub upstream: String,
    /// Exchanges answered (forwarded, or answered 502/504 for want of an
    /// upstream answer).
    pub exchanges_seen: u64,
    /// Exchanges whose answer was checked whole (status, content type,
    /// body).
    pub exchanges_checked: u64,
    /// Exchanges whose body was not checked: larger than the cap, an
    /// unknown or broken content coding, or a stream that broke off. Their
    /// status and content type were checked; never a violation by itself.
    pub exchanges_unchecked: u64,
    /// Requests answered 502 or 504 by the proxy (also server faults).
    pub upstream_failures: u64,
    /// Read-only polls the proxy sent on its own (`--probe`).
    pub probes: u64,
    /// Control calls judged against the job's last polled state.
    pub controls_judged: u64,
    /// Control calls on a job whose state the proxy did not know (no poll
    /// seen yet, or one seen before another control call): their cell was
    /// not judged.
    pub controls_unjudged: u64,
    /// Jobs tracked at the end.
    pub jobs_tracked: usize,
    /// Jobs forgotten after `job_ttl` without traffic.
    pub jobs_aged_out: u64,
    /// Jobs forgotten at the cap, least recently seen first.
    pub jobs_dropped: u64,
    /// The cap on jobs tracked.
    pub max_jobs: usize,
    /// How long a job without traffic is kept.
    pub job_ttl: Duration,
    /// Server faults, all of them counted.
    pub server_faults_total: u64,
    /// Client mistakes, all of them counted.
    pub client_mistakes_total: u64,
    /// The first [`KEPT_PER_SIDE`] server faults, in order.
    pub server_faults: Vec<Violation>,
    /// The first [`KEPT_PER_SIDE`] client mistakes, in order.
    pub client_mistakes: Vec<Violation>,
}

impl ProxyReport {
    pub(crate) fn new(
        upstream: &str,
        tally: &Tally,
        jobs_tracked: usize,
        max_jobs: usize,
        job_ttl: Duration,
    ) -> Self {
        ProxyReport {
            upstream: upstream.to_owned(),
            exchanges_seen: tally.seen,
            exchanges_checked: tally.checked,
            exchanges_unchecked: tally.unchecked,
            upstream_failures: tally.upstream_failures,
            probes: tally.probes,
            controls_judged: tally.controls_judged,
            controls_unjudged: tally.controls_unjudged,
            jobs_tracked,
            jobs_aged_out: tally.jobs_aged_out,
            jobs_dropped: tally.jobs_dropped,
            max_jobs,
            job_ttl,
            server_faults_total: tally.server_total,
            client_mistakes_total: tally.client_total,
            server_faults: tally.server.clone(),
            client_mistakes: tally.client.clone(),
        }
    }

    /// True when no server fault and no client mistake was seen.
    pub fn passed(&self) -> bool {
        self.server_faults_total == 0 && self.client_mistakes_total == 0
    }

    /// The rule names of the server faults kept, in order.
    pub fn server_rules(&self) -> Vec<&str> {
        self.server_faults.iter().map(|v| v.rule.as_str()).collect()
    }

    /// The rule names of the client mistakes kept, in order.
    pub fn client_rules(&self) -> Vec<&str> {
        self.client_mistakes
            .iter()
            .map(|v| v.rule.as_str())
            .collect()
    }

    fn totals(&self) -> String {
        format!(
            "{} exchanges seen, {} checked, {} unchecked (too large or undecodable), {} upstream failures; \
             {} server faults, {} client mistakes; control calls: {} judged, {} not judged (state unknown); \
             jobs: {} tracked, {} aged out (idle {} s), {} dropped at the cap of {}",
            self.exchanges_seen,
            self.exchanges_checked,
            self.exchanges_unchecked,
            self.upstream_failures,
            self.server_faults_total,
            self.client_mistakes_total,
            self.controls_judged,
            self.controls_unjudged,
            self.jobs_tracked,
            self.jobs_aged_out,
            self.job_ttl.as_secs(),
            self.jobs_dropped,
            self.max_jobs,
        )
    }
}

/// The text report: each violation in full (numbered, server faults
/// first), then the totals.
pub fn render_proxy_text(report: &ProxyReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "openfunnel-contract proxy: upstream {}",
        report.upstream
    );
    for (title, list, total) in [
        (
            "server faults",
            &report.server_faults,
            report.server_faults_total,
        ),
        (
            "client mistakes",
            &report.client_mistakes,
            report.client_mistakes_total,
        ),
    ] {
        let _ = writeln!(out);
        let _ = writeln!(out, "{title}: {total}");
        for (i, v) in list.iter().enumerate() {
            let text = v.to_string().replace('\n', "\n       ");
            let _ = writeln!(out, "  {:>3}. {text}", i + 1);
        }
        if total > list.len() as u64 {
            let _ = writeln!(out, "  ... and {} more", total - list.len() as u64);
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", report.totals());
    let _ = writeln!(out, "{}", if report.passed() { "PASS" } else { "FAIL" });
    out
}

/// The JSON report (pretty, with a final newline).
pub fn render_proxy_json(report: &ProxyReport) -> String {
    let value = json!({
        "tool": "openfunnel-contract proxy",
        "upstream": report.upstream,
        "passed": report.passed(),
        "totals": {
            "exchanges_seen": report.exchanges_seen,
            "exchanges_checked": report.exchanges_checked,
            "exchanges_unchecked": report.exchanges_unchecked,
            "upstream_failures": report.upstream_failures,
            "probes": report.probes,
            "server_faults": report.server_faults_total,
            "client_mistakes": report.client_mistakes_total,
            "controls_judged": report.controls_judged,
            "controls_unjudged": report.controls_unjudged,
            "jobs_tracked": report.jobs_tracked,
            "jobs_aged_out": report.jobs_aged_out,
            "jobs_dropped": report.jobs_dropped,
            "max_jobs": report.max_jobs,
            "job_ttl_secs": report.job_ttl.as_secs(),
        },
        "server_faults": report.server_faults.iter().map(violation_json).collect::<Vec<_>>(),
        "client_mistakes": report.client_mistakes.iter().map(violation_json).collect::<Vec<_>>(),
    });
    let mut text = serde_json::to_string_pretty(&value).expect("a JSON value serialises");
    text.push('\n');
    text
}

/// JUnit XML: a test suite per side, a failing test case per violation
/// (a passing one when the side has none).
pub fn render_proxy_junit(report: &ProxyReport) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"openfunnel-contract proxy\">\n",
    );
    for (suite, list, total) in [
        (
            "server faults",
            &report.server_faults,
            report.server_faults_total,
        ),
        (
            "client mistakes",
            &report.client_mistakes,
            report.client_mistakes_total,
        ),
    ] {
        let cases = list.len().max(1);
        let _ = writeln!(
            xml,
            "  <testsuite name=\"{suite}\" tests=\"{cases}\" failures=\"{total}\">"
        );
        let _ = writeln!(
            xml,
            "    <properties><property name=\"upstream\" value=\"{}\"/></properties>",
            escape(&report.upstream)
        );
        if list.is_empty() {
            let _ = writeln!(
                xml,
                "    <testcase classname=\"proxy\" name=\"no {suite} in {} exchanges\"/>",
                report.exchanges_seen
            );
        }
        for v in list {
            let _ = writeln!(
                xml,
                "    <testcase classname=\"proxy.{}\" name=\"{} {}\">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>",
                escape(&v.rule),
                escape(&v.method),
                escape(&v.path),
                kind_name(v.kind),
                escape(v.to_string().lines().next().unwrap_or_default()),
                escape(&v.to_string())
            );
        }
        xml.push_str("  </testsuite>\n");
    }
    let _ = writeln!(
        xml,
        "  <!-- {} -->",
        escape(&report.totals()).replace("--", "- -")
    );
    xml.push_str("</testsuites>\n");
    xml
}
