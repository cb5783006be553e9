//! What the first-board and memory benches share: a namespace filled with N AgentRuns (kept for
//! the next run with `SWARM_BENCH_NAMESPACE`), fresh clients, and the cockpit's load path as the
//! runtime runs it.
#![allow(dead_code)] // each bench uses a part

use crate::support::{TestCluster, WatchTuning, agent_run};
use futures::StreamExt;
use kube::api::{Api, DynamicObject, ListParams, ObjectList};
use kube::config::{KubeConfigOptions, Kubeconfig};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::time::{Duration, Instant};
use swarm_cockpit::app::state::Origin;
use swarm_cockpit::app::{ConnState, Msg, State, update};
use swarm_cockpit::domain::plan::TORGHUT_PLAN;
use swarm_cockpit::domain::{Plan, ResourceKind, labels};
use swarm_cockpit::sources::kube::{Connection, api, spawn_watchers_with};
use swarm_cockpit::ui::Theme;
use tokio::sync::mpsc;

pub const RUN: ResourceKind = ResourceKind::AgentRun;
/// The runtime's frame budget (`runtime::FRAME`).
const FRAME: Duration = Duration::from_millis(16);

/// `--name N` from the command line.
pub fn flag(name: &str) -> Option<usize> {
    let argv: Vec<String> = std::env::args().collect();
    argv.iter()
        .position(|a| a == name)
        .and_then(|i| argv.get(i + 1))
        .map(|v| {
            v.parse::<usize>()
                .unwrap_or_else(|_| panic!("{name} takes a number"))
        })
}

/// The namespace to load: `SWARM_BENCH_NAMESPACE`, else the cluster's fresh one.
pub fn namespace(cluster: &TestCluster) -> String {
    std::env::var("SWARM_BENCH_NAMESPACE").unwrap_or_else(|_| cluster.namespace.clone())
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Creates runs `bench-00000…` until the namespace holds `n` of them.
pub async fn fill(cluster: &TestCluster, namespace: &str, n: usize) {
    use k8s_openapi::api::core::v1::Namespace;
    let namespaces: Api<Namespace> = Api::all(cluster.client.clone());
    if namespaces.get_opt(namespace).await.ok().flatten().is_none() {
        let ns: Namespace =
            serde_json::from_value(serde_json::json!({"metadata": {"name": namespace}}))
                .expect("namespace");
        namespaces
            .create(&Default::default(), &ns)
            .await
            .expect("create the bench namespace");
    }
    let runs = api(&cluster.client, Some(namespace), RUN);
    let have: std::collections::HashSet<String> = runs
        .list_metadata(&ListParams::default())
        .await
        .expect("list the runs")
        .items
        .into_iter()
        .filter_map(|o| o.metadata.name)
        .collect();
    let missing: Vec<usize> = (0..n)
        .filter(|i| !have.contains(&format!("bench-{i:05}")))
        .collect();
    if missing.is_empty() {
        return;
    }
    let started = Instant::now();
    let count = missing.len();
    futures::stream::iter(missing)
        .map(|i| {
            let runs = runs.clone();
            async move {
                let name = format!("bench-{i:05}");
                let lane = ["A", "B", "C", "D", "E"][i % 5];
                let obj: DynamicObject = serde_json::from_value(agent_run(
                    &name,
                    Some(lane),
                    &name,
                    &format!("codex/swarm/lane-{}/bench-{i}", lane.to_lowercase()),
                ))
                .expect("an AgentRun");
                let mut obj = obj;
                obj.types = Some(kube::api::TypeMeta {
                    api_version: format!("{}/{}", labels::GROUP, labels::VERSION),
                    kind: RUN.kind().to_owned(),
                });
                runs.create(&Default::default(), &obj)
                    .await
                    .unwrap_or_else(|e| panic!("create {name}: {e}"));
            }
        })
        .buffer_unordered(32)
        .collect::<Vec<()>>()
        .await;
    println!(
        "first_board: created {count} AgentRuns in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

pub async fn fresh_client(cluster: &TestCluster) -> kube::Client {
    let kc = Kubeconfig::read_from(&cluster.kubeconfig).expect("kubeconfig");
    let options = KubeConfigOptions {
        context: Some(cluster.context.clone()),
        ..Default::default()
    };
    let config = kube::Config::from_custom_kubeconfig(kc, &options)
        .await
        .expect("kube config");
    kube::Client::try_from(config).expect("kube client")
}

/// One plain list request, body received: (time, bytes).
pub async fn plain_list(cluster: &TestCluster, namespace: &str) -> (Duration, usize) {
    let started = Instant::now();
    let client = fresh_client(cluster).await;
    let url = format!(
        "/apis/{}/{}/namespaces/{namespace}/{}",
        labels::GROUP,
        labels::VERSION,
        RUN.plural()
    );
    let request = http::Request::get(url).body(Vec::new()).expect("request");
    let body = client.request_text(request).await.expect("plain list");
    (started.elapsed(), body.len())
}

/// The same list through a typed client (decoded into objects).
pub async fn typed_list(cluster: &TestCluster, namespace: &str, n: usize) -> Duration {
    let started = Instant::now();
    let client = fresh_client(cluster).await;
    let list: ObjectList<DynamicObject> = api(&client, Some(namespace), RUN)
        .list(&ListParams::default())
        .await
        .expect("typed list");
    assert!(list.items.len() >= n, "the namespace lost runs");
    started.elapsed()
}

pub struct Load {
    pub first_cards: Duration,
    /// CPU time (user + system, all threads) the bench process spent meanwhile: the cockpit's
    /// share of the machine, which the local API server competes for.
    pub cpu: Duration,
    pub full: Duration,
    pub frames: usize,
    pub longest_frame: Duration,
    /// The state as the cockpit holds it, the list loaded.
    pub state: State,
}

/// The cockpit's path, as the runtime runs it, until the whole list is on screen.
pub async fn cockpit(
    cluster: &TestCluster,
    namespace: &str,
    n: usize,
    tuning: &WatchTuning,
) -> Load {
    let started = Instant::now();
    let cpu_started = process_cpu_time();
    let conn = Connection {
        client: fresh_client(cluster).await,
        context: cluster.context.clone(),
        namespace: Some(namespace.to_owned()),
    };
    let (tx, mut rx) = mpsc::channel(swarm_cockpit::runtime::CHANNEL);
    let tasks = spawn_watchers_with(&conn, tx, tuning);
    let plan = Plan::parse(TORGHUT_PLAN, "torghut").expect("the torghut plan parses");
    let origin = Origin {
        context: conn.context.clone(),
        namespace: conn.namespace.clone(),
    };
    let mut state = State::new(plan, origin, chrono::Utc::now());
    update(
        &mut state,
        Msg::Resize {
            width: 200,
            height: 50,
        },
    );
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).expect("terminal");
    let theme = Theme::default();
    let mut pacer = swarm_cockpit::runtime::FramePacer::default();
    let mut first_cards = None;
    let mut frames = 0;
    let mut longest_frame = Duration::ZERO;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        assert!(Instant::now() < deadline, "the board did not fill in 120 s");
        if pacer.due(&state) {
            let frame_started = Instant::now();
            state.ensure_board();
            terminal
                .draw(|f| swarm_cockpit::ui::draw(f, &state, &theme))
                .expect("draw");
            state.mark_drawn(None);
            pacer.drawn(frame_started.elapsed());
            frames += 1;
            longest_frame = longest_frame.max(frame_started.elapsed());
            if first_cards.is_none() && !state.cluster.runs.is_empty() {
                first_cards = Some(started.elapsed());
            }
            if state.cluster.runs.len() >= n
                && state.cluster.connection.get(&RUN) == Some(&ConnState::Connected)
            {
                break;
            }
        }
        let next_frame = pacer.next_frame(&state);
        tokio::select! {
            msg = rx.recv() => {
                let Some(msg) = msg else { panic!("the watchers stopped") };
                update(&mut state, Msg::Tick(chrono::Utc::now()));
                update(&mut state, msg);
                let drained = Instant::now();
                while drained.elapsed() < FRAME {
                    match rx.try_recv() {
                        Ok(msg) => {
                            update(&mut state, msg);
                        }
                        Err(_) => break,
                    }
                }
            }
            () = tokio::time::sleep_until(next_frame),
                if state.needs_redraw() => {}
        }
    }
    let full = started.elapsed();
    for t in tasks {
        t.abort();
    }
    Load {
        first_cards: first_cards.unwrap_or(full),
        cpu: process_cpu_time().saturating_sub(cpu_started),
        full,
        frames,
        longest_frame,
        state,
    }
}

/// User + system CPU time of this process so far.
pub fn process_cpu_time() -> Duration {
    // SAFETY: getrusage only writes the struct it is given.
    let usage = unsafe {
        let mut usage = std::mem::zeroed::<libc::rusage>();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1_000);
    time(usage.ru_utime) + time(usage.ru_stime)
}
