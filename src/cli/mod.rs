//! The `openfunnel-contract` command line (feature `cli`): run the
//! conformance checks, serve the mock, run the checking proxy, compare the
//! service's spec with the vendored one. The binary is [`main`] and nothing
//! else, so the settings, reports and spec drift it uses stay private.
//!
//! Exit codes of `check`: 0 the run passed, 1 a rule failed (outside known
//! deviations), a known deviation expired or the coverage is below
//! `--min-coverage`, 2 a set-up or configuration error. `spec diff`: 0 no
//! drift, 1 drift, 2 the document could not be fetched or read. `proxy`: 0,
//! or 1 with `--fail-on-violation` when a server fault or a client mistake
//! was seen; 2 a set-up or configuration error.

mod check;
mod proxy;
mod spec;

use std::io::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use crate::Error;
use crate::config;
use crate::report::Format;
use crate::suite::rules;
use clap::{Parser, Subcommand};

use check::{CheckArgs, check};
use proxy::{ProxyArgs, run_proxy};
use spec::{SpecCommand, spec_diff, spec_pull};

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

/// Runs the command line with the process's arguments and environment;
/// the `openfunnel-contract` binary's `main`.
#[must_use = "return the exit code from `main`"]
pub fn main() -> ExitCode {
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
            let catalogue = crate::mock::Personality::catalogue();
            let Some((_, chosen)) = catalogue.iter().find(|(name, _)| *name == personality) else {
                let names: Vec<&str> = catalogue.iter().map(|(name, _)| *name).collect();
                return setup_error(&Error::Target(format!(
                    "no mock personality {personality:?}; choose one of {}",
                    names.join(", ")
                )));
            };
            let mut builder = crate::mock::MockApi::builder()
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

pub(crate) fn exit(result: Result<ExitCode, Error>) -> ExitCode {
    result.unwrap_or_else(|error| setup_error(&error))
}

/// A setting by its env var name: the flag's value when given, else the
/// environment's.
pub(crate) fn flag_or_env<'a>(
    flags: &'a std::collections::BTreeMap<&str, String>,
) -> impl Fn(&str) -> Option<String> + 'a {
    |name| {
        flags
            .get(name)
            .cloned()
            .or_else(|| std::env::var(name).ok())
    }
}

pub(crate) fn parse_format(value: Option<&str>) -> Result<Format, Error> {
    match value.map(str::trim) {
        None | Some("") => Ok(Format::Text),
        Some(text) => text.parse().map_err(|reason| Error::Config {
            setting: config::FORMAT.into(),
            reason,
        }),
    }
}

/// Writes `text` to `output`, or to standard output when none is given.
pub(crate) fn write_report(output: Option<&str>, text: &str) -> Result<(), Error> {
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

fn setup_error(error: &Error) -> ExitCode {
    eprintln!("openfunnel-contract: error: {error}");
    ExitCode::from(2)
}
