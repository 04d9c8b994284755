//! The contract suite, one test per rule (`harness = false`):
//! `cargo test -p your-server --test contract -- --list` lists them,
//! `cargo test -p your-server --test contract terminal_409` runs one.
//! Each rule gets a fresh server and a fresh target.

mod support;

use your_server::Flaw;

fn main() -> std::process::ExitCode {
    openfunnel_contract::harness::run(|| support::target(Flaw::None))
}
