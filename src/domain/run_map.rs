//! The runs by key, each run boxed. A B-tree keeps its entries inline in nodes of eleven and
//! leaves them about half full when a list arrives in name order (as the API server sends it),
//! so 10,000 runs of ~750 bytes stored inline cost ~1.5 KB each in node space; boxed, the nodes
//! hold 56-byte entries and each run costs its own size. (Measured by `cargo bench --bench
//! memory`: see BENCHMARKS.md.) The API is the part of `BTreeMap`'s the cockpit uses, yielding
//! `&Run`.
use super::{ObjectKey, Run};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunMap(BTreeMap<ObjectKey, Box<Run>>);

// The map's items are `&Box<Run>`: these take exactly that, to be `fn` pointers the iterators
// can name (and so stay `Clone`).
#[allow(clippy::borrowed_box)]
fn unbox(run: &Box<Run>) -> &Run {
    run
}

#[allow(clippy::borrowed_box)]
fn unbox_entry<'a>((key, run): (&'a ObjectKey, &'a Box<Run>)) -> (&'a ObjectKey, &'a Run) {
    (key, run)
}

impl RunMap {
    pub fn new() -> RunMap {
        RunMap::default()
    }

    pub fn get(&self, key: &ObjectKey) -> Option<&Run> {
        self.0.get(key).map(unbox)
    }

    pub fn get_mut(&mut self, key: &ObjectKey) -> Option<&mut Run> {
        self.0.get_mut(key).map(|r| &mut **r)
    }

    pub fn contains_key(&self, key: &ObjectKey) -> bool {
        self.0.contains_key(key)
    }

    /// Stores `run` under `key`; the run it replaces, if any.
    pub fn insert(&mut self, key: ObjectKey, run: Run) -> Option<Run> {
        self.0.insert(key, Box::new(run)).map(|old| *old)
    }

    pub fn remove(&mut self, key: &ObjectKey) -> Option<Run> {
        self.0.remove(key).map(|old| *old)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The runs in key order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Run> + ExactSizeIterator + Clone {
        self.0.values().map(unbox as fn(&Box<Run>) -> &Run)
    }

    pub fn keys(
        &self,
    ) -> impl DoubleEndedIterator<Item = &ObjectKey> + ExactSizeIterator + Clone + std::fmt::Debug
    {
        self.0.keys()
    }

    pub fn iter(
        &self,
    ) -> impl DoubleEndedIterator<Item = (&ObjectKey, &Run)> + ExactSizeIterator + Clone {
        self.0.iter().map(
            unbox_entry as for<'a> fn((&'a ObjectKey, &'a Box<Run>)) -> (&'a ObjectKey, &'a Run),
        )
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&ObjectKey, &mut Run) -> bool) {
        self.0.retain(|k, r| keep(k, r));
    }
}

/// `runs[&key]`, as on a `BTreeMap`: panics when the key is absent.
impl std::ops::Index<&ObjectKey> for RunMap {
    type Output = Run;

    fn index(&self, key: &ObjectKey) -> &Run {
        &self.0[key]
    }
}

impl FromIterator<(ObjectKey, Run)> for RunMap {
    fn from_iter<I: IntoIterator<Item = (ObjectKey, Run)>>(iter: I) -> RunMap {
        RunMap(iter.into_iter().map(|(k, r)| (k, Box::new(r))).collect())
    }
}

impl Extend<(ObjectKey, Run)> for RunMap {
    fn extend<I: IntoIterator<Item = (ObjectKey, Run)>>(&mut self, iter: I) {
        self.0
            .extend(iter.into_iter().map(|(k, r)| (k, Box::new(r))));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(name: &str, phase: &str) -> Run {
        Run::from_json(&json!({"metadata": {"name": name, "namespace": "ns"},
            "status": {"phase": phase}}))
    }

    #[test]
    fn behaves_as_the_map_it_wraps() {
        let mut map = RunMap::new();
        assert!(map.is_empty());
        let b = run("b", "Running");
        assert_eq!(map.insert(b.key.clone(), b.clone()), None);
        let a = run("a", "Pending");
        map.insert(a.key.clone(), a.clone());
        let newer = run("b", "Succeeded");
        assert_eq!(map.insert(newer.key.clone(), newer.clone()), Some(b));
        assert_eq!(map.len(), 2);
        assert_eq!(map.get(&newer.key), Some(&newer));
        let names: Vec<&str> = map.values().map(|r| r.key.name.as_str()).collect();
        assert_eq!(names, ["a", "b"], "key order");
        map.retain(|k, _| k.name == "a");
        assert!(!map.contains_key(&newer.key));
        assert_eq!(map.remove(&a.key), Some(a));
        assert!(map.is_empty());
    }
}
