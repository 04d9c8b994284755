//! The guard and the budget speak the API's vocabulary: every spelling of
//! a path is routed as the server routes it.

use reqwest::Method;

use super::*;

fn accepted(job: &str, status: &str) -> Vec<u8> {
    let body = json!({"job_id": job, "status": status, "message": "m"}).to_string();
    raw(
        &format!(
            "HTTP/1.1 200 OK\ncontent-type: application/json\ncontent-length: {}\n",
            body.len()
        ),
        body.as_bytes(),
    )
}

#[tokio::test]
async fn without_writes_no_spelling_of_submit_or_of_a_change_to_a_fixture_is_sent() {
    let server = serve(|_| Step::Reply(accepted("x", "pending"))).await;
    let client = client_with(&server, limits(), WriteGuard::new(false, [JOB.to_owned()]));
    let mut refused = vec![
        Endpoint::submit(&json!({"query": "q"})).key(&key()),
        Request::new(Method::POST, "/api/v1/tam/%62uild").key(&key()),
        Request::new(Method::POST, "/api/v1/tam/./build").key(&key()),
        Request::new(Method::POST, "/api/v1/x/../tam/build").key(&key()),
        Request::new(Method::POST, "/api/v1/tam/build/").key(&key()),
        Request::new(Method::POST, "/api/v1/tam/build/other/stop").key(&key()),
    ];
    for control in [Endpoint::Pause, Endpoint::Resume, Endpoint::Cancel] {
        refused.push(control.request(JOB).key(&key()));
        let spelt = control.path(JOB).replace("/build/", "/b%75ild/./");
        refused.push(Request::new(Method::POST, spelt).key(&key()));
    }
    for request in refused {
        let path = request.path.clone();
        match bounded(client.send(request)).await {
            Err(SendError::Blocked { reason }) => {
                assert!(
                    reason.contains("OPENFUNNEL_ALLOW_WRITES=1"),
                    "{path}: {reason}"
                );
            }
            other => panic!("{path} must be refused, got {other:?}"),
        }
    }
    assert!(server.seen().is_empty());
    assert_eq!(client.requests_sent(), 0);
    // Free and unprotected ones pass; a request without a key cannot spend.
    for request in [
        poll(),
        Endpoint::Poll.request(JOB).key(&key()),
        Endpoint::Cancel.request("terminal-job").key(&key()),
        Endpoint::submit(&json!({"query": "q"})),
    ] {
        bounded(client.send(request)).await.unwrap();
    }
}

#[tokio::test]
async fn a_submit_keeps_a_request_for_its_cancel_and_its_job_is_remembered() {
    // The answer breaks the contract (status "running"), and the job is
    // still the run's to cancel.
    let server = serve(|seen| {
        if seen.head.contains("/cancel ") {
            Step::Reply(accepted("job-7", "cancelling"))
        } else {
            Step::Reply(accepted("job-7", "running"))
        }
    })
    .await;
    let limits = Limits {
        max_requests: 3,
        ..limits()
    };
    let client = client_with(&server, limits, WriteGuard::new(true, []));
    bounded(client.send(poll())).await.unwrap();
    let submit = Request::new(Method::POST, "/api/v1/tam/%62uild")
        .key(&key())
        .json(&json!({"query": "q"}));
    bounded(client.send(submit)).await.unwrap();
    assert_eq!(client.created_jobs(), ["job-7"]);
    assert!(matches!(
        bounded(client.send(poll())).await,
        Err(SendError::Budget { .. })
    ));
    let cancel = Request::new(Method::POST, "/api/v1/tam/build/job%2D7/./cancel").key(&key());
    bounded(client.send(cancel)).await.unwrap();
    assert_eq!(client.requests_sent(), 3);
    let log = client.sent_log();
    let endpoints: Vec<_> = log.iter().map(|s| s.endpoint).collect();
    assert_eq!(
        endpoints,
        [
            Some(Endpoint::Poll),
            Some(Endpoint::Submit),
            Some(Endpoint::Cancel)
        ]
    );
    assert_eq!(
        log[1].operation_id.as_deref(),
        Some(Endpoint::Submit.operation_id())
    );
}

#[tokio::test]
async fn a_submit_without_room_for_its_cancel_is_not_sent() {
    let server = serve(|_| Step::Reply(accepted("job-8", "pending"))).await;
    let limits = Limits {
        max_requests: 1,
        ..limits()
    };
    let client = client_with(&server, limits, WriteGuard::new(true, []));
    let submit = Endpoint::submit(&json!({"query": "q"})).key(&key());
    assert!(matches!(
        bounded(client.send(submit)).await,
        Err(SendError::Budget { max_requests: 1 })
    ));
    assert!(server.seen().is_empty());
}
