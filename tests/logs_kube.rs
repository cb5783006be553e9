//! The log view against a real API server: the real pod watch and log stream (the executor with
//! the kube log backend) feed the real `update`, and every assertion is on the resulting `State`.
//!
//! The test API server serves a pod's log from its `kubeshim/logs` annotation and streams what is
//! appended to it (`follow=true`). It ignores `timestamps` and `sinceTime`, so the annotations here
//! carry the RFC 3339 timestamps a kubelet adds with `timestamps=true`, and a reconnect gets the
//! whole log again: the de-duplication has to drop every line already shown.
//!
//! Needs a cluster (see tests/support/mod.rs): without one each test prints `SKIPPED` and passes,
//! unless `SWARM_REQUIRE_CLUSTER=1`.
mod support;

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams};
use serde_json::{Value, json};
use support::{TestCluster, WAIT};
use swarm_cockpit::app::logs::{self, StreamState};
use swarm_cockpit::app::state::Origin;
use swarm_cockpit::app::{Effect, Msg, State, update};
use swarm_cockpit::domain::{ObjectKey, Plan, Run};
use swarm_cockpit::effects::{Executor, KubeCluster};
use swarm_cockpit::sources::kube::SharedClient;
use swarm_cockpit::sources::logs::{Backend, LogRunner};
use tokio::sync::mpsc;

const RUN: &str = "fw-a1";
const JOB: &str = "fw-a1-step-1-attempt-1";

/// The cockpit's log view wired to the real log sources, as the runtime wires it.
struct LogHarness {
    state: State,
    rx: mpsc::Receiver<Msg>,
    executor: Executor,
    /// Stream states seen, in order.
    states: Vec<StreamState>,
}

impl LogHarness {
    fn new(cluster: &TestCluster) -> LogHarness {
        let (tx, rx) = mpsc::channel(256);
        let shared = SharedClient::new(cluster.client.clone());
        let logs = LogRunner::new(Backend::Kube(shared.clone()), tx.clone());
        let executor =
            Executor::new(tx, std::sync::Arc::new(KubeCluster::new(shared)), None).with_logs(logs);
        let mut state = State::new(
            Plan::default(),
            Origin {
                context: cluster.context.clone(),
                namespace: Some(cluster.namespace.clone()),
            },
            chrono::Utc::now(),
        );
        let run = Run::from_json(&json!({
            "metadata": {"name": RUN, "namespace": cluster.namespace},
            "spec": {"agentRef": {"name": "codex-agent"}, "runtime": {"type": "workflow"}},
            "status": {"phase": "Running",
                       "runtimeRef": {"type": "workflow", "name": JOB, "namespace": cluster.namespace}}
        }));
        state.cluster.runs.insert(run.key.clone(), run);
        LogHarness {
            state,
            rx,
            executor,
            states: Vec::new(),
        }
    }

    fn run(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            // Nothing here needs the terminal.
            assert_eq!(self.executor.execute(effect), None);
        }
    }

    fn open(&mut self, namespace: &str) {
        let effects = logs::open(&mut self.state, &ObjectKey::new(namespace, RUN));
        self.run(effects);
    }

    fn key(&mut self, c: char) {
        use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
        let code = match c {
            '\n' => KeyCode::Enter,
            c => KeyCode::Char(c),
        };
        let effects = update(
            &mut self.state,
            Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)),
        );
        self.run(effects);
    }

    fn view(&self) -> &logs::LogView {
        self.state.screens.logs().expect("log view open")
    }

    fn lines(&self) -> Vec<String> {
        let b = &self.view().buffer;
        b.range(b.first_seq(), b.end_seq())
            .map(|l| l.text.to_owned())
            .collect()
    }

    /// Applies messages (running their effects, as the runtime does) until `pred` holds.
    async fn wait_until(&mut self, what: &str, pred: impl Fn(&LogHarness) -> bool) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while !pred(self) {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(msg)) => {
                    let effects = update(&mut self.state, msg);
                    self.run(effects);
                    if let Some(v) = self.state.screens.logs()
                        && self.states.last() != Some(&v.stream)
                    {
                        self.states.push(v.stream.clone());
                    }
                }
                Ok(None) => panic!("waiting for {what}: the sources stopped"),
                Err(_) => panic!(
                    "timed out after {WAIT:?} waiting for {what}\nstates: {:?}\n{} lines, last: {:?}",
                    self.states,
                    self.view().buffer.len(),
                    self.lines().last()
                ),
            }
        }
    }
}

/// `count` log lines from `from` as a kubelet writes them with `timestamps=true`. Every other
/// pair shares a timestamp, as fast writers do.
fn timestamped(from: usize, count: usize) -> String {
    (from..from + count)
        .map(|i| {
            let t = chrono::DateTime::from_timestamp(1_770_724_800 + (i / 2) as i64 / 5, 0)
                .expect("time")
                + chrono::Duration::milliseconds(((i / 2) % 5) as i64 * 200);
            format!(
                "{} line {i:04}\n",
                t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
            )
        })
        .collect()
}

fn expected(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("line {i:04}")).collect()
}

fn pods(cluster: &TestCluster) -> Api<Pod> {
    Api::namespaced(cluster.client.clone(), &cluster.namespace)
}

async fn create_pod(cluster: &TestCluster, name: &str, labels: Value, log: &str) {
    let pod: Pod = serde_json::from_value(json!({
        "metadata": {"name": name, "labels": labels, "annotations": {"kubeshim/logs": log}},
        "spec": {"restartPolicy": "Never",
                 "containers": [{"name": "agent-runner", "image": "agent:latest"}]}
    }))
    .expect("a pod");
    pods(cluster)
        .create(&PostParams::default(), &pod)
        .await
        .unwrap_or_else(|e| panic!("create pod {name}: {e}"));
}

fn run_labels() -> Value {
    json!({"agents.proompteng.ai/agent-run": RUN, "job-name": JOB})
}

/// Appends to the pod's log (the annotation grows; the server streams the difference).
async fn append(cluster: &TestCluster, name: &str, more: &str) {
    let api = pods(cluster);
    let pod = api.get(name).await.expect("get pod");
    let current = pod
        .metadata
        .annotations
        .and_then(|a| a.get("kubeshim/logs").cloned())
        .unwrap_or_default();
    let patch = json!({"metadata": {"annotations": {"kubeshim/logs": current + more}}});
    api.patch(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .expect("append to the log");
}

fn streaming(h: &LogHarness) -> bool {
    h.view().stream == StreamState::Streaming
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opens_a_runs_pod_and_follows_appended_lines() {
    let Some(cluster) = TestCluster::start().await else {
        return;
    };
    let hostile = "2026-02-10T12:00:00Z \u{1b}]0;pwned\u{7}\u{1b}[31mred\u{1b}[0m \u{1b}[2J\n";
    create_pod(
        &cluster,
        "fw-a1-step-1-attempt-1-abcde",
        run_labels(),
        &(timestamped(0, 40) + hostile),
    )
    .await;
    let mut h = LogHarness::new(&cluster);
    h.open(&cluster.namespace);
    h.wait_until("the 41 lines of the pod", |h| h.view().buffer.len() == 41)
        .await;
    assert!(streaming(&h), "{:?}", h.states);
    let lines = h.lines();
    assert_eq!(lines[..40], expected(40)[..]);
    assert_eq!(
        lines[40], "␛]0;pwned␇red ␛[2J",
        "escapes are inert, SGR became color"
    );
    assert_eq!(
        h.view().pod.as_ref().map(|p| p.container.as_str()),
        Some("agent-runner")
    );

    append(
        &cluster,
        "fw-a1-step-1-attempt-1-abcde",
        &timestamped(40, 25),
    )
    .await;
    h.wait_until("the appended lines", |h| h.view().buffer.len() == 66)
        .await;
    assert_eq!(h.lines()[41..], expected(65)[40..]);
    assert!(h.view().scroll.follow, "still following");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_pods_are_offered_newest_first_and_the_job_name_finds_pods_too() {
    let Some(cluster) = TestCluster::start().await else {
        return;
    };
    create_pod(
        &cluster,
        "fw-a1-step-1-attempt-1-older",
        json!({"agents.proompteng.ai/agent-run": RUN}),
        &timestamped(0, 5),
    )
    .await;
    // Only Kubernetes' job-name label: found through the run's status.runtimeRef. (Created in the
    // same second, the one with a step/attempt sorts first; creation order is unit-tested.)
    create_pod(
        &cluster,
        "fw-a1-step-1-attempt-1-newer",
        json!({"job-name": JOB}),
        &timestamped(100, 3),
    )
    .await;
    create_pod(&cluster, "someone-else", json!({"app": "x"}), "nope\n").await;
    let mut h = LogHarness::new(&cluster);
    h.open(&cluster.namespace);
    h.wait_until("the picker with both pods", |h| {
        h.view().picker.is_some() && h.view().pods.len() == 2
    })
    .await;
    let names: Vec<&str> = h.view().pods.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "fw-a1-step-1-attempt-1-newer",
            "fw-a1-step-1-attempt-1-older"
        ]
    );
    h.key('j');
    h.key('\n');
    h.wait_until("the older pod's lines", |h| h.view().buffer.len() == 5)
        .await;
    assert_eq!(h.lines(), expected(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tail_and_previous_container_logs() {
    let Some(cluster) = TestCluster::start().await else {
        return;
    };
    create_pod(&cluster, "fw-a1-p", run_labels(), &timestamped(0, 50)).await;
    let mut h = LogHarness::new(&cluster);
    h.state.logs.settings.tail = Some(10);
    h.open(&cluster.namespace);
    h.wait_until("the last 10 lines", |h| h.view().buffer.len() == 10)
        .await;
    assert_eq!(h.lines(), expected(50)[40..]);
    // `p`: the previous container's log, read to its end (this server keeps one log per pod).
    h.key('p');
    h.wait_until("the previous log to end", |h| {
        matches!(h.view().stream, StreamState::Ended(_))
    })
    .await;
    assert!(h.view().options.previous);
    assert_eq!(h.view().buffer.len(), 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_server_restart_mid_stream_loses_and_duplicates_nothing() {
    let Some(cluster) = TestCluster::private_testenv().await else {
        return;
    };
    let pod = "fw-a1-step-1-attempt-1-restart";
    create_pod(&cluster, pod, run_labels(), &timestamped(0, 120)).await;
    let mut h = LogHarness::new(&cluster);
    h.open(&cluster.namespace);
    h.wait_until("the first 120 lines", |h| h.view().buffer.len() == 120)
        .await;
    // Lines written just before the crash may or may not have been streamed yet.
    append(&cluster, pod, &timestamped(120, 30)).await;
    let ((), ()) = tokio::join!(
        cluster.restart_apiserver(2),
        h.wait_until("reconnecting while the API server is down", |h| {
            matches!(h.view().stream, StreamState::Reconnecting(_))
        }),
    );
    append(&cluster, pod, &timestamped(150, 30)).await;
    h.wait_until("every line after the restart", |h| {
        h.view().buffer.len() >= 180 && streaming(h)
    })
    .await;
    // Give a duplicate every chance to show up: wait for one more line written after.
    append(&cluster, pod, &timestamped(180, 1)).await;
    h.wait_until("the last line", |h| {
        h.lines().last().map(String::as_str) == Some("line 0180")
    })
    .await;
    assert_eq!(h.lines(), expected(181), "states: {:?}", h.states);
    assert!(
        h.states
            .iter()
            .any(|s| matches!(s, StreamState::Reconnecting(_))),
        "{:?}",
        h.states
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pod_deleted_mid_stream_ends_the_log_not_an_error() {
    let Some(cluster) = TestCluster::start().await else {
        return;
    };
    let pod = "fw-a1-step-1-attempt-1-gone";
    create_pod(&cluster, pod, run_labels(), &timestamped(0, 20)).await;
    let mut h = LogHarness::new(&cluster);
    h.open(&cluster.namespace);
    h.wait_until("the lines", |h| h.view().buffer.len() == 20 && streaming(h))
        .await;
    pods(&cluster)
        .delete(pod, &DeleteParams::default().grace_period(0))
        .await
        .expect("delete the pod");
    h.wait_until("the ended state", |h| {
        matches!(h.view().stream, StreamState::Ended(_))
    })
    .await;
    assert_eq!(h.view().stream, StreamState::Ended("pod deleted".into()));
    assert_eq!(h.lines(), expected(20), "the lines stay");
    h.wait_until("the picker's pod list to empty", |h| {
        h.view().pods.is_empty()
    })
    .await;
}
