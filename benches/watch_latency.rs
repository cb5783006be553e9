//! Event → screen latency against a real API server: for each of N AgentRuns, the time from just
//! before the create (then the status patch) request until the watch's `Applied` message has gone
//! through `update` and a 200×60 frame showing it has been drawn.
//!
//!     cargo bench --bench watch_latency                 # private testenv, N=200
//!     SWARM_TEST_KUBECONFIG=~/.kube/config SWARM_BENCH_RUNS=500 cargo bench --bench watch_latency
//!
//! Uses the integration tests' harness (cluster from SWARM_TEST_KUBECONFIG or a private testenv).
#[path = "../tests/support/mod.rs"]
mod support;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;
use std::time::{Duration, Instant};
use support::{Follower, TestCluster, WAIT, agent_run};
use swarm_cockpit::app::ConnState;
use swarm_cockpit::domain::plan::TORGHUT_PLAN;
use swarm_cockpit::domain::{ObjectKey, Phase, Plan, ResourceKind};
use swarm_cockpit::ui::Theme;

const LANES: [&str; 5] = ["A", "B", "C", "D", "E"];

fn main() {
    // The allocator tuned as the binary tunes it, before any thread starts.
    swarm_cockpit::heap_trim::one_arena();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(bench());
}

async fn bench() {
    let n: usize = std::env::var("SWARM_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let Some(cluster) = TestCluster::start().await else {
        return;
    };
    cluster.apply_crds().await;
    let plan = Plan::parse(TORGHUT_PLAN, "torghut").expect("the torghut plan parses");
    let mut f = cluster.follow(plan);
    f.wait_until("connected", WAIT, |s| {
        s.overall_connection() == ConnState::Connected
    })
    .await;
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
    let theme = Theme::default();

    // Warm-up (connections, caches), not measured.
    for i in 0..5 {
        let name = format!("warmup-{i}");
        let key = ObjectKey::new(cluster.namespace.clone(), name.as_str());
        cluster
            .create(
                ResourceKind::AgentRun,
                agent_run(&name, Some("A"), &name, "codex/warmup"),
            )
            .await;
        f.wait_until("warm-up run", WAIT, |s| s.cluster.runs.contains_key(&key))
            .await;
        draw(&mut f, &mut terminal, &theme);
    }

    let mut create = Samples::default();
    let mut patch = Samples::default();
    let mut request = Samples::default();
    let mut frame = Samples::default();
    let names: Vec<String> = (0..n).map(|i| format!("latency-{i:04}")).collect();
    for (i, name) in names.iter().enumerate() {
        let key = ObjectKey::new(cluster.namespace.clone(), name.as_str());
        let head = format!("codex/swarm/lane-{}/bench-{i}", LANES[i % 5].to_lowercase());
        let started = Instant::now();
        cluster
            .create(
                ResourceKind::AgentRun,
                agent_run(name, Some(LANES[i % 5]), name, &head),
            )
            .await;
        request.push(started.elapsed());
        f.wait_until("the created run", WAIT, |s| {
            s.cluster.runs.contains_key(&key)
        })
        .await;
        frame.push(draw(&mut f, &mut terminal, &theme));
        create.push(started.elapsed());
    }
    for name in &names {
        let key = ObjectKey::new(cluster.namespace.clone(), name.as_str());
        let started = Instant::now();
        cluster
            .patch_status(
                ResourceKind::AgentRun,
                name,
                json!({"phase": "Running", "startedAt": "2026-02-10T10:00:00Z"}),
            )
            .await;
        f.wait_until("the patched run", WAIT, |s| {
            s.cluster
                .runs
                .get(&key)
                .is_some_and(|r| r.phase == Phase::Running)
        })
        .await;
        draw(&mut f, &mut terminal, &theme);
        patch.push(started.elapsed());
    }

    println!(
        "watch_latency: {n} AgentRuns, {} cluster, frame 200x60 ({} runs on the board at the end)",
        if cluster.is_private() {
            "private testenv"
        } else {
            "SWARM_TEST_KUBECONFIG"
        },
        f.state.cluster.runs.len()
    );
    create.report("create → Applied → frame drawn");
    patch.report("status patch → Applied → frame drawn");
    request.report("  of which: create request round trip");
    frame.report("  of which: ensure_board + draw");
}

/// What the runtime does before showing a change: rebuild the board if needed, then draw.
fn draw(f: &mut Follower, terminal: &mut Terminal<TestBackend>, theme: &Theme) -> Duration {
    let started = Instant::now();
    f.state.ensure_board();
    terminal
        .draw(|frame| swarm_cockpit::ui::draw(frame, &f.state, theme))
        .expect("draw");
    started.elapsed()
}

#[derive(Default)]
struct Samples(Vec<Duration>);

impl Samples {
    fn push(&mut self, d: Duration) {
        self.0.push(d);
    }

    fn report(&mut self, what: &str) {
        self.0.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let at = |q: f64| {
            let idx = ((self.0.len() as f64 * q).ceil() as usize).clamp(1, self.0.len()) - 1;
            ms(self.0[idx])
        };
        if self.0.is_empty() {
            return;
        }
        println!(
            "{what:<42} p50 {:>7.2} ms  p95 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms  (n={})",
            at(0.50),
            at(0.95),
            at(0.99),
            ms(*self.0.last().expect("non-empty")),
            self.0.len()
        );
    }
}
