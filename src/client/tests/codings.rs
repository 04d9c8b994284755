//! Content codings: the checks see the decoded JSON, whether or not the
//! request asked for the coding.

use std::io::Write;

use super::*;

/// `validation_text()` as `brotli -q 11` writes it.
const BROTLI: [u8; 94] = [
    0x1b, 0x60, 0x00, 0xe8, 0x1c, 0x05, 0x6e, 0x2c, 0xf6, 0x16, 0xc3, 0x2d, 0x89, 0xcd, 0xb7, 0x96,
    0x11, 0x2a, 0x1d, 0x64, 0x9b, 0xd7, 0xbf, 0xf7, 0xed, 0x90, 0x4a, 0x08, 0xa3, 0x32, 0x12, 0xaf,
    0xb2, 0x2a, 0x89, 0xa8, 0x59, 0x74, 0xba, 0xfa, 0x38, 0xe5, 0xc0, 0x21, 0x68, 0x8b, 0xa3, 0x04,
    0xb3, 0x00, 0xec, 0xfe, 0x76, 0x98, 0x5a, 0x33, 0xdd, 0xd2, 0x0d, 0x9b, 0xfc, 0xa1, 0x06, 0xcb,
    0x67, 0x79, 0x47, 0x04, 0x1f, 0x60, 0x7a, 0x13, 0x53, 0x82, 0x1d, 0x03, 0x69, 0x04, 0x6e, 0x92,
    0x90, 0xb2, 0x39, 0x60, 0xee, 0x40, 0x32, 0x4d, 0xe5, 0xd6, 0x17, 0x76, 0x7c, 0x6e,
];

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn zlib(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// A 422 in `coding`, with `Content-Length`, kept alive.
fn encoded(coding: &str, body: &[u8]) -> Vec<u8> {
    raw(
        &format!(
            "HTTP/1.1 422 Unprocessable Entity\ncontent-type: application/json\ncontent-encoding: {coding}\ncontent-length: {}\n",
            body.len()
        ),
        body,
    )
}

/// Every coding is read when the client asked for it (its own
/// `Accept-Encoding`) and when the request said it wants none.
async fn reads(coding: &'static str, body: Vec<u8>) {
    let answer = encoded(coding, &body);
    let server = serve(move |_| Step::Reply(answer.clone())).await;
    let client = client(&server);
    let expected = validation_error();
    let exchange = read_ok(&client, poll(), &expected).await;
    assert!(
        matches!(
            exchange.response.header("content-encoding"),
            None | Some("identity")
        ),
        "the body is decoded"
    );
    let asked = server.seen()[0]
        .header("accept-encoding")
        .map(str::to_owned);
    assert_eq!(asked.as_deref(), Some("gzip, deflate, br"));
    read_ok(
        &client,
        poll().header("accept-encoding", "identity"),
        &expected,
    )
    .await;
    assert_eq!(
        server.seen()[1].header("accept-encoding"),
        Some("identity"),
        "a request's own Accept-Encoding is sent as it is"
    );
}

#[tokio::test]
async fn gzip_is_decoded() {
    reads("gzip", gzip(&validation_text())).await;
}

#[tokio::test]
async fn deflate_is_decoded() {
    reads("deflate", zlib(&validation_text())).await;
}

#[tokio::test]
async fn brotli_is_decoded() {
    assert_eq!(
        crate::client::decode::decode(
            &mut vec![("content-encoding".into(), "br".into())],
            BROTLI.to_vec(),
            1000
        )
        .unwrap(),
        validation_text()
    );
    reads("br", BROTLI.to_vec()).await;
}

#[tokio::test]
async fn identity_and_odd_spellings_are_read() {
    reads("identity", validation_text()).await;
    reads("GZip", gzip(&validation_text())).await;
    reads("x-gzip", gzip(&validation_text())).await;
    // Applied in the order listed: brotli first, then gzip.
    reads("br, gzip", gzip(&BROTLI)).await;
}

#[tokio::test]
async fn a_gzip_body_in_chunks_and_an_empty_coded_body_are_read() {
    let body = gzip(&validation_text());
    let (a, b) = body.split_at(body.len() / 2);
    let mut answer = raw(
        "HTTP/1.1 422 Unprocessable Entity\ncontent-type: application/json\ncontent-encoding: gzip\ntransfer-encoding: chunked\n",
        b"",
    );
    for part in [a, b] {
        answer.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
        answer.extend_from_slice(part);
        answer.extend_from_slice(b"\r\n");
    }
    answer.extend_from_slice(b"0\r\n\r\n");
    let server = serve(move |_| Step::Reply(answer.clone())).await;
    read_ok(&client(&server), poll(), &validation_error()).await;

    let server = serve(|_| {
        Step::Reply(raw(
            "HTTP/1.1 429 Too Many Requests\ncontent-encoding: gzip\nretry-after: 0\ncontent-length: 0\n",
            b"",
        ))
    })
    .await;
    let text = transport_failure(&client(&server), poll()).await;
    assert!(text.contains("429 Too Many Requests 6 times"), "{text}");
}

#[tokio::test]
async fn an_unknown_coding_and_a_bomb_are_named() {
    let server = serve(|_| Step::Reply(encoded("compress", b"\x1f\x9d\x90"))).await;
    let text = transport_failure(&client(&server), poll()).await;
    assert!(text.contains("content coding \"compress\""), "{text}");

    let bomb = gzip(&vec![b' '; 4 << 20]);
    let server = serve(move |_| Step::Reply(encoded("gzip", &bomb))).await;
    let text = transport_failure(&client(&server), poll()).await;
    assert!(
        text.contains("over the cap of 1048576 bytes once decoded"),
        "{text}"
    );
}

#[tokio::test]
async fn a_key_echoed_inside_a_compressed_body_is_scrubbed() {
    let body = gzip(format!(r#"{{"detail":"bad key {KEY}"}}"#).as_bytes());
    let answer = raw(
        &format!(
            "HTTP/1.1 404 Not Found\ncontent-type: application/json\ncontent-encoding: gzip\nx-echo: {KEY}\ncontent-length: {}\n",
            body.len()
        ),
        &body,
    );
    let server = serve(move |_| Step::Reply(answer.clone())).await;
    let exchange = bounded(client(&server).send(poll())).await.unwrap();
    let text = format!("{exchange:?}");
    assert!(!text.contains(KEY), "{text}");
    assert_eq!(exchange.json(), json!({"detail": "bad key of_***"}));
}
