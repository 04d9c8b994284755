//! Keeps keys out of answers: every copy of a key a server echoes (in the
//! body or a header) is replaced by its mask before anything else sees the
//! answer. [`ApiKey::scrub`] knows the forms of a key; this module only
//! decides quickly when it need not be asked.

use crate::ApiKey;

/// The longest run of ASCII letters and digits in `key`. Every form
/// [`ApiKey::scrub`] replaces (as sent, JSON-escaped, percent-encoded)
/// keeps such runs as they are, so text without the run holds no form of
/// the key. Empty when the key has no letter or digit.
fn probe(key: &ApiKey) -> &[u8] {
    let bytes = key.expose().as_bytes();
    let (mut best, mut start) = (0..0, 0);
    for (i, b) in bytes.iter().chain(std::iter::once(&b'-')).enumerate() {
        if !b.is_ascii_alphanumeric() {
            if i - start > best.len() {
                best = start..i;
            }
            start = i + 1;
        }
    }
    &bytes[best]
}

/// True when `text` may hold a form of `key`.
fn may_hold(key: &ApiKey, text: &[u8]) -> bool {
    let probe = probe(key);
    probe.is_empty() || memchr::memmem::find(text, probe).is_some()
}

/// Replaces every form of each key in `keys` in `body` and in every header
/// value.
pub(crate) fn scrub<'k>(
    keys: impl IntoIterator<Item = &'k ApiKey>,
    body: &mut Vec<u8>,
    headers: &mut [(String, String)],
) {
    for key in keys {
        if may_hold(key, body)
            && let Some(clean) = key.scrub(body)
        {
            *body = clean;
        }
        for (_, value) in headers.iter_mut() {
            if may_hold(key, value.as_bytes())
                && let Some(clean) = key.scrub(value.as_bytes())
            {
                *value = String::from_utf8_lossy(&clean).into_owned();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_probe_is_the_longest_letter_and_digit_run() {
        assert_eq!(
            probe(&ApiKey::new("of_canary_9f8e7d6c5b4a")),
            b"9f8e7d6c5b4a"
        );
        assert_eq!(probe(&ApiKey::new("abc")), b"abc");
        assert_eq!(probe(&ApiKey::new("of_x/é\"yz")), b"of");
        assert_eq!(probe(&ApiKey::new("-_-")), b"");
    }

    #[test]
    fn every_form_of_the_key_is_scrubbed() {
        let key = ApiKey::new("of_can/ary\"x9");
        let mut body =
            br#"{"a":"of_can\/ary\"x9","b":"of_can/ary"x9","c":"of_can%2Fary%22x9","d":"of%5Fcan%2Fary%22x9"}"#
                .to_vec();
        let mut headers = vec![("x-echo".to_owned(), "of_can/ary\"x9".to_owned())];
        scrub([&key], &mut body, &mut headers);
        let body = String::from_utf8(body).unwrap();
        assert!(!body.contains("can"), "{body}");
        assert_eq!(headers[0].1, "of_***");
        let mut untouched = b"nothing here".to_vec();
        scrub([&key], &mut untouched, &mut []);
        assert_eq!(untouched, b"nothing here");
    }
}
