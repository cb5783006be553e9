//! Waves against a real API server: launch, relaunch (no duplicates), two launchers at once,
//! partial failure and retry, cancel by Jobs and by delete, read-only refusal, and the dry-run's
//! YAML applied with kubectl. Effects from `update` are carried out by the cockpit's executor over
//! the real cluster.
mod common;
mod support;

use common::key;

use crossterm::event::KeyCode;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use support::{Follower, TestCluster, WAIT, implementation_spec, plan_ab, template_text};
use swarm_cockpit::app::msg::{LaunchOutcome, OpResult};
use swarm_cockpit::app::state::Mode;
use swarm_cockpit::app::{ConnState, Effect, update};
use swarm_cockpit::domain::approval::{self, Claim};
use swarm_cockpit::domain::wave::{self, LaunchSettings, Overrides};
use swarm_cockpit::domain::{ObjectKey, ResourceKind, WorkItem, labels};
use swarm_cockpit::effects::{Headless, KubeCluster};
use swarm_cockpit::sources::kube::SharedClient;

const SPEC: ResourceKind = ResourceKind::ImplementationSpec;
const RUN: ResourceKind = ResourceKind::AgentRun;

/// Creates an approved work item in wave `wave` of lane A with its own path and branch.
async fn approved_item(cluster: &TestCluster, name: &str, wave: u32) -> WorkItem {
    let text = template_text(
        &format!("Work item {name}."),
        &format!("codex/swarm/lane-a/{name}"),
    )
    .replace(
        "services/torghut/app/trading/firewall/**",
        &format!("services/torghut/app/trading/{name}/**"),
    );
    let mut obj = implementation_spec(name, Some("A"), &format!("Work item {name}."), &text);
    obj["metadata"]["labels"][labels::WAVE] = json!(wave.to_string());
    let created = cluster.create(SPEC, obj).await;
    let item = WorkItem::from_json(&serde_json::to_value(&created).expect("json"));
    let patched = cluster
        .patch(
            SPEC,
            name,
            approval::approval_patch(
                &item,
                &Claim::for_item(&item, &plan_ab(), "ana", "2026-02-10T12:00:00Z"),
                None,
            ),
        )
        .await;
    WorkItem::from_json(&serde_json::to_value(&patched).expect("json"))
}

/// The cockpit's executor over the test cluster, acting as `operator`, on its own channel.
fn executor(cluster: &TestCluster, operator: &str) -> Headless {
    let shared = SharedClient::new(cluster.client.clone());
    Headless::new(Arc::new(KubeCluster::new(shared)), None, operator)
}

/// Carries out one effect and returns the results it sent, in arrival order.
async fn outcomes(executor: &mut Headless, effect: Effect) -> Vec<OpResult> {
    tokio::time::timeout(WAIT, executor.results(effect))
        .await
        .expect("the executor settles")
}

/// Launches `manifests` as wave `wave` through the executor; each run's outcome, in the
/// manifests' order.
async fn launch(executor: &mut Headless, wave: u32, manifests: &[Value]) -> Vec<LaunchOutcome> {
    let effect = Effect::LaunchRuns {
        wave,
        manifests: manifests.to_vec(),
    };
    let mut by_name: BTreeMap<String, LaunchOutcome> = outcomes(executor, effect)
        .await
        .into_iter()
        .map(|r| match r {
            OpResult::Launched { name, outcome } => (name, outcome),
            other => panic!("not a launch outcome: {other:?}"),
        })
        .collect();
    manifests
        .iter()
        .map(|m| {
            let name = m["metadata"]["name"].as_str().expect("name");
            by_name.remove(name).expect("an outcome for every run")
        })
        .collect()
}

async fn run_names(cluster: &TestCluster) -> Vec<String> {
    let list = cluster
        .api(RUN)
        .list(&Default::default())
        .await
        .expect("list runs");
    let mut names: Vec<String> = list
        .items
        .iter()
        .filter_map(|o| o.metadata.name.clone())
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread")]
async fn launch_relaunch_and_two_launchers_create_each_run_once() {
    let Some(cluster) = TestCluster::start().await else {
        return;
    };
    cluster.apply_crds().await;
    let items = [
        approved_item(&cluster, "fw", 1).await,
        approved_item(&cluster, "ks", 1).await,
        approved_item(&cluster, "rb", 1).await,
    ];
    let mut f = Follower::start(&cluster.connection(), plan_ab());
    f.wait_until("items listed", WAIT, |s| {
        s.cluster.items.len() == 3 && s.overall_connection() == ConnState::Connected
    })
    .await;
    f.state.ensure_board();

    // w → L → the confirmation names the count and lanes → y.
    let runs = f.executor(&cluster.client);
    f.press(
        &runs,
        vec![key(KeyCode::Char('w')), key(KeyCode::Char('L'))],
    )
    .await;
    assert_eq!(
        f.state.mode(),
        Mode::Confirm,
        "gates pass: {:?}",
        f.state.screens.confirm()
    );
    let confirm = f.state.screens.confirm().cloned().expect("confirm");
    assert_eq!(confirm.title, "Launch wave 1: 3 run(s)?");
    assert!(
        confirm.lines[0].contains("in lanes A"),
        "{:?}",
        confirm.lines
    );
    let outcomes = f.press(&runs, vec![key(KeyCode::Char('y'))]).await;
    assert_eq!(outcomes.len(), 3);
    assert!(
        outcomes.iter().all(|o| matches!(
            o,
            OpResult::Launched {
                outcome: LaunchOutcome::Created,
                ..
            }
        )),
        "{outcomes:?}"
    );
    let expected: Vec<String> = {
        let mut v: Vec<String> = items.iter().map(|i| wave::run_name(i, 1)).collect();
        v.sort();
        v
    };
    assert_eq!(run_names(&cluster).await, expected);
    f.wait_until("runs arrive through the watch", WAIT, |s| {
        s.cluster.runs.len() == 3
    })
    .await;

    // The created run references its work item and records how to reproduce it.
    let run = cluster
        .api(RUN)
        .get(&wave::run_name(&items[0], 1))
        .await
        .expect("run");
    let data = serde_json::to_value(&run).expect("json");
    assert_eq!(data["spec"]["implementationSpecRef"]["name"], "fw");
    assert_eq!(data["spec"]["parameters"]["head"], "codex/swarm/lane-a/fw");
    assert_eq!(
        data["spec"]["idempotencyKey"],
        json!(wave::run_name(&items[0], 1))
    );
    assert_eq!(data["metadata"]["labels"][labels::WAVE], "1");
    assert_eq!(
        data["metadata"]["annotations"][wave::CONTENT_HASH],
        json!(items[0].content_hash())
    );
    assert_eq!(
        data["metadata"]["annotations"][wave::LAUNCHED_BY],
        json!(f.state.settings.operator)
    );

    // Relaunch: the same runs, found already there.
    f.press(&runs, vec![key(KeyCode::Char('L'))]).await;
    let outcomes = f.press(&runs, vec![key(KeyCode::Char('y'))]).await;
    assert!(
        outcomes.iter().all(|o| matches!(
            o,
            OpResult::Launched {
                outcome: LaunchOutcome::Exists,
                ..
            }
        )),
        "{outcomes:?}"
    );
    assert_eq!(run_names(&cluster).await, expected, "no duplicates");

    // Two operators launching wave 2 at the same moment: each run exists exactly once.
    let second = [
        approved_item(&cluster, "w2a", 2).await,
        approved_item(&cluster, "w2b", 2).await,
    ];
    let manifests: Vec<Value> = second
        .iter()
        .map(|i| {
            wave::run_manifest(
                i,
                2,
                &plan_ab(),
                &LaunchSettings::default(),
                "now",
                &Overrides::default(),
            )
        })
        .collect();
    let (mut first, mut second) = (executor(&cluster, "ana"), executor(&cluster, "bo"));
    let (a, b) = tokio::join!(
        launch(&mut first, 2, &manifests),
        launch(&mut second, 2, &manifests)
    );
    let created = a
        .iter()
        .chain(b.iter())
        .filter(|o| **o == LaunchOutcome::Created)
        .count();
    let exists = a
        .iter()
        .chain(b.iter())
        .filter(|o| **o == LaunchOutcome::Exists)
        .count();
    assert_eq!((created, exists), (2, 2), "{a:?} {b:?}");
    assert_eq!(run_names(&cluster).await.len(), 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_partial_failure_is_clear_and_a_retry_creates_only_what_is_missing() {
    let Some(cluster) = TestCluster::start().await else {
        return;
    };
    cluster.apply_crds().await;
    let good = approved_item(&cluster, "good", 1).await;
    let bad = approved_item(&cluster, "bad", 1).await;
    let plan = plan_ab();
    let mut manifests: Vec<Value> = [&good, &bad]
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
    // The server refuses a prompt parameter (current schema): the explicit override shows its 422.
    manifests[1]["spec"]["parameters"]["prompt"] = json!("do something else");
    let mut runs = executor(&cluster, "ana");
    let outcomes = launch(&mut runs, 1, &manifests).await;
    assert_eq!(outcomes[0], LaunchOutcome::Created);
    let LaunchOutcome::Failed(message) = &outcomes[1] else {
        panic!("{outcomes:?}")
    };
    assert!(
        message.contains("422") && message.contains("prompt"),
        "the server's words: {message}"
    );
    assert_eq!(run_names(&cluster).await, [wave::run_name(&good, 1)]);

    // Retry with the fix: only the missing run is created.
    manifests[1]["spec"]["parameters"]
        .as_object_mut()
        .map(|p| p.remove("prompt"));
    let outcomes = launch(&mut runs, 1, &manifests).await;
    assert_eq!(outcomes, [LaunchOutcome::Exists, LaunchOutcome::Created]);
    assert_eq!(run_names(&cluster).await.len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_deletes_the_runs_jobs_and_pods_and_keeps_the_run_delete_removes_it() {
    let Some(cluster) = TestCluster::start().await else {
        return;
    };
    cluster.apply_crds().await;
    let item = approved_item(&cluster, "fw", 1).await;
    let manifest = wave::run_manifest(
        &item,
        1,
        &plan_ab(),
        &LaunchSettings::default(),
        "now",
        &Overrides::default(),
    );
    let mut runs = executor(&cluster, "ana");
    assert_eq!(
        launch(&mut runs, 1, std::slice::from_ref(&manifest)).await,
        [LaunchOutcome::Created]
    );
    let run = wave::run_name(&item, 1);

    // The controller's Job and its pod, labelled as upstream labels them.
    use k8s_openapi::api::batch::v1::Job;
    use k8s_openapi::api::core::v1::Pod;
    let jobs: kube::Api<Job> = kube::Api::namespaced(cluster.client.clone(), &cluster.namespace);
    let pods: kube::Api<Pod> = kube::Api::namespaced(cluster.client.clone(), &cluster.namespace);
    let job: Job = serde_json::from_value(json!({
        "metadata": {"name": format!("{run}-job"), "labels": {labels::AGENT_RUN: run}},
        "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "agent-runner", "image": "runner"}]}}}
    })).expect("job");
    jobs.create(&Default::default(), &job)
        .await
        .expect("create job");
    let pod: Pod = serde_json::from_value(json!({
        "metadata": {"name": format!("{run}-job-abcde"), "labels": {labels::AGENT_RUN: run, "job-name": format!("{run}-job")}},
        "spec": {"restartPolicy": "Never", "containers": [{"name": "agent-runner", "image": "runner"}]}
    })).expect("pod");
    pods.create(&Default::default(), &pod)
        .await
        .expect("create pod");

    let key = ObjectKey::new(cluster.namespace.clone(), run.clone());
    let done_one = |results: &[OpResult], change: &str| {
        matches!(results, [OpResult::RunsChanged { what, done: 1, failed }]
            if what == change && failed.is_empty())
    };
    let cancelled = outcomes(&mut runs, Effect::CancelRuns(vec![key.clone()])).await;
    assert!(done_one(&cancelled, "cancel"), "{cancelled:?}");
    assert!(
        jobs.list(&Default::default())
            .await
            .expect("jobs")
            .items
            .is_empty(),
        "the Job is gone"
    );
    assert!(
        pods.list(&Default::default())
            .await
            .expect("pods")
            .items
            .is_empty(),
        "its pod went with it"
    );
    let kept = cluster
        .api(RUN)
        .get(&run)
        .await
        .expect("the AgentRun stays for the record");
    let cancelled_by = kept.metadata.annotations.unwrap_or_default();
    assert!(
        cancelled_by
            .get(wave::CANCELLED_BY)
            .is_some_and(|v| v.starts_with("ana at ")),
        "{cancelled_by:?}"
    );

    let deleted = outcomes(&mut runs, Effect::DeleteRuns(vec![key.clone()])).await;
    assert!(done_one(&deleted, "delete"), "{deleted:?}");
    assert!(run_names(&cluster).await.is_empty());
    let again = outcomes(&mut runs, Effect::DeleteRuns(vec![key.clone()])).await;
    assert!(
        done_one(&again, "delete"),
        "deleting again is fine: {again:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn read_only_refuses_every_mutation() {
    let Some(cluster) = TestCluster::start().await else {
        return;
    };
    cluster.apply_crds().await;
    approved_item(&cluster, "fw", 1).await;
    let mut f = Follower::start(&cluster.connection(), plan_ab());
    f.wait_until("item listed", WAIT, |s| s.cluster.items.len() == 1)
        .await;
    f.state.settings.read_only = true;
    f.state.ensure_board();
    let mut effects = Vec::new();
    for c in ['a', 'A', 'x', 'X', 'w', 'L', 'x', 'X'] {
        effects.extend(update(&mut f.state, key(KeyCode::Char(c))));
    }
    assert!(effects.is_empty(), "{effects:?}");
    assert_ne!(f.state.mode(), Mode::Confirm);
    assert!(run_names(&cluster).await.is_empty());

    // And were app code to ask anyway, the executor refuses each mutation itself: the server
    // sees nothing, and each answer says why.
    let item = f.state.cluster.items.values().next().expect("item").clone();
    let before = cluster.api(SPEC).get("fw").await.expect("item");
    let manifest = wave::run_manifest(
        &item,
        1,
        &plan_ab(),
        &LaunchSettings::default(),
        "now",
        &Overrides::default(),
    );
    let mut guarded = executor(&cluster, "ana").with_read_only(true);
    let run_key = ObjectKey::new(cluster.namespace.clone(), wave::run_name(&item, 1));
    let mutations = vec![
        Effect::SaveWorkItem {
            draft: Box::new(swarm_cockpit::app::editor::draft_of(&item)),
            create: false,
        },
        Effect::PatchWorkItem {
            item: Box::new(item.clone()),
            patch: json!({"metadata": {"annotations": {"x": "y"}}}),
            what: "revoke",
        },
        Effect::ApproveWorkItem {
            item: Box::new(item.clone()),
            claim: Claim::for_item(&item, &plan_ab(), "ana", "2026-02-10T12:00:00Z"),
        },
        Effect::LaunchRuns {
            wave: 1,
            manifests: vec![manifest],
        },
        Effect::CancelRuns(vec![run_key.clone()]),
        Effect::DeleteRuns(vec![run_key]),
    ];
    for effect in mutations {
        assert!(effect.is_mutation());
        let replies = outcomes(&mut guarded, effect.clone()).await;
        assert_eq!(replies.len(), 1, "{effect:?}: {replies:?}");
        let text = format!("{:?}", replies[0]);
        assert!(text.contains("read-only"), "{effect:?}: {text}");
    }
    assert!(run_names(&cluster).await.is_empty(), "nothing launched");
    let after = cluster.api(SPEC).get("fw").await.expect("item");
    assert_eq!(
        after.metadata.resource_version, before.metadata.resource_version,
        "the work item is untouched"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dry_runs_yaml_applies_cleanly_with_kubectl() {
    let Some(cluster) = TestCluster::start().await else {
        return;
    };
    cluster.apply_crds().await;
    approved_item(&cluster, "fw", 1).await;
    approved_item(&cluster, "ks", 1).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let plan_file = dir.path().join("plan.toml");
    // The plan the items were approved in (approvals name the plan: see `approved_item`).
    std::fs::write(
        &plan_file,
        "name = \"watch-tests\"\nrepository = \"proompteng/lab\"\nbase = \"main\"\n[[lane]]\nid = \"A\"\ntitle = \"a\"\nowns = [\"services/torghut/app/trading/**\"]\n",
    )
    .expect("plan");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_swarm"))
        .args(["wave", "launch", "--wave", "1", "--dry-run", "--plan"])
        .arg(&plan_file)
        .arg("--kubeconfig")
        .arg(&cluster.kubeconfig)
        .args(["--context", &cluster.context, "-n", &cluster.namespace])
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .output()
        .expect("run swarm");
    let yaml = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{yaml}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(yaml.matches("kind: AgentRun").count(), 2, "{yaml}");
    assert!(
        run_names(&cluster).await.is_empty(),
        "a dry run creates nothing"
    );
    let mut apply = std::process::Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(&cluster.kubeconfig)
        .args(["--context", &cluster.context, "apply", "-f", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("kubectl");
    use std::io::Write;
    apply
        .stdin
        .take()
        .expect("stdin")
        .write_all(yaml.as_bytes())
        .expect("write");
    let applied = apply.wait_with_output().expect("kubectl output");
    assert!(
        applied.status.success(),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    assert_eq!(run_names(&cluster).await.len(), 2);

    // And the real launch finds them there.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_swarm"))
        .args([
            "wave", "launch", "--wave", "1", "--output", "json", "--plan",
        ])
        .arg(&plan_file)
        .arg("--kubeconfig")
        .arg(&cluster.kubeconfig)
        .args(["--context", &cluster.context, "-n", &cluster.namespace])
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .output()
        .expect("run swarm");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    let outcomes: BTreeMap<String, String> = report["runs"]
        .as_array()
        .expect("runs")
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap_or("").to_owned(),
                r["outcome"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert!(outcomes.values().all(|o| o == "exists"), "{outcomes:?}");
    let audit = std::fs::read_to_string(dir.path().join("state/swarm-cockpit/audit.jsonl"))
        .expect("audit log");
    assert_eq!(audit.lines().count(), 2);
}
