//! The checking proxy (`openfunnel_contract::proxy`): a scripted client
//! drives traffic through it in front of the mock. In front of every
//! personality it finds nothing; in front of each broken variant it
//! reports the right server fault; client mistakes are reported apart;
//! upstream failures are answered 502/504; the key never shows.

use openfunnel_contract::Endpoint;
use std::io::Read as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::raw;
use crate::support::{CANARY_KEY, assert_clean, echoing_mock, resume_of_completed_answers_200};
use openfunnel_contract::mock::{Answer, Call, Fault, MockApi, PRIMARY_KEY, Personality};
use openfunnel_contract::proxy::{
    Proxy, ProxyBuilder, ProxyReport, render_proxy_json, render_proxy_junit, render_proxy_text,
};
use openfunnel_contract::report::redact;
use openfunnel_contract::{JobState, ViolationKind};
use reqwest::Method;
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const BUILD: &str = "/api/v1/tam/build";

/// A scripted client of the API, through whatever base URL it is given.
struct Client {
    http: reqwest::Client,
    base: String,
    key: Option<String>,
}

impl Client {
    fn new(base: &str) -> Client {
        Client {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .no_proxy()
                .build()
                .expect("a client"),
            base: base.to_owned(),
            key: Some(PRIMARY_KEY.to_owned()),
        }
    }

    fn with_key(mut self, key: Option<&str>) -> Client {
        self.key = key.map(str::to_owned);
        self
    }

    /// Sends and returns the status and the (gunzipped) JSON body.
    async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("accept-encoding", "gzip");
        if let Some(key) = &self.key {
            request = request.header("x-api-key", key);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let answer = request.send().await.expect("an answer through the proxy");
        let status = answer.status().as_u16();
        let gzipped = answer
            .headers()
            .get("content-encoding")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"gzip"));
        let bytes = answer.bytes().await.expect("a body").to_vec();
        let bytes = if gzipped {
            let mut out = Vec::new();
            flate2::read::MultiGzDecoder::new(&bytes[..])
                .read_to_end(&mut out)
                .expect("gzip");
            out
        } else {
            bytes
        };
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    async fn submit(&self) -> String {
        let (status, body) = self
            .call(
                Method::POST,
                BUILD,
                Some(&json!({"query": "observability tools"})),
            )
            .await;
        assert!((200..300).contains(&status), "{status} {body}");
        body["job_id"].as_str().expect("a job id").to_owned()
    }

    /// Polls; returns the state and the next cursor.
    async fn poll(&self, job: &str, cursor: Option<&str>) -> (Option<JobState>, Option<String>) {
        let path = match cursor {
            Some(c) => format!("{BUILD}/{job}?cursor={c}"),
            None => format!("{BUILD}/{job}"),
        };
        let (_, body) = self.call(Method::GET, &path, None).await;
        (
            body["status"].as_str().and_then(|s| s.parse().ok()),
            body["next_cursor"].as_str().map(str::to_owned),
        )
    }

    async fn control(&self, job: &str, verb: &str) -> u16 {
        self.call(Method::POST, &format!("{BUILD}/{job}/{verb}"), None)
            .await
            .0
    }
}

/// A client that only does what the docs support: it submits, follows the
/// cursors it is handed, pauses a running job, resumes it once paused,
/// then cancels it, polling before every control call.
async fn documented_client(mock: &MockApi, client: &Client) {
    let job = client.submit().await;
    let (mut paused, mut resumed, mut cancelled) = (false, false, false);
    for _ in 0..16 {
        let (state, mut next) = client.poll(&job, None).await;
        for _ in 0..4 {
            let Some(cursor) = next else { break };
            next = client.poll(&job, Some(&cursor)).await.1;
        }
        match state {
            Some(JobState::Running) if !paused => {
                paused = true;
                client.control(&job, "pause").await;
            }
            Some(JobState::Paused) if !resumed => {
                resumed = true;
                client.control(&job, "resume").await;
            }
            Some(JobState::Running) if resumed && !cancelled => {
                cancelled = true;
                client.control(&job, "cancel").await;
            }
            Some(state) if state.is_terminal() => break,
            _ => {}
        }
        mock.advance(mock.personality().band);
    }
    for state in [JobState::Completed, JobState::Paused, JobState::Running] {
        let fixture = mock.fixture(state).expect("fixtures");
        client.poll(&fixture, None).await;
    }
}

fn text(report: &ProxyReport) -> String {
    render_proxy_text(report)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_personality_yields_no_violation() {
    let mut broken = Vec::new();
    for (name, personality) in Personality::catalogue() {
        let mock = MockApi::builder().personality(personality).start().await;
        let proxy = Proxy::builder(&mock.uri()).start().await.expect("a proxy");
        documented_client(&mock, &Client::new(&proxy.uri())).await;
        let report = proxy.finish().await;
        assert!(report.controls_judged >= 2, "{name}: {}", text(&report));
        assert_eq!(report.exchanges_checked, report.exchanges_seen, "{name}");
        if !report.passed() {
            broken.push(format!("personality {name}:\n{}", text(&report)));
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

// ------------------------------------------------------- broken variants

/// What the scripted client does in front of a broken variant.
#[derive(Debug, Clone, Copy)]
enum Script {
    /// Polls the completed fixture, then resumes it.
    ResumeCompleted,
    /// Polls the running fixture, then pauses it.
    PauseRunning,
    /// Polls the running fixture twice.
    PollTwice,
    /// Polls the running fixture, cancels it, polls it.
    CancelThenPoll,
    /// Polls the paused fixture, resumes it, polls it.
    ResumeThenPoll,
    /// Submits.
    Submit,
}

async fn play(script: Script, mock: &MockApi, client: &Client) {
    let fixture = |state| mock.fixture(state).expect("fixtures");
    match script {
        Script::ResumeCompleted => {
            let job = fixture(JobState::Completed);
            client.poll(&job, None).await;
            client.control(&job, "resume").await;
        }
        Script::PauseRunning => {
            let job = fixture(JobState::Running);
            client.poll(&job, None).await;
            client.control(&job, "pause").await;
        }
        Script::PollTwice => {
            let job = fixture(JobState::Running);
            client.poll(&job, None).await;
            client.poll(&job, None).await;
        }
        Script::CancelThenPoll => {
            let job = fixture(JobState::Running);
            client.poll(&job, None).await;
            client.control(&job, "cancel").await;
            client.poll(&job, None).await;
        }
        Script::ResumeThenPoll => {
            let job = fixture(JobState::Paused);
            client.poll(&job, None).await;
            client.control(&job, "resume").await;
            client.poll(&job, None).await;
        }
        Script::Submit => {
            client
                .call(Method::POST, BUILD, Some(&json!({"query": "x"})))
                .await;
        }
    }
}

fn set(answer: &mut Answer, field: &str, value: Value) {
    let mut body = answer.body_json();
    body[field] = value;
    answer.set_json(&body);
}

fn pause_says_running(call: &Call, answer: &mut Answer) {
    if call.operation == Some(Endpoint::Pause) && answer.status == 200 {
        set(answer, "status", json!("running"));
    }
}

fn pause_500(call: &Call, answer: &mut Answer) {
    if call.operation == Some(Endpoint::Pause) {
        *answer = Answer::json(500, &json!({"detail": "Internal Server Error"}));
    }
}

fn cancel_loses_rows(call: &Call, answer: &mut Answer) {
    let cancelled = matches!(
        call.state_before,
        Some(JobState::Cancelling | JobState::Cancelled)
    );
    if call.operation == Some(Endpoint::Poll) && cancelled {
        set(answer, "rows", json!([]));
        set(answer, "count", json!(0));
    }
}

fn resumed_job_stays_paused(call: &Call, answer: &mut Answer) {
    if call.operation == Some(Endpoint::Poll) && call.state_before == Some(JobState::Running) {
        set(answer, "status", json!("paused"));
    }
}

fn submit_job_id_a_number(call: &Call, answer: &mut Answer) {
    if call.operation == Some(Endpoint::Submit) && answer.status == 200 {
        set(answer, "job_id", json!(7));
    }
}

/// The second poll of every job shows `processed` 0.
fn progress_goes_back() -> impl Fault {
    let polls: Mutex<u32> = Mutex::new(0);
    move |call: &Call, answer: &mut Answer| {
        if call.operation == Some(Endpoint::Poll) {
            let mut n = polls.lock().unwrap();
            *n += 1;
            if *n == 2 {
                set(answer, "processed", json!(0));
            }
        }
    }
}

/// Runs `script` through a proxy in front of a mock with `fault`.
async fn through_broken(fault: impl Fault, script: Script) -> ProxyReport {
    let mock = MockApi::builder().fault(fault).start().await;
    let proxy = Proxy::builder(&mock.uri()).start().await.expect("a proxy");
    play(script, &mock, &Client::new(&proxy.uri())).await;
    proxy.finish().await
}

/// `name => (fault, script, rule)`: the proxy reports `rule` as a server
/// fault. One test per row.
macro_rules! broken_variants {
    ($($name:ident => ($fault:expr, $script:expr, $rule:expr),)*) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let report = through_broken($fault, $script).await;
            assert!(
                report.server_rules().contains(&$rule),
                "expected the server fault {}:\n{}",
                $rule,
                text(&report)
            );
        }
    )*};
}

broken_variants! {
    broken_resume_of_a_completed_job_answered_200 => (resume_of_completed_answers_200, Script::ResumeCompleted, "resume-completed"),
    broken_pause_that_says_running => (pause_says_running, Script::PauseRunning, "pause-running"),
    broken_pause_answered_500 => (pause_500, Script::PauseRunning, "no-5xx"),
    broken_progress_that_goes_back => (progress_goes_back(), Script::PollTwice, "progress-monotone"),
    broken_cancel_that_loses_rows => (cancel_loses_rows, Script::CancelThenPoll, "rows-stay"),
    broken_resumed_job_still_paused => (resumed_job_stays_paused, Script::ResumeThenPoll, "resume-paused-then-poll"),
    broken_submit_with_a_numeric_job_id => (submit_job_id_a_number, Script::Submit, "body-schema"),
}

// ------------------------------------------------------- client mistakes

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_mistakes_are_reported_apart_from_server_faults() {
    let mock = MockApi::start().await;
    let lines = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&lines);
    let proxy = Proxy::builder(&mock.uri())
        .on_finding(move |f| seen.lock().unwrap().push(f.line()))
        .start()
        .await
        .expect("a proxy");
    let client = Client::new(&proxy.uri());
    let running = mock.fixture(JobState::Running).unwrap();
    let completed = mock.fixture(JobState::Completed).unwrap();
    // No key.
    Client::new(&proxy.uri())
        .with_key(None)
        .poll(&running, None)
        .await;
    // A path the spec does not describe.
    client.call(Method::GET, "/api/v1/tam/builds", None).await;
    // Resume of a job last seen running.
    client.poll(&running, None).await;
    client.control(&running, "resume").await;
    // Cancel of a job seen completed.
    client.poll(&completed, None).await;
    client.control(&completed, "cancel").await;
    // A cursor this job never handed out.
    let job = client.submit().await;
    client.poll(&job, Some("page_0009")).await;
    let report = proxy.finish().await;
    assert_eq!(report.server_faults, [], "{}", text(&report));
    assert_eq!(
        report.client_rules(),
        [
            "client-missing-key",
            "operation",
            "client-resume-running",
            "client-control-after-terminal",
            "client-cursor-unknown"
        ],
        "{}",
        text(&report)
    );
    assert_eq!(
        report.client_mistakes[1].kind,
        ViolationKind::UnknownOperation
    );
    assert_eq!(lines.lock().unwrap().len(), 5);
    assert!(!report.passed());
    snapshot!("client_mistakes_text", redact(&render_proxy_text(&report)));
    snapshot!("client_mistakes_json", redact(&render_proxy_json(&report)));
    snapshot!(
        "client_mistakes_junit",
        redact(&render_proxy_junit(&report))
    );
    snapshot!("finding_lines", redact(&lines.lock().unwrap().join("\n")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_control_call_on_a_job_never_polled_is_not_judged_unless_probing() {
    let mock = MockApi::start().await;
    let proxy = Proxy::builder(&mock.uri()).start().await.expect("a proxy");
    let running = mock.fixture(JobState::Running).unwrap();
    Client::new(&proxy.uri()).control(&running, "resume").await;
    let report = proxy.finish().await;
    assert_eq!((report.controls_judged, report.controls_unjudged), (0, 1));
    assert!(report.passed(), "{}", text(&report));

    let mock = MockApi::start().await;
    let proxy = Proxy::builder(&mock.uri())
        .probe(true)
        .start()
        .await
        .expect("a proxy");
    let running = mock.fixture(JobState::Running).unwrap();
    Client::new(&proxy.uri()).control(&running, "resume").await;
    let report = proxy.finish().await;
    assert_eq!(report.probes, 1);
    assert_eq!((report.controls_judged, report.controls_unjudged), (1, 0));
    assert_eq!(report.client_rules(), ["client-resume-running"]);
    assert_eq!(report.server_faults, []);
}

// ------------------------------------------------- forwarding unchanged

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_and_answers_pass_unchanged_and_redirects_are_not_followed() {
    let upstream = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/prefix/api/v1/tam/build/j1/pause"))
        .and(header("x-api-key", CANARY_KEY))
        .and(header("x-user-id", "dev@example.test"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-upstream", "yes")
                .set_body_raw(
                    r#"{"job_id":"j1","status":"pausing","message":"Pause accepted."}"#,
                    "application/json",
                ),
        )
        .mount(&upstream)
        .await;
    Mock::given(method("GET"))
        .and(path("/prefix/api/v1/tam/build/j2"))
        .respond_with(ResponseTemplate::new(307).insert_header("location", "/elsewhere"))
        .mount(&upstream)
        .await;
    let proxy = Proxy::builder(&format!("{}/prefix", upstream.uri()))
        .start()
        .await
        .expect("a proxy");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = http
        .post(format!("{}{BUILD}/j1/pause", proxy.uri()))
        .header("x-api-key", CANARY_KEY)
        .header("x-user-id", "dev@example.test")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.headers()["x-upstream"], "yes");
    assert_eq!(
        answer.text().await.unwrap(),
        r#"{"job_id":"j1","status":"pausing","message":"Pause accepted."}"#
    );
    let redirect = http
        .get(format!("{}{BUILD}/j2", proxy.uri()))
        .header("x-api-key", CANARY_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(redirect.status(), 307);
    assert_eq!(redirect.headers()["location"], "/elsewhere");
    let report = proxy.finish().await;
    assert_eq!(report.exchanges_seen, 2);
    // A 307 on poll is not documented: a server fault, judged as seen.
    assert_eq!(report.server_rules(), ["status"]);
    assert_clean("the report", &render_proxy_text(&report));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_over_the_cap_is_streamed_whole_and_counted_unchecked() {
    let upstream = MockServer::start().await;
    let rows: Vec<Value> = (0..2000)
        .map(|i| json!({"domain": format!("d{i}.example")}))
        .collect();
    let body = json!({"job_id": "big", "status": "running", "rows": rows}).to_string();
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body.clone(), "application/json"))
        .mount(&upstream)
        .await;
    let proxy = Proxy::builder(&upstream.uri())
        .body_cap(4096)
        .start()
        .await
        .expect("a proxy");
    let got = reqwest::get(format!("{}{BUILD}/big", proxy.uri()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(got, body);
    let report = proxy.finish().await;
    assert_eq!(
        (report.exchanges_unchecked, report.exchanges_checked),
        (1, 0)
    );
    assert_eq!(report.server_faults, [], "{}", text(&report));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_request_is_forwarded_as_it_is_and_judged() {
    let mock = MockApi::start().await;
    let proxy = Proxy::builder(&mock.uri()).start().await.expect("a proxy");
    let answer = reqwest::Client::new()
        .post(format!("{}{BUILD}", proxy.uri()))
        .header("x-api-key", PRIMARY_KEY)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 422, "the mock judged the body as sent");
    let report = proxy.finish().await;
    assert_eq!(report.exchanges_checked, 1);
    assert!(report.passed(), "{}", text(&report));
}

// ------------------------------------------------------ upstream faults

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upstream_that_refuses_hangs_or_sends_garbage_gets_502_or_504() {
    let garbage = raw::serve_bytes(b"garbage\r\n\r\n".to_vec()).await;
    let hanging = raw::serve(|_, stream| raw::hold(stream)).await;
    let refused = format!("http://127.0.0.1:{}", raw::closed_port());
    for (upstream, status, rule) in [
        (refused, 502, "upstream-unreachable"),
        (garbage.uri(), 502, "upstream-garbage"),
        (hanging.uri(), 504, "upstream-timeout"),
    ] {
        let proxy = Proxy::builder(&upstream)
            .timeout(Duration::from_millis(300))
            .start()
            .await
            .expect("a proxy");
        let client = Client::new(&proxy.uri());
        for _ in 0..2 {
            let (got, _) = client.call(Method::GET, &format!("{BUILD}/j"), None).await;
            assert_eq!(got, status, "{rule}: the proxy answers, and stays up");
        }
        let report = proxy.finish().await;
        assert_eq!(report.upstream_failures, 2, "{rule}");
        assert_eq!(report.server_rules(), [rule, rule]);
        assert_eq!(report.server_faults[0].kind, ViolationKind::Transport);
        assert_eq!(report.server_faults[0].status, None);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_that_breaks_off_or_stalls_is_a_server_fault() {
    use tokio::io::AsyncWriteExt as _;
    // Chunked, then closed mid-stream: the client has the head already, so
    // it gets a broken body; the report gets the fault.
    let broken = raw::serve_bytes(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n5\r\n{\"a\":\r\n"
            .to_vec(),
    )
    .await;
    let proxy = Proxy::builder(&broken.uri())
        .start()
        .await
        .expect("a proxy");
    let answer = reqwest::get(format!("{}{BUILD}/j", proxy.uri()))
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert!(answer.bytes().await.is_err(), "the body breaks off");
    let report = proxy.finish().await;
    assert_eq!(
        report.server_rules(),
        ["upstream-broke-off"],
        "{}",
        text(&report)
    );
    assert_eq!(report.upstream_failures, 1);
    // A body within the cap is read whole before the client gets the head:
    // one that stalls is a 504.
    let stalled = raw::serve(|_, mut stream| async move {
        let _ = stream
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"job")
            .await;
        raw::hold(stream).await;
    })
    .await;
    let proxy = Proxy::builder(&stalled.uri())
        .timeout(Duration::from_millis(300))
        .start()
        .await
        .expect("a proxy");
    let (status, _) = Client::new(&proxy.uri())
        .call(Method::GET, &format!("{BUILD}/j"), None)
        .await;
    assert_eq!(status, 504);
    let report = proxy.finish().await;
    assert_eq!(
        report.server_rules(),
        ["upstream-timeout"],
        "{}",
        text(&report)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_clients_at_once_are_all_served_and_judged() {
    let mock = MockApi::start().await;
    let proxy = Proxy::builder(&mock.uri()).start().await.expect("a proxy");
    let fixtures = mock.fixtures();
    let mut clients = tokio::task::JoinSet::new();
    for i in 0..50 {
        let (base, job) = (proxy.uri(), fixtures[i % fixtures.len()].1.clone());
        clients.spawn(async move {
            Client::new(&base)
                .call(Method::GET, &format!("{BUILD}/{job}"), None)
                .await
                .0
        });
    }
    while let Some(status) = clients.join_next().await {
        assert_eq!(status.unwrap(), 200);
    }
    let report = proxy.finish().await;
    assert_eq!((report.exchanges_seen, report.exchanges_checked), (50, 50));
    assert_eq!(report.jobs_tracked, fixtures.len());
    assert!(report.passed(), "{}", text(&report));
}

// ------------------------------------------------------- bounded memory

/// The report of a proxy built by `builder` after polls of three fixtures.
async fn after_three_polls(mock: &MockApi, builder: ProxyBuilder) -> ProxyReport {
    let proxy = builder.start().await.expect("a proxy");
    let client = Client::new(&proxy.uri());
    for (_, job) in mock.fixtures().iter().take(3) {
        client.poll(job, None).await;
    }
    proxy.finish().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_are_capped_and_aged_out() {
    let mock = MockApi::start().await;
    let report = after_three_polls(&mock, Proxy::builder(&mock.uri()).max_jobs(2)).await;
    assert_eq!((report.jobs_tracked, report.jobs_dropped), (2, 1));
    assert!(
        text(&report).contains("1 dropped at the cap of 2"),
        "{}",
        text(&report)
    );

    let report =
        after_three_polls(&mock, Proxy::builder(&mock.uri()).job_ttl(Duration::ZERO)).await;
    assert_eq!((report.jobs_tracked, report.jobs_aged_out), (1, 2));
}

// --------------------------------------------------------------- secrets

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_never_shows_even_when_the_upstream_echoes_it() {
    let echoes = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mock = echoing_mock(echoes.clone()).await;
    let lines = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&lines);
    let proxy = Proxy::builder(&mock.uri())
        .on_finding(move |f| seen.lock().unwrap().push(format!("{f}\n{f:?}")))
        .start()
        .await
        .expect("a proxy");
    assert_clean("the proxy's Debug", &format!("{proxy:?}"));
    let client = Client::new(&proxy.uri()).with_key(Some(CANARY_KEY));
    let (_, body) = client
        .call(Method::POST, BUILD, Some(&json!({"query": CANARY_KEY})))
        .await;
    let job = body["job_id"].as_str().unwrap_or("x").to_owned();
    client.poll(&job, None).await;
    client.control(&job, "resume").await;
    client.poll("unknown-job", None).await;
    let report = proxy.finish().await;
    assert!(echoes.load(std::sync::atomic::Ordering::SeqCst) > 0);
    assert!(report.server_faults_total > 0, "{}", text(&report));
    assert_clean("the text report", &render_proxy_text(&report));
    assert_clean("the JSON report", &render_proxy_json(&report));
    assert_clean("the JUnit report", &render_proxy_junit(&report));
    assert_clean("the report's Debug", &format!("{report:?}"));
    assert_clean("the findings", &lines.lock().unwrap().join("\n"));
}
