//! Objects as the watches decode them: JSON without `metadata.managedFields`. The server's field
//! ownership records are about half of a typical AgentRun's bytes and most of its small maps;
//! nothing in the cockpit reads them, and skipping them while parsing (serde's `IgnoredAny`
//! allocates nothing) spares building and dropping those maps for every object of a 10,000-object
//! list.
use serde::de::{Deserialize, Deserializer, Error, IgnoredAny, MapAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

/// A Kubernetes object's JSON without `metadata.managedFields`.
#[derive(Debug, Clone, PartialEq)]
pub struct Lean(pub Value);

/// The `metadata` map without `managedFields`.
struct Metadata(Value);

/// Reads a JSON map, each value with `value_of(key)`; anything but a map is an error, as a
/// Kubernetes object or its metadata must be one.
fn visit_entries<'de, A: MapAccess<'de>>(
    mut map: A,
    mut value_of: impl FnMut(&str, &mut A) -> Result<Option<Value>, A::Error>,
) -> Result<Value, A::Error> {
    let mut out = Map::new();
    while let Some(key) = map.next_key::<String>()? {
        if let Some(value) = value_of(&key, &mut map)? {
            out.insert(key, value);
        }
    }
    Ok(Value::Object(out))
}

impl<'de> Deserialize<'de> for Metadata {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Metadata;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object's metadata (a map)")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Metadata, A::Error> {
                visit_entries(map, |key, map| {
                    if key == "managedFields" {
                        map.next_value::<IgnoredAny>()?;
                        Ok(None)
                    } else {
                        map.next_value::<Value>().map(Some)
                    }
                })
                .map(Metadata)
            }
        }
        d.deserialize_map(V)
    }
}

impl<'de> Deserialize<'de> for Lean {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Lean;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a Kubernetes object (a map)")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Lean, A::Error> {
                visit_entries(map, |key, map| {
                    if key == "metadata" {
                        map.next_value::<Metadata>().map(|m| Some(m.0))
                    } else {
                        map.next_value::<Value>().map(Some)
                    }
                })
                .map(Lean)
            }
            fn visit_unit<E: Error>(self) -> Result<Lean, E> {
                // `"object": null` is not an object, but must not fail a whole list.
                Ok(Lean(Value::Null))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    /// Any JSON value, a few levels deep, keys from a small set that includes the special ones.
    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            "[a-z\"\\\\é ]{0,6}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 40, 5, |inner| {
            let key = prop_oneof![
                Just("metadata".to_owned()),
                Just("managedFields".to_owned()),
                Just("name".to_owned()),
                "[a-z]{1,4}",
            ];
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::btree_map(key, inner, 0..5)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// What `Lean` must equal: the full decode, then `metadata.managedFields` removed.
    fn without_managed_fields(mut v: Value) -> Value {
        if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.remove("managedFields");
        }
        v
    }

    proptest! {
        #[test]
        fn lean_is_the_full_decode_without_managed_fields(
            entries in proptest::collection::btree_map("[a-z]{1,3}|metadata", value(), 0..5)
        ) {
            let object = Value::Object(entries.into_iter().collect());
            let text = serde_json::to_string(&object).expect("json");
            let lean: Result<Lean, _> = serde_json::from_str(&text);
            let full: Value = serde_json::from_str(&text).expect("json");
            let metadata_is_a_map = full.get("metadata").is_none_or(Value::is_object);
            match lean {
                Ok(lean) => {
                    prop_assert!(metadata_is_a_map);
                    prop_assert_eq!(lean.0, without_managed_fields(full));
                }
                // Metadata that is not a map is no Kubernetes object.
                Err(_) => prop_assert!(!metadata_is_a_map),
            }
        }
    }

    #[test]
    fn a_watch_event_decodes_without_managed_fields() {
        let text = r#"{"type":"ADDED","object":{"kind":"AgentRun","metadata":{"name":"a","managedFields":[{"manager":"kubectl","fieldsV1":{"f:spec":{"f:x":{}}}}],"labels":{"l":"1"}},"spec":{"x":1}}}"#;
        let event: kube::api::WatchEvent<Lean> = serde_json::from_str(text).expect("event");
        let kube::api::WatchEvent::Added(Lean(obj)) = event else {
            panic!("an ADDED event");
        };
        assert_eq!(
            obj,
            json!({"kind": "AgentRun", "metadata": {"name": "a", "labels": {"l": "1"}}, "spec": {"x": 1}})
        );
        assert!(
            serde_json::from_str::<Lean>("[1]").is_err(),
            "not an object"
        );
    }
}
