//! The write guard: which requests a run may send without
//! `OPENFUNNEL_ALLOW_WRITES=1`.

use std::collections::BTreeSet;

use reqwest::Method;

use crate::{Request, Spec};

/// Which requests a run may send without `OPENFUNNEL_ALLOW_WRITES=1`: no
/// submit, and no pause, resume or cancel of a job the suite must not
/// change (a live fixture that is not terminal). A keyed request that
/// matches no operation of the spec is refused unless it is a `GET`,
/// `HEAD` or `OPTIONS`: a server may route another spelling of a path
/// (`%62uild`, `./`) to submit. Requests without a key cannot spend and
/// always pass.
#[derive(Debug, Default)]
pub struct WriteGuard {
    allow_writes: bool,
    protected: BTreeSet<String>,
}

impl WriteGuard {
    /// A guard; `protected` are job IDs that only writes may change.
    pub fn new(allow_writes: bool, protected: impl IntoIterator<Item = String>) -> Self {
        WriteGuard {
            allow_writes,
            protected: protected.into_iter().collect(),
        }
    }

    /// `Err(reason)` when the request needs writes that are not allowed.
    pub fn check(&self, spec: &Spec, request: &Request) -> Result<(), String> {
        self.check_path(
            spec,
            &request.method,
            &request.path,
            request.api_key.is_some(),
        )
    }

    /// Like [`WriteGuard::check`] for a path as the server will see it.
    pub(crate) fn check_path(
        &self,
        spec: &Spec,
        method: &Method,
        path: &str,
        keyed: bool,
    ) -> Result<(), String> {
        if self.allow_writes || !keyed {
            return Ok(());
        }
        let Some(found) = spec.match_request(method, path) else {
            if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
                return Ok(());
            }
            return Err(format!(
                "{method} {path} matches no operation of the spec, and a server may route it to one that spends; set OPENFUNNEL_ALLOW_WRITES=1 to allow it"
            ));
        };
        let job = found.params.iter().find(|(name, _)| name == "job_id");
        match (found.operation.id(), job) {
            ("submitTamBuildJob", _) => Err(
                "submit creates a build, which costs 1 credit per company; set OPENFUNNEL_ALLOW_WRITES=1 to allow it".into(),
            ),
            (op, Some((_, id))) if op != "pollTamBuildJob" && self.protected.contains(id) => Err(format!(
                "{op} would change job {id}, a fixture the suite did not create and that is not terminal; set OPENFUNNEL_ALLOW_WRITES=1 to allow it"
            )),
            _ => Ok(()),
        }
    }
}
