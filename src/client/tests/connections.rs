//! Connections: a pooled connection the server closed is never a false
//! failure of a free request, and a request that can spend is never sent
//! twice.

use super::*;

fn answer() -> Vec<u8> {
    let body = validation_text();
    raw(
        &format!(
            "HTTP/1.1 422 Unprocessable Entity\ncontent-type: application/json\ncontent-length: {}\n",
            body.len()
        ),
        &body,
    )
}

/// A submit answer, as a correct server sends it.
fn accepted(job: &str) -> Vec<u8> {
    let body =
        json!({"job_id": job, "status": "pending", "message": "TAM build started."}).to_string();
    raw(
        &format!(
            "HTTP/1.1 200 OK\ncontent-type: application/json\ncontent-length: {}\n",
            body.len()
        ),
        body.as_bytes(),
    )
}

#[tokio::test]
async fn a_pooled_connection_closed_while_idle_is_not_a_failure() {
    let server = serve(|_| Step::ReplyThenIdleClose(answer(), Duration::from_millis(20))).await;
    let client = client(&server);
    for _ in 0..3 {
        read_ok(&client, poll(), &validation_error()).await;
        // Longer than the server's idle limit: the pooled connection is
        // gone (or going) when the next request starts.
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
}

#[tokio::test]
async fn a_server_that_closes_after_every_answer_without_saying_so_is_read() {
    let server = serve(|_| Step::ReplyClose(answer())).await;
    let client = client(&server);
    for _ in 0..20 {
        read_ok(&client, poll(), &validation_error()).await;
    }
    assert!(server.connections() >= 20);
}

/// The keep-alive race made certain: the server answers the first request
/// on a connection and closes the connection when the next one comes,
/// without a byte, as a server does that closed it a moment before.
fn first_only(seen: &Seen, first: Vec<u8>) -> Step {
    if seen.on_connection == 0 {
        Step::Reply(first)
    } else {
        Step::Close
    }
}

#[tokio::test]
async fn a_free_request_on_a_connection_closed_under_it_is_sent_once_more_on_a_new_one() {
    let server = serve(|seen| first_only(seen, answer())).await;
    let client = client(&server);
    for _ in 0..4 {
        read_ok(&client, poll(), &validation_error()).await;
    }
    let seen = server.seen();
    // Requests alternate: one opens a connection, answered, kept in the
    // pool; the next meets it closed and goes again on a connection of its
    // own. 4 answers, 6 requests, 4 connections.
    assert_eq!(seen.len(), 6, "{seen:?}");
    assert_eq!(server.connections(), 4);
    assert_eq!(
        client.requests_sent(),
        6,
        "a retry counts against the budget"
    );
    assert_eq!(client.sent_log().len(), 4, "four answered requests");
}

#[tokio::test]
async fn a_request_that_can_spend_never_meets_a_pooled_connection_and_is_never_resent() {
    let server = serve(|seen| {
        if seen.head.starts_with("POST") {
            first_only(seen, accepted("job-1"))
        } else {
            first_only(seen, answer())
        }
    })
    .await;
    let client = client(&server);
    read_ok(&client, poll(), &validation_error()).await;
    let submit = || Endpoint::submit(&json!({"query": "fintech in Berlin"})).key(&key());
    for _ in 0..3 {
        let exchange = bounded(client.send(submit())).await.unwrap();
        assert_eq!(exchange.status(), 200);
    }
    let posts: Vec<Seen> = server
        .seen()
        .into_iter()
        .filter(|s| s.head.starts_with("POST"))
        .collect();
    assert_eq!(posts.len(), 3, "each submit sent once");
    assert!(
        posts.iter().all(|s| s.on_connection == 0),
        "each on a connection of its own: {posts:?}"
    );
    assert_eq!(client.created_jobs(), ["job-1"]);
}

#[tokio::test]
async fn a_new_connection_closed_without_an_answer_is_a_failure_sent_once() {
    let server = serve(|_| Step::Close).await;
    let client = client(&server);
    let text = transport_failure(&client, poll()).await;
    assert!(text.contains("got no answer"), "{text}");
    assert_eq!(server.seen().len(), 1, "a broken server is not asked twice");
    assert_eq!(client.requests_sent(), 1);

    let text = transport_failure(&client, Endpoint::Cancel.request(JOB).key(&key())).await;
    assert!(text.contains("closed") || text.contains("reset"), "{text}");
    assert_eq!(server.seen().len(), 2);
}

#[tokio::test]
async fn no_retry_without_room_in_the_budget() {
    let server = serve(|seen| first_only(seen, answer())).await;
    let limits = Limits {
        max_requests: 2,
        ..limits()
    };
    let client = client_with(&server, limits, WriteGuard::new(true, []));
    read_ok(&client, poll(), &validation_error()).await;
    // The second meets the closed connection; the budget has no room for
    // a third request.
    let text = transport_failure(&client, poll()).await;
    assert!(text.contains("closed") || text.contains("reset"), "{text}");
    assert_eq!(server.seen().len(), 2);
    assert_eq!(client.requests_sent(), 2);
}
