//! Lenient reading of Kubernetes objects as JSON. A field of the wrong type is reported as a
//! problem naming its path, and the rest of the object is still shown: one malformed resource must
//! never take the board down.
use super::lenient::{Field, Kind, StrMap};
use chrono::{DateTime, Utc};
use compact_str::CompactString;
use serde_json::Value;
use std::collections::BTreeMap;

/// Collects per-field problems while reading one object.
#[derive(Debug, Default)]
pub struct Reader {
    pub problems: Vec<String>,
}

impl Reader {
    /// Follows a dotted path; a missing or `null` field is `None` (absence is normal).
    pub fn at<'a>(&self, root: &'a Value, path: &str) -> Option<&'a Value> {
        let mut cur = root;
        for part in path.split('.') {
            cur = cur.get(part)?;
        }
        (!cur.is_null()).then_some(cur)
    }

    pub fn str<'a>(&mut self, root: &'a Value, path: &str) -> Option<&'a str> {
        let v = self.at(root, path)?;
        match v.as_str() {
            Some(s) => Some(s),
            None => {
                self.problem(path, "a string", v);
                None
            }
        }
    }

    pub fn string(&mut self, root: &Value, path: &str) -> Option<String> {
        self.str(root, path).map(str::to_owned)
    }

    pub fn time(&mut self, root: &Value, path: &str) -> Option<DateTime<Utc>> {
        let raw = self.str(root, path)?;
        self.parse_time(path, raw)
    }

    /// A whole number (`int32`/`int64` fields); a fraction or a string is reported.
    pub fn int(&mut self, root: &Value, path: &str) -> Option<i64> {
        let v = self.at(root, path)?;
        match v.as_i64() {
            Some(n) => Some(n),
            None => {
                self.problem(path, "an integer", v);
                None
            }
        }
    }

    pub fn array<'a>(&mut self, root: &'a Value, path: &str) -> &'a [Value] {
        let found = self.at(root, path);
        self.items(found, path)
    }

    /// The items of a list found at `path` (`None`: absent or `null`).
    pub fn items<'a>(&mut self, found: Option<&'a Value>, path: &str) -> &'a [Value] {
        match found.filter(|v| !v.is_null()) {
            None => &[],
            Some(Value::Array(items)) => items,
            Some(other) => {
                self.problem(path, "a list", other);
                &[]
            }
        }
    }

    pub fn string_list(&mut self, root: &Value, path: &str) -> Vec<String> {
        let items = self.array(root, path);
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            match item.as_str() {
                Some(s) => out.push(s.to_owned()),
                None => self.problem(&format!("{path}[{i}]"), "a string", item),
            }
        }
        out
    }

    /// A `map[string]string` such as labels or `spec.parameters`. Non-string values are reported.
    pub fn string_map(&mut self, root: &Value, path: &str) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        match self.at(root, path) {
            None => {}
            Some(Value::Object(map)) => {
                for (k, v) in map {
                    match v {
                        Value::String(s) => {
                            out.insert(k.clone(), s.clone());
                        }
                        other => self.problem(&format!("{path}.{k}"), "a string", other),
                    }
                }
            }
            Some(other) => self.problem(path, "a map of strings", other),
        }
        out
    }

    /// Reports `got`, a value of the wrong kind, at `path`.
    pub fn problem(&mut self, path: &str, expected: &str, got: &Value) {
        self.wrong(path, expected, kind_of(got));
    }

    /// Reports a value of `kind` (`None`: null) where `expected` was wanted.
    fn wrong(&mut self, path: &str, expected: &str, kind: Option<Kind>) {
        let got = kind.map_or("null", Kind::name);
        self.problems
            .push(format!("{path}: expected {expected}, got {got}"));
    }

    // Slots decoded off the wire (see [`super::lenient`]), read with the same rules and
    // messages as the paths of a JSON tree above.

    /// A slot's value; one of another kind is reported as not `expected`.
    fn slot<T>(&mut self, path: &str, expected: &str, field: Field<T>) -> Option<T> {
        match field {
            Field::Absent => None,
            Field::Is(value) => Some(value),
            Field::Not(kind) => {
                self.wrong(path, expected, Some(kind));
                None
            }
        }
    }

    /// A string slot.
    pub fn text<T>(&mut self, path: &str, field: Field<T>) -> Option<T> {
        self.slot(path, "a string", field)
    }

    /// A time slot (RFC 3339).
    pub fn time_at<T: AsRef<str>>(&mut self, path: &str, field: Field<T>) -> Option<DateTime<Utc>> {
        let raw = self.text(path, field)?;
        self.parse_time(path, raw.as_ref())
    }

    /// A whole-number slot.
    pub fn int_at(&mut self, path: &str, field: Field<i64>) -> Option<i64> {
        self.slot(path, "an integer", field)
    }

    /// A list slot.
    pub fn list_at<T>(&mut self, path: &str, field: Field<Vec<T>>) -> Vec<T> {
        self.slot(path, "a list", field).unwrap_or_default()
    }

    /// A list-of-strings slot; an item of another kind (or null) is reported by its index.
    pub fn strings_at(&mut self, path: &str, field: Field<Vec<Field<String>>>) -> Vec<String> {
        let items = self.list_at(path, field);
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            match item {
                Field::Is(s) => out.push(s),
                Field::Not(kind) => self.wrong(&format!("{path}[{i}]"), "a string", Some(kind)),
                Field::Absent => self.wrong(&format!("{path}[{i}]"), "a string", None),
            }
        }
        out
    }

    /// A `map[string]string` slot, in key order; values of another kind (or null) are reported.
    pub fn pairs_at(
        &mut self,
        path: &str,
        field: Field<StrMap>,
    ) -> Vec<(CompactString, CompactString)> {
        let entries = self
            .slot(path, "a map of strings", field)
            .unwrap_or_default()
            .0;
        let mut out = Vec::with_capacity(entries.len());
        for (k, v) in entries {
            match v {
                Field::Is(s) => out.push((k, s)),
                Field::Not(kind) => self.wrong(&format!("{path}.{k}"), "a string", Some(kind)),
                Field::Absent => self.wrong(&format!("{path}.{k}"), "a string", None),
            }
        }
        out
    }

    fn parse_time(&mut self, path: &str, raw: &str) -> Option<DateTime<Utc>> {
        match DateTime::parse_from_rfc3339(raw) {
            Ok(t) => Some(t.with_timezone(&Utc)),
            Err(_) => {
                self.problems.push(format!(
                    "{path}: expected an RFC 3339 time, got {:?}",
                    super::sanitize::truncate_chars(raw, 40)
                ));
                None
            }
        }
    }
}

/// The kind of a JSON value, `None` for `null`.
fn kind_of(v: &Value) -> Option<Kind> {
    Some(match v {
        Value::Null => return None,
        Value::Bool(_) => Kind::Bool,
        Value::Number(_) => Kind::Number,
        Value::String(_) => Kind::String,
        Value::Array(_) => Kind::List,
        Value::Object(_) => Kind::Object,
    })
}

/// Metadata common to every object.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Meta {
    pub namespace: String,
    pub name: String,
    pub uid: Option<String>,
    pub resource_version: Option<String>,
    pub created: Option<DateTime<Utc>>,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

impl Meta {
    pub fn read(r: &mut Reader, obj: &Value) -> Meta {
        Meta {
            namespace: r.string(obj, "metadata.namespace").unwrap_or_default(),
            name: r.string(obj, "metadata.name").unwrap_or_default(),
            uid: r.string(obj, "metadata.uid"),
            resource_version: r.string(obj, "metadata.resourceVersion"),
            created: r.time(obj, "metadata.creationTimestamp"),
            labels: r.string_map(obj, "metadata.labels"),
            annotations: r.string_map(obj, "metadata.annotations"),
        }
    }
}
