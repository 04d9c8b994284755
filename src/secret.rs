//! The API key, held in a type that cannot print it.

use std::fmt;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// What a percent-encoder that keeps RFC 3986 unreserved characters leaves.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Keys shorter than this are not scrubbed from responses: replacing a
/// two-letter "key" everywhere would mangle bodies. Real keys are longer.
const MIN_SCRUBBED_LEN: usize = 4;

/// An `X-API-Key` value. `Debug` and `Display` print only [`ApiKey::masked`];
/// the raw key is reachable through [`ApiKey::expose`] alone, which the HTTP
/// client calls when it sets the header.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key. Surrounding whitespace (a trailing newline from a secret
    /// file, say) is trimmed.
    pub fn new(key: impl Into<String>) -> Self {
        let key: String = key.into();
        ApiKey(key.trim().to_owned())
    }

    /// The raw key, for the `X-API-Key` header and nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A printable stand-in: the documented `of_` prefix (when present) and
    /// stars, never any other character of the key.
    pub fn masked(&self) -> &'static str {
        if self.0.starts_with("of_") {
            "of_***"
        } else {
            "***"
        }
    }

    /// True for an empty key.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// True when the key can travel in an HTTP header: visible ASCII and
    /// inner spaces only (no control characters, no line breaks).
    pub(crate) fn is_header_safe(&self) -> bool {
        !self.0.is_empty() && self.0.bytes().all(|b| b == b' ' || b.is_ascii_graphic())
    }

    /// `bytes` with every copy of the key replaced by [`ApiKey::masked`]: as
    /// sent, JSON-escaped and percent-encoded. A server that echoes the key
    /// (a FastAPI 422 lists the `input` it rejected) must not put it into a
    /// report. `None` when there is nothing to replace.
    pub(crate) fn scrub(&self, bytes: &[u8]) -> Option<Vec<u8>> {
        if self.0.len() < MIN_SCRUBBED_LEN {
            return None;
        }
        let mut forms = vec![self.0.clone()];
        let json = serde_json::to_string(&self.0).unwrap_or_default();
        let json = json[1..json.len().saturating_sub(1).max(1)].to_owned();
        forms.push(json.replace('/', "\\/"));
        forms.push(json);
        for set in [NON_ALPHANUMERIC, UNRESERVED] {
            forms.push(utf8_percent_encode(&self.0, set).to_string());
        }
        // Longest first, so a form is never cut by a shorter one inside it.
        forms.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        forms.dedup();
        let mask = self.masked().as_bytes();
        let mut out: Option<Vec<u8>> = None;
        for form in &forms {
            let current = out.as_deref().unwrap_or(bytes);
            if let Some(replaced) = replace_all(current, form.as_bytes(), mask) {
                out = Some(replaced);
            }
        }
        out
    }
}

/// `haystack` with every `needle` replaced, or `None` when there is none.
fn replace_all(haystack: &[u8], needle: &[u8], with: &[u8]) -> Option<Vec<u8>> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    let mut out = Vec::with_capacity(haystack.len());
    let mut found = false;
    let mut i = 0;
    while i < haystack.len() {
        if haystack[i..].starts_with(needle) {
            out.extend_from_slice(with);
            i += needle.len();
            found = true;
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    found.then_some(out)
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKey({})", self.masked())
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_key() {
        let key = ApiKey::new("of_canary_5ecret\n");
        assert_eq!(key.expose(), "of_canary_5ecret");
        assert_eq!(format!("{key:?}"), "ApiKey(of_***)");
        assert_eq!(format!("{key}"), "of_***");
        assert_eq!(format!("{:?}", ApiKey::new("abc")), "ApiKey(***)");
    }

    #[test]
    fn scrub_replaces_every_form_of_the_key() {
        let key = ApiKey::new("of_can/ary\"x");
        let body = br#"{"input":"of_can\/ary\"x","raw":"of_can/ary"x","url":"of_can%2Fary%22x"}"#;
        let scrubbed = String::from_utf8(key.scrub(body).unwrap()).unwrap();
        assert!(!scrubbed.contains("can"), "{scrubbed}");
        assert_eq!(key.scrub(b"nothing here"), None);
        assert_eq!(ApiKey::new("ab").scrub(b"ab ab"), None);
    }

    #[test]
    fn header_safety() {
        assert!(ApiKey::new("of_abc DEF-123").is_header_safe());
        assert!(!ApiKey::new("of_a\nb").is_header_safe());
        assert!(!ApiKey::new("of_é").is_header_safe());
        assert!(!ApiKey::new("").is_header_safe());
    }
}
