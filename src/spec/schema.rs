//! Response schemas: compiled once against the whole document, and their
//! errors turned into data with pointers into the body and the spec.

use jsonschema::{Draft, Registry, Validator};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use serde_json::Value;

use super::Spec;
use crate::Error;
use crate::flat::Flat;

/// The URI under which the document is registered for `$ref` resolution.
const SPEC_URN: &str = "urn:openfunnel-contract:spec";

/// What a JSON pointer token may keep unencoded inside a URI fragment:
/// RFC 3986 unreserved characters, and `$`.
const POINTER_TOKEN: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'$');

/// The document registered for `$ref` resolution, ready to compile from.
pub(super) fn registry(document: &Value) -> Result<Registry<'_>, Error> {
    Registry::new()
        .draft(Draft::Draft202012)
        .add(SPEC_URN, document)
        .and_then(|builder| builder.prepare())
        .map_err(|e| Error::invalid("(document root)", format!("cannot index the document: {e}")))
}

/// Compiles the schema at `schema_pointer` of the registered document,
/// for `serde_json::Value` bodies and for [`Flat`] ones.
pub(super) fn compile(
    registry: &Registry<'_>,
    schema_pointer: &str,
) -> Result<(Validator, Validator<Flat>), Error> {
    let encoded: String = schema_pointer
        .split('/')
        .map(|token| utf8_percent_encode(token, POINTER_TOKEN).to_string())
        .collect::<Vec<_>>()
        .join("/");
    let wrapper = serde_json::json!({ "$ref": format!("{SPEC_URN}#{encoded}") });
    let failed = |e: jsonschema::ValidationError<'_>| Error::SchemaCompile {
        pointer: schema_pointer.to_owned(),
        reason: e.to_string(),
    };
    let value = jsonschema::options()
        .with_draft(Draft::Draft202012)
        .with_registry(registry)
        .offline()
        .build(&wrapper)
        .map_err(failed)?;
    let flat = jsonschema::options_for::<Flat>()
        .with_draft(Draft::Draft202012)
        .with_registry(registry)
        .offline()
        .build(&wrapper)
        .map_err(failed)?;
    Ok((value, flat))
}

/// One schema error, as data.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SchemaError {
    /// JSON pointer into the body (`""` is the body itself).
    pub pointer: String,
    /// JSON pointer of the failing keyword in the spec document.
    pub spec_pointer: String,
    /// The keyword and its value in the spec, e.g. `type: "integer"`.
    pub expected: String,
    /// The offending value, compact JSON, shortened.
    pub actual: String,
    /// The validator's sentence, e.g. `"92" is not of type "integer"`.
    pub message: String,
}

impl SchemaError {
    pub(super) fn new(
        spec: &Spec,
        media_pointer: &str,
        error: &jsonschema::ValidationError<'_>,
    ) -> Self {
        let spec_pointer = error
            .absolute_keyword_location()
            .and_then(|uri| {
                uri.fragment().map(|f| {
                    percent_decode_str(f.as_str())
                        .decode_utf8_lossy()
                        .into_owned()
                })
            })
            .unwrap_or_else(|| format!("{media_pointer}/schema{}", error.schema_path()));
        let keyword = spec_pointer
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        let rule = spec.document().pointer(&spec_pointer);
        let expected = match rule {
            Some(value) => format!("{keyword}: {}", shorten(&value.to_string())),
            None => keyword.clone(),
        };
        let instance = error.instance();
        let actual = match (keyword.as_str(), rule, instance.as_ref()) {
            ("required", Some(Value::Array(required)), Value::Object(object)) => {
                let missing: Vec<String> = required
                    .iter()
                    .filter_map(Value::as_str)
                    .filter(|name| !object.contains_key(*name))
                    .map(|name| format!("{name:?}"))
                    .collect();
                format!("an object without {}", missing.join(", "))
            }
            _ => shorten(&instance.to_string()),
        };
        SchemaError {
            pointer: error.instance_path().to_string(),
            spec_pointer,
            expected,
            actual,
            message: shorten(&error.to_string()),
        }
    }
}

/// Cuts long text to 120 characters (on a character boundary) with `…`.
pub(crate) fn shorten(text: &str) -> String {
    const MAX: usize = 120;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_on_a_character_boundary() {
        assert_eq!(shorten("short"), "short");
        let long = "é".repeat(130);
        let cut = shorten(&long);
        assert_eq!(cut.chars().count(), 121);
        assert!(cut.ends_with("é…"));
    }

    #[test]
    fn pointer_tokens_keep_tilde_and_dollar() {
        let encoded = utf8_percent_encode("~1api$ref {x}", POINTER_TOKEN).to_string();
        assert_eq!(encoded, "~1api$ref%20%7Bx%7D");
    }
}
