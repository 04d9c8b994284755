//! Answers over HTTP: codes, cursors, refusals, faults.

use serde_json::json;

use super::Client;
use crate::JobState;
use crate::api::{Control, Endpoint};
use crate::mock::personality::{Personality, Success};
use crate::mock::{Answer, Call, MockApi};

fn path(endpoint: Endpoint, id: &str) -> String {
    endpoint.path(id)
}

#[tokio::test]
async fn the_faithful_mock_takes_any_string_as_a_cursor() {
    let mock = MockApi::start().await;
    let client = Client::new(&mock);
    let job = mock.fixture(JobState::Completed).unwrap();
    let base = path(Endpoint::Poll, &job);
    let first = client.call("GET", &base).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.json()["page"], json!("page_0000"));
    assert_eq!(first.json()["next_cursor"], json!("page_0001"));
    let second = client.call("GET", &format!("{base}?cursor=page_1")).await;
    assert_eq!(
        (second.status, second.json()["count"].clone()),
        (200, json!(10))
    );
    for cursor in ["", "abc", "page_", "%00", "page_0001x", "%F0%9F%92%A9"] {
        let reply = client.call("GET", &format!("{base}?cursor={cursor}")).await;
        assert_eq!(reply.status, 200, "cursor {cursor:?}");
        let body = reply.json();
        assert_eq!(body["rows"], json!([]), "cursor {cursor:?}");
        assert_eq!(body["count"], json!(0));
        assert_eq!(body["next_cursor"], json!(null));
        assert!(body["page"].is_string());
        assert_eq!(body["status"], json!("completed"));
    }
}

#[tokio::test]
async fn fastapi_202_answers_202_where_the_code_is_not_shown() {
    let p = Personality::faithful().success(Success::Accepted);
    let mock = MockApi::builder().personality(p).start().await;
    let client = Client::new(&mock);
    let body = json!({"query": "neobanks"});
    let submit = client
        .send(
            "POST",
            Endpoint::Submit.path_template(),
            Some(crate::mock::PRIMARY_KEY),
            &[],
            Some(&body),
        )
        .await;
    assert_eq!(submit.status, 202);
    let id = submit.json()["job_id"].as_str().unwrap().to_owned();
    assert_eq!(
        client.call("GET", &path(Endpoint::Poll, &id)).await.status,
        202
    );
    assert_eq!(
        client
            .call("POST", &path(Endpoint::Pause, &id))
            .await
            .status,
        200
    );
    let paused = mock.fixture(JobState::Paused).unwrap();
    assert_eq!(
        client
            .call("POST", &path(Endpoint::Resume, &paused))
            .await
            .status,
        200
    );
    assert_eq!(
        client
            .call("POST", &path(Endpoint::Cancel, &paused))
            .await
            .status,
        202
    );
    // Errors keep their codes.
    assert_eq!(
        client
            .call("GET", &path(Endpoint::Poll, "nope"))
            .await
            .status,
        404
    );
    let done = mock.fixture(JobState::Completed).unwrap();
    assert_eq!(
        client
            .call("POST", &path(Endpoint::Cancel, &done))
            .await
            .status,
        409
    );
}

#[tokio::test]
async fn a_refused_pause_of_a_cancelling_job_is_409_and_the_cancel_goes_on() {
    let mock = MockApi::start().await;
    let client = Client::new(&mock);
    let key = mock.api_key();
    let job = mock.fixture(JobState::Cancelling).unwrap();
    for control in [Control::Pause, Control::Resume] {
        let reply = client.call("POST", &path(control.endpoint(), &job)).await;
        assert_eq!(reply.status, 409);
        assert_eq!(
            reply.json(),
            json!({"detail": format!("Cannot {control} a job that is cancelling")})
        );
        assert_eq!(mock.job_state(&key, &job), Some(JobState::Cancelling));
    }
    mock.advance(mock.personality().band);
    assert_eq!(mock.job_state(&key, &job), Some(JobState::Cancelled));
}

#[tokio::test]
async fn every_200_control_answer_is_the_state_the_job_is_in() {
    for (name, p) in Personality::catalogue() {
        // With no settle delay a transient state is gone by the next look.
        let instant = p.settle_bands == 0;
        let mock = MockApi::builder().personality(p).start().await;
        let client = Client::new(&mock);
        let key = mock.api_key();
        for state in JobState::ALL {
            for control in Control::ALL {
                let job = mock.seed_job(&key, state);
                let before = mock.job_state(&key, &job).unwrap();
                let reply = client.call("POST", &path(control.endpoint(), &job)).await;
                let after = mock.job_state(&key, &job).unwrap();
                match reply.status {
                    200 | 202 => {
                        let said: JobState =
                            reply.json()["status"].as_str().unwrap().parse().unwrap();
                        let settled = matches!(
                            (said, after),
                            (JobState::Pausing, JobState::Paused | JobState::Completed)
                                | (JobState::Cancelling, JobState::Cancelled)
                        );
                        assert!(
                            said == after || (instant && settled),
                            "{name}: {control} of {before} said {said}, is {after}"
                        );
                    }
                    409 => assert_eq!(after, before, "{name}: {control} of {before}"),
                    other => panic!("{name}: {control} of {before} answered {other}"),
                }
            }
        }
    }
}

#[tokio::test]
async fn a_fault_sees_the_endpoint_and_the_states() {
    let mock = MockApi::builder()
        .fault(|call: &Call, answer: &mut Answer| {
            if call.operation == Some(Endpoint::Resume)
                && call.state_before == Some(JobState::Completed)
            {
                *answer = Answer::json(500, &json!({"detail": "boom"}));
            }
        })
        .start()
        .await;
    let client = Client::new(&mock);
    let done = mock.fixture(JobState::Completed).unwrap();
    assert_eq!(
        client
            .call("POST", &path(Endpoint::Resume, &done))
            .await
            .status,
        500
    );
    assert_eq!(
        client
            .call("POST", &path(Endpoint::Pause, &done))
            .await
            .status,
        409
    );
}

#[tokio::test]
async fn the_mock_reports_its_personality_with_sizes_raised() {
    let p = Personality::faithful()
        .with(|p| p.page_size = 0)
        .with(|p| p.bands_total = 1);
    let mock = MockApi::builder().personality(p).start().await;
    assert_eq!(
        (mock.personality().page_size, mock.personality().bands_total),
        (1, 2)
    );
    assert_eq!(mock.personality().page_size, 1);
    let mock = MockApi::builder()
        .personality(Personality::faithful())
        .page_size(3)
        .start()
        .await;
    assert_eq!(mock.personality().page_size, 3);
}

#[tokio::test]
async fn small_pages_walk_every_row() {
    let p = Personality::catalogue()
        .into_iter()
        .find(|(name, _)| *name == "small-pages")
        .unwrap()
        .1;
    let mock = MockApi::builder().personality(p).start().await;
    let client = Client::new(&mock);
    let job = mock.fixture(JobState::Completed).unwrap();
    let mut cursor = None::<String>;
    let mut rows = 0;
    loop {
        let mut url = path(Endpoint::Poll, &job);
        if let Some(c) = &cursor {
            url = format!("{url}?cursor={c}");
        }
        let body = client.call("GET", &url).await.json();
        rows += body["rows"].as_array().unwrap().len();
        match body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(
        rows,
        mock.personality().rows_per_band * mock.personality().bands_total as usize
    );
}
