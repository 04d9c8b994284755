//! The embedded mock as a [`Backend`]: fresh seeded jobs, a manual clock.

use std::time::Duration;

use super::backend::{Backend, BackendFuture, Unavailable};
use crate::client::{InProcess, ServeFuture};
use crate::mock::{InProcessMock, MockApi};
use crate::{ApiKey, JobState};

impl InProcess for InProcessMock {
    fn serve(&self, request: http::Request<Vec<u8>>) -> ServeFuture<'_> {
        Box::pin(InProcessMock::serve(self, request))
    }
}

/// A [`MockApi`] as a backend.
#[derive(Debug)]
pub(crate) struct MockBackend {
    pub(crate) mock: MockApi,
}

impl Backend for MockBackend {
    fn job_in<'a>(
        &'a self,
        key: &'a ApiKey,
        state: JobState,
    ) -> BackendFuture<'a, Result<String, Unavailable>> {
        let id = self.mock.seed_job(key, state);
        Box::pin(async move { Ok(id) })
    }

    fn pass_time(&self, by: Duration) -> BackendFuture<'_, ()> {
        self.mock.advance(by);
        Box::pin(async {})
    }

    fn poll_interval(&self) -> Duration {
        self.mock.personality().band
    }

    fn seeds_on_demand(&self) -> bool {
        true
    }

    fn unmatched(&self) -> Vec<String> {
        self.mock
            .unmatched_requests()
            .iter()
            .map(|u| {
                format!(
                    "{} {} answered {} (nearest operation: {} {})",
                    u.method,
                    u.path,
                    u.status,
                    u.nearest_operation.method(),
                    u.nearest_operation.path_template()
                )
            })
            .collect()
    }
}
