//! `openfunnel-contract`: run the conformance checks, serve the mock,
//! compare the service's spec with the vendored one.
//!
//! Exit codes of `check`: 0 the run passed, 1 a rule failed (outside known
//! deviations), a known deviation expired or the coverage is below
//! `--min-coverage`, 2 a set-up or configuration error. `spec diff`: 0 no
//! drift, 1 drift, 2 the document could not be fetched or read. `proxy`: 0,
//! or 1 with `--fail-on-violation` when a server fault or a client mistake
//! was seen; 2 a set-up or configuration error.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write as _};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};
use openfunnel_contract::config::{self, Config, ProxyConfig};
use openfunnel_contract::deviations::{Date, Deviations};
use openfunnel_contract::proxy::{Proxy, render_proxy_json, render_proxy_junit, render_proxy_text};
use openfunnel_contract::report::{Format, Run, render_json, render_junit, render_run_text};
use openfunnel_contract::suite::{SuiteOptions, Terms, rule_ids, rules, run_suite};
use openfunnel_contract::{Error, Spec, Target, TargetKind, drift};

/// Conformance checks for the OpenFunnel TAM Builder API.
#[derive(Parser, Debug)]
#[command(name = "openfunnel-contract", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run every rule against the target and write a report (default: the embedded mock).
    Check(Box<CheckArgs>),
    /// Serve the stateful mock on 127.0.0.1 until interrupted.
    Mock {
        /// Port to listen on (0 picks a free one).
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Seed of job IDs and rows.
        #[arg(long, env = config::MOCK_SEED, default_value_t = 0)]
        seed: u64,
        /// Which correct server to play where the docs are silent: a name
        /// from the mock's catalogue (faithful, refuses-silent, starlette, gzip, ...).
        #[arg(long, default_value = "faithful")]
        personality: String,
        /// Milliseconds of one band (the mock's unit of progress; default
        /// the personality's, 10 000).
        #[arg(long, env = config::MOCK_BAND_MS)]
        band_ms: Option<u64>,
    },
    /// Stand between a client and the service: forward every request
    /// unchanged and judge each exchange (server faults and client mistakes).
    Proxy(ProxyArgs),
    /// List the rules and the documentation each rests on.
    Rules,
    /// Compare the service's own /openapi.json with the vendored spec.
    #[command(subcommand)]
    Spec(SpecCommand),
}

#[derive(Subcommand, Debug)]
enum SpecCommand {
    /// Fetch {base}/openapi.json and list what differs from the vendored spec (exit 1 on drift).
    Diff(SpecDiffArgs),
    /// Fetch {base}/openapi.json and write it pretty-printed with sorted keys.
    Pull(SpecPullArgs),
}

/// Where the document comes from. The key (`OPENFUNNEL_API_KEY`) is sent
/// when set; it has no flag.
#[derive(Args, Debug)]
struct FetchArgs {
    /// Base URL of the service (may carry a path prefix).
    #[arg(long, env = config::BASE_URL)]
    base_url: Option<String>,
    /// Request timeout in seconds.
    #[arg(long, env = config::TIMEOUT_SECS)]
    timeout_secs: Option<String>,
}

#[derive(Args, Debug)]
struct SpecDiffArgs {
    #[command(flatten)]
    fetch: FetchArgs,
    /// The spec to compare with instead of the vendored one.
    #[arg(long, env = config::SPEC)]
    spec: Option<String>,
    /// Compare only paths under this prefix (default: the common prefix of
    /// the vendored paths, /api/v1/tam/build; `/` compares every path).
    #[arg(long)]
    scope: Option<String>,
}

#[derive(Args, Debug)]
struct SpecPullArgs {
    #[command(flatten)]
    fetch: FetchArgs,
    /// Write the document to this file instead of standard output.
    #[arg(long)]
    output: Option<String>,
}

/// Every flag is a twin of an `OPENFUNNEL_*` variable; the flag wins. The
/// API keys have no flag: a key on a command line ends up in shell history
/// and process lists.
#[derive(Args, Debug)]
struct CheckArgs {
    /// `mock` or `live`.
    #[arg(long, env = config::TARGET)]
    target: Option<String>,
    /// Live base URL (may carry a path prefix).
    #[arg(long, env = config::BASE_URL)]
    base_url: Option<String>,
    /// Allow calls that can create or continue a build (they cost credits).
    #[arg(long, env = config::ALLOW_WRITES, num_args = 0..=1, default_missing_value = "1")]
    allow_writes: Option<String>,
    /// Request budget of the run.
    #[arg(long, env = config::MAX_REQUESTS)]
    max_requests: Option<String>,
    /// Most requests per second.
    #[arg(long, env = config::RPS)]
    rps: Option<String>,
    /// Per-request timeout in seconds.
    #[arg(long, env = config::TIMEOUT_SECS)]
    timeout_secs: Option<String>,
    /// Deadline for pausing/cancelling to settle, in seconds.
    #[arg(long, env = config::WAIT_SECS)]
    wait_secs: Option<String>,
    /// ID of a completed job of the key.
    #[arg(long, env = config::JOB_COMPLETED)]
    job_completed: Option<String>,
    /// ID of a failed job of the key.
    #[arg(long, env = config::JOB_FAILED)]
    job_failed: Option<String>,
    /// ID of a cancelled job of the key.
    #[arg(long, env = config::JOB_CANCELLED)]
    job_cancelled: Option<String>,
    /// ID of a paused job of the key.
    #[arg(long, env = config::JOB_PAUSED)]
    job_paused: Option<String>,
    /// ID of a running job of the key.
    #[arg(long, env = config::JOB_RUNNING)]
    job_running: Option<String>,
    /// Spec file to check against instead of the vendored one.
    #[arg(long, env = config::SPEC)]
    spec: Option<String>,
    /// Seed of the embedded mock.
    #[arg(long, env = config::MOCK_SEED)]
    mock_seed: Option<String>,
    /// Report format: text, json or junit.
    #[arg(long, env = config::FORMAT)]
    format: Option<String>,
    /// Write the report to this file instead of standard output.
    #[arg(long, env = config::OUTPUT)]
    output: Option<String>,
    /// Known deviations: a JSON file of accepted failures (see docs/reports.md).
    #[arg(long, env = config::DEVIATIONS)]
    deviations: Option<String>,
    /// Fail the run below this percentage (0-100) of documented (operation, status) pairs seen.
    #[arg(long, env = config::MIN_COVERAGE)]
    min_coverage: Option<String>,
    /// Run only these rules, by exact id (repeatable or comma-separated;
    /// `rules` lists them).
    #[arg(long, env = config::ONLY, value_delimiter = ',')]
    only: Vec<String>,
    /// Do not run these rules, by exact id (repeatable or comma-separated).
    #[arg(long, env = config::SKIP, value_delimiter = ',')]
    skip: Vec<String>,
    /// Fail the run when any rule was skipped.
    #[arg(long, env = config::FAIL_ON_SKIP, num_args = 0..=1, default_missing_value = "1")]
    fail_on_skip: Option<String>,
    /// Seed of every generated input (IDs, bodies, sequences); printed in the report.
    #[arg(long, env = config::SEED)]
    seed: Option<String>,
    /// Keep the seeds of failing generated inputs in this file (default: write nothing).
    #[arg(long, env = config::REGRESSIONS)]
    regressions: Option<String>,
    /// Most credits the run may spend (live default 100).
    #[arg(long, env = config::MAX_CREDITS)]
    max_credits: Option<String>,
    /// List every unmatched mock request in the text report, also on a pass.
    #[arg(long, env = config::VERBOSE, num_args = 0..=1, default_missing_value = "1")]
    verbose: Option<String>,
}

/// Every flag is a twin of an `OPENFUNNEL_*` variable; the flag wins. The
/// proxy has no key of its own: each client's key is forwarded as sent.
#[derive(Args, Debug)]
struct ProxyArgs {
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

impl CheckArgs {
    fn settings(&self) -> BTreeMap<&'static str, String> {
        let pairs = [
            (config::TARGET, &self.target),
            (config::BASE_URL, &self.base_url),
            (config::ALLOW_WRITES, &self.allow_writes),
            (config::MAX_REQUESTS, &self.max_requests),
            (config::RPS, &self.rps),
            (config::TIMEOUT_SECS, &self.timeout_secs),
            (config::WAIT_SECS, &self.wait_secs),
            (config::JOB_COMPLETED, &self.job_completed),
            (config::JOB_FAILED, &self.job_failed),
            (config::JOB_CANCELLED, &self.job_cancelled),
            (config::JOB_PAUSED, &self.job_paused),
            (config::JOB_RUNNING, &self.job_running),
            (config::MOCK_SEED, &self.mock_seed),
            (config::MAX_CREDITS, &self.max_credits),
        ];
        pairs
            .into_iter()
            .filter_map(|(name, value)| value.clone().map(|v| (name, v)))
            .collect()
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return setup_error(&Error::Target(format!("cannot start the runtime: {e}"))),
    };
    match cli.command {
        Command::Check(args) => runtime.block_on(check(*args)),
        Command::Mock {
            port,
            seed,
            personality,
            band_ms,
        } => {
            let catalogue = openfunnel_contract::mock::Personality::catalogue();
            let Some((_, chosen)) = catalogue.iter().find(|(name, _)| *name == personality) else {
                let names: Vec<&str> = catalogue.iter().map(|(name, _)| *name).collect();
                return setup_error(&Error::Target(format!(
                    "no mock personality {personality:?}; choose one of {}",
                    names.join(", ")
                )));
            };
            let mut builder = openfunnel_contract::mock::MockApi::builder()
                .seed(seed)
                .system_clock()
                .listen(port)
                .personality(chosen.clone());
            if let Some(ms) = band_ms {
                builder = builder.band_duration(Duration::from_millis(ms.max(1)));
            }
            let serve = builder.serve_forever();
            match runtime.block_on(serve) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => setup_error(&Error::Target(format!(
                    "cannot serve the mock on port {port}: {e}"
                ))),
            }
        }
        Command::Proxy(args) => runtime.block_on(async { exit(run_proxy(&args).await) }),
        Command::Rules => {
            for rule in rules() {
                println!(
                    "{}\n    {}\n    because: {}\n",
                    rule.id, rule.title, rule.because
                );
            }
            ExitCode::SUCCESS
        }
        Command::Spec(SpecCommand::Diff(args)) => {
            runtime.block_on(async { exit(spec_diff(&args).await) })
        }
        Command::Spec(SpecCommand::Pull(args)) => {
            runtime.block_on(async { exit(spec_pull(&args).await) })
        }
    }
}

fn exit(result: Result<ExitCode, Error>) -> ExitCode {
    result.unwrap_or_else(|error| setup_error(&error))
}

async fn check(args: CheckArgs) -> ExitCode {
    exit(run_check(&args).await)
}

async fn run_check(args: &CheckArgs) -> Result<ExitCode, Error> {
    let flags = args.settings();
    let config = Config::from_lookup(|name| {
        flags
            .get(name)
            .cloned()
            .or_else(|| std::env::var(name).ok())
    })?;
    let format: Format = match args.format.as_deref().map(str::trim) {
        None | Some("") => Format::Text,
        Some(text) => text.parse().map_err(|reason| Error::Config {
            setting: config::FORMAT.into(),
            reason,
        })?,
    };
    let min_coverage = parse_min_coverage(args.min_coverage.as_deref())?;
    let deviations = match args.deviations.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(path) => Some((path.to_owned(), Deviations::load(path)?)),
    };
    let output = args
        .output
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty());
    let spec = match args.spec.as_deref().map(str::trim) {
        Some(path) if !path.is_empty() => Spec::from_path(path)?,
        _ => Spec::embedded()?,
    };
    let target = Target::with_spec(&config, spec).await?;
    if target.kind() == TargetKind::Live {
        target.preflight().await?;
    }
    let options = suite_options(args)?;
    let progress = (target.kind() == TargetKind::Live && std::io::stderr().is_terminal())
        .then(|| Progress::start(&target));
    let report = run_suite(&target, &options).await;
    if let Some(progress) = progress {
        progress.stop().await;
    }
    let mut run = Run::new(&target, report);
    run.min_coverage = min_coverage;
    run.regressions = options.regressions.clone();
    run.verbose = flag(config::VERBOSE, args.verbose.as_deref())?;
    if let Some((path, deviations)) = deviations {
        run.deviations = Some(deviations.apply(&run.report, run.kind, Date::today()));
        run.deviations_file = Some(path);
    }
    let color = format == Format::Text
        && output.is_none()
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let text = match format {
        Format::Text => render_run_text(&run, color),
        Format::Json => render_json(&run),
        Format::Junit => render_junit(&run),
    };
    match output {
        Some(path) => {
            std::fs::write(path, &text).map_err(|source| Error::Output {
                path: path.into(),
                source,
            })?;
            let counts = run.counts();
            eprintln!(
                "openfunnel-contract: report written to {path}: {} passed, {} failed, {} known, {} skipped — {}",
                counts.passed,
                counts.failed,
                counts.known,
                counts.skipped,
                if run.passed() { "pass" } else { "FAIL" }
            );
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(text.as_bytes());
            let _ = stdout.flush();
        }
    }
    Ok(if run.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The run's options from flags and their env twins. Unknown rule ids are
/// an error that lists every id (exit 2).
fn suite_options(args: &CheckArgs) -> Result<SuiteOptions, Error> {
    let seed = match args.seed.as_deref().map(str::trim) {
        None | Some("") => 0,
        Some(text) => text.parse().map_err(|_| Error::Config {
            setting: config::SEED.into(),
            reason: format!("{text:?} is not a whole number"),
        })?,
    };
    let ids = |list: &[String]| list.iter().flat_map(|s| rule_ids(s)).collect::<Vec<_>>();
    let options = SuiteOptions {
        regressions: args
            .regressions
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(Into::into),
        only: ids(&args.only),
        skip: ids(&args.skip),
        seed,
        fail_on_skip: flag(config::FAIL_ON_SKIP, args.fail_on_skip.as_deref())?,
        terms: Terms::Env,
        ..SuiteOptions::default()
    };
    options.select()?;
    Ok(options)
}

/// A 0/1 switch; anything else is a hard error.
fn flag(setting: &str, value: Option<&str>) -> Result<bool, Error> {
    match value.map(str::trim) {
        None | Some("") | Some("0") | Some("false") => Ok(false),
        Some("1") | Some("true") => Ok(true),
        Some(other) => Err(Error::Config {
            setting: setting.into(),
            reason: format!("{other:?} is not 1 or 0"),
        }),
    }
}

async fn run_proxy(args: &ProxyArgs) -> Result<ExitCode, Error> {
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
    let settings = ProxyConfig::from_lookup(|name| {
        flags
            .get(name)
            .cloned()
            .or_else(|| std::env::var(name).ok())
    })?;
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

fn parse_format(value: Option<&str>) -> Result<Format, Error> {
    match value.map(str::trim) {
        None | Some("") => Ok(Format::Text),
        Some(text) => text.parse().map_err(|reason| Error::Config {
            setting: config::FORMAT.into(),
            reason,
        }),
    }
}

/// Writes `text` to `output`, or to standard output when none is given.
fn write_report(output: Option<&str>, text: &str) -> Result<(), Error> {
    match output {
        Some(path) => std::fs::write(path, text).map_err(|source| Error::Output {
            path: path.into(),
            source,
        }),
        None => {
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(text.as_bytes());
            let _ = stdout.flush();
            Ok(())
        }
    }
}

fn parse_min_coverage(value: Option<&str>) -> Result<Option<f64>, Error> {
    let Some(text) = value.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    match text.trim_end_matches('%').parse::<f64>() {
        Ok(n) if (0.0..=100.0).contains(&n) => Ok(Some(n)),
        _ => Err(Error::Config {
            setting: config::MIN_COVERAGE.into(),
            reason: format!("{text:?} is not a percentage from 0 to 100"),
        }),
    }
}

/// A one-line progress indicator on standard error (only on a terminal,
/// only for live runs): requests sent against the budget, and time.
struct Progress {
    stop: Arc<tokio::sync::Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl Progress {
    fn start(target: &Target) -> Progress {
        let stop = Arc::new(tokio::sync::Notify::new());
        let (target, notified) = (target.clone(), stop.clone());
        let task = tokio::spawn(async move {
            let started = Instant::now();
            let frames = ['|', '/', '-', '\\'];
            let mut tick = 0usize;
            loop {
                eprint!(
                    "\r\x1b[2K{} {} of at most {} requests, {} s",
                    frames[tick % frames.len()],
                    target.requests_sent(),
                    target.limits().max_requests,
                    started.elapsed().as_secs()
                );
                tick += 1;
                tokio::select! {
                    () = notified.notified() => break,
                    () = tokio::time::sleep(Duration::from_millis(250)) => {}
                }
            }
            eprint!("\r\x1b[2K");
        });
        Progress { stop, task }
    }

    async fn stop(self) {
        self.stop.notify_one();
        let _ = self.task.await;
    }
}

/// Base URL, key and timeout of a fetch, from flags then environment.
fn fetch_settings(args: &FetchArgs) -> Result<Config, Error> {
    let flags: BTreeMap<&str, String> = [
        (config::BASE_URL, &args.base_url),
        (config::TIMEOUT_SECS, &args.timeout_secs),
    ]
    .into_iter()
    .filter_map(|(name, value)| value.clone().map(|v| (name, v)))
    .collect();
    // Only the fetch settings matter here: a live target's other
    // requirements do not apply to reading a document.
    Config::from_lookup(|name| match name {
        config::BASE_URL | config::TIMEOUT_SECS | config::API_KEY => flags
            .get(name)
            .cloned()
            .or_else(|| std::env::var(name).ok()),
        _ => None,
    })
}

async fn fetch(args: &FetchArgs) -> Result<serde_json::Value, Error> {
    let settings = fetch_settings(args)?;
    drift::fetch(
        &settings.base_url,
        settings.api_key.as_ref(),
        settings.limits.timeout,
    )
    .await
}

async fn spec_diff(args: &SpecDiffArgs) -> Result<ExitCode, Error> {
    let vendored = match args.spec.as_deref().map(str::trim) {
        Some(path) if !path.is_empty() => Spec::from_path(path)?,
        _ => Spec::embedded()?,
    };
    let fetched = fetch(&args.fetch).await?;
    let scope = args
        .scope
        .clone()
        .unwrap_or_else(|| drift::default_scope(vendored.document()));
    let changes = drift::diff(vendored.document(), &fetched, &scope);
    let base = fetch_settings(&args.fetch)?.base_url;
    if changes.is_empty() {
        println!("no drift: {base}/openapi.json matches the vendored spec under {scope}");
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{} difference(s) between the vendored spec and {base}/openapi.json under {scope}:",
        changes.len()
    );
    for change in &changes {
        println!("  {change}");
    }
    println!(
        "Review with `openfunnel-contract spec pull --output spec/openapi.fetched.json`; update spec/ and its provenance notes deliberately."
    );
    Ok(ExitCode::from(1))
}

async fn spec_pull(args: &SpecPullArgs) -> Result<ExitCode, Error> {
    let document = fetch(&args.fetch).await?;
    let text = drift::to_sorted_pretty(&document);
    match args
        .output
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        Some(path) => std::fs::write(path, &text).map_err(|source| Error::Output {
            path: path.into(),
            source,
        })?,
        None => {
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(text.as_bytes());
            let _ = stdout.flush();
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn setup_error(error: &Error) -> ExitCode {
    eprintln!("openfunnel-contract: error: {error}");
    ExitCode::from(2)
}
