//! From method and raw path to an endpoint, the way the personality routes.

use std::borrow::Cow;

use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};

use super::personality::Routing;
use crate::api::Endpoint;

/// The placeholder of a path template.
const JOB_ID: &str = "{job_id}";

/// Where a request goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Routed {
    /// An endpoint, with the decoded `job_id` of its path (empty for submit).
    To(Endpoint, String),
    /// 405: the path is this endpoint's (with this `job_id`), the method
    /// is not.
    WrongMethod(Endpoint, String),
    /// 307 to this (decoded) path of this endpoint: the same route with or
    /// without a trailing `/`.
    Redirect(Endpoint, String),
    /// 404; the endpoint the request most resembles.
    NotFound(Endpoint),
}

/// Routes `method` and the raw (percent-encoded) `path`.
pub(crate) fn route(method: &str, raw_path: &str, routing: Routing) -> Routed {
    match routing {
        Routing::Segments => {
            let segments: Vec<Cow<'_, str>> = raw_path
                .split('/')
                .map(|s| percent_decode_str(s).decode_utf8_lossy())
                .collect();
            match find(method, &segments) {
                Some(routed) => routed,
                None => Routed::NotFound(nearest(method, &segments)),
            }
        }
        Routing::Starlette => {
            let decoded = resolve_dots(&percent_decode_str(raw_path).decode_utf8_lossy());
            let segments: Vec<&str> = decoded.split('/').collect();
            if let Some(routed) = find(method, &segments) {
                return routed;
            }
            if decoded != "/" {
                let other = match decoded.strip_suffix('/') {
                    Some(stripped) => stripped.to_owned(),
                    None => format!("{decoded}/"),
                };
                let other_segments: Vec<&str> = other.split('/').collect();
                if let Some(Routed::To(e, _) | Routed::WrongMethod(e, _)) =
                    find(method, &other_segments)
                {
                    return Routed::Redirect(e, other);
                }
            }
            Routed::NotFound(nearest(method, &segments))
        }
    }
}

/// The endpoint whose template the segments match (the first segment is
/// the empty one before the leading `/`); 405 for the wrong method.
fn find<S: AsRef<str>>(method: &str, segments: &[S]) -> Option<Routed> {
    let mut wrong_method = None;
    for endpoint in Endpoint::ALL {
        let template = endpoint.path_template().split('/');
        if template.clone().count() != segments.len() {
            continue;
        }
        let mut job_id = "";
        let fits = template.zip(segments).all(|(t, s)| {
            let s = s.as_ref();
            if t == JOB_ID {
                job_id = s;
                !s.is_empty() && !s.contains('/')
            } else {
                t == s
            }
        });
        if !fits {
            continue;
        }
        if endpoint.method().as_str() == method {
            return Some(Routed::To(endpoint, job_id.to_owned()));
        }
        wrong_method.get_or_insert(Routed::WrongMethod(endpoint, job_id.to_owned()));
    }
    wrong_method
}

/// Resolves `.` and `..` segments (RFC 3986 5.2.4), keeping a trailing `/`.
fn resolve_dots(path: &str) -> String {
    if !path.split('/').any(|s| s == "." || s == "..") {
        return path.to_owned();
    }
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        match *segment {
            "." => {
                if last {
                    out.push("");
                }
            }
            ".." => {
                out.pop();
                if last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    format!("/{}", out.join("/"))
}

/// What a `Location` path may not carry unencoded.
const LOCATION: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// A decoded path made fit for a `Location` header.
pub(crate) fn encode_location(path: &str) -> String {
    utf8_percent_encode(path, LOCATION).to_string()
}

/// The endpoint a non-matching request most resembles: the smallest edit
/// distance between path segments (a substitution costs its normalised
/// character distance, `{job_id}` matches any non-empty segment for free),
/// plus 0.75 for a different method. Ties go to the earlier endpoint.
pub(crate) fn nearest<S: AsRef<str>>(method: &str, segments: &[S]) -> Endpoint {
    let skip = usize::from(segments.first().is_some_and(|s| s.as_ref().is_empty()));
    let path: Vec<&str> = segments.iter().skip(skip).map(AsRef::as_ref).collect();
    let mut best = Endpoint::Submit;
    let mut best_cost = f64::INFINITY;
    for endpoint in Endpoint::ALL {
        let template: Vec<&str> = endpoint.path_template()[1..].split('/').collect();
        let method_cost = if method.eq_ignore_ascii_case(endpoint.method().as_str()) {
            0.0
        } else {
            0.75
        };
        let cost = segment_distance(&path, &template) + method_cost;
        if cost < best_cost {
            best = endpoint;
            best_cost = cost;
        }
    }
    best
}

fn segment_distance(path: &[&str], template: &[&str]) -> f64 {
    let sub = |p: &str, t: &str| -> f64 {
        if t == JOB_ID {
            if p.is_empty() { 0.5 } else { 0.0 }
        } else {
            let longest = p.chars().count().max(t.chars().count()).max(1);
            char_distance(p, t) as f64 / longest as f64
        }
    };
    let mut prev: Vec<f64> = (0..=template.len()).map(|j| j as f64).collect();
    for (i, p) in path.iter().enumerate() {
        let mut row = vec![(i + 1) as f64];
        for (j, t) in template.iter().enumerate() {
            let best = (prev[j] + sub(p, t))
                .min(prev[j + 1] + 1.0)
                .min(row[j] + 1.0);
            row.push(best);
        }
        prev = row;
    }
    prev[template.len()]
}

fn char_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut row = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let best = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(row[j] + 1);
            row.push(best);
        }
        prev = row;
    }
    prev[b.len()]
}
