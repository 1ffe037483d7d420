//! Reading JSON exports as a stream. A list export (a bare array, or the array inside an
//! envelope such as `{"value": […]}`) is read one item at a time with serde_json's streaming
//! deserializer, so memory stays flat however long the list is; exports whose parts refer to
//! each other are read whole, up to [`MAX_DOCUMENT_BYTES`](crate::limits::MAX_DOCUMENT_BYTES).
//!
//! Underneath, a [`Guard`] scans every byte before serde_json sees it and stops the read with a
//! line number when a string grows past its limit, nesting goes too deep, or one item (or the
//! whole document) grows too large. Objects with a key twice are refused: which of the two
//! values an export means is anyone's guess.

use std::cell::RefCell;
use std::fmt;
use std::io::{self, BufReader, Read};
use std::rc::Rc;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use crate::limits::{self, MAX_JSON_DEPTH};
use crate::{ImportError, Location};

/// What the guard allows.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Longest string, in bytes.
    pub max_string: usize,
    /// Deepest nesting.
    pub max_depth: usize,
    /// Most bytes between two resets (one item), or in the whole input if never reset.
    pub max_chunk: u64,
    /// What a chunk is, for the message ("one item of the list", "the whole file").
    pub chunk: &'static str,
}

impl Limits {
    /// Limits for a streamed list: 1 MiB strings, 16 MiB items.
    pub const STREAM: Limits = Limits {
        max_string: limits::MAX_FIELD_BYTES,
        max_depth: MAX_JSON_DEPTH,
        max_chunk: limits::MAX_ITEM_BYTES,
        chunk: "one item of the list",
    };

    /// Limits for an export read whole: 1 MiB strings, 64 MiB in all.
    pub const DOCUMENT: Limits = Limits {
        max_string: limits::MAX_FIELD_BYTES,
        max_depth: MAX_JSON_DEPTH,
        max_chunk: limits::MAX_DOCUMENT_BYTES,
        chunk: "the whole file (this format cannot be streamed)",
    };
}

/// What the guard found wrong, with the line it is on.
#[derive(Debug, Clone)]
pub struct GuardError {
    /// 1-based line.
    pub line: u64,
    /// What is wrong and what was expected.
    pub message: String,
}

impl fmt::Display for GuardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for GuardError {}

#[derive(Debug, Default)]
struct GuardState {
    line: u64,
    depth: usize,
    in_string: bool,
    escape: bool,
    string_len: usize,
    since_reset: u64,
    bom_checked: bool,
}

/// Handle on a guard's counters, kept by the reader of the stream.
#[derive(Clone)]
pub struct GuardHandle(Rc<RefCell<GuardState>>);

impl GuardHandle {
    /// Start counting a new chunk (the next item), returning the size of the last one.
    pub fn reset(&self) -> u64 {
        let mut s = self.0.borrow_mut();
        std::mem::take(&mut s.since_reset)
    }
}

/// Scans JSON text as it passes, enforcing [`Limits`]; drops a UTF-8 byte-order mark.
pub struct Guard<R> {
    inner: R,
    limits: Limits,
    state: Rc<RefCell<GuardState>>,
}

impl<R: Read> Guard<R> {
    /// Guard `inner` with `limits`.
    pub fn new(inner: R, limits: Limits) -> (Guard<R>, GuardHandle) {
        let state = Rc::new(RefCell::new(GuardState {
            line: 1,
            ..Default::default()
        }));
        (
            Guard {
                inner,
                limits,
                state: state.clone(),
            },
            GuardHandle(state),
        )
    }
}

fn stop(line: u64, message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, GuardError { line, message })
}

impl<R: Read> Read for Guard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut n = self.inner.read(buf)?;
        let mut s = self.state.borrow_mut();
        if !s.bom_checked && n > 0 {
            s.bom_checked = true;
            // A BOM split across reads is not worth handling: readers hand over whole buffers.
            if buf[..n].starts_with(b"\xEF\xBB\xBF") {
                buf.copy_within(3..n, 0);
                n -= 3;
            }
        }
        let limits = self.limits;
        for &b in &buf[..n] {
            s.since_reset += 1;
            if s.since_reset > limits.max_chunk {
                return Err(stop(
                    s.line,
                    format!(
                        "{} is larger than {} (the limit)",
                        limits.chunk,
                        limits::human(limits.max_chunk)
                    ),
                ));
            }
            if b == b'\n' {
                s.line += 1;
            }
            if s.in_string {
                if s.escape {
                    s.escape = false;
                } else if b == b'\\' {
                    s.escape = true;
                } else if b == b'"' {
                    s.in_string = false;
                    continue;
                }
                s.string_len += 1;
                if s.string_len > limits.max_string {
                    return Err(stop(
                        s.line,
                        format!(
                            "a string longer than {} (the limit for one value); no export field is this long",
                            limits::human(limits.max_string as u64)
                        ),
                    ));
                }
                continue;
            }
            match b {
                b'"' => {
                    s.in_string = true;
                    s.string_len = 0;
                }
                b'{' | b'[' => {
                    s.depth += 1;
                    if s.depth > limits.max_depth {
                        return Err(stop(
                            s.line,
                            format!(
                                "nested deeper than {} levels (the limit); exports nest a few levels",
                                limits.max_depth
                            ),
                        ));
                    }
                }
                b'}' | b']' => s.depth = s.depth.saturating_sub(1),
                _ => {}
            }
        }
        Ok(n)
    }
}

/// Turn a serde_json error into an import error naming the line (and column) and what was
/// expected; errors the guard raised keep their own message.
pub fn json_error(file: &str, e: serde_json::Error) -> ImportError {
    let (line, column) = (e.line() as u64, e.column());
    if e.is_io() {
        let io = io::Error::from(e);
        let kind = io.kind();
        if let Some(inner) = io.get_ref()
            && let Some(g) = inner.downcast_ref::<GuardError>()
        {
            return ImportError::new(file, Location::Line(g.line), None, g.message.clone());
        }
        return ImportError::new(
            file,
            Location::File,
            None,
            format!("cannot read: {io} ({kind:?})"),
        );
    }
    let what = if e.is_eof() {
        format!(
            "invalid JSON: the file ends in the middle of a value (cut short?) at column {column}"
        )
    } else {
        // serde_json ends its messages with "at line L column C"; the line is named already.
        let text = e.to_string();
        let text = text
            .rsplit_once(" at line ")
            .map_or(text.as_str(), |(m, _)| m)
            .to_owned();
        let text = if text.contains("invalid unicode code point") {
            "a string is not UTF-8 text (or holds a broken \\u escape): save the export as UTF-8"
                .to_owned()
        } else {
            text
        };
        format!("invalid JSON: {text} (column {column})")
    };
    ImportError::new(file, Location::Line(line.max(1)), None, what)
}

/// A JSON value read strictly: an object with a key twice is an error.
pub struct StrictValue(pub Value);

impl<'de> de::Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(StrictValue(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let StrictValue(v) = map.next_value()?;
            if out.contains_key(&key) {
                return Err(de::Error::custom(format_args!(
                    "the key '{}' appears twice in one object",
                    printable(&key)
                )));
            }
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

/// A key or value shortened and stripped of control characters, for messages.
pub fn printable(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(80)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if s.chars().count() > 80 {
        out.push('…');
    }
    out
}

/// How the top of a streamed export looked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Root {
    /// A bare array (`[…]`) rather than an object.
    pub array: bool,
    /// The envelope key that held the list, if any.
    pub list_key: Option<String>,
}

/// What a streamed format does with each part of the file.
pub trait ItemSink {
    /// Envelope keys that may hold the list; a bare array is always accepted.
    fn list_keys(&self) -> &'static [&'static str];
    /// One item, at `path` (`$[3]`, `$.value[3]`), `bytes` long in the file.
    fn item(&mut self, path: String, value: Value, bytes: u64) -> Result<(), ImportError>;
    /// Another top-level key of an envelope and its value.
    fn other(&mut self, _key: &str, _value: Value) -> Result<(), ImportError> {
        Ok(())
    }
}

/// Read `input` as a list export, handing each item to `items` as soon as it is read.
pub fn stream(input: impl Read, file: &str, items: &mut dyn ItemSink) -> Result<Root, ImportError> {
    let (guard, handle) = Guard::new(input, Limits::STREAM);
    let mut de = serde_json::Deserializer::from_reader(BufReader::with_capacity(64 * 1024, guard));
    let mut failure: Option<ImportError> = None;
    let mut root = Root::default();
    let result = RootSeed {
        items,
        handle: &handle,
        failure: &mut failure,
        root: &mut root,
    }
    .deserialize(&mut de)
    .and_then(|()| de.end());
    if let Some(f) = failure {
        return Err(f);
    }
    result.map_err(|e| json_error(file, e))?;
    Ok(root)
}

/// Read a whole JSON document within [`Limits::DOCUMENT`] (or `limits`).
pub fn read_document(input: impl Read, file: &str, limits: Limits) -> Result<Value, ImportError> {
    let (guard, _handle) = Guard::new(input, limits);
    let mut de = serde_json::Deserializer::from_reader(BufReader::with_capacity(64 * 1024, guard));
    let value = de::Deserialize::deserialize(&mut de)
        .and_then(|StrictValue(v)| de.end().map(|()| v))
        .map_err(|e| json_error(file, e))?;
    Ok(value)
}

/// Hand a value already in memory to `items` the way [`stream`] would.
pub fn feed(root: Value, file: &str, items: &mut dyn ItemSink) -> Result<Root, ImportError> {
    match root {
        Value::Array(list) => {
            for (i, v) in list.into_iter().enumerate() {
                items.item(format!("$[{i}]"), v, 0)?;
            }
            Ok(Root {
                array: true,
                list_key: None,
            })
        }
        Value::Object(map) => {
            let keys = items.list_keys();
            let mut root = Root::default();
            for (k, v) in map {
                if keys.contains(&k.as_str()) && root.list_key.is_none() {
                    match v {
                        Value::Array(list) => {
                            for (i, v) in list.into_iter().enumerate() {
                                items.item(format!("$.{k}[{i}]"), v, 0)?;
                            }
                        }
                        Value::Null => {}
                        other => return Err(not_a_list(file, &k, &other)),
                    }
                    root.list_key = Some(k);
                } else {
                    items.other(&k, v)?;
                }
            }
            Ok(root)
        }
        other => Err(ImportError::new(
            file,
            Location::Path("$".into()),
            None,
            format!(
                "expected a list or an object, found {}",
                crate::json::kind(&other)
            ),
        )),
    }
}

fn not_a_list(file: &str, key: &str, v: &Value) -> ImportError {
    ImportError::new(
        file,
        Location::Path(format!("$.{key}")),
        Some(key),
        format!("expected a list, found {}", crate::json::kind(v)),
    )
}

struct RootSeed<'a> {
    items: &'a mut dyn ItemSink,
    handle: &'a GuardHandle,
    failure: &'a mut Option<ImportError>,
    root: &'a mut Root,
}

/// Abort deserialization, keeping the real error aside.
fn abort<E: de::Error>(slot: &mut Option<ImportError>, e: ImportError) -> E {
    *slot = Some(e);
    E::custom("stopped")
}

impl<'de> DeserializeSeed<'de> for RootSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RootSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list, or an object holding one")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.root.array = true;
        elements(&mut seq, "$", self.items, self.handle, self.failure)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let keys = self.items.list_keys();
        let mut seen: Vec<String> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if seen.contains(&key) {
                return Err(de::Error::custom(format_args!(
                    "the key '{}' appears twice in one object",
                    printable(&key)
                )));
            }
            if keys.contains(&key.as_str()) && self.root.list_key.is_none() {
                map.next_value_seed(ListSeed {
                    base: format!("$.{key}"),
                    items: &mut *self.items,
                    handle: self.handle,
                    failure: &mut *self.failure,
                })?;
                self.root.list_key = Some(key.clone());
            } else {
                let StrictValue(v) = map.next_value()?;
                self.handle.reset();
                if let Err(e) = self.items.other(&key, v) {
                    return Err(abort(self.failure, e));
                }
            }
            seen.push(key);
        }
        Ok(())
    }
}

fn elements<'de, A: SeqAccess<'de>>(
    seq: &mut A,
    base: &str,
    items: &mut dyn ItemSink,
    handle: &GuardHandle,
    failure: &mut Option<ImportError>,
) -> Result<(), A::Error> {
    let mut i = 0usize;
    handle.reset();
    while let Some(StrictValue(v)) = seq.next_element()? {
        let bytes = handle.reset();
        if let Err(e) = items.item(format!("{base}[{i}]"), v, bytes) {
            return Err(abort(failure, e));
        }
        i += 1;
    }
    Ok(())
}

struct ListSeed<'a> {
    base: String,
    items: &'a mut dyn ItemSink,
    handle: &'a GuardHandle,
    failure: &'a mut Option<ImportError>,
}

impl<'de> DeserializeSeed<'de> for ListSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ListSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a list at {}", self.base)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        elements(&mut seq, &self.base, self.items, self.handle, self.failure)
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

/// Check the start of a JSON file: a syntax error or a broken limit inside it is the file's,
/// wherever the prefix ends. Returns the whole value when the prefix holds the whole file.
pub fn check_prefix(prefix: &[u8], file: &str) -> Result<Option<Value>, ImportError> {
    let limits = Limits {
        max_chunk: u64::MAX,
        ..Limits::DOCUMENT
    };
    let (guard, _handle) = Guard::new(prefix, limits);
    let mut de = serde_json::Deserializer::from_reader(guard);
    match de::Deserialize::deserialize(&mut de).and_then(|StrictValue(v)| de.end().map(|()| v)) {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_eof() => Ok(None),
        Err(e) => Err(json_error(file, e)),
    }
}

/// Parse the start of a JSON file (a prefix of it) as far as it goes: containers cut off by the
/// end of the prefix are closed, a value cut in the middle is dropped (a string is kept, cut).
/// Enough to tell an export's format from its first items without reading the rest. Returns
/// `None` if the text is not JSON.
pub fn partial(prefix: &[u8]) -> Option<Value> {
    let text = crate::detect::strip_bom(prefix);
    let mut p = Partial { b: text, i: 0 };
    p.ws();
    p.value(0).map(|(v, _)| v)
}

struct Partial<'a> {
    b: &'a [u8],
    i: usize,
}

/// Longest string kept while sniffing; longer ones are cut (formats are told by short values).
const SNIFF_STRING: usize = 4096;

impl Partial<'_> {
    fn ws(&mut self) {
        while self.i < self.b.len() && self.b[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn eof(&self) -> bool {
        self.i >= self.b.len()
    }

    /// A value and whether it is complete.
    fn value(&mut self, depth: usize) -> Option<(Value, bool)> {
        if depth > MAX_JSON_DEPTH || self.eof() {
            return None;
        }
        match self.b[self.i] {
            b'{' => self.object(depth),
            b'[' => self.array(depth),
            b'"' => self.string().map(|(s, done)| (Value::String(s), done)),
            _ => self.scalar(),
        }
    }

    fn scalar(&mut self) -> Option<(Value, bool)> {
        let start = self.i;
        while self.i < self.b.len() && !b",]} \t\r\n".contains(&self.b[self.i]) {
            self.i += 1;
        }
        if self.eof() {
            return None; // may be cut
        }
        let word = std::str::from_utf8(&self.b[start..self.i]).ok()?;
        let v: Value = serde_json::from_str(word).ok()?;
        Some((v, true))
    }

    fn string(&mut self) -> Option<(String, bool)> {
        self.i += 1;
        let mut out = Vec::new();
        while self.i < self.b.len() {
            let c = self.b[self.i];
            self.i += 1;
            match c {
                b'"' => return Some((String::from_utf8_lossy(&out).into_owned(), true)),
                b'\\' => {
                    let e = *self.b.get(self.i)?;
                    self.i += 1;
                    let ch = match e {
                        b'n' => b'\n',
                        b't' => b'\t',
                        b'r' => b'\r',
                        b'b' | b'f' => b' ',
                        b'u' => {
                            self.i += 4;
                            b'?'
                        }
                        other => other,
                    };
                    if out.len() < SNIFF_STRING {
                        out.push(ch);
                    }
                }
                other => {
                    if out.len() < SNIFF_STRING {
                        out.push(other);
                    }
                }
            }
        }
        Some((String::from_utf8_lossy(&out).into_owned(), false))
    }

    fn array(&mut self, depth: usize) -> Option<(Value, bool)> {
        self.i += 1;
        let mut out = Vec::new();
        loop {
            self.ws();
            if self.eof() {
                return Some((Value::Array(out), false));
            }
            if self.b[self.i] == b']' {
                self.i += 1;
                return Some((Value::Array(out), true));
            }
            match self.value(depth + 1) {
                Some((v, true)) => out.push(v),
                Some((v, false)) => {
                    if v.is_object() || v.is_array() || v.is_string() {
                        out.push(v);
                    }
                    return Some((Value::Array(out), false));
                }
                None if self.eof() => return Some((Value::Array(out), false)),
                None => return None,
            }
            self.ws();
            if self.eof() {
                return Some((Value::Array(out), false));
            }
            match self.b[self.i] {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Some((Value::Array(out), true));
                }
                _ => return None,
            }
        }
    }

    fn object(&mut self, depth: usize) -> Option<(Value, bool)> {
        self.i += 1;
        let mut out = Map::new();
        loop {
            self.ws();
            if self.eof() {
                return Some((Value::Object(out), false));
            }
            match self.b[self.i] {
                b'}' => {
                    self.i += 1;
                    return Some((Value::Object(out), true));
                }
                b'"' => {}
                _ => return None,
            }
            let (key, done) = self.string()?;
            if !done {
                return Some((Value::Object(out), false));
            }
            self.ws();
            if self.eof() {
                return Some((Value::Object(out), false));
            }
            if self.b[self.i] != b':' {
                return None;
            }
            self.i += 1;
            self.ws();
            match self.value(depth + 1) {
                Some((v, true)) => {
                    out.insert(key, v);
                }
                Some((v, false)) => {
                    if v.is_object() || v.is_array() || v.is_string() {
                        out.insert(key, v);
                    }
                    return Some((Value::Object(out), false));
                }
                None if self.eof() => return Some((Value::Object(out), false)),
                None => return None,
            }
            self.ws();
            if self.eof() {
                return Some((Value::Object(out), false));
            }
            match self.b[self.i] {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Some((Value::Object(out), true));
                }
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    struct Collect(Vec<(String, Value)>, Vec<String>);

    impl ItemSink for Collect {
        fn list_keys(&self) -> &'static [&'static str] {
            &["value"]
        }
        fn item(&mut self, path: String, value: Value, _bytes: u64) -> Result<(), ImportError> {
            self.0.push((path, value));
            Ok(())
        }
        fn other(&mut self, key: &str, _value: Value) -> Result<(), ImportError> {
            self.1.push(key.to_owned());
            Ok(())
        }
    }

    fn run(text: &str) -> Result<(Root, Collect), ImportError> {
        let mut c = Collect(Vec::new(), Vec::new());
        let root = stream(text.as_bytes(), "f", &mut c)?;
        Ok((root, c))
    }

    #[test]
    fn items_stream_from_an_array_or_an_envelope() {
        let (root, c) = run(r#"[{"a":1},{"a":2}]"#).expect("reads");
        assert!(root.array);
        assert_eq!(c.0[1], ("$[1]".to_owned(), json!({"a": 2})));
        let (root, c) = run("\u{feff}{\"@odata.context\":\"x\",\"value\":[{\"a\":1}],\"n\":null}")
            .expect("reads");
        assert_eq!(root.list_key.as_deref(), Some("value"));
        assert_eq!(c.0[0].0, "$.value[0]");
        assert_eq!(c.1, ["@odata.context", "n"]);
    }

    #[test]
    fn limits_stop_the_read_with_a_line() {
        let deep = format!("[{}{}]", "[".repeat(70), "]".repeat(70));
        let e = run(&deep).map(|_| ()).expect_err("too deep");
        assert_eq!(e.location, Location::Line(1));
        assert!(e.message.contains("nested deeper than 64"), "{e}");
        let long = format!(
            "[\n{{\"a\":\"{}\"}}]",
            "x".repeat(crate::limits::MAX_FIELD_BYTES + 1)
        );
        let e = run(&long).map(|_| ()).expect_err("too long");
        assert_eq!(e.location, Location::Line(2));
        assert!(e.message.contains("longer than 1 MiB"), "{e}");
        let twice = run("[{\"id\":\"a\",\n\"id\":\"b\"}]")
            .map(|_| ())
            .expect_err("twice");
        assert!(twice.message.contains("'id' appears twice"), "{twice}");
        assert_eq!(twice.location, Location::Line(2));
        let cut = run("[{\"id\":\"a\"},\n{\"id\":")
            .map(|_| ())
            .expect_err("cut");
        assert!(cut.message.contains("ends in the middle"), "{cut}");
        let trailing = run("[] x").map(|_| ()).expect_err("trailing");
        assert!(
            trailing.message.contains("trailing characters"),
            "{trailing}"
        );
    }

    #[test]
    fn a_prefix_parses_as_far_as_it_goes() {
        let p = partial(br#"{"apiVersion":"v1","items":[{"kind":"ServiceAccount","metadata":{"na"#)
            .expect("json");
        assert_eq!(p["items"][0]["kind"], "ServiceAccount");
        let p = partial(br#"{"Content":"dXNlcixhcm4sdXNlcl9jcmVh"#).expect("json");
        assert_eq!(p["Content"], "dXNlcixhcm4sdXNlcl9jcmVh");
        assert_eq!(partial(b"user,arn"), None);
        assert_eq!(partial(b"[1, 2, 3"), Some(json!([1, 2])));
    }
}
