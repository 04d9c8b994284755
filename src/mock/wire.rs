//! How a personality dresses an answer for the wire: extra fields and
//! headers, media type parameters, content coding, `Connection: close`.

use std::io::Write as _;

use flate2::Compression;
use flate2::write::GzEncoder;

use super::answer::{Answer, JSON};
use super::personality::{Coding, Connection, Personality};

/// What the dressing needs to know about the request.
#[derive(Debug, Clone, Default)]
pub(crate) struct Asked {
    /// The request's `Accept-Encoding`, if any.
    pub accept_encoding: Option<String>,
    /// The request's number (1 for the first), for `request_id`.
    pub number: usize,
}

/// Dresses `answer` as `p` says. The faithful personality leaves it as it is.
pub(crate) fn dress(answer: &mut Answer, p: &Personality, asked: &Asked) {
    let json = answer.content_type == JSON;
    if p.extra_fields && json && answer.body.first() == Some(&b'{') {
        let field = format!("\"request_id\":\"req_{:06}\"", asked.number);
        let comma = if answer.body.len() > 2 { "," } else { "" };
        let extra = format!("{field}{comma}");
        answer.body.splice(1..1, extra.into_bytes());
    }
    if p.media_type_params && json {
        answer.content_type = format!("{JSON}; charset=utf-8");
    }
    if p.extra_headers {
        answer
            .headers
            .push(("x-request-id".into(), format!("req_{:06}", asked.number)));
        answer
            .headers
            .push(("x-process-time".into(), "0.0001".into()));
    }
    let gzip = match p.coding {
        Coding::Identity => false,
        Coding::GzipAlways => true,
        Coding::GzipWhenAccepted => {
            answer
                .headers
                .push(("vary".into(), "Accept-Encoding".into()));
            accepts_gzip(asked.accept_encoding.as_deref())
        }
    };
    if gzip && !answer.body.is_empty() {
        answer.body = gzip_bytes(&answer.body);
        answer
            .headers
            .push(("content-encoding".into(), "gzip".into()));
    }
    if p.connection == Connection::Close {
        answer.headers.push(("connection".into(), "close".into()));
    }
}

/// Whether an `Accept-Encoding` value allows gzip. No header: any coding
/// is acceptable (RFC 9110 12.5.3).
pub(crate) fn accepts_gzip(accept_encoding: Option<&str>) -> bool {
    let Some(value) = accept_encoding else {
        return true;
    };
    let mut gzip = None;
    let mut star = None;
    for item in value.split(',') {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|param| param.trim().strip_prefix("q="))
            .filter_map(|q| q.trim().parse::<f32>().ok())
            .next()
            .unwrap_or(1.0);
        match coding.as_str() {
            "gzip" | "x-gzip" => gzip = Some(q > 0.0),
            "*" => star = Some(q > 0.0),
            _ => {}
        }
    }
    gzip.or(star).unwrap_or(false)
}

/// `bytes` gzip-compressed.
pub(crate) fn gzip_bytes(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder
        .write_all(bytes)
        .and_then(|()| encoder.finish())
        .expect("compressing into memory does not fail")
}
