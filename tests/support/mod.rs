//! Shared harness for the integration tests (and the watch-latency bench) that need a real
//! Kubernetes API server.
//!
//! Where the cluster comes from:
//! - `SWARM_TEST_KUBECONFIG=<kubeconfig>` (optionally `SWARM_TEST_CONTEXT`): any cluster (kind, k3d,
//!   the testenv). Each test gets a fresh namespace, deleted again (best effort) when it ends.
//! - otherwise a private testenv API server per test, started with `<testenv>/up.sh <tempdir>` and
//!   stopped with `down.sh`. `<testenv>` is `SWARM_TESTENV_DIR`, default `../shared/testenv`
//!   next to the crate.
//! - neither: the test prints `SKIPPED: no cluster` and returns early, unless
//!   `SWARM_REQUIRE_CLUSTER=1`, which makes it fail instead (CI).
//!
//! Tests observe the app the way the cockpit does: [`Follower`] feeds the real watchers' messages
//! through the real `update` and waits for a condition on the resulting `State` (never a sleep).
#![allow(dead_code)] // each test binary uses a different part of the harness

pub mod singles;

use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::runtime::wait::{await_condition, conditions};
use kube::{Client, Config};
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use swarm_cockpit::app::msg::OpResult;
use swarm_cockpit::app::{ConnState, Effect, Msg, SourceEvent, State, update};
use swarm_cockpit::domain::{Plan, ResourceKind};
use swarm_cockpit::effects::{Executor, KubeCluster};
use swarm_cockpit::sources::kube::{Connection, api, api_resource, spawn_watchers_with};
pub use swarm_cockpit::sources::kube_watch::WatchTuning;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// How long any single expectation may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(20);

const FIELD_MANAGER: &str = "swarm-cockpit-tests";

/// The crate's own CRD manifests.
pub fn crds_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/crds")
}

/// The upstream Agents chart's CRDs, kept beside the project for compatibility tests.
/// They sit in `shared/reference/crds`, beside `shared/testenv`: found from `SWARM_TESTENV_DIR`
/// when that is set, else next to the repository.
pub fn upstream_crds_dir() -> PathBuf {
    match std::env::var_os("SWARM_TESTENV_DIR") {
        Some(testenv) => PathBuf::from(testenv).join("../reference/crds"),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/crds"),
    }
}

pub fn testenv_dir() -> PathBuf {
    match std::env::var_os("SWARM_TESTENV_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/testenv"),
    }
}

/// Writes straight to the process's stderr: libtest captures `eprintln!`, and a skipped
/// integration test must be visible in the run's output.
fn loud(line: &str) {
    // One write, so the line does not interleave with libtest's own output.
    let _ = std::io::stderr().write_all(format!("{line}\n").as_bytes());
}

/// No cluster available: fail if the run demands one, else announce the skip.
fn no_cluster(why: &str) -> Option<TestCluster> {
    if std::env::var("SWARM_REQUIRE_CLUSTER").is_ok_and(|v| v == "1") {
        panic!(
            "SWARM_REQUIRE_CLUSTER=1 but no cluster is available: {why}. Set SWARM_TEST_KUBECONFIG \
             to a kubeconfig, or SWARM_TESTENV_DIR to the testenv scripts (up.sh/down.sh)."
        );
    }
    let test = std::thread::current().name().unwrap_or("?").to_owned();
    loud(&format!(
        "SKIPPED: {test}: no cluster ({why}); set SWARM_TEST_KUBECONFIG or SWARM_TESTENV_DIR, and \
         SWARM_REQUIRE_CLUSTER=1 to make this a failure"
    ));
    None
}

/// A private API server started from the testenv scripts, stopped on drop.
struct Testenv {
    scripts: PathBuf,
    dir: Option<tempfile::TempDir>,
}

impl Testenv {
    fn path(&self) -> &Path {
        self.dir.as_ref().map_or(Path::new(""), |d| d.path())
    }
}

impl Drop for Testenv {
    fn drop(&mut self) {
        let pids: Vec<String> = ["kubeshim.pid", "etcd.pid"]
            .iter()
            .filter_map(|f| std::fs::read_to_string(self.path().join(f)).ok())
            .map(|p| p.trim().to_owned())
            .collect();
        let _ = std::process::Command::new(self.scripts.join("down.sh"))
            .arg(self.path())
            .output();
        // down.sh only signals: let the servers finish writing before their directory goes.
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && pids.iter().any(|p| Path::new("/proc").join(p).exists())
        {
            std::thread::sleep(Duration::from_millis(20));
        }
        if std::thread::panicking()
            && let Some(dir) = self.dir.take()
        {
            let kept = dir.keep();
            loud(&format!(
                "testenv kept for inspection: {} (API server log: kubeshim.log)",
                kept.display()
            ));
        }
    }
}

/// A cluster and a fresh namespace for one test.
pub struct TestCluster {
    pub kubeconfig: PathBuf,
    pub context: String,
    pub namespace: String,
    pub client: Client,
    env: Option<Testenv>,
}

impl TestCluster {
    /// The cluster named by `SWARM_TEST_KUBECONFIG`, else a private testenv, else `None` (skip).
    pub async fn start() -> Option<TestCluster> {
        match std::env::var_os("SWARM_TEST_KUBECONFIG") {
            Some(path) => {
                let context = std::env::var("SWARM_TEST_CONTEXT").ok();
                Some(Self::connect(PathBuf::from(path), context, None).await)
            }
            None => Self::private_testenv().await,
        }
    }

    /// Always a private testenv (even with `SWARM_TEST_KUBECONFIG` set): for tests that restart
    /// the API server, or that install CRDs other tests must not see.
    pub async fn private_testenv() -> Option<TestCluster> {
        let scripts = testenv_dir();
        if !scripts.join("up.sh").is_file() || !scripts.join("down.sh").is_file() {
            return no_cluster(&format!("no testenv scripts in {}", scripts.display()));
        }
        let dir = tempfile::Builder::new()
            .prefix("swarm-testenv-")
            .tempdir()
            .expect("create a temporary directory for the testenv");
        // Owned before it is started, so a half-started server is still stopped.
        let env = Testenv {
            scripts: scripts.clone(),
            dir: Some(dir),
        };
        let out = tokio::process::Command::new(scripts.join("up.sh"))
            .arg(env.path())
            .stdin(std::process::Stdio::null())
            .output()
            .await
            .expect("run testenv up.sh");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let kubeconfig = stdout
            .lines()
            .find_map(|l| l.trim().strip_prefix("ready: KUBECONFIG="))
            .map(PathBuf::from);
        let Some(kubeconfig) = kubeconfig.filter(|_| out.status.success()) else {
            panic!(
                "testenv up.sh {} failed ({}):\n{stdout}\n{}",
                env.path().display(),
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        };
        Some(Self::connect(kubeconfig, None, Some(env)).await)
    }

    async fn connect(kubeconfig: PathBuf, context: Option<String>, env: Option<Testenv>) -> Self {
        let (client, context) = client_from(&kubeconfig, context.as_deref()).await;
        let namespace = format!("swarm-test-{}", unique_suffix());
        let ns: Namespace =
            serde_json::from_value(json!({"metadata": {"name": namespace}})).expect("namespace");
        Api::<Namespace>::all(client.clone())
            .create(&PostParams::default(), &ns)
            .await
            .unwrap_or_else(|e| panic!("create namespace {namespace} via {kubeconfig:?}: {e}"));
        TestCluster {
            kubeconfig,
            context,
            namespace,
            client,
            env,
        }
    }

    pub fn is_private(&self) -> bool {
        self.env.is_some()
    }

    /// SIGKILLs this private testenv's API server, keeps it down `seconds_down` seconds, starts it
    /// again with the same data and returns once it answers.
    pub async fn restart_apiserver(&self, seconds_down: u32) {
        self.restart_apiserver_with(seconds_down, false).await;
    }

    /// [`TestCluster::restart_apiserver`], or with `graceful` a SIGTERM that lets open watches
    /// drain first.
    pub async fn restart_apiserver_with(&self, seconds_down: u32, graceful: bool) {
        self.restart_apiserver_unwaited(seconds_down, graceful)
            .await;
        self.wait_agents_served().await;
    }

    /// Restarts the API server and returns as soon as the script says it answers (the core API),
    /// without waiting for the custom resources: for measuring what a client sees from then on.
    pub async fn restart_apiserver_unwaited(&self, seconds_down: u32, graceful: bool) {
        let env = self
            .env
            .as_ref()
            .expect("restart_apiserver needs TestCluster::private_testenv()");
        let mut cmd = tokio::process::Command::new(env.scripts.join("restart-apiserver.sh"));
        cmd.arg(env.path()).arg(seconds_down.to_string());
        if graceful {
            cmd.arg("graceful");
        }
        let out = cmd
            .stdin(std::process::Stdio::null())
            .output()
            .await
            .expect("run testenv restart-apiserver.sh");
        assert!(
            out.status.success(),
            "restart-apiserver.sh failed: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Stops this private testenv's etcd (SIGKILL: a storage outage); [`TestCluster::start_etcd`]
    /// starts it again with the same command line and data.
    pub fn stop_etcd(&self) -> EtcdStopped {
        let env = self
            .env
            .as_ref()
            .expect("stop_etcd needs a private testenv");
        let pid_file = env.path().join("etcd.pid");
        let pid = std::fs::read_to_string(&pid_file).expect("etcd.pid");
        let pid = pid.trim().to_owned();
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).expect("etcd's command line");
        let argv: Vec<String> = cmdline
            .split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        let status = std::process::Command::new("kill")
            .args(["-KILL", &pid])
            .status()
            .expect("kill etcd");
        assert!(status.success(), "kill etcd {pid}");
        let deadline = Instant::now() + WAIT;
        while Path::new("/proc").join(&pid).exists() {
            assert!(Instant::now() < deadline, "etcd {pid} did not stop");
            std::thread::sleep(Duration::from_millis(20));
        }
        EtcdStopped {
            argv,
            pid_file,
            log: env.path().join("etcd.log"),
        }
    }

    pub fn start_etcd(&self, stopped: EtcdStopped) {
        let log = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&stopped.log)
            .expect("etcd.log");
        let child = std::process::Command::new(&stopped.argv[0])
            .args(&stopped.argv[1..])
            .stdin(std::process::Stdio::null())
            .stdout(log.try_clone().expect("etcd.log"))
            .stderr(log)
            .spawn()
            .expect("start etcd again");
        // down.sh stops it by this pid, as it does the original; reaped here when it ends.
        std::fs::write(&stopped.pid_file, child.id().to_string()).expect("write etcd.pid");
        let mut child = child;
        std::thread::spawn(move || {
            let _ = child.wait();
        });
    }

    /// Waits until every installed Agents CRD is served. The script only waits for the core API:
    /// right after a start, custom resources answer 404 until the server has loaded their CRDs.
    pub async fn wait_agents_served(&self) {
        let deadline = Instant::now() + WAIT;
        let crds: Api<CustomResourceDefinition> = Api::all(self.client.clone());
        loop {
            let mut pending = Vec::new();
            for kind in ResourceKind::ALL {
                let served = match crds.get_opt(&kind.crd_name()).await {
                    Ok(None) => true, // not installed: nothing to wait for
                    Ok(Some(_)) => self
                        .api(kind)
                        .list(&ListParams::default().limit(1))
                        .await
                        .is_ok(),
                    Err(_) => false,
                };
                if !served {
                    pending.push(kind);
                }
            }
            if pending.is_empty() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{pending:?} not served {WAIT:?} after the API server restarted"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// What the cockpit's watchers are given.
    pub fn connection(&self) -> Connection {
        Connection {
            client: self.client.clone(),
            context: self.context.clone(),
            namespace: Some(self.namespace.clone()),
        }
    }

    /// Installs the project's own CRDs (examples/crds) and waits until they are served.
    pub async fn apply_crds(&self) {
        self.apply_crds_from(&crds_dir(), |_| true).await;
    }

    /// Installs the upstream chart's AgentRun and ImplementationSpec CRDs instead of ours.
    pub async fn apply_upstream_crds(&self) {
        let dir = upstream_crds_dir();
        for file in [
            "agents.proompteng.ai_agentruns.yaml",
            "agents.proompteng.ai_implementationspecs.yaml",
        ] {
            self.apply_crd_file(&dir.join(file)).await;
        }
    }

    pub async fn apply_crds_from(&self, dir: &Path, keep: impl Fn(&Path) -> bool) {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
            .map(|e| e.expect("dir entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
            .filter(|p| keep(p))
            .collect();
        files.sort();
        assert!(!files.is_empty(), "no CRD manifests in {}", dir.display());
        for file in files {
            self.apply_crd_file(&file).await;
        }
    }

    /// Server-side applies one CRD manifest, then waits for its `Established` condition.
    pub async fn apply_crd_file(&self, file: &Path) {
        let text = std::fs::read_to_string(file)
            .unwrap_or_else(|e| panic!("read {}: {e}", file.display()));
        let crd: CustomResourceDefinition = serde_norway::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not a CRD: {e}", file.display()));
        let name = crd.metadata.name.clone().expect("CRD name");
        let crds: Api<CustomResourceDefinition> = Api::all(self.client.clone());
        crds.patch(
            &name,
            &PatchParams::apply(FIELD_MANAGER).force(),
            &Patch::Apply(&crd),
        )
        .await
        .unwrap_or_else(|e| panic!("apply {}: {e}", file.display()));
        let established = await_condition(crds, &name, conditions::is_crd_established());
        match tokio::time::timeout(WAIT, established).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => panic!("waiting for CRD {name}: {e}"),
            Err(_) => panic!("CRD {name} not Established within {WAIT:?}"),
        }
    }

    pub fn api(&self, kind: ResourceKind) -> Api<DynamicObject> {
        api(&self.client, Some(&self.namespace), kind)
    }

    /// Creates an object from its JSON (apiVersion/kind/namespace filled in).
    pub async fn create(&self, kind: ResourceKind, mut obj: Value) -> DynamicObject {
        let ar = api_resource(kind);
        obj["apiVersion"] = json!(ar.api_version);
        obj["kind"] = json!(ar.kind);
        obj["metadata"]["namespace"] = json!(self.namespace);
        let name = obj["metadata"]["name"].as_str().unwrap_or("?").to_owned();
        let obj: DynamicObject = serde_json::from_value(obj).expect("a DynamicObject");
        self.api(kind)
            .create(&PostParams::default(), &obj)
            .await
            .unwrap_or_else(|e| panic!("create {kind} {name}: {e}"))
    }

    /// Creates an object and returns the server's answer instead of panicking (for 422 tests).
    pub async fn try_create(
        &self,
        kind: ResourceKind,
        mut obj: Value,
    ) -> kube::Result<DynamicObject> {
        let ar = api_resource(kind);
        obj["apiVersion"] = json!(ar.api_version);
        obj["kind"] = json!(ar.kind);
        obj["metadata"]["namespace"] = json!(self.namespace);
        let obj: DynamicObject = serde_json::from_value(obj).expect("a DynamicObject");
        self.api(kind).create(&PostParams::default(), &obj).await
    }

    /// JSON merge patch of the object (metadata, spec).
    pub async fn patch(&self, kind: ResourceKind, name: &str, patch: Value) -> DynamicObject {
        self.api(kind)
            .patch(name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .unwrap_or_else(|e| panic!("patch {kind} {name}: {e}"))
    }

    /// JSON merge patch of `status`, through the status subresource as a controller writes it.
    pub async fn patch_status(
        &self,
        kind: ResourceKind,
        name: &str,
        status: Value,
    ) -> DynamicObject {
        self.api(kind)
            .patch_status(
                name,
                &PatchParams::default(),
                &Patch::Merge(&json!({ "status": status })),
            )
            .await
            .unwrap_or_else(|e| panic!("patch {kind} {name} status: {e}"))
    }

    pub async fn delete(&self, kind: ResourceKind, name: &str) {
        self.api(kind)
            .delete(name, &DeleteParams::default())
            .await
            .unwrap_or_else(|e| panic!("delete {kind} {name}: {e}"));
    }

    /// Creates the namespace `{namespace}-{suffix}` beside the test's own, which the cockpit does
    /// not watch.
    pub async fn namespace_beside(&self, suffix: &str) -> Beside {
        let namespace = format!("{}-{suffix}", self.namespace);
        let ns: Namespace =
            serde_json::from_value(json!({"metadata": {"name": namespace}})).expect("namespace");
        Api::<Namespace>::all(self.client.clone())
            .create(&PostParams::default(), &ns)
            .await
            .unwrap_or_else(|e| panic!("create namespace {namespace}: {e}"));
        Beside {
            runs: api(&self.client, Some(&namespace), ResourceKind::AgentRun),
            namespace,
        }
    }

    /// Starts the cockpit's watchers on this namespace, feeding a fresh `State` with `plan`.
    pub fn follow(&self, plan: Plan) -> Follower {
        Follower::start(&self.connection(), plan)
    }

    /// [`TestCluster::follow`] with the watchers told which runs are on screen.
    pub fn follow_seeing(&self, plan: Plan) -> Follower {
        Follower::start_seeing(&self.connection(), plan)
    }

    /// [`TestCluster::follow`] with other watch timings (short stall detection).
    pub fn follow_with(&self, plan: Plan, tuning: &WatchTuning) -> Follower {
        Follower::start_with(&self.connection(), plan, tuning)
    }
}

/// A stopped etcd, to start again.
/// A namespace beside the test's own ([`TestCluster::namespace_beside`]).
pub struct Beside {
    pub namespace: String,
    pub runs: Api<DynamicObject>,
}

impl Beside {
    /// Creates an AgentRun there from its JSON (apiVersion/kind/namespace filled in).
    pub async fn create_run(&self, mut obj: Value) {
        let ar = api_resource(ResourceKind::AgentRun);
        obj["apiVersion"] = json!(ar.api_version);
        obj["kind"] = json!(ar.kind);
        obj["metadata"]["namespace"] = json!(self.namespace);
        let obj: DynamicObject = serde_json::from_value(obj).expect("a DynamicObject");
        self.runs
            .create(&PostParams::default(), &obj)
            .await
            .unwrap_or_else(|e| panic!("create a run in {}: {e}", self.namespace));
    }
}

pub struct EtcdStopped {
    argv: Vec<String>,
    pid_file: PathBuf,
    log: PathBuf,
}

impl Drop for TestCluster {
    fn drop(&mut self) {
        if self.env.is_some() {
            return; // the whole private server goes away with `env`
        }
        // Best effort on a shared cluster. Drop cannot await, and the test's runtime may be on its
        // way down: clean up from a thread of our own, bounded in time. The objects go first
        // because a bare API server (testenv) has no namespace controller to empty the namespace.
        let kubeconfig = self.kubeconfig.clone();
        let context = self.context.clone();
        let namespace = self.namespace.clone();
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                rt.block_on(async {
                    let (client, _) = client_from(&kubeconfig, Some(&context)).await;
                    for kind in ResourceKind::ALL {
                        let _ = api(&client, Some(&namespace), kind)
                            .delete_collection(&DeleteParams::default(), &ListParams::default())
                            .await;
                    }
                    let _ = Api::<Namespace>::all(client)
                        .delete(&namespace, &DeleteParams::background())
                        .await;
                });
            }
            let _ = done_tx.send(());
        });
        let _ = done_rx.recv_timeout(Duration::from_secs(10));
    }
}

async fn client_from(kubeconfig: &Path, context: Option<&str>) -> (Client, String) {
    let kc = Kubeconfig::read_from(kubeconfig)
        .unwrap_or_else(|e| panic!("read kubeconfig {}: {e}", kubeconfig.display()));
    let context = context
        .map(str::to_owned)
        .or_else(|| kc.current_context.clone())
        .unwrap_or_else(|| "default".into());
    let options = KubeConfigOptions {
        context: Some(context.clone()),
        ..Default::default()
    };
    let config = Config::from_custom_kubeconfig(kc, &options)
        .await
        .unwrap_or_else(|e| panic!("kubeconfig {} context {context}: {e}", kubeconfig.display()));
    let client = Client::try_from(config).expect("a kube client");
    (client, context)
}

/// A DNS-label-safe random suffix.
pub fn unique_suffix() -> String {
    let mut rng = fastrand::Rng::new();
    (0..10)
        .map(|_| {
            let alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789";
            alphabet[rng.usize(..alphabet.len())] as char
        })
        .collect()
}

/// A plan with lanes A and B (anything else lands in the Unassigned column).
pub fn plan_ab() -> Plan {
    Plan::parse(
        r#"
name = "watch-tests"
repository = "proompteng/lab"
base = "main"

[[lane]]
id = "A"
title = "Trading service core"
owns = ["services/torghut/app/trading/**"]

[[lane]]
id = "B"
title = "Data / TA / features"
owns = ["services/dorvud/**"]
"#,
        "plan_ab.toml",
    )
    .expect("the test plan parses")
}

/// The seed's work-item template text.
pub fn template_text(objective: &str, head: &str) -> String {
    format!(
        "## Objective\n{objective}\n\n\
         ## In-scope paths\n- services/torghut/app/trading/firewall/**\n\n\
         ## Out-of-scope constraints\n- No changes outside lane A's paths.\n\n\
         ## Acceptance criteria\n- Every order path goes through the firewall.\n\n\
         ## Validation commands\n- `uv run pytest tests/trading/test_firewall.py`\n\n\
         ## Safety gates\n- Paper trading only; no credentials changes.\n\n\
         ## Parameters\n- repository: proompteng/lab\n- base: main\n- head: {head}\n- stage: implementation\n"
    )
}

/// An ImplementationSpec (work item) object; `lane: None` leaves the lane label off.
pub fn implementation_spec(name: &str, lane: Option<&str>, summary: &str, text: &str) -> Value {
    let mut labels = serde_json::Map::new();
    if let Some(lane) = lane {
        labels.insert("swarm.proompteng.ai/lane".into(), json!(lane));
    }
    json!({
        "metadata": {"name": name, "labels": labels},
        "spec": {"text": text, "summary": summary, "source": {"provider": "manual"}}
    })
}

/// An AgentRun executing work item `work_item`, pushing `head`; `lane: None` leaves the lane
/// label off.
pub fn agent_run(name: &str, lane: Option<&str>, work_item: &str, head: &str) -> Value {
    let mut labels = serde_json::Map::new();
    if let Some(lane) = lane {
        labels.insert("swarm.proompteng.ai/lane".into(), json!(lane));
    }
    labels.insert("swarm.proompteng.ai/work-item".into(), json!(work_item));
    json!({
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "agentRef": {"name": "codex-agent"},
            "implementationSpecRef": {"name": work_item},
            "runtime": {"type": "workflow"},
            "parameters": {
                "repository": "proompteng/lab",
                "base": "main",
                "head": head,
                "stage": "implementation"
            },
            "workflow": {"steps": [{"name": "implement", "timeoutSeconds": 7200}]}
        }
    })
}

/// A metav1.Condition as the controller writes it.
pub fn condition(type_: &str, status: &str, reason: &str, message: &str) -> Value {
    json!({
        "type": type_,
        "status": status,
        "reason": reason,
        "message": message,
        "lastTransitionTime": "2026-02-10T10:00:00Z"
    })
}

/// Drives the real watchers into a real `State` through the real `update`, as the runtime does.
pub struct Follower {
    pub state: State,
    rx: singles::Singles,
    tasks: Vec<JoinHandle<()>>,
    /// Every source event received, in order, one line each (for ordering checks and dumps).
    pub log: Vec<String>,
    /// Effects `update` returned (the cockpit's runtime would run them).
    pub effects: Vec<Effect>,
    /// Runs on the board after each message (a blank board in between shows as a dip).
    pub sizes: Vec<usize>,
    /// The channel's sending side, for an executor (weak: when the watchers stop, the channel
    /// closes and a wait says so).
    tx: mpsc::WeakSender<Msg>,
    /// Where the watchers learn which runs are on screen, as the runtime tells them.
    screen: Option<tokio::sync::watch::Sender<swarm_cockpit::sources::kube_watch::OnScreen>>,
}

impl Follower {
    pub fn start(conn: &Connection, plan: Plan) -> Follower {
        Self::start_with(conn, plan, &WatchTuning::default())
    }

    pub fn start_with(conn: &Connection, plan: Plan, tuning: &WatchTuning) -> Follower {
        let (tx, rx) = mpsc::channel(1024);
        let tasks = spawn_watchers_with(conn, tx.clone(), tuning);
        Self::following(conn, plan, tx, rx, tasks, None)
    }

    /// Watchers told which runs are on screen after every message, as the runtime tells them
    /// (the state needs a size: `Msg::Resize`).
    pub fn start_seeing(conn: &Connection, plan: Plan) -> Follower {
        let (tx, rx) = mpsc::channel(1024);
        let (screen, seen) =
            tokio::sync::watch::channel(swarm_cockpit::sources::kube_watch::OnScreen::new());
        let tasks = swarm_cockpit::sources::kube::spawn_watchers_seeing(conn, tx.clone(), &seen);
        Self::following(conn, plan, tx, rx, tasks, Some(screen))
    }

    fn following(
        conn: &Connection,
        plan: Plan,
        tx: mpsc::Sender<Msg>,
        rx: mpsc::Receiver<Msg>,
        tasks: Vec<JoinHandle<()>>,
        screen: Option<tokio::sync::watch::Sender<swarm_cockpit::sources::kube_watch::OnScreen>>,
    ) -> Follower {
        let weak = tx.downgrade();
        drop(tx);
        let origin = swarm_cockpit::app::state::Origin {
            context: conn.context.clone(),
            namespace: conn.namespace.clone(),
        };
        Follower {
            state: State::new(plan, origin, chrono::Utc::now()),
            rx: singles::Singles::new(rx),
            tasks,
            log: Vec::new(),
            effects: Vec::new(),
            sizes: Vec::new(),
            tx: weak,
            screen,
        }
    }

    /// The cockpit's real executor over `client`, reporting on this follower's channel as the
    /// runtime's does. No draft store, no audit log.
    pub fn executor(&self, client: &Client) -> Executor {
        let tx = self.tx.upgrade().expect("the watchers are running");
        let shared = swarm_cockpit::sources::kube::SharedClient::new(client.clone());
        Executor::new(tx, std::sync::Arc::new(KubeCluster::new(shared)), None)
    }

    /// Presses keys (messages) and carries out the effects `update` returns with `executor`.
    pub async fn press(&mut self, executor: &Executor, msgs: Vec<Msg>) -> Vec<OpResult> {
        let mut effects = Vec::new();
        for m in msgs {
            effects.extend(update(&mut self.state, m));
        }
        self.execute(executor, effects).await
    }

    /// Carries out `effects` with `executor` as the runtime does, feeding every message that
    /// arrives meanwhile to the state in order, and the effects of the results to the executor
    /// again, until nothing is in flight. Returns the results (`Msg::Op`), in arrival order.
    pub async fn execute(
        &mut self,
        executor: &Executor,
        mut effects: Vec<Effect>,
    ) -> Vec<OpResult> {
        let mut outcomes = Vec::new();
        while !effects.is_empty() {
            for effect in effects.drain(..) {
                assert_eq!(
                    executor.execute(effect),
                    None,
                    "no terminal effect expected"
                );
            }
            tokio::time::timeout(WAIT, executor.settled())
                .await
                .unwrap_or_else(|_| panic!("effects still in flight after {WAIT:?}"));
            while let Some(msg) = self.rx.try_recv() {
                match msg {
                    Msg::Op(result) => {
                        outcomes.push(result.clone());
                        effects.extend(update(&mut self.state, Msg::Op(result)));
                    }
                    other => self.apply(other),
                }
            }
        }
        outcomes
    }

    /// Applies received messages until `pred` holds (checked before and after each one). Panics
    /// with `what` and a dump of the state when `timeout` passes first.
    pub async fn wait_until(
        &mut self,
        what: &str,
        timeout: Duration,
        pred: impl Fn(&State) -> bool,
    ) {
        let deadline = tokio::time::Instant::now() + timeout;
        while !pred(&self.state) {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(msg)) => self.apply(msg),
                Ok(None) => panic!("waiting for {what}: the watchers stopped\n{}", self.dump()),
                Err(_) => panic!(
                    "timed out after {timeout:?} waiting for {what}\n{}",
                    self.dump()
                ),
            }
        }
    }

    /// Applies what has already arrived, without waiting.
    pub fn drain(&mut self) {
        while let Some(msg) = self.rx.try_recv() {
            self.apply(msg);
        }
    }

    fn apply(&mut self, msg: Msg) {
        if let Msg::Source(event) = &msg {
            self.log.push(describe(event));
        }
        // The runtime would execute these; tests may inspect them.
        self.effects.extend(update(&mut self.state, msg));
        self.sizes.push(self.state.cluster.runs.len());
        self.publish_screen();
    }

    /// Tells the watchers (when started seeing) which runs are on screen now.
    pub fn publish_screen(&mut self) {
        if let Some(screen) = &self.screen {
            self.state.ensure_board();
            swarm_cockpit::sources::kube_watch::publish_on_screen(
                screen,
                swarm_cockpit::app::on_screen::runs(&self.state),
            );
        }
    }

    /// Index in [`Follower::log`] of the first line containing `needle`.
    pub fn first_in_log(&self, needle: &str) -> Option<usize> {
        self.log.iter().position(|l| l.contains(needle))
    }

    /// A readable picture of the state, for failure messages.
    pub fn dump(&self) -> String {
        let s = &self.state;
        let mut out = String::new();
        let _ = writeln!(out, "connection: {:?}", s.cluster.connection);
        let _ = writeln!(out, "runs ({}):", s.cluster.runs.len());
        for r in s.cluster.runs.values() {
            let _ = writeln!(
                out,
                "  {} phase={:?} lane={:?} work_item={:?} head={:?} message={:?} problems={:?}",
                r.key,
                r.phase,
                r.lane,
                r.work_item,
                r.head_branch,
                r.message.as_deref().map(|m| truncate(m, 80)),
                r.problems
            );
        }
        let _ = writeln!(out, "items ({}):", s.cluster.items.len());
        for w in s.cluster.items.values() {
            let _ = writeln!(
                out,
                "  {} lane={:?} summary={:?} text_chars={} problems={:?}",
                w.key,
                w.lane,
                truncate(&w.summary, 80),
                w.text.chars().count(),
                w.problems
            );
        }
        let tail = self.log.len().saturating_sub(40);
        let _ = writeln!(out, "last source events ({} in all):", self.log.len());
        for line in &self.log[tail..] {
            let _ = writeln!(out, "  {line}");
        }
        out
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

fn truncate(s: &str, max: usize) -> String {
    swarm_cockpit::domain::sanitize::truncate_chars(s, max)
}

fn describe(event: &SourceEvent) -> String {
    match event {
        SourceEvent::Applied(r) => {
            let extra = match r {
                swarm_cockpit::app::Resource::Run(run) => format!(" phase={}", run.phase),
                swarm_cockpit::app::Resource::WorkItem(_) => String::new(),
            };
            format!("Applied({} {}{extra})", r.kind(), r.key())
        }
        SourceEvent::Deleted(kind, key) => format!("Deleted({kind} {key})"),
        SourceEvent::ResyncStarted(kind) => format!("ResyncStarted({kind})"),
        SourceEvent::ResyncDone(kind) => format!("ResyncDone({kind})"),
        SourceEvent::Connection(kind, conn) => format!("Connection({kind} {})", conn_label(conn)),
        SourceEvent::PullRequest(pr) => {
            format!("PullRequest({} {})", pr.repository, pr.head_branch)
        }
        other => format!("{other:?}").chars().take(120).collect(),
    }
}

fn conn_label(conn: &ConnState) -> String {
    match conn {
        ConnState::Connecting => "Connecting".into(),
        ConnState::Connected => "Connected".into(),
        ConnState::Reconnecting(e) => format!("Reconnecting: {}", truncate(e, 120)),
        ConnState::Failed(e) => format!("Failed: {}", truncate(e, 200)),
    }
}

/// Milliseconds since `start`, for the bench and for logs.
pub fn ms_since(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1000.0
}
