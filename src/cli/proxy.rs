//! `proxy`: a checking proxy in front of a deployment.

use std::collections::BTreeMap;
use std::process::ExitCode;

use crate::config::{self, ProxyConfig};
use crate::proxy::{Proxy, render_proxy_json, render_proxy_junit, render_proxy_text};
use crate::report::Format;
use crate::{Error, Spec};
use clap::Args;

use super::{flag_or_env, parse_format, write_report};

/// Every flag is a twin of an `OPENFUNNEL_*` variable; the flag wins. The
/// proxy has no key of its own: each client's key is forwarded as sent.
#[derive(Args, Debug)]
pub(crate) struct ProxyArgs {
    /// Base URL of the service to stand in front of (may carry a path prefix).
    #[arg(long, env = config::UPSTREAM)]
    upstream: Option<String>,
    /// Port of 127.0.0.1 to listen on (0 picks a free one); default 8081.
    #[arg(long, env = config::PROXY_PORT)]
    port: Option<String>,
    /// Stop and report after this many seconds (default: at Ctrl-C).
    #[arg(long, env = config::DURATION_SECS)]
    duration: Option<String>,
    /// Exit 1 when a server fault or a client mistake was seen.
    #[arg(long, env = config::FAIL_ON_VIOLATION, num_args = 0..=1, default_missing_value = "1")]
    fail_on_violation: Option<String>,
    /// Allow read-only polls of the proxy's own, to learn a job's state before a control call.
    #[arg(long, env = config::PROBE, num_args = 0..=1, default_missing_value = "1")]
    probe: Option<String>,
    /// Upstream timeout in seconds (then the client gets 504).
    #[arg(long, env = config::TIMEOUT_SECS)]
    timeout_secs: Option<String>,
    /// Spec file to judge against instead of the vendored one.
    #[arg(long, env = config::SPEC)]
    spec: Option<String>,
    /// Report format: text, json or junit.
    #[arg(long, env = config::FORMAT)]
    format: Option<String>,
    /// Write the report to this file instead of standard output.
    #[arg(long, env = config::OUTPUT)]
    output: Option<String>,
}

pub(crate) async fn run_proxy(args: &ProxyArgs) -> Result<ExitCode, Error> {
    let flags: BTreeMap<&str, String> = [
        (config::UPSTREAM, &args.upstream),
        (config::PROXY_PORT, &args.port),
        (config::DURATION_SECS, &args.duration),
        (config::FAIL_ON_VIOLATION, &args.fail_on_violation),
        (config::PROBE, &args.probe),
        (config::TIMEOUT_SECS, &args.timeout_secs),
    ]
    .into_iter()
    .filter_map(|(name, value)| value.clone().map(|v| (name, v)))
    .collect();
    let settings = ProxyConfig::from_lookup(flag_or_env(&flags))?;
    let format = parse_format(args.format.as_deref())?;
    let output = args
        .output
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty());
    let mut builder = Proxy::builder(&settings.upstream)
        .port(settings.port)
        .timeout(settings.timeout)
        .probe(settings.probe)
        .on_finding(|finding| eprintln!("{}", finding.line()));
    if let Some(path) = args
        .spec
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        builder = builder.spec(Spec::from_path(path)?);
    }
    let proxy = builder.start().await?;
    eprintln!(
        "openfunnel-contract proxy: {} -> {} (Ctrl-C or SIGTERM to stop and report)",
        proxy.uri(),
        settings.upstream
    );
    match settings.duration {
        Some(duration) => {
            tokio::select! {
                () = tokio::time::sleep(duration) => {}
                () = interrupted() => {}
            }
        }
        None => interrupted().await,
    }
    let report = proxy.finish().await;
    let text = match format {
        Format::Text => render_proxy_text(&report),
        Format::Json => render_proxy_json(&report),
        Format::Junit => render_proxy_junit(&report),
    };
    write_report(output, &text)?;
    if let Some(path) = output {
        eprintln!(
            "openfunnel-contract: report written to {path}: {} exchanges, {} server faults, {} client mistakes",
            report.exchanges_seen, report.server_faults_total, report.client_mistakes_total
        );
    }
    Ok(if settings.fail_on_violation && !report.passed() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Resolves at Ctrl-C (SIGINT) or, on Unix, SIGTERM (what CI runners and
/// `kill` send), so the proxy reports either way.
async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
