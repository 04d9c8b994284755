//! The API key, held in a type that cannot print it.

use std::fmt;

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
}
