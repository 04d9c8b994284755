//! Contract-testing and conformance harness for the OpenFunnel Agent
//! Primitives API (TAM Builder).
#![deny(missing_docs)]

pub mod checks;
mod client;
pub mod config;
mod error;
mod exchange;
pub mod lifecycle;
pub mod mock;
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
