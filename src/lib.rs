//! Contract-testing and conformance harness for the OpenFunnel Agent
//! Primitives API (TAM Builder).
//!
//! # Map
//!
//! From the bottom up; each layer uses only the layers below it.
//!
//! | layer | modules | holds |
//! |---|---|---|
//! | words | `api`, `state`, `error`, `secret` | the five endpoints and three controls ([`Endpoint`], [`Control`]), job states, set-up errors, the masked key |
//! | spec | [`spec`], `checks`, `exchange`, `violation` | the document, one-exchange checks ([`check_exchange`] and its parts), violations as data |
//! | judge | [`lifecycle`], `timeline`, [`strategies`] | the 24 control cells, invariants over time, input generators |
//! | client | `client`, `config` | HTTP under a budget, a rate, deadlines, a body cap and a write guard; settings ([`Config`], every env var a `const` in `config/vars.rs`) |
//! | mock | [`mock`] | the thing checked: a stateful mock with personalities and faults |
//! | target | `target`, `record` | the one seam between rules and servers ([`Target`] over a backend: the mock or a live base URL), and the run's [`Record`] |
//! | rules | [`suite`], [`model`] | fixed rules by family; random sequences against the reference model |
//! | reports | [`report`], `coverage`, [`deviations`] | text, JSON and JUnit reports, coverage, known deviations |
//! | faces | [`cli`], `drift`, [`proxy`], [`harness`] | the command line (the binary is `cli::main`), spec drift, the checking proxy (passive conformance of real traffic), and one test per rule in your own test binary |
//!
//! Modules in `code` are private: what a dependent needs from them is
//! re-exported at the top. `cli` needs the feature `cli`, `model` the
//! feature `model`, `harness` the feature `harness` (all three on by
//! default).
//!
//! Most users need only the [`prelude`].
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
//! use openfunnel_contract::{check_exchange, Exchange, Method, Request, Response, Spec, ViolationKind};
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
//! Every environment variable is an `OPENFUNNEL_*` constant in one private
//! module (`src/config/vars.rs`); [`Config`] documents each one with its
//! default. A bad value is an [`Error`], never a silent
//! fallback to the mock.
#![deny(missing_docs)]
#![warn(unreachable_pub, unnameable_types)]

mod api;
mod checks;
#[cfg(feature = "cli")]
pub mod cli;
mod client;
mod config;
mod coverage;
pub mod deviations;
#[cfg(feature = "cli")]
mod drift;
mod error;
mod exchange;
mod flat;
#[cfg(feature = "harness")]
pub mod harness;
pub mod lifecycle;
pub mod mock;
#[cfg(feature = "model")]
pub mod model;
pub mod proxy;
mod record;
pub mod report;
mod secret;
pub mod spec;
mod spend;
mod state;
pub mod strategies;
pub mod suite;
mod target;
mod timeline;
mod violation;

pub use api::{Control, Endpoint};
pub use checks::{
    assert_body, assert_content_type, assert_exchange, assert_no_server_error, assert_operation,
    assert_status, check_body, check_content_type, check_exchange, check_no_server_error,
    check_operation, check_status,
};
pub use client::{SendError, Sent};
pub use config::{Config, JobProvider, JobSource, Limits, TargetKind};
pub use error::{Error, FetchProblem};
pub use exchange::{Exchange, Request, Response};
/// The `http` types the public signatures use ([`Request::new`] takes a
/// [`Method`], [`Response::new`] a [`StatusCode`] and a [`HeaderMap`]),
/// so a dependent needs no `http` or `reqwest` of its own. The crate
/// itself is [`http`].
pub use http::{self, HeaderMap, Method, StatusCode};
pub use record::{Record, Transition};
pub use secret::ApiKey;
pub use spec::Spec;
pub use spend::{DOLLARS_PER_CREDIT, Spend};
pub use state::{JobState, UnknownState};
pub use target::{BackendFuture, Target, Unavailable};
pub use violation::{Mismatch, Violation, ViolationBuilder, ViolationKind};

/// What a test of a server or a client needs, in one import:
/// `use openfunnel_contract::prelude::*;`.
pub mod prelude {
    pub use crate::api::{Control, Endpoint};
    pub use crate::checks::{assert_exchange, check_exchange};
    pub use crate::config::{Config, Limits, TargetKind};
    pub use crate::error::Error;
    pub use crate::exchange::{Exchange, Request, Response};
    pub use crate::mock::MockApi;
    pub use crate::proxy::{Proxy, ProxyReport};
    pub use crate::report::render_text;
    pub use crate::secret::ApiKey;
    pub use crate::spec::Spec;
    pub use crate::state::JobState;
    pub use crate::suite::{SuiteOptions, SuiteReport, run_suite};
    pub use crate::target::Target;
    pub use crate::violation::{Violation, ViolationKind};
    pub use http::{HeaderMap, Method, StatusCode};
}
