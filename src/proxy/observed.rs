//! One exchange the proxy saw, and its judgement by the spec alone
//! ([`crate::checks`]), which needs no state and runs outside the judge's
//! lock.

use serde_json::Value;

use super::report::{Finding, Side};
use crate::api::Endpoint;
use crate::{Exchange, Spec, Violation, checks};

const KEY_REQUIRED: &str = "\"Every OpenFunnel API request authenticates with a single header: X-API-Key\" (agent-primitives/authentication); a required header parameter of every operation in the spec";

/// One exchange the proxy saw, ready to judge.
#[derive(Debug)]
pub(crate) struct Observed {
    /// The request (key kept apart, bodies cut and masked) and the answer
    /// (decoded, masked; possibly cut).
    pub exchange: Exchange,
    /// Whether the answer's body was read whole within the cap and decoded.
    pub complete: bool,
    /// The answer's body parsed, once for every judgement that reads it
    /// (an error for a body that is not JSON, or was not read whole).
    pub parsed: Result<Value, serde_json::Error>,
}

impl Observed {
    /// The parsed body, `null` when it is not JSON.
    pub(super) fn body(&self) -> &Value {
        self.parsed.as_ref().unwrap_or(&Value::Null)
    }
}

/// What the spec says of one exchange: the findings, and whether its body
/// was checked (`None`: no operation matched).
#[derive(Debug)]
pub(crate) struct SpecJudgement {
    pub(super) found: Vec<Finding>,
    pub(super) checked: Option<bool>,
}

/// The one-exchange judgement, which needs no state (run outside the
/// judge's lock): a missing key and an undescribed request are the
/// client's; the answer's status, content type and body are the server's.
pub(crate) fn check_spec(spec: &Spec, observed: &Observed) -> SpecJudgement {
    let ex = &observed.exchange;
    let mut found = Vec::new();
    if ex.request.api_key.is_none() {
        found.push(Finding {
            side: Side::Client,
            violation: Violation::lifecycle("client-missing-key", ex)
                .operation(Endpoint::of_exchange(ex).map(|e| e.operation_id()))
                .expected("an X-API-Key header")
                .actual("no X-API-Key header")
                .because(KEY_REQUIRED)
                .build(),
        });
    }
    let server = |v: Violation| Finding {
        side: Side::Server,
        violation: v,
    };
    let checked = match checks::check_operation(spec, ex) {
        Err(unknown) => {
            found.push(Finding {
                side: Side::Client,
                violation: unknown,
            });
            found.extend(checks::check_no_server_error(spec, ex).err().map(server));
            None
        }
        Ok(()) if observed.complete => {
            found.extend(
                checks::check_exchange_parsed(spec, ex, &observed.parsed)
                    .err()
                    .map(server),
            );
            Some(true)
        }
        Ok(()) => {
            let head: [checks::Check; 3] = [
                checks::check_no_server_error,
                checks::check_status,
                checks::check_content_type,
            ];
            found.extend(
                head.iter()
                    .find_map(|check| check(spec, ex).err())
                    .map(server),
            );
            Some(false)
        }
    };
    SpecJudgement { found, checked }
}
