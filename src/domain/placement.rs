//! Where a run belongs: its work item, its lane, its wave. One rule, read by the board, the PR
//! counts, the audit, the wave-finished toast and wave cancel (planner and `swarm wave cancel`),
//! so they cannot disagree about which runs are "wave 2" or "lane A".
//!
//! - item: the work item named by the run (`spec.implementationSpecRef`, else the label), in the
//!   run's namespace;
//! - lane: the run's lane label, else its work item's lane label, else none (Unassigned);
//! - wave: the run's wave label, else its work item's wave (label, else the plan's entry).
//!
//! Blank labels count as absent; wave labels are numbers (a label that is not one is ignored).
use super::plan::Plan;
use super::resource::ObjectKey;
use super::run::Run;
use super::work_item::WorkItem;
use std::collections::BTreeMap;

/// The key of the work item a run executes (same namespace as the run).
pub fn item_key(run: &Run) -> Option<ObjectKey> {
    let name = run.work_item.as_ref()?;
    Some(ObjectKey::new(run.key.namespace.clone(), name.clone()))
}

/// Whether `run` executes `item` (same name, same namespace).
pub fn is_run_of(run: &Run, item: &WorkItem) -> bool {
    run.work_item.as_deref() == Some(item.key.name.as_str())
        && run.key.namespace == item.key.namespace
}

/// The work item a run executes, looked up in the cluster's items.
pub fn item_of<'a>(run: &Run, items: &'a BTreeMap<ObjectKey, WorkItem>) -> Option<&'a WorkItem> {
    items.get(&item_key(run)?)
}

/// The work item of each of many runs, found in a list of items: indexed by namespace and name
/// once (the first of two with one key).
pub struct ItemIndex<'a>(std::collections::HashMap<(&'a str, &'a str), &'a WorkItem>);

impl<'a> ItemIndex<'a> {
    pub fn new(items: &[&'a WorkItem]) -> ItemIndex<'a> {
        let mut index = std::collections::HashMap::with_capacity(items.len());
        for item in items {
            index
                .entry((item.key.namespace.as_str(), item.key.name.as_str()))
                .or_insert(*item);
        }
        ItemIndex(index)
    }

    /// The work item `run` executes, if it is among the items.
    pub fn item_of(&self, run: &Run) -> Option<&'a WorkItem> {
        let name = run.work_item.as_deref()?;
        self.0.get(&(run.key.namespace.as_str(), name)).copied()
    }
}

fn present(label: Option<&str>) -> Option<&str> {
    label.map(str::trim).filter(|l| !l.is_empty())
}

/// A work item's lane: its lane label (blank is none).
pub fn item_lane(item: &WorkItem) -> Option<&str> {
    present(item.lane.as_deref())
}

/// A run's lane: its label, else its work item's; `None` is Unassigned.
pub fn lane_of<'a>(run: &'a Run, item: Option<&'a WorkItem>) -> Option<&'a str> {
    present(run.lane.as_deref()).or_else(|| item.and_then(item_lane))
}

fn wave_number(label: Option<&str>) -> Option<u32> {
    present(label).and_then(|w| w.parse().ok())
}

/// A work item's wave: its label, else the plan's entry for it.
pub fn item_wave(item: &WorkItem, plan: &Plan) -> Option<u32> {
    wave_number(item.wave.as_deref()).or_else(|| {
        plan.items
            .iter()
            .find(|p| p.name == item.key.name)
            .map(|p| p.wave)
    })
}

/// A run's wave: its label, else its work item's wave.
pub fn wave_of(run: &Run, item: Option<&WorkItem>, plan: &Plan) -> Option<u32> {
    wave_number(run.wave.as_deref()).or_else(|| item.and_then(|i| item_wave(i, plan)))
}

/// A run's place, all three at once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placement<'a> {
    pub item: Option<&'a WorkItem>,
    pub lane: Option<&'a str>,
    pub wave: Option<u32>,
}

impl<'a> Placement<'a> {
    pub fn of(run: &'a Run, items: &'a BTreeMap<ObjectKey, WorkItem>, plan: &Plan) -> Self {
        let item = item_of(run, items);
        Placement {
            item,
            lane: lane_of(run, item),
            wave: wave_of(run, item, plan),
        }
    }
}

/// Whether a run is part of wave `n`. Templates are not: they never run, so they neither hold a
/// wave open nor get cancelled with it.
pub fn in_wave(run: &Run, items: &BTreeMap<ObjectKey, WorkItem>, plan: &Plan, n: u32) -> bool {
    !run.is_template && wave_of(run, item_of(run, items), plan) == Some(n)
}

/// The runs `x` (cancel: the in-flight ones) or `X` (delete: all of them) act on for wave `n`.
pub fn wave_targets<'r>(
    runs: impl IntoIterator<Item = &'r Run>,
    items: &BTreeMap<ObjectKey, WorkItem>,
    plan: &Plan,
    n: u32,
    delete: bool,
) -> Vec<&'r Run> {
    runs.into_iter()
        .filter(|r| in_wave(r, items, plan, n))
        .filter(|r| delete || r.phase.is_in_flight())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Phase;
    use crate::domain::plan::TORGHUT_PLAN;
    use serde_json::{Value, json};

    fn run(labels: Value, item: Option<&str>) -> Run {
        let spec = match item {
            Some(n) => json!({"implementationSpecRef": {"name": n}}),
            None => json!({}),
        };
        Run::from_json(
            &json!({"metadata": {"name": "r", "namespace": "agents", "labels": labels},
            "spec": spec, "status": {"phase": "Running"}}),
        )
    }

    fn items(labels: Value) -> BTreeMap<ObjectKey, WorkItem> {
        let w = WorkItem::from_json(&json!({"metadata": {"name": "fw", "namespace": "agents",
            "labels": labels}, "spec": {"text": ""}}));
        BTreeMap::from([(w.key.clone(), w)])
    }

    fn plan() -> Plan {
        Plan::parse(TORGHUT_PLAN, "plan.toml").expect("plan")
    }

    #[test]
    fn the_label_wins_then_the_work_item_then_nothing() {
        let plan = plan();
        let its = items(json!({"swarm.proompteng.ai/lane": "B", "swarm.proompteng.ai/wave": "3"}));
        let labelled = run(
            json!({"swarm.proompteng.ai/lane": "A", "swarm.proompteng.ai/wave": "1"}),
            Some("fw"),
        );
        let p = Placement::of(&labelled, &its, &plan);
        assert_eq!((p.lane, p.wave), (Some("A"), Some(1)));
        assert!(p.item.is_some());
        let bare = run(json!({}), Some("fw"));
        let p = Placement::of(&bare, &its, &plan);
        assert_eq!((p.lane, p.wave), (Some("B"), Some(3)));
        // Blank or unreadable labels are no labels.
        let blank = run(
            json!({"swarm.proompteng.ai/lane": " ", "swarm.proompteng.ai/wave": "soon"}),
            Some("fw"),
        );
        let p = Placement::of(&blank, &its, &plan);
        assert_eq!((p.lane, p.wave), (Some("B"), Some(3)));
        let orphan = run(json!({}), None);
        assert_eq!(
            Placement::of(&orphan, &its, &plan),
            Placement {
                item: None,
                lane: None,
                wave: None
            }
        );
    }

    #[test]
    fn an_item_without_a_wave_label_takes_the_plans() {
        let plan = plan();
        let entry = plan.items.first().expect("the plan has items");
        let w = WorkItem::from_json(
            &json!({"metadata": {"name": entry.name, "namespace": "agents"},
            "spec": {"text": ""}}),
        );
        assert_eq!(item_wave(&w, &plan), Some(entry.wave));
        let its = BTreeMap::from([(w.key.clone(), w)]);
        let r = run(json!({}), Some(&entry.name));
        assert_eq!(Placement::of(&r, &its, &plan).wave, Some(entry.wave));
    }

    #[test]
    fn the_item_is_looked_up_in_the_runs_namespace() {
        let its = items(json!({"swarm.proompteng.ai/lane": "B"}));
        let mut r = run(json!({}), Some("fw"));
        r.key.namespace = "elsewhere".into();
        assert!(item_of(&r, &its).is_none());
        let all: Vec<&WorkItem> = its.values().collect();
        let index = ItemIndex::new(&all);
        assert!(index.item_of(&r).is_none());
        r.key.namespace = "agents".into();
        assert_eq!(index.item_of(&r).map(|i| i.key.name.as_str()), Some("fw"));
    }

    #[test]
    fn wave_targets_include_runs_whose_wave_is_their_items_and_never_templates() {
        let plan = plan();
        let its = items(json!({"swarm.proompteng.ai/wave": "2"}));
        let by_label = run(json!({"swarm.proompteng.ai/wave": "2"}), None);
        let by_item = run(json!({}), Some("fw"));
        let mut done = run(json!({}), Some("fw"));
        done.phase = Phase::Succeeded;
        let mut template = run(json!({}), Some("fw"));
        template.is_template = true;
        let other = run(json!({"swarm.proompteng.ai/wave": "1"}), Some("fw"));
        let runs = [by_label, by_item, done, template, other];
        let cancel = wave_targets(&runs, &its, &plan, 2, false);
        assert_eq!(cancel.len(), 2);
        assert!(
            cancel
                .iter()
                .all(|r| r.phase.is_in_flight() && !r.is_template)
        );
        assert_eq!(wave_targets(&runs, &its, &plan, 2, true).len(), 3);
        assert_eq!(wave_targets(&runs, &its, &plan, 1, true).len(), 1);
    }
}
