//! `Duplicate` runs: the controller refused them because another run holds, or already
//! completed, the same `spec.idempotencyKey`. The cockpit points at that run.
use crate::domain::{ObjectKey, Phase, Run};
use compact_str::CompactString;
use std::collections::{BTreeSet, HashMap};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    /// `IdempotencyKeyInUse` or `IdempotencyKeyCompleted` (or what the controller wrote).
    pub reason: String,
    pub key: Option<CompactString>,
}

/// The run's `Duplicate=True` condition, if any.
pub fn duplicate(run: &Run) -> Option<Duplicate> {
    let c = run
        .conditions
        .iter()
        .find(|c| c.type_ == "Duplicate" && c.is_true())?;
    Some(Duplicate {
        reason: c.reason.clone().unwrap_or_else(|| "Duplicate".into()),
        key: run.idempotency_key.clone(),
    })
}

/// Runs per (namespace, idempotency key), kept per upsert/delete: who holds a key, and which
/// keys two runs share.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeyIndex {
    by_key: HashMap<(CompactString, CompactString), BTreeSet<ObjectKey>>,
    of_run: HashMap<ObjectKey, CompactString>,
}

impl KeyIndex {
    pub fn set(&mut self, run: &ObjectKey, key: Option<&str>) {
        if self.of_run.get(run).map(CompactString::as_str) == key {
            return;
        }
        if let Some(old) = self.of_run.remove(run) {
            let k = (run.namespace.clone(), old);
            if let Some(set) = self.by_key.get_mut(&k) {
                set.remove(run);
                if set.is_empty() {
                    self.by_key.remove(&k);
                }
            }
        }
        if let Some(key) = key {
            self.of_run.insert(run.clone(), key.into());
            self.by_key
                .entry((run.namespace.clone(), key.into()))
                .or_default()
                .insert(run.clone());
        }
    }

    pub fn clear(&mut self) {
        *self = KeyIndex::default();
    }

    /// The other runs with this run's key.
    pub fn others<'a>(&'a self, run: &'a Run) -> impl Iterator<Item = &'a ObjectKey> + 'a {
        run.idempotency_key
            .as_ref()
            .and_then(|k| self.by_key.get(&(run.key.namespace.clone(), k.clone())))
            .into_iter()
            .flatten()
            .filter(move |k| **k != run.key)
    }

    /// The runs with `key` in `namespace`.
    pub fn runs(&self, namespace: &str, key: &str) -> Option<&BTreeSet<ObjectKey>> {
        self.by_key.get(&(namespace.into(), key.into()))
    }

    /// The key a run was last set with.
    pub fn key_of(&self, run: &ObjectKey) -> Option<&str> {
        self.of_run.get(run).map(CompactString::as_str)
    }

    /// Keys held by more than one run, with the runs.
    pub fn shared(
        &self,
    ) -> impl Iterator<Item = (&(CompactString, CompactString), &BTreeSet<ObjectKey>)> {
        self.by_key.iter().filter(|(_, runs)| runs.len() > 1)
    }
}

/// The run that holds the key a duplicate was refused for: among the other runs with the key,
/// not themselves duplicates, an in-flight one for `…InUse`, a succeeded one for `…Completed`,
/// else any; the oldest first.
pub fn holder<'a>(dup: &Duplicate, candidates: impl Iterator<Item = &'a Run>) -> Option<&'a Run> {
    let mut best: Option<(u8, &Run)> = None;
    for r in candidates.filter(|r| duplicate(r).is_none()) {
        let fits = match dup.reason.as_str() {
            "IdempotencyKeyInUse" => r.phase.is_in_flight(),
            "IdempotencyKeyCompleted" => r.phase == Phase::Succeeded,
            _ => false,
        };
        let rank = if fits { 0 } else { 1 };
        let better = match best {
            None => true,
            Some((br, b)) => (rank, r.created, &r.key) < (br, b.created, &b.key),
        };
        if better {
            best = Some((rank, r));
        }
    }
    best.map(|(_, r)| r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(name: &str, phase: &str, created: &str, dup: Option<&str>) -> Run {
        let conditions: Vec<serde_json::Value> = dup
            .map(|r| json!({"type": "Duplicate", "status": "True", "reason": r}))
            .into_iter()
            .collect();
        Run::from_json(
            &json!({"metadata": {"name": name, "namespace": "agents", "creationTimestamp": created},
            "spec": {"idempotencyKey": "wave1-fw"},
            "status": {"phase": phase, "conditions": conditions}}),
        )
    }

    #[test]
    fn points_at_the_in_flight_holder() {
        let dup = run(
            "fw-2",
            "Failed",
            "2026-03-01T10:05:00Z",
            Some("IdempotencyKeyInUse"),
        );
        let old = run("fw-0", "Succeeded", "2026-03-01T09:00:00Z", None);
        let live = run("fw-1", "Running", "2026-03-01T10:00:00Z", None);
        let other_dup = run(
            "fw-3",
            "Failed",
            "2026-03-01T08:00:00Z",
            Some("IdempotencyKeyInUse"),
        );
        let d = duplicate(&dup).expect("test fixture");
        assert_eq!(d.key.as_deref(), Some("wave1-fw"));
        let all = [old.clone(), live.clone(), other_dup];
        assert_eq!(
            holder(&d, all.iter()).map(|r| r.key.name.as_str()),
            Some("fw-1")
        );
        let completed = Duplicate {
            reason: "IdempotencyKeyCompleted".into(),
            key: d.key.clone(),
        };
        assert_eq!(
            holder(&completed, all.iter()).map(|r| r.key.name.as_str()),
            Some("fw-0")
        );

        let mut index = KeyIndex::default();
        for r in [&dup, &old, &live] {
            index.set(&r.key, r.idempotency_key.as_deref());
        }
        let mut others: Vec<&str> = index.others(&dup).map(|k| k.name.as_str()).collect();
        others.sort();
        assert_eq!(others, ["fw-0", "fw-1"]);
        assert_eq!(index.shared().count(), 1);
        index.set(&old.key, None);
        index.set(&live.key, None);
        assert_eq!(index.shared().count(), 0);
        assert_eq!(index.others(&dup).count(), 0);
    }
}
