//! Exchanges per second and suite wall time.
//!
//! Run: `cargo bench --bench throughput` (or `make bench`). Figures go to
//! BENCHMARKS.md with the command. Without `--bench` (as under
//! `cargo test --all-targets`) it makes a short smoke run.

use std::time::{Duration, Instant};

use openfunnel_contract::mock::{MockApi, MockTransport};
use openfunnel_contract::model::{ModelOptions, ModelOutcome, ModelRunner, Scope};
use openfunnel_contract::suite::{SuiteOptions, run_suite};
use openfunnel_contract::{
    Config, JobState, Limits, Request, Spec, Target, TargetKind, check_exchange,
};
use reqwest::Method;

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    // Words after `--` pick parts: `exchanges`, `model`, `suite`, `live`
    // (default: all), e.g. `cargo bench --bench throughput -- model`.
    let parts: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let part = |name: &str| parts.is_empty() || parts.iter().any(|p| p == name);
    let n = if full { 20_000 } else { 200 };
    // The mock serves from a thread of its own (wiremock's), so the client
    // side can run on either runtime. The two-worker runtime driven by
    // `block_on` from the main thread is how `ModelRunner` ran before
    // issue 11 §6; on one thread a request does not hop between threads on
    // the client side.
    let multi = || {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    };
    let single = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    if part("exchanges") {
        multi().block_on(exchanges("two-worker runtime", n));
        single().block_on(exchanges("current-thread runtime", n));
    }
    if part("model") {
        model_runs(if full { 64 } else { 4 });
    }
    if part("suite") {
        multi().block_on(suite_wall_time(if full { 5 } else { 1 }));
    }
    if full && part("live") {
        multi().block_on(live_with_latency());
    }
}

/// Rounds of each measurement, interleaved, after a warm-up.
const ROUNDS: u32 = 4;

/// Raw keep-alive requests vs sent vs sent-and-checked exchanges over
/// HTTP to wiremock's server thread, then sent and sent-and-checked over
/// HTTP to a mock served on this runtime (`on_caller_runtime`), and in
/// process (a mock reached with [`MockTransport::InProcess`]); each mock
/// of the same seed, the same request, one
/// at a time: a warm-up, then [`ROUNDS`] rounds of `n / ROUNDS` of each in
/// turn (so a drift of the machine hits all alike); prints the range over
/// the rounds. Then `check_exchange` alone on one exchange, no HTTP.
async fn exchanges(runtime: &str, n: u32) {
    let spec = Spec::embedded().unwrap();
    let mock = MockApi::start().await;
    let job = mock.fixture(JobState::Completed).unwrap();
    let key = mock.api_key();
    let url = format!("{}/api/v1/tam/build/{job}", mock.uri());
    let limits = Limits::defaults(TargetKind::Mock);
    // The target's client installs the TLS provider the raw client needs too.
    let target = Target::on_mock(mock, spec.clone(), limits).unwrap();
    let raw = reqwest::Client::builder().build().unwrap();
    let request = Request::new(Method::GET, format!("/api/v1/tam/build/{job}")).key(&key);
    let local_mock = MockApi::start().await;
    let local_job = local_mock.fixture(JobState::Completed).unwrap();
    let local =
        Target::on_mock_with(local_mock, spec.clone(), limits, MockTransport::InProcess).unwrap();
    let local_request =
        Request::new(Method::GET, format!("/api/v1/tam/build/{local_job}")).key(&key);
    let here_mock = MockApi::builder().on_caller_runtime().start().await;
    let here_job = here_mock.fixture(JobState::Completed).unwrap();
    let here_url = format!("{}/api/v1/tam/build/{here_job}", here_mock.uri());
    let here = Target::on_mock(here_mock, spec.clone(), limits).unwrap();
    let here_request = Request::new(Method::GET, format!("/api/v1/tam/build/{here_job}")).key(&key);

    let per_round = (n / ROUNDS).max(1);
    let warm_up = (n / 20).max(1);
    raw_requests_per_sec(&raw, &url, key.expose(), warm_up).await;
    sent_per_sec(&target, &request, None, warm_up).await;
    sent_per_sec(&target, &request, Some(&spec), warm_up).await;
    sent_per_sec(&local, &local_request, None, warm_up).await;
    sent_per_sec(&local, &local_request, Some(&spec), warm_up).await;
    raw_requests_per_sec(&raw, &here_url, key.expose(), warm_up).await;
    sent_per_sec(&here, &here_request, None, warm_up).await;
    sent_per_sec(&here, &here_request, Some(&spec), warm_up).await;
    let mut rates: [Vec<f64>; 8] = Default::default();
    for _ in 0..ROUNDS {
        rates[0].push(raw_requests_per_sec(&raw, &url, key.expose(), per_round).await);
        rates[1].push(sent_per_sec(&target, &request, None, per_round).await);
        rates[2].push(sent_per_sec(&target, &request, Some(&spec), per_round).await);
        rates[3].push(sent_per_sec(&local, &local_request, None, per_round).await);
        rates[4].push(sent_per_sec(&local, &local_request, Some(&spec), per_round).await);
        rates[7].push(raw_requests_per_sec(&raw, &here_url, key.expose(), per_round).await);
        rates[5].push(sent_per_sec(&here, &here_request, None, per_round).await);
        rates[6].push(sent_per_sec(&here, &here_request, Some(&spec), per_round).await);
    }

    let exchange = target.send(request.clone()).await.unwrap();
    let local_exchange = local.send(local_request.clone()).await.unwrap();
    assert_eq!(exchange.response.body, local_exchange.response.body);
    let start = Instant::now();
    for _ in 0..n {
        check_exchange(&spec, std::hint::black_box(&exchange)).unwrap();
    }
    let check_rate = f64::from(n) / start.elapsed().as_secs_f64();

    let range = |rates: &[f64]| {
        let min = rates.iter().copied().fold(f64::INFINITY, f64::min);
        let max = rates.iter().copied().fold(0.0, f64::max);
        format!("{min:>6.0} – {max:>6.0} /s")
    };
    println!("{runtime}: {ROUNDS} rounds of {per_round}, after {warm_up} of each");
    println!("  over HTTP (loopback, wiremock's server thread):");
    println!("    raw keep-alive requests    {}", range(&rates[0]));
    println!("    sent, not checked          {}", range(&rates[1]));
    println!("    sent + checked exchanges   {}", range(&rates[2]));
    println!("  over HTTP, the mock served on this runtime (on_caller_runtime):");
    println!("    raw keep-alive requests    {}", range(&rates[7]));
    println!("    sent, not checked          {}", range(&rates[5]));
    println!("    sent + checked exchanges   {}", range(&rates[6]));
    println!("  in process (MockTransport::InProcess, no socket):");
    println!("    sent, not checked          {}", range(&rates[3]));
    println!("    sent + checked exchanges   {}", range(&rates[4]));
    println!(
        "  check_exchange alone         {check_rate:>6.0} /s  ({:.1} µs each, no HTTP)",
        1e6 / check_rate
    );
}

/// Exchanges through `target` per second; each checked when `spec` is given.
async fn sent_per_sec(target: &Target, request: &Request, spec: Option<&Spec>, n: u32) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        let exchange = target.send(request.clone()).await.unwrap();
        if let Some(spec) = spec {
            check_exchange(spec, &exchange).unwrap();
        }
        std::hint::black_box(exchange);
    }
    f64::from(n) / start.elapsed().as_secs_f64()
}

/// Plain keep-alive GETs with `reqwest`, no checks: requests per second.
async fn raw_requests_per_sec(raw: &reqwest::Client, url: &str, key: &str, n: u32) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        let response = raw.get(url).header("x-api-key", key).send().await.unwrap();
        std::hint::black_box(response.bytes().await.unwrap());
    }
    f64::from(n) / start.elapsed().as_secs_f64()
}

/// Model runs against a fresh embedded mock per sequence, over HTTP
/// (`Target::mock`) and in process (`run_on_mock`, the default of
/// `ModelOptions::mock`): sequences and steps per second, [`ROUNDS`] runs
/// of `cases` sequences of each in turn after a warm-up (fixed seeds, so
/// every run has the same sequences).
fn model_runs(cases: u32) {
    let options = ModelOptions {
        cases,
        ..ModelOptions::mock().seeded(7)
    };
    let runner = ModelRunner::new(options).unwrap();
    let run = |transport: MockTransport| {
        let start = Instant::now();
        let outcome = runner.run(Scope::mock(), move || Target::mock_with(transport));
        let ModelOutcome::Pass(pass) = outcome.unwrap() else {
            panic!("the model failed on the mock");
        };
        let secs = start.elapsed().as_secs_f64();
        (
            pass.cases as f64 / secs,
            pass.steps as f64 / secs,
            pass.steps,
        )
    };
    let kinds = [MockTransport::Http, MockTransport::InProcess];
    let mut rates: [Vec<(f64, f64)>; 2] = Default::default();
    let mut steps = 0;
    for round in 0..=ROUNDS {
        for (i, transport) in kinds.into_iter().enumerate() {
            let (seq, step, n) = run(transport);
            steps = n;
            // Round 0 is the warm-up.
            if round > 0 {
                rates[i].push((seq, step));
            }
        }
    }
    println!(
        "model runs on a current-thread runtime ({cases} sequences, {steps} steps a run, {ROUNDS} runs of each after a warm-up):"
    );
    for (label, rates) in ["over HTTP ", "in process"].into_iter().zip(&rates) {
        let (seq, step) = (min_max(rates, |r| r.0), min_max(rates, |r| r.1));
        println!(
            "  ModelRunner, {label}      {:>5.0} – {:>5.0} sequences/s, {:>6.0} – {:>6.0} steps/s",
            seq.0, seq.1, step.0, step.1
        );
    }
}

fn min_max(rates: &[(f64, f64)], f: fn(&(f64, f64)) -> f64) -> (f64, f64) {
    (
        rates.iter().map(f).fold(f64::INFINITY, f64::min),
        rates.iter().map(f).fold(0.0, f64::max),
    )
}

/// The whole default suite against a fresh embedded mock.
async fn suite_wall_time(reps: u32) {
    let mut times = Vec::new();
    for _ in 0..reps {
        let start = Instant::now();
        let target = Target::mock().await.unwrap();
        let report = run_suite(&target, &SuiteOptions::default()).await;
        assert!(report.passed());
        times.push((start.elapsed(), report.requests));
    }
    let best = times.iter().map(|t| t.0).min().unwrap();
    let mean = times.iter().map(|t| t.0).sum::<Duration>() / reps;
    println!(
        "default suite on the mock    best {best:.2?}, mean {mean:.2?} over {reps} runs, {} requests each",
        times[0].1
    );
}

/// A read-only live run against a local server with 50 ms added latency:
/// rules one at a time, then concurrently, at the default and an unlimited rate.
async fn live_with_latency() {
    for (label, rps) in [("rps 5 (default)", Some(5.0)), ("rps unlimited", None)] {
        for sequential in [true, false] {
            let mock = MockApi::builder()
                .latency(Duration::from_millis(50))
                .start()
                .await;
            let mut config = Config::live(&mock.uri(), mock.api_key()).unwrap();
            config.limits.rps = rps;
            config.limits.wait = Duration::from_secs(1);
            for state in [
                JobState::Completed,
                JobState::Failed,
                JobState::Cancelled,
                JobState::Paused,
                JobState::Running,
            ] {
                config.fixtures.insert(state, mock.fixture(state).unwrap());
            }
            let target = Target::from_config(&config).await.unwrap();
            let options = SuiteOptions {
                sequential,
                cases: Some(8),
                ..SuiteOptions::default()
            };
            let start = Instant::now();
            let report = run_suite(&target, &options).await;
            let elapsed = start.elapsed();
            assert!(report.passed());
            let per_rule: Vec<String> = report
                .rules
                .iter()
                .filter(|r| r.requests > 0)
                .map(|r| format!("{} {}", r.id, r.requests))
                .collect();
            println!(
                "live, 50 ms latency, {label}, {}: {elapsed:.2?} for {} requests",
                if sequential {
                    "sequential"
                } else {
                    "concurrent"
                },
                report.requests
            );
            if sequential && rps.is_some() {
                println!("  requests per rule: {}", per_rule.join(", "));
            }
        }
    }
}
