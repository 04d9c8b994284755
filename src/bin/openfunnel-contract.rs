//! `openfunnel-contract`: run the conformance checks, serve the mock.
//!
//! Exit codes: 0 every rule passed, 1 a rule failed, 2 a set-up or
//! configuration error.

use std::collections::BTreeMap;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use openfunnel_contract::config::{self, Config};
use openfunnel_contract::report::render_text;
use openfunnel_contract::suite::{SuiteOptions, rules, run_suite};
use openfunnel_contract::{Error, Spec, Target};

/// Conformance checks for the OpenFunnel TAM Builder API.
#[derive(Parser, Debug)]
#[command(name = "openfunnel-contract", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run every rule against the target and print a report (default: the embedded mock).
    Check(Box<CheckArgs>),
    /// Serve the stateful mock on 127.0.0.1 until interrupted.
    Mock {
        /// Port to listen on (0 picks a free one).
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Seed of job IDs and rows.
        #[arg(long, env = config::MOCK_SEED, default_value_t = 0)]
        seed: u64,
    },
    /// List the rules and the documentation each rests on.
    Rules,
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
    /// Report format: text.
    #[arg(long, env = config::FORMAT)]
    format: Option<String>,
    /// Write the report to this file instead of standard output.
    #[arg(long, env = config::OUTPUT)]
    output: Option<String>,
    /// Run only rules whose id contains this (repeatable).
    #[arg(long)]
    only: Vec<String>,
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
        Command::Mock { port, seed } => {
            match runtime.block_on(openfunnel_contract::mock::serve_forever(port, seed)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => setup_error(&Error::Target(format!(
                    "cannot serve the mock on port {port}: {e}"
                ))),
            }
        }
        Command::Rules => {
            for rule in rules() {
                println!(
                    "{}\n    {}\n    because: {}\n",
                    rule.id, rule.title, rule.because
                );
            }
            ExitCode::SUCCESS
        }
    }
}

async fn check(args: CheckArgs) -> ExitCode {
    match run_check(&args).await {
        Ok(code) => code,
        Err(error) => setup_error(&error),
    }
}

async fn run_check(args: &CheckArgs) -> Result<ExitCode, Error> {
    let flags = args.settings();
    let config = Config::from_lookup(|name| {
        flags
            .get(name)
            .cloned()
            .or_else(|| std::env::var(name).ok())
    })?;
    if let Some(format) = args.format.as_deref().filter(|f| *f != "text") {
        return Err(Error::Config {
            setting: config::FORMAT.into(),
            reason: format!("{format:?} is not a format; use text"),
        });
    }
    let spec = match &args.spec {
        Some(path) => Spec::from_path(path)?,
        None => Spec::embedded()?,
    };
    let target = Target::with_spec(&config, spec).await?;
    let mut options = SuiteOptions::with_default_regressions();
    options.only = args.only.clone();
    let report = run_suite(&target, &options).await;
    let text = render_text(&report);
    match &args.output {
        Some(path) => std::fs::write(path, &text).map_err(|source| Error::Output {
            path: path.into(),
            source,
        })?,
        None => print!("{text}"),
    }
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn setup_error(error: &Error) -> ExitCode {
    eprintln!("openfunnel-contract: error: {error}");
    ExitCode::from(2)
}
