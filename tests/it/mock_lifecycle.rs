//! The stateful mock over HTTP, with the manual clock only (no real sleeps).
//! Requests go through the crate's own client ([`client_of`]); only the
//! header-case test writes raw HTTP/1.1, so the header name goes out
//! exactly as written.

use openfunnel_contract::Endpoint;
use std::time::Duration;

use crate::support::{SNAPSHOTS, client_of};
use openfunnel_contract::mock::{MockApi, UnmatchedRequest};
use openfunnel_contract::{ApiKey, JobState, Request, Target};
use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The answer to one request, its body parsed (every answer of the mock
/// is JSON).
#[derive(Debug)]
struct Reply {
    status: u16,
    content_type: Option<String>,
    allow: Option<String>,
    body: Value,
}

/// Requests of the crate's own type, sent to the mock through a target
/// ([`client_of`]), as any server would be reached.
struct Client {
    target: Target,
}

impl Client {
    async fn new(mock: &MockApi) -> Client {
        Client {
            target: client_of(mock).await,
        }
    }

    /// Sends `request`; the answer must be JSON.
    async fn reply(&self, request: Request) -> Reply {
        let exchange = self.target.send(request).await.expect("the mock answers");
        let response = exchange.response;
        let body = response
            .body_json()
            .unwrap_or_else(|err| panic!("body is not JSON ({err}): {}", response.body_text()));
        Reply {
            status: response.status,
            content_type: response.header("content-type").map(str::to_owned),
            allow: response.header("allow").map(str::to_owned),
            body,
        }
    }

    /// `method path` (the path as written, a query string included), with
    /// `key` and a `(content type, body)`.
    async fn send(
        &self,
        method: &str,
        path: &str,
        key: Option<&ApiKey>,
        body: Option<(&str, &str)>,
    ) -> Reply {
        let method = Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = Request::new(method, path);
        if let Some(key) = key {
            request = request.key(key);
        }
        if let Some((content_type, body)) = body {
            request = request.raw_body(content_type, body.as_bytes().to_vec());
        }
        self.reply(request).await
    }

    async fn submit(&self, key: &ApiKey, query: &str) -> Reply {
        let body = json!({ "query": query }).to_string();
        self.send(
            "POST",
            "/api/v1/tam/build",
            Some(key),
            Some(("application/json", &body)),
        )
        .await
    }

    async fn poll(&self, key: &ApiKey, id: &str, cursor: Option<&str>) -> Reply {
        let path = match cursor {
            Some(c) => format!("/api/v1/tam/build/{id}?cursor={c}"),
            None => format!("/api/v1/tam/build/{id}"),
        };
        self.send("GET", &path, Some(key), None).await
    }

    async fn act(&self, key: &ApiKey, id: &str, action: &str) -> Reply {
        self.send(
            "POST",
            &format!("/api/v1/tam/build/{id}/{action}"),
            Some(key),
            None,
        )
        .await
    }

    /// Every row of a job, walking `next_cursor` from the first page.
    async fn all_rows(&self, key: &ApiKey, id: &str) -> (Vec<Value>, Value) {
        let mut rows = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let reply = self.poll(key, id, cursor.as_deref()).await;
            assert_eq!(reply.status, 200, "{:?}", reply.body);
            let page_rows = reply.body["rows"].as_array().expect("rows").clone();
            assert_eq!(reply.body["count"], json!(page_rows.len()));
            let expected_page = cursor.clone().unwrap_or_else(|| "page_0000".to_owned());
            assert_eq!(reply.body["page"], json!(expected_page));
            rows.extend(page_rows);
            pages += 1;
            assert!(pages < 1000, "pagination does not end");
            match reply.body["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => return (rows, reply.body),
            }
        }
    }
}

fn status_of(reply: &Reply) -> &str {
    reply.body["status"].as_str().expect("status")
}

const FINISHED: &str = "Job already finished (completed / failed / cancelled)";
const NOT_FOUND: &str = "Job not found for this API key";

#[tokio::test]
async fn submit_pause_resume_complete_then_resume_conflicts_twice() {
    let mock = MockApi::start().await;
    let client = Client::new(&mock).await;
    let key = mock.api_key();
    let band = mock.personality().band;

    let submitted = client
        .submit(&key, "cloud observability and monitoring tools")
        .await;
    assert_eq!(submitted.status, 200);
    assert_eq!(submitted.content_type.as_deref(), Some("application/json"));
    assert_eq!(status_of(&submitted), "pending");
    let id = submitted.body["job_id"].as_str().unwrap().to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok());
    assert_eq!(
        submitted.body["message"],
        json!(format!(
            "TAM build started. Poll GET /api/v1/tam/build/{id} for status and results."
        ))
    );

    let polled = client.poll(&key, &id, None).await;
    assert_eq!((polled.status, status_of(&polled)), (200, "pending"));
    assert_eq!(polled.body["manifest"], Value::Null);
    assert_eq!(polled.body["next_cursor"], Value::Null);

    mock.advance(band);
    let polled = client.poll(&key, &id, None).await;
    assert_eq!(status_of(&polled), "running");

    let paused = client.act(&key, &id, "pause").await;
    assert_eq!((paused.status, status_of(&paused)), (200, "pausing"));
    assert_eq!(status_of(&client.poll(&key, &id, None).await), "pausing");

    mock.advance(band);
    let polled = client.poll(&key, &id, None).await;
    assert_eq!(status_of(&polled), "paused");
    let processed = polled.body["processed"].clone();
    assert_eq!(processed, json!(mock.personality().rows_per_band));
    assert_eq!(polled.body["bands_done"], json!(1));

    // A paused job does not move.
    mock.advance(band * 5);
    let still = client.poll(&key, &id, None).await;
    assert_eq!(status_of(&still), "paused");
    assert_eq!(still.body["processed"], processed);

    let resumed = client.act(&key, &id, "resume").await;
    assert_eq!((resumed.status, status_of(&resumed)), (200, "running"));
    assert_eq!(resumed.body["job_id"], json!(id));
    assert!(resumed.body["message"].as_str().unwrap().contains(&id));
    assert_eq!(status_of(&client.poll(&key, &id, None).await), "running");

    let mut ticks = 0;
    let completed = loop {
        mock.advance(band);
        ticks += 1;
        let polled = client.poll(&key, &id, None).await;
        if status_of(&polled) == "completed" {
            break polled;
        }
        assert_eq!(status_of(&polled), "running");
        assert!(ticks < 20, "never completed");
    };
    assert_eq!(ticks, mock.personality().bands_total as usize - 1);
    assert_eq!(completed.body["bands_done"], completed.body["bands_total"]);
    assert_ne!(completed.body["manifest"], Value::Null);
    assert_eq!(completed.body["manifest"]["partial"], json!(false));

    for _ in 0..2 {
        let again = client.act(&key, &id, "resume").await;
        assert_eq!(again.status, 409);
        assert_eq!(again.body, json!({ "detail": FINISHED }));
        assert_eq!(mock.job_state(&key, &id), Some(JobState::Completed));
    }
    mock.advance(band * 10);
    let after = client.poll(&key, &id, None).await;
    assert_eq!(after.body, completed.body, "a terminal job never changes");
}

#[tokio::test]
async fn a_second_key_gets_404_on_the_first_keys_job() {
    let mock = MockApi::start().await;
    let client = Client::new(&mock).await;
    let (key, other) = (mock.api_key(), mock.other_api_key());
    let id = client.submit(&key, "neobanks").await.body["job_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let running = mock.fixture(JobState::Running).unwrap();
    for job in [&id, &running] {
        let reply = client.poll(&other, job, None).await;
        assert_eq!(
            (reply.status, &reply.body),
            (404, &json!({ "detail": NOT_FOUND }))
        );
        for action in ["pause", "resume", "cancel"] {
            let reply = client.act(&other, job, action).await;
            assert_eq!(reply.status, 404, "{action}");
            assert_eq!(reply.body, json!({ "detail": NOT_FOUND }));
        }
    }
    // Nothing the other key did touched the jobs.
    assert_eq!(mock.job_state(&key, &id), Some(JobState::Pending));
    assert_eq!(mock.job_state(&key, &running), Some(JobState::Running));
    assert_eq!(mock.job_state(&other, &id), None);
    // A key the mock has never seen is a tenant without jobs.
    let stranger = ApiKey::new("of_somebody_else");
    assert_eq!(client.poll(&stranger, &id, None).await.status, 404);
    assert_eq!(client.submit(&stranger, "x").await.status, 200);
    // And the other key can own jobs, invisible to the primary key.
    let theirs = mock.seed_job(&other, JobState::Completed);
    assert_eq!(client.poll(&other, &theirs, None).await.status, 200);
    assert_eq!(client.poll(&key, &theirs, None).await.status, 404);
    // Unknown job ids.
    for unknown in ["nope", "00000000-0000-0000-0000-000000000000"] {
        assert_eq!(client.poll(&key, unknown, None).await.status, 404);
        assert_eq!(client.act(&key, unknown, "cancel").await.status, 404);
    }
}

#[tokio::test]
async fn a_wrong_method_is_405_with_allow_and_recorded() {
    let mock = MockApi::start().await;
    let client = Client::new(&mock).await;
    let key = mock.api_key();
    let id = mock.fixture(JobState::Running).unwrap();
    let cases = [
        (
            "DELETE",
            format!("/api/v1/tam/build/{id}"),
            "GET",
            Endpoint::Poll,
        ),
        (
            "POST",
            format!("/api/v1/tam/build/{id}"),
            "GET",
            Endpoint::Poll,
        ),
        (
            "GET",
            format!("/api/v1/tam/build/{id}/pause"),
            "POST",
            Endpoint::Pause,
        ),
        (
            "PUT",
            format!("/api/v1/tam/build/{id}/resume"),
            "POST",
            Endpoint::Resume,
        ),
        (
            "GET",
            format!("/api/v1/tam/build/{id}/cancel"),
            "POST",
            Endpoint::Cancel,
        ),
        (
            "GET",
            "/api/v1/tam/build".to_owned(),
            "POST",
            Endpoint::Submit,
        ),
        (
            "PATCH",
            "/api/v1/tam/build".to_owned(),
            "POST",
            Endpoint::Submit,
        ),
    ];
    for (method, path, allow, _) in &cases {
        let reply = client.send(method, path, Some(&key), None).await;
        assert_eq!(reply.status, 405, "{method} {path}");
        assert_eq!(reply.allow.as_deref(), Some(*allow), "{method} {path}");
        assert_eq!(reply.body, json!({ "detail": "Method Not Allowed" }));
    }
    let recorded = mock.unmatched_requests();
    assert_eq!(recorded.len(), cases.len());
    for (got, (method, path, _, op)) in recorded.iter().zip(&cases) {
        assert_eq!(
            got,
            &UnmatchedRequest {
                method: method.to_string(),
                path: path.clone(),
                query: None,
                nearest_operation: *op,
                status: 405,
            }
        );
    }
    // Still running: a 405 changes nothing.
    assert_eq!(mock.job_state(&key, &id), Some(JobState::Running));
}

#[tokio::test]
async fn an_unmatched_request_names_the_nearest_operation_and_is_recorded() {
    let mock = MockApi::start().await;
    let client = Client::new(&mock).await;
    let key = mock.api_key();
    let cases = [
        (
            "GET",
            "/api/v1/tam/build/abc/status?verbose=1",
            Endpoint::Poll,
        ),
        ("POST", "/api/v1/tam/build/abc/pasue", Endpoint::Pause),
        ("POST", "/api/v1/tam/builds", Endpoint::Submit),
        ("GET", "/api/v1/tam/build/", Endpoint::Poll),
        ("POST", "/api/v1/tam/build/a%2Fb/resume", Endpoint::Resume),
        ("GET", "/openapi.json", Endpoint::Poll),
    ];
    for (method, path_and_query, op) in cases {
        let reply = client.send(method, path_and_query, Some(&key), None).await;
        assert_eq!(reply.status, 404, "{method} {path_and_query}");
        assert_eq!(reply.body["detail"], json!("Not Found"));
        assert_eq!(reply.body["nearest_operation"], json!(op.to_string()));
        assert_eq!(reply.body["method"], json!(method));
    }
    let recorded = mock.unmatched_requests();
    assert_eq!(recorded.len(), cases.len());
    assert_eq!(
        recorded[0],
        UnmatchedRequest {
            method: "GET".into(),
            path: "/api/v1/tam/build/abc/status".into(),
            query: Some("verbose=1".into()),
            nearest_operation: Endpoint::Poll,
            status: 404,
        }
    );
    assert_eq!(recorded[4].path, "/api/v1/tam/build/a%2Fb/resume");
    for (got, (method, _, op)) in recorded.iter().zip(cases) {
        assert_eq!(
            (got.method.as_str(), got.nearest_operation, got.status),
            (method, op, 404)
        );
    }
    assert_eq!(mock.request_count(), cases.len());
}

#[tokio::test]
async fn a_missing_api_key_is_422_on_every_operation() {
    let mock = MockApi::start().await;
    let client = Client::new(&mock).await;
    let id = mock.fixture(JobState::Paused).unwrap();
    let missing = json!({
        "type": "missing",
        "loc": ["header", "x-api-key"],
        "msg": "Field required",
        "input": null,
    });
    let body = Some(("application/json", r#"{"query": "fine"}"#));
    let cases = [
        ("POST", "/api/v1/tam/build".to_owned(), body),
        ("GET", format!("/api/v1/tam/build/{id}"), None),
        (
            "GET",
            format!("/api/v1/tam/build/{id}?cursor=page_0001"),
            None,
        ),
        ("POST", format!("/api/v1/tam/build/{id}/pause"), None),
        ("POST", format!("/api/v1/tam/build/{id}/resume"), None),
        ("POST", format!("/api/v1/tam/build/{id}/cancel"), None),
        // The key is checked before the job is looked up.
        ("GET", "/api/v1/tam/build/unknown".to_owned(), None),
        ("POST", "/api/v1/tam/build/unknown/cancel".to_owned(), None),
    ];
    for (method, path, body) in cases {
        let reply = client.send(method, &path, None, body).await;
        assert_eq!(reply.status, 422, "{method} {path}");
        assert_eq!(reply.content_type.as_deref(), Some("application/json"));
        assert_eq!(
            reply.body,
            json!({ "detail": [missing] }),
            "{method} {path}"
        );
    }
    assert_eq!(mock.job_state(&mock.api_key(), &id), Some(JobState::Paused));
    assert_eq!(mock.jobs(&mock.api_key()).len(), 8, "no job was submitted");
    assert!(mock.unmatched_requests().is_empty());
}

#[tokio::test]
async fn bad_submit_bodies_are_422_in_fastapi_shape() {
    let mock = MockApi::start().await;
    let client = Client::new(&mock).await;
    let key = mock.api_key();
    let json_ct = "application/json";
    let long = "x".repeat(501);
    let long_body = json!({ "query": long }).to_string();
    let cases: Vec<(&str, &str, Value, &str)> = vec![
        (json_ct, r#"{}"#, json!(["body", "query"]), "missing"),
        (
            json_ct,
            r#"{"q": "x"}"#,
            json!(["body", "query"]),
            "missing",
        ),
        (
            json_ct,
            r#"{"query": ""}"#,
            json!(["body", "query"]),
            "string_too_short",
        ),
        (
            json_ct,
            &long_body,
            json!(["body", "query"]),
            "string_too_long",
        ),
        (
            json_ct,
            r#"{"query": 42}"#,
            json!(["body", "query"]),
            "string_type",
        ),
        (
            json_ct,
            r#"{"query": null}"#,
            json!(["body", "query"]),
            "string_type",
        ),
        (
            json_ct,
            r#"{"query": ["a"]}"#,
            json!(["body", "query"]),
            "string_type",
        ),
        (json_ct, "not json", json!(["body", 0]), "json_invalid"),
        (
            json_ct,
            r#"{"query": "x""#,
            json!(["body", 0]),
            "json_invalid",
        ),
        (json_ct, "", json!(["body"]), "missing"),
        (json_ct, "null", json!(["body"]), "missing"),
        (
            json_ct,
            r#"["query"]"#,
            json!(["body"]),
            "model_attributes_type",
        ),
        (
            json_ct,
            r#""query""#,
            json!(["body"]),
            "model_attributes_type",
        ),
        (
            "text/plain",
            r#"{"query": "x"}"#,
            json!(["body"]),
            "model_attributes_type",
        ),
    ];
    for (content_type, body, loc, kind) in &cases {
        let reply = client
            .send(
                "POST",
                "/api/v1/tam/build",
                Some(&key),
                Some((content_type, body)),
            )
            .await;
        let what = format!("{content_type} {body:.40}");
        assert_eq!(reply.status, 422, "{what}");
        let detail = reply.body["detail"].as_array().expect("detail is a list");
        assert_eq!(detail.len(), 1, "{what}: {detail:?}");
        assert_eq!(&detail[0]["loc"], loc, "{what}");
        assert_eq!(detail[0]["type"], json!(kind), "{what}");
        assert!(detail[0]["msg"].is_string(), "{what}");
    }
    // 500 characters (not bytes) is still fine; 501 is not.
    let ok = client.submit(&key, &"é".repeat(500)).await;
    assert_eq!((ok.status, status_of(&ok)), (200, "pending"));
    // A missing key and a bad body: both errors, the header first.
    let reply = client
        .send("POST", "/api/v1/tam/build", None, Some((json_ct, "{}")))
        .await;
    let locs: Vec<&Value> = reply.body["detail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["loc"])
        .collect();
    assert_eq!(
        locs,
        [&json!(["header", "x-api-key"]), &json!(["body", "query"])]
    );
    // ... but a JSON syntax error is reported alone.
    let reply = client
        .send("POST", "/api/v1/tam/build", None, Some((json_ct, "{")))
        .await;
    assert_eq!(reply.body["detail"].as_array().unwrap().len(), 1);
    assert_eq!(reply.body["detail"][0]["type"], json!("json_invalid"));
    // A body without Content-Type is read as JSON.
    let reply = client
        .send_raw_body_without_content_type(r#"{"query": "no content type"}"#, &key)
        .await;
    assert_eq!(reply.status, 200);
    // Only the one good submit and the one above created jobs.
    assert_eq!(mock.jobs(&key).len(), 8 + 2);
}

impl Client {
    /// A submit with a body and no `Content-Type`.
    async fn send_raw_body_without_content_type(&self, body: &str, key: &ApiKey) -> Reply {
        let mut request = Request::new(Method::POST, "/api/v1/tam/build").key(key);
        request.body = Some(body.as_bytes().to_vec());
        let reply = self.reply(request).await;
        assert!(reply.content_type.is_some());
        reply
    }
}

#[tokio::test]
async fn any_string_cursor_is_an_empty_page_not_a_422() {
    // The spec states no cursor pattern, so every string is a valid
    // request (Schemathesis flags a 422 as "schema-valid request rejected").
    let mock = MockApi::start().await;
    let client = Client::new(&mock).await;
    let key = mock.api_key();
    let id = mock.fixture(JobState::Completed).unwrap();
    for odd in [
        "",
        "page_1",
        "PAGE_0001",
        "page_00a1",
        "1",
        "page_0001%20",
        "nope",
    ] {
        let reply = client.poll(&key, &id, Some(odd)).await;
        assert_eq!(reply.status, 200, "cursor {odd:?}");
        let rows = reply.body["rows"].as_array().map_or(0, Vec::len);
        assert_eq!(reply.body["count"], json!(rows), "cursor {odd:?}");
    }
    // A cursor the mock cannot read is a page past the written ones.
    let reply = client.poll(&key, &id, Some("nope")).await;
    assert_eq!(reply.body["rows"], json!([]));
    assert_eq!(reply.body["next_cursor"], Value::Null);
    // An unknown job is still not found, whatever the cursor.
    let reply = client.poll(&key, "unknown", Some("nope")).await;
    assert_eq!(reply.status, 404);
    // A well-formed cursor past the written pages is an empty page.
    let reply = client.poll(&key, &id, Some("page_0099")).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        (
            &reply.body["rows"],
            &reply.body["count"],
            &reply.body["next_cursor"],
            &reply.body["page"]
        ),
        (&json!([]), &json!(0), &Value::Null, &json!("page_0099"))
    );
    // Five digits are fine.
    assert_eq!(client.poll(&key, &id, Some("page_00001")).await.status, 200);
}

#[tokio::test]
async fn the_completed_fixture_paginates_to_its_manifest() {
    let mock = MockApi::start().await;
    let client = Client::new(&mock).await;
    let key = mock.api_key();
    let id = mock.fixture(JobState::Completed).unwrap();
    let (rows, last) = client.all_rows(&key, &id).await;
    let manifest = &last["manifest"];
    assert_eq!(last["status"], json!("completed"));
    assert_eq!(last["next_cursor"], Value::Null);
    assert_eq!(manifest["unique_count"], json!(rows.len()));
    assert_eq!(manifest["credits_consumed"], json!(rows.len()));
    assert_eq!(manifest["page_size"], json!(mock.personality().page_size));
    assert_eq!(
        manifest["pages"],
        json!(rows.len().div_ceil(mock.personality().page_size))
    );
    assert_eq!(
        rows.len(),
        mock.personality().rows_per_band * mock.personality().bands_total as usize
    );
    assert!(manifest["pages"].as_u64().unwrap() > 2, "several pages");
    assert_eq!(last["processed"], json!(rows.len()));
    let mut domains: Vec<&str> = rows.iter().map(|r| r["domain"].as_str().unwrap()).collect();
    domains.sort_unstable();
    domains.dedup();
    assert_eq!(domains.len(), rows.len(), "unique companies");
    let scores: Vec<u64> = rows
        .iter()
        .map(|r| r["match_score"].as_u64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "ranked");
    for row in &rows {
        for field in [
            "name",
            "domain",
            "linkedin_url",
            "headquarters",
            "match_reason",
            "source_band",
            "source_query",
            "funding_stage",
            "hq_city",
            "hq_region",
            "hq_country",
        ] {
            assert!(row[field].is_string(), "{field} in {row}");
        }
        assert!(row["match_score"].is_u64() && row["employee_count"].is_u64());
        assert!(
            row["industries"]
                .as_array()
                .unwrap()
                .iter()
                .all(Value::is_string)
        );
        assert_eq!(row.as_object().unwrap().len(), 14);
    }
}

#[tokio::test]
async fn rows_delivered_before_a_cancel_stay_readable() {
    let mock = MockApi::start().await;
    let client = Client::new(&mock).await;
    let key = mock.api_key();
    let band = mock.personality().band;
    let id = client.submit(&key, "hospitals").await.body["job_id"]
        .as_str()
        .unwrap()
        .to_owned();
    mock.advance(band * 3); // queued, then two bands delivered
    let (before, last) = client.all_rows(&key, &id).await;
    assert_eq!(last["status"], json!("running"));
    assert_eq!(before.len(), 2 * mock.personality().rows_per_band);

    let cancel = client.act(&key, &id, "cancel").await;
    assert_eq!((cancel.status, status_of(&cancel)), (200, "cancelling"));
    assert_eq!(client.all_rows(&key, &id).await.0, before);
    mock.advance(band);
    let (after, last) = client.all_rows(&key, &id).await;
    assert_eq!(last["status"], json!("cancelled"));
    assert_eq!(
        after, before,
        "the in-flight band was abandoned, the rest kept"
    );
    assert_eq!(last["manifest"]["partial"], json!(true));
    assert_eq!(last["manifest"]["unique_count"], json!(before.len()));
    for action in ["cancel", "pause", "resume", "cancel"] {
        let reply = client.act(&key, &id, action).await;
        assert_eq!(
            (reply.status, &reply.body),
            (409, &json!({ "detail": FINISHED }))
        );
    }

    // The same for a paused job: its rows survive the cancel.
    let paused = mock.fixture(JobState::Paused).unwrap();
    let (before, _) = client.all_rows(&key, &paused).await;
    assert!(!before.is_empty());
    assert_eq!(
        status_of(&client.act(&key, &paused, "cancel").await),
        "cancelling"
    );
    mock.advance(band);
    let (after, last) = client.all_rows(&key, &paused).await;
    assert_eq!(
        (last["status"].as_str(), after),
        (Some("cancelled"), before)
    );
}

#[tokio::test]
async fn fixtures_cover_every_state_and_hold_until_the_clock_moves() {
    let mock = MockApi::start().await;
    let client = Client::new(&mock).await;
    let key = mock.api_key();
    let fixtures = mock.fixtures();
    let states: Vec<JobState> = fixtures.iter().map(|(s, _)| *s).collect();
    assert_eq!(states, JobState::ALL);
    mock.advance(mock.personality().band - Duration::from_millis(1));
    for (state, id) in &fixtures {
        assert_eq!(mock.fixture(*state).as_deref(), Some(id.as_str()));
        let reply = client.poll(&key, id, None).await;
        assert_eq!(reply.status, 200);
        assert_eq!(status_of(&reply), state.as_str());
        assert_eq!(
            reply.body["manifest"].is_null(),
            !state.is_terminal(),
            "{state}"
        );
        assert_eq!(
            reply.body["error_message"].is_string(),
            *state == JobState::Failed,
            "{state}"
        );
        if state.is_terminal() {
            assert!(
                reply.body["count"].as_u64().unwrap() > 0,
                "{state} has rows"
            );
        }
    }
    mock.advance(Duration::from_millis(1));
    let moved: Vec<JobState> = fixtures
        .iter()
        .map(|(_, id)| mock.job_state(&key, id).unwrap())
        .collect();
    use JobState::*;
    assert_eq!(
        moved,
        [
            Running, Running, Paused, Paused, Completed, Failed, Cancelled, Cancelled
        ]
    );
}

#[tokio::test]
async fn terminal_jobs_conflict_on_every_action_every_time() {
    let mock = MockApi::start().await;
    let client = Client::new(&mock).await;
    let key = mock.api_key();
    for state in JobState::TERMINAL {
        let id = mock.fixture(state).unwrap();
        let before = client.poll(&key, &id, None).await.body;
        for _ in 0..2 {
            for action in ["pause", "resume", "cancel"] {
                let reply = client.act(&key, &id, action).await;
                assert_eq!(reply.status, 409, "{action} of {state}");
                assert_eq!(reply.body, json!({ "detail": FINISHED }));
            }
        }
        mock.advance(mock.personality().band);
        assert_eq!(client.poll(&key, &id, None).await.body, before, "{state}");
    }
}

#[tokio::test]
async fn silent_cells_answer_as_the_module_docs_say() {
    let mock = MockApi::start().await;
    let client = Client::new(&mock).await;
    let key = mock.api_key();
    // (action, state, status, body status or 409, state afterwards)
    use JobState::*;
    let cases = [
        ("resume", Pending, 200, "running", Running),
        ("resume", Running, 200, "running", Running),
        ("resume", Pausing, 200, "running", Running),
        ("resume", Cancelling, 409, "", Cancelling),
        ("pause", Pending, 200, "pausing", Pausing),
        ("pause", Pausing, 200, "pausing", Pausing),
        ("pause", Paused, 200, "paused", Paused),
        ("pause", Cancelling, 409, "", Cancelling),
        ("cancel", Pausing, 200, "cancelling", Cancelling),
        ("cancel", Paused, 200, "cancelling", Cancelling),
        ("cancel", Cancelling, 200, "cancelling", Cancelling),
    ];
    for (action, state, code, status, after) in cases {
        let id = mock.seed_job(&key, state);
        let reply = client.act(&key, &id, action).await;
        assert_eq!(reply.status, code, "{action} of {state}");
        if code == 200 {
            assert_eq!(reply.body["status"], json!(status), "{action} of {state}");
            assert_eq!(reply.body["job_id"], json!(id));
            assert!(reply.body["message"].is_string());
        } else {
            // A refusal changes nothing, and says why.
            assert!(reply.body["detail"].is_string(), "{action} of {state}");
        }
        assert_eq!(
            mock.job_state(&key, &id),
            Some(after),
            "{action} of {state}"
        );
    }
}

#[tokio::test]
async fn seeded_ids_are_reproducible() {
    async fn ids(seed: u64) -> (Vec<(JobState, String)>, String) {
        let mock = MockApi::builder().seed(seed).start().await;
        let client = Client::new(&mock).await;
        let submitted = client.submit(&mock.api_key(), "q").await;
        (
            mock.fixtures(),
            submitted.body["job_id"].as_str().unwrap().to_owned(),
        )
    }
    let a = ids(7).await;
    assert_eq!(a, ids(7).await);
    let b = ids(8).await;
    assert_ne!(a.0, b.0);
    assert_ne!(a.1, b.1);
    let zero = MockApi::start().await;
    assert_eq!(zero.fixtures(), ids(0).await.0);
    // Rows follow the seed too.
    let first = |mock: MockApi| async move {
        let client = Client::new(&mock).await;
        let id = mock.fixture(JobState::Completed).unwrap();
        client.poll(&mock.api_key(), &id, None).await.body
    };
    let x = first(MockApi::builder().seed(7).start().await).await;
    let y = first(MockApi::builder().seed(7).start().await).await;
    assert_eq!(x, y);
}

#[tokio::test]
async fn percent_encoded_ids_are_decoded_and_header_names_are_case_insensitive() {
    let mock = MockApi::start().await;
    let client = Client::new(&mock).await;
    let key = mock.api_key();
    let id = mock.fixture(JobState::Paused).unwrap();
    let encoded: String = id.bytes().map(|b| format!("%{b:02X}")).collect();
    let reply = client.poll(&key, &encoded, None).await;
    assert_eq!((reply.status, status_of(&reply)), (200, "paused"));
    assert_eq!(reply.body["job_id"], json!(id));
    let reply = client.act(&key, &encoded, "cancel").await;
    assert_eq!((reply.status, status_of(&reply)), (200, "cancelling"));

    // Raw HTTP/1.1, so the header name goes out exactly as written.
    let completed = mock.fixture(JobState::Completed).unwrap();
    for name in ["X-API-Key", "x-api-key", "X-Api-Key", "x-API-kEY"] {
        let head = raw_get(
            &mock,
            &format!("/api/v1/tam/build/{completed}"),
            &format!("{name}: {}", key.expose()),
        )
        .await;
        assert!(head.starts_with("HTTP/1.1 200"), "{name}: {head}");
    }
}

async fn raw_get(mock: &MockApi, path: &str, header_line: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(mock.address())
        .await
        .expect("connect");
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: localhost\r\n{header_line}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("read");
    String::from_utf8_lossy(&response).into_owned()
}

#[tokio::test]
async fn the_manual_clock_handle_can_drive_the_mock() {
    let clock = openfunnel_contract::mock::ManualClock::new();
    let mock = MockApi::builder()
        .clock(clock.clone())
        .band_duration(Duration::from_secs(1))
        .page_size(7)
        .rows_per_band(3)
        .bands_total(2)
        .start()
        .await;
    let key = mock.api_key();
    let pending = mock.fixture(JobState::Pending).unwrap();
    clock.advance(Duration::from_secs(3));
    assert_eq!(mock.job_state(&key, &pending), Some(JobState::Completed));
    let client = Client::new(&mock).await;
    let (rows, last) = client.all_rows(&key, &pending).await;
    assert_eq!(rows.len(), 6);
    assert_eq!(last["manifest"]["pages"], json!(1));
    assert_eq!(last["bands_total"], json!(2));
    // mock.advance works on top of any clock.
    let other = mock.seed_job(&key, JobState::Cancelling);
    mock.advance(Duration::from_secs(1));
    assert_eq!(mock.job_state(&key, &other), Some(JobState::Cancelled));
    assert_eq!(mock.now(), Duration::from_secs(4));
}

#[tokio::test]
async fn a_mock_without_fixtures_has_no_jobs() {
    let mock = MockApi::builder().fixtures(false).start().await;
    assert!(mock.fixtures().is_empty());
    assert_eq!(mock.fixture(JobState::Completed), None);
    assert!(mock.jobs(&mock.api_key()).is_empty());
    assert!(mock.banner().contains("No fixture jobs."));
}

#[tokio::test]
async fn listening_on_a_taken_port_is_an_error() {
    let mock = MockApi::start().await;
    let taken = mock.address();
    assert!(MockApi::builder().listen(taken).try_start().await.is_err());
}

#[tokio::test]
async fn snapshots_of_the_banner_and_a_poll_body() {
    let mock = MockApi::start().await;
    let client = Client::new(&mock).await;
    let banner = mock.banner().replace(&mock.uri(), "http://127.0.0.1:PORT");
    let id = mock.fixture(JobState::Cancelled).unwrap();
    let body = client.poll(&mock.api_key(), &id, None).await.body;
    let pretty = serde_json::to_string_pretty(&body).unwrap();
    insta::with_settings!({snapshot_path => SNAPSHOTS, prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("mock_banner", banner);
        insta::assert_snapshot!("mock_poll_cancelled_fixture", pretty);
    });
}

#[tokio::test]
async fn a_system_clock_mock_listens_where_told() {
    // Real time, but nothing waits on it: one band is 10 s, the test takes
    // milliseconds, so every fixture is still in its seeded state.
    let mock = MockApi::builder()
        .system_clock()
        .listen(0u16)
        .seed(3)
        .start()
        .await;
    assert!(
        mock.uri().starts_with("http://127.0.0.1:"),
        "{}",
        mock.uri()
    );
    assert!(!mock.uri().ends_with('/'));
    let key = mock.api_key();
    for (state, id) in mock.fixtures() {
        assert_eq!(mock.job_state(&key, &id), Some(state));
    }
    // advance fast-forwards on top of real time.
    mock.advance(mock.personality().band);
    let pending = mock.fixture(JobState::Pending).unwrap();
    assert_eq!(mock.job_state(&key, &pending), Some(JobState::Running));
    let banner = mock.banner();
    assert!(banner.contains("system clock") && banner.contains(&mock.uri()));
    assert!(banner.contains("of_mock_primary") && banner.contains("of_mock_other"));
}
