//! Exchanges per second and suite wall time.
//!
//! Run: `cargo bench --bench throughput` (or `make bench`). Figures go to
//! BENCHMARKS.md with the command. Without `--bench` (as under
//! `cargo test --all-targets`) it makes a short smoke run.

use std::time::{Duration, Instant};

use openfunnel_contract::mock::MockApi;
use openfunnel_contract::suite::{SuiteOptions, run_suite};
use openfunnel_contract::{
    Config, JobState, Limits, Request, Spec, Target, TargetKind, check_exchange,
};
use reqwest::Method;

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let n = if full { 20_000 } else { 200 };
        exchanges(n).await;
        suite_wall_time(if full { 5 } else { 1 }).await;
        if full {
            live_with_latency().await;
        }
    });
}

/// Raw keep-alive requests vs sent-and-checked exchanges, same mock, same
/// request, one at a time.
async fn exchanges(n: u32) {
    let spec = Spec::embedded().unwrap();
    let mock = MockApi::start().await;
    let job = mock.fixture(JobState::Completed).unwrap();
    let key = mock.api_key();
    let url = format!("{}/api/v1/tam/build/{job}", mock.uri());
    // The target's client installs the TLS provider the raw client needs too.
    let target = Target::on_mock(mock, spec.clone(), Limits::defaults(TargetKind::Mock)).unwrap();
    let raw = reqwest::Client::builder().build().unwrap();

    let raw_rate = raw_requests_per_sec(&raw, &url, key.expose(), n).await;

    let request = Request::new(Method::GET, format!("/api/v1/tam/build/{job}")).key(&key);
    let start = Instant::now();
    for _ in 0..n {
        let exchange = target.send(request.clone()).await.unwrap();
        check_exchange(&spec, &exchange).unwrap();
    }
    let checked_rate = f64::from(n) / start.elapsed().as_secs_f64();

    let start = Instant::now();
    for _ in 0..n {
        std::hint::black_box(target.send(request.clone()).await.unwrap());
    }
    let sent_rate = f64::from(n) / start.elapsed().as_secs_f64();

    // Raw again, last: the mock has served 3n requests by now, so a drift
    // in the server shows as a gap between the two raw figures.
    let raw_again = raw_requests_per_sec(&raw, &url, key.expose(), n).await;
    println!(
        "raw keep-alive requests      {raw_rate:>10.0} /s  ({n} requests; {raw_again:.0} /s when run last)"
    );
    println!(
        "sent, not checked            {sent_rate:>10.0} /s  ({:.0}% of raw)",
        100.0 * sent_rate / raw_rate
    );
    println!(
        "sent + checked exchanges     {checked_rate:>10.0} /s  ({:.0}% of raw)",
        100.0 * checked_rate / raw_rate
    );
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
