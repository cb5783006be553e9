//! The wave planner at scale: 200 work items in 5 lanes and 5 waves, 10,000 runs of them (49
//! finished runs per item, a PR each, merged or open, and one in flight), the gates of wave 2 as
//! the planner asks them on every frame it draws. Before the PR states were read in one pass, each
//! item's state was a pass over all runs, and each run's work item a scan of all items.
//!
//!     cargo bench --bench planner
mod scene;
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use std::hint::black_box;
use swarm_cockpit::app::State;
use swarm_cockpit::app::state::Origin;
use swarm_cockpit::app::waves;
use swarm_cockpit::domain::pr::{PrState, PullRequest};
use swarm_cockpit::domain::wave::Overrides;
use swarm_cockpit::domain::{Run, WorkItem};

const ITEMS: usize = 200;
const RUNS_PER_ITEM: usize = 50;
const LANES: [&str; 5] = ["A", "B", "C", "D", "E"];

fn item(i: usize) -> WorkItem {
    let lane = LANES[i % 5];
    let text = format!(
        "## Objective\nChange item {i}.\n\n## In-scope paths\n- `services/torghut/app/trading/item{i}/**`\n\n## Out-of-scope constraints\n- none\n\n## Acceptance criteria\n- works\n\n## Validation commands\n- `pytest`\n\n## Safety gates\n- paper-only\n- no credentials changes\n\n## Parameters\n- repository: proompteng/lab\n- base: main\n- head: codex/swarm/lane-{}/item-{i}\n- stage: implementation\n",
        lane.to_lowercase()
    );
    WorkItem::from_json(
        &json!({"metadata": {"name": format!("item-{i}"), "namespace": "agents",
        "labels": {"swarm.proompteng.ai/lane": lane, "swarm.proompteng.ai/wave": (1 + i % 5).to_string()}},
        "spec": {"text": text}}),
    )
}

fn run(item: usize, n: usize) -> Run {
    let phase = if n == 0 { "Running" } else { "Succeeded" };
    Run::from_json(&json!({
        "metadata": {"name": format!("item-{item}-r{n}"), "namespace": "agents",
                     "labels": {"swarm.proompteng.ai/lane": LANES[item % 5]},
                     "creationTimestamp": format!("2026-02-10T{:02}:{:02}:00Z", n / 60, n % 60)},
        "spec": {"implementationSpecRef": {"name": format!("item-{item}")}, "runtime": {"type": "workflow"},
                 "parameters": {"repository": "proompteng/lab", "head": format!("codex/item-{item}-r{n}")}},
        "status": {"phase": phase}
    }))
}

fn state() -> State {
    let now = scene::now();
    let mut state = scene::torghut_state(Origin::default());
    for i in 0..ITEMS {
        state.cluster.upsert_item(item(i));
        for n in 0..RUNS_PER_ITEM {
            state.cluster.upsert_run(run(i, n));
            let pr_state = if (i + n) % 3 == 0 {
                PrState::Merged
            } else {
                PrState::Open
            };
            state.cluster.upsert_pr(PullRequest::new(
                "proompteng/lab",
                format!("codex/item-{i}-r{n}"),
                (i * RUNS_PER_ITEM + n) as u64 + 1,
                pr_state,
                now,
            ));
        }
    }
    state
}

fn bench(c: &mut Criterion) {
    let state = state();
    let all = waves::waves(&state);
    assert_eq!(state.cluster.runs.len(), ITEMS * RUNS_PER_ITEM);
    assert_eq!(all.len(), 5, "five waves");
    c.bench_function(
        "planner gates of wave 2: 200 items, 10k runs with PRs",
        |b| b.iter(|| black_box(waves::gates(&state, &all, 1, &Overrides::default()))),
    );
    c.bench_function("every item's PR state: 200 items, 10k runs", |b| {
        b.iter(|| black_box(waves::item_pr_states(&state)))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
