//! Request validation in FastAPI's words: the 422 `HTTPValidationError`s.

use serde_json::{Value, json};
use wiremock::Request;

/// A header value as Starlette reads it: UTF-8 if possible, else Latin-1.
pub(crate) fn header(request: &Request, name: &str) -> Option<String> {
    let value = request.headers.get(name)?;
    Some(match value.to_str() {
        Ok(s) => s.to_owned(),
        Err(_) => value.as_bytes().iter().map(|&b| char::from(b)).collect(),
    })
}

/// One FastAPI / pydantic `ValidationError`.
fn error(kind: &str, loc: Value, msg: &str, input: Value, ctx: Option<Value>) -> Value {
    let mut error = json!({ "type": kind, "loc": loc, "msg": msg, "input": input });
    if let Some(ctx) = ctx {
        error["ctx"] = ctx;
    }
    error
}

/// The body of a 422: `{"detail": [errors]}`.
pub(crate) fn unprocessable(errors: Vec<Value>) -> Value {
    json!({ "detail": errors })
}

/// The error of a missing `X-API-Key`.
pub(crate) fn missing_key() -> Value {
    error(
        "missing",
        json!(["header", "x-api-key"]),
        "Field required",
        Value::Null,
        None,
    )
}

/// True for `application/json` and `application/*+json`, any parameters.
pub(crate) fn is_json_media_type(content_type: &str) -> bool {
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match mime.split_once('/') {
        Some(("application", sub)) => sub == "json" || sub.ends_with("+json"),
        _ => false,
    }
}

/// Validates a submit: its `query`, or the 422 body. FastAPI reads and
/// decodes the body first (a JSON syntax error is reported alone), then
/// reports every parameter error at once, the header first.
pub(crate) fn submit(request: &Request, key: Option<&str>) -> Result<String, Value> {
    let content_type = header(request, "content-type");
    let body: Option<Result<Value, String>> = if request.body.is_empty() {
        None
    } else if content_type.as_deref().is_none_or(is_json_media_type) {
        match serde_json::from_slice::<Value>(&request.body) {
            Ok(value) => Some(Ok(value)),
            Err(err) => {
                return Err(unprocessable(vec![error(
                    "json_invalid",
                    json!(["body", 0]),
                    "JSON decode error",
                    json!({}),
                    Some(json!({ "error": err.to_string() })),
                )]));
            }
        }
    } else {
        Some(Err(String::from_utf8_lossy(&request.body).into_owned()))
    };

    let mut errors = Vec::new();
    if key.is_none() {
        errors.push(missing_key());
    }
    let not_an_object = |input: Value| {
        error(
            "model_attributes_type",
            json!(["body"]),
            "Input should be a valid dictionary or object to extract fields from",
            input,
            None,
        )
    };
    let mut query = None;
    match body {
        None | Some(Ok(Value::Null)) => errors.push(error(
            "missing",
            json!(["body"]),
            "Field required",
            Value::Null,
            None,
        )),
        Some(Err(raw)) => errors.push(not_an_object(Value::String(raw))),
        Some(Ok(Value::Object(fields))) => match fields.get("query") {
            None => errors.push(error(
                "missing",
                json!(["body", "query"]),
                "Field required",
                Value::Object(fields.clone()),
                None,
            )),
            Some(Value::String(q)) if q.is_empty() => errors.push(error(
                "string_too_short",
                json!(["body", "query"]),
                "String should have at least 1 character",
                json!(q),
                Some(json!({ "min_length": 1 })),
            )),
            Some(Value::String(q)) if q.chars().count() > 500 => errors.push(error(
                "string_too_long",
                json!(["body", "query"]),
                "String should have at most 500 characters",
                json!(q),
                Some(json!({ "max_length": 500 })),
            )),
            Some(Value::String(q)) => query = Some(q.clone()),
            Some(other) => errors.push(error(
                "string_type",
                json!(["body", "query"]),
                "Input should be a valid string",
                other.clone(),
                None,
            )),
        },
        Some(Ok(other)) => errors.push(not_an_object(other)),
    }
    match query {
        Some(query) if errors.is_empty() => Ok(query),
        _ => Err(unprocessable(errors)),
    }
}
