//! The library's tests, one binary (`cargo test --test it`): one module
//! per concern, every test named `module::test`, so a concern runs alone
//! with a filter (`cargo test --test it hostile::`). The CLI's tests are
//! the other binary (`tests/cli/`).
//!
//! | module | what it checks |
//! |---|---|
//! | `checks`, `spec` | the one-exchange checks and the spec loader |
//! | `conformance` | every rule against `OPENFUNNEL_TARGET` (`make live`) |
//! | `mock_lifecycle`, `mock_contract` | the mock over HTTP, and against its own contract |
//! | `broken_servers`, `hostile` | the rules and the client against broken and hostile servers (tables) |
//! | `in_process` | the in-process transport to the mock answers as over HTTP |
//! | `base_url`, `live_mode`, `spend_safety` | where requests go; live runs stay read-only, within budget and rate |
//! | `live_runs` | live runs with writes: every cell, fixtures put back, spend capped, seeds replayed |
//! | `secrets` | the key never shows |
//! | `report`, `deviations`, `drift` | reports, known deviations, spec drift |
//! | `model`, `model_faults` | the model-based lifecycle test (feature `model`) |
//! | `fuzz` | parsers and printers under proptest |
//! | `personalities` | the suite and the model pass every correct server the mock can play |
//! | `invariants` | each invariant over time fails its own broken server |
//! | `proxy` | the checking proxy: silent before every personality, each broken variant and client mistake reported, upstream faults answered 502/504 |
//! | `docs_sync` | the README's and `docs/your-server.md`'s code is the example crate's |
//! | `harness` | one test per rule for a dependent's test binary (feature `harness`) |

#[macro_use]
mod support;

mod base_url;
mod broken_servers;
mod checks;
mod conformance;
mod deviations;
mod docs_sync;
mod drift;
mod fuzz;
#[cfg(feature = "harness")]
mod harness;
mod hostile;
mod in_process;
#[cfg(feature = "model")]
mod invariants;
mod live_mode;
mod live_runs;
mod mock_contract;
mod mock_lifecycle;
#[cfg(feature = "model")]
mod model;
#[cfg(feature = "model")]
mod model_faults;
mod personalities;
mod proxy;
mod report;
mod secrets;
mod spec;
mod spend_safety;
