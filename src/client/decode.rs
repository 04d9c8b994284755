//! Content codings (RFC 9110 §8.4): the body a check sees is the decoded
//! one, whatever coding a server chose and whether or not the request asked
//! for it. Decoding happens after the (encoded) body was read within the
//! deadline and the size cap, and is capped itself, so a small bomb cannot
//! grow past the cap either.

use std::io::Read;

/// The `Accept-Encoding` the client sends when a request brings none: every
/// coding [`decode`] reads.
pub(super) const ACCEPT_ENCODING: &str = "gzip, deflate, br";

/// The codings of a response, in the order they were applied (the order of
/// the `Content-Encoding` values), lower-case, `identity` left out. Empty
/// when the body is sent as it is.
fn codings(headers: &[(String, String)]) -> Vec<String> {
    headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("content-encoding"))
        .flat_map(|(_, value)| value.split(','))
        .map(|coding| coding.trim().to_ascii_lowercase())
        .filter(|coding| !coding.is_empty() && coding != "identity")
        .collect()
}

/// `body` with every content coding of `headers` undone, last applied
/// first. When something was decoded, `Content-Encoding` and
/// `Content-Length` (which describe the encoded body) leave `headers`.
/// `Err` names why the body cannot be read: an unknown coding, a corrupt
/// stream, or more than `cap` bytes once decoded.
pub(crate) fn decode(
    headers: &mut Vec<(String, String)>,
    body: Vec<u8>,
    cap: usize,
) -> Result<Vec<u8>, String> {
    if !headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("content-encoding"))
    {
        return Ok(body);
    }
    let codings = codings(headers);
    // An empty body (a 204, a bare 429) is empty in every coding.
    if codings.is_empty() || body.is_empty() {
        return Ok(body);
    }
    let mut body = body;
    for coding in codings.iter().rev() {
        body = decode_one(coding, &body, cap)?;
    }
    headers.retain(|(name, _)| {
        !name.eq_ignore_ascii_case("content-encoding")
            && !name.eq_ignore_ascii_case("content-length")
    });
    Ok(body)
}

fn decode_one(coding: &str, body: &[u8], cap: usize) -> Result<Vec<u8>, String> {
    let decoded = match coding {
        // RFC 9110 §8.4.1.3: x-gzip is gzip. A gzip body may hold several
        // members one after the other.
        "gzip" | "x-gzip" => read_capped(flate2::read::MultiGzDecoder::new(body), body.len(), cap),
        // HTTP's "deflate" is the zlib format; servers that send a raw
        // deflate stream under that name are common enough to read too.
        "deflate" if is_zlib(body) => {
            read_capped(flate2::read::ZlibDecoder::new(body), body.len(), cap)
        }
        "deflate" => read_capped(flate2::read::DeflateDecoder::new(body), body.len(), cap),
        "br" => read_capped(
            brotli_decompressor::Decompressor::new(body, 4096),
            body.len(),
            cap,
        ),
        other => {
            return Err(format!(
                "a body in the content coding {other:?}, which this client cannot decode (it reads {ACCEPT_ENCODING})"
            ));
        }
    };
    match decoded {
        Ok(Some(decoded)) => Ok(decoded),
        Ok(None) => Err(format!(
            "a {coding} body over the cap of {cap} bytes once decoded; stopped decoding"
        )),
        Err(e) => Err(format!("the {coding} body does not decode: {e}")),
    }
}

/// A zlib stream starts with a header whose compression method is 8
/// (deflate) and whose two bytes are a multiple of 31 (RFC 1950 §2.2).
fn is_zlib(body: &[u8]) -> bool {
    match body {
        [cmf, flg, ..] => (cmf & 0x0f) == 8 && ((u16::from(*cmf) << 8) | u16::from(*flg)) % 31 == 0,
        _ => false,
    }
}

/// Everything `reader` yields, or `None` past `cap` bytes.
fn read_capped(reader: impl Read, hint: usize, cap: usize) -> std::io::Result<Option<Vec<u8>>> {
    let mut out = Vec::with_capacity(hint.saturating_mul(4).min(cap));
    let limit = u64::try_from(cap).unwrap_or(u64::MAX).saturating_add(1);
    reader.take(limit).read_to_end(&mut out)?;
    Ok((out.len() <= cap).then_some(out))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    fn headers(coding: &str) -> Vec<(String, String)> {
        vec![
            ("content-type".into(), "application/json".into()),
            ("content-encoding".into(), coding.into()),
            ("content-length".into(), "99".into()),
        ]
    }

    #[test]
    fn codings_are_case_insensitive_listed_and_undone_last_first() {
        let twice = gzip(&gzip(b"{}"));
        for coding in ["GZIP, x-gzip", "gzip ,identity, gzip"] {
            let mut h = headers(coding);
            assert_eq!(decode(&mut h, twice.clone(), 100).unwrap(), b"{}");
            assert_eq!(h, [("content-type".into(), "application/json".into())]);
        }
        let mut h = headers("identity");
        assert_eq!(decode(&mut h, b"{}".to_vec(), 100).unwrap(), b"{}");
        assert_eq!(h.len(), 3, "nothing decoded, nothing removed");
        let mut h = headers("gzip");
        assert_eq!(decode(&mut h, Vec::new(), 100).unwrap(), b"");
    }

    #[test]
    fn raw_deflate_under_the_name_deflate_is_read() {
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(b"{\"a\":1}").unwrap();
        let raw = encoder.finish().unwrap();
        assert_eq!(
            decode(&mut headers("deflate"), raw, 100).unwrap(),
            b"{\"a\":1}"
        );
    }

    #[test]
    fn bombs_unknown_codings_and_garbage_are_named() {
        let bomb = gzip(&vec![b' '; 1 << 20]);
        let e = decode(&mut headers("gzip"), bomb, 1000).unwrap_err();
        assert!(e.contains("over the cap of 1000 bytes once decoded"), "{e}");
        let e = decode(&mut headers("compress"), b"x".to_vec(), 100).unwrap_err();
        assert!(e.contains("\"compress\""), "{e}");
        let e = decode(&mut headers("gzip"), b"not gzip".to_vec(), 100).unwrap_err();
        assert!(e.contains("does not decode"), "{e}");
    }
}
