//! Blocked runs counted by reason — in all, per lane, per namespace / repository / agent — kept
//! up to date one run at a time (each upsert and delete moves one run's contribution), so the
//! lane headers, the title bar and the saturation banner never walk the runs.
use super::blocked::BlockReason;
use crate::domain::ObjectKey;
use compact_str::CompactString;
use std::collections::{BTreeMap, HashMap};

/// A scope a controller limit applies to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    Namespace(CompactString),
    Repository(CompactString),
    Agent(CompactString),
}

impl Scope {
    /// `in agents`, `in proompteng/lab`, `for agent codex`.
    pub fn describe(&self) -> String {
        match self {
            Scope::Namespace(n) => format!("in {n}"),
            Scope::Repository(r) => format!("in {r}"),
            Scope::Agent(a) => format!("for agent {a}"),
        }
    }
}

/// What one blocked run adds to the counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contribution {
    pub reason: BlockReason,
    /// The lane its card sits in (`None`: Unassigned).
    pub lane: Option<CompactString>,
    pub namespace: CompactString,
    pub repository: Option<CompactString>,
    pub agent: Option<CompactString>,
}

impl Contribution {
    fn scopes(&self) -> impl Iterator<Item = Scope> + '_ {
        std::iter::once(Scope::Namespace(self.namespace.clone()))
            .chain(self.repository.clone().map(Scope::Repository))
            .chain(self.agent.clone().map(Scope::Agent))
    }
}

/// Many blocked runs of one scope on one limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saturation {
    pub scope: Scope,
    pub reason: BlockReason,
    pub count: u32,
}

impl Saturation {
    /// `queue saturated: 341 blocked on QueueLimit in agents`
    pub fn banner(&self) -> String {
        let what = match self.reason {
            BlockReason::QueueLimit => "queue saturated",
            BlockReason::ConcurrencyLimit => "concurrency saturated",
            BlockReason::RateLimit => "rate limited",
            BlockReason::Other(_) => "blocked",
        };
        format!(
            "{what}: {} blocked on {} {}",
            self.count,
            self.reason,
            self.scope.describe()
        )
    }
}

/// Why launching into `namespace` deserves a second thought: saturated scopes there (one line per
/// distinct set of runs: a namespace and its only repository say it once), and Swarms there that
/// are frozen or paused. Empty: nothing in the way. Shared by the planner and `swarm wave launch`.
pub fn launch_hold<'a>(
    saturated: &[Saturation],
    swarms: impl Iterator<Item = &'a crate::domain::swarm::Swarm>,
    namespace: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<String> {
    let mut seen: std::collections::HashSet<(BlockReason, u32)> = Default::default();
    let mut out: Vec<String> = saturated
        .iter()
        .filter(|s| match &s.scope {
            Scope::Namespace(n) => n == namespace,
            _ => true,
        })
        .filter(|s| seen.insert((s.reason.clone(), s.count)))
        .take(3)
        .map(|s| format!("⚠ {}: new runs will wait behind them", s.banner()))
        .collect();
    out.extend(
        swarms
            .filter(|s| s.key.namespace == namespace)
            .filter_map(|s| s.hold(now))
            .map(|h| format!("⚠ {h}: new work will not progress")),
    );
    out
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct BlockedCounts {
    by_run: HashMap<ObjectKey, Contribution>,
    by_reason: BTreeMap<BlockReason, u32>,
    by_lane: BTreeMap<(Option<CompactString>, BlockReason), u32>,
    by_scope: BTreeMap<(Scope, BlockReason), u32>,
}

fn bump<K: Ord>(map: &mut BTreeMap<K, u32>, key: K, up: bool) {
    if up {
        *map.entry(key).or_default() += 1;
    } else if let Some(n) = map.get_mut(&key) {
        *n -= 1;
        if *n == 0 {
            map.remove(&key);
        }
    }
}

impl BlockedCounts {
    /// Sets one run's contribution (`None`: not blocked, or deleted). O(log scopes).
    pub fn set(&mut self, key: &ObjectKey, contribution: Option<Contribution>) {
        if self.by_run.get(key) == contribution.as_ref() {
            return;
        }
        if let Some(old) = self.by_run.remove(key) {
            self.apply(&old, false);
        }
        if let Some(new) = contribution {
            self.apply(&new, true);
            self.by_run.insert(key.clone(), new);
        }
    }

    fn apply(&mut self, c: &Contribution, up: bool) {
        bump(&mut self.by_reason, c.reason.clone(), up);
        bump(&mut self.by_lane, (c.lane.clone(), c.reason.clone()), up);
        for scope in c.scopes() {
            bump(&mut self.by_scope, (scope, c.reason.clone()), up);
        }
    }

    pub fn clear(&mut self) {
        *self = BlockedCounts::default();
    }

    pub fn contribution(&self, key: &ObjectKey) -> Option<&Contribution> {
        self.by_run.get(key)
    }

    pub fn total(&self) -> u32 {
        self.by_reason.values().sum()
    }

    /// Blocked runs per reason, in reason order.
    pub fn by_reason(&self) -> impl Iterator<Item = (&BlockReason, u32)> {
        self.by_reason.iter().map(|(r, n)| (r, *n))
    }

    /// Blocked runs of one lane per reason.
    pub fn lane(&self, lane: Option<&str>) -> Vec<(BlockReason, u32)> {
        let lane = lane.map(CompactString::from);
        self.by_lane
            .range((lane.clone(), BlockReason::QueueLimit)..)
            .take_while(|((l, _), _)| *l == lane)
            .map(|((_, r), n)| (r.clone(), *n))
            .collect()
    }

    /// Lanes that have blocked runs (for the Unassigned column, which gathers unknown lanes).
    pub fn lanes(&self) -> impl Iterator<Item = (Option<&str>, &BlockReason, u32)> {
        self.by_lane.iter().map(|((l, r), n)| (l.as_deref(), r, *n))
    }

    /// Scopes with at least `threshold` runs blocked on one reason, most first (ties: namespace,
    /// then repository, then agent). Several scopes usually describe the same runs (a namespace
    /// and its one repository): the first is the banner, the rest its detail.
    pub fn saturated(&self, threshold: u32) -> Vec<Saturation> {
        let mut out: Vec<Saturation> = self
            .by_scope
            .iter()
            .filter(|(_, n)| **n >= threshold.max(1))
            .map(|((scope, reason), n)| Saturation {
                scope: scope.clone(),
                reason: reason.clone(),
                count: *n,
            })
            .collect();
        out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.scope.cmp(&b.scope)));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn c(reason: BlockReason, lane: Option<&str>, ns: &str, repo: Option<&str>) -> Contribution {
        Contribution {
            reason,
            lane: lane.map(Into::into),
            namespace: ns.into(),
            repository: repo.map(Into::into),
            agent: Some("codex".into()),
        }
    }

    #[test]
    fn counts_follow_upserts_and_deletes() {
        let mut counts = BlockedCounts::default();
        let k = |n: &str| ObjectKey::new("agents", n);
        counts.set(
            &k("a"),
            Some(c(BlockReason::QueueLimit, Some("A"), "agents", None)),
        );
        counts.set(
            &k("b"),
            Some(c(BlockReason::QueueLimit, Some("B"), "agents", None)),
        );
        counts.set(
            &k("c"),
            Some(c(BlockReason::RateLimit, Some("A"), "agents", None)),
        );
        assert_eq!(counts.total(), 3);
        assert_eq!(
            counts.lane(Some("A")),
            vec![(BlockReason::QueueLimit, 1), (BlockReason::RateLimit, 1)]
        );
        // a moves from QueueLimit to running: its contribution goes.
        counts.set(&k("a"), None);
        counts.set(&k("a"), None);
        assert_eq!(counts.lane(Some("A")), vec![(BlockReason::RateLimit, 1)]);
        assert!(counts.saturated(2).is_empty());
        counts.set(
            &k("d"),
            Some(c(BlockReason::QueueLimit, None, "agents", Some("o/r"))),
        );
        let sat = counts.saturated(2);
        assert_eq!(
            sat.iter().map(Saturation::banner).collect::<Vec<_>>(),
            [
                "queue saturated: 2 blocked on QueueLimit in agents",
                "queue saturated: 2 blocked on QueueLimit for agent codex",
            ]
        );
        assert_eq!(counts.lane(None), vec![(BlockReason::QueueLimit, 1)]);
    }

    fn arb_contribution() -> impl Strategy<Value = Option<Contribution>> {
        let reason = prop_oneof![
            Just(BlockReason::QueueLimit),
            Just(BlockReason::ConcurrencyLimit),
            Just(BlockReason::RateLimit),
            Just(BlockReason::Other("Odd".into())),
        ];
        proptest::option::of((
            reason,
            proptest::option::of("[AB]"),
            "ns[12]",
            proptest::option::of("o/r[12]"),
            proptest::option::of("agent[12]"),
        ))
        .prop_map(|c| {
            c.map(
                |(reason, lane, namespace, repository, agent)| Contribution {
                    reason,
                    lane: lane.map(Into::into),
                    namespace: namespace.into(),
                    repository: repository.map(Into::into),
                    agent: agent.map(Into::into),
                },
            )
        })
    }

    proptest! {
        /// After any sequence of upserts and deletes the counters equal a recount from scratch.
        #[test]
        fn incremental_counts_equal_a_recount(
            ops in proptest::collection::vec((0usize..12, arb_contribution()), 0..80),
            threshold in 1u32..4,
        ) {
            let mut counts = BlockedCounts::default();
            let mut truth: HashMap<ObjectKey, Contribution> = HashMap::new();
            for (i, c) in ops {
                let key = ObjectKey::new("x", format!("r{i}"));
                counts.set(&key, c.clone());
                match c {
                    Some(c) => { truth.insert(key, c); }
                    None => { truth.remove(&key); }
                }
            }
            let mut oracle = BlockedCounts::default();
            for (k, c) in &truth {
                oracle.set(k, Some(c.clone()));
            }
            prop_assert_eq!(counts.total() as usize, truth.len());
            for lane in [None, Some("A"), Some("B")] {
                let mut brute: BTreeMap<BlockReason, u32> = BTreeMap::new();
                for c in truth.values().filter(|c| c.lane.as_deref() == lane) {
                    *brute.entry(c.reason.clone()).or_default() += 1;
                }
                prop_assert_eq!(counts.lane(lane), brute.into_iter().collect::<Vec<_>>());
            }
            // Saturation by brute force: every (scope, reason) pair counted over all runs.
            let mut brute: BTreeMap<(Scope, BlockReason), u32> = BTreeMap::new();
            for c in truth.values() {
                for s in c.scopes() {
                    *brute.entry((s, c.reason.clone())).or_default() += 1;
                }
            }
            let mut want: Vec<Saturation> = brute
                .into_iter()
                .filter(|(_, n)| *n >= threshold)
                .map(|((scope, reason), count)| Saturation { scope, reason, count })
                .collect();
            want.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.scope.cmp(&b.scope)));
            prop_assert_eq!(counts.saturated(threshold), want);
            prop_assert_eq!(counts, oracle);
        }
    }
}
