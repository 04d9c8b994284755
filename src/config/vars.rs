//! Every environment variable, one `const` each, prefixed `OPENFUNNEL_`.
// Some settings are read only by the command line (`FORMAT`, `OUTPUT`,
// the proxy's, ...): unused in a build without the feature `cli`.
#![cfg_attr(not(feature = "cli"), allow(dead_code))]

/// `mock` (default) or `live`.
pub(crate) const TARGET: &str = "OPENFUNNEL_TARGET";
/// Base URL of a live deployment; may carry a path prefix. Default
/// [`DEFAULT_BASE_URL`].
pub(crate) const BASE_URL: &str = "OPENFUNNEL_BASE_URL";
/// The live API key. Required when live.
pub(crate) const API_KEY: &str = "OPENFUNNEL_API_KEY";
/// A second tenant's key, for the isolation rule. Optional.
pub(crate) const OTHER_API_KEY: &str = "OPENFUNNEL_OTHER_API_KEY";
/// ID of an existing completed job of the key (live fixture).
pub(crate) const JOB_COMPLETED: &str = "OPENFUNNEL_JOB_COMPLETED";
/// ID of an existing failed job of the key (live fixture).
pub(crate) const JOB_FAILED: &str = "OPENFUNNEL_JOB_FAILED";
/// ID of an existing cancelled job of the key (live fixture).
pub(crate) const JOB_CANCELLED: &str = "OPENFUNNEL_JOB_CANCELLED";
/// ID of an existing paused job of the key (live fixture).
pub(crate) const JOB_PAUSED: &str = "OPENFUNNEL_JOB_PAUSED";
/// ID of an existing running job of the key (live fixture).
pub(crate) const JOB_RUNNING: &str = "OPENFUNNEL_JOB_RUNNING";
/// `1` permits calls that can create or continue a build, or change a job
/// the suite did not create. Default off: builds cost money.
pub(crate) const ALLOW_WRITES: &str = "OPENFUNNEL_ALLOW_WRITES";
/// Most requests one run may send (retries included).
pub(crate) const MAX_REQUESTS: &str = "OPENFUNNEL_MAX_REQUESTS";
/// Most requests per second.
pub(crate) const RPS: &str = "OPENFUNNEL_RPS";
/// Per-request timeout, seconds.
pub(crate) const TIMEOUT_SECS: &str = "OPENFUNNEL_TIMEOUT_SECS";
/// Deadline for a transient state (pausing, cancelling) to settle, seconds.
pub(crate) const WAIT_SECS: &str = "OPENFUNNEL_WAIT_SECS";
/// Report format of the CLI: `text` (default), `json` or `junit`.
pub(crate) const FORMAT: &str = "OPENFUNNEL_FORMAT";
/// File the CLI writes its report to (default: standard output).
pub(crate) const OUTPUT: &str = "OPENFUNNEL_OUTPUT";
/// Spec file to check against instead of the vendored one.
pub(crate) const SPEC: &str = "OPENFUNNEL_SPEC";
/// Seed of the embedded mock's IDs and rows. Default 0.
pub(crate) const MOCK_SEED: &str = "OPENFUNNEL_MOCK_SEED";
/// Known-deviations file of the CLI's `check` (JSON; see
/// [`crate::deviations`]). Default: none.
pub(crate) const DEVIATIONS: &str = "OPENFUNNEL_DEVIATIONS";
/// Least status coverage, in percent (0–100), below which the CLI's
/// `check` fails (see [`crate::coverage`]). Default: none.
pub(crate) const MIN_COVERAGE: &str = "OPENFUNNEL_MIN_COVERAGE";

/// Most credits a run may spend on jobs it creates or resumes (1 credit,
/// about $0.02, per company delivered). Default 100 on live; unlimited on
/// the mock (nothing is charged there). A rule that would go over it is
/// skipped with the reason; a paid job that reaches it is stopped.
pub(crate) const MAX_CREDITS: &str = "OPENFUNNEL_MAX_CREDITS";
/// Seed of the run: every generated job ID, body and sequence comes from
/// it, so the same seed sends the same requests in the same order to the
/// mock. Printed in every report. Default 0.
pub(crate) const SEED: &str = "OPENFUNNEL_SEED";
/// File where the CLI's `check` keeps the seeds of failing generated
/// inputs (replayed first next time). Default: none, so a CLI run writes
/// no file it was not asked to.
pub(crate) const REGRESSIONS: &str = "OPENFUNNEL_REGRESSIONS";
/// `1` fails a run that skipped any rule. Default off.
pub(crate) const FAIL_ON_SKIP: &str = "OPENFUNNEL_FAIL_ON_SKIP";
/// `1` lists every unmatched request in the text report even when the run
/// passed (default: one counted line). Default off.
pub(crate) const VERBOSE: &str = "OPENFUNNEL_VERBOSE";
/// Milliseconds of one band of the standalone mock (`mock --band-ms`).
pub(crate) const MOCK_BAND_MS: &str = "OPENFUNNEL_MOCK_BAND_MS";
/// Rules to run, by exact id, comma-separated (default: all).
pub(crate) const ONLY: &str = "OPENFUNNEL_ONLY";
/// Rules not to run, by exact id, comma-separated (default: none).
pub(crate) const SKIP: &str = "OPENFUNNEL_SKIP";

/// The proxy's upstream: base URL of the service it stands in front of
/// (`openfunnel-contract proxy --upstream`). Required by the proxy.
pub(crate) const UPSTREAM: &str = "OPENFUNNEL_UPSTREAM";
/// Port of 127.0.0.1 the proxy listens on (0: a free one). Default 8081.
pub(crate) const PROXY_PORT: &str = "OPENFUNNEL_PROXY_PORT";
/// How long the proxy runs before it reports, seconds. Default: until
/// Ctrl-C.
pub(crate) const DURATION_SECS: &str = "OPENFUNNEL_DURATION_SECS";
/// `1` makes the proxy exit 1 when it saw a server fault or a client
/// mistake. Default 0.
pub(crate) const FAIL_ON_VIOLATION: &str = "OPENFUNNEL_FAIL_ON_VIOLATION";
/// `1` lets the proxy send read-only polls of its own, to learn a job's
/// state before a control call on it. Default 0.
pub(crate) const PROBE: &str = "OPENFUNNEL_PROBE";

/// Every variable above, for `--help` texts and for tests.
#[cfg(test)]
pub(crate) const ALL: [&str; 33] = [
    TARGET,
    BASE_URL,
    API_KEY,
    OTHER_API_KEY,
    JOB_COMPLETED,
    JOB_FAILED,
    JOB_CANCELLED,
    JOB_PAUSED,
    JOB_RUNNING,
    ALLOW_WRITES,
    MAX_REQUESTS,
    RPS,
    TIMEOUT_SECS,
    WAIT_SECS,
    FORMAT,
    OUTPUT,
    SPEC,
    MOCK_SEED,
    DEVIATIONS,
    MIN_COVERAGE,
    MAX_CREDITS,
    SEED,
    REGRESSIONS,
    FAIL_ON_SKIP,
    VERBOSE,
    MOCK_BAND_MS,
    ONLY,
    SKIP,
    UPSTREAM,
    PROXY_PORT,
    DURATION_SECS,
    FAIL_ON_VIOLATION,
    PROBE,
];

/// The production deployment.
pub(crate) const DEFAULT_BASE_URL: &str = "https://api.openfunnel.dev";
