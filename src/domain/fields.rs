//! Lenient reading of Kubernetes objects as JSON. A field of the wrong type is reported as a
//! problem naming its path, and the rest of the object is still shown: one malformed resource must
//! never take the board down.
use chrono::{DateTime, Utc};
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
        match self.at(root, path) {
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
        let got = match got {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "a list",
            Value::Object(_) => "an object",
        };
        self.problems
            .push(format!("{path}: expected {expected}, got {got}"));
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
