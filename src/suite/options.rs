//! What a run is asked to do: which rules (by exact id), with which seed,
//! where failing inputs are kept, and in whose terms skip reasons speak.

use std::path::PathBuf;

use super::{Rule, rules};
use crate::Error;

/// Options of a run.
#[derive(Debug, Clone, Default)]
pub struct SuiteOptions {
    /// Where proptest keeps the seeds of failing job IDs (replayed first
    /// next time); `None` (the default) keeps none and writes nothing.
    /// Env of the CLI: `OPENFUNNEL_REGRESSIONS`.
    pub regressions: Option<PathBuf>,
    /// Only these rules, by exact id (all when empty). An unknown id is an
    /// error ([`SuiteOptions::select`]). Env of the CLI:
    /// `OPENFUNNEL_ONLY`.
    pub only: Vec<String>,
    /// Rules not to run, by exact id. Env of the CLI:
    /// `OPENFUNNEL_SKIP`.
    pub skip: Vec<String>,
    /// Generated job IDs per operation in the property rules; `None` reads
    /// `PROPTEST_CASES` (proptest's default 256 on the mock, 8 on live).
    pub cases: Option<u32>,
    /// Run the rules one at a time also on live (default: concurrently).
    pub sequential: bool,
    /// The seed of the run: every generated job ID, body and sequence
    /// comes from it, so the same seed sends the same requests in the same
    /// order to the mock. Printed in every report. Default 0; env of the
    /// CLI: `OPENFUNNEL_SEED`.
    pub seed: u64,
    /// A run that skipped any rule fails ([`super::SuiteReport::passed`]).
    /// Default off; env of the CLI: `OPENFUNNEL_FAIL_ON_SKIP`.
    pub fail_on_skip: bool,
    /// Whose words skip reasons use: builder methods (the default, for a
    /// library caller) or environment variables (the CLI).
    pub terms: Terms,
}

/// Whose words a skip reason uses to name what to set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Terms {
    /// `Config` builder methods: `Config::allow_writes(true)`.
    #[default]
    Code,
    /// Environment variables: `OPENFUNNEL_ALLOW_WRITES=1`.
    Env,
}

/// Each setting as the environment and as code name it. Skip reasons are
/// written with the environment's words and spoken in the caller's.
const SETTINGS: [(&str, &str); 10] = [
    ("OPENFUNNEL_ALLOW_WRITES=1", "Config::allow_writes(true)"),
    ("OPENFUNNEL_OTHER_API_KEY", "Config::other_api_key"),
    ("OPENFUNNEL_MAX_CREDITS", "Config::max_credits"),
    ("OPENFUNNEL_MAX_REQUESTS", "Config::max_requests"),
    (
        "OPENFUNNEL_JOB_COMPLETED",
        "Config::fixture(JobState::Completed, ..)",
    ),
    (
        "OPENFUNNEL_JOB_FAILED",
        "Config::fixture(JobState::Failed, ..)",
    ),
    (
        "OPENFUNNEL_JOB_CANCELLED",
        "Config::fixture(JobState::Cancelled, ..)",
    ),
    (
        "OPENFUNNEL_JOB_PAUSED",
        "Config::fixture(JobState::Paused, ..)",
    ),
    (
        "OPENFUNNEL_JOB_RUNNING",
        "Config::fixture(JobState::Running, ..)",
    ),
    ("OPENFUNNEL_JOB_*", "Config::fixture or Config::jobs"),
];

impl Terms {
    /// `reason`, written with environment variables, in these terms.
    pub(crate) fn speak(self, reason: &str) -> String {
        match self {
            Terms::Env => reason.to_owned(),
            Terms::Code => SETTINGS
                .iter()
                .fold(reason.to_owned(), |text, (env, code)| {
                    text.replace(env, code)
                }),
        }
    }
}

impl SuiteOptions {
    /// Options for `cargo test` in this repository (`make live`, configured
    /// by `OPENFUNNEL_*` variables): seeds of failing inputs go to
    /// `proptest-regressions/conformance.txt` when that folder exists in
    /// the working directory, and skip reasons name the variables.
    pub fn with_default_regressions() -> SuiteOptions {
        let dir = PathBuf::from("proptest-regressions");
        SuiteOptions {
            regressions: dir.is_dir().then(|| dir.join("conformance.txt")),
            terms: Terms::Env,
            ..SuiteOptions::default()
        }
    }

    /// The rules these options select, in report order; an id in `only`
    /// or `skip` that names no rule is [`Error::UnknownRules`], listing
    /// every id.
    pub fn select(&self) -> Result<Vec<&'static Rule>, Error> {
        let known: Vec<&'static str> = rules().iter().map(|r| r.id).collect();
        let unknown: Vec<String> = self
            .only
            .iter()
            .chain(&self.skip)
            .filter(|id| !known.contains(&id.as_str()))
            .cloned()
            .collect();
        if !unknown.is_empty() {
            return Err(Error::UnknownRules { unknown, known });
        }
        Ok(rules()
            .iter()
            .filter(|rule| {
                (self.only.is_empty() || self.only.iter().any(|o| o == rule.id))
                    && !self.skip.iter().any(|s| s == rule.id)
            })
            .collect())
    }
}

#[cfg(feature = "cli")]
/// Splits a comma-separated list of rule ids (the env twins of `--only`
/// and `--skip`), dropping blanks.
pub(crate) fn rule_ids(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_is_by_exact_id_and_unknown_ids_are_errors() {
        let only = |ids: &[&str]| SuiteOptions {
            only: ids.iter().map(|s| s.to_string()).collect(),
            ..SuiteOptions::default()
        };
        let ids =
            |o: SuiteOptions| -> Vec<&str> { o.select().unwrap().iter().map(|r| r.id).collect() };
        assert_eq!(ids(only(&["submit"])), ["submit"]);
        assert_eq!(
            ids(only(&["pagination", "submit"])),
            ["submit", "pagination"]
        );
        let error = only(&["nonexistent", "submit"])
            .select()
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("no rule nonexistent among: unknown-job-404, "),
            "{error}"
        );
        let skip = SuiteOptions {
            skip: vec!["sub".into()],
            ..SuiteOptions::default()
        };
        assert!(skip.select().is_err());
        assert_eq!(rule_ids(" a, ,b,"), ["a", "b"]);
    }

    #[test]
    fn skip_reasons_speak_the_callers_words() {
        let reason = "needs OPENFUNNEL_ALLOW_WRITES=1; set OPENFUNNEL_JOB_PAUSED";
        assert_eq!(Terms::Env.speak(reason), reason);
        assert_eq!(
            Terms::Code.speak(reason),
            "needs Config::allow_writes(true); set Config::fixture(JobState::Paused, ..)"
        );
    }
}
