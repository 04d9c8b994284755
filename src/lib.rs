//! Contract-testing and conformance harness for the OpenFunnel Agent
//! Primitives API (TAM Builder).
//!
//! It validates any implementation of the API against its OpenAPI 3.1
//! document ([`Spec`]) and against the lifecycle rules a schema cannot
//! express ([`suite`]). Checks return `Result<_, Violation>`; every
//! `assert_*` twin panics with one readable sentence and a curl line that
//! replays the request (the key written as `$OPENFUNNEL_API_KEY`).
//!
//! # Tutorial
//!
//! ## Check one exchange
//!
//! ```
//! use openfunnel_contract::{check_exchange, Exchange, Request, Response, Spec, ViolationKind};
//! use reqwest::Method;
//! use serde_json::json;
//!
//! // Arrange: the vendored spec and an exchange your client or server produced.
//! let spec = Spec::embedded()?;
//! let request = Request::new(Method::POST, "/api/v1/tam/build/8a8e8a97/resume");
//! let ok = Exchange::new(request.clone(), Response::json(200, &json!({
//!     "job_id": "8a8e8a97", "status": "running", "message": "Resume started."
//! })));
//! let broken = Exchange::new(request, Response::json(500, &json!({"detail": "boom"})));
//!
//! // Act and assert.
//! assert!(check_exchange(&spec, &ok).is_ok());
//! let violation = check_exchange(&spec, &broken).unwrap_err();
//! assert_eq!(violation.kind, ViolationKind::ServerError);
//! assert!(violation.to_string().contains("curl -sS -X POST"));
//! # Ok::<(), openfunnel_contract::Error>(())
//! ```
//!
//! ## Run the suite against a target
//!
//! The embedded mock is the default target; a live deployment is a
//! [`Config::live`] (or the `OPENFUNNEL_*` environment, [`Target::from_env`]).
//! A crate that vendors this one points it at its own server the same way.
//!
//! ```
//! use openfunnel_contract::suite::{run_suite, SuiteOptions};
//! use openfunnel_contract::Target;
//!
//! # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
//! # async fn main() -> Result<(), openfunnel_contract::Error> {
//! // Arrange: a fresh stateful mock (seeded IDs, manual clock).
//! let target = Target::mock().await?;
//!
//! // Act: every rule, then the cleanup of jobs the suite created.
//! let report = run_suite(&target, &SuiteOptions::default()).await;
//!
//! // Assert: a correct server passes every rule.
//! assert!(report.passed(), "{}", openfunnel_contract::report::render_text(&report));
//! # Ok(()) }
//! ```
//!
//! ## Configuration
//!
//! Every environment variable is a constant in [`config`]; [`Config`]
//! documents each default. A bad value is an [`Error`], never a silent
//! fallback to the mock.
#![deny(missing_docs)]

pub mod api;
pub mod checks;
mod client;
pub mod config;
pub mod coverage;
pub mod deviations;
pub mod drift;
mod error;
mod exchange;
pub mod lifecycle;
pub mod mock;
#[cfg(feature = "model")]
pub mod model;
pub mod report;
mod secret;
pub mod spec;
mod state;
pub mod strategies;
pub mod suite;
mod target;
mod violation;

pub use checks::{
    assert_body, assert_content_type, assert_exchange, assert_no_server_error, assert_operation,
    assert_status, check_body, check_content_type, check_exchange, check_no_server_error,
    check_operation, check_status,
};
pub use client::{SendError, Sent, WriteGuard};
pub use config::{Config, Limits, TargetKind};
pub use error::Error;
pub use exchange::{Exchange, Request, Response};
pub use secret::ApiKey;
pub use spec::Spec;
pub use state::{JobState, UnknownState};
pub use target::Target;
pub use violation::{Mismatch, Violation, ViolationKind};
