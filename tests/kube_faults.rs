//! Faults against the real API server, each on a private testenv: the API server crashing and
//! shutting down gracefully, and its storage (etcd) going away. After each, changes made right
//! away must reach the board within a bound (measured, never slept for), nothing lost or
//! duplicated, and "connected" must come from the watch stream itself.
mod support;

use serde_json::json;
use std::time::{Duration, Instant};
use support::{Follower, TestCluster, WAIT, WatchTuning, agent_run, plan_ab};
use swarm_cockpit::app::{ConnState, State};
use swarm_cockpit::domain::{ObjectKey, Phase, ResourceKind};

const RUN: ResourceKind = ResourceKind::AgentRun;
/// How long a change made right after the fault may take to reach the board (a small server on
/// two busy cores: the watch cache is rebuilt in well under a second; see BENCHMARKS.md).
const BOUND: Duration = Duration::from_secs(10);

fn key(cluster: &TestCluster, name: &str) -> ObjectKey {
    ObjectKey::new(cluster.namespace.clone(), name)
}

fn connected(s: &State) -> bool {
    s.overall_connection() == ConnState::Connected
}

/// The server's truth: every run's name and phase.
async fn server_runs(cluster: &TestCluster) -> Vec<(String, String)> {
    let list = cluster
        .api(RUN)
        .list(&Default::default())
        .await
        .expect("list the runs");
    let mut out: Vec<(String, String)> = list
        .items
        .iter()
        .map(|o| {
            // No status yet reads as Pending, as on the board.
            let phase = o.data["status"]["phase"]
                .as_str()
                .unwrap_or("Pending")
                .to_owned();
            (o.metadata.name.clone().unwrap_or_default(), phase)
        })
        .collect();
    out.sort();
    out
}

fn board_runs(s: &State) -> Vec<(String, String)> {
    s.cluster
        .runs
        .values()
        .map(|r| (r.key.name.to_string(), r.phase.to_string()))
        .collect()
}

/// "Connected" must follow a delivery of the stream: the end of a list just before it, or an
/// event or bookmark right after it (the loop says connected before handing over the event).
fn assert_connected_by_the_stream(f: &Follower, from: usize) {
    for (i, line) in f.log.iter().enumerate().skip(from) {
        if line != "Connection(AgentRun Connected)" {
            continue;
        }
        let before = i.checked_sub(1).map(|j| f.log[j].as_str()).unwrap_or("");
        let after = f.log.get(i + 1).map(String::as_str).unwrap_or("");
        assert!(
            before == "ResyncDone(AgentRun)"
                || after.starts_with("Applied(AgentRun")
                || after.starts_with("Deleted(AgentRun")
                || after.starts_with("Watch(AgentRun, Alive"),
            "connected at {i} without a delivery around it\n{}",
            f.dump()
        );
    }
}

async fn seed_runs(cluster: &TestCluster, n: usize) {
    for i in 0..n {
        let name = format!("run-{i:02}");
        cluster
            .create(
                RUN,
                agent_run(&name, Some("A"), &name, &format!("codex/f/{i}")),
            )
            .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_crash_and_a_graceful_restart_changes_made_right_away_arrive_within_a_bound() {
    let Some(cluster) = TestCluster::private_testenv().await else {
        return;
    };
    cluster.apply_crds().await;
    seed_runs(&cluster, 10).await;
    // A graceful shutdown waits for open watches to end: short watches keep that short.
    let tuning = WatchTuning {
        watch_timeout: Duration::from_secs(5),
        stall_after: Duration::from_secs(10),
        ..WatchTuning::default()
    };
    let mut f = cluster.follow_with(plan_ab(), &tuning);
    f.wait_until("connected with the runs", WAIT, |s| {
        connected(s) && s.cluster.runs.len() == 10
    })
    .await;
    // A write in a namespace the cockpit does not watch moves the server's resourceVersion past
    // the watch's own: after the restart, resuming from it may be refused as too old (410).
    cluster
        .namespace_beside("other")
        .await
        .create_run(agent_run(
            "elsewhere",
            Some("A"),
            "elsewhere",
            "codex/elsewhere",
        ))
        .await;

    for (round, graceful) in [(0, false), (1, true)] {
        let from = f.log.len();
        let full = f.sizes.len();
        let ((), ()) = tokio::join!(
            cluster.restart_apiserver_unwaited(2, graceful),
            f.wait_until("the status line to say it is reconnecting", WAIT, |s| {
                matches!(s.overall_connection(), ConnState::Reconnecting(_))
            }),
        );
        let ConnState::Reconnecting(why) = f.state.overall_connection() else {
            unreachable!()
        };
        assert!(!why.is_empty(), "it says what it waits for");
        // Right after the server is back: a status change, a new run, a deletion.
        cluster.wait_agents_served().await;
        let changed = Instant::now();
        let patched = format!("run-{round:02}");
        cluster
            .patch_status(RUN, &patched, json!({"phase": "Running"}))
            .await;
        let created = format!("after-{round}");
        cluster
            .create(RUN, agent_run(&created, Some("B"), &created, "codex/after"))
            .await;
        let deleted = format!("run-{:02}", 9 - round);
        cluster.delete(RUN, &deleted).await;
        let (p, c, d) = (
            key(&cluster, &patched),
            key(&cluster, &created),
            key(&cluster, &deleted),
        );
        f.wait_until("the changes made right after the restart", BOUND, |s| {
            s.cluster
                .runs
                .get(&p)
                .is_some_and(|r| r.phase == Phase::Running)
                && s.cluster.runs.contains_key(&c)
                && !s.cluster.runs.contains_key(&d)
        })
        .await;
        let took = changed.elapsed();
        eprintln!(
            "restart {}: changes on the board {:.0} ms after they were made",
            if graceful { "graceful" } else { "crash" },
            took.as_secs_f64() * 1000.0
        );
        f.wait_until("connected, and the relist reconciled", WAIT, |s| {
            connected(s) && s.freshness.watches.values().all(|w| w.doing.is_none())
        })
        .await;
        f.drain();
        assert_eq!(
            board_runs(&f.state),
            server_runs(&cluster).await,
            "{}",
            f.dump()
        );
        assert_connected_by_the_stream(&f, from);
        // The board was never emptied on the way (only the one deletion shrinks it).
        let min = f.sizes[full..].iter().min().copied().unwrap_or(0);
        assert!(min >= 9, "the board dropped to {min} runs\n{}", f.dump());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_etcd_outage_keeps_the_board_says_what_is_wrong_and_recovers() {
    let Some(cluster) = TestCluster::private_testenv().await else {
        return;
    };
    cluster.apply_crds().await;
    seed_runs(&cluster, 6).await;
    // Short watches, so the silence of a storage outage is noticed in seconds, not a minute.
    let tuning = WatchTuning {
        watch_timeout: Duration::from_secs(3),
        stall_after: Duration::from_secs(5),
        open_timeout: Duration::from_secs(4),
        ..WatchTuning::default()
    };
    let mut f = cluster.follow_with(plan_ab(), &tuning);
    f.wait_until("connected with the runs", WAIT, |s| {
        connected(s) && s.cluster.runs.len() == 6
    })
    .await;
    let before = board_runs(&f.state);

    let stopped = cluster.stop_etcd();
    f.wait_until(
        "the status line to name the storage",
        Duration::from_secs(30),
        |s| matches!(s.overall_connection(), ConnState::Reconnecting(e) if e.contains("etcd")),
    )
    .await;
    // The last board is kept while the storage is away.
    assert_eq!(board_runs(&f.state), before);
    let (_, text) = swarm_cockpit::ui::status::connection_text(&f.state);
    assert!(text.starts_with("reconnecting"), "{text}");

    cluster.start_etcd(stopped);
    cluster.wait_agents_served().await;
    let changed = Instant::now();
    cluster
        .patch_status(RUN, "run-01", json!({"phase": "Failed"}))
        .await;
    cluster
        .create(
            RUN,
            agent_run("after-etcd", Some("B"), "after-etcd", "codex/e"),
        )
        .await;
    cluster.delete(RUN, "run-05").await;
    let (p, c, d) = (
        key(&cluster, "run-01"),
        key(&cluster, "after-etcd"),
        key(&cluster, "run-05"),
    );
    f.wait_until("the changes made once etcd is back", WAIT, |s| {
        s.cluster
            .runs
            .get(&p)
            .is_some_and(|r| r.phase == Phase::Failed)
            && s.cluster.runs.contains_key(&c)
            && !s.cluster.runs.contains_key(&d)
    })
    .await;
    eprintln!(
        "etcd back: changes on the board {:.0} ms after they were made",
        changed.elapsed().as_secs_f64() * 1000.0
    );
    f.wait_until("connected again", WAIT, connected).await;
    f.drain();
    assert_eq!(
        board_runs(&f.state),
        server_runs(&cluster).await,
        "{}",
        f.dump()
    );
    // Never a blank board: from the first full list on, only the one deletion shrinks it.
    let full = f
        .sizes
        .iter()
        .position(|n| *n == 6)
        .expect("six runs listed");
    assert!(f.sizes[full..].iter().all(|n| *n >= 5), "{:?}", f.sizes);
}
