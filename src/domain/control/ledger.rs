//! The reconciliation ledger: every [`Finding`] of [`reconcile`](super::reconcile::reconcile)
//! kept up to date one event at a time. A run's upsert or deletion re-reads that run, the PRs
//! on the branches it starts or stops pushing, and the runs sharing its idempotency key; a PR's
//! refresh re-reads that PR and the runs that find their PR by it. So the cards, the lane
//! headers (`≠N`) and the title read counts and never rescan 10,000 runs. A property test
//! compares the ledger with a full `reconcile` after random event sequences.
use super::duplicate::KeyIndex;
use super::reconcile::{Finding, run_findings};
use crate::domain::pr::PrKey;
use crate::domain::pr_link::{self, find_pr, parse_pr_url};
use crate::domain::{ObjectKey, PrState, PullRequest, Run};
use compact_str::CompactString;
use std::collections::{BTreeMap, BTreeSet, HashMap};

type Prs = HashMap<PrKey, PullRequest>;
/// A repository (ASCII lower case) and a branch.
type Branch = (CompactString, CompactString);
/// A repository (ASCII lower case) and a PR number.
type Number = (CompactString, u64);
/// A namespace and an idempotency key.
type KeyGroup = (compact_str::CompactString, compact_str::CompactString);

/// What the ledger reads besides its own bookkeeping: the cluster data as it is now (after the
/// event), and the two settings findings depend on.
pub struct View<'a> {
    pub runs: &'a crate::domain::RunMap,
    pub prs: &'a Prs,
    /// After `KeyIndex::set` for the event's run.
    pub keys: &'a KeyIndex,
    /// PR data is known: without it nothing is said about missing PRs.
    pub prs_known: bool,
    /// Swarm branches start with this (an open PR elsewhere is not the swarm's).
    pub head_prefix: &'a str,
}

/// One run's part of the ledger.
#[derive(Debug, Clone, Default, PartialEq)]
/// Small: one entry per run (56 bytes, not 176, in a table of 16,384 slots at 10,000 runs).
struct Entry {
    /// The lane its card sits in (`None`: Unassigned).
    lane: Option<CompactString>,
    /// Its own findings (no PR, a renamed head).
    own: Vec<Finding>,
    /// Its idempotency key group. (The branches and PR number it is indexed under are not kept:
    /// they are read again from the run as it was, which the caller passes — a copy per run
    /// cost ~400 bytes of strings at 10,000 runs.)
    key: Option<Box<KeyGroup>>,
}

#[derive(Debug, Clone, Default)]
pub struct Ledger {
    /// Every finding, in `reconcile`'s order.
    findings: BTreeSet<Finding>,
    runs: HashMap<ObjectKey, Entry>,
    runs_by_branch: HashMap<Branch, Members<ObjectKey>>,
    runs_by_number: HashMap<Number, Members<ObjectKey>>,
    /// How many runs push each branch (absent: none).
    pushed: HashMap<Branch, u32>,
    prs_by_branch: HashMap<Branch, Members<PrKey>>,
    /// The number each PR key was last seen with: a new PR on a branch replaces the old one,
    /// whose number some run may have found its PR by.
    pr_numbers: HashMap<PrKey, Number>,
    orphans: HashMap<PrKey, Finding>,
    shared: HashMap<KeyGroup, Finding>,
    /// The lane each flagged run is counted in.
    counted: HashMap<ObjectKey, Option<CompactString>>,
    flagged: BTreeMap<Option<CompactString>, u32>,
    prs_known: bool,
    /// `None` until the first event says (then every PR is judged).
    head_prefix: Option<String>,
}

fn lower(repo: &str) -> CompactString {
    let mut repo = CompactString::from(repo);
    repo.make_ascii_lowercase();
    repo
}

/// What `find_pr` looks a run's PR up by: the repository + head as spelled, normalized, and
/// the first PR URL among its artifacts.
fn links(run: &Run) -> (Vec<Branch>, Option<Number>) {
    if run.is_template {
        return (Vec::new(), None);
    }
    let mut branches = Vec::new();
    if let (Some(repo), Some(head)) = (&run.repository, &run.head_branch) {
        branches.push((lower(repo), head.clone()));
        if let Some((repo, head)) = pr_link::branch_key(run) {
            branches.push((repo.into(), head.into()));
        }
        branches.sort();
        branches.dedup();
    }
    let number = run
        .artifact_urls
        .iter()
        .find_map(|u| parse_pr_url(u))
        .map(|(repo, n)| (repo.into(), n));
    (branches, number)
}

/// The branches a run pushes (asked for, really pushed, shown), as `reconcile` counts them.
fn pushed(run: &Run) -> Vec<Branch> {
    let Some(repo) = &run.repository else {
        return Vec::new();
    };
    let mut out: Vec<Branch> = [&run.requested_head, &run.vcs_head_branch, &run.head_branch]
        .into_iter()
        .flatten()
        .map(|h| (lower(repo), h.clone()))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The few members of one index entry (nearly always one: a branch is one run's), as a sorted
/// `Vec`: a `BTreeSet` allocates a node of eleven slots (~600 bytes of keys) for its first
/// member, 10 MB over the indexes at 10,000 runs.
#[derive(Debug, Clone, PartialEq)]
struct Members<V>(Vec<V>);

impl<V> Default for Members<V> {
    fn default() -> Self {
        Members(Vec::new())
    }
}

impl<V: Ord> Members<V> {
    fn insert(&mut self, value: V) {
        if let Err(at) = self.0.binary_search(&value) {
            // One more slot, not the four a first push reserves.
            self.0.reserve_exact(1);
            self.0.insert(at, value);
        }
    }

    fn remove(&mut self, value: &V) {
        if let Ok(at) = self.0.binary_search(value) {
            self.0.remove(at);
        }
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn iter(&self) -> std::slice::Iter<'_, V> {
        self.0.iter()
    }
}

impl<'a, V> IntoIterator for &'a Members<V> {
    type Item = &'a V;
    type IntoIter = std::slice::Iter<'a, V>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

fn unindex<K: std::hash::Hash + Eq, V: Ord>(map: &mut HashMap<K, Members<V>>, at: &K, value: &V) {
    if let Some(set) = map.get_mut(at) {
        set.remove(value);
        if set.is_empty() {
            map.remove(at);
        }
    }
}

impl Ledger {
    /// A run was inserted, replaced or deleted (`view.runs` says which); `before` is the version
    /// of it the ledger was last told about (the one an upsert replaced, the one a delete
    /// removed; `None` if it is new), `lane` is where its card sits. Call after the
    /// idempotency-key index saw the same event.
    pub fn run_changed(
        &mut self,
        key: &ObjectKey,
        before: Option<&Run>,
        lane: Option<CompactString>,
        view: &View,
    ) {
        self.sync(view);
        let mut branches_moved: Vec<Branch> = Vec::new();
        let mut groups: Vec<KeyGroup> = Vec::new();
        if let Some(old) = self.runs.remove(key) {
            for f in &old.own {
                self.findings.remove(f);
            }
            let (branches, number) = before.map(links).unwrap_or_default();
            for b in &branches {
                unindex(&mut self.runs_by_branch, b, key);
            }
            if let Some(n) = &number {
                unindex(&mut self.runs_by_number, n, key);
            }
            for b in before.map(pushed).unwrap_or_default() {
                if let Some(n) = self.pushed.get_mut(&b) {
                    *n -= 1;
                    if *n == 0 {
                        self.pushed.remove(&b);
                        branches_moved.push(b);
                    }
                }
            }
            groups.extend(old.key.map(|k| *k));
        }
        if let Some(run) = view.runs.get(key) {
            let (branches, number) = links(run);
            let entry = Entry {
                lane,
                own: run_findings(run, find_pr(view.prs, run), self.prs_known),
                key: run
                    .idempotency_key
                    .clone()
                    .map(|k| Box::new((run.key.namespace.clone(), k))),
            };
            self.findings.extend(entry.own.iter().cloned());
            for b in &branches {
                self.runs_by_branch
                    .entry(b.clone())
                    .or_default()
                    .insert(key.clone());
            }
            if let Some(n) = &number {
                self.runs_by_number
                    .entry(n.clone())
                    .or_default()
                    .insert(key.clone());
            }
            for b in &pushed(run) {
                let n = self.pushed.entry(b.clone()).or_default();
                *n += 1;
                if *n == 1 {
                    branches_moved.push(b.clone());
                }
            }
            groups.extend(entry.key.as_deref().cloned());
            self.runs.insert(key.clone(), entry);
        }
        // PRs on a branch that gained its first pusher or lost its last one.
        branches_moved.sort();
        branches_moved.dedup();
        for b in branches_moved {
            let prs: Vec<PrKey> = self
                .prs_by_branch
                .get(&b)
                .map(|s| s.iter().cloned().collect())
                .unwrap_or_default();
            for pk in prs {
                self.refresh_orphan(&pk, view);
            }
        }
        groups.sort();
        groups.dedup();
        let mut members = Vec::new();
        for g in groups {
            members.extend(self.refresh_shared(&g, view));
        }
        self.refresh_flag(key);
        for m in members {
            self.refresh_flag(&m);
        }
    }

    /// A PR was stored (new, or a refresh of the one under its key).
    pub fn pr_changed(&mut self, pk: &PrKey, view: &View) {
        self.sync(view);
        let Some(pr) = view.prs.get(pk) else {
            return;
        };
        self.register(pk, pr);
        self.refresh_orphan(pk, view);
        let number = (lower(&pr.repository), pr.number);
        let before = self.pr_numbers.insert(pk.clone(), number.clone());
        let mut affected: BTreeSet<ObjectKey> = BTreeSet::new();
        let branch = (lower(&pk.0), CompactString::from(pk.1.as_str()));
        for n in std::iter::once(&number).chain(before.as_ref()) {
            affected.extend(self.runs_by_number.get(n).into_iter().flatten().cloned());
        }
        affected.extend(
            self.runs_by_branch
                .get(&branch)
                .into_iter()
                .flatten()
                .cloned(),
        );
        for key in affected {
            self.refresh_own(&key, view);
        }
    }

    /// The settings a finding depends on changed (PR data became known or unknown, another
    /// head prefix): what they decide is judged again, over everything. Rare, so whole.
    fn sync(&mut self, view: &View) {
        if self.head_prefix.as_deref() != Some(view.head_prefix) {
            self.head_prefix = Some(view.head_prefix.to_owned());
            let mut all: Vec<PrKey> = self.orphans.keys().cloned().collect();
            for (pk, pr) in view.prs {
                self.register(pk, pr);
                // Kept when known: `pr_changed` needs the number the PR had before this event.
                self.pr_numbers
                    .entry(pk.clone())
                    .or_insert_with(|| (lower(&pr.repository), pr.number));
                all.push(pk.clone());
            }
            for pk in all {
                self.refresh_orphan(&pk, view);
            }
        }
        if self.prs_known != view.prs_known {
            self.prs_known = view.prs_known;
            let keys: Vec<ObjectKey> = self.runs.keys().cloned().collect();
            for key in keys {
                self.refresh_own(&key, view);
            }
        }
    }

    fn register(&mut self, pk: &PrKey, pr: &PullRequest) {
        self.prs_by_branch
            .entry((lower(&pr.repository), pr.head_branch.as_str().into()))
            .or_default()
            .insert(pk.clone());
    }

    fn refresh_own(&mut self, key: &ObjectKey, view: &View) {
        let Some(entry) = self.runs.get_mut(key) else {
            return;
        };
        let own = view
            .runs
            .get(key)
            .map(|r| run_findings(r, find_pr(view.prs, r), self.prs_known))
            .unwrap_or_default();
        if own == entry.own {
            return;
        }
        for f in &entry.own {
            self.findings.remove(f);
        }
        self.findings.extend(own.iter().cloned());
        entry.own = own;
        self.refresh_flag(key);
    }

    fn refresh_orphan(&mut self, pk: &PrKey, view: &View) {
        let prefix = self.head_prefix.as_deref().unwrap_or(view.head_prefix);
        let want = view
            .prs
            .get(pk)
            .filter(|pr| {
                matches!(pr.state, PrState::Open | PrState::Draft)
                    && pr.head_branch.starts_with(prefix)
                    && !self
                        .pushed
                        .contains_key(&(lower(&pr.repository), pr.head_branch.as_str().into()))
            })
            .map(|pr| Finding::OrphanPr {
                repository: pr.repository.clone(),
                head: pr.head_branch.clone(),
                number: pr.number,
            });
        if self.orphans.get(pk) == want.as_ref() {
            return;
        }
        if let Some(old) = self.orphans.remove(pk) {
            self.findings.remove(&old);
        }
        if let Some(new) = want {
            self.findings.insert(new.clone());
            self.orphans.insert(pk.clone(), new);
        }
    }

    /// Judges one idempotency key again; returns the runs whose flag may have changed.
    fn refresh_shared(&mut self, group: &KeyGroup, view: &View) -> Vec<ObjectKey> {
        let want = view
            .keys
            .runs(&group.0, &group.1)
            .filter(|runs| runs.len() > 1)
            .map(|runs| Finding::SharedKey {
                key: group.1.to_string(),
                runs: runs.iter().cloned().collect(),
            });
        if self.shared.get(group) == want.as_ref() {
            return Vec::new();
        }
        let mut members = Vec::new();
        for f in self.shared.remove(group).into_iter().chain(want.clone()) {
            if let Finding::SharedKey { runs, .. } = &f {
                members.extend(runs.iter().cloned());
            }
            self.findings.remove(&f);
        }
        if let Some(new) = want {
            self.findings.insert(new.clone());
            self.shared.insert(group.clone(), new);
        }
        members
    }

    fn is_flagged(&self, entry: &Entry) -> bool {
        !entry.own.is_empty()
            || entry
                .key
                .as_ref()
                .is_some_and(|g| self.shared.contains_key(g))
    }

    /// Moves a run's count to where it belongs now (its lane, or nowhere when it is fine).
    fn refresh_flag(&mut self, key: &ObjectKey) {
        let now = self
            .runs
            .get(key)
            .filter(|e| self.is_flagged(e))
            .map(|e| e.lane.clone());
        if self.counted.get(key) == now.as_ref() {
            return;
        }
        if let Some(lane) = self.counted.remove(key)
            && let Some(n) = self.flagged.get_mut(&lane)
        {
            *n -= 1;
            if *n == 0 {
                self.flagged.remove(&lane);
            }
        }
        if let Some(lane) = now {
            *self.flagged.entry(lane.clone()).or_default() += 1;
            self.counted.insert(key.clone(), lane);
        }
    }

    /// PR data was known as of the last event.
    pub fn prs_known(&self) -> bool {
        self.prs_known
    }

    /// The settings of `view` (PR data known, head prefix) may differ from the last event's.
    pub fn settings_changed(&mut self, view: &View) {
        self.sync(view);
    }

    /// How many findings there are (orphan PRs included).
    pub fn total(&self) -> usize {
        self.findings.len()
    }

    /// Every finding, in `reconcile`'s order.
    pub fn iter(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter()
    }

    /// What is said about one run: its own findings, then the key it shares.
    pub fn of_run(&self, key: &ObjectKey) -> Vec<&Finding> {
        let Some(entry) = self.runs.get(key) else {
            return Vec::new();
        };
        entry
            .own
            .iter()
            .chain(entry.key.as_deref().and_then(|g| self.shared.get(g)))
            .collect()
    }

    /// Flagged runs of a lane (`None`: the runs without one).
    pub fn lane(&self, lane: Option<&str>) -> u32 {
        self.flagged
            .get(&lane.map(CompactString::from))
            .copied()
            .unwrap_or(0)
    }

    /// Flagged runs per lane.
    pub fn lanes(&self) -> impl Iterator<Item = (Option<&str>, u32)> {
        self.flagged.iter().map(|(l, n)| (l.as_deref(), *n))
    }

    /// Runs flagged anywhere.
    pub fn flagged_runs(&self) -> u32 {
        self.flagged.values().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::super::reconcile::reconcile;
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    const REPOS: [Option<&str>; 4] = [
        Some("o/r"),
        Some("O/R"),
        Some("https://github.com/o/r.git"),
        None,
    ];
    const HEADS: [Option<&str>; 4] = [Some("codex/a"), Some("codex/b"), Some("feature/x"), None];
    const REAL: [Option<&str>; 4] = [None, Some("codex/a"), Some("codex/a-2"), Some("codex/b ")];
    const PHASES: [&str; 3] = ["Running", "Succeeded", "Failed"];
    const LANES: [Option<&str>; 3] = [Some("A"), Some("B"), None];
    const PR_HEADS: [&str; 5] = ["codex/a", "codex/b", "codex/a-2", "feature/x", "codex/b "];

    #[derive(Debug, Clone)]
    struct RunSpec {
        name: u8,
        ns: u8,
        phase: usize,
        repo: usize,
        head: usize,
        real: usize,
        key: Option<u8>,
        url: Option<u8>,
        template: bool,
        lane: usize,
    }

    #[derive(Debug, Clone)]
    enum Event {
        Run(RunSpec),
        Gone(u8, u8),
        Pr {
            upper: bool,
            head: usize,
            number: u64,
            state: usize,
        },
        Known(bool),
        Prefix(bool),
    }

    fn event() -> impl Strategy<Value = Event> {
        let run = (
            (
                0u8..6,
                0u8..2,
                0..PHASES.len(),
                0..REPOS.len(),
                0..HEADS.len(),
            ),
            (
                0..REAL.len(),
                proptest::option::of(0u8..2),
                proptest::option::of(1u8..3),
                proptest::bool::weighted(0.1),
                0..LANES.len(),
            ),
        )
            .prop_map(
                |((name, ns, phase, repo, head), (real, key, url, template, lane))| RunSpec {
                    name,
                    ns,
                    phase,
                    repo,
                    head,
                    real,
                    key,
                    url,
                    template,
                    lane,
                },
            );
        prop_oneof![
            6 => run.prop_map(Event::Run),
            2 => (0u8..6, 0u8..2).prop_map(|(n, ns)| Event::Gone(n, ns)),
            4 => (any::<bool>(), 0..PR_HEADS.len(), 1u64..4, 0..PrState::ALL.len())
                .prop_map(|(upper, head, number, state)| Event::Pr { upper, head, number, state }),
            1 => any::<bool>().prop_map(Event::Known),
            1 => any::<bool>().prop_map(Event::Prefix),
        ]
    }

    fn run_of(s: &RunSpec) -> (Run, Option<String>) {
        let mut params = json!({});
        if let Some(r) = REPOS[s.repo] {
            params["repository"] = json!(r);
        }
        if let Some(h) = HEADS[s.head] {
            params["head"] = json!(h);
        }
        let mut status = json!({"phase": PHASES[s.phase]});
        if let Some(real) = REAL[s.real] {
            status["vcs"] = json!({"headBranch": real});
        }
        if let Some(n) = s.url {
            status["artifacts"] = json!([{"url": format!("https://github.com/o/r/pull/{n}")}]);
        }
        let mut meta = json!({"name": format!("r{}", s.name), "namespace": format!("ns{}", s.ns)});
        if s.template {
            meta["annotations"] = json!({crate::domain::labels::TEMPLATE: "true"});
        }
        let mut spec = json!({"parameters": params});
        if let Some(k) = s.key {
            spec["idempotencyKey"] = json!(format!("k{k}"));
        }
        let run = Run::from_json(&json!({"metadata": meta, "spec": spec, "status": status}));
        (run, LANES[s.lane].map(str::to_owned))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]
        /// The ledger kept per event equals a full `reconcile` (and a recount of flagged runs
        /// per lane) after every event of any sequence.
        #[test]
        fn ledger_kept_per_event_equals_a_full_reconcile(
            events in proptest::collection::vec(event(), 1..60),
        ) {
            let mut runs = crate::domain::RunMap::new();
            let mut lanes: HashMap<ObjectKey, Option<String>> = HashMap::new();
            let mut prs: Prs = HashMap::new();
            let mut keys = KeyIndex::default();
            let mut known = true;
            let mut prefix = "codex/";
            let mut ledger = Ledger::default();
            let now = chrono::Utc::now();
            for e in events {
                match e {
                    Event::Run(spec) => {
                        let (run, lane) = run_of(&spec);
                        let key = run.key.clone();
                        keys.set(&key, run.idempotency_key.as_deref());
                        let before = runs.insert(key.clone(), run);
                        lanes.insert(key.clone(), lane.clone());
                        let view = View { runs: &runs, prs: &prs, keys: &keys, prs_known: known, head_prefix: prefix };
                        ledger.run_changed(&key, before.as_ref(), lane.map(Into::into), &view);
                    }
                    Event::Gone(name, ns) => {
                        let key = ObjectKey::new(format!("ns{ns}"), format!("r{name}"));
                        if let Some(before) = runs.remove(&key) {
                            lanes.remove(&key);
                            keys.set(&key, None);
                            let view = View { runs: &runs, prs: &prs, keys: &keys, prs_known: known, head_prefix: prefix };
                            ledger.run_changed(&key, Some(&before), None, &view);
                        }
                    }
                    Event::Pr { upper, head, number, state } => {
                        let repo = if upper { "O/R" } else { "o/r" };
                        let pr = PullRequest::new(repo, PR_HEADS[head], number, PrState::ALL[state], now);
                        let pk = pr.key();
                        prs.insert(pk.clone(), pr);
                        let view = View { runs: &runs, prs: &prs, keys: &keys, prs_known: known, head_prefix: prefix };
                        ledger.pr_changed(&pk, &view);
                    }
                    Event::Known(k) => {
                        known = k;
                        // The app tells the ledger with its next event; a no-op run event here.
                        if let Some(key) = runs.keys().next().cloned() {
                            let view = View { runs: &runs, prs: &prs, keys: &keys, prs_known: known, head_prefix: prefix };
                            ledger.run_changed(&key, runs.get(&key), lanes[&key].clone().map(Into::into), &view);
                        } else {
                            continue;
                        }
                    }
                    Event::Prefix(codex) => {
                        prefix = if codex { "codex/" } else { "" };
                        if let Some(pk) = prs.keys().next().cloned() {
                            let view = View { runs: &runs, prs: &prs, keys: &keys, prs_known: known, head_prefix: prefix };
                            ledger.pr_changed(&pk, &view);
                        } else {
                            continue;
                        }
                    }
                }
                let want = reconcile(runs.values(), prs.values(), |r| find_pr(&prs, r), known, &keys, prefix);
                let kept: Vec<Finding> = ledger.iter().cloned().collect();
                prop_assert_eq!(&kept, &want);
                prop_assert_eq!(ledger.total(), want.len());
                // Flagged runs per lane, counted from the findings.
                let mut flagged: BTreeSet<&ObjectKey> = BTreeSet::new();
                for f in &want {
                    match f {
                        Finding::NoPr { run } | Finding::HeadRenamed { run, .. } => { flagged.insert(run); }
                        Finding::SharedKey { runs, .. } => flagged.extend(runs.iter()),
                        Finding::OrphanPr { .. } => {}
                    }
                }
                let mut per_lane: BTreeMap<Option<&str>, u32> = BTreeMap::new();
                for k in &flagged {
                    *per_lane.entry(lanes[*k].as_deref()).or_default() += 1;
                    prop_assert!(!ledger.of_run(k).is_empty());
                }
                prop_assert_eq!(ledger.lanes().collect::<BTreeMap<_, _>>(), per_lane);
                prop_assert_eq!(ledger.flagged_runs() as usize, flagged.len());
            }
        }
    }
}
