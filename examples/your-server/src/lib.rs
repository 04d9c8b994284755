//! An axum implementation of the five TAM Builder endpoints, small enough
//! to read in one go: the "your server" of `docs/your-server.md`.
//!
//! Jobs live in memory and move on their own in real time: `pending` →
//! `running` → (a band of rows every [`Timing::band`]) → `completed`;
//! `pausing` and `cancelling` settle after [`Timing::settle`]. A job
//! belongs to the `X-API-Key` that submitted it. Where the documentation
//! is silent this server makes one documented choice each (see
//! [`Store::control`]); [`Flaw`] turns one documented behaviour wrong, for
//! the broken twin in the tests.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

/// How fast jobs move.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// How long a job waits in `pending`, and how long one band takes.
    pub band: Duration,
    /// How long `pausing` and `cancelling` last.
    pub settle: Duration,
}

impl Default for Timing {
    /// A band every 200 ms, transient states for 100 ms: fast enough for a
    /// test run, slow enough that a poll sees each state.
    fn default() -> Timing {
        Timing {
            band: Duration::from_millis(200),
            settle: Duration::from_millis(100),
        }
    }
}

/// One documented behaviour turned wrong, for the broken twin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Flaw {
    /// None: the server keeps the contract.
    #[default]
    None,
    /// Resume of a `completed` job answers 200 `running` instead of 409
    /// ("Job already finished"); the job stays completed.
    ResumeCompletedAnswers200,
}

/// Bands in a build, rows per band, rows per page.
const BANDS: u32 = 4;
const ROWS_PER_BAND: usize = 15;
const PAGE_SIZE: usize = 10;

/// The eight documented job states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Status {
    Pending,
    Running,
    Pausing,
    Paused,
    Completed,
    Failed,
    Cancelling,
    Cancelled,
}

impl Status {
    /// The wire name, e.g. `pausing`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Running => "running",
            Status::Pausing => "pausing",
            Status::Paused => "paused",
            Status::Completed => "completed",
            Status::Failed => "failed",
            Status::Cancelling => "cancelling",
            Status::Cancelled => "cancelled",
        }
    }

    /// Reads a wire name.
    pub fn parse(name: &str) -> Option<Status> {
        [
            Status::Pending,
            Status::Running,
            Status::Pausing,
            Status::Paused,
            Status::Completed,
            Status::Failed,
            Status::Cancelling,
            Status::Cancelled,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
    }

    fn is_terminal(self) -> bool {
        matches!(self, Status::Completed | Status::Failed | Status::Cancelled)
    }
}

#[derive(Debug)]
struct Job {
    owner: String,
    query: String,
    status: Status,
    /// Start of the current phase (queue wait, band, transient state).
    since: Instant,
    bands_done: u32,
    rows: Vec<Value>,
}

impl Job {
    fn deliver_band(&mut self) {
        let band = self.bands_done;
        for i in 0..ROWS_PER_BAND {
            let n = self.rows.len();
            self.rows.push(json!({
                "name": format!("Company {n}"),
                "domain": format!("company-{n}.example"),
                "match_reason": format!("matches {:?}", self.query),
                "match_score": 100 - (i as i64 % 50),
                "source_band": format!("band {}", band + 1),
                "employee_count": 10 + n,
                "industries": ["software"],
            }));
        }
        self.bands_done += 1;
    }

    /// Replays every phase end up to `now`.
    fn settle(&mut self, now: Instant, timing: Timing) {
        loop {
            let length = match self.status {
                Status::Pending | Status::Running => timing.band,
                Status::Pausing | Status::Cancelling => timing.settle,
                _ => return,
            };
            let end = self.since + length;
            if now < end {
                return;
            }
            self.since = end;
            self.status = match self.status {
                Status::Pending => Status::Running,
                Status::Running => {
                    self.deliver_band();
                    if self.bands_done >= BANDS {
                        Status::Completed
                    } else {
                        Status::Running
                    }
                }
                Status::Pausing => Status::Paused,
                Status::Cancelling => Status::Cancelled,
                other => other,
            };
        }
    }

    fn manifest(&self) -> Value {
        let stop_reason = match self.status {
            Status::Completed => Value::Null,
            Status::Failed => json!("failed"),
            Status::Cancelled => json!("cancelled"),
            _ => return Value::Null,
        };
        json!({
            "pages": self.rows.len().div_ceil(PAGE_SIZE),
            "page_size": PAGE_SIZE,
            "unique_count": self.rows.len(),
            "partial": self.status != Status::Completed,
            "degraded": false,
            "ranked": false,
            "stop_reason": stop_reason,
            "credits_consumed": self.rows.len(),
        })
    }
}

/// The server's jobs. Cheap to clone; clones share the jobs.
#[derive(Debug, Clone, Default)]
pub struct Store {
    jobs: Arc<Mutex<HashMap<String, Job>>>,
    timing: Timing,
    flaw: Flaw,
}

/// What pause, resume or cancel answered.
enum Answer {
    Accepted(Status),
    Refused(&'static str),
}

impl Store {
    /// An empty store with this timing and flaw.
    pub fn new(timing: Timing, flaw: Flaw) -> Store {
        Store {
            jobs: Arc::default(),
            timing,
            flaw,
        }
    }

    fn insert(&self, owner: &str, query: &str, status: Status, bands: u32) -> String {
        let id = uuid::Uuid::new_v4().hyphenated().to_string();
        let mut job = Job {
            owner: owner.to_owned(),
            query: query.to_owned(),
            status: Status::Pending,
            since: Instant::now(),
            bands_done: 0,
            rows: Vec::new(),
        };
        for _ in 0..bands {
            job.deliver_band();
        }
        job.status = status;
        self.jobs.lock().unwrap().insert(id.clone(), job);
        id
    }

    /// Seeds a job of `owner` in `status` and returns its ID: what a test
    /// of this server hands the harness as its job provider. Rows
    /// delivered: none for pending, all for completed, some otherwise.
    pub fn seed(&self, owner: &str, status: Status) -> String {
        let bands = match status {
            Status::Pending => 0,
            Status::Completed => BANDS,
            Status::Paused | Status::Cancelled => 2,
            _ => 1,
        };
        self.insert(owner, "seeded by the test", status, bands)
    }

    /// The state machine of pause, resume and cancel. Terminal jobs refuse
    /// everything (409). Documented cells: pause of running or paused,
    /// resume of paused, cancel of pending or running. Silent cells, this
    /// server's choices: pause of pending or pausing is accepted
    /// (`pausing`), pause and resume of `cancelling` are refused, resume
    /// of pending, running or pausing is accepted (`running`), cancel of
    /// pausing, paused or cancelling is accepted (`cancelling`).
    fn control(&self, owner: &str, id: &str, verb: &str) -> Option<Answer> {
        let mut jobs = self.jobs.lock().unwrap();
        let job = jobs.get_mut(id).filter(|job| job.owner == owner)?;
        let now = Instant::now();
        job.settle(now, self.timing);
        use Status::*;
        if self.flaw == Flaw::ResumeCompletedAnswers200
            && verb == "resume"
            && job.status == Completed
        {
            return Some(Answer::Accepted(Running));
        }
        if job.status.is_terminal() {
            return Some(Answer::Refused(
                "Job already finished (completed / failed / cancelled)",
            ));
        }
        let next = match (verb, job.status) {
            ("pause", Paused) => Paused,
            ("pause", Pending | Running | Pausing) => Pausing,
            ("resume", Pending | Running | Paused | Pausing) => Running,
            ("cancel", _) => Cancelling,
            _ => return Some(Answer::Refused("Job is being cancelled")),
        };
        if next != job.status {
            job.status = next;
            job.since = now;
        }
        Some(Answer::Accepted(next))
    }
}

fn detail(status: StatusCode, detail: &str) -> Response {
    (status, axum::Json(json!({ "detail": detail }))).into_response()
}

fn not_found() -> Response {
    detail(StatusCode::NOT_FOUND, "Job not found for this API key.")
}

/// FastAPI's answer to a missing or invalid input: 422 HTTPValidationError.
fn invalid(loc: &[&str], msg: &str, kind: &str) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        axum::Json(json!({"detail": [{"loc": loc, "msg": msg, "type": kind}]})),
    )
        .into_response()
}

/// The `X-API-Key`, or the 422 FastAPI gives a missing required header.
#[allow(clippy::result_large_err)]
fn key(headers: &HeaderMap) -> Result<String, Response> {
    headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| invalid(&["header", "x-api-key"], "Field required", "missing"))
}

async fn submit(State(store): State<Store>, headers: HeaderMap, body: Bytes) -> Response {
    let owner = match key(&headers) {
        Ok(owner) => owner,
        Err(answer) => return answer,
    };
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return invalid(&["body"], "JSON decode error", "json_invalid");
    };
    let query = match body.get("query") {
        None => return invalid(&["body", "query"], "Field required", "missing"),
        Some(Value::String(q)) if (1..=500).contains(&q.chars().count()) => q.clone(),
        Some(Value::String(_)) => {
            return invalid(
                &["body", "query"],
                "String should have 1 to 500 characters",
                "string_too_long",
            );
        }
        Some(_) => {
            return invalid(
                &["body", "query"],
                "Input should be a valid string",
                "string_type",
            );
        }
    };
    let id = store.insert(&owner, &query, Status::Pending, 0);
    axum::Json(json!({"job_id": id, "status": "pending", "message": "TAM build started."}))
        .into_response()
}

async fn poll(
    State(store): State<Store>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let owner = match key(&headers) {
        Ok(owner) => owner,
        Err(answer) => return answer,
    };
    let Ok(Path(id)) = id else { return not_found() };
    let mut jobs = store.jobs.lock().unwrap();
    let Some(job) = jobs.get_mut(&id).filter(|job| job.owner == owner) else {
        return not_found();
    };
    job.settle(Instant::now(), store.timing);
    // Any string is a cursor: `page_NNNN` names a page, anything else an
    // empty page past the end.
    let cursor = query.ok().and_then(|Query(mut q)| q.remove("cursor"));
    let number = match &cursor {
        None => Some(0),
        Some(c) => c
            .strip_prefix("page_")
            .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
            .map(|d| d.parse::<usize>().unwrap_or(usize::MAX)),
    };
    let start = number
        .and_then(|n| n.checked_mul(PAGE_SIZE))
        .filter(|&s| s < job.rows.len());
    let rows = match start {
        Some(s) => &job.rows[s..(s + PAGE_SIZE).min(job.rows.len())],
        None => &job.rows[..0],
    };
    let next_cursor = match (start, number) {
        (Some(s), Some(n)) if s + PAGE_SIZE < job.rows.len() => Some(format!("page_{:04}", n + 1)),
        _ => None,
    };
    let page = cursor.unwrap_or_else(|| "page_0000".to_owned());
    axum::Json(json!({
        "job_id": id,
        "status": job.status.as_str(),
        "manifest": job.manifest(),
        "error_message": (job.status == Status::Failed).then_some("Build failed."),
        "rows": rows,
        "page": page,
        "next_cursor": next_cursor,
        "count": rows.len(),
        "processed": job.rows.len(),
        "progress_message": job.status.as_str(),
        "bands_done": job.bands_done,
        "bands_total": BANDS,
        "degraded": false,
    }))
    .into_response()
}

async fn control(
    store: Store,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    verb: &'static str,
) -> Response {
    let owner = match key(&headers) {
        Ok(owner) => owner,
        Err(answer) => return answer,
    };
    let Ok(Path(id)) = id else { return not_found() };
    match store.control(&owner, &id, verb) {
        None => not_found(),
        Some(Answer::Refused(why)) => detail(StatusCode::CONFLICT, why),
        Some(Answer::Accepted(status)) => axum::Json(json!({
            "job_id": id,
            "status": status.as_str(),
            "message": format!("{verb} accepted"),
        }))
        .into_response(),
    }
}

/// The five endpoints over `store`.
pub fn app(store: Store) -> Router {
    Router::new()
        .route("/api/v1/tam/build", post(submit))
        .route("/api/v1/tam/build/{job_id}", get(poll))
        .route(
            "/api/v1/tam/build/{job_id}/pause",
            post(|State(s): State<Store>, h: HeaderMap, id| control(s, h, id, "pause")),
        )
        .route(
            "/api/v1/tam/build/{job_id}/resume",
            post(|State(s): State<Store>, h: HeaderMap, id| control(s, h, id, "resume")),
        )
        .route(
            "/api/v1/tam/build/{job_id}/cancel",
            post(|State(s): State<Store>, h: HeaderMap, id| control(s, h, id, "cancel")),
        )
        .with_state(store)
}

/// Serves `store` on `addr` in the background (port 0 picks a free one)
/// and returns the address it listens on.
pub async fn spawn(store: Store, addr: SocketAddr) -> std::io::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app(store)).await;
    });
    Ok(local)
}
