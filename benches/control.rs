//! The control room at scale: 10,000 runs of which 5,000 Blocked (QueueLimit, ConcurrencyLimit,
//! RateLimit), 5 lanes, 200×60. Goal: a frame drawn (banner, lane headers with reasons, cards
//! with their why-line, title by reason) ≤ 1 ms median, and one watch event counts its reason
//! without walking the runs (the counters move by one run; compared with a recount of all).
mod scene;
use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;
use std::hint::black_box;
use swarm_cockpit::app::state::Origin;
use swarm_cockpit::app::{Msg, Resource, SourceEvent, State, update};
use swarm_cockpit::domain::Run;
use swarm_cockpit::domain::control::counts::{BlockedCounts, Contribution};
use swarm_cockpit::ui::{self, Theme};

const REASONS: [(&str, &str); 3] = [
    ("QueueLimit", "Namespace agents reached queue limit"),
    (
        "ConcurrencyLimit",
        "agent codex reached its concurrency limit",
    ),
    (
        "RateLimit",
        "agent codex reached rate limit (retry after 45s)",
    ),
];

fn run(i: usize, blocked: bool) -> Run {
    let lane = ["A", "B", "C", "D", "E"][i % 5];
    let status = if blocked {
        let (reason, message) = REASONS[i % 3];
        json!({"phase": "Pending", "conditions": [{"type": "Blocked", "status": "True",
            "reason": reason, "message": message, "lastTransitionTime": "2026-02-10T11:59:30Z"}]})
    } else {
        let phase = ["Running", "Succeeded", "Failed"][i % 3];
        json!({"phase": phase, "startedAt": "2026-02-10T10:01:00Z",
               "workflow": {"steps": [{"name": "implement", "phase": "Running", "attempt": 1 + (i % 2)}]}})
    };
    Run::from_json(&json!({
        "metadata": {"name": format!("run-{i:05}"), "namespace": "agents",
                     "labels": {"swarm.proompteng.ai/lane": lane},
                     "creationTimestamp": "2026-02-10T10:00:00Z"},
        "spec": {"agentRef": {"name": "codex"}, "implementationSpecRef": {"name": format!("item-{i}")},
                 "runtime": {"type": "workflow"}, "ttlSecondsAfterFinished": 7200,
                 "parameters": {"repository": "proompteng/lab", "head": format!("codex/swarm/lane-{lane}/item-{i}")}},
        "status": status
    }))
}

fn state() -> State {
    let mut state = scene::torghut_state(Origin {
        context: "bench".into(),
        namespace: Some("agents".into()),
    });
    for i in 0..10_000 {
        update(
            &mut state,
            Msg::Source(SourceEvent::Applied(Resource::Run(Box::new(run(
                i,
                i % 2 == 0,
            ))))),
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
    assert_eq!(state.cluster.control.blocked.total(), 5_000);
    state
}

fn bench(c: &mut Criterion) {
    let theme = Theme::default();
    let mut state = state();
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("backend");

    c.bench_function("draw board, 10k runs of which 5k blocked, 200x60", |b| {
        b.iter(|| {
            terminal
                .draw(|f| ui::draw(f, black_box(&state), &theme))
                .expect("draw");
        })
    });

    // One run blocked / unblocked per event: `update` with the counters moving by one.
    c.bench_function(
        "one blocked/unblocked event: update + counters, 10k runs",
        |b| {
            let mut i = 0usize;
            b.iter(|| {
                i += 1;
                let n = (i * 7919) % 10_000;
                update(
                    &mut state,
                    Msg::Source(SourceEvent::Applied(Resource::Run(Box::new(run(
                        n,
                        i.is_multiple_of(2),
                    ))))),
                );
                black_box(state.cluster.control.blocked.total())
            })
        },
    );

    // What a per-event full recount would cost instead (the design avoided).
    let runs: Vec<Run> = state.cluster.runs.values().cloned().collect();
    c.bench_function("for comparison: recount all 10k runs' reasons", |b| {
        b.iter(|| {
            let mut counts = BlockedCounts::default();
            for r in &runs {
                let c = swarm_cockpit::domain::control::blocked::blocked(r).map(|b| Contribution {
                    reason: b.reason,
                    lane: r.lane.clone(),
                    namespace: r.key.namespace.clone(),
                    repository: r.repository.clone(),
                    agent: r.agent.clone(),
                });
                counts.set(&r.key, c);
            }
            black_box(counts.total())
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench
}
criterion_main!(benches);
