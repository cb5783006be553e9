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
    let paths = format!("services/torghut/app/trading/{name}/**");
    item_at(cluster, name, wave, pr, &paths).await
}

/// [`item`] whose in-scope path is `paths`.
async fn item_at(cluster: &TestCluster, name: &str, wave: u32, pr: u64, paths: &str) -> WorkItem {
    let head = format!("codex/swarm/lane-a/{name}-{pr}");
    let text = template_text(&format!("Item {name}."), &head)
        .replace("proompteng/lab", github_mock::REPO)
        .replace("services/torghut/app/trading/firewall/**", paths);
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
    swarm(
        cluster,
        dir,
        api,
        &["wave", "launch", "--wave", "2", "--dry-run"],
        Some("test-token-not-real"),
    )
}

/// `swarm ARGS --plan P --config C` against the cluster, GitHub at `api`, with `token` if any.
fn swarm(
    cluster: &TestCluster,
    dir: &std::path::Path,
    api: &str,
    args: &[&str],
    token: Option<&str>,
) -> std::process::Output {
    let config = dir.join("config.toml");
    std::fs::write(&config, format!("[github]\napi_url = \"{api}\"\n")).expect("config");
    let plan = dir.join("plan.toml");
    std::fs::write(
        &plan,
        "[[lane]]\nid = \"A\"\ntitle = \"a\"\nowns = [\"services/torghut/app/trading/**\"]\n",
    )
    .expect("plan");
    let mut command = Command::new(env!("CARGO_BIN_EXE_swarm"));
    command
        .args(args)
        .arg("--plan")
        .arg(&plan)
        .arg("--config")
        .arg(&config)
        .arg("--kubeconfig")
        .arg(&cluster.kubeconfig)
        .args(["--context", &cluster.context, "-n", &cluster.namespace])
        .env_remove("GH_TOKEN")
        .env_remove("GITHUB_TOKEN")
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("HOME", dir);
    if let Some(token) = token {
        command.env("GH_TOKEN", token);
    }
    command.output().expect("run swarm")
}

/// A cluster with the CRDs, GitHub's GraphQL on wiremock (PRs numbered by their branch), a temp dir.
async fn setup() -> Option<(TestCluster, MockServer, tempfile::TempDir)> {
    let cluster = TestCluster::start().await?;
    cluster.apply_crds().await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(github_mock::EchoPullRequests)
        .mount(&server)
        .await;
    Some((cluster, server, tempfile::tempdir().expect("tempdir")))
}

#[tokio::test(flavor = "multi_thread")]
async fn wave_two_waits_for_wave_ones_merge() {
    let Some((cluster, server, dir)) = setup().await else {
        return;
    };

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

/// `swarm validate --cluster` holds the paths of a finished run whose PR is still open, as the
/// launch gate does: another item naming them is refused until that PR merges; without GitHub the
/// PR state is unknown and counts as open (and validate says so).
#[tokio::test(flavor = "multi_thread")]
async fn validate_holds_the_paths_of_unmerged_prs() {
    let Some((cluster, server, dir)) = setup().await else {
        return;
    };
    let validate = |token| {
        swarm(
            &cluster,
            dir.path(),
            &server.uri(),
            &["validate", "--cluster"],
            token,
        )
    };
    let overlaps = |out: &std::process::Output| -> Vec<String> {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.contains("path-overlap"))
            .map(str::to_owned)
            .collect()
    };

    // PR #1 of the finished run is open: the wave-2 item reaching into its paths conflicts.
    let open = item(&cluster, "open", 1, 1).await;
    finished_run(&cluster, &open).await;
    item_at(
        &cluster,
        "late",
        2,
        2,
        "services/torghut/app/trading/open/orders.py",
    )
    .await;
    let out = validate(Some("test-token-not-real"));
    let found = overlaps(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].contains("late") && found[0].contains("the unmerged PR of run open-w1-done"),
        "{found:#?}"
    );

    // Without a token the state is unknown: still held, and said.
    let out = validate(None);
    assert_eq!(
        overlaps(&out).len(),
        1,
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("PR states unknown"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The same paths held by a run whose PR (#4) is merged are free again.
    cluster
        .delete(ResourceKind::ImplementationSpec, "open")
        .await;
    cluster
        .delete(ResourceKind::ImplementationSpec, "late")
        .await;
    let merged = item(&cluster, "merged", 1, 4).await;
    finished_run(&cluster, &merged).await;
    item_at(
        &cluster,
        "after",
        2,
        2,
        "services/torghut/app/trading/merged/orders.py",
    )
    .await;
    let out = validate(Some("test-token-not-real"));
    assert!(
        overlaps(&out).is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
