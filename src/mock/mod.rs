//! A stateful mock of the OpenFunnel TAM Builder API, served by
//! [wiremock](https://docs.rs/wiremock), that can play every correct server.
//!
//! Stateless mocks (Prism, Specmatic) cannot answer "pause, then resume, then
//! poll"; this one keeps jobs in memory, owned by API keys, and moves them
//! through the eight [`JobState`](crate::JobState)s by an injectable [`Clock`]:
//! a [`ManualClock`] for tests (advance it, never sleep) or a [`SystemClock`]
//! for the standalone server ([`MockApiBuilder::serve_forever`]). Where the documentation
//! is silent, a [`Personality`] chooses the answer; the default,
//! [`Personality::faithful`], keeps to the vendored spec.
//!
//! ```
//! use openfunnel_contract::JobState;
//! use openfunnel_contract::mock::MockApi;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let mock = MockApi::start().await; // seed 0, manual clock, fixtures
//! let key = mock.api_key();
//! let pending = mock.fixture(JobState::Pending).unwrap();
//! assert_eq!(mock.job_state(&key, &pending), Some(JobState::Pending));
//! mock.advance(mock.personality().band);
//! assert_eq!(mock.job_state(&key, &pending), Some(JobState::Running));
//! // Another key never sees the job.
//! assert_eq!(mock.job_state(&mock.other_api_key(), &pending), None);
//! // Point an HTTP client at mock.uri() with the header X-API-Key: of_mock_primary.
//! # }
//! ```
//!
//! # The model
//!
//! - **Lazy time.** There is no background task and no sleep. Every request
//!   (and every introspection call) reads the clock and replays each
//!   boundary that has passed. Mock time is the clock's reading plus every
//!   [`MockApi::advance`].
//! - **Bands.** A submitted job is `pending` for one band duration, then
//!   `running`; each band duration delivers `rows_per_band` rows (`processed`
//!   and `bands_done` advance; `bands_total` is fixed). After the last band the
//!   job is `completed` and its rows are ranked by `match_score`, best first.
//!   `pausing` and `cancelling` last `settle_bands` band durations from the
//!   start of the band in flight. Defaults: band duration 10 s, 4 bands of
//!   15 rows, 10 rows per page, settle 1 band.
//! - **Pages.** Delivered rows are cut into pages of `page_size`; page `n` is
//!   `page_{n:04}`. `next_cursor` names the next page while more rows are
//!   written and is `null` on the last written page, also while running (only
//!   `status` says a job is done).
//! - **IDs** are UUIDs from a generator seeded with [`MockApiBuilder::seed`]:
//!   the same seed and the same sequence of submits give the same IDs.
//! - **Keys.** Any `X-API-Key` value is a tenant. The primary key
//!   ([`PRIMARY_KEY`]) owns the fixtures, [`OTHER_KEY`] owns nothing; a job is
//!   visible only to the key that owns it.
//! - **Fixtures.** By default the primary key owns one job in each of the eight
//!   states ([`MockApi::fixtures`]). The moving ones (pending, running,
//!   pausing, cancelling) keep their state until one band duration passes
//!   (or the settle delay, for pausing and cancelling).
//!   Delivered rows: pending 0; running, pausing, cancelling, failed 1 band;
//!   paused, cancelled 2 bands; completed all bands. A pausing fixture writes
//!   its in-flight band when it settles; a cancelling one abandons it.
//!   [`MockApi::seed_job`] adds such a job for any key at any time.
//!
//! # Answers
//!
//! Documented behaviour the mock follows: submit answers `pending`; pause of
//! a running job answers `pausing` and the job settles to `paused`, writing
//! the in-flight band; pause of a paused job answers `paused`; resume of a
//! paused job answers `running` and building continues from the checkpoint;
//! cancel of a running or pending job answers `cancelling` and the job
//! settles to `cancelled`; every control call on a finished job is 409
//! `{"detail": "Job already finished (completed / failed / cancelled)"}` and
//! changes nothing; an unknown job or another key's job is 404
//! `{"detail": "Job not found for this API key"}`; `manifest` is `null`
//! until the job is terminal; delivered rows stay readable after pause and
//! cancel; a terminal job never changes.
//!
//! Routing and validation happen in FastAPI's order: the path and method
//! first (404 / 405), then the parameters and body (422), then the job (404),
//! then its state (409).
//!
//! # Where the documentation is silent
//!
//! Each answer is one the spec allows (a 2XX with the resulting status, 404,
//! 409 or 422); the mock never answers 5xx. A 409 means *refused*: the job is
//! left exactly as it was (a refused pause of a `cancelling` job leaves it
//! `cancelling`, and it goes on to `cancelled` on its own). A refusal of a
//! job that is not finished says so: `{"detail": "Cannot pause a job that is
//! cancelling"}`. A 200 is true: afterwards the job is in the state its body
//! says. Rows marked *switch* are [`Personality`] switches; the answer given
//! is the faithful default.
//!
//! | operation | job state / input | answer | why |
//! |---|---|---|---|
//! | submit, poll, cancel | success | **200** (*switch*: 200 or 202) | success code not visible ("2XX"); 200 is FastAPI's default |
//! | poll, pause, cancel | unknown job, or another key's job | **404** `Job not found for this API key` | documented for resume only; the sibling bulk-lookalike cancel documents the same 404 |
//! | every operation | no `X-API-Key` header | **422** `loc ["header","x-api-key"]`, `type "missing"`, `msg "Field required"` | the header is a required parameter; this is what FastAPI answers |
//! | every operation | an `X-API-Key` the mock has not seen | accepted: a tenant with no jobs (submit creates its first job; anything else is 404) | no 401/403 is documented, and the mock invents no codes |
//! | poll | any string `cursor` | **200**; `page_` + digits is that page; any other string (incl. empty) is a page past the written ones | the spec's `cursor` is any string; no pattern is documented |
//! | poll | `cursor` past the written pages, or not `page_N` | **200**, `rows: []`, `count: 0`, `page` = the cursor as sent, `next_cursor: null` | a running job's later pages are simply not written yet; only `status` says a job is done |
//! | poll | `running` job, last written page | **200**, `next_cursor: null` | documented that a running job can return a null `next_cursor` |
//! | pause | `pending` | **200** `pausing`; settles to `paused`, no rows (*switch*: `paused` at once, or 409) | the TAM Builder page allows pausing "a running or pending job" |
//! | pause | `pausing` | **200** `pausing`, unchanged (*switch*: `paused` at once, or 409) | idempotent, like pause of `paused` (documented 200) |
//! | pause | `cancelling` | **409**, still `cancelling` (*switch*: 200 `pausing`/`paused`, the cancel withdrawn) | a 200 can only say `pausing`/`paused`; "cancel is terminal" |
//! | pause, resume, cancel | `completed`, `failed`, `cancelled` | **409**, unchanged, every time | documented for resume (and the sibling cancel); a terminal job never changes |
//! | resume | `pending` | **200** `running`; the job starts now (its queue wait becomes its first band) (*switch*: 409) | the only documented 200 body is `running`, so the mock makes it true |
//! | resume | `running` | **200** `running`, unchanged (*switch*: 409) | the job already is what the 200 says |
//! | resume | `pausing` | **200** `running`; the pause is withdrawn, the band in flight continues (*switch*: 409) | makes the documented `running` true without losing work |
//! | resume | `cancelling` | **409**, still `cancelling` (*switch*: 200 `running`, the cancel withdrawn) | "cancel is terminal" |
//! | cancel | `pausing` | **200** `cancelling`; the in-flight band is abandoned (*switch*: 409) | cancel stops at the next checkpoint; pause is not terminal |
//! | cancel | `paused` | **200** `cancelling`; `cancelled` one settle delay later (*switch*: 409) | the documented cancel 200 says `cancelling` |
//! | cancel | `cancelling` | **200** `cancelling`, unchanged (*switch*: 409) | idempotent, like pause of `paused` |
//! | (settling) | `pausing`, `cancelling` | after `settle_bands` band durations from the start of the band in flight (*switch*: 0 = on the next request, or more) | "finishes its in-flight band", "stops at its next checkpoint": no time is documented |
//! | (settling) | `cancelling` | the in-flight band is *not* written | "charged only for the companies actually delivered before the cancel" |
//! | (settling) | `pausing` whose in-flight band is the last | `completed` (not `paused`) | nothing is left to pause |
//! | (settling) | `running` → `completed` | rows re-ordered by `match_score` (best first), `manifest.ranked: true` | the documented example of a completed build has `ranked: true` |
//! | poll | terminal job | `manifest {pages, page_size, unique_count, partial, degraded: false, ranked, stop_reason, credits_consumed}`: `partial` false and `stop_reason` null only for `completed`; `stop_reason` `"failed"` / `"cancelled"` otherwise; `credits_consumed` = `unique_count` = delivered rows | the manifest's fields are known only from one example |
//! | poll | `failed` | `error_message` a string; `null` in every other state | only `null` appears in the documentation |
//! | submit | body not JSON (with a JSON or no `Content-Type`) | **422** `loc ["body", 0]`, `type "json_invalid"`, `msg "JSON decode error"`, `ctx.error` the parser's message | FastAPI's answer; FastAPI puts the error offset in `loc`, the mock always puts 0 |
//! | submit | empty body, or JSON `null` | **422** `loc ["body"]`, `type "missing"` | FastAPI's answer for a missing required body |
//! | submit | JSON that is not an object, or a non-JSON `Content-Type` | **422** `loc ["body"]`, `type "model_attributes_type"` | FastAPI's answer (it does not parse a body sent as e.g. `text/plain` or a form) |
//! | submit | `query` missing / `""` / over 500 characters / not a string | **422** `loc ["body","query"]`, `type` `missing` / `string_too_short` / `string_too_long` / `string_type` | the documented 1..500 length, in pydantic's words; length counts characters, not bytes; other fields are ignored |
//! | submit | missing key *and* a bad body | **422** with both errors, header first | FastAPI reports every parameter error at once (but a JSON syntax error alone) |
//! | any path | known path, wrong method | **405** `{"detail": "Method Not Allowed"}`, `Allow: GET` or `Allow: POST` (no `HEAD`, like FastAPI) | FastAPI's answer; recorded in [`MockApi::unmatched_requests`] |
//! | any path | no operation matches | **404** `{"detail": "Not Found", "nearest_operation": "GET /api/v1/tam/build/{job_id}", "method", "path"}` | FastAPI's 404, plus the nearest operation; recorded in [`MockApi::unmatched_requests`] |
//! | any path | trailing `/`, percent-encoded `job_id`, dot segments | each segment decoded on its own: `%61` is `a`, a `job_id` decoding to contain `/` matches no route (404), a trailing `/` is 404 (*switch*, the `starlette` personality: decode the whole path, resolve dot segments, then route: an encoded `/` splits the segment, 404 or 405; a trailing `/` is **307** with `Location`) | not documented; uvicorn + Starlette do the latter |
//! | every answer | wire | identity coding, keep-alive, `application/json`, only documented fields (*switches*: gzip always or when accepted, `Connection: close`, an extra `request_id` field and `x-request-id` header, `; charset=utf-8`) | HTTP allows each; the docs say nothing |
//!
//! # Standalone
//!
//! [`MockApiBuilder::serve_forever`] binds `127.0.0.1:<port>` with a [`SystemClock`], prints
//! [`MockApi::banner`] (base URL, both keys, fixture IDs) and serves until
//! Ctrl-C. The keys are fixed, public test values, not secrets.
//!
//! Known limitation: wiremock keeps a copy of every request that matched a
//! mock (even with request recording disabled), so a long-running standalone
//! mock grows by roughly the size of each request it serves.
//!
//! # Other ways in
//!
//! Two opt-ins reach the same handler (routing, validation, store, fault,
//! dressing) without wiremock's server thread, for runs that do not test
//! the HTTP layer itself (figures in `BENCHMARKS.md`):
//! [`MockApiBuilder::on_caller_runtime`] serves HTTP/1.1 from a task of the
//! runtime that starts the mock, and [`MockTransport::InProcess`] hands a
//! [`Target`](crate::Target)'s requests to the handler with no socket at
//! all. The conformance suite always goes over HTTP to wiremock's server.

mod answer;
mod bodies;
mod builder;
mod catalogue;
mod clock;
mod fault;
mod handler;
mod job;
mod local;
mod personality;
mod routing;
mod rows;
mod server;
mod store;
mod validate;
mod wire;
mod words;

#[cfg(test)]
mod tests;

pub use answer::Answer;
pub use builder::{ListenAddr, MockApiBuilder};
pub use clock::{Clock, ManualClock, SystemClock};
pub use fault::{Call, Fault};
pub use handler::UnmatchedRequest;
pub use personality::Personality;
#[cfg(test)]
pub(crate) use personality::{Coding, Connection, Reply, Routing};
pub(crate) use server::InProcessMock;
pub use server::MockApi;

/// How a [`Target`](crate::Target) on the embedded mock reaches it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MockTransport {
    /// Over real HTTP on loopback, to wiremock's server (the default, and
    /// always the conformance suite's: it is what proves the mock's HTTP
    /// layer).
    #[default]
    Http,
    /// In process: the client hands each request to the mock's handler
    /// directly, no socket. The same handler (routing, validation, store,
    /// fault, dressing) and the same client around it (guard, budget,
    /// deadline, body cap, codings, key scrub); only the sockets, hyper and
    /// wiremock's matching are left out. Opt-in, for runs where the HTTP
    /// layer is not what is tested (the model's sequences: see
    /// `ModelOptions::mock_transport` in the `model` module).
    InProcess,
}

/// The primary tenant's `X-API-Key`: it owns the fixtures. A public test
/// value, not a secret.
pub const PRIMARY_KEY: &str = "of_mock_primary";
/// A second tenant's `X-API-Key`, owning no fixture. Not a secret.
pub const OTHER_KEY: &str = "of_mock_other";
