//! Reading JSON exports: typed field access that names the JSON path of whatever is wrong, and
//! one driver that turns each top-level item into records, rejects or skips.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::model::{Record, Reject, Sink, Tally};
use crate::time::{is_sentinel, parse_bool, parse_timestamp};
use crate::{ImportError, ImportOptions, Location};

/// What is wrong with one field of one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// JSON path of the field.
    pub path: String,
    /// Field name.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// A JSON object with the path it sits at.
#[derive(Debug, Clone)]
pub struct Obj<'a> {
    map: &'a Map<String, Value>,
    path: String,
}

/// Result of reading a field.
pub type Field<T> = Result<T, FieldError>;

impl<'a> Obj<'a> {
    /// View `value` (at `path`) as an object.
    pub fn new(value: &'a Value, path: impl Into<String>) -> Field<Obj<'a>> {
        let path = path.into();
        match value.as_object() {
            Some(map) => Ok(Obj { map, path }),
            None => Err(FieldError {
                path,
                field: String::new(),
                message: "expected a JSON object".into(),
            }),
        }
    }

    /// The path of this object.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// An error about `field` of this object.
    pub fn error(&self, field: &str, message: impl Into<String>) -> FieldError {
        FieldError {
            path: format!("{}.{field}", self.path),
            field: field.to_owned(),
            message: message.into(),
        }
    }

    /// Whether the field is present at all, even as null.
    pub fn map_has(&self, field: &str) -> bool {
        self.map.contains_key(field)
    }

    /// The raw value of a field, if present and not null.
    pub fn get(&self, field: &str) -> Option<&'a Value> {
        self.map.get(field).filter(|v| !v.is_null())
    }

    /// A string field that must be present and non-empty.
    pub fn str(&self, field: &str) -> Field<&'a str> {
        match self.map.get(field) {
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.as_str()),
            Some(Value::Number(_)) => Err(self.error(field, "expected a string, found a number")),
            Some(Value::String(_)) | Some(Value::Null) | None => {
                Err(self.error(field, "missing or empty"))
            }
            Some(other) => {
                Err(self.error(field, format!("expected a string, found {}", kind(other))))
            }
        }
    }

    /// A string or number field that must be present (ids are numbers in some APIs).
    pub fn id(&self, field: &str) -> Field<String> {
        match self.map.get(field) {
            Some(Value::Number(n)) => Ok(n.to_string()),
            _ => self.str(field).map(str::to_owned),
        }
    }

    /// An optional string: absent, null, empty and sentinels are `None`.
    pub fn opt_str(&self, field: &str) -> Field<Option<&'a str>> {
        match self.map.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if is_sentinel(s) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(other) => {
                Err(self.error(field, format!("expected a string, found {}", kind(other))))
            }
        }
    }

    /// An optional timestamp.
    pub fn time(&self, field: &str) -> Field<Option<DateTime<Utc>>> {
        match self.opt_str(field)? {
            None => Ok(None),
            Some(s) => parse_timestamp(s).map_err(|m| self.error(field, m)),
        }
    }

    /// An optional boolean (`true`, `"True"`, …).
    pub fn bool(&self, field: &str) -> Field<Option<bool>> {
        match self.map.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) => parse_bool(s).map_err(|m| self.error(field, m)),
            Some(other) => Err(self.error(
                field,
                format!("expected true or false, found {}", kind(other)),
            )),
        }
    }

    /// A nested object, if present.
    pub fn obj(&self, field: &str) -> Field<Option<Obj<'a>>> {
        match self.map.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(map)) => Ok(Some(Obj {
                map,
                path: format!("{}.{field}", self.path),
            })),
            Some(other) => {
                Err(self.error(field, format!("expected an object, found {}", kind(other))))
            }
        }
    }

    /// Item `i` of the array `field`, as an object.
    pub fn item(&self, field: &str, i: usize, value: &'a Value) -> Field<Obj<'a>> {
        Obj::new(value, format!("{}.{field}[{i}]", self.path))
    }

    /// The nested object `field` as a map, if present.
    pub fn map(&self, field: &str) -> Field<Option<&'a Map<String, Value>>> {
        match self.map.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m)),
            Some(other) => {
                Err(self.error(field, format!("expected an object, found {}", kind(other))))
            }
        }
    }

    /// An array field; absent or null is empty, and a lone object is a list of one (AWS's
    /// documentation shows a group's `AttachedManagedPolicies` that way).
    pub fn arr(&self, field: &str) -> Field<&'a [Value]> {
        match self.map.get(field) {
            None | Some(Value::Null) => Ok(&[]),
            Some(Value::Array(a)) => Ok(a.as_slice()),
            Some(v @ Value::Object(_)) => Ok(std::slice::from_ref(v)),
            Some(other) => {
                Err(self.error(field, format!("expected a list, found {}", kind(other))))
            }
        }
    }

    /// A field that may be one string or a list of strings (`Action`, `Resource`).
    pub fn strings(&self, field: &str) -> Field<Vec<&'a str>> {
        match self.map.get(field) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::String(s)) => Ok(vec![s.as_str()]),
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| {
                    v.as_str()
                        .ok_or_else(|| self.error(field, "expected strings in the list"))
                })
                .collect(),
            Some(other) => Err(self.error(
                field,
                format!("expected a string or a list, found {}", kind(other)),
            )),
        }
    }
}

/// Name of a JSON value's type, for messages.
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// What one item of an export turned into.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Records to push, identity first.
    pub records: Vec<Record>,
    /// Not imported because it is a person (with its key, so other exports leave it out too).
    pub human: bool,
    /// Not imported for this reason.
    pub skipped: Option<&'static str>,
    /// Secret fields dropped from this item.
    pub secrets: Vec<&'static str>,
    /// The part of the export family this item belongs to (`account:object`), for exports
    /// whose files each cover one part (one service account's keys, one namespace's bindings);
    /// `None`: the record's account.
    pub part: Option<String>,
}

impl Outcome {
    /// An outcome holding `records`.
    pub fn records(records: Vec<Record>) -> Self {
        Outcome {
            records,
            ..Default::default()
        }
    }
    /// An item skipped for `reason`.
    pub fn skip(reason: &'static str) -> Self {
        Outcome {
            skipped: Some(reason),
            ..Default::default()
        }
    }
    /// A person, not imported.
    pub fn person() -> Self {
        Outcome {
            human: true,
            ..Default::default()
        }
    }
    /// The same outcome, in part `part` of the family.
    pub fn in_part(mut self, part: impl Into<String>) -> Self {
        self.part = Some(part.into());
        self
    }
}

/// Pushes what items turn into to the sink, counting everything and honouring `skip_bad_rows`.
pub struct Emitter<'a> {
    /// The import's options.
    pub options: &'a ImportOptions,
    /// Where records go.
    pub sink: &'a mut dyn Sink,
    /// Counts so far.
    pub tally: Tally,
    part: Option<String>,
    /// The part last met (by any item, imported or not), told to the sink when it changes.
    met: Option<String>,
    /// Count an identity described by several items once (set off for lists whose every item
    /// is its own identity, so that nothing grows with the list).
    distinct: bool,
}

impl<'a> Emitter<'a> {
    /// An emitter with nothing counted yet.
    pub fn new(options: &'a ImportOptions, sink: &'a mut dyn Sink) -> Self {
        Emitter {
            options,
            sink,
            tally: Tally::default(),
            part: None,
            met: None,
            distinct: true,
        }
    }

    /// For lists whose every item describes its own identity: count without remembering keys.
    pub fn unique(mut self) -> Self {
        self.distinct = false;
        self
    }

    /// The file name, for errors.
    pub fn file(&self) -> &str {
        &self.options.file_name
    }

    fn sink_error(&self, e: crate::SinkError) -> ImportError {
        ImportError::new(self.file(), Location::File, None, e.to_string())
    }

    /// Note a part of the family this file lists (the sink is told it is covered), whether or
    /// not records are in it.
    pub fn meet(&mut self, part: &str) -> Result<(), ImportError> {
        if self.met.as_deref() != Some(part) {
            self.sink.cover(part).map_err(|e| self.sink_error(e))?;
            self.met = Some(part.to_owned());
        }
        Ok(())
    }

    /// Count one record read and push what it turned into (or reject it).
    pub fn push(&mut self, outcome: Field<Outcome>) -> Result<(), ImportError> {
        self.tally.records_read += 1;
        match outcome {
            Ok(out) => {
                for f in &out.secrets {
                    self.tally.drop_secret(f);
                }
                if let Some(p) = &out.part {
                    self.meet(p)?;
                }
                if out.human {
                    self.tally.humans_skipped += 1;
                } else if let Some(reason) = out.skipped {
                    self.tally.skip(reason);
                } else {
                    self.tally.imported += 1;
                }
                if !out.records.is_empty() && out.part != self.part {
                    self.sink
                        .part(out.part.as_deref())
                        .map_err(|e| self.sink_error(e))?;
                    self.part = out.part;
                }
                for record in out.records {
                    if self.distinct {
                        self.tally.count_distinct(&record);
                    } else {
                        self.tally.count(&record);
                    }
                    self.sink.record(record).map_err(|e| self.sink_error(e))?;
                }
                Ok(())
            }
            Err(e) => {
                let field = (!e.field.is_empty()).then_some(e.field);
                if !self.options.skip_bad_rows {
                    return Err(ImportError::new(
                        self.file(),
                        Location::Path(e.path),
                        field.as_deref(),
                        e.message,
                    ));
                }
                self.tally.rejected += 1;
                let reject = Reject {
                    location: Location::Path(e.path),
                    field,
                    message: e.message,
                };
                self.sink.reject(reject).map_err(|e| self.sink_error(e))
            }
        }
    }

    /// Read `value` (at `path`) as an object with `f` and push the outcome.
    pub fn item(
        &mut self,
        path: &str,
        value: &Value,
        f: impl FnOnce(Obj) -> Field<Outcome>,
    ) -> Result<(), ImportError> {
        let outcome = Obj::new(value, path).and_then(f);
        self.push(outcome)
    }

    /// The counts, saying the file lists the parts it met (each told to the sink).
    pub fn finish_parts(mut self) -> Tally {
        self.tally.lists_parts = true;
        self.tally
    }
}

/// Push what `item` yields for each item of `items` (at `base[i]`).
pub fn each_item(
    items: &[Value],
    base: &str,
    em: &mut Emitter,
    mut item: impl FnMut(Obj) -> Field<Outcome>,
) -> Result<(), ImportError> {
    for (i, value) in items.iter().enumerate() {
        let path = format!("{base}[{i}]");
        em.item(&path, value, &mut item)?;
    }
    Ok(())
}
