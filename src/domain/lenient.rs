//! Lenient decoding straight off the wire: a view-model's fields as *slots* that record what the
//! JSON held there (the value, nothing, or which other kind of value), decoded without building a
//! JSON tree. Keys nobody reads are skipped unparsed (serde's `IgnoredAny` allocates nothing).
//!
//! A slot says only what was there; turning it into a value or a problem that names its path is
//! [`super::fields::Reader`]'s job, so the messages are the same whether an object was read from
//! a JSON tree or from the wire. The shapes follow a JSON tree's rules exactly, because the tree
//! reader is the reference they are tested against: `null` counts as absent, a repeated key's last
//! value wins, and a path through something that is not an object leads nowhere, silently.
use compact_str::CompactString;
use serde::de::{
    Deserialize, DeserializeOwned, DeserializeSeed, Deserializer, Error, IgnoredAny, MapAccess,
    SeqAccess, Visitor,
};
use std::fmt;
use std::marker::PhantomData;

/// The kind of a JSON value that was not the one a field wants (`null` is never one: it is absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Bool,
    Number,
    String,
    List,
    Object,
}

impl Kind {
    /// As problems word it: "expected a string, got *a number*".
    pub fn name(self) -> &'static str {
        match self {
            Kind::Bool => "a boolean",
            Kind::Number => "a number",
            Kind::String => "a string",
            Kind::List => "a list",
            Kind::Object => "an object",
        }
    }
}

/// One field as found: absent (or `null`), the wanted value, or a value of another kind.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Field<T> {
    #[default]
    Absent,
    Is(T),
    Not(Kind),
}

/// What a [`Field`] accepts; every other kind of value is recorded as [`Field::Not`].
pub trait Accept: Sized {
    fn from_str(_: &str) -> Option<Self> {
        None
    }
    fn from_i64(_: i64) -> Option<Self> {
        None
    }
    fn from_u64(_: u64) -> Option<Self> {
        None
    }
    fn from_seq<'de, A: SeqAccess<'de>>(seq: A) -> Result<Option<Self>, A::Error> {
        skip_seq(seq).map(|()| None)
    }
    fn from_map<'de, A: MapAccess<'de>>(map: A) -> Result<Option<Self>, A::Error> {
        skip_map(map).map(|()| None)
    }
}

impl Accept for String {
    fn from_str(s: &str) -> Option<Self> {
        Some(s.to_owned())
    }
}

/// Short strings (names, versions, times) are kept inline, with no allocation of their own.
impl Accept for CompactString {
    fn from_str(s: &str) -> Option<Self> {
        Some(s.into())
    }
}

/// A whole number, as a JSON tree's `as_i64` sees one: a fraction, or more than `i64::MAX`, is not.
impl Accept for i64 {
    fn from_i64(n: i64) -> Option<Self> {
        Some(n)
    }
    fn from_u64(n: u64) -> Option<Self> {
        i64::try_from(n).ok()
    }
}

impl<T: DeserializeOwned> Accept for Vec<T> {
    fn from_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<Option<Self>, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(item) = seq.next_element::<T>()? {
            out.push(item);
        }
        Ok(Some(out))
    }
}

/// A map whose values should be strings (labels, annotations, parameters), in key order, a
/// repeated key's last value kept: as a JSON tree's map holds it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StrMap(pub Vec<(CompactString, Field<CompactString>)>);

impl Accept for StrMap {
    fn from_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<Option<Self>, A::Error> {
        let mut entries: Vec<(CompactString, Field<CompactString>)> = Vec::new();
        while let Some(key) = map.next_key::<CompactString>()? {
            let value = map.next_value::<Field<CompactString>>()?;
            entries.push((key, value));
        }
        // Stable, so of a repeated key the last one read is the last of its run.
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out: Vec<(CompactString, Field<CompactString>)> = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            match out.last_mut() {
                Some(last) if last.0 == key => last.1 = value,
                _ => out.push((key, value)),
            }
        }
        Ok(Some(StrMap(out)))
    }
}

impl<'de, T: Accept> Deserialize<'de> for Field<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Accept> Visitor<'de> for V<T> {
            type Value = Field<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_unit<E: Error>(self) -> Result<Field<T>, E> {
                Ok(Field::Absent)
            }
            fn visit_none<E: Error>(self) -> Result<Field<T>, E> {
                Ok(Field::Absent)
            }
            fn visit_bool<E: Error>(self, _: bool) -> Result<Field<T>, E> {
                Ok(Field::Not(Kind::Bool))
            }
            fn visit_i64<E: Error>(self, n: i64) -> Result<Field<T>, E> {
                Ok(T::from_i64(n).map_or(Field::Not(Kind::Number), Field::Is))
            }
            fn visit_u64<E: Error>(self, n: u64) -> Result<Field<T>, E> {
                Ok(T::from_u64(n).map_or(Field::Not(Kind::Number), Field::Is))
            }
            fn visit_f64<E: Error>(self, _: f64) -> Result<Field<T>, E> {
                Ok(Field::Not(Kind::Number))
            }
            fn visit_str<E: Error>(self, s: &str) -> Result<Field<T>, E> {
                Ok(T::from_str(s).map_or(Field::Not(Kind::String), Field::Is))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Field<T>, A::Error> {
                Ok(T::from_seq(seq)?.map_or(Field::Not(Kind::List), Field::Is))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Field<T>, A::Error> {
                Ok(T::from_map(map)?.map_or(Field::Not(Kind::Object), Field::Is))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// What stood where an object was looked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Shape {
    /// The key was not there.
    #[default]
    Missing,
    Null,
    Map,
    /// Something else: its fields are all absent, as a path through it leads nowhere.
    Other,
}

/// An object's fields, as a set of slots (declared with [`lenient_fields!`](crate::lenient_fields)).
pub trait Fields: Default {
    /// The keys read; every other key is skipped.
    const KEYS: &'static [&'static str];
    /// Reads the value of `key`, one of [`Self::KEYS`].
    fn read<'de, A: MapAccess<'de>>(
        &mut self,
        key: &'static str,
        map: &mut A,
    ) -> Result<(), A::Error>;
}

/// A nested object: what stood there, and the fields read from it.
#[derive(Debug, Default)]
pub struct Obj<T> {
    pub shape: Shape,
    pub fields: T,
}

impl<T> Obj<T> {
    /// Present and not `null`, whatever its kind (a JSON tree's path lookup would find it).
    pub fn is_present(&self) -> bool {
        matches!(self.shape, Shape::Map | Shape::Other)
    }
}

impl<'de, T: Fields> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<T: Fields> V<T> {
            fn other<E: Error>(self) -> Result<Obj<T>, E> {
                Ok(Obj {
                    shape: Shape::Other,
                    fields: T::default(),
                })
            }
        }
        impl<'de, T: Fields> Visitor<'de> for V<T> {
            type Value = Obj<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_unit<E: Error>(self) -> Result<Obj<T>, E> {
                Ok(Obj {
                    shape: Shape::Null,
                    fields: T::default(),
                })
            }
            fn visit_none<E: Error>(self) -> Result<Obj<T>, E> {
                self.visit_unit()
            }
            fn visit_bool<E: Error>(self, _: bool) -> Result<Obj<T>, E> {
                self.other()
            }
            fn visit_i64<E: Error>(self, _: i64) -> Result<Obj<T>, E> {
                self.other()
            }
            fn visit_u64<E: Error>(self, _: u64) -> Result<Obj<T>, E> {
                self.other()
            }
            fn visit_f64<E: Error>(self, _: f64) -> Result<Obj<T>, E> {
                self.other()
            }
            fn visit_str<E: Error>(self, _: &str) -> Result<Obj<T>, E> {
                self.other()
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Obj<T>, A::Error> {
                skip_seq(seq)?;
                self.other()
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Obj<T>, A::Error> {
                let mut fields = T::default();
                while let Some(key) = map.next_key_seed(KeyOf(T::KEYS))? {
                    match key {
                        Some(key) => fields.read(key, &mut map)?,
                        None => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(Obj {
                    shape: Shape::Map,
                    fields,
                })
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A map key as the static key it equals among `self.0`, or `None`; nothing is allocated.
struct KeyOf(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for KeyOf {
    type Value = Option<&'static str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeyOf {
    type Value = Option<&'static str>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a map key")
    }
    fn visit_str<E: Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok(self.0.iter().find(|k| **k == key).copied())
    }
}

fn skip_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

fn skip_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Declares a set of slots read from one JSON object: `"jsonKey" => field: Slot`. The slot
/// types are [`Field`], [`Obj`] and `Option<serde_json::Value>` (a subtree kept as JSON).
#[macro_export]
macro_rules! lenient_fields {
    ($(#[$meta:meta])* $vis:vis struct $name:ident { $($key:literal => $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Default)]
        $vis struct $name { $(pub $field: $ty),* }

        impl $crate::domain::lenient::Fields for $name {
            const KEYS: &'static [&'static str] = &[$($key),*];
            fn read<'de, A: serde::de::MapAccess<'de>>(
                &mut self,
                key: &'static str,
                map: &mut A,
            ) -> Result<(), A::Error> {
                match key {
                    $($key => self.$field = map.next_value()?,)*
                    _ => {
                        map.next_value::<serde::de::IgnoredAny>()?;
                    }
                }
                Ok(())
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    crate::lenient_fields! {
        struct Probe {
            "s" => s: Field<String>,
            "n" => n: Field<i64>,
            "m" => m: Field<StrMap>,
            "o" => o: Obj<Inner>,
            "raw" => raw: Option<Value>,
        }
    }
    crate::lenient_fields! {
        struct Inner { "x" => x: Field<String> }
    }

    fn probe(text: &str) -> Obj<Probe> {
        serde_json::from_str(text).expect("valid JSON")
    }

    #[test]
    fn slots_record_what_was_there() {
        let p = probe(
            r#"{"s":5,"n":-3,"m":{"b":"2","a":true,"b":"3"},"o":[1],"raw":{"k":[1]},"z":{"deep":[1,{"a":2}]}}"#,
        );
        assert_eq!(p.shape, Shape::Map);
        assert_eq!(p.fields.s, Field::Not(Kind::Number));
        assert_eq!(p.fields.n, Field::Is(-3));
        assert_eq!(
            p.fields.m,
            Field::Is(StrMap(vec![
                ("a".into(), Field::Not(Kind::Bool)),
                ("b".into(), Field::Is("3".into())),
            ]))
        );
        assert_eq!(p.fields.o.shape, Shape::Other);
        assert!(p.fields.o.is_present());
        assert_eq!(p.fields.raw, Some(json!({"k": [1]})));
        let p = probe(r#"{"s":null,"n":1.0,"o":null,"raw":null}"#);
        assert_eq!(p.fields.s, Field::Absent);
        assert_eq!(p.fields.n, Field::Not(Kind::Number));
        assert_eq!(p.fields.o.shape, Shape::Null);
        assert!(!p.fields.o.is_present());
        assert_eq!(p.fields.raw, None);
        assert_eq!(
            probe(r#"{"n":18446744073709551615}"#).fields.n,
            Field::Not(Kind::Number)
        );
        assert_eq!(
            probe(r#"{"s":"a","s":"b"}"#).fields.s,
            Field::Is("b".into())
        );
        assert_eq!(probe("[1,2]").shape, Shape::Other);
    }

    #[test]
    fn slots_read_a_json_tree_as_they_read_the_wire() {
        let v = json!({"s": "x", "n": 7, "o": {"x": ["no"]}});
        let p = Obj::<Probe>::deserialize(&v).expect("from a tree");
        assert_eq!(p.fields.s, Field::Is("x".into()));
        assert_eq!(p.fields.n, Field::Is(7));
        assert_eq!(p.fields.o.fields.x, Field::Not(Kind::List));
    }
}
