//! Where the time goes after an API server restart: a private testenv holding N AgentRuns (default
//! 20,000), of which K (default 40) are in flight (Running) and the rest finished (Succeeded), as
//! in a swarm with a history, watched by the cockpit's watchers; the API server is crashed
//! (SIGKILL, 3 s down) and, as soon as the server serves AgentRuns again, four changes are
//! made: one to a work item, one to a run in flight, one to a finished run off screen, one to a finished run on
//! screen (the selected one; the watchers are told what is on screen, as the runtime tells them),
//! and a run is created by another client. With `--beside B`, B more runs live in a namespace the
//! cockpit does not watch (a big server, a small swarm).
//! Printed per try: when the custom
//! resources were served again, when the server's watch cache could serve a watch again (probed
//! with a watch from the last resourceVersion every 50 ms), when each change reached the board
//! (through the real `update`), and when the status line said connected.
//!
//!     cargo bench --bench restart_latency                     # 20,000 runs, 40 in flight, 3 tries
//!     cargo bench --bench restart_latency -- --runs 2000 --in-flight 10 --tries 5
//!     cargo bench --bench restart_latency -- --runs 100 --beside 20000   # small swarm, big server
#[path = "../tests/support/mod.rs"]
mod support;

use futures::StreamExt;
use kube::api::WatchParams;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{TestCluster, WAIT, agent_run, implementation_spec, plan_ab};
use swarm_cockpit::app::board::CardId;
use swarm_cockpit::app::{ConnState, Msg, update};
use swarm_cockpit::domain::{ObjectKey, ResourceKind};

const RUN: ResourceKind = ResourceKind::AgentRun;
const ITEM: ResourceKind = ResourceKind::ImplementationSpec;
const WORK_ITEM: &str = "restart-item";

fn arg(name: &str, default: u64) -> u64 {
    let argv: Vec<String> = std::env::args().collect();
    argv.iter()
        .position(|a| a == name)
        .and_then(|i| argv.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    // The allocator tuned as the binary tunes it, before any thread starts.
    swarm_cockpit::heap_trim::one_arena();
    // SWARM_LOG=swarm_cockpit::sources::kube_watch=debug shows what each watch did.
    if let Ok(filter) = tracing_subscriber::EnvFilter::try_from_env("SWARM_LOG") {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(bench(
        arg("--runs", 20_000) as usize,
        arg("--in-flight", 40) as usize,
        arg("--tries", 3),
        arg("--beside", 0) as usize,
    ));
}

async fn bench(runs: usize, in_flight: usize, tries: u64, beside: usize) {
    let in_flight = in_flight.clamp(1, runs);
    let Some(cluster) = TestCluster::private_testenv().await else {
        return;
    };
    cluster.apply_crds().await;
    let cluster = Arc::new(cluster);
    let started = Instant::now();
    if beside > 0 {
        let other = cluster.namespace_beside("beside").await;
        futures::stream::iter(0..beside)
            .map(|i| {
                let other = &other;
                async move {
                    let name = format!("beside-{i:05}");
                    other
                        .create_run(agent_run(&name, Some("A"), &name, &format!("codex/b/{i}")))
                        .await;
                }
            })
            .buffer_unordered(48)
            .collect::<Vec<()>>()
            .await;
    }
    futures::stream::iter(0..runs)
        .map(|i| {
            let cluster = Arc::clone(&cluster);
            async move {
                let name = format!("load-{i:05}");
                cluster
                    .create(
                        RUN,
                        agent_run(&name, Some("A"), &name, &format!("codex/l/{i}")),
                    )
                    .await;
            }
        })
        .buffer_unordered(48)
        .collect::<Vec<()>>()
        .await;
    // The first `in_flight` run, the rest finished.
    futures::stream::iter(0..runs)
        .map(|i| {
            let cluster = Arc::clone(&cluster);
            let phase = if i < in_flight {
                "Running"
            } else {
                "Succeeded"
            };
            async move {
                cluster
                    .patch_status(RUN, &format!("load-{i:05}"), json!({"phase": phase}))
                    .await;
            }
        })
        .buffer_unordered(48)
        .collect::<Vec<()>>()
        .await;
    cluster
        .create(
            ITEM,
            implementation_spec(WORK_ITEM, Some("A"), "before", "# A work item\n"),
        )
        .await;
    println!(
        "restart_latency: {runs} AgentRuns ({in_flight} in flight), {beside} in a namespace \
         beside, created in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let mut f = cluster.follow_seeing(plan_ab());
    update(
        &mut f.state,
        Msg::Resize {
            width: 200,
            height: 60,
        },
    );
    f.wait_until("connected with every run", Duration::from_secs(300), |s| {
        s.overall_connection() == ConnState::Connected
            && s.cluster.runs.len() == runs
            && !s.cluster.items.is_empty()
    })
    .await;
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    for t in 0..tries {
        let rv = cluster
            .api(RUN)
            .list(&kube::api::ListParams::default().limit(1))
            .await
            .expect("list")
            .metadata
            .resource_version
            .unwrap_or_default();
        // The finished run on screen: the selected one (always among the runs on screen).
        let shown = format!(
            "load-{:05}",
            in_flight + (t as usize * 37 + 11) % (runs - in_flight).max(1)
        );
        let shown_key = ObjectKey::new(cluster.namespace.clone(), shown.as_str());
        f.state.ui.selected = Some(CardId::Run(shown_key.clone()));
        f.publish_screen();
        let ((), ()) = tokio::join!(
            cluster.restart_apiserver_unwaited(3, false),
            f.wait_until("reconnecting", WAIT, |s| {
                matches!(s.overall_connection(), ConnState::Reconnecting(_))
            })
        );
        let back = Instant::now();
        cluster.wait_agents_served().await;
        let served = back.elapsed();
        let name = format!("load-{:05}", (t as usize * 7) % in_flight);
        // Far from the selected one: the visible page follows the selection and shows its
        // neighbours.
        let finished = format!(
            "load-{:05}",
            in_flight + (t as usize * 37 + (runs - in_flight) / 2) % (runs - in_flight).max(1)
        );
        let key = ObjectKey::new(cluster.namespace.clone(), name.as_str());
        let finished_key = ObjectKey::new(cluster.namespace.clone(), finished.as_str());
        // The run "off screen" may sit on the visible page anyway (finished runs sort after
        // those in flight, so the first of them can): said, not assumed.
        let finished_visible = swarm_cockpit::app::on_screen::runs(&f.state)
            .iter()
            .any(|(k, _)| k.name.as_str() == finished);
        let changed = Instant::now();
        let message = format!("try {t}");
        let finished_phase = if runs > in_flight {
            "Succeeded"
        } else {
            "Running"
        };
        let item_key = ObjectKey::new(cluster.namespace.clone(), WORK_ITEM);
        let created = format!("elsewhere-{t}");
        let created_key = ObjectKey::new(cluster.namespace.clone(), created.as_str());
        tokio::join!(
            cluster.create(
                RUN,
                agent_run(&created, Some("A"), &created, &format!("codex/e/{t}"))
            ),
            cluster.patch(ITEM, WORK_ITEM, json!({"spec": {"summary": message}})),
            cluster.patch_status(RUN, &name, json!({"phase": "Running", "message": message}),),
            cluster.patch_status(
                RUN,
                &finished,
                json!({"phase": finished_phase, "message": message}),
            ),
            cluster.patch_status(
                RUN,
                &shown,
                json!({"phase": finished_phase, "message": message}),
            )
        );
        // The watch cache is ready when a watch from the last resourceVersion is accepted.
        let probe = {
            let api = cluster.api(RUN);
            let rv = rv.clone();
            tokio::spawn(async move {
                let began = Instant::now();
                loop {
                    let wp = WatchParams::default().timeout(1);
                    if let Ok(s) = api.watch(&wp, &rv).await {
                        let mut s = s.boxed();
                        // A 429 arrives as an error event on some servers.
                        match s.next().await {
                            Some(Ok(kube::api::WatchEvent::Error(e))) if e.code == 429 => {}
                            _ => return began.elapsed(),
                        }
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            })
        };
        let shows = |s: &swarm_cockpit::app::State, key: &ObjectKey| {
            s.cluster
                .runs
                .get(key)
                .is_some_and(|r| r.message.as_deref() == Some(message.as_str()))
        };
        // Each change's arrival is timed on its own: waiting for them one after another would
        // credit a late one's time to those that arrived before it.
        let item_shows = |s: &swarm_cockpit::app::State| {
            s.cluster
                .items
                .get(&item_key)
                .is_some_and(|w| w.summary == message)
        };
        let arrived: [std::cell::Cell<Option<Duration>>; 5] = Default::default();
        f.wait_until("every change on the board", Duration::from_secs(60), |s| {
            let now = [
                shows(s, &key),
                shows(s, &shown_key),
                shows(s, &finished_key),
                item_shows(s),
                s.cluster.runs.contains_key(&created_key),
            ];
            for (cell, shown) in arrived.iter().zip(now) {
                if shown && cell.get().is_none() {
                    cell.set(Some(changed.elapsed()));
                }
            }
            arrived.iter().all(|c| c.get().is_some())
        })
        .await;
        let [seen, seen_shown, seen_finished, seen_item, seen_created] =
            arrived.map(|c| c.get().unwrap_or_default());
        f.wait_until("connected", Duration::from_secs(60), |s| {
            s.overall_connection() == ConnState::Connected
        })
        .await;
        let connected = back.elapsed();
        let cache = probe.await.unwrap_or_default() + (changed - back);
        f.wait_until("reconciled", Duration::from_secs(120), |s| {
            s.freshness.watches.values().all(|w| w.doing.is_none())
        })
        .await;
        let reconciled = back.elapsed();
        println!(
            "restart {t}: from the server answering: AgentRuns served {:>6.0} ms, watch cache \
             ready {:>6.0} ms, connected {:>6.0} ms, relist done {:>6.0} ms; change → board: run \
             in flight {:>6.0} ms, finished run on screen {:>6.0} ms, finished run {} {:>6.0} ms, work item {:>6.0} ms, run created elsewhere {:>6.0} ms",
            ms(served),
            ms(cache),
            ms(connected),
            ms(reconciled),
            ms(seen),
            ms(seen_shown),
            if finished_visible {
                "on the visible page too"
            } else {
                "off screen"
            },
            ms(seen_finished),
            ms(seen_item),
            ms(seen_created)
        );
        // Each try changes other runs; the next one's message differs anyway.
    }
}
