//! `spec diff` and `spec pull`: the service's own document against the
//! vendored one.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::process::ExitCode;

use crate::config::{self, Config};
use crate::{Error, Spec, drift};
use clap::{Args, Subcommand};

#[derive(Subcommand, Debug)]
pub(crate) enum SpecCommand {
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
pub(crate) struct SpecDiffArgs {
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
pub(crate) struct SpecPullArgs {
    #[command(flatten)]
    fetch: FetchArgs,
    /// Write the document to this file instead of standard output.
    #[arg(long)]
    output: Option<String>,
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

pub(crate) async fn spec_diff(args: &SpecDiffArgs) -> Result<ExitCode, Error> {
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

pub(crate) async fn spec_pull(args: &SpecPullArgs) -> Result<ExitCode, Error> {
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
