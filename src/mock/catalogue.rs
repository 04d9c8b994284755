//! Named personalities, and a strategy over all of them.

use std::time::Duration;

use proptest::prelude::*;

use super::personality::{Coding, Connection, PauseReply, Personality, Reply, Routing, Success};

impl Personality {
    /// A small set of named personalities that, together, take every
    /// switch both ways. The first is `"faithful"`.
    pub fn catalogue() -> Vec<(&'static str, Personality)> {
        let f = Personality::faithful;
        vec![
            ("faithful", f()),
            ("refuses-silent", f().refuse_silent()),
            ("accepts-silent", f().accept_silent(PauseReply::Pausing)),
            ("pauses-at-once", f().accept_silent(PauseReply::Paused)),
            ("fastapi-202", f().success(Success::Accepted)),
            ("starlette", f().with(|p| p.routing = Routing::Starlette)),
            ("gzip", f().with(|p| p.coding = Coding::GzipAlways)),
            (
                "gzip-negotiated",
                f().with(|p| p.coding = Coding::GzipWhenAccepted),
            ),
            ("close", f().with(|p| p.connection = Connection::Close)),
            ("instant-settle", f().with(|p| p.settle_bands = 0)),
            (
                "slow-settle",
                f().with(|p| p.settle_bands = 3)
                    .with(|p| p.band = Duration::from_secs(30)),
            ),
            (
                "small-pages",
                f().with(|p| p.page_size = 1)
                    .with(|p| p.rows_per_band = 3)
                    .with(|p| p.bands_total = 2)
                    .with(|p| p.band = Duration::from_secs(1)),
            ),
            (
                "decorated",
                f().with(|p| p.extra_fields = true)
                    .with(|p| p.extra_headers = true)
                    .with(|p| p.media_type_params = true),
            ),
        ]
    }

    /// Any personality: every switch, every combination.
    #[must_use = "strategies do nothing unless used"]
    pub fn strategy() -> BoxedStrategy<Personality> {
        let pause = || {
            prop_oneof![
                Just(PauseReply::Pausing),
                Just(PauseReply::Paused),
                Just(PauseReply::Refuse)
            ]
        };
        let reply = || prop_oneof![Just(Reply::Accept), Just(Reply::Refuse)];
        let success = || prop_oneof![Just(Success::Ok), Just(Success::Accepted)];
        let cells = (
            (pause(), pause(), pause()),
            (reply(), reply(), reply(), reply()),
            (reply(), reply(), reply()),
        );
        let sizes = (
            (success(), success(), success()),
            prop_oneof![
                Just(Duration::ZERO),
                Just(Duration::from_secs(10)),
                (1u64..=60).prop_map(Duration::from_secs)
            ],
            1usize..=25,
            1usize..=30,
            2u32..=6,
            0u32..=4,
        );
        let wire = (
            prop_oneof![Just(Routing::Segments), Just(Routing::Starlette)],
            prop_oneof![
                Just(Coding::Identity),
                Just(Coding::GzipAlways),
                Just(Coding::GzipWhenAccepted)
            ],
            prop_oneof![Just(Connection::KeepAlive), Just(Connection::Close)],
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        );
        (cells, sizes, wire)
            .prop_map(|(cells, sizes, wire)| {
                let ((pp, pz, pc), (rp, rr, rz, rc), (cz, cp, cc)) = cells;
                let ((s, p, c), band, page, rows, bands, settle) = sizes;
                let (routing, coding, connection, fields, headers, params) = wire;
                Personality {
                    pause_pending: pp,
                    pause_pausing: pz,
                    pause_cancelling: pc,
                    resume_pending: rp,
                    resume_running: rr,
                    resume_pausing: rz,
                    resume_cancelling: rc,
                    cancel_pausing: cz,
                    cancel_paused: cp,
                    cancel_cancelling: cc,
                    submit_status: s,
                    poll_status: p,
                    cancel_status: c,
                    band,
                    page_size: page,
                    rows_per_band: rows,
                    bands_total: bands,
                    settle_bands: settle,
                    routing,
                    coding,
                    connection,
                    extra_fields: fields,
                    extra_headers: headers,
                    media_type_params: params,
                }
            })
            .boxed()
    }
}
