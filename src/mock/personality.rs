//! Personalities: every choice the documentation leaves open, as a switch.
//!
//! A correct server may answer any way the documentation allows, so the
//! harness must pass every such server. The mock plays them all: a
//! [`Personality`] fixes one answer for each open question. The default,
//! [`Personality::faithful`], keeps to the vendored spec
//! (`spec/openapi.json`) wherever it says something.

use std::time::Duration;

/// How a silent pause cell answers (pause of a `pending`, `pausing` or
/// `cancelling` job).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum PauseReply {
    /// 200 `pausing`: the job is `pausing` and settles to `paused` after
    /// the settle delay.
    Pausing,
    /// 200 `paused`: the job is `paused` at once (a band in flight is
    /// dropped and built again after a resume).
    Paused,
    /// 409 `{"detail": ...}`: the job is left exactly as it was.
    Refuse,
}

/// How a silent resume or cancel cell answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Reply {
    /// 200 with the documented body status (resume: `running`, cancel:
    /// `cancelling`), and the job really is in that state afterwards.
    Accept,
    /// 409 `{"detail": ...}`: the job is left exactly as it was.
    Refuse,
}

/// The success code of an operation whose code the documentation does not
/// show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Success {
    /// 200 OK (FastAPI's default; what the vendored spec says).
    Ok,
    /// 202 Accepted (a common choice for starting async work).
    Accepted,
}

impl Success {
    /// The status code: 200 or 202.
    pub(crate) const fn code(self) -> u16 {
        match self {
            Success::Ok => 200,
            Success::Accepted => 202,
        }
    }
}

/// How a request path is matched to an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Routing {
    /// Each path segment is decoded on its own, then matched: an encoded
    /// `/` stays inside its segment (and a job id never contains `/`, so it
    /// matches no route: 404). A trailing `/` is 404.
    Segments,
    /// Like uvicorn + Starlette: the whole path is decoded first, dot
    /// segments are resolved, then it is routed. An encoded `/` splits a
    /// segment (404, or 405 when it lands on another route); a trailing `/`
    /// is a 307 redirect (`Location`) to the path without it.
    Starlette,
}

/// The content coding of response bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Coding {
    /// Bodies as they are.
    Identity,
    /// Every body gzip-compressed (`Content-Encoding: gzip`), asked or not:
    /// a request without `Accept-Encoding` accepts any coding (RFC 9110
    /// 12.5.3).
    GzipAlways,
    /// gzip when the request's `Accept-Encoding` allows it, else identity
    /// (`Vary: Accept-Encoding` either way).
    GzipWhenAccepted,
}

/// Whether connections stay open between requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Connection {
    /// HTTP/1.1 keep-alive.
    KeepAlive,
    /// `Connection: close` on every answer: one request per connection.
    Close,
}

/// One complete set of answers where the documentation is silent.
///
/// Take [`Personality::faithful`] (the [`Default`]), a named one from
/// [`Personality::catalogue`], or draw any combination from
/// [`Personality::strategy`]. The sizes (`band`, `page_size`,
/// `rows_per_band`, `bands_total`, `settle_bands`) are public fields, also
/// set by [`MockApiBuilder`](super::MockApiBuilder); a value out of range
/// (page size 0, fewer than 2 bands) is raised to its minimum when the mock
/// starts. The answers to silent cells are chosen only through the
/// catalogue and the strategy, so every personality is one the suite is
/// proven to pass.
///
/// Each switch, its default and why it is open:
///
/// | switch | default | open because |
/// |---|---|---|
/// | `pause_pending` | `Pausing` | the docs allow pausing "a running or pending job" but not whether a job with nothing in flight goes through `pausing` |
/// | `pause_pausing` | `Pausing` | not documented; idempotence is one reading, a refusal another |
/// | `pause_cancelling` | `Refuse` | not documented; "cancel is terminal" suggests a refusal, but a 200 is not excluded |
/// | `resume_pending`, `resume_running`, `resume_pausing` | `Accept` | only resume of `paused` (200) and of a finished job (409) are documented |
/// | `resume_cancelling` | `Refuse` | as for pause of `cancelling` |
/// | `cancel_pausing`, `cancel_paused`, `cancel_cancelling` | `Accept` | only cancel of `pending`/`running` (200) and of a finished job (409, sibling API) are documented |
/// | `submit_status`, `poll_status`, `cancel_status` | `Ok` (200) | their success codes are not visible ("2XX"); pause and resume show 200 |
/// | `band`, `page_size`, `rows_per_band`, `bands_total` | 10 s, 10, 15, 4 | sizes and speed of a build are the service's own |
/// | `settle_bands` | 1 | how long `pausing`/`cancelling` last is not documented ("finishes its in-flight band", "stops at its next checkpoint") |
/// | `routing` | `Segments` | encoded `/`, dot segments and trailing `/` in a path are not documented |
/// | `coding` | `Identity` | HTTP lets a server compress; the docs say nothing |
/// | `connection` | `KeepAlive` | HTTP lets a server close after each answer |
/// | `extra_fields` | false | the schemas do not forbid unknown fields (no `additionalProperties: false`) |
/// | `extra_headers` | false | any server may add headers (`x-request-id`, ...) |
/// | `media_type_params` | false | `application/json; charset=utf-8` is the same media type |
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Personality {
    /// Pause of a `pending` job.
    pub(crate) pause_pending: PauseReply,
    /// Pause of a `pausing` job.
    pub(crate) pause_pausing: PauseReply,
    /// Pause of a `cancelling` job.
    pub(crate) pause_cancelling: PauseReply,
    /// Resume of a `pending` job (Accept: it starts now; its queue wait
    /// becomes its first band).
    pub(crate) resume_pending: Reply,
    /// Resume of a `running` job (Accept: unchanged).
    pub(crate) resume_running: Reply,
    /// Resume of a `pausing` job (Accept: the pause is withdrawn).
    pub(crate) resume_pausing: Reply,
    /// Resume of a `cancelling` job (Accept: the cancel is withdrawn).
    pub(crate) resume_cancelling: Reply,
    /// Cancel of a `pausing` job (Accept: its band in flight is abandoned).
    pub(crate) cancel_pausing: Reply,
    /// Cancel of a `paused` job (Accept: `cancelling`, then `cancelled`).
    pub(crate) cancel_paused: Reply,
    /// Cancel of a `cancelling` job (Accept: unchanged).
    pub(crate) cancel_cancelling: Reply,
    /// The success code of submit.
    pub(crate) submit_status: Success,
    /// The success code of poll.
    pub(crate) poll_status: Success,
    /// The success code of cancel.
    pub(crate) cancel_status: Success,
    /// How long the queue wait and each band take. Zero: every moving job
    /// moves on its next request.
    pub band: Duration,
    /// Rows per result page (at least 1).
    pub page_size: usize,
    /// Rows each band delivers.
    pub rows_per_band: usize,
    /// Bands of a complete build (at least 2).
    pub bands_total: u32,
    /// How many band durations `pausing` and `cancelling` last, counted
    /// from the start of the job's current phase (its band in flight, its
    /// queue wait, or the call for a paused job): 1 settles at the end of
    /// that band, 0 on the next request.
    pub settle_bands: u32,
    /// How paths are routed.
    pub(crate) routing: Routing,
    /// How bodies are encoded.
    pub(crate) coding: Coding,
    /// Keep-alive or close.
    pub(crate) connection: Connection,
    /// An extra unknown field (`request_id`) in every JSON object body.
    pub(crate) extra_fields: bool,
    /// Extra response headers (`x-request-id`, `x-process-time`).
    pub(crate) extra_headers: bool,
    /// `application/json; charset=utf-8` instead of `application/json`.
    pub(crate) media_type_params: bool,
}

impl Default for Personality {
    fn default() -> Self {
        Personality::faithful()
    }
}

impl Personality {
    /// The default: the vendored spec where it speaks, the answers in the
    /// table of [`Personality`] where it does not.
    pub fn faithful() -> Personality {
        Personality {
            pause_pending: PauseReply::Pausing,
            pause_pausing: PauseReply::Pausing,
            pause_cancelling: PauseReply::Refuse,
            resume_pending: Reply::Accept,
            resume_running: Reply::Accept,
            resume_pausing: Reply::Accept,
            resume_cancelling: Reply::Refuse,
            cancel_pausing: Reply::Accept,
            cancel_paused: Reply::Accept,
            cancel_cancelling: Reply::Accept,
            submit_status: Success::Ok,
            poll_status: Success::Ok,
            cancel_status: Success::Ok,
            band: Duration::from_secs(10),
            page_size: 10,
            rows_per_band: 15,
            bands_total: 4,
            settle_bands: 1,
            routing: Routing::Segments,
            coding: Coding::Identity,
            connection: Connection::KeepAlive,
            extra_fields: false,
            extra_headers: false,
            media_type_params: false,
        }
    }

    /// The same personality changed by `change`, for one-expression
    /// variants: `Personality::faithful().with(|p| p.page_size = 3)`.
    #[must_use = "a builder method returns the changed personality"]
    pub(crate) fn with(mut self, change: impl FnOnce(&mut Personality)) -> Self {
        change(&mut self);
        self
    }

    /// Every silent control cell answers 200 (pause with `pause`).
    #[must_use = "a builder method returns the changed personality"]
    pub(crate) fn accept_silent(self, pause: PauseReply) -> Self {
        self.silent(pause, Reply::Accept)
    }

    /// Every silent control cell answers 409 and changes nothing.
    #[must_use = "a builder method returns the changed personality"]
    pub(crate) fn refuse_silent(self) -> Self {
        self.silent(PauseReply::Refuse, Reply::Refuse)
    }

    /// Submit, poll and cancel answer `code`.
    #[must_use = "a builder method returns the changed personality"]
    pub(crate) fn success(mut self, code: Success) -> Self {
        self.submit_status = code;
        self.poll_status = code;
        self.cancel_status = code;
        self
    }

    fn silent(mut self, pause: PauseReply, other: Reply) -> Self {
        self.pause_pending = pause;
        self.pause_pausing = pause;
        self.pause_cancelling = pause;
        self.resume_pending = other;
        self.resume_running = other;
        self.resume_pausing = other;
        self.resume_cancelling = other;
        self.cancel_pausing = other;
        self.cancel_paused = other;
        self.cancel_cancelling = other;
        self
    }

    /// The same personality with out-of-range sizes raised to their
    /// minimum (page size 1, 2 bands).
    pub(crate) fn normalised(mut self) -> Self {
        self.page_size = self.page_size.max(1);
        self.bands_total = self.bands_total.max(2);
        self
    }

    /// How long `pausing` and `cancelling` last from their phase start.
    pub(crate) fn settle_time(&self) -> Duration {
        self.band
            .checked_mul(self.settle_bands)
            .unwrap_or(Duration::MAX)
    }
}
