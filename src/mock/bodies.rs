//! The JSON bodies of successful answers and their messages.

use serde::Serialize;

use super::job::Job;
use super::personality::Personality;
use super::rows::Written;
use super::words::Manifest;

/// The fields of a poll body before `rows`, in the documented order.
#[derive(Serialize)]
struct PollHead<'a> {
    job_id: &'a str,
    status: &'static str,
    manifest: Option<Manifest>,
    error_message: Option<&'a str>,
}

/// The fields of a poll body after `rows`, in the documented order.
#[derive(Serialize)]
struct PollTail<'a> {
    page: &'a str,
    next_cursor: Option<&'a str>,
    count: usize,
    processed: usize,
    progress_message: String,
    bands_done: u32,
    bands_total: u32,
    degraded: bool,
}

/// The documented `{job_id, status, message}` of submit, pause, resume and
/// cancel, in that field order.
#[derive(Debug, Serialize)]
pub(crate) struct AckBody<'a> {
    pub job_id: &'a str,
    pub status: &'static str,
    pub message: &'a str,
}

/// The page a poll asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cursor<'a> {
    /// No cursor: the first page.
    First,
    /// `page_` and digits: that page (a number too large saturates).
    Page(usize),
    /// Any other string: a page past the written ones, named as sent.
    Unknown(&'a str),
}

impl<'a> Cursor<'a> {
    /// Reads a `cursor` query value. Every string is a valid cursor.
    pub(super) fn parse(cursor: Option<&'a str>) -> Cursor<'a> {
        let Some(cursor) = cursor else {
            return Cursor::First;
        };
        match cursor.strip_prefix("page_") {
            Some(digits) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
                Cursor::Page(digits.parse().unwrap_or(usize::MAX))
            }
            _ => Cursor::Unknown(cursor),
        }
    }
}

/// The name of page `n`: `page_0003`.
pub(crate) fn page_name(n: usize) -> String {
    format!("page_{n:04}")
}

/// One page of a job's rows, as a poll shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Page<'a> {
    /// The rows of the page.
    pub rows: &'a [Written],
    /// Its name: `page_NNNN`, or the cursor as sent.
    pub name: String,
    /// The next page, while more rows are written.
    pub next_cursor: Option<String>,
}

/// The page `cursor` names. A page past the written rows is empty, with a
/// null `next_cursor`.
pub(crate) fn page<'a>(job: &'a Job, cursor: &Cursor<'_>, p: &Personality) -> Page<'a> {
    let len = job.rows.len();
    let (number, name) = match *cursor {
        Cursor::First => (Some(0), page_name(0)),
        Cursor::Page(n) => (Some(n), page_name(n)),
        Cursor::Unknown(raw) => (None, raw.to_owned()),
    };
    let start = number
        .and_then(|n| n.checked_mul(p.page_size))
        .filter(|&s| s < len);
    let rows = match start {
        Some(s) => &job.rows[s..(s + p.page_size).min(len)],
        None => &job.rows[..0],
    };
    let next_cursor = match (start, number) {
        (Some(s), Some(n)) if s + p.page_size < len => Some(page_name(n + 1)),
        _ => None,
    };
    Page {
        rows,
        name,
        next_cursor,
    }
}

/// The JSON poll body of `job` for `cursor`: the head and tail fields are
/// serialised, the rows copied from their cached JSON.
pub(crate) fn poll_json(job: &Job, cursor: &Cursor<'_>, p: &Personality) -> Vec<u8> {
    let page = page(job, cursor, p);
    let head = PollHead {
        job_id: &job.id,
        status: job.state.as_str(),
        manifest: job.manifest(p),
        error_message: job.error_message.as_deref(),
    };
    let tail = PollTail {
        page: &page.name,
        next_cursor: page.next_cursor.as_deref(),
        count: page.rows.len(),
        processed: job.rows.len(),
        progress_message: job.progress_message(p),
        bands_done: job.bands_done,
        bands_total: p.bands_total,
        degraded: false,
    };
    let rows_len: usize = page.rows.iter().map(|r| r.json.len() + 1).sum();
    let mut out = Vec::with_capacity(512 + rows_len);
    serde_json::to_writer(&mut out, &head).expect("a poll head serialises");
    // `{...}` + `,"rows":[...],` + the tail without its `{`.
    out.pop();
    out.extend_from_slice(b",\"rows\":[");
    for (i, row) in page.rows.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(&row.json);
    }
    out.extend_from_slice(b"],");
    let tail = serde_json::to_vec(&tail).expect("a poll tail serialises");
    out.extend_from_slice(&tail[1..]);
    out
}
