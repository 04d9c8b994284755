//! How answers are dressed: gzip, close, extra fields and headers, charset.

use serde_json::json;

use super::{Client, gunzip};
use crate::JobState;
use crate::api::Endpoint;
use crate::mock::answer::Answer;
use crate::mock::personality::{Coding, Connection, Personality};
use crate::mock::wire::{Asked, accepts_gzip, dress, gzip_bytes};
use crate::mock::{MockApi, PRIMARY_KEY};

#[test]
fn accept_encoding_is_read_like_rfc_9110() {
    assert!(accepts_gzip(None), "no header: any coding");
    assert!(accepts_gzip(Some("gzip")));
    assert!(accepts_gzip(Some("deflate, GZIP;q=0.5")));
    assert!(accepts_gzip(Some("*")));
    assert!(!accepts_gzip(Some("")));
    assert!(!accepts_gzip(Some("identity")));
    assert!(!accepts_gzip(Some("gzip;q=0")));
    assert!(!accepts_gzip(Some("*, gzip;q=0")));
    assert!(accepts_gzip(Some("br, *;q=0.1")));
}

#[test]
fn the_faithful_personality_leaves_an_answer_as_it_is() {
    let answer = Answer::json(200, &json!({"a": 1}));
    let mut dressed = answer.clone();
    dress(&mut dressed, &Personality::faithful(), &Asked::default());
    assert_eq!(dressed, answer);
}

#[test]
fn extra_fields_go_into_every_json_object() {
    let p = Personality::faithful().with(|p| p.extra_fields = true);
    let asked = Asked {
        accept_encoding: None,
        number: 7,
    };
    for (body, want) in [
        (json!({"a": 1}), json!({"a": 1, "request_id": "req_000007"})),
        (json!({}), json!({"request_id": "req_000007"})),
        (json!([1]), json!([1])),
    ] {
        let mut answer = Answer::json(200, &body);
        dress(&mut answer, &p, &asked);
        assert_eq!(answer.body_json(), want);
    }
}

#[test]
fn gzip_round_trips() {
    let bytes = br#"{"job_id":"x"}"#;
    assert_eq!(gunzip(&gzip_bytes(bytes)), bytes);
}

async fn poll_with(p: Personality, headers: &[(&str, &str)]) -> super::Got {
    let mock = MockApi::builder().personality(p).start().await;
    let client = Client::new(&mock);
    let job = mock.fixture(JobState::Completed).unwrap();
    client
        .send(
            "GET",
            &Endpoint::Poll.path(&job),
            Some(PRIMARY_KEY),
            headers,
            None,
        )
        .await
}

#[tokio::test]
async fn gzip_always_compresses_asked_or_not() {
    let p = Personality::faithful().with(|p| p.coding = Coding::GzipAlways);
    for headers in [&[][..], &[("accept-encoding", "identity")][..]] {
        let reply = poll_with(p.clone(), headers).await;
        assert_eq!(reply.header("content-encoding"), Some("gzip"));
        assert_eq!(reply.json()["status"], json!("completed"));
    }
}

#[tokio::test]
async fn gzip_when_accepted_follows_accept_encoding() {
    let p = Personality::faithful().with(|p| p.coding = Coding::GzipWhenAccepted);
    let plain = poll_with(p.clone(), &[("accept-encoding", "identity")]).await;
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.header("vary"), Some("Accept-Encoding"));
    assert_eq!(plain.json()["status"], json!("completed"));
    let zipped = poll_with(p, &[("accept-encoding", "gzip, deflate")]).await;
    assert_eq!(zipped.header("content-encoding"), Some("gzip"));
    assert_eq!(zipped.json()["status"], json!("completed"));
}

#[tokio::test]
async fn close_closes_every_connection() {
    let p = Personality::faithful().with(|p| p.connection = Connection::Close);
    let mock = MockApi::builder().personality(p).start().await;
    let client = Client::new(&mock);
    let job = mock.fixture(JobState::Running).unwrap();
    for _ in 0..3 {
        let reply = client.call("GET", &Endpoint::Poll.path(&job)).await;
        assert_eq!(
            (reply.status, reply.header("connection")),
            (200, Some("close"))
        );
    }
    assert_eq!(mock.request_count(), 3);
}

#[tokio::test]
async fn decorated_answers_carry_extras_and_a_charset() {
    let p = Personality::faithful()
        .with(|p| p.extra_fields = true)
        .with(|p| p.extra_headers = true)
        .with(|p| p.media_type_params = true);
    let reply = poll_with(p, &[]).await;
    assert_eq!(
        reply.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(reply.header("x-request-id"), Some("req_000001"));
    let body = reply.json();
    assert_eq!(body["request_id"], json!("req_000001"));
    assert_eq!(body["status"], json!("completed"));
}
