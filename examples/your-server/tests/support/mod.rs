//! What both test files share: a fresh server, and the harness's settings
//! for a test of one's own server (writes, a job provider, a second key,
//! no rate limit, a short wait, no credit cap).
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use openfunnel_contract::{ApiKey, Config, Error, JobState, Target, Unavailable};
use your_server::{Flaw, Status, Store, Timing};

/// The tenant the suite runs as, and a second one for the isolation rule.
pub const KEY: &str = "of_test_primary";
pub const OTHER_KEY: &str = "of_test_other";

/// A fresh server with `flaw`, on a free port of 127.0.0.1.
pub async fn server(flaw: Flaw) -> Result<(Store, SocketAddr), Error> {
    let store = Store::new(Timing::default(), flaw);
    let addr = your_server::spawn(store.clone(), ([127, 0, 0, 1], 0).into())
        .await
        .map_err(|e| Error::Target(format!("cannot start the server: {e}")))?;
    Ok((store, addr))
}

/// Every live setting a real test of one's own server needs. Left at
/// `Config::live`'s defaults, a run is read-only and most rules skip.
pub fn config(store: Store, addr: SocketAddr) -> Result<Config, Error> {
    Ok(Config::live(&format!("http://{addr}"), ApiKey::new(KEY))?
        // Submit, resume and changes to seeded jobs: it is our own server.
        .allow_writes(true)
        // The isolation rule needs another tenant.
        .other_api_key(ApiKey::new(OTHER_KEY))?
        // Jobs in any state, seeded straight into the store.
        .jobs(move |key: ApiKey, state: JobState| {
            let store = store.clone();
            async move {
                let status = Status::parse(state.as_str())
                    .ok_or_else(|| Unavailable::new(state, "no such state here"))?;
                Ok(store.seed(key.expose(), status))
            }
        })
        // Local server: no rate limit, room for the generated IDs, a wait
        // that fits its 100 ms transient states, and no credit cap.
        .rps(None)
        .max_requests(10_000)
        .wait(Duration::from_secs(3))
        .timeout(Duration::from_secs(5))
        .max_credits(None))
}

/// A target on a fresh server with `flaw`.
pub async fn target(flaw: Flaw) -> Result<Target, Error> {
    let (store, addr) = server(flaw).await?;
    Target::from_config(&config(store, addr)?).await
}
