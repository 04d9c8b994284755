//! The checking proxy's overhead: added latency per request (p50/p99,
//! proxied minus direct, on loopback) and proxied + checked requests per
//! second. The mock, the proxy and the client share one process and its
//! cores, so both figures are conservative.
//!
//! `cargo bench --locked --bench proxy` (figures go to BENCHMARKS.md).
//! Without `--bench` (as under `cargo test --all-targets`) it makes a short
//! smoke run.

use std::time::{Duration, Instant};

use openfunnel_contract::JobState;
use openfunnel_contract::mock::{MockApi, PRIMARY_KEY};
use openfunnel_contract::proxy::Proxy;

/// Sequential requests per side for the latency figures (smoke run: 50).
const LATENCY_REQUESTS: usize = 5_000;
/// Requests in the throughput run (smoke run: 320), and the clients
/// sending them at once.
const THROUGHPUT_REQUESTS: usize = 40_000;
const CLIENTS: usize = 32;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

async fn poll(http: &reqwest::Client, url: &str) -> Duration {
    let started = Instant::now();
    let answer = http
        .get(url)
        .header("x-api-key", PRIMARY_KEY)
        .send()
        .await
        .expect("an answer");
    assert_eq!(answer.status(), 200);
    answer.bytes().await.expect("a body");
    started.elapsed()
}

async fn throughput(base: &str, path: &str, requests: usize) -> f64 {
    let started = Instant::now();
    let mut clients = tokio::task::JoinSet::new();
    for _ in 0..CLIENTS {
        let url = format!("{base}{path}");
        clients.spawn(async move {
            let http = reqwest::Client::new();
            for _ in 0..requests / CLIENTS {
                poll(&http, &url).await;
            }
        });
    }
    while clients.join_next().await.is_some() {}
    (requests / CLIENTS * CLIENTS) as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (latency_requests, throughput_requests, warm_up) = if full {
        (LATENCY_REQUESTS, THROUGHPUT_REQUESTS, 500)
    } else {
        (50, 320, 5)
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let mock = MockApi::start().await;
        let proxy = Proxy::builder(&mock.uri()).start().await.expect("a proxy");
        let job = mock.fixture(JobState::Completed).expect("fixtures");
        let path = format!("/api/v1/tam/build/{job}?cursor=page_0001");
        let (direct_url, proxied_url) = (
            format!("{}{path}", mock.uri()),
            format!("{}{path}", proxy.uri()),
        );
        let http = reqwest::Client::new();
        for _ in 0..warm_up {
            poll(&http, &direct_url).await;
            poll(&http, &proxied_url).await;
        }
        // Interleaved, so drift of the machine hits both sides alike.
        let (mut direct, mut proxied) = (Vec::new(), Vec::new());
        for _ in 0..latency_requests {
            direct.push(poll(&http, &direct_url).await);
            proxied.push(poll(&http, &proxied_url).await);
        }
        let mut pairwise: Vec<f64> = direct
            .iter()
            .zip(&proxied)
            .map(|(d, x)| x.as_secs_f64() * 1e6 - d.as_secs_f64() * 1e6)
            .collect();
        pairwise.sort_by(f64::total_cmp);
        direct.sort();
        proxied.sort();
        let us = |d: Duration| d.as_secs_f64() * 1e6;
        println!("proxy bench: {latency_requests} sequential polls per side (keep-alive, loopback)");
        for (name, p) in [("p50", 0.50), ("p90", 0.90), ("p99", 0.99)] {
            let (d, x) = (percentile(&direct, p), percentile(&proxied, p));
            println!(
                "  {name}: direct {:>7.1} µs, proxied {:>7.1} µs, added {:>7.1} µs",
                us(d),
                us(x),
                us(x) - us(d)
            );
        }
        let pair = |p: f64| pairwise[((pairwise.len() as f64 - 1.0) * p).round() as usize];
        println!(
            "  added per pair (proxied minus the direct poll just before it): p50 {:.1} µs, p90 {:.1} µs, p99 {:.1} µs",
            pair(0.50),
            pair(0.90),
            pair(0.99)
        );
        let direct_rps = throughput(&mock.uri(), &path, throughput_requests).await;
        let before = proxy.report().exchanges_checked;
        let proxied_rps = throughput(&proxy.uri(), &path, throughput_requests).await;
        let checked = proxy.report().exchanges_checked - before;
        println!(
            "  throughput with {CLIENTS} clients: direct {direct_rps:.0} req/s, proxied and checked {proxied_rps:.0} req/s ({checked} exchanges checked)"
        );
        let report = proxy.finish().await;
        assert!(report.passed(), "the bench's traffic is correct");
    });
}
