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

    fn problem(&mut self, path: &str, expected: &str, got: &Value) {
        match kind_of(got) {
            Some(kind) => self.wrong(path, expected, kind),
            None => self
                .problems
                .push(format!("{path}: expected {expected}, got null")),
        }
    }

    fn wrong(&mut self, path: &str, expected: &str, got: Kind) {
        self.problems
            .push(format!("{path}: expected {expected}, got {}", got.name()));
    }

    // Slots decoded off the wire (see [`super::lenient`]), read with the same rules and
    // messages as the paths of a JSON tree above.

    /// A string slot.
    pub fn text<T>(&mut self, path: &str, field: Field<T>) -> Option<T> {
        match field {
            Field::Absent => None,
            Field::Is(s) => Some(s),
            Field::Not(kind) => {
                self.wrong(path, "a string", kind);
                None
            }
        }
    }

    /// A time slot (RFC 3339).
    pub fn time_at<T: AsRef<str>>(&mut self, path: &str, field: Field<T>) -> Option<DateTime<Utc>> {
        let raw = self.text(path, field)?;
        self.parse_time(path, raw.as_ref())
    }

    /// A whole-number slot.
    pub fn int_at(&mut self, path: &str, field: Field<i64>) -> Option<i64> {
        match field {
            Field::Absent => None,
            Field::Is(n) => Some(n),
            Field::Not(kind) => {
                self.wrong(path, "an integer", kind);
                None
            }
        }
    }

    /// A list slot.
    pub fn list_at<T>(&mut self, path: &str, field: Field<Vec<T>>) -> Vec<T> {
        match field {
            Field::Absent => Vec::new(),
            Field::Is(items) => items,
            Field::Not(kind) => {
                self.wrong(path, "a list", kind);
                Vec::new()
            }
        }
    }

    /// A list-of-strings slot; an item of another kind is reported by its index.
    pub fn strings_at(&mut self, path: &str, field: Field<Vec<Field<String>>>) -> Vec<String> {
        let items = self.list_at(path, field);
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            match item {
                Field::Is(s) => out.push(s),
                Field::Not(kind) => self.wrong(&format!("{path}[{i}]"), "a string", kind),
                Field::Absent => self
                    .problems
                    .push(format!("{path}[{i}]: expected a string, got null")),
            }
        }
        out
    }

    /// A `map[string]string` slot, in key order; values of another kind are reported.
    pub fn pairs_at(&mut self, path: &str, field: Field<StrMap>) -> Pairs {
        let entries = match field {
            Field::Absent => return Pairs::default(),
            Field::Is(StrMap(entries)) => entries,
            Field::Not(kind) => {
                self.wrong(path, "a map of strings", kind);
                return Pairs::default();
            }
        };
        let mut out = Vec::with_capacity(entries.len());
        for (k, v) in entries {
            match v {
                Field::Is(s) => out.push((k, s)),
                Field::Not(kind) => self.wrong(&format!("{path}.{k}"), "a string", kind),
                Field::Absent => self
                    .problems
                    .push(format!("{path}.{k}: expected a string, got null")),
            }
        }
        Pairs(out)
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
pub fn kind_of(v: &Value) -> Option<Kind> {
    Some(match v {
        Value::Null => return None,
        Value::Bool(_) => Kind::Bool,
        Value::Number(_) => Kind::Number,
        Value::String(_) => Kind::String,
        Value::Array(_) => Kind::List,
        Value::Object(_) => Kind::Object,
    })
}

/// String pairs in key order (labels, annotations): looked up by binary search. A B-tree node
/// costs hundreds of bytes however few entries it holds.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Pairs(pub Vec<(CompactString, CompactString)>);

impl Pairs {
    pub fn get(&self, key: &str) -> Option<&CompactString> {
        self.0
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .map(|i| &self.0[i].1)
    }
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
