//! Reading a deviations file: its two shapes, its fields, and an error
//! that names the entry and what is wrong with it.

use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::{Date, Deviation, Deviations, Scope};
use crate::Error;

/// The shape of the whole file.
const SHAPE: &str = "expected an array of entries or {\"deviations\": [...]}";

#[derive(Deserialize)]
#[serde(untagged)]
enum FileShape {
    Wrapped { deviations: Vec<Raw> },
    Bare(Vec<Raw>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    rule: String,
    target: String,
    #[serde(default)]
    contains: Option<String>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    expires: Option<String>,
}

impl Deviations {
    /// Reads and checks a file.
    pub fn load(path: impl AsRef<Path>) -> Result<Deviations, Error> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| Error::DeviationsIo {
            path: path.to_owned(),
            source,
        })?;
        Deviations::parse(&text).map_err(|reason| Error::DeviationsInvalid {
            path: path.to_owned(),
            reason,
        })
    }

    /// Parses and checks the text of a file; the error says which entry and
    /// what is wrong.
    pub fn parse(text: &str) -> Result<Deviations, String> {
        let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let entries = match serde_json::from_value::<FileShape>(value.clone()) {
            Ok(FileShape::Wrapped { deviations } | FileShape::Bare(deviations)) => deviations,
            Err(_) => return Err(explain_shape(&value)),
        };
        let rules: Vec<&str> = crate::suite::rules().iter().map(|r| r.id).collect();
        let entries = entries
            .into_iter()
            .enumerate()
            .map(|(i, raw)| {
                let at = format!("entry {} (rule {:?})", i + 1, raw.rule);
                entry(raw, &rules).map_err(|what| format!("{at}: {what}"))
            })
            .collect::<Result<_, _>>()?;
        Ok(Deviations { entries })
    }
}

/// One entry, checked; the error says what is wrong with it.
fn entry(raw: Raw, rules: &[&str]) -> Result<Deviation, String> {
    if !rules.contains(&raw.rule.as_str()) {
        return Err("no such rule; `openfunnel-contract rules` lists them".into());
    }
    let target = match raw.target.as_str() {
        "mock" => Scope::Mock,
        "live" => Scope::Live,
        "*" => Scope::Any,
        other => {
            return Err(format!(
                "target {other:?} is not \"mock\", \"live\" or \"*\""
            ));
        }
    };
    let reason = match raw.reason {
        Some(reason) if !reason.trim().is_empty() => reason.trim().to_owned(),
        _ => return Err("no reason; every accepted failure says why".into()),
    };
    if raw.contains.as_deref().is_some_and(str::is_empty) {
        return Err(
            "\"contains\" is empty; leave it out to cover every violation of the rule".into(),
        );
    }
    let expires = match raw.expires {
        None => None,
        Some(text) => Some(
            Date::parse(&text)
                .ok_or_else(|| format!("expires {text:?} is not a date YYYY-MM-DD"))?,
        ),
    };
    Ok(Deviation {
        rule: raw.rule,
        target,
        contains: raw.contains,
        reason,
        expires,
    })
}

/// Why a file that is JSON is not a list of entries: the first entry that
/// does not read, or the shape expected.
fn explain_shape(value: &Value) -> String {
    let list = match value {
        Value::Array(list) => list,
        Value::Object(map) => match map.get("deviations") {
            Some(Value::Array(list)) => list,
            _ => return SHAPE.to_owned(),
        },
        _ => return SHAPE.to_owned(),
    };
    for (i, item) in list.iter().enumerate() {
        if let Err(e) = serde_json::from_value::<Raw>(item.clone()) {
            let rule = item.get("rule").and_then(Value::as_str).unwrap_or("?");
            return format!("entry {} (rule {rule:?}): {e}", i + 1);
        }
    }
    SHAPE.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_shapes_read_and_errors_name_the_entry() {
        let bare =
            r#"[{"rule": "submit", "target": "*", "reason": " r ", "expires": "2026-12-31"}]"#;
        let wrapped = format!("{{\"deviations\": {bare}}}");
        let parsed = Deviations::parse(bare).expect("reads");
        assert_eq!(parsed, Deviations::parse(&wrapped).expect("reads"));
        assert_eq!(parsed.entries[0].reason, "r");
        assert_eq!(parsed.entries[0].expires, Date::parse("2026-12-31"));

        assert_eq!(
            Deviations::parse(r#"[{"rule": "submit", "target": "*"}]"#).unwrap_err(),
            "entry 1 (rule \"submit\"): no reason; every accepted failure says why"
        );
        assert_eq!(Deviations::parse(r#"{"entries": []}"#).unwrap_err(), SHAPE);
        assert_eq!(
            Deviations::parse(r#"[{"rule": "submit", "target": "*", "reason": "r"}, {"rule": 7}]"#)
                .unwrap_err(),
            "entry 2 (rule \"?\"): invalid type: integer `7`, expected a string"
        );
    }

    #[test]
    fn load_errors_carry_the_path() {
        let error = Deviations::load("/nonexistent/deviations.json").unwrap_err();
        assert!(
            matches!(&error, Error::DeviationsIo { path, .. } if path.ends_with("deviations.json"))
        );
        assert!(
            error
                .to_string()
                .starts_with("OPENFUNNEL_DEVIATIONS: cannot read /nonexistent/deviations.json: "),
            "{error}"
        );
    }
}
