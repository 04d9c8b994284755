//! Property runs over generated job IDs: proptest on a blocking thread, so
//! each case can send a request; a failure shrinks to the smallest ID.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicU32;
use std::sync::{Arc, Mutex};

use proptest::test_runner::{
    Config as ProptestConfig, FileFailurePersistence, TestCaseError, TestError, TestRunner,
};

use super::session::{Session, Stop, send_counted};
use crate::api::Endpoint;
use crate::{Exchange, Request, Target, TargetKind, check_exchange};

/// Proptest config for job-ID rules: [`super::SuiteOptions::cases`] when
/// set, else `PROPTEST_CASES` when set, else proptest's default on the mock
/// and 8 cases on live (every case is a request against the budget).
pub(super) fn proptest_config(session: &Session, label: &str) -> ProptestConfig {
    let mut config = ProptestConfig {
        rng_seed: proptest::test_runner::RngSeed::Fixed(rule_seed(session.options().seed, label)),
        ..ProptestConfig::default()
    };
    if let Some(cases) = session.options().cases {
        config.cases = cases;
    } else if session.target().kind() == TargetKind::Live
        && std::env::var("PROPTEST_CASES").is_err()
    {
        config.cases = 8;
    }
    config.failure_persistence = session.options().regressions.clone().map(|path| {
        Box::new(FileFailurePersistence::Direct(Box::leak(
            path.to_string_lossy().into_owned().into_boxed_str(),
        ))) as _
    });
    config.max_shrink_iters = 256;
    config
}

/// The generator seed of one rule in a run of seed `seed`: a stable mix
/// of both, so each rule draws its own inputs and the same run seed
/// always draws the same ones.
pub(super) fn rule_seed(seed: u64, rule: &str) -> u64 {
    // FNV-1a over the rule id, folded with the run seed.
    let mut hash = 0xcbf2_9ce4_8422_2325u64 ^ seed;
    for byte in rule.bytes() {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// A proptest runner drawing from the run's seed for `rule`.
pub(super) fn seeded_runner(seed: u64, rule: &str) -> TestRunner {
    let bytes: Vec<u8> = rule_seed(seed, rule)
        .to_le_bytes()
        .into_iter()
        .cycle()
        .take(32)
        .collect();
    TestRunner::new_with_rng(
        ProptestConfig::default(),
        proptest::test_runner::TestRng::from_seed(
            proptest::test_runner::RngAlgorithm::ChaCha,
            &bytes,
        ),
    )
}

/// Runs `check` on generated job IDs through proptest (on a blocking thread,
/// so each case can send a request); a failure is shrunk to the smallest ID.
pub(super) async fn prop_over_ids<S>(
    session: &mut Session,
    strategy: S,
    label: &str,
    check: fn(&Target, &AtomicU32, &str) -> Result<(), Stop>,
) -> Result<(), Stop>
where
    S: proptest::strategy::Strategy<Value = String> + Send + 'static,
{
    let target = session.target().clone();
    let config = proptest_config(session, label);
    let cases = config.cases;
    let handle = tokio::runtime::Handle::current();
    let failures: Arc<Mutex<BTreeMap<String, Stop>>> = Arc::default();
    let recorded = failures.clone();
    let sent = session.sent_counter();
    // No usable answer (timeout, reset, body too large) is not about the
    // ID: once one is seen, shrinking sends nothing more, so a server that
    // never answers costs one timeout, not one per shrink step.
    let no_answer = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stopped = no_answer.clone();
    let result = tokio::task::spawn_blocking(move || {
        let mut runner = TestRunner::new(config);
        runner.run(&strategy, |id| {
            let _guard = handle.enter();
            if stopped.load(std::sync::atomic::Ordering::SeqCst) {
                return Ok(());
            }
            match check(&target, &sent, &id) {
                Ok(()) => Ok(()),
                Err(Stop::Skip(reason)) => Err(TestCaseError::reject(reason)),
                Err(stop) => {
                    if matches!(&stop, Stop::Fail(v) if v.kind == crate::ViolationKind::Transport) {
                        stopped.store(true, std::sync::atomic::Ordering::SeqCst);
                    }
                    recorded.lock().expect("lock").insert(id.clone(), stop);
                    Err(TestCaseError::fail(id))
                }
            }
        })
    })
    .await
    .map_err(|e| Stop::Skip(format!("the property runner stopped: {e}")))?;
    match result {
        Ok(()) => {
            session.note(format!(
                "{label}: {cases} generated IDs per operation passed"
            ));
            Ok(())
        }
        Err(TestError::Fail(_, minimal)) => {
            let stop = failures.lock().expect("lock").remove(&minimal);
            if no_answer.load(std::sync::atomic::Ordering::SeqCst) {
                session.note(format!(
                    "{label}: no usable answer for ID {minimal:?}; not shrunk"
                ));
            } else {
                session.minimal_input(format!(
                    "{label}: shrunk to the minimal failing ID {minimal:?}"
                ));
            }
            Err(stop.unwrap_or_else(|| {
                Stop::Skip(format!("failing ID {minimal:?} lost its violation"))
            }))
        }
        Err(TestError::Abort(reason)) => Err(Stop::Skip(format!("{label}: {reason}"))),
    }
}

/// Sends one request from a blocking thread and runs the spec checks.
pub(super) fn blocking_call(
    target: &Target,
    sent: &AtomicU32,
    request: Request,
) -> Result<Exchange, Stop> {
    let exchange = blocking_send(target, sent, request)?;
    check_exchange(target.spec(), &exchange)?;
    Ok(exchange)
}

/// Sends one request from a blocking thread, unchecked.
pub(super) fn blocking_send(
    target: &Target,
    sent: &AtomicU32,
    request: Request,
) -> Result<Exchange, Stop> {
    Ok(tokio::runtime::Handle::current().block_on(send_counted(target, sent, request))?)
}

/// A keyed request to each of the four job endpoints for `id`.
pub(super) fn job_requests(target: &Target, id: &str) -> Vec<(Request, &'static str)> {
    Endpoint::ON_JOB
        .into_iter()
        .map(|endpoint| {
            (
                endpoint.request(id).key(target.api_key()),
                endpoint.operation_id(),
            )
        })
        .collect()
}
