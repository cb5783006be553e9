//! Board frame build + draw for 5 lanes × 2,000 runs at 200×60 (goal: ≤ 1 ms median), plus the
//! cost of rebuilding the board after a change and of applying one watch event.
use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;
use std::hint::black_box;
use swarm_cockpit::app::state::Origin;
use swarm_cockpit::app::{Msg, Resource, SourceEvent, State, update};
use swarm_cockpit::domain::plan::TORGHUT_PLAN;
use swarm_cockpit::domain::{Plan, Run};
use swarm_cockpit::ui::{self, Theme};

const PHASES: [&str; 6] = [
    "Running",
    "Pending",
    "Succeeded",
    "Failed",
    "Cancelled",
    "Hibernating",
];

fn run(i: usize) -> Run {
    let lane = ["A", "B", "C", "D", "E"][i % 5];
    Run::from_json(&json!({
        "metadata": {"name": format!("run-{i:05}"), "namespace": "agents",
                     "labels": {"swarm.proompteng.ai/lane": lane},
                     "creationTimestamp": "2026-02-10T10:00:00Z"},
        "spec": {"agentRef": {"name": "codex"}, "implementationSpecRef": {"name": format!("item-{i}")},
                 "runtime": {"type": "workflow"},
                 "parameters": {"repository": "proompteng/lab", "head": format!("codex/swarm/lane-{lane}/item-{i}")}},
        "status": {"phase": PHASES[i % PHASES.len()], "startedAt": "2026-02-10T10:01:00Z"}
    }))
}

fn state_with(n: usize) -> State {
    let plan = Plan::parse(TORGHUT_PLAN, "plan.toml").expect("plan");
    let now = Utc
        .with_ymd_and_hms(2026, 2, 10, 12, 0, 0)
        .single()
        .expect("time");
    let mut state = State::new(
        plan,
        Origin {
            context: "bench".into(),
            namespace: Some("agents".into()),
        },
        now,
    );
    for i in 0..n {
        update(
            &mut state,
            Msg::Source(SourceEvent::Applied(Resource::Run(Box::new(run(i))))),
        );
    }
    update(
        &mut state,
        Msg::Resize {
            width: 200,
            height: 60,
        },
    );
    state.ensure_board();
    state
}

fn bench(c: &mut Criterion) {
    let theme = Theme::default();
    let mut state = state_with(10_000);
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("backend");

    c.bench_function("draw board 5 lanes x 2000 runs 200x60", |b| {
        b.iter(|| {
            terminal
                .draw(|f| ui::draw(f, black_box(&state), &theme))
                .expect("draw");
        })
    });

    // Everything the runtime does between a watch event arriving and the frame: `update`, the
    // board brought up to date, what the GitHub poller and the auditor should look at, the draw.
    c.bench_function("one watch event -> frame, 10k runs 200x60", |b| {
        let mut i = 0usize;
        b.iter(|| {
            i += 1;
            let mut changed = run(i % 10_000);
            changed.phase = swarm_cockpit::domain::Phase::parse(Some(PHASES[i % 4]));
            update(
                &mut state,
                Msg::Source(SourceEvent::Applied(Resource::Run(Box::new(changed)))),
            );
            state.ensure_board();
            black_box(swarm_cockpit::app::github::wanted_fingerprint(&state));
            black_box(swarm_cockpit::app::audit::wanted_fingerprint(&state));
            terminal
                .draw(|f| ui::draw(f, &state, &theme))
                .expect("draw");
        })
    });

    c.bench_function(
        "full board rebuild after a work item change, 10k runs",
        |b| {
            b.iter(|| {
                let item = swarm_cockpit::domain::WorkItem::from_json(&json!({
                    "metadata": {"name": "item-1", "namespace": "agents",
                                 "labels": {"swarm.proompteng.ai/lane": "A"}},
                    "spec": {"text": "## Objective\nx\n", "summary": "x"}
                }));
                update(
                    &mut state,
                    Msg::Source(SourceEvent::Applied(Resource::WorkItem(Box::new(item)))),
                );
                state.ensure_board();
                black_box(state.board_view().columns.len())
            })
        },
    );

    c.bench_function("initial list of 10k runs into state + first frame", |b| {
        b.iter(|| {
            let s = state_with(10_000);
            black_box(s.cluster.runs.len())
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench
}
criterion_main!(benches);
