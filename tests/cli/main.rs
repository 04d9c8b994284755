//! The CLI's tests, one binary (`cargo test --test cli`, feature `cli`):
//! each runs the `openfunnel-contract` binary through [`run`], the one
//! runner. The helpers are the library tests' (`tests/it/support/`).
//!
//! | module | what it checks |
//! |---|---|
//! | `check` | `check`: formats, output files, colour, `--min-coverage`, `--deviations`, exit codes |
//! | `errors` | bad input: one line on stderr, exit 2, nothing sent |
//! | `secrets` | the key never shows, in any format, on any stream |
//! | `drift` | `spec diff` and `spec pull` |
//! | `proxy` | `proxy`: set-up error, findings on stderr as they happen, the report at SIGTERM, `--fail-on-violation` |

#[path = "../it/support/mod.rs"]
#[macro_use]
mod support;

mod run;

mod check;
mod drift;
mod errors;
mod proxy;
mod secrets;
