//! Checks on one exchange against the spec. Each `check_*` returns
//! `Result<(), Violation>`; each `assert_*` twin panics with the rendered
//! violation and points at the caller.

use serde_json::Value;

use crate::spec::{Operation, essence, shorten};
use crate::{Exchange, Mismatch, Spec, Violation, ViolationKind};

/// A check on one exchange: the shape every `check_*` function has.
pub(crate) type Check = fn(&Spec, &Exchange) -> Result<(), Violation>;

/// Runs every check (operation, no 5xx, status, content type, body schema,
/// in that order) and returns the first violation. The operation is looked
/// up once for all of them.
pub fn check_exchange(spec: &Spec, exchange: &Exchange) -> Result<(), Violation> {
    let op = operation_of(spec, exchange)?;
    no_server_error(exchange, Some(op.id()))?;
    status_of(op, exchange)?;
    content_type_of(op, exchange)?;
    body_of(spec, op, exchange, None)
}

/// [`check_exchange`] with the response body already parsed (`parsed` is
/// `exchange.response.body_json()`), for a caller that reads the body too
/// (the proxy): the body is parsed once.
pub(crate) fn check_exchange_parsed(
    spec: &Spec,
    exchange: &Exchange,
    parsed: &Result<Value, serde_json::Error>,
) -> Result<(), Violation> {
    let op = operation_of(spec, exchange)?;
    no_server_error(exchange, Some(op.id()))?;
    status_of(op, exchange)?;
    content_type_of(op, exchange)?;
    body_of(spec, op, exchange, Some(parsed))
}

/// The request's method and path match an operation of the spec.
pub fn check_operation(spec: &Spec, exchange: &Exchange) -> Result<(), Violation> {
    operation_of(spec, exchange).map(|_| ())
}

/// The answer is not a 5xx. A server error is never correct, documented or not.
pub fn check_no_server_error(spec: &Spec, exchange: &Exchange) -> Result<(), Violation> {
    if exchange.status() < 500 {
        return Ok(());
    }
    let op = spec
        .match_request(&exchange.request.method, &exchange.request.path)
        .map(|m| m.operation.id());
    no_server_error(exchange, op)
}

fn no_server_error(exchange: &Exchange, op: Option<&str>) -> Result<(), Violation> {
    let status = exchange.status();
    if status < 500 {
        return Ok(());
    }
    Err(
        Violation::builder(ViolationKind::ServerError, "no-5xx", exchange)
            .operation(op)
            .expected("a status below 500")
            .actual(format_args!("{status} ({})", body_excerpt(exchange)))
            .build(),
    )
}

/// The status is documented for the operation: the exact code, a range
/// such as `4XX`, or `default`.
pub fn check_status(spec: &Spec, exchange: &Exchange) -> Result<(), Violation> {
    status_of(operation_of(spec, exchange)?, exchange)
}

fn status_of(op: &Operation, exchange: &Exchange) -> Result<(), Violation> {
    let status = exchange.status();
    if op.response_for(status).is_some() {
        return Ok(());
    }
    Err(
        Violation::builder(ViolationKind::UndocumentedStatus, "status", exchange)
            .operation(op.id())
            .spec_at(format!("{}/responses", op.pointer()))
            .expected(format_args!(
                "one of {}",
                op.documented_statuses().join(", ")
            ))
            .actual(status)
            .build(),
    )
}

/// When the matching response documents a body, the `Content-Type` is one
/// of its media types (parameters such as `charset` are ignored).
pub fn check_content_type(spec: &Spec, exchange: &Exchange) -> Result<(), Violation> {
    content_type_of(operation_of(spec, exchange)?, exchange)
}

fn content_type_of(op: &Operation, exchange: &Exchange) -> Result<(), Violation> {
    let Some(response) = op.response_for(exchange.status()) else {
        return Ok(());
    };
    if response.media().is_empty() {
        return Ok(());
    }
    let actual = exchange.response.content_type();
    if actual.is_some_and(|ct| response.media_for(ct).is_some()) {
        return Ok(());
    }
    let documented: Vec<&str> = response.media().iter().map(|m| m.media_type()).collect();
    let actual = match actual {
        Some(ct) => format!("Content-Type {}", essence(ct)),
        None => "no Content-Type".into(),
    };
    Err(
        Violation::builder(ViolationKind::ContentType, "content-type", exchange)
            .operation(op.id())
            .spec_at(format!("{}/content", response.pointer()))
            .expected(format_args!("Content-Type {}", documented.join(" or ")))
            .actual(actual)
            .build(),
    )
}

/// The body parses as JSON and validates against the documented schema.
/// Every schema error is reported, each with its pointer in the body and
/// in the spec.
pub fn check_body(spec: &Spec, exchange: &Exchange) -> Result<(), Violation> {
    body_of(spec, operation_of(spec, exchange)?, exchange, None)
}

fn body_of(
    spec: &Spec,
    op: &Operation,
    exchange: &Exchange,
    parsed: Option<&Result<Value, serde_json::Error>>,
) -> Result<(), Violation> {
    let Some(response) = op.response_for(exchange.status()) else {
        return Ok(());
    };
    let Some(media) = exchange
        .response
        .content_type()
        .and_then(|ct| response.media_for(ct))
    else {
        return Ok(());
    };
    if !media.has_schema() {
        return Ok(());
    }
    // The fast path: a body found valid without building a `Value`. It
    // never passes a body the `Value` path refuses; anything else (a body
    // that does not parse or validate, or one it cannot read exactly as
    // `serde_json` would) takes the `Value` path, which words the errors.
    if parsed.is_none() && media.is_valid_bytes(&exchange.response.body) == Some(true) {
        return Ok(());
    }
    let owned;
    let parsed = match parsed {
        Some(parsed) => parsed,
        None => {
            owned = exchange.response.body_json();
            &owned
        }
    };
    let body = match parsed {
        Ok(body) => body,
        Err(error) => {
            return Err(
                Violation::builder(ViolationKind::InvalidJson, "body-json", exchange)
                    .operation(op.id())
                    .spec_at(format!("{}/schema", media.pointer()))
                    .expected(format_args!("a JSON body ({error})"))
                    .actual(body_excerpt(exchange))
                    .build(),
            );
        }
    };
    // The fast path: most bodies are valid, and collecting errors costs more.
    if media.is_valid(body) {
        return Ok(());
    }
    let errors = media.validate(spec, body);
    if errors.is_empty() {
        return Ok(());
    }
    let mismatches = errors.into_iter().map(|e| Mismatch {
        pointer: Some(e.pointer),
        spec_pointer: Some(e.spec_pointer),
        expected: e.expected,
        actual: e.actual,
    });
    Err(
        Violation::builder(ViolationKind::Schema, "body-schema", exchange)
            .operation(op.id())
            .mismatches(mismatches)
            .build(),
    )
}

/// The operation the request matched, or an `UnknownOperation` violation.
pub(crate) fn operation_of<'s>(
    spec: &'s Spec,
    exchange: &Exchange,
) -> Result<&'s Operation, Violation> {
    let request = &exchange.request;
    if let Some(found) = spec.match_request(&request.method, &request.path) {
        return Ok(found.operation);
    }
    let at_path: Vec<String> = spec
        .operations_at(&request.path)
        .iter()
        .map(|op| format!("{} {}", op.method(), op.path_template()))
        .collect();
    let expected = if at_path.is_empty() {
        "a path of the spec".to_owned()
    } else {
        format!("one of {}", at_path.join(", "))
    };
    Err(
        Violation::builder(ViolationKind::UnknownOperation, "operation", exchange)
            .spec_at("/paths")
            .expected(expected)
            .actual(format_args!("{} {}", request.method, request.path))
            .build(),
    )
}

fn body_excerpt(exchange: &Exchange) -> String {
    let text = exchange.response.body_text();
    if text.is_empty() {
        "empty body".into()
    } else {
        format!("body {:?}", shorten(&text))
    }
}

macro_rules! assert_twin {
    ($($(#[$doc:meta])* $assert:ident => $check:ident;)*) => {$(
        $(#[$doc])*
        #[track_caller]
        pub fn $assert(spec: &Spec, exchange: &Exchange) {
            if let Err(violation) = $check(spec, exchange) {
                panic!("{violation}");
            }
        }
    )*};
}

assert_twin! {
    /// Panics unless [`check_exchange`] passes.
    assert_exchange => check_exchange;
    /// Panics unless [`check_operation`] passes.
    assert_operation => check_operation;
    /// Panics unless [`check_no_server_error`] passes.
    assert_no_server_error => check_no_server_error;
    /// Panics unless [`check_status`] passes.
    assert_status => check_status;
    /// Panics unless [`check_content_type`] passes.
    assert_content_type => check_content_type;
    /// Panics unless [`check_body`] passes.
    assert_body => check_body;
}
