//! `openfunnel-contract`: run the conformance checks, serve the mock, run
//! the checking proxy, compare the service's spec with the vendored one.
//! Everything is in [`openfunnel_contract::cli`].

fn main() -> std::process::ExitCode {
    openfunnel_contract::cli::main()
}
