# Targets match the README. Every cargo call is --locked.
CARGO ?= cargo

.PHONY: check test lint doc bench live mock ci

## The main job: the full conformance check against the embedded mock, with a report.
## Not --quiet: a cold build shows its progress from the first second.
check:
	$(CARGO) run --locked --bin openfunnel-contract -- check

## The tests (mock target; no network, no real sleeps): two binaries,
## `--test it` (the library) and `--test cli` (the binary), the doctests,
## then the example crate that tests its own axum server with this one as a
## dev-dependency (examples/your-server, a workspace member).
test:
	$(CARGO) test --locked --all-targets
	$(CARGO) test --locked --doc
	$(CARGO) test --locked -p your-server

## fmt, clippy and docs, as CI runs them.
lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --locked --all-targets -- -D warnings
	$(CARGO) clippy --locked -p your-server --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --locked --no-deps

doc:
	$(CARGO) doc --locked --no-deps --open

## Benchmarks (figures go to BENCHMARKS.md by hand, with the command).
bench:
	$(CARGO) bench --locked --bench validation
	$(CARGO) bench --locked --bench throughput
	$(CARGO) bench --locked --bench proxy

## The suite against a real deployment: read-only unless OPENFUNNEL_ALLOW_WRITES=1.
live:
	OPENFUNNEL_TARGET=live $(CARGO) test --locked --test it conformance::

## The standalone mock on 127.0.0.1:8080.
mock:
	$(CARGO) run --locked --quiet --bin openfunnel-contract -- mock --port 8080

ci: lint test
