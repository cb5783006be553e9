//! The launch gate's safety rules against a real API server, through the real `swarm wave launch`:
//! work items that would conflict, reach into another lane's sub-tree, hide a path behind `..`,
//! point at live trading or change credentials are refused with nothing created; a clean wave
//! launches.
mod support;

use serde_json::json;
use std::process::{Command, Output};
use support::{TestCluster, implementation_spec};
use swarm_cockpit::domain::approval::{APPROVED_AT, APPROVED_BY, APPROVED_HASH};
use swarm_cockpit::domain::{ResourceKind, WorkItem, labels};

const PLAN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/torghut/plan.toml");

/// A work item of the seed's template with these in-scope paths and extra parameters.
fn text(name: &str, lane: &str, paths: &[&str], extra_params: &str) -> String {
    let paths: String = paths.iter().map(|p| format!("- `{p}`\n")).collect();
    format!(
        "## Objective\nWork item {name}.\n\n## In-scope paths\n{paths}\n\
         ## Out-of-scope constraints\n- Nothing outside lane {lane}.\n\n\
         ## Acceptance criteria\n- It works.\n\n## Validation commands\n- `make test`\n\n\
         ## Safety gates\n- paper-only\n- no credentials changes\n\n\
         ## Parameters\n- repository: proompteng/lab\n- base: main\n\
         - head: codex/swarm/lane-{}/{name}\n- stage: implementation\n{extra_params}",
        lane.to_lowercase()
    )
}

/// Creates the work item in wave 1 and approves its content as it is on the server.
async fn approved(cluster: &TestCluster, name: &str, lane: &str, paths: &[&str], extra: &str) {
    let mut obj = implementation_spec(name, Some(lane), name, &text(name, lane, paths, extra));
    obj["metadata"]["labels"][labels::WAVE] = json!("1");
    let created = cluster.create(ResourceKind::ImplementationSpec, obj).await;
    let item = WorkItem::from_json(&serde_json::to_value(&created).expect("json"));
    cluster
        .patch(
            ResourceKind::ImplementationSpec,
            name,
            json!({"metadata": {"annotations": {
                APPROVED_BY: "ana", APPROVED_AT: "2026-12-01T10:00:00Z", APPROVED_HASH: item.content_hash()}}}),
        )
        .await;
}

fn launch(cluster: &TestCluster, dir: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_swarm"))
        .args(["wave", "launch", "--wave", "1", "--plan", PLAN])
        .arg("--kubeconfig")
        .arg(&cluster.kubeconfig)
        .args(["--context", &cluster.context, "-n", &cluster.namespace])
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("HOME", dir)
        .env_remove("SWARM_CONFIG")
        .env_remove("GH_TOKEN")
        .env_remove("GITHUB_TOKEN")
        .output()
        .expect("run swarm")
}

async fn run_count(cluster: &TestCluster) -> usize {
    cluster
        .api(ResourceKind::AgentRun)
        .list(&Default::default())
        .await
        .expect("list runs")
        .items
        .len()
}

/// Refused: exit 1, every expected reason in the output, and not one AgentRun created.
async fn assert_refused(cluster: &TestCluster, expected: &[&str]) {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = launch(cluster, dir.path());
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{all}");
    for e in expected {
        assert!(all.contains(e), "expected {e:?} in:\n{all}");
    }
    assert_eq!(
        run_count(cluster).await,
        0,
        "nothing may be created:\n{all}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn two_items_of_one_wave_on_the_same_file_are_refused() {
    let Some(cluster) = TestCluster::start().await else {
        return;
    };
    cluster.apply_crds().await;
    approved(
        &cluster,
        "config-a",
        "A",
        &["services/torghut/app/config.py"],
        "",
    )
    .await;
    approved(
        &cluster,
        "config-b",
        "A",
        &[
            "services/torghut/app/trading/sizing/**",
            "services/torghut/app/config.py",
        ],
        "",
    )
    .await;
    // A wildcard in the middle meets a sub-tree: the same rule, decided exactly.
    approved(
        &cluster,
        "risk-any",
        "A",
        &["services/torghut/app/trading/*/risk.py"],
        "",
    )
    .await;
    assert_refused(
        &cluster,
        &[
            "of work item config-a in this wave (both name `services/torghut/app/config.py`)",
            "both name `services/torghut/app/trading/sizing/risk.py`",
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_item_of_the_broader_lane_reaching_into_a_sub_tree_is_refused() {
    let Some(cluster) = TestCluster::start().await else {
        return;
    };
    cluster.apply_crds().await;
    approved(
        &cluster,
        "gitops-ta",
        "C",
        &["argocd/applications/torghut/*/values.yaml"],
        "- gitopsPath: argocd/applications/torghut\n",
    )
    .await;
    assert_refused(
        &cluster,
        &["reaches into argocd/applications/torghut/ta/**, which lane B owns inside lane C's tree"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn hidden_paths_live_trading_and_credentials_are_refused() {
    let Some(cluster) = TestCluster::start().await else {
        return;
    };
    cluster.apply_crds().await;
    approved(
        &cluster,
        "escape",
        "A",
        &["services/torghut/app/trading/../../../../kubernetes/torghut/deployment.yaml"],
        "",
    )
    .await;
    approved(
        &cluster,
        "endpoint",
        "A",
        &["services/torghut/app/trading/broker/**"],
        "- endpoint: https://api.alpaca.markets/v2\n",
    )
    .await;
    approved(
        &cluster,
        "paper-off",
        "A",
        &["services/torghut/app/trading/mode/**"],
        "- flags: run --paper=false\n",
    )
    .await;
    approved(
        &cluster,
        "sealed",
        "C",
        &["kubernetes/torghut/sealed-secret.yaml"],
        "- gitopsPath: kubernetes/torghut\n",
    )
    .await;
    assert_refused(
        &cluster,
        &[
            "the path contains `..`",
            "points at the live broker API api.alpaca.markets",
            "turns paper trading off",
            "kubernetes/torghut/sealed-secret.yaml changes credentials",
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_clean_wave_across_lanes_launches() {
    let Some(cluster) = TestCluster::start().await else {
        return;
    };
    cluster.apply_crds().await;
    approved(
        &cluster,
        "firewall",
        "A",
        &["services/torghut/app/trading/firewall/**"],
        "",
    )
    .await;
    approved(
        &cluster,
        "sizing",
        "A",
        &["services/torghut/app/trading/sizing/*.py"],
        "",
    )
    .await;
    approved(
        &cluster,
        "kill-switch",
        "C",
        &["argocd/applications/torghut/kill-switch/**"],
        "- gitopsPath: argocd/applications/torghut\n",
    )
    .await;
    approved(
        &cluster,
        "alert",
        "E",
        &["argocd/applications/torghut/alerts/kill-switch.yaml"],
        "- gitopsPath: argocd/applications/torghut\n",
    )
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = launch(&cluster, dir.path());
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert_eq!(run_count(&cluster).await, 4, "{all}");
}
