//! Lane territory: which paths a lane really owns once declared overlaps are resolved. A declared
//! `[[overlap]]` means sub-tree ownership — the more specific lane owns the sub-tree (lane B owns
//! `argocd/applications/torghut/ta/**` inside lane C's `argocd/applications/torghut/**`), so the
//! broader lane's items must stay out of it — unless the overlap is declared `shared`.
use super::paths::{PathSet, PathSpec, Witness};
use super::plan::Plan;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

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
                LaneTerritory {
                    id: l.id.clone(),
                    owns: PathSet::new(&specs),
                    carved: Vec::new(),
                }
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
