//! The write guard: which requests a run may send without
//! `OPENFUNNEL_ALLOW_WRITES=1`.

use std::collections::BTreeSet;

use reqwest::Method;

use crate::Spec;
use crate::api::Endpoint;

/// Which requests a run may send without `OPENFUNNEL_ALLOW_WRITES=1`: no
/// submit, and no pause, resume or cancel of a job the suite must not
/// change (a live fixture that is not terminal). A keyed request that
/// is none of the five endpoints and matches no operation of the spec is
/// refused unless it is a `GET`, `HEAD` or `OPTIONS`: a server may route
/// another spelling of a path (`%62uild`, `./`) to submit. Requests
/// without a key cannot spend and always pass.
#[derive(Debug, Default)]
pub(crate) struct WriteGuard {
    allow_writes: bool,
    protected: BTreeSet<String>,
}

/// Where a request goes, as the guard and the budget see it: one of the
/// five endpoints (with its job, decoded), or none of them.
pub(crate) type Routed = Option<(Endpoint, Option<String>)>;

impl WriteGuard {
    /// A guard; `protected` are job IDs that only writes may change.
    pub(crate) fn new(allow_writes: bool, protected: impl IntoIterator<Item = String>) -> Self {
        WriteGuard {
            allow_writes,
            protected: protected.into_iter().collect(),
        }
    }

    /// `Err(reason)` when the request needs writes that are not allowed.
    #[cfg(test)]
    fn check(&self, spec: &Spec, request: &crate::Request) -> Result<(), String> {
        self.check_path(
            spec,
            &request.method,
            &request.path,
            request.api_key.is_some(),
        )
    }

    /// True when nothing is refused: writes allowed, or no key to spend.
    pub(crate) fn passes_all(&self, keyed: bool) -> bool {
        self.allow_writes || !keyed
    }

    /// Like [`WriteGuard::check`] for a path as the server will see it.
    pub(crate) fn check_path(
        &self,
        spec: &Spec,
        method: &Method,
        path: &str,
        keyed: bool,
    ) -> Result<(), String> {
        if self.passes_all(keyed) {
            return Ok(());
        }
        self.check_routed(spec, method, path, keyed, &Endpoint::of(method, path))
    }

    /// Like [`WriteGuard::check_path`] with the endpoint `path` routes to
    /// already known (`Endpoint::of(method, path)`).
    pub(crate) fn check_routed(
        &self,
        spec: &Spec,
        method: &Method,
        path: &str,
        keyed: bool,
        routed: &Routed,
    ) -> Result<(), String> {
        if self.passes_all(keyed) {
            return Ok(());
        }
        let Some((endpoint, job)) = routed else {
            // Another operation of a spec of the user's is theirs to judge;
            // anything else may be a spelling a server routes to submit.
            if spec.match_request(method, path).is_some()
                || matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
            {
                return Ok(());
            }
            return Err(format!(
                "{method} {path} matches no operation of the spec, and a server may route it to one that spends; set OPENFUNNEL_ALLOW_WRITES=1 to allow it"
            ));
        };
        let op = endpoint.operation_id();
        match (*endpoint, job) {
            (Endpoint::Submit, _) => Err(
                "submit creates a build, which costs 1 credit per company; set OPENFUNNEL_ALLOW_WRITES=1 to allow it".into(),
            ),
            (Endpoint::Poll, _) => Ok(()),
            (_, Some(id)) if self.protected.contains(id) => Err(format!(
                "{op} would change job {id}, a fixture the suite did not create and that is not terminal; set OPENFUNNEL_ALLOW_WRITES=1 to allow it"
            )),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use http::Method;

    use super::WriteGuard;
    use crate::{Request, Spec};

    #[test]
    fn the_guard_allows_keyless_requests_and_everything_with_writes() {
        let spec = Spec::embedded().unwrap();
        let key = crate::ApiKey::new("of_x");
        let submit = Request::new(Method::POST, "/api/v1/tam/build");
        let guard = WriteGuard::new(false, ["job-1".to_owned()]);
        assert!(
            guard.check(&spec, &submit).is_ok(),
            "no key: nothing to spend"
        );
        assert!(guard.check(&spec, &submit.clone().key(&key)).is_err());
        let pause = Request::new(Method::POST, "/api/v1/tam/build/job-1/pause").key(&key);
        assert!(guard.check(&spec, &pause).is_err());
        let poll = Request::new(Method::GET, "/api/v1/tam/build/job-1").key(&key);
        assert!(guard.check(&spec, &poll).is_ok(), "polls are free");
        let open = WriteGuard::new(true, ["job-1".to_owned()]);
        assert!(open.check(&spec, &pause).is_ok());
    }
}
