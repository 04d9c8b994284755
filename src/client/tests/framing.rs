//! Framing and heads: every way HTTP/1.1 lets a server frame a correct
//! answer is read.

use super::*;

/// `body` as chunks of at most `size` bytes, then `trailers` (header
/// lines, may be empty) and the end.
fn chunked(body: &[u8], size: usize, trailers: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for part in body.chunks(size) {
        out.extend_from_slice(format!("{:X}\r\n", part.len()).as_bytes());
        out.extend_from_slice(part);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n");
    out.extend_from_slice(trailers.replace('\n', "\r\n").as_bytes());
    out.extend_from_slice(b"\r\n");
    out
}

async fn read_each(answers: Vec<Vec<u8>>) {
    for answer in answers {
        let text = String::from_utf8_lossy(&answer).into_owned();
        let server = serve(move |_| Step::Reply(answer.clone())).await;
        let client = client(&server);
        for _ in 0..3 {
            let exchange = bounded(client.send(poll())).await;
            let exchange = exchange.unwrap_or_else(|e| panic!("{text:?} was not read: {e}"));
            let spec = Spec::embedded().unwrap();
            crate::checks::check_exchange(&spec, &exchange)
                .unwrap_or_else(|v| panic!("{text:?} failed the checks: {v}"));
            assert_eq!(exchange.json(), validation_error(), "{text:?}");
        }
    }
}

#[tokio::test]
async fn chunked_bodies_with_and_without_trailers_are_read() {
    let head = "HTTP/1.1 422 Unprocessable Entity\ncontent-type: application/json\ntransfer-encoding: chunked\n";
    let body = validation_text();
    read_each(vec![
        raw(head, &chunked(&body, 7, "")),
        raw(head, &chunked(&body, 1, "")),
        raw(head, &chunked(&body, 40, "x-checksum: abc\nx-other: 1\n")),
        raw(
            "HTTP/1.1 422 Unprocessable Entity\ncontent-type: application/json\ntransfer-encoding: chunked\ntrailer: x-checksum\n",
            &chunked(&body, 13, "x-checksum: abc\n"),
        ),
    ])
    .await;
}

#[tokio::test]
async fn media_type_parameters_extra_headers_and_header_case_are_read() {
    let body = validation_text();
    let length = body.len();
    let heads = [
        format!(
            "HTTP/1.1 422 Unprocessable Entity\ncontent-type: application/json; charset=utf-8\ncontent-length: {length}\n"
        ),
        format!(
            "HTTP/1.1 422 Unprocessable Entity\nContent-Type: application/json;charset=UTF-8\nContent-Length: {length}\n"
        ),
        format!(
            "HTTP/1.1 422 Unprocessable Entity\nCONTENT-TYPE: application/json\nCONTENT-LENGTH: {length}\nX-Request-Id: 7\nServer: uvicorn\nDate: Sun, 06 Nov 1994 08:49:37 GMT\nVary: Accept-Encoding\nSet-Cookie: a=b; Path=/\nx-empty:\n"
        ),
        format!(
            "HTTP/1.1 422 Weird Reason Phrase Here\ncontent-type: application/json\ncontent-length: {length}\n"
        ),
        format!("HTTP/1.1 422 \ncontent-type: application/json\ncontent-length: {length}\n"),
    ];
    read_each(heads.iter().map(|h| raw(h, &body)).collect()).await;
}

#[tokio::test]
async fn a_100_continue_before_the_answer_is_skipped() {
    let body = validation_text();
    let mut answer = raw("HTTP/1.1 100 Continue\n", b"");
    answer.extend(raw(
        &format!(
            "HTTP/1.1 422 Unprocessable Entity\ncontent-type: application/json\ncontent-length: {}\n",
            body.len()
        ),
        &body,
    ));
    read_each(vec![answer]).await;
}

#[tokio::test]
async fn a_body_that_ends_at_close_is_read() {
    let body = validation_text();
    for head in [
        "HTTP/1.0 422 Unprocessable Entity\ncontent-type: application/json\n",
        "HTTP/1.1 422 Unprocessable Entity\ncontent-type: application/json\nconnection: close\n",
        "HTTP/1.0 422 Unprocessable Entity\ncontent-type: application/json\nconnection: close\n",
    ] {
        let answer = raw(head, &body);
        let server = serve(move |_| Step::ReplyClose(answer.clone())).await;
        let client = client(&server);
        for _ in 0..3 {
            read_ok(&client, poll(), &validation_error()).await;
        }
        assert_eq!(server.connections(), 3, "{head}: one connection per answer");
    }
}

#[tokio::test]
async fn an_http_1_0_answer_with_a_length_is_read() {
    let body = validation_text();
    let answer = raw(
        &format!(
            "HTTP/1.0 422 Unprocessable Entity\ncontent-type: application/json\ncontent-length: {}\n",
            body.len()
        ),
        &body,
    );
    let server = serve(move |_| Step::ReplyClose(answer.clone())).await;
    let client = client(&server);
    for _ in 0..3 {
        read_ok(&client, poll(), &validation_error()).await;
    }
}

#[tokio::test]
async fn connection_close_on_every_answer_is_honoured() {
    let body = validation_text();
    let answer = raw(
        &format!(
            "HTTP/1.1 422 Unprocessable Entity\nconnection: close\ncontent-type: application/json\ncontent-length: {}\n",
            body.len()
        ),
        &body,
    );
    // The server says close but keeps reading: the client must not send
    // a second request on that connection.
    let server = serve(move |_| Step::Reply(answer.clone())).await;
    let client = client(&server);
    for _ in 0..5 {
        read_ok(&client, poll(), &validation_error()).await;
    }
    assert_eq!(server.connections(), 5);
    assert!(server.seen().iter().all(|s| s.on_connection == 0));
    assert_eq!(client.requests_sent(), 5);
}
