//! `check`: the suite against a target, and its report.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::{self, Config};
use crate::deviations::{Date, Deviations};
use crate::report::{Format, Run, render_json, render_junit, render_run_text};
use crate::suite::{SuiteOptions, Terms, rule_ids, run_suite};
use crate::{Error, Spec, Target, TargetKind};
use clap::Args;

use super::{exit, flag_or_env, parse_format, write_report};

/// Every flag is a twin of an `OPENFUNNEL_*` variable; the flag wins. The
/// API keys have no flag: a key on a command line ends up in shell history
/// and process lists.
#[derive(Args, Debug)]
pub(crate) struct CheckArgs {
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

pub(crate) async fn check(args: CheckArgs) -> ExitCode {
    exit(run_check(&args).await)
}

async fn run_check(args: &CheckArgs) -> Result<ExitCode, Error> {
    let flags = args.settings();
    let config = Config::from_lookup(flag_or_env(&flags))?;
    let format = parse_format(args.format.as_deref())?;
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
    run.verbose = config::parse_switch(config::VERBOSE, args.verbose.as_deref())?;
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
    write_report(output, &text)?;
    if let Some(path) = output {
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
        fail_on_skip: config::parse_switch(config::FAIL_ON_SKIP, args.fail_on_skip.as_deref())?,
        terms: Terms::Env,
        ..SuiteOptions::default()
    };
    options.select()?;
    Ok(options)
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
