//! A body read without building a `serde_json::Value`, for a cheaper way
//! to the same verdict on a body that is valid: the text is read into one
//! flat vector of nodes (strings borrowed from the text,
//! scalars parsed by `serde_json` itself), and the schema, compiled a
//! second time for this representation, runs on it. Building a
//! `serde_json::Value` (an allocation per string, a `BTreeMap` per object)
//! was four fifths of checking a 10-row poll page.
//!
//! It only ever says "valid" for a body the `Value` path also finds valid:
//! anything it does not read exactly as `serde_json` would (text that is
//! not UTF-8, a duplicate key, deep nesting, a control character in a
//! string, any syntax error) is declined, and the caller takes the `Value`
//! path, which also words every error. Numbers and strings with escapes
//! are parsed by `serde_json`, so they mean what they mean there.

use std::borrow::Cow;

use jsonschema::JsonType;
use jsonschema::json::{Array, Json, Node, NodeIdentity, Object, cmp};
use serde_json::{Number, Value};

/// Nesting deeper than this is declined (`serde_json` stops at 128).
const MAX_DEPTH: usize = 64;

/// The representation, for `jsonschema::options_for`.
pub(crate) struct Flat;

/// One node. A container's children follow it; `end` is the index after
/// its last descendant. An object's children alternate key and value.
#[derive(Debug, Clone)]
enum Entry {
    Null,
    Bool(bool),
    Number(Number),
    /// `text[start..end]`, no escapes.
    Raw(u32, u32),
    /// `decoded[i]`, a string that had escapes.
    Decoded(u32),
    Array {
        len: u32,
        end: u32,
    },
    Object {
        len: u32,
        end: u32,
    },
}

/// A parsed body.
#[derive(Debug)]
pub(crate) struct Doc<'t> {
    text: &'t str,
    entries: Vec<Entry>,
    decoded: Vec<String>,
}

impl<'t> Doc<'t> {
    /// `text` read as `serde_json` would read it, or `None` when it may
    /// read differently (see the module docs).
    pub(crate) fn parse(text: &'t str) -> Option<Doc<'t>> {
        if u32::try_from(text.len()).is_err() {
            return None;
        }
        let mut doc = Doc {
            text,
            entries: Vec::with_capacity(text.len() / 16),
            decoded: Vec::new(),
        };
        let mut at = doc.value(skip_ws(text.as_bytes(), 0), 0)?;
        at = skip_ws(text.as_bytes(), at);
        (at == text.len()).then_some(doc)
    }

    /// The root node.
    pub(crate) fn root(&self) -> FlatNode<'_> {
        FlatNode::At(self, 0)
    }

    /// The string member `name` of the root object, as
    /// `value.get(name).and_then(Value::as_str)` would find it.
    pub(crate) fn str_field(&self, name: &str) -> Option<&str> {
        let members = self.root().as_object()?;
        let (_, node) = members.members().find(|(key, _)| *key == name)?;
        match node {
            FlatNode::At(doc, i)
                if matches!(doc.entries[i], Entry::Raw(..) | Entry::Decoded(_)) =>
            {
                Some(doc.str_at(i))
            }
            _ => None,
        }
    }

    /// Reads the value at byte `at`; returns the byte after it.
    fn value(&mut self, at: usize, depth: usize) -> Option<usize> {
        let bytes = self.text.as_bytes();
        match *bytes.get(at)? {
            b'{' => self.container(at, depth, true),
            b'[' => self.container(at, depth, false),
            b'"' => self.string(at),
            b't' => self.literal(at, "true", Entry::Bool(true)),
            b'f' => self.literal(at, "false", Entry::Bool(false)),
            b'n' => self.literal(at, "null", Entry::Null),
            b'-' | b'0'..=b'9' => {
                let end = at
                    + bytes[at..]
                        .iter()
                        .position(|b| !matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
                        .unwrap_or(bytes.len() - at);
                let number: Number = serde_json::from_str(&self.text[at..end]).ok()?;
                self.entries.push(Entry::Number(number));
                Some(end)
            }
            _ => None,
        }
    }

    fn literal(&mut self, at: usize, word: &str, entry: Entry) -> Option<usize> {
        self.text[at..].starts_with(word).then(|| {
            self.entries.push(entry);
            at + word.len()
        })
    }

    /// A string at `at` (its opening quote).
    fn string(&mut self, at: usize) -> Option<usize> {
        let bytes = self.text.as_bytes();
        let mut i = at + 1;
        let mut escaped = false;
        loop {
            i += memchr::memchr2(b'"', b'\\', bytes.get(i..)?)?;
            if bytes[i] == b'"' {
                break;
            }
            escaped = true;
            i += 2;
        }
        if escaped {
            let text: String = serde_json::from_str(&self.text[at..=i]).ok()?;
            self.entries
                .push(Entry::Decoded(u32::try_from(self.decoded.len()).ok()?));
            self.decoded.push(text);
        } else {
            // `serde_json` refuses a control character in a string.
            if bytes[at + 1..i].iter().any(|&b| b < 0x20) {
                return None;
            }
            self.entries.push(Entry::Raw((at + 1) as u32, i as u32));
        }
        Some(i + 1)
    }

    /// An array or object at `at`.
    fn container(&mut self, at: usize, depth: usize, object: bool) -> Option<usize> {
        if depth >= MAX_DEPTH {
            return None;
        }
        let bytes = self.text.as_bytes();
        let index = self.entries.len();
        self.entries.push(Entry::Null);
        let close = if object { b'}' } else { b']' };
        let mut len = 0u32;
        let mut at = skip_ws(bytes, at + 1);
        if bytes.get(at) == Some(&close) {
            at += 1;
        } else {
            loop {
                if object {
                    if bytes.get(at) != Some(&b'"') {
                        return None;
                    }
                    let key = self.entries.len();
                    at = skip_ws(bytes, self.string(at)?);
                    if bytes.get(at) != Some(&b':') || self.repeats(index + 1, key) {
                        return None;
                    }
                    at = skip_ws(bytes, at + 1);
                }
                at = skip_ws(bytes, self.value(at, depth + 1)?);
                len += 1;
                match bytes.get(at) {
                    Some(b',') => at = skip_ws(bytes, at + 1),
                    Some(&b) if b == close => break at += 1,
                    _ => return None,
                }
            }
        }
        let end = u32::try_from(self.entries.len()).ok()?;
        self.entries[index] = if object {
            Entry::Object { len, end }
        } else {
            Entry::Array { len, end }
        };
        Some(at)
    }

    /// True when the key at `key` was seen earlier in the object whose
    /// first member starts at `first`.
    fn repeats(&self, first: usize, key: usize) -> bool {
        let name = self.str_at(key);
        let mut at = first;
        while at < key {
            let same = match self.entries[at] {
                Entry::Raw(start, end) => {
                    (end - start) as usize == name.len()
                        && self.text.as_bytes()[start as usize..end as usize] == *name.as_bytes()
                }
                _ => self.str_at(at) == name,
            };
            if same {
                return true;
            }
            at = self.end_of(at + 1);
        }
        false
    }

    fn str_at(&self, index: usize) -> &str {
        match self.entries[index] {
            Entry::Raw(start, end) => &self.text[start as usize..end as usize],
            Entry::Decoded(i) => &self.decoded[i as usize],
            _ => "",
        }
    }

    /// The index after the node at `index` and its descendants.
    fn end_of(&self, index: usize) -> usize {
        match self.entries[index] {
            Entry::Array { end, .. } | Entry::Object { end, .. } => end as usize,
            _ => index + 1,
        }
    }
}

fn skip_ws(bytes: &[u8], mut at: usize) -> usize {
    while matches!(bytes.get(at), Some(b' ' | b'\n' | b'\r' | b'\t')) {
        at += 1;
    }
    at
}

/// A node of a [`Doc`], or a lone string (a property name, for
/// `propertyNames`).
#[derive(Clone, Copy)]
pub(crate) enum FlatNode<'a> {
    At(&'a Doc<'a>, usize),
    Name(&'a str),
}

impl Json for Flat {
    type Node<'a> = FlatNode<'a>;
    type PreparedKey = String;
    type StringBuffer = ();
    const ACYCLIC: bool = true;

    fn prepare_key(key: &str) -> String {
        key.to_owned()
    }

    fn with_string_node<T>((): &mut (), string: &str, f: impl FnOnce(FlatNode<'_>) -> T) -> T {
        f(FlatNode::Name(string))
    }
}

impl<'a> FlatNode<'a> {
    fn entry(&self) -> Option<(&'a Doc<'a>, usize, &'a Entry)> {
        match *self {
            FlatNode::At(doc, i) => Some((doc, i, &doc.entries[i])),
            FlatNode::Name(_) => None,
        }
    }
}

impl<'a> Node<'a, Flat> for FlatNode<'a> {
    type Object = Members<'a>;
    type Array = Members<'a>;
    type Number = &'a Number;

    fn as_object(&self) -> Option<Members<'a>> {
        match self.entry()? {
            (doc, i, Entry::Object { len, .. }) => Some(Members(doc, i, *len)),
            _ => None,
        }
    }

    fn as_array(&self) -> Option<Members<'a>> {
        match self.entry()? {
            (doc, i, Entry::Array { len, .. }) => Some(Members(doc, i, *len)),
            _ => None,
        }
    }

    fn as_string(&self) -> Option<Cow<'a, str>> {
        match *self {
            FlatNode::Name(name) => Some(Cow::Borrowed(name)),
            FlatNode::At(doc, i) => match doc.entries[i] {
                Entry::Raw(..) | Entry::Decoded(_) => Some(Cow::Borrowed(doc.str_at(i))),
                _ => None,
            },
        }
    }

    fn as_number(&self) -> Option<&'a Number> {
        match self.entry()? {
            (_, _, Entry::Number(number)) => Some(number),
            _ => None,
        }
    }

    fn as_boolean(&self) -> Option<bool> {
        match self.entry()? {
            (_, _, Entry::Bool(b)) => Some(*b),
            _ => None,
        }
    }

    fn is_null(&self) -> bool {
        matches!(self.entry(), Some((_, _, Entry::Null)))
    }

    fn json_type(&self) -> JsonType {
        match self.entry() {
            None => JsonType::String,
            Some((_, _, entry)) => match entry {
                Entry::Null => JsonType::Null,
                Entry::Bool(_) => JsonType::Boolean,
                Entry::Number(_) => JsonType::Number,
                Entry::Raw(..) | Entry::Decoded(_) => JsonType::String,
                Entry::Array { .. } => JsonType::Array,
                Entry::Object { .. } => JsonType::Object,
            },
        }
    }

    fn equals_value(&self, expected: &Value) -> bool {
        match (self.as_string(), expected) {
            (Some(string), Value::String(other)) => *string == **other,
            (Some(_), _) => false,
            (None, _) => cmp::equal(&self.to_value(), expected),
        }
    }

    fn to_value(&self) -> Cow<'a, Value> {
        Cow::Owned(match self.json_type() {
            JsonType::Null => Value::Null,
            JsonType::Boolean => Value::Bool(self.as_boolean().unwrap_or_default()),
            JsonType::Number => self.as_number().cloned().map_or(Value::Null, Value::Number),
            JsonType::String => Value::String(self.as_string().unwrap_or_default().into_owned()),
            JsonType::Array => Value::Array(
                self.as_array()
                    .map(|a| a.elements().map(|n| n.to_value().into_owned()).collect())
                    .unwrap_or_default(),
            ),
            _ => Value::Object(
                self.as_object()
                    .map(|o| {
                        o.members()
                            .map(|(k, v)| (k.to_owned(), v.to_value().into_owned()))
                            .collect()
                    })
                    .unwrap_or_default(),
            ),
        })
    }

    fn identity(&self) -> Option<NodeIdentity> {
        let (doc, i, _) = self.entry()?;
        Some(NodeIdentity::new(
            std::ptr::from_ref(&doc.entries[i]) as usize
        ))
    }
}

/// The members of an object or the elements of an array: its document,
/// its index, its length.
#[derive(Clone, Copy)]
pub(crate) struct Members<'a>(&'a Doc<'a>, usize, u32);

/// Walks the children of a container.
pub(crate) struct Children<'a> {
    doc: &'a Doc<'a>,
    at: usize,
    end: usize,
}

impl<'a> Iterator for Children<'a> {
    type Item = FlatNode<'a>;

    fn next(&mut self) -> Option<FlatNode<'a>> {
        (self.at < self.end).then(|| {
            let node = FlatNode::At(self.doc, self.at);
            self.at = self.doc.end_of(self.at);
            node
        })
    }
}

/// Walks the members of an object: name and value.
pub(crate) struct Pairs<'a>(Children<'a>);

impl<'a> Iterator for Pairs<'a> {
    type Item = (&'a str, FlatNode<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        let FlatNode::At(doc, key) = self.0.next()? else {
            return None;
        };
        Some((doc.str_at(key), self.0.next()?))
    }
}

impl<'a> Members<'a> {
    fn children(&self) -> Children<'a> {
        Children {
            doc: self.0,
            at: self.1 + 1,
            end: self.0.end_of(self.1),
        }
    }
}

impl<'a> Object<'a, Flat> for Members<'a> {
    type Node = FlatNode<'a>;
    type MemberName = &'a str;
    type MembersIter = Pairs<'a>;

    fn len(&self) -> usize {
        self.2 as usize
    }

    fn get(&self, key: &String) -> Option<FlatNode<'a>> {
        self.members()
            .find(|(name, _)| *name == key.as_str())
            .map(|(_, node)| node)
    }

    fn members(&self) -> Pairs<'a> {
        Pairs(self.children())
    }
}

impl<'a> Array<'a, Flat> for Members<'a> {
    type Node = FlatNode<'a>;
    type ElementsIter = Children<'a>;

    fn len(&self) -> usize {
        self.2 as usize
    }

    fn elements(&self) -> Children<'a> {
        self.children()
    }
}
