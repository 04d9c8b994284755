//! Documented responses: status keys, media types and their compiled
//! schemas.

use std::fmt;

use jsonschema::Validator;
use serde_json::Value;

use super::Spec;
use super::schema::SchemaError;
use crate::flat::{Doc, Flat};

/// A key of the `responses` object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StatusKey {
    /// An exact code such as `404`.
    Code(u16),
    /// A range such as `4XX` (holds the first digit).
    Range(u16),
    /// `default`.
    Default,
}

impl StatusKey {
    /// `200`, `4XX` (any case) or `default`; `None` for anything else.
    pub(super) fn parse(key: &str) -> Option<StatusKey> {
        if key == "default" {
            return Some(StatusKey::Default);
        }
        let bytes = key.as_bytes();
        if bytes.len() != 3 || !(b'1'..=b'5').contains(&bytes[0]) {
            return None;
        }
        if key[1..].eq_ignore_ascii_case("xx") {
            return Some(StatusKey::Range(u16::from(bytes[0] - b'0')));
        }
        key.parse().ok().map(StatusKey::Code)
    }
}

impl fmt::Display for StatusKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StatusKey::Code(code) => write!(f, "{code}"),
            StatusKey::Range(digit) => write!(f, "{digit}XX"),
            StatusKey::Default => f.write_str("default"),
        }
    }
}

/// A documented response.
#[derive(Debug)]
pub struct ResponseSpec {
    pub(super) key: StatusKey,
    pub(super) pointer: String,
    pub(super) media: Vec<MediaSpec>,
}

impl ResponseSpec {
    /// Its status key.
    pub fn key(&self) -> StatusKey {
        self.key
    }

    /// JSON pointer of the response object in the document.
    pub(crate) fn pointer(&self) -> &str {
        &self.pointer
    }

    /// Its documented media types; empty when no body is documented.
    pub(crate) fn media(&self) -> &[MediaSpec] {
        &self.media
    }

    /// The documented media type that covers `content_type` (parameters
    /// such as `charset` ignored; `type/*` and `*/*` honoured).
    pub(crate) fn media_for(&self, content_type: &str) -> Option<&MediaSpec> {
        let essence = essence(content_type);
        let (kind, _) = essence.split_once('/').unwrap_or((&essence, ""));
        let wildcard = format!("{kind}/*");
        let with = |media_type: &str| self.media.iter().find(|m| m.media_type == media_type);
        with(&essence)
            .or_else(|| with(&wildcard))
            .or_else(|| with("*/*"))
    }
}

/// A documented media type of a response, with its compiled schema.
pub struct MediaSpec {
    pub(super) media_type: String,
    pub(super) pointer: String,
    pub(super) validator: Option<Validator>,
    /// The same schema for [`Flat`] bodies.
    pub(super) flat: Option<Validator<Flat>>,
}

impl fmt::Debug for MediaSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MediaSpec")
            .field("media_type", &self.media_type)
            .field("has_schema", &self.validator.is_some())
            .finish()
    }
}

impl MediaSpec {
    /// The media type as documented, lower-cased (e.g. `application/json`).
    pub(crate) fn media_type(&self) -> &str {
        &self.media_type
    }

    /// JSON pointer of the media type object in the document.
    pub(crate) fn pointer(&self) -> &str {
        &self.pointer
    }

    /// True when a schema is documented.
    pub(crate) fn has_schema(&self) -> bool {
        self.validator.is_some()
    }

    /// Validates a body; every error, in the validator's order. No schema
    /// documented means no errors.
    pub fn validate(&self, spec: &Spec, body: &Value) -> Vec<SchemaError> {
        let Some(validator) = &self.validator else {
            return Vec::new();
        };
        validator
            .iter_errors(body)
            .map(|error| SchemaError::new(spec, &self.pointer, &error))
            .collect()
    }

    /// True when `body` validates (faster than [`MediaSpec::validate`]).
    pub fn is_valid(&self, body: &Value) -> bool {
        self.validator.as_ref().is_none_or(|v| v.is_valid(body))
    }

    /// `Some(true)` when the body `bytes` is JSON that validates, found
    /// without building a `serde_json::Value` ([`crate::flat`]); `None`
    /// when that way cannot tell (a body it does not read exactly as
    /// `serde_json` would, or one that does not validate): then parse it
    /// and ask [`MediaSpec::is_valid`] and [`MediaSpec::validate`]. Never
    /// `Some(true)` for a body those would refuse.
    pub(crate) fn is_valid_bytes(&self, bytes: &[u8]) -> Option<bool> {
        let flat = self.flat.as_ref()?;
        let doc = Doc::parse(std::str::from_utf8(bytes).ok()?)?;
        flat.is_valid(doc.root()).then_some(true)
    }
}

/// The media type without parameters, lower-cased.
pub(crate) fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_keys_parse_as_written() {
        assert_eq!(StatusKey::parse("404"), Some(StatusKey::Code(404)));
        assert_eq!(StatusKey::parse("4xx"), Some(StatusKey::Range(4)));
        assert_eq!(StatusKey::parse("default"), Some(StatusKey::Default));
        for bad in ["600", "6XX", "2xx0", "20", "Default"] {
            assert_eq!(StatusKey::parse(bad), None, "{bad}");
        }
        assert_eq!(StatusKey::Range(4).to_string(), "4XX");
    }

    #[test]
    fn the_essence_drops_parameters_and_case() {
        assert_eq!(
            essence(" Application/JSON ; charset=utf-8"),
            "application/json"
        );
    }
}
