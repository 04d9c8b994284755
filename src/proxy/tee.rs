//! The answer on its way back: [`Tee`] streams it to the client while a
//! bounded copy is kept, and [`Pending`] judges the exchange when it ends
//! (or reports a server fault when it breaks off).

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use hyper::body::{Body, Bytes, Frame, SizeHint};
use hyper::header::HeaderMap;

use super::Shared;
use super::observed::{Observed, check_spec};
use crate::api::Endpoint;
use crate::{Exchange, Request, Response, Violation, ViolationKind};

/// What the judge needs besides the answer's body.
pub(super) struct Pending {
    pub(super) shared: Arc<Shared>,
    pub(super) request: Request,
    pub(super) status: u16,
    pub(super) headers: HeaderMap,
}

impl Pending {
    /// The upstream's answer broke off after its head reached the client:
    /// a server fault (no usable answer), the exchange unchecked.
    fn broke_off(self, why: &str) {
        let exchange = Exchange::new(
            self.request,
            Response {
                status: self.status,
                headers: Vec::new(),
                body: Vec::new(),
            },
        );
        let violation =
            Violation::builder(ViolationKind::Transport, "upstream-broke-off", &exchange)
                .operation(Endpoint::of_exchange(&exchange).map(|e| e.operation_id()))
                .expected("the whole answer from the upstream")
                .actual(why)
                .build();
        let found = self.shared.lock().upstream_failed(violation);
        self.shared.publish(&found);
    }

    /// Judges the exchange with this body (`whole`: read to its end and
    /// within the cap) and publishes what was found.
    pub(super) fn judge(self, body: &[u8], whole: bool) {
        let mut headers: Vec<(String, String)> = self
            .headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let (body, complete) = if whole {
            match crate::client::decode::decode(&mut headers, body.to_vec(), self.shared.body_cap) {
                Ok(body) => (body, true),
                Err(_) => (Vec::new(), false),
            }
        } else {
            (Vec::new(), false)
        };
        let mut body = body;
        if let Some(key) = &self.request.api_key {
            crate::client::scrub::scrub([key], &mut body, &mut headers);
        }
        let exchange = Exchange::new(
            self.request,
            Response {
                status: self.status,
                headers,
                body,
            },
        );
        let parsed = if complete {
            exchange.response.body_json()
        } else {
            serde_json::from_slice(b"")
        };
        let observed = Observed {
            exchange,
            complete,
            parsed,
        };
        let spec = check_spec(&self.shared.spec, &observed);
        let found = self.shared.lock().observe(&observed, spec, Instant::now());
        self.shared.publish(&found);
    }
}

/// The answer's body on its way to the client, a bounded copy kept; the
/// exchange is judged when it ends (or unchecked when it breaks off or
/// outgrows the cap).
pub(super) struct Tee {
    pub(super) inner: reqwest::Body,
    pub(super) copy: Vec<u8>,
    pub(super) over: bool,
    pub(super) pending: Option<Pending>,
}

impl Tee {
    fn end(&mut self, whole: bool) {
        if let Some(pending) = self.pending.take() {
            let copy = std::mem::take(&mut self.copy);
            pending.judge(&copy, whole && !self.over);
        }
    }
}

impl Body for Tee {
    type Data = Bytes;
    type Error = reqwest::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        match ready!(Pin::new(&mut this.inner).poll_frame(cx)) {
            Some(Ok(frame)) => {
                if let (Some(data), Some(cap)) = (
                    frame.data_ref(),
                    this.pending.as_ref().map(|p| p.shared.body_cap),
                ) {
                    if this.copy.len() + data.len() <= cap && !this.over {
                        this.copy.extend_from_slice(data);
                    } else {
                        this.over = true;
                        this.copy = Vec::new();
                    }
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Some(Err(error)) => {
                // The client already has the head: all it can get is the
                // broken stream; the report gets a server fault.
                if let Some(pending) = this.pending.take() {
                    pending.broke_off(if error.is_timeout() {
                        "the answer's body stalled past the timeout"
                    } else {
                        "the answer's body broke off"
                    });
                }
                Poll::Ready(Some(Err(error)))
            }
            None => {
                this.end(true);
                Poll::Ready(None)
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.pending.is_none() && self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for Tee {
    fn drop(&mut self) {
        // The client went away before the end: what it got is unchecked.
        self.end(false);
    }
}
