//! The headless merge-order gate with PR states from GitHub (wiremock on loopback speaking the
//! GraphQL shape): wave 2 launches once wave 1's PR is merged, and is refused while it is open.
mod github_mock;
mod support;

use serde_json::json;
use std::process::Command;
use support::{TestCluster, implementation_spec, template_text};
use swarm_cockpit::domain::approval::{self, Claim};
use swarm_cockpit::domain::{ResourceKind, WorkItem, labels};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer};

/// An approved work item of lane A in `wave`, whose PR branch ends in `-<pr>` (the mock answers
/// PR numbers divisible by 4 as merged).
async fn item(cluster: &TestCluster, name: &str, wave: u32, pr: u64) -> WorkItem {
    let head = format!("codex/swarm/lane-a/{name}-{pr}");
    let text = template_text(&format!("Item {name}."), &head)
        .replace("proompteng/lab", github_mock::REPO)
        .replace(
            "services/torghut/app/trading/firewall/**",
            &format!("services/torghut/app/trading/{name}/**"),
        );
    let mut obj = implementation_spec(name, Some("A"), &format!("Item {name}."), &text);
    obj["metadata"]["labels"][labels::WAVE] = json!(wave.to_string());
    let created = cluster.create(ResourceKind::ImplementationSpec, obj).await;
    let item = WorkItem::from_json(&serde_json::to_value(&created).expect("json"));
    let patched = cluster
        .patch(
            ResourceKind::ImplementationSpec,
            name,
            // The plan of `launch_wave_2` has no name, repository or base.
            approval::approval_patch(
                &item,
                &Claim::for_item(&item, &Default::default(), "ana", "t"),
                None,
            ),
        )
        .await;
    WorkItem::from_json(&serde_json::to_value(&patched).expect("json"))
}

/// A finished run of wave 1's item, pushing its branch.
async fn finished_run(cluster: &TestCluster, item: &WorkItem) {
    let run = format!("{}-w1-done", item.key.name);
    cluster
        .create(ResourceKind::AgentRun, json!({
            "metadata": {"name": run, "labels": {labels::LANE: "A", labels::WAVE: "1", labels::WORK_ITEM: item.key.name}},
            "spec": {"agentRef": {"name": "codex-agent"}, "implementationSpecRef": {"name": item.key.name},
                     "runtime": {"type": "workflow"},
                     "parameters": {"repository": github_mock::REPO, "base": "main", "head": item.head().expect("head"), "stage": "implementation"}}
        }))
        .await;
    cluster
        .patch_status(ResourceKind::AgentRun, &run, json!({"phase": "Succeeded"}))
        .await;
}

fn launch_wave_2(cluster: &TestCluster, dir: &std::path::Path, api: &str) -> std::process::Output {
    let config = dir.join("config.toml");
    std::fs::write(&config, format!("[github]\napi_url = \"{api}\"\n")).expect("config");
    let plan = dir.join("plan.toml");
    std::fs::write(
        &plan,
        "[[lane]]\nid = \"A\"\ntitle = \"a\"\nowns = [\"services/torghut/app/trading/**\"]\n",
    )
    .expect("plan");
    Command::new(env!("CARGO_BIN_EXE_swarm"))
        .args(["wave", "launch", "--wave", "2", "--dry-run", "--plan"])
        .arg(&plan)
        .arg("--config")
        .arg(&config)
        .arg("--kubeconfig")
        .arg(&cluster.kubeconfig)
        .args(["--context", &cluster.context, "-n", &cluster.namespace])
        .env("GH_TOKEN", "test-token-not-real")
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("HOME", dir)
        .output()
        .expect("run swarm")
}

#[tokio::test(flavor = "multi_thread")]
async fn wave_two_waits_for_wave_ones_merge() {
    let Some(cluster) = TestCluster::start().await else {
        return;
    };
    cluster.apply_crds().await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(github_mock::EchoPullRequests)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().expect("tempdir");

    // Wave 1's PR is open (#1): wave 2 is refused by the merge order.
    let first = item(&cluster, "first", 1, 1).await;
    finished_run(&cluster, &first).await;
    item(&cluster, "second", 2, 2).await;
    let out = launch_wave_2(&cluster, dir.path(), &server.uri());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("merge-order") && stderr.contains("wave 1 is not merged yet: first"),
        "{stderr}"
    );

    // Replace wave 1 by an item whose PR (#4) is merged: wave 2 may go.
    cluster
        .delete(ResourceKind::ImplementationSpec, "first")
        .await;
    let merged = item(&cluster, "merged", 1, 4).await;
    finished_run(&cluster, &merged).await;
    let out = launch_wave_2(&cluster, dir.path(), &server.uri());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("kind: AgentRun"));
    let requests = server.received_requests().await.expect("recorded");
    assert!(!requests.is_empty(), "PR states came from GitHub");
    assert!(
        requests
            .iter()
            .all(|r| !String::from_utf8_lossy(&r.body).contains("test-token-not-real"))
    );
}
