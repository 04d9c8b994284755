//! Proptest strategies for the suite's inputs. Failures shrink to the
//! smallest input that still fails.

use proptest::prelude::*;
use proptest::sample::select;

/// Characters that a path segment must percent-encode.
const NEEDS_ENCODING: &[char] = &[
    '/', '?', '#', '%', '&', '+', ' ', '"', '<', '>', '\\', '^', '`', '{', '|', '}', ';', '=', '@',
    ':', '[', ']', '\'', '\t', '\n', '\0',
];

/// Text that breaks parsers: quotes, escapes, percent signs, slashes, dot
/// segments, control characters, newlines and any unicode (empty too).
/// For settings, headers, paths and bodies of a client or server under
/// test; the harness fuzzes its own settings and request paths with it.
#[must_use = "strategies do nothing until a runner draws from them"]
pub fn hostile_text() -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        "\\PC{0,40}",
        "[ -~]{0,40}",
        proptest::collection::vec(
            select(vec![
                "'", "\"", "\\", "$", "`", "%", "%2F", "%ZZ", "%C3", "/", "..", ".", "?", "#", "&",
                "=", "\n", "\r", "\t", "\0", "\u{7f}", "é", "😀", "{job_id}", "$(id)", " ", "a",
                "0",
            ]),
            0..16,
        )
        .prop_map(|parts| parts.concat()),
    ]
}

/// A well-formed job ID that no job has: a random version-4 UUID.
#[must_use = "strategies do nothing until a runner draws from them"]
pub fn unknown_job_id() -> impl Strategy<Value = String> + Clone {
    any::<[u8; 16]>().prop_map(|bytes| {
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .hyphenated()
            .to_string()
    })
}

/// Any other job ID: printable ASCII, unicode, characters that need
/// percent-encoding, and very long IDs (up to 512 characters, below any
/// URL length limit a proxy might enforce). Never `.` or `..`, which URL
/// normalisation turns into another path, and never empty, which is
/// another route.
#[must_use = "strategies do nothing until a runner draws from them"]
pub fn odd_job_id() -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        3 => "[ -~]{1,64}",
        2 => "\\PC{1,24}",
        2 => proptest::collection::vec(
            prop_oneof![select(NEEDS_ENCODING), proptest::char::range('a', 'z')],
            1..24,
        )
        .prop_map(|chars| chars.into_iter().collect::<String>()),
        1 => "[a-zA-Z0-9_-]{200,512}",
    ]
    .prop_filter("dot segments and empty IDs are not job IDs", |id| {
        !id.is_empty() && id != "." && id != ".."
    })
}

/// A submit body that breaks `TamBuildRequest` (name, body), each of which
/// FastAPI answers with 422.
#[must_use = "strategies do nothing until a runner draws from them"]
pub fn invalid_submit_body() -> impl Strategy<Value = (String, serde_json::Value)> + Clone {
    use serde_json::json;
    prop_oneof![
        Just(("no query".to_owned(), json!({}))),
        Just(("empty query".to_owned(), json!({"query": ""}))),
        "[a-z ]{501,600}".prop_map(|q| (
            "query over 500 characters".to_owned(),
            json!({ "query": q })
        )),
        any::<i64>().prop_map(|n| ("query not a string".to_owned(), json!({ "query": n }))),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    #[test]
    fn unknown_ids_are_uuid_v4() {
        let mut runner = TestRunner::deterministic();
        for _ in 0..50 {
            let id = unknown_job_id().new_tree(&mut runner).unwrap().current();
            let parsed = uuid::Uuid::parse_str(&id).unwrap();
            assert_eq!(parsed.get_version_num(), 4);
        }
    }

    #[test]
    fn odd_ids_cover_every_family() {
        let mut runner = TestRunner::deterministic();
        let ids: Vec<String> = (0..300)
            .map(|_| odd_job_id().new_tree(&mut runner).unwrap().current())
            .collect();
        assert!(ids.iter().any(|id| id.len() >= 200));
        assert!(ids.iter().any(|id| id.contains('/') || id.contains('%')));
        assert!(ids.iter().any(|id| !id.is_ascii()));
        assert!(
            ids.iter()
                .all(|id| !id.is_empty() && id != "." && id != "..")
        );
    }
}
