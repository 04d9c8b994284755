//! The flat reading against `serde_json`: the same verdict on every body
//! it reads, and bodies it must decline.

use jsonschema::json::Node;
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::Spec;
use crate::flat::Doc;

/// Every media type with a schema, with both validators.
fn media(spec: &Spec) -> Vec<&crate::spec::MediaSpec> {
    spec.operations()
        .iter()
        .flat_map(|op| op.responses())
        .flat_map(|r| r.media())
        .filter(|m| m.has_schema())
        .collect()
}

/// The flat reading says valid only where the `Value` path does; on a
/// body it reads, both validators agree either way. Returns how many
/// media types found it valid.
fn agrees(spec: &Spec, text: &str) -> usize {
    let value: Result<Value, _> = serde_json::from_str(text);
    let doc = Doc::parse(text);
    if let Some(doc) = &doc {
        let value = value
            .as_ref()
            .expect("a body the flat reading reads parses");
        assert_eq!(&*doc.root().to_value(), value, "{text}");
    }
    let mut valid = 0;
    for media in media(spec) {
        if media.is_valid_bytes(text.as_bytes()) == Some(true) {
            let value = value.as_ref().unwrap_or_else(|e| panic!("{text}: {e}"));
            assert!(media.is_valid(value), "{text}");
            valid += 1;
        }
        if let (Some(doc), Ok(value), Some(flat), Some(validator)) =
            (&doc, &value, &media.flat, &media.validator)
        {
            assert_eq!(
                flat.is_valid(doc.root()),
                validator.is_valid(value),
                "{text}"
            );
        }
    }
    valid
}

/// The spec's examples, each a body that validates.
fn examples(spec: &Spec) -> Vec<Value> {
    spec.examples()
        .into_iter()
        .map(|e| e.value.clone())
        .collect()
}

/// `value` with the node at the `pick`-th place (depth first) replaced by
/// `with`, or removed from its object when `with` is `None`.
fn mutate(value: &mut Value, pick: &mut usize, with: &Option<Value>) -> bool {
    let children: Vec<String> = match value {
        Value::Object(map) => map.keys().cloned().collect(),
        Value::Array(items) => (0..items.len()).map(|i| i.to_string()).collect(),
        _ => Vec::new(),
    };
    for child in children {
        if *pick == 0 {
            match (value, with) {
                (Value::Object(map), None) => {
                    map.remove(&child);
                }
                (Value::Object(map), Some(with)) => {
                    map.insert(child, with.clone());
                }
                (Value::Array(items), Some(with)) => {
                    items[child.parse::<usize>().expect("index")] = with.clone();
                }
                (Value::Array(items), None) => {
                    items.remove(child.parse::<usize>().expect("index"));
                }
                _ => {}
            }
            return true;
        }
        *pick -= 1;
        let next = match value {
            Value::Object(map) => map.get_mut(&child),
            Value::Array(items) => items.get_mut(child.parse::<usize>().expect("index")),
            _ => None,
        };
        if next.is_some_and(|next| mutate(next, pick, with)) {
            return true;
        }
    }
    false
}

#[test]
fn a_string_field_is_found_as_in_a_value() {
    for text in [
        r#"{"status":"pending","job_id":"a\"b"}"#,
        r#"{"status":1}"#,
        r#"[{"status":"x"}]"#,
        r#"{"other":{"status":"x"}}"#,
    ] {
        let doc = Doc::parse(text).expect("reads");
        let value: Value = serde_json::from_str(text).expect("parses");
        for field in ["status", "job_id"] {
            assert_eq!(
                doc.str_field(field),
                value.get(field).and_then(Value::as_str),
                "{text} {field}"
            );
        }
    }
}

#[test]
fn it_declines_what_serde_json_refuses_or_may_read_otherwise() {
    for text in [
        "",
        " ",
        "{",
        "[1,]",
        "{\"a\":1,}",
        "{\"a\" 1}",
        "01",
        "1.",
        "-",
        "+1",
        "1e",
        "1e400",
        "tru",
        "nul",
        "[1 2]",
        "{\"a\":1}x",
        "\"\u{1}\"",
        "\"\\x\"",
        "\"\\ud800\"",
        "{\"a\":1,\"a\":2}",
        "{\"a\":1,\"\\u0061\":2}",
        "[1]]",
        "{1:2}",
        "'a'",
    ] {
        assert!(Doc::parse(text).is_none(), "{text:?}");
    }
    let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
    assert!(Doc::parse(&deep).is_none());
}

#[test]
fn it_reads_what_serde_json_reads() {
    let spec = Spec::embedded().expect("spec");
    for text in [
        "null",
        " true ",
        "false",
        "0",
        "-0",
        "1.5e3",
        "-12",
        "18446744073709551616",
        "\"a\\\"b\\u00e9\\ud83d\\ude00\"",
        "[]",
        "{}",
        "[[],{}]",
        "{\"job_id\":\"x\",\"status\":\"pending\",\"message\":\"m\"}",
        "{\"detail\":\"Job not found for this API key\"}",
        "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"header\",\"x-api-key\"],\"msg\":\"Field required\",\"input\":null}]}",
    ] {
        assert!(Doc::parse(text).is_some(), "{text:?}");
        agrees(&spec, text);
    }
}

/// A JSON value, with keys and strings from a small alphabet so that
/// schema keywords and duplicate keys come up.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        "[a-z_é\"\\\\]{0,8}".prop_map(Value::String),
        prop_oneof![
            Just("pending"),
            Just("running"),
            Just("completed"),
            Just("job_id"),
            Just("status"),
            Just("rows"),
            Just("detail"),
            Just("next_cursor"),
        ]
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    "[a-z_]{1,6}",
                    prop_oneof![
                        Just("job_id"),
                        Just("status"),
                        Just("message"),
                        Just("rows"),
                        Just("count"),
                        Just("page"),
                        Just("next_cursor"),
                        Just("detail"),
                        Just("processed"),
                        Just("manifest"),
                    ]
                    .prop_map(str::to_owned),
                ],
                inner,
                0..8,
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

#[test]
fn the_spec_examples_are_valid_the_fast_way() {
    let spec = Spec::embedded().expect("spec");
    for example in examples(&spec) {
        let text = serde_json::to_string(&example).expect("serialises");
        assert!(agrees(&spec, &text) > 0, "{text}");
    }
}

proptest! {
    #[test]
    fn the_same_verdict_on_changed_examples(
        which in any::<prop::sample::Index>(),
        at in 0usize..400,
        with in prop::option::of(any_json()),
        pretty in any::<bool>(),
    ) {
        let spec = Spec::embedded().expect("spec");
        let examples = examples(&spec);
        let mut example = examples[which.index(examples.len())].clone();
        if let Value::Object(map) = &mut example
            && let Some(Value::Array(rows)) = map.get_mut("rows")
            && let Some(row) = rows.first().cloned()
        {
            rows.extend([row.clone(), row]);
        }
        let mut pick = at;
        mutate(&mut example, &mut pick, &with);
        let text = if pretty {
            serde_json::to_string_pretty(&example)
        } else {
            serde_json::to_string(&example)
        }
        .expect("serialises");
        agrees(&spec, &text);
    }

    #[test]
    fn the_same_verdict_on_any_json(value in any_json(), pretty in any::<bool>()) {
        let spec = Spec::embedded().expect("spec");
        let text = if pretty {
            serde_json::to_string_pretty(&value)
        } else {
            serde_json::to_string(&value)
        }
        .expect("serialises");
        prop_assert!(Doc::parse(&text).is_some(), "{}", text);
        agrees(&spec, &text);
    }

    #[test]
    fn the_same_verdict_on_broken_json(value in any_json(), cut in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let spec = Spec::embedded().expect("spec");
        let mut bytes = serde_json::to_vec(&value).expect("serialises");
        let at = cut.index(bytes.len() + 1);
        bytes.insert(at.min(bytes.len()), byte);
        if let Ok(text) = std::str::from_utf8(&bytes) {
            agrees(&spec, text);
        }
    }
}
