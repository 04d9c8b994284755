//! The job state machine, without HTTP.

use std::time::Duration;

use crate::JobState;
use crate::api::Control;
use crate::mock::bodies::{self, Cursor, page_name};
use crate::mock::job::{FINISHED_DETAIL, Job, Outcome};
use crate::mock::personality::Personality;
use crate::mock::store::Store;

const B: Duration = Duration::from_secs(10);

fn p() -> Personality {
    Personality::faithful()
}

fn job_at(state: JobState) -> Job {
    Job::fixture("j".into(), "k".into(), state, 1, Duration::ZERO, &p())
}

fn settled(mut job: Job, at: Duration) -> Job {
    job.settle(at, &p());
    job
}

#[test]
fn submitted_job_runs_band_by_band_then_completes() {
    let mut job = Job::submitted("j".into(), "k".into(), "q".into(), 3, Duration::ZERO);
    let c = p();
    job.settle(B - Duration::from_millis(1), &c);
    assert_eq!(job.state, JobState::Pending);
    job.settle(B, &c);
    assert_eq!((job.state, job.bands_done), (JobState::Running, 0));
    job.settle(B * 2, &c);
    assert_eq!(
        (job.state, job.bands_done, job.rows.len()),
        (JobState::Running, 1, 15)
    );
    job.settle(B * 4, &c);
    assert_eq!((job.state, job.bands_done), (JobState::Running, 3));
    job.settle(B * 5, &c);
    assert_eq!(
        (job.state, job.bands_done, job.rows.len()),
        (JobState::Completed, 4, 60)
    );
    let m = job.manifest(&c).unwrap();
    assert_eq!(
        (m.pages, m.unique_count, m.partial, m.ranked),
        (6, 60, false, true)
    );
    assert!(
        job.rows
            .windows(2)
            .all(|w| w[0].match_score >= w[1].match_score)
    );
    job.settle(B * 100, &c);
    assert_eq!(job.state, JobState::Completed);
}

#[test]
fn settling_in_one_jump_equals_settling_step_by_step() {
    let c = p();
    let mut a = Job::submitted("j".into(), "k".into(), "q".into(), 3, Duration::ZERO);
    let mut b = a.clone();
    a.settle(B * 9, &c);
    for i in 0..=9 {
        b.settle(B * i, &c);
    }
    assert_eq!(a, b);
}

#[test]
fn fixtures_hold_until_one_band_passes() {
    for state in JobState::ALL {
        let job = settled(job_at(state), B - Duration::from_nanos(1));
        assert_eq!(job.state, state, "{state} moved early");
    }
    let moved: Vec<_> = JobState::ALL
        .into_iter()
        .map(|s| settled(job_at(s), B).state)
        .collect();
    use JobState::*;
    assert_eq!(
        moved,
        [
            Running, Running, Paused, Paused, Completed, Failed, Cancelled, Cancelled
        ]
    );
}

#[test]
fn pausing_writes_the_in_flight_band_but_cancelling_abandons_it() {
    let pausing = settled(job_at(JobState::Pausing), B);
    assert_eq!((pausing.state, pausing.bands_done), (JobState::Paused, 2));
    let cancelling = settled(job_at(JobState::Cancelling), B);
    assert_eq!(
        (
            cancelling.state,
            cancelling.bands_done,
            cancelling.rows.len()
        ),
        (JobState::Cancelled, 1, 15)
    );
    let m = cancelling.manifest(&p()).unwrap();
    assert_eq!(
        (m.partial, m.stop_reason, m.unique_count),
        (true, Some("cancelled"), 15)
    );
}

#[test]
fn pausing_on_the_last_band_completes() {
    let c = p();
    let mut job = job_at(JobState::Running);
    job.settle(B * 2, &c);
    assert_eq!((job.state, job.bands_done), (JobState::Running, 3));
    job.act(Control::Pause, B * 2, &c);
    job.settle(B * 3, &c);
    assert_eq!(job.state, JobState::Completed);
}

#[test]
fn resume_restarts_a_paused_job_from_now() {
    let c = p();
    let mut job = job_at(JobState::Paused);
    job.settle(B * 50, &c);
    assert_eq!(job.state, JobState::Paused);
    let out = job.act(Control::Resume, B * 50, &c);
    assert!(matches!(
        out,
        Outcome::Accepted {
            status: JobState::Running,
            ..
        }
    ));
    job.settle(B * 51 - Duration::from_nanos(1), &c);
    assert_eq!(job.bands_done, 2);
    job.settle(B * 52, &c);
    assert_eq!((job.state, job.bands_done), (JobState::Completed, 4));
}

#[test]
fn every_call_on_a_terminal_job_conflicts_and_changes_nothing() {
    for (_, personality) in Personality::catalogue() {
        for state in JobState::TERMINAL {
            for control in Control::ALL {
                let mut job = job_at(state);
                let before = job.clone();
                assert_eq!(
                    job.act(control, B, &personality),
                    Outcome::Refused(FINISHED_DETAIL.into())
                );
                assert_eq!(job, before);
            }
        }
    }
}

#[test]
fn a_refused_pause_of_a_cancelling_job_leaves_it_cancelling_until_it_settles() {
    let c = p();
    let mut job = job_at(JobState::Cancelling);
    let before = job.clone();
    for control in [Control::Pause, Control::Resume] {
        assert_eq!(
            job.act(control, B / 2, &c),
            Outcome::Refused(format!("Cannot {control} a job that is cancelling"))
        );
        assert_eq!(job, before, "a refusal changes nothing");
    }
    job.settle(B, &c);
    assert_eq!((job.state, job.rows.len()), (JobState::Cancelled, 15));
}

#[test]
fn cancel_of_paused_settles_one_band_later_keeping_rows() {
    let c = p();
    let mut job = job_at(JobState::Paused);
    job.settle(B * 7, &c);
    job.act(Control::Cancel, B * 7, &c);
    job.settle(B * 8 - Duration::from_nanos(1), &c);
    assert_eq!(job.state, JobState::Cancelling);
    job.settle(B * 8, &c);
    assert_eq!((job.state, job.rows.len()), (JobState::Cancelled, 30));
}

#[test]
fn settle_delay_zero_settles_on_the_next_look_and_more_waits_longer() {
    for (settle, at) in [(0, Duration::ZERO), (1, B), (3, B * 3)] {
        let c = p().with(|p| p.settle_bands = settle);
        let mut job = job_at(JobState::Running);
        job.act(Control::Pause, Duration::ZERO, &c);
        assert_eq!(job.state, JobState::Pausing);
        if at > Duration::ZERO {
            job.settle(at - Duration::from_nanos(1), &c);
            assert_eq!(job.state, JobState::Pausing, "settle {settle}");
        }
        job.settle(at, &c);
        assert_eq!(
            (job.state, job.bands_done),
            (JobState::Paused, 2),
            "settle {settle}: the band in flight is written"
        );
        let mut job = job_at(JobState::Cancelling);
        job.settle(at, &c);
        assert_eq!(job.state, JobState::Cancelled, "settle {settle}");
    }
}

#[test]
fn resume_of_a_long_pausing_job_starts_a_fresh_band() {
    let c = p()
        .with(|p| p.settle_bands = 3)
        .with(|p| p.resume_pausing = crate::mock::Reply::Accept);
    let mut job = job_at(JobState::Pausing);
    job.settle(B * 2, &c);
    assert_eq!(job.state, JobState::Pausing);
    job.act(Control::Resume, B * 2, &c);
    assert_eq!((job.state, job.phase_start), (JobState::Running, B * 2));
    job.settle(B * 3, &c);
    assert_eq!((job.state, job.bands_done), (JobState::Running, 2));
}

#[test]
fn pages_cover_the_rows_exactly_once() {
    let c = p();
    let job = job_at(JobState::Completed);
    let mut seen = 0;
    let mut n = 0;
    loop {
        let page = bodies::page(&job, &Cursor::Page(n), &c);
        assert_eq!(page.name, page_name(n));
        seen += page.rows.len();
        match page.next_cursor {
            Some(next) => {
                assert_eq!(next, page_name(n + 1));
                n += 1;
            }
            None => break,
        }
    }
    assert_eq!((seen, n), (60, 5));
    let past = bodies::page(&job, &Cursor::Page(99), &c);
    assert_eq!((past.rows.len(), past.next_cursor), (0, None));
    assert!(
        bodies::page(&job, &Cursor::Page(usize::MAX), &c)
            .rows
            .is_empty()
    );
    let unknown = bodies::page(&job, &Cursor::Unknown("nope"), &c);
    assert_eq!(
        (
            unknown.rows.len(),
            unknown.next_cursor,
            unknown.name.as_str()
        ),
        (0, None, "nope")
    );
    let empty = job_at(JobState::Pending);
    let first = bodies::page(&empty, &Cursor::First, &c);
    assert_eq!((first.rows.len(), first.next_cursor), (0, None));
}

#[test]
fn the_poll_body_is_json_in_the_documented_field_order() {
    let c = p();
    for state in JobState::ALL {
        let job = job_at(state);
        for cursor in [Cursor::First, Cursor::Page(1), Cursor::Unknown("x\"y")] {
            let bytes = bodies::poll_json(&job, &cursor, &c);
            let body: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
            let page = bodies::page(&job, &cursor, &c);
            assert_eq!(body["rows"].as_array().unwrap().len(), page.rows.len());
            assert_eq!(body["count"], serde_json::json!(page.rows.len()));
            assert_eq!(body["page"], serde_json::json!(page.name));
            assert_eq!(body["status"], serde_json::json!(state.as_str()));
            assert_eq!(body["manifest"].is_null(), !state.is_terminal());
            let text = String::from_utf8(bytes).unwrap();
            let keys = [
                "job_id",
                "status",
                "manifest",
                "error_message",
                "rows",
                "page",
                "next_cursor",
                "count",
                "processed",
                "progress_message",
                "bands_done",
                "bands_total",
            ];
            let at: Vec<usize> = keys
                .iter()
                .map(|k| text.find(&format!("\"{k}\":")).expect(k))
                .collect();
            assert!(at.windows(2).all(|w| w[0] < w[1]), "{state}: {text}");
            assert!(text.ends_with(",\"degraded\":false}"), "{text}");
        }
    }
}

#[test]
fn every_string_is_a_cursor() {
    assert_eq!(Cursor::parse(None), Cursor::First);
    assert_eq!(Cursor::parse(Some("page_0000")), Cursor::Page(0));
    assert_eq!(Cursor::parse(Some("page_0012")), Cursor::Page(12));
    assert_eq!(Cursor::parse(Some("page_7")), Cursor::Page(7));
    assert_eq!(
        Cursor::parse(Some("page_99999999999999999999999")),
        Cursor::Page(usize::MAX)
    );
    for other in [
        "",
        "page_",
        "Page_0001",
        "page_000a",
        "page_-001",
        "0001",
        "é",
    ] {
        assert_eq!(
            Cursor::parse(Some(other)),
            Cursor::Unknown(other),
            "{other}"
        );
    }
}

#[test]
fn store_scopes_jobs_by_owner_and_ids_follow_the_seed() {
    let mut a = Store::new(p(), 42);
    let mut b = Store::new(p(), 42);
    let mut c = Store::new(p(), 43);
    let id = a.submit("k1", "q", Duration::ZERO);
    assert_eq!(id, b.submit("k1", "q", Duration::ZERO));
    assert_ne!(id, c.submit("k1", "q", Duration::ZERO));
    assert!(uuid::Uuid::parse_str(&id).is_ok());
    assert!(a.state("k1", &id, Duration::ZERO).is_some());
    assert!(a.state("k2", &id, Duration::ZERO).is_none());
    assert!(a.state("k1", "nope", Duration::ZERO).is_none());
    assert_eq!(a.jobs_of("k1", B).len(), 1);
}
