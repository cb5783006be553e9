//! Launching a 50-item wave against a real API server (goal ≤ 2 s) while the UI keeps drawing:
//! the runs are created in parallel as the cockpit's executor does, and a frame of the board is
//! drawn every 16 ms meanwhile; the slowest frame shows whether the UI stayed responsive.
//!
//!     cargo bench --bench wave_launch                      # private testenv, 50 items
//!     SWARM_BENCH_ITEMS=100 cargo bench --bench wave_launch
#[path = "../tests/support/mod.rs"]
mod support;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use support::{TestCluster, WAIT, implementation_spec, template_text};
use swarm_cockpit::app::msg::LaunchOutcome;
use swarm_cockpit::app::{ConnState, State};
use swarm_cockpit::domain::approval;
use swarm_cockpit::domain::plan::TORGHUT_PLAN;
use swarm_cockpit::domain::wave::{self, LaunchSettings, Overrides};
use swarm_cockpit::domain::{Plan, ResourceKind, WorkItem, labels};
use swarm_cockpit::sources::kube_ops;
use swarm_cockpit::ui::Theme;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(bench());
}

async fn bench() {
    let n: usize = std::env::var("SWARM_BENCH_ITEMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let Some(cluster) = TestCluster::start().await else {
        return;
    };
    cluster.apply_crds().await;
    let plan = Plan::parse(TORGHUT_PLAN, "torghut").expect("plan");
    let mut items = Vec::new();
    for i in 0..n {
        let name = format!("item-{i:03}");
        let text = template_text(&format!("Item {i}."), &format!("codex/swarm/lane-a/{name}"));
        let mut obj = implementation_spec(&name, Some("A"), &format!("Item {i}."), &text);
        obj["metadata"]["labels"][labels::WAVE] = json!("1");
        let created = cluster.create(ResourceKind::ImplementationSpec, obj).await;
        let mut item = WorkItem::from_json(&serde_json::to_value(&created).expect("json"));
        approval::record_unsigned(&mut item, &plan, "bench", "now");
        items.push(item);
    }
    let mut f = cluster.follow(plan.clone());
    f.wait_until("all items listed", WAIT, |s| {
        s.cluster.items.len() == n && s.overall_connection() == ConnState::Connected
    })
    .await;

    let waves = wave::plan_waves(items.iter(), &plan);
    let manifests: Vec<serde_json::Value> = waves[0]
        .items
        .iter()
        .map(|i| {
            wave::run_manifest(
                i,
                1,
                &plan,
                &LaunchSettings::default(),
                "now",
                &Overrides::default(),
            )
        })
        .collect();

    // The UI keeps drawing on its own thread while the launch runs.
    let done = Arc::new(AtomicBool::new(false));
    let drawing = {
        let done = done.clone();
        let state: State = f.state.clone();
        std::thread::spawn(move || {
            let mut state = state;
            state.ensure_board();
            let theme = Theme::default();
            let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
            let mut worst = Duration::ZERO;
            let mut frames = 0;
            while !done.load(Ordering::Relaxed) {
                let t = Instant::now();
                terminal
                    .draw(|frame| swarm_cockpit::ui::draw(frame, &state, &theme))
                    .expect("draw");
                worst = worst.max(t.elapsed());
                frames += 1;
                std::thread::sleep(Duration::from_millis(16));
            }
            (frames, worst)
        })
    };

    let start = Instant::now();
    let outcomes = futures::future::join_all(
        manifests
            .iter()
            .map(|m| kube_ops::create_run(&cluster.client, m)),
    )
    .await;
    let launch = start.elapsed();
    done.store(true, Ordering::Relaxed);
    let (frames, worst) = drawing.join().expect("drawing thread");
    let created = outcomes
        .iter()
        .filter(|o| **o == LaunchOutcome::Created)
        .count();
    assert_eq!(created, n, "{outcomes:?}");

    let start = Instant::now();
    let again = futures::future::join_all(
        manifests
            .iter()
            .map(|m| kube_ops::create_run(&cluster.client, m)),
    )
    .await;
    let relaunch = start.elapsed();
    assert!(again.iter().all(|o| *o == LaunchOutcome::Exists));

    println!(
        "wave launch: {n} AgentRuns created in {:.0} ms (goal ≤ 2000 ms)",
        launch.as_secs_f64() * 1000.0
    );
    println!(
        "  UI meanwhile: {frames} frames drawn, slowest {:.2} ms (goal ≤ 16 ms)",
        worst.as_secs_f64() * 1000.0
    );
    println!(
        "  relaunch (all AlreadyExists): {:.0} ms",
        relaunch.as_secs_f64() * 1000.0
    );
}
