//! Fuzzing the parsers and printers we own with proptest: path templates,
//! query and cursor handling, pagination against a server with arbitrary
//! cursors, `report::redact`, `Violation` display, report rendering, the
//! curl line (no input breaks out of its quotes) and configuration
//! parsing. No input may panic. Case counts are fixed here, independent of
//! `PROPTEST_CASES`, so `make test` stays short.

use openfunnel_contract::Endpoint;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::{CANARY_KEY, on_mock_with};
use openfunnel_contract::mock::{Answer, Call, MockApi};
use openfunnel_contract::report::{Run, redact, render_json, render_junit, render_text};
use openfunnel_contract::strategies::hostile_text;
use openfunnel_contract::suite::{
    Outcome, RuleReport, SuiteOptions, SuiteReport, TargetInfo, rule, rules,
};
use openfunnel_contract::{
    ApiKey, Limits, Mismatch, Request, Spec, TargetKind, Violation, ViolationKind,
};
use proptest::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};

fn cases(n: u32) -> ProptestConfig {
    ProptestConfig {
        cases: n,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------- paths

proptest! {
    #![proptest_config(cases(256))]

    /// `match_path` on any string never panics, and what it decodes
    /// re-encodes (with `path_with`) to a path that matches the same
    /// operation with the same parameter.
    #[test]
    fn match_path_decodes_what_path_with_encodes(raw in hostile_text(), tail in prop::sample::select(vec!["", "/pause", "/resume", "/cancel", "/x", "/"])) {
        let spec = Spec::embedded().unwrap();
        let path = format!("/api/v1/tam/build/{raw}{tail}");
        for op in spec.operations() {
            if let Some(params) = op.match_path(&path) {
                let pairs: Vec<(&str, &str)> = params.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
                let again = op.path_with(&pairs);
                prop_assert_eq!(op.match_path(&again), Some(params.clone()), "{} -> {}", path, again);
            }
        }
        let _ = spec.match_request(&Method::POST, &path);
    }

    /// Every job ID (empty too) round-trips through the path of every
    /// operation that has one, and never matches another operation.
    #[test]
    fn path_with_round_trips_any_id(id in hostile_text()) {
        let spec = Spec::embedded().unwrap();
        for op in spec.operations().iter().filter(|op| op.path_template().contains("{job_id}")) {
            let path = op.path_with(&[("job_id", &id)]);
            let matched = spec.match_request(op.method(), &path);
            if id.is_empty() {
                prop_assert!(matched.is_none(), "an empty ID is another route: {}", path);
            } else {
                let matched = matched.expect("own path matches");
                prop_assert_eq!(matched.operation.id(), op.id());
                prop_assert_eq!(&matched.params[0].1, &id);
            }
        }
    }

    /// A query (a cursor, say) survives encoding: the pairs parse back.
    #[test]
    fn query_values_round_trip(cursor in hostile_text(), other in hostile_text()) {
        let request = Request::new(Method::GET, "/api/v1/tam/build/x")
            .query("cursor", &cursor)
            .query(&other, "v");
        let path = request.path_and_query();
        let (_, query) = path.split_once('?').expect("a query");
        prop_assert!(!query.contains('#') && !query.contains(' '));
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        prop_assert_eq!(pairs, vec![("cursor".to_owned(), cursor), (other, "v".to_owned())]);
    }
}

// ------------------------------------------------------------ printers

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn redact_never_panics_and_is_idempotent(text in hostile_text(), port in any::<u16>(), uuid in any::<u128>()) {
        let uuid = uuid::Uuid::from_u128(uuid).hyphenated().to_string();
        let text = format!("{text}http://127.0.0.1:{port}/{uuid}{text}");
        let once = redact(&text);
        prop_assert_eq!(redact(&once), once.clone());
        prop_assert!(!once.contains(&uuid), "{}", once);
        prop_assert!(!once.contains(&format!("127.0.0.1:{port}")), "{}", once);
    }

    #[test]
    fn a_violation_always_displays(
        rule in hostile_text(), method in hostile_text(), path in hostile_text(), curl in hostile_text(),
        status in proptest::option::of(any::<u16>()),
        mismatches in proptest::collection::vec((proptest::option::of(hostile_text()), proptest::option::of(hostile_text()), hostile_text(), hostile_text()), 0..4),
        because in proptest::option::of(hostile_text()),
        kind in prop::sample::select(vec![ViolationKind::Transport, ViolationKind::Schema, ViolationKind::Lifecycle, ViolationKind::ServerError]),
    ) {
        let violation = Violation {
            kind, rule, operation_id: None, method, path, status,
            mismatches: mismatches.into_iter().map(|(pointer, spec_pointer, expected, actual)| Mismatch { pointer, spec_pointer, expected, actual }).collect(),
            because, curl: curl.clone(),
        };
        let text = violation.to_string();
        let reproduce = format!("\n  reproduce: {curl}");
        prop_assert!(text.ends_with(&reproduce), "{}", text);
    }
}

/// Splits a POSIX shell command line into its words, or `None` when the
/// line would do anything but run one command with literal words: an
/// unquoted metacharacter, expansion, globbing or a second line.
fn shell_words(line: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ' ' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '\'' => break,
                        ch => word.push(ch),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '"' => break,
                        '`' => return None,
                        '$' if chars.peek().is_some_and(|n| !n.is_ascii_uppercase()) => {
                            return None;
                        }
                        '\\' => {
                            let next = chars.next()?;
                            if !matches!(next, '$' | '`' | '"' | '\\') {
                                word.push('\\');
                            }
                            word.push(next);
                        }
                        ch => word.push(ch),
                    }
                }
            }
            '\\' => {
                in_word = true;
                word.push(chars.next()?);
            }
            ';' | '&' | '|' | '<' | '>' | '(' | ')' | '`' | '$' | '*' | '?' | '[' | '\n' | '\r'
            | '\t' => return None,
            '#' | '~' if !in_word => return None,
            ch => {
                in_word = true;
                word.push(ch);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Some(words)
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        Just(Method::GET),
        Just(Method::POST),
        // Any HTTP token: `|`, `&`, `$`, `'` and backticks are token characters.
        "[!#$%&'*+.^_`|~0-9A-Za-z-]{1,10}".prop_map(|m| Method::from_bytes(m.as_bytes()).unwrap()),
    ]
}

proptest! {
    #![proptest_config(cases(512))]

    /// The curl line re-parses into exactly the words it stands for: no
    /// method, URL, header or body breaks out of its quotes.
    #[test]
    fn the_curl_line_cannot_be_broken_out_of(
        method in method(),
        base in prop_oneof![Just(String::new()), hostile_text()],
        path in hostile_text(),
        query in proptest::collection::vec((hostile_text(), hostile_text()), 0..3),
        keyed in any::<bool>(),
        headers in proptest::collection::vec(("[a-z-]{1,12}", hostile_text()), 0..3),
        body in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..64)),
    ) {
        let mut request = Request::new(method.clone(), path).base(&base);
        for (name, value) in &query {
            request = request.query(name, value);
        }
        if keyed {
            request = request.key(&ApiKey::new(CANARY_KEY));
        }
        for (name, value) in &headers {
            request = request.header(name, value);
        }
        if let Some(body) = body.clone() {
            request = request.raw_body("application/octet-stream", body);
        }
        let line = request.curl();
        prop_assume!(!line.contains('\0'));
        let words = shell_words(&line);
        prop_assert!(words.is_some(), "unsafe line: {}", line);
        let mut expected = vec!["curl".to_owned(), "-sS".into(), "-X".into(), method.to_string(), request.url()];
        if keyed {
            expected.extend(["-H".to_owned(), "X-API-Key: $OPENFUNNEL_API_KEY".into()]);
        }
        for (name, value) in &request.headers {
            expected.extend(["-H".to_owned(), format!("{name}: {value}")]);
        }
        if let Some(body) = &request.body {
            expected.extend(["--data-raw".to_owned(), String::from_utf8_lossy(body).into_owned()]);
        }
        prop_assert_eq!(words.unwrap(), expected);
        prop_assert!(!line.contains(CANARY_KEY));
    }
}

#[test]
fn the_shell_parser_refuses_what_would_escape() {
    assert_eq!(
        shell_words("curl -X 'a'\\''b' \"X: $OPENFUNNEL_API_KEY\""),
        Some(vec![
            "curl".into(),
            "-X".into(),
            "a'b".into(),
            "X: $OPENFUNNEL_API_KEY".into()
        ])
    );
    for unsafe_line in [
        "curl x|y",
        "curl 'a';b",
        "curl $(id)",
        "curl \"$(id)\"",
        "curl `id`",
        "curl 'a\nb",
    ] {
        assert_eq!(shell_words(unsafe_line), None, "{unsafe_line}");
    }
}

// -------------------------------------------------------------- reports

fn rule_report(index: usize, outcome: u8, text: String) -> RuleReport {
    let rule = &rules()[index % rules().len()];
    let violation = Violation {
        kind: ViolationKind::Lifecycle,
        rule: text.clone(),
        operation_id: Some(text.clone()),
        method: "GET".into(),
        path: text.clone(),
        status: Some(200),
        mismatches: vec![Mismatch {
            pointer: Some(text.clone()),
            spec_pointer: None,
            expected: text.clone(),
            actual: text.clone(),
        }],
        because: Some(text.clone()),
        curl: text.clone(),
    };
    RuleReport {
        id: rule.id,
        title: rule.title,
        because: rule.because,
        outcome: match outcome % 3 {
            0 => Outcome::Pass,
            1 => Outcome::Fail(vec![violation]),
            _ => Outcome::Skip(text.clone()),
        },
        notes: vec![text],
        minimal_inputs: Vec::new(),
        requests: 1,
        elapsed: Duration::from_millis(1),
    }
}

proptest! {
    #![proptest_config(cases(128))]

    /// Any text in any field renders: the JSON report parses back, and the
    /// JUnit report carries no character XML 1.0 forbids.
    #[test]
    fn reports_render_any_text(
        target in hostile_text(),
        parts in proptest::collection::vec((0..14usize, any::<u8>(), hostile_text()), 0..5),
        unmatched in proptest::collection::vec(hostile_text(), 0..8),
        created in proptest::collection::vec(hostile_text(), 0..3),
    ) {
        let mut report = SuiteReport::new(
            TargetInfo::live(target.clone(), false),
            parts.into_iter().map(|(i, o, t)| rule_report(i, o, t)).collect(),
        );
        report.requests = 3;
        report.created_jobs = created.clone();
        report.unmatched = unmatched;
        report.fixtures = created;
        report.fail_on_skip = true;
        let _ = render_text(&report);
        let run = Run::bare(report);
        let json_text = render_json(&run);
        prop_assert!(serde_json::from_str::<Value>(&json_text).is_ok(), "{}", json_text);
        let junit = render_junit(&run);
        let illegal = junit.chars().find(|c| {
            matches!(*c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}')
        });
        prop_assert_eq!(illegal, None, "{}", junit);
    }
}

// --------------------------------------------------------------- config

// ----------------------------------------------------- pagination cursors

/// One scripted page: the `next_cursor`, `page` and `count` the server
/// claims, whatever the rows say.
type Page = (Option<String>, Value, Value);

fn page() -> impl Strategy<Value = Page> {
    let cursor = prop_oneof![
        3 => "page_[0-9]{4}".prop_map(Some),
        2 => hostile_text().prop_map(Some),
        1 => Just(None),
    ];
    let anything = prop_oneof![
        Just(Value::Null),
        any::<i64>().prop_map(Value::from),
        hostile_text().prop_map(Value::from),
        Just(json!([1, 2])),
    ];
    (cursor, anything.clone(), anything)
}

proptest! {
    #![proptest_config(cases(24))]

    /// The pagination rule follows any cursors a server names (unicode,
    /// `&`, `#`, `/`, very long, repeated) without a panic, and stops: at
    /// most one request per scripted page and a few more.
    #[test]
    fn pagination_survives_any_cursor(pages in proptest::collection::vec(page(), 0..12)) {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        runtime.block_on(async {
            let script: Arc<Mutex<VecDeque<Page>>> = Arc::new(Mutex::new(pages.clone().into()));
            let served = script.clone();
            let mock = MockApi::builder()
                .fault(move |call: &Call, answer: &mut Answer| {
                    if call.operation != Some(Endpoint::Poll) || answer.status != 200 {
                        return;
                    }
                    let mut body = answer.body_json();
                    match served.lock().unwrap().pop_front() {
                        Some((next, page, count)) => {
                            body["next_cursor"] = next.map_or(Value::Null, Value::from);
                            body["page"] = page;
                            body["count"] = count;
                        }
                        None => body["next_cursor"] = Value::Null,
                    }
                    answer.set_json(&body);
                })
                .start()
                .await;
            let limits = Limits { timeout: Duration::from_secs(5), ..Limits::defaults(TargetKind::Mock) };
            let target = on_mock_with(mock, limits);
            let report = rule("pagination").unwrap().run(&target, &SuiteOptions::default()).await;
            let sent = target.requests_sent() as usize;
            prop_assert!(sent <= pages.len() + 4, "{} requests for {} pages: {:?}", sent, pages.len(), report.outcome);
            Ok(())
        })?;
    }
}
