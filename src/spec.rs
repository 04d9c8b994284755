//! The OpenAPI 3.1 document: loading, indexing, path matching and the
//! response schemas, each compiled once.

use std::fmt;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use jsonschema::{Draft, Registry, Validator};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use reqwest::Method;
use serde_json::Value;

use crate::Error;

/// The vendored document, `spec/openapi.json`, compiled into the crate.
pub const EMBEDDED_SPEC: &str = include_str!("../spec/openapi.json");

/// The URI under which the document is registered for `$ref` resolution.
const SPEC_URN: &str = "urn:openfunnel-contract:spec";

/// What a path parameter may contain unencoded (RFC 3986 unreserved).
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// What a JSON pointer token may keep unencoded inside a URI fragment.
const POINTER_TOKEN: &AsciiSet = &PATH_SEGMENT.remove(b'~').remove(b'$');

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// An OpenAPI document, indexed by operation, with every documented
/// response schema compiled. Cheap to clone.
#[derive(Clone)]
pub struct Spec {
    inner: Arc<SpecInner>,
}

struct SpecInner {
    document: Value,
    operations: Vec<Operation>,
}

impl fmt::Debug for Spec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Spec")
            .field("operations", &self.inner.operations)
            .finish_non_exhaustive()
    }
}

impl Spec {
    /// The vendored TAM Builder document. Compiled on first use and shared.
    pub fn embedded() -> Result<Spec, Error> {
        static EMBEDDED: OnceLock<Result<Spec, String>> = OnceLock::new();
        EMBEDDED
            .get_or_init(|| Spec::from_json_str(EMBEDDED_SPEC).map_err(|e| e.to_string()))
            .clone()
            .map_err(|reason| Error::invalid("(embedded spec)", reason))
    }

    /// Loads a document from a file (JSON).
    pub fn from_path(path: impl AsRef<Path>) -> Result<Spec, Error> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| Error::SpecIo {
            path: path.to_owned(),
            source,
        })?;
        Spec::from_json_str(&text)
    }

    /// Loads a document from JSON text.
    pub fn from_json_str(text: &str) -> Result<Spec, Error> {
        Spec::from_value(serde_json::from_str(text)?)
    }

    /// Loads a document that is already parsed.
    pub fn from_value(document: Value) -> Result<Spec, Error> {
        check_version(&document)?;
        check_refs(&document, &mut String::new())?;
        let operations = {
            let registry = Registry::new()
                .draft(Draft::Draft202012)
                .add(SPEC_URN, &document)
                .and_then(|builder| builder.prepare())
                .map_err(|e| {
                    Error::invalid("(document root)", format!("cannot index the document: {e}"))
                })?;
            index_operations(&document, &registry)?
        };
        Ok(Spec {
            inner: Arc::new(SpecInner {
                document,
                operations,
            }),
        })
    }

    /// The whole document.
    pub fn document(&self) -> &Value {
        &self.inner.document
    }

    /// Every operation, sorted by path template, then method.
    pub fn operations(&self) -> &[Operation] {
        &self.inner.operations
    }

    /// The operation with this `operationId`.
    pub fn operation(&self, operation_id: &str) -> Result<&Operation, Error> {
        self.operations()
            .iter()
            .find(|op| op.id == operation_id)
            .ok_or_else(|| Error::UnknownOperation(operation_id.to_owned()))
    }

    /// The operation at this method and path template, if any.
    pub fn find(&self, method: &Method, path_template: &str) -> Option<&Operation> {
        self.operations()
            .iter()
            .find(|op| op.method == *method && op.path_template == path_template)
    }

    /// Matches a concrete, percent-encoded request path (no query string)
    /// to its operation and decoded path parameters.
    pub fn match_request(&self, method: &Method, path: &str) -> Option<MatchedPath<'_>> {
        self.operations()
            .iter()
            .filter(|op| op.method == *method)
            .find_map(|op| {
                op.match_path(path).map(|params| MatchedPath {
                    operation: op,
                    params,
                })
            })
    }

    /// Operations whose path template matches `path`, whatever their method.
    pub fn operations_at(&self, path: &str) -> Vec<&Operation> {
        self.operations()
            .iter()
            .filter(|op| op.match_path(path).is_some())
            .collect()
    }

    /// Every documented response example (`example` and `examples`), in
    /// document order of operations.
    pub fn examples(&self) -> Vec<Example<'_>> {
        let mut out = Vec::new();
        for op in self.operations() {
            for response in &op.responses {
                for media in &response.media {
                    let node = self.document().pointer(&media.pointer);
                    let Some(node) = node else { continue };
                    if let Some(value) = node.get("example") {
                        out.push(Example {
                            operation: op,
                            response,
                            media,
                            pointer: format!("{}/example", media.pointer),
                            value,
                        });
                    }
                    if let Some(Value::Object(named)) = node.get("examples") {
                        for (name, example) in named {
                            if let Some(value) = example.get("value") {
                                out.push(Example {
                                    operation: op,
                                    response,
                                    media,
                                    pointer: format!(
                                        "{}/examples/{}/value",
                                        media.pointer,
                                        escape_pointer(name)
                                    ),
                                    value,
                                });
                            }
                        }
                    }
                }
            }
        }
        out
    }
}

/// A request path matched to its operation.
#[derive(Debug, Clone)]
pub struct MatchedPath<'a> {
    /// The operation.
    pub operation: &'a Operation,
    /// Path parameters, percent-decoded, in template order.
    pub params: Vec<(String, String)>,
}

/// A documented response example.
#[derive(Debug, Clone)]
pub struct Example<'a> {
    /// Its operation.
    pub operation: &'a Operation,
    /// Its response.
    pub response: &'a ResponseSpec,
    /// Its media type.
    pub media: &'a MediaSpec,
    /// Where it stands in the document.
    pub pointer: String,
    /// The example itself.
    pub value: &'a Value,
}

/// One operation of the document.
#[derive(Debug)]
pub struct Operation {
    id: String,
    method: Method,
    path_template: String,
    pointer: String,
    segments: Vec<Segment>,
    responses: Vec<ResponseSpec>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
}

impl Operation {
    /// The `operationId`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path template, e.g. `/api/v1/tam/build/{job_id}/resume`.
    pub fn path_template(&self) -> &str {
        &self.path_template
    }

    /// JSON pointer of the operation object in the document.
    pub fn pointer(&self) -> &str {
        &self.pointer
    }

    /// The documented responses, in document order.
    pub fn responses(&self) -> &[ResponseSpec] {
        &self.responses
    }

    /// The documented response that covers `status`: the exact code first,
    /// then a range such as `4XX`, then `default`.
    pub fn response_for(&self, status: u16) -> Option<&ResponseSpec> {
        let exact = self
            .responses
            .iter()
            .find(|r| r.key == StatusKey::Code(status));
        let range = || {
            self.responses
                .iter()
                .find(|r| r.key == StatusKey::Range(status / 100))
        };
        let default = || self.responses.iter().find(|r| r.key == StatusKey::Default);
        exact.or_else(range).or_else(default)
    }

    /// The documented status keys as written (`200`, `4XX`, `default`).
    pub fn documented_statuses(&self) -> Vec<String> {
        self.responses.iter().map(|r| r.key.to_string()).collect()
    }

    /// The concrete path with every parameter filled in (percent-encoded),
    /// e.g. `path_with(&[("job_id", "a b")])` → `/api/v1/tam/build/a%20b`.
    /// A parameter not given is left as its `{name}`.
    pub fn path_with(&self, params: &[(&str, &str)]) -> String {
        let mut out = String::new();
        for segment in &self.segments {
            out.push('/');
            match segment {
                Segment::Literal(text) => out.push_str(text),
                Segment::Param(name) => match params.iter().find(|(n, _)| n == name) {
                    Some((_, value)) => out.extend(utf8_percent_encode(value, PATH_SEGMENT)),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                },
            }
        }
        out
    }

    /// Decoded path parameters when `path` (percent-encoded, no query)
    /// matches this operation's template.
    pub fn match_path(&self, path: &str) -> Option<Vec<(String, String)>> {
        let rest = path.strip_prefix('/')?;
        let parts: Vec<&str> = rest.split('/').collect();
        if parts.len() != self.segments.len() {
            return None;
        }
        let mut params = Vec::new();
        for (segment, part) in self.segments.iter().zip(parts) {
            match segment {
                Segment::Literal(text) if text == part => {}
                Segment::Literal(_) => return None,
                Segment::Param(_) if part.is_empty() => return None,
                Segment::Param(name) => params.push((
                    name.clone(),
                    percent_decode_str(part).decode_utf8_lossy().into_owned(),
                )),
            }
        }
        Some(params)
    }
}

/// A key of the `responses` object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StatusKey {
    /// An exact code such as `404`.
    Code(u16),
    /// A range such as `4XX` (holds the first digit).
    Range(u16),
    /// `default`.
    Default,
}

impl StatusKey {
    fn parse(key: &str) -> Option<StatusKey> {
        if key == "default" {
            return Some(StatusKey::Default);
        }
        let bytes = key.as_bytes();
        if bytes.len() != 3 || !(b'1'..=b'5').contains(&bytes[0]) {
            return None;
        }
        if key[1..].eq_ignore_ascii_case("xx") {
            return Some(StatusKey::Range(u16::from(bytes[0] - b'0')));
        }
        key.parse().ok().map(StatusKey::Code)
    }
}

impl fmt::Display for StatusKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StatusKey::Code(code) => write!(f, "{code}"),
            StatusKey::Range(digit) => write!(f, "{digit}XX"),
            StatusKey::Default => f.write_str("default"),
        }
    }
}

/// A documented response.
#[derive(Debug)]
pub struct ResponseSpec {
    key: StatusKey,
    pointer: String,
    media: Vec<MediaSpec>,
}

impl ResponseSpec {
    /// Its status key.
    pub fn key(&self) -> StatusKey {
        self.key
    }

    /// JSON pointer of the response object in the document.
    pub fn pointer(&self) -> &str {
        &self.pointer
    }

    /// Its documented media types; empty when no body is documented.
    pub fn media(&self) -> &[MediaSpec] {
        &self.media
    }

    /// The documented media type that covers `content_type` (parameters
    /// such as `charset` ignored; `type/*` and `*/*` honoured).
    pub fn media_for(&self, content_type: &str) -> Option<&MediaSpec> {
        let essence = essence(content_type);
        let (kind, _) = essence.split_once('/').unwrap_or((&essence, ""));
        let exact = self.media.iter().find(|m| m.media_type == essence);
        exact
            .or_else(|| {
                self.media
                    .iter()
                    .find(|m| m.media_type == format!("{kind}/*"))
            })
            .or_else(|| self.media.iter().find(|m| m.media_type == "*/*"))
    }
}

/// A documented media type of a response, with its compiled schema.
pub struct MediaSpec {
    media_type: String,
    pointer: String,
    validator: Option<Validator>,
}

impl fmt::Debug for MediaSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MediaSpec")
            .field("media_type", &self.media_type)
            .field("has_schema", &self.validator.is_some())
            .finish()
    }
}

impl MediaSpec {
    /// The media type as documented, lower-cased (e.g. `application/json`).
    pub fn media_type(&self) -> &str {
        &self.media_type
    }

    /// JSON pointer of the media type object in the document.
    pub fn pointer(&self) -> &str {
        &self.pointer
    }

    /// True when a schema is documented.
    pub fn has_schema(&self) -> bool {
        self.validator.is_some()
    }

    /// Validates a body; every error, in the validator's order. No schema
    /// documented means no errors.
    pub fn validate(&self, spec: &Spec, body: &Value) -> Vec<SchemaError> {
        let Some(validator) = &self.validator else {
            return Vec::new();
        };
        validator
            .iter_errors(body)
            .map(|error| SchemaError::new(spec, &self.pointer, &error))
            .collect()
    }

    /// True when `body` validates (faster than [`MediaSpec::validate`]).
    pub fn is_valid(&self, body: &Value) -> bool {
        self.validator.as_ref().is_none_or(|v| v.is_valid(body))
    }
}

/// One schema error, as data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// JSON pointer into the body (`""` is the body itself).
    pub pointer: String,
    /// JSON pointer of the failing keyword in the spec document.
    pub spec_pointer: String,
    /// The keyword and its value in the spec, e.g. `type: "integer"`.
    pub expected: String,
    /// The offending value, compact JSON, shortened.
    pub actual: String,
    /// The validator's sentence, e.g. `"92" is not of type "integer"`.
    pub message: String,
}

impl SchemaError {
    fn new(spec: &Spec, media_pointer: &str, error: &jsonschema::ValidationError<'_>) -> Self {
        let spec_pointer = error
            .absolute_keyword_location()
            .and_then(|uri| {
                uri.fragment().map(|f| {
                    percent_decode_str(f.as_str())
                        .decode_utf8_lossy()
                        .into_owned()
                })
            })
            .unwrap_or_else(|| format!("{media_pointer}/schema{}", error.schema_path()));
        let keyword = spec_pointer
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        let expected = match spec.document().pointer(&spec_pointer) {
            Some(value) => format!("{keyword}: {}", shorten(&value.to_string())),
            None => keyword.clone(),
        };
        let instance = error.instance();
        let actual = match (
            keyword.as_str(),
            spec.document().pointer(&spec_pointer),
            instance.as_ref(),
        ) {
            ("required", Some(Value::Array(required)), Value::Object(object)) => {
                let missing: Vec<String> = required
                    .iter()
                    .filter_map(Value::as_str)
                    .filter(|name| !object.contains_key(*name))
                    .map(|name| format!("{name:?}"))
                    .collect();
                format!("an object without {}", missing.join(", "))
            }
            _ => shorten(&instance.to_string()),
        };
        SchemaError {
            pointer: error.instance_path().to_string(),
            spec_pointer,
            expected,
            actual,
            message: shorten(&error.to_string()),
        }
    }
}

pub use crate::api::encode_segment;

/// Cuts long text to 120 characters (on a character boundary) with `…`.
pub(crate) fn shorten(text: &str) -> String {
    const MAX: usize = 120;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// The media type without parameters, lower-cased.
pub(crate) fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Escapes one JSON pointer token (`~` → `~0`, `/` → `~1`).
pub(crate) fn escape_pointer(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn check_version(document: &Value) -> Result<(), Error> {
    let Some(object) = document.as_object() else {
        return Err(Error::invalid(
            "(document root)",
            "the document is not a JSON object",
        ));
    };
    match object.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.1.") => {}
        Some(v) => {
            return Err(Error::invalid(
                "/openapi",
                format!("version {v:?} is not OpenAPI 3.1.x"),
            ));
        }
        None => {
            return Err(Error::invalid(
                "/openapi",
                "missing: not an OpenAPI document",
            ));
        }
    }
    match object.get("paths") {
        Some(Value::Object(_)) => Ok(()),
        _ => Err(Error::invalid("/paths", "missing or not an object")),
    }
}

/// Every `$ref` must be local (`#/…`) and resolve inside the document.
fn check_refs(document: &Value, here: &mut String) -> Result<(), Error> {
    fn walk(root: &Value, node: &Value, here: &mut String) -> Result<(), Error> {
        match node {
            Value::Object(map) => {
                if let Some(target) = map.get("$ref") {
                    let ok = target
                        .as_str()
                        .and_then(|t| t.strip_prefix('#'))
                        .map(|p| percent_decode_str(p).decode_utf8_lossy().into_owned())
                        .is_some_and(|p| root.pointer(&p).is_some());
                    if !ok {
                        return Err(Error::DanglingRef {
                            pointer: format!("{here}/$ref"),
                            target: target.as_str().unwrap_or("(not a string)").to_owned(),
                        });
                    }
                }
                for (key, value) in map {
                    let len = here.len();
                    here.push('/');
                    here.push_str(&escape_pointer(key));
                    walk(root, value, here)?;
                    here.truncate(len);
                }
                Ok(())
            }
            Value::Array(items) => {
                for (i, value) in items.iter().enumerate() {
                    let len = here.len();
                    here.push_str(&format!("/{i}"));
                    walk(root, value, here)?;
                    here.truncate(len);
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
    walk(document, document, here)
}

fn index_operations(document: &Value, registry: &Registry<'_>) -> Result<Vec<Operation>, Error> {
    let paths = document["paths"]
        .as_object()
        .expect("checked by check_version");
    let mut operations = Vec::new();
    for (template, item) in paths {
        let item_pointer = format!("/paths/{}", escape_pointer(template));
        let item = item
            .as_object()
            .ok_or_else(|| Error::invalid(&item_pointer, "a path item must be an object"))?;
        let segments = parse_template(template, &item_pointer)?;
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let pointer = format!("{item_pointer}/{method}");
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .ok_or_else(|| Error::invalid(&pointer, "the operation has no operationId"))?
                .to_owned();
            if operations.iter().any(|o: &Operation| o.id == id) {
                return Err(Error::invalid(
                    &pointer,
                    format!("operationId {id:?} is used twice"),
                ));
            }
            let responses = index_responses(document, op, &pointer, registry)?;
            operations.push(Operation {
                id,
                method: Method::from_bytes(method.to_ascii_uppercase().as_bytes())
                    .expect("a known method"),
                path_template: template.clone(),
                pointer,
                segments: segments.clone(),
                responses,
            });
        }
    }
    operations.sort_by(|a, b| {
        (a.path_template.as_str(), a.method.as_str())
            .cmp(&(b.path_template.as_str(), b.method.as_str()))
    });
    Ok(operations)
}

fn parse_template(template: &str, pointer: &str) -> Result<Vec<Segment>, Error> {
    let rest = template
        .strip_prefix('/')
        .ok_or_else(|| Error::invalid(pointer, "a path template must start with '/'"))?;
    rest.split('/')
        .map(
            |part| match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                Some(name) if !name.is_empty() => Ok(Segment::Param(name.to_owned())),
                _ if part.contains(['{', '}']) => Err(Error::invalid(
                    pointer,
                    format!("path segment {part:?}: only whole-segment parameters are supported"),
                )),
                _ => Ok(Segment::Literal(part.to_owned())),
            },
        )
        .collect()
}

fn index_responses(
    document: &Value,
    op: &Value,
    op_pointer: &str,
    registry: &Registry<'_>,
) -> Result<Vec<ResponseSpec>, Error> {
    let pointer = format!("{op_pointer}/responses");
    let responses = op
        .get("responses")
        .and_then(Value::as_object)
        .ok_or_else(|| Error::invalid(&pointer, "the operation documents no responses"))?;
    let mut out = Vec::new();
    for (key, response) in responses {
        let response_pointer = format!("{pointer}/{}", escape_pointer(key));
        let status = StatusKey::parse(key).ok_or_else(|| {
            Error::invalid(
                &response_pointer,
                format!("{key:?} is not a status code, range or 'default'"),
            )
        })?;
        let (response, response_pointer) = resolve_local(document, response, response_pointer)?;
        let mut media = Vec::new();
        if let Some(content) = response.get("content").and_then(Value::as_object) {
            for (media_type, media_object) in content {
                let media_pointer =
                    format!("{response_pointer}/content/{}", escape_pointer(media_type));
                let validator = match media_object.get("schema") {
                    Some(_) => Some(compile(registry, &format!("{media_pointer}/schema"))?),
                    None => None,
                };
                media.push(MediaSpec {
                    media_type: media_type.to_ascii_lowercase(),
                    pointer: media_pointer,
                    validator,
                });
            }
        }
        out.push(ResponseSpec {
            key: status,
            pointer: response_pointer,
            media,
        });
    }
    Ok(out)
}

/// Follows a `$ref` to a response object (`#/components/responses/…`).
fn resolve_local<'a>(
    document: &'a Value,
    node: &'a Value,
    pointer: String,
) -> Result<(&'a Value, String), Error> {
    match node.get("$ref").and_then(Value::as_str) {
        Some(target) => {
            let target = target.trim_start_matches('#').to_owned();
            let resolved = document
                .pointer(&target)
                .ok_or_else(|| Error::DanglingRef {
                    pointer: pointer.clone(),
                    target: target.clone(),
                })?;
            Ok((resolved, target))
        }
        None => Ok((node, pointer)),
    }
}

fn compile(registry: &Registry<'_>, schema_pointer: &str) -> Result<Validator, Error> {
    let encoded: String = schema_pointer
        .split('/')
        .map(|token| utf8_percent_encode(token, POINTER_TOKEN).to_string())
        .collect::<Vec<_>>()
        .join("/");
    let wrapper = serde_json::json!({ "$ref": format!("{SPEC_URN}#{encoded}") });
    jsonschema::options()
        .with_draft(Draft::Draft202012)
        .with_registry(registry)
        .offline()
        .build(&wrapper)
        .map_err(|e| Error::SchemaCompile {
            pointer: schema_pointer.to_owned(),
            reason: e.to_string(),
        })
}
