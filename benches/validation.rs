//! Schema validation throughput: a 100-row poll page validated against its
//! compiled schema, compared with `serde_json` parsing the same bytes.
//!
//! Run: `cargo bench --bench validation` (or `make bench`).

use std::hint::black_box;
use std::time::{Duration, Instant};

use openfunnel_contract::Spec;
use serde_json::Value;

fn main() {
    let spec = Spec::embedded().expect("spec");
    let example = spec
        .examples()
        .into_iter()
        .find(|e| e.operation.id() == "pollTamBuildJob")
        .expect("poll example");
    let media = example.media;
    let mut body = example.value.clone();
    let row = body["rows"][0].clone();
    body["rows"] = Value::Array(vec![row; 100]);
    let bytes = serde_json::to_vec(&body).unwrap();
    let parsed: Value = serde_json::from_slice(&bytes).unwrap();
    assert!(media.is_valid(&parsed));

    // `cargo test --all-targets` runs this binary without `--bench`: a smoke run only.
    if !std::env::args().any(|a| a == "--bench") {
        let errors = media.validate(&spec, &parsed);
        assert!(errors.is_empty());
        println!("validation bench: smoke run passed (use cargo bench for figures)");
        return;
    }
    println!("poll page: 100 rows, {} bytes", bytes.len());
    let parse = rate("serde_json parse", || {
        black_box(serde_json::from_slice::<Value>(black_box(&bytes)).unwrap());
    });
    let validate = rate("schema validate (is_valid)", || {
        black_box(media.is_valid(black_box(&parsed)));
    });
    let collect = rate("schema validate (all errors)", || {
        black_box(media.validate(&spec, black_box(&parsed)));
    });
    let both = rate("parse + validate", || {
        let value: Value = serde_json::from_slice(black_box(&bytes)).unwrap();
        black_box(media.is_valid(&value));
    });
    println!(
        "validation is {:.1}x the speed of parsing (all errors: {:.1}x); parse + validate runs at {:.0}% of parse alone",
        validate / parse,
        collect / parse,
        100.0 * both / parse
    );
}

/// Runs `f` for about two seconds after a warm-up and prints calls/s.
fn rate(name: &str, mut f: impl FnMut()) -> f64 {
    let warm = Instant::now();
    while warm.elapsed() < Duration::from_millis(300) {
        f();
    }
    let start = Instant::now();
    let mut calls = 0u64;
    while start.elapsed() < Duration::from_secs(2) {
        for _ in 0..100 {
            f();
        }
        calls += 100;
    }
    let per_sec = calls as f64 / start.elapsed().as_secs_f64();
    println!("{name:<32} {per_sec:>12.0} /s");
    per_sec
}
