//! [`ViolationBuilder`]: a violation named part by part, in the style of
//! `wiremock::ResponseTemplate` and `insta::Settings`.

use std::fmt;

use super::{Mismatch, Violation, ViolationKind};
use crate::Exchange;
use crate::api::Endpoint;

/// A [`Violation`] under construction, from [`Violation::builder`] or
/// [`Violation::lifecycle`]; [`build`](ViolationBuilder::build) (or
/// `.into()`) finishes it.
///
/// The method, path, status and curl line come from the exchange. The
/// first mismatch is the one [`at`](Self::at), [`spec_at`](Self::spec_at),
/// [`expected`](Self::expected) and [`actual`](Self::actual) describe (a
/// part not given is `None` or empty); those added whole with
/// [`mismatch`](Self::mismatch) follow it. A violation always has at
/// least one mismatch: with none described and none added, it has one
/// with every part empty.
///
/// ```
/// use openfunnel_contract::{Exchange, Mismatch, Request, Response, Violation, ViolationKind};
/// use reqwest::Method;
/// use serde_json::json;
///
/// let exchange = Exchange::new(
///     Request::new(Method::POST, "/api/v1/tam/build"),
///     Response::json(200, &json!({"job_id": 7})),
/// );
/// let violation: Violation = Violation::builder(ViolationKind::Schema, "body-schema", &exchange)
///     .operation("submitTamBuildJob")
///     .mismatch(Mismatch {
///         pointer: Some("/job_id".into()),
///         spec_pointer: Some("/components/schemas/TamBuildSubmitResponse/properties/job_id/type".into()),
///         expected: "type: \"string\"".into(),
///         actual: "7".into(),
///     })
///     .into();
/// assert_eq!(violation.mismatches.len(), 1);
/// assert_eq!(violation.status, Some(200));
/// ```
#[derive(Debug, Clone)]
#[must_use = "a violation builder does nothing until `.build()` or `.into()` makes the violation"]
pub struct ViolationBuilder<'e> {
    kind: ViolationKind,
    rule: String,
    exchange: &'e Exchange,
    operation_id: Option<String>,
    described: Option<Mismatch>,
    more: Vec<Mismatch>,
    because: Option<String>,
}

impl<'e> ViolationBuilder<'e> {
    /// A builder with nothing described yet.
    pub(super) fn new(kind: ViolationKind, rule: &str, exchange: &'e Exchange) -> Self {
        ViolationBuilder {
            kind,
            rule: rule.to_owned(),
            exchange,
            operation_id: None,
            described: None,
            more: Vec::new(),
            because: None,
        }
    }

    /// The operation is this endpoint's (its `operationId`).
    pub fn endpoint(self, endpoint: Endpoint) -> Self {
        self.operation(endpoint.operation_id())
    }

    /// The operation, by `operationId`; `None` (the default) when the
    /// request matched none.
    pub fn operation<'a>(mut self, operation_id: impl Into<Option<&'a str>>) -> Self {
        self.operation_id = operation_id.into().map(str::to_owned);
        self
    }

    /// JSON pointer into the response body where the mismatch is (`""` is
    /// the body itself).
    pub fn at(mut self, pointer: impl Into<String>) -> Self {
        self.described().pointer = Some(pointer.into());
        self
    }

    /// JSON pointer into the spec document of the rule that failed.
    pub fn spec_at(mut self, spec_pointer: impl Into<String>) -> Self {
        self.described().spec_pointer = Some(spec_pointer.into());
        self
    }

    /// What the contract allows.
    pub fn expected(mut self, expected: impl fmt::Display) -> Self {
        self.described().expected = expected.to_string();
        self
    }

    /// What came back.
    pub fn actual(mut self, actual: impl fmt::Display) -> Self {
        self.described().actual = actual.to_string();
        self
    }

    /// Adds a whole mismatch after the described one.
    pub fn mismatch(mut self, mismatch: Mismatch) -> Self {
        self.more.push(mismatch);
        self
    }

    /// Adds whole mismatches after the described one, in order.
    pub fn mismatches(mut self, mismatches: impl IntoIterator<Item = Mismatch>) -> Self {
        self.more.extend(mismatches);
        self
    }

    /// The documentation sentence the rule rests on.
    pub fn because(mut self, sentence: impl Into<String>) -> Self {
        self.because = Some(sentence.into());
        self
    }

    /// The violation.
    pub fn build(self) -> Violation {
        let mut mismatches: Vec<Mismatch> = self.described.into_iter().chain(self.more).collect();
        if mismatches.is_empty() {
            mismatches.push(Mismatch::empty());
        }
        let request = &self.exchange.request;
        Violation {
            kind: self.kind,
            rule: self.rule,
            operation_id: self.operation_id,
            method: request.method.to_string(),
            path: request.path_and_query(),
            status: Some(self.exchange.response.status),
            mismatches,
            because: self.because,
            curl: request.curl(),
        }
    }

    fn described(&mut self) -> &mut Mismatch {
        self.described.get_or_insert_with(Mismatch::empty)
    }
}

impl From<ViolationBuilder<'_>> for Violation {
    fn from(builder: ViolationBuilder<'_>) -> Violation {
        builder.build()
    }
}

impl Mismatch {
    /// A mismatch with every part empty.
    fn empty() -> Mismatch {
        Mismatch {
            pointer: None,
            spec_pointer: None,
            expected: String::new(),
            actual: String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ApiKey, Response};
    use serde_json::json;

    fn poll() -> Exchange {
        let request = Endpoint::Poll
            .request("8a8e8a97")
            .base("https://api.example.test")
            .key(&ApiKey::new("of_canary_secret"))
            .query("cursor", "2");
        Exchange::new(request, Response::json(200, &json!({"status": "running"})))
    }

    fn mismatch(pointer: Option<&str>, expected: &str, actual: &str) -> Mismatch {
        Mismatch {
            pointer: pointer.map(str::to_owned),
            spec_pointer: None,
            expected: expected.to_owned(),
            actual: actual.to_owned(),
        }
    }

    #[test]
    fn the_lifecycle_builder_is_the_general_builder() {
        let exchange = poll();
        let positional = Violation::builder(ViolationKind::Lifecycle, "pause-settles", &exchange)
            .operation(Some("pollTamBuildJob"))
            .mismatch(mismatch(Some("/status"), "\"paused\"", "\"running\""))
            .build()
            .because("\"Pausing: then paused.\"");
        let built = Violation::lifecycle("pause-settles", &exchange)
            .endpoint(Endpoint::Poll)
            .at("/status")
            .expected("\"paused\"")
            .actual("\"running\"")
            .because("\"Pausing: then paused.\"")
            .build();
        assert_eq!(built, positional);
        assert_eq!(built.to_string(), positional.to_string());
        assert_eq!(
            built.to_string(),
            "pollTamBuildJob: GET /api/v1/tam/build/8a8e8a97?cursor=2 answered 200 — a broken \
             lifecycle rule [pause-settles]: at /status: expected \"paused\", got \"running\".\n  \
             because: \"Pausing: then paused.\"\n  reproduce: curl -sS -X GET \
             'https://api.example.test/api/v1/tam/build/8a8e8a97?cursor=2' -H \"X-API-Key: $OPENFUNNEL_API_KEY\""
        );
    }

    #[test]
    fn parts_default_to_none_and_empty_and_order_is_kept() {
        let exchange = poll();
        let bare: Violation =
            Violation::builder(ViolationKind::Schema, "body-schema", &exchange).into();
        assert_eq!(bare.operation_id, None);
        assert_eq!(bare.because, None);
        assert_eq!(bare.mismatches, [mismatch(None, "", "")]);

        let status_only = Violation::lifecycle("r", &exchange).actual(500).build();
        assert_eq!(status_only.mismatches, [mismatch(None, "", "500")]);

        let first = mismatch(Some(""), "an object", "null");
        let second = mismatch(Some("/rows"), "an array", "7");
        let many = Violation::builder(ViolationKind::Schema, "body-schema", &exchange)
            .operation(Some("pollTamBuildJob"))
            .spec_at("/paths")
            .expected("x")
            .mismatches([first.clone(), second.clone()])
            .build();
        let described = Mismatch {
            spec_pointer: Some("/paths".into()),
            ..mismatch(None, "x", "")
        };
        assert_eq!(many.mismatches, [described, first.clone(), second.clone()]);
        assert!(many.to_string().contains(
            ", 3 mismatches:\n  1. expected x, got  (spec #/paths)\n  2. at (body root): "
        ));

        let only_added = Violation::builder(ViolationKind::Schema, "body-schema", &exchange)
            .mismatch(first.clone())
            .mismatch(second.clone())
            .operation(None)
            .build();
        assert_eq!(only_added.mismatches, [first, second]);
    }

    #[test]
    fn the_exchange_gives_method_path_status_and_curl() {
        let exchange = poll();
        let violation = Violation::lifecycle("r", &exchange).build();
        assert_eq!(violation.method, "GET");
        assert_eq!(violation.path, "/api/v1/tam/build/8a8e8a97?cursor=2");
        assert_eq!(violation.status, Some(200));
        assert_eq!(violation.curl, exchange.request.curl());
        assert!(!violation.to_string().contains("canary"));
    }
}
