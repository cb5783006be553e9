//! Lane territory: which paths a lane really owns once declared overlaps are resolved. A declared
//! `[[overlap]]` means sub-tree ownership — the more specific lane owns the sub-tree (lane B owns
//! `argocd/applications/torghut/ta/**` inside lane C's `argocd/applications/torghut/**`), so the
//! broader lane's items must stay out of it — unless the overlap is declared `shared`.
use super::paths::{PathSet, PathSpec, Witness};
use super::plan::Plan;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, OnceLock};

/// A sub-tree carved out of a lane's globs, owned by another lane.
#[derive(Debug, Clone)]
pub struct Carve {
    pub owner: String,
    pub spec: PathSpec,
}

#[derive(Debug, Clone)]
pub struct LaneTerritory {
    pub id: String,
    pub owns: PathSet,
    pub carved: Vec<Carve>,
    /// The shortest path of each of `owns`' globs, sorted, with the glob's index; the globs
    /// that name none at the end. Built on first use.
    examples: OnceLock<Vec<(Option<String>, usize)>>,
}

/// Where an in-scope path stands in its lane: everything the lane check decides about it.
#[derive(Debug)]
pub enum Ownership<'a> {
    /// It names a path outside the lane's globs (this one).
    Outside(Witness),
    Inside {
        /// The carved sub-trees it reaches into, each with a path of it there.
        carved: Vec<(&'a Carve, Witness)>,
        /// The first lane glob it covers whole: it will conflict with every other work item of
        /// the lane in flight.
        whole: Option<&'a PathSpec>,
    },
}

impl LaneTerritory {
    fn new(id: String, owns: PathSet) -> LaneTerritory {
        LaneTerritory {
            id,
            owns,
            carved: Vec::new(),
            examples: OnceLock::new(),
        }
    }

    pub fn ownership(&self, spec: &PathSpec) -> Ownership<'_> {
        if let Some(outside) = spec.uncovered_by(&self.owns)
            && !self.owns_as_a_file(spec)
        {
            return Ownership::Outside(outside);
        }
        let carved = self
            .carved
            .iter()
            .filter_map(|c| Some((c, spec.overlap(&c.spec)?)))
            .collect();
        let globs = self.owns.specs();
        let whole = self
            .whole_candidates(spec)
            .into_iter()
            .map(|i| &globs[i])
            .find(|g| spec.covers(g));
        Ownership::Inside { carved, whole }
    }

    /// Whether `spec` is a plain path the lane owns as the file it names (`replay.py` in a lane
    /// owning `scripts/*.py`, `tests/test_x.py` in one owning `**/test_*.py`). A plain path names
    /// what is beneath it too, since git paths name files or directories, and the wave's
    /// conflict check reads it so; for ownership, reading every file a lane owns by pattern as a
    /// possible directory would refuse them all, and what a PR really changes is the audit's.
    fn owns_as_a_file(&self, spec: &PathSpec) -> bool {
        spec.literal().is_some_and(|path| self.owns.matches(path))
    }

    /// The lane globs `spec` may cover, in the lane's order: to cover a glob, it must name the
    /// glob's shortest path, and every path it names starts with its literal prefix — so only
    /// globs whose shortest path starts with that prefix, or that name no path, can be covered.
    fn whole_candidates(&self, spec: &PathSpec) -> Vec<usize> {
        let examples = self.examples.get_or_init(|| {
            let mut v: Vec<(Option<String>, usize)> = self
                .owns
                .specs()
                .iter()
                .enumerate()
                .map(|(i, g)| (g.example(), i))
                .collect();
            // `None` sorts first; the globs that name nothing go to the end.
            v.sort_by(|a, b| (a.0.is_none(), &a.0).cmp(&(b.0.is_none(), &b.0)));
            v
        });
        let prefix = spec.text_prefix();
        let first = examples.partition_point(|(e, _)| e.as_deref().is_some_and(|e| e < prefix));
        let mut out: Vec<usize> = examples[first..]
            .iter()
            .take_while(|(e, _)| e.as_deref().is_some_and(|e| e.starts_with(prefix)))
            .map(|&(_, i)| i)
            .chain(
                examples
                    .iter()
                    .filter(|(e, _)| e.is_none())
                    .map(|&(_, i)| i),
            )
            .collect();
        out.sort_unstable();
        out
    }
}

/// A declared overlap that does not resolve to a sub-tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ambiguity {
    pub lanes: (String, String),
    pub globs: (String, String),
    pub witness: Witness,
    pub equal: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Territory {
    pub lanes: Vec<LaneTerritory>,
    pub ambiguities: Vec<Ambiguity>,
}

impl Territory {
    pub fn of(plan: &Plan) -> Territory {
        let mut lanes: Vec<LaneTerritory> = plan
            .lanes
            .iter()
            .map(|l| {
                let specs: Vec<PathSpec> = l
                    .owns
                    .iter()
                    .filter_map(|g| PathSpec::parse(g).ok())
                    .collect();
                LaneTerritory::new(l.id.clone(), PathSet::new(&specs))
            })
            .collect();
        let mut ambiguities = Vec::new();
        for overlap in plan.overlaps.iter().filter(|o| !o.shared) {
            let (Some(ia), Some(ib)) = (
                lanes.iter().position(|l| l.id == overlap.lanes.0),
                lanes.iter().position(|l| l.id == overlap.lanes.1),
            ) else {
                continue;
            };
            let (a, b) = (lanes[ia].clone(), lanes[ib].clone());
            for ga in a.owns.specs() {
                for gb in b.owns.specs() {
                    let Some(witness) = ga.overlap(gb) else {
                        continue;
                    };
                    let b_inside_a = gb.uncovered_by(&a.owns).is_none();
                    let a_inside_b = ga.uncovered_by(&b.owns).is_none();
                    match (b_inside_a, a_inside_b) {
                        (true, false) => lanes[ia].carved.push(Carve {
                            owner: b.id.clone(),
                            spec: gb.clone(),
                        }),
                        (false, true) => lanes[ib].carved.push(Carve {
                            owner: a.id.clone(),
                            spec: ga.clone(),
                        }),
                        (inside, _) => ambiguities.push(Ambiguity {
                            lanes: (a.id.clone(), b.id.clone()),
                            globs: (ga.source().to_owned(), gb.source().to_owned()),
                            witness,
                            equal: inside,
                        }),
                    }
                }
            }
        }
        Territory { lanes, ambiguities }
    }

    pub fn lane(&self, id: &str) -> Option<&LaneTerritory> {
        self.lanes.iter().find(|l| l.id == id)
    }
}

/// What the territory is computed from, to know when a cached one is stale.
pub fn fingerprint(plan: &Plan) -> u64 {
    let mut h = DefaultHasher::new();
    for l in &plan.lanes {
        (&l.id, &l.owns).hash(&mut h);
    }
    for o in &plan.overlaps {
        (&o.lanes, o.shared).hash(&mut h);
    }
    h.finish()
}

/// A plan's territory, computed once per version of its lanes.
#[derive(Debug, Default)]
pub struct TerritoryCache(std::sync::Mutex<Option<(u64, Arc<Territory>)>>);

impl TerritoryCache {
    pub fn get(&self, plan: &Plan) -> Arc<Territory> {
        let fp = fingerprint(plan);
        let mut guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((cached, t)) = guard.as_ref()
            && *cached == fp
        {
            return t.clone();
        }
        let t = Arc::new(Territory::of(plan));
        *guard = Some((fp, t.clone()));
        t
    }
}

impl Clone for TerritoryCache {
    fn clone(&self) -> Self {
        TerritoryCache::default()
    }
}

impl PartialEq for TerritoryCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::plan::TORGHUT_PLAN;
    use proptest::prelude::*;

    fn glob() -> impl Strategy<Value = String> {
        let seg = prop_oneof![
            Just("a"),
            Just("b"),
            Just("ab"),
            Just("*"),
            Just("**"),
            Just("a*"),
            Just("{a,b}"),
            Just("[ab]")
        ];
        proptest::collection::vec(seg, 1..=3).prop_map(|v| v.join("/"))
    }

    fn parsed(globs: &[String]) -> Vec<PathSpec> {
        globs
            .iter()
            .filter_map(|g| PathSpec::parse(g).ok())
            .collect()
    }

    proptest! {
        /// The lane check's answers are the plain decisions': the whole-lane index leaves out
        /// only globs the path cannot cover.
        #[test]
        fn ownership_is_the_plain_decisions(
            owns in proptest::collection::vec(glob(), 1..6),
            paths in proptest::collection::vec(glob(), 1..6),
        ) {
            let globs = parsed(&owns);
            let lane = LaneTerritory::new("L".into(), PathSet::new(&globs));
            // A plain path the lane's globs name, read as the file it names.
            let as_a_file = |spec: &PathSpec| {
                spec.literal().is_some_and(|p| globs.iter().any(|g| g.matches(p)))
            };
            for spec in parsed(&paths) {
                match lane.ownership(&spec) {
                    Ownership::Outside(w) => {
                        prop_assert_eq!(Some(w), spec.uncovered_by(&lane.owns));
                        prop_assert!(!as_a_file(&spec), "{} in {:?}", spec.source(), owns);
                    }
                    Ownership::Inside { carved, whole } => {
                        prop_assert!(
                            spec.uncovered_by(&lane.owns).is_none() || as_a_file(&spec),
                            "{} in {:?}", spec.source(), owns
                        );
                        prop_assert!(carved.is_empty());
                        let brute = globs.iter().position(|g| spec.covers(g));
                        let found = whole.and_then(|w| lane.owns.specs().iter().position(|g| std::ptr::eq(g, w)));
                        prop_assert_eq!(found, brute, "{} in {:?}", spec.source(), owns);
                    }
                }
            }
        }
    }

    /// A lane that owns files by pattern owns each of them named plainly.
    #[test]
    fn a_plain_path_the_lane_makes_a_file_is_the_lanes() {
        let lane = |globs: &[&str]| {
            let specs: Vec<PathSpec> = globs
                .iter()
                .map(|g| PathSpec::parse(g).expect("glob"))
                .collect();
            LaneTerritory::new("L".into(), PathSet::new(&specs))
        };
        let inside = |l: &LaneTerritory, p: &str| {
            matches!(
                l.ownership(&PathSpec::parse(p).expect("path")),
                Ownership::Inside { .. }
            )
        };
        let scripts = lane(&["packages/scripts/*.py", "docs/**"]);
        assert!(inside(&scripts, "packages/scripts/replay.py"));
        assert!(inside(&scripts, "docs/runbook.md"));
        assert!(!inside(&scripts, "packages/scripts/replay.sh"));
        assert!(!inside(&scripts, "packages/scripts"));
        assert!(!inside(&scripts, "packages/scripts/sub/replay.py"));
        // A lane glob that also names paths beneath the file does not make it a directory.
        let tests = lane(&["**/test_*.py"]);
        assert!(inside(&tests, "services/torghut/tests/test_limits.py"));
        assert!(!inside(&tests, "services/torghut/tests"));
        assert!(!inside(&tests, "services/torghut/tests/limits.py"));
    }

    #[test]
    fn the_torghut_plan_carves_sub_trees_out_of_lane_c() {
        let plan = Plan::parse(TORGHUT_PLAN, "plan.toml").expect("plan");
        let t = Territory::of(&plan);
        assert!(t.ambiguities.is_empty(), "{:?}", t.ambiguities);
        let c = t.lane("C").expect("lane C");
        let carved: Vec<_> = c
            .carved
            .iter()
            .map(|c| (c.owner.as_str(), c.spec.source()))
            .collect();
        assert_eq!(
            carved,
            [
                ("B", "argocd/applications/torghut/ta/**"),
                ("E", "argocd/applications/torghut/dashboards/**"),
                ("E", "argocd/applications/torghut/alerts/**"),
            ]
        );
        assert!(t.lane("B").expect("B").carved.is_empty());
    }

    #[test]
    fn equal_or_crossing_globs_are_ambiguous() {
        let plan = Plan::parse(
            "[[lane]]\nid = \"A\"\ntitle = \"a\"\nowns = [\"x/*/y/**\"]\n\
             [[lane]]\nid = \"B\"\ntitle = \"b\"\nowns = [\"x/b/**\"]\n\
             [[lane]]\nid = \"C\"\ntitle = \"c\"\nowns = [\"z/**\"]\n\
             [[lane]]\nid = \"D\"\ntitle = \"d\"\nowns = [\"z/\"]\n\
             [[overlap]]\nlanes = [\"A\", \"B\"]\n[[overlap]]\nlanes = [\"C\", \"D\"]\n",
            "p.toml",
        )
        .expect("plan");
        let t = Territory::of(&plan);
        assert_eq!(t.ambiguities.len(), 2, "{:?}", t.ambiguities);
        assert_eq!(t.ambiguities[0].witness, Witness::Path("x/b/y/a".into()));
        assert!(!t.ambiguities[0].equal);
        assert!(t.ambiguities[1].equal);
    }
}
