//! The headless commands on a cluster without the AgentRun CRD: they name the missing CRD and how to
//! install it, still validate the work items, and say what was skipped (the real binary, a private
//! testenv with only the ImplementationSpec CRD).
mod support;

use std::process::Output;
use support::{TestCluster, implementation_spec, template_text};
use swarm_cockpit::domain::ResourceKind;

const PLAN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/torghut/plan.toml");

fn swarm(cluster: &TestCluster, dir: &std::path::Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_swarm"))
        .args(args)
        .args(["--plan", PLAN, "--kubeconfig"])
        .arg(&cluster.kubeconfig)
        .args(["--context", &cluster.context, "-n", &cluster.namespace])
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env_remove("SWARM_CONFIG")
        .env_remove("GH_TOKEN")
        .env_remove("GITHUB_TOKEN")
        .output()
        .expect("run swarm")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_agentrun_crd_validate_and_wave_degrade_and_say_so() {
    // Private: the CRD must be missing for the whole cluster.
    let Some(cluster) = TestCluster::private_testenv().await else {
        return;
    };
    cluster
        .apply_crds_from(&support::crds_dir(), |p| {
            p.to_string_lossy().contains("implementationspecs")
        })
        .await;
    let mut item = implementation_spec(
        "order-firewall",
        Some("A"),
        "Add an order firewall",
        &template_text("Add an order firewall", "codex/swarm/lane-a/order-firewall"),
    );
    item["metadata"]["labels"]["swarm.proompteng.ai/wave"] = serde_json::json!("1");
    cluster.create(ResourceKind::ImplementationSpec, item).await;
    let dir = tempfile::tempdir().expect("tempdir");

    let out = swarm(&cluster, dir.path(), &["validate", "--cluster"]);
    let said = text(&out);
    // The items were checked (their own findings decide the exit status), and the output names
    // the missing CRD, how to install it, and what was skipped.
    assert!(matches!(out.status.code(), Some(0 | 1)), "{said}");
    assert!(said.contains("1 work item(s) checked"), "{said}");
    assert!(said.contains("agentruns.agents.proompteng.ai"), "{said}");
    assert!(said.contains("kubectl apply -f examples/crds/"), "{said}");
    assert!(said.contains("in-flight checks"), "{said}");
    assert!(!said.contains("404 page not found"), "{said}");

    let out = swarm(
        &cluster,
        dir.path(),
        &["validate", "--cluster", "--output", "json"],
    );
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    assert!(
        json["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["check"] == "in-flight" && f["severity"] == "warning"),
        "{json}"
    );

    let out = swarm(&cluster, dir.path(), &["wave", "plan", "--output", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    assert!(
        json["waves"][0]["items"][0]["name"] == "order-firewall",
        "{json}"
    );
    assert!(
        json["skipped"][0]
            .as_str()
            .is_some_and(|s| s.contains("agentruns.agents.proompteng.ai")),
        "{json}"
    );

    // Launching creates AgentRuns: refused up front, naming the CRD, not a 404 per run.
    let out = swarm(&cluster, dir.path(), &["wave", "launch", "--wave", "1"]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(
        said.contains("agentruns.agents.proompteng.ai") && said.contains("install"),
        "{said}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn wave_plan_of_an_empty_namespace_says_there_is_nothing() {
    let Some(cluster) = TestCluster::start().await else {
        return;
    };
    cluster.apply_crds().await;
    let dir = tempfile::tempdir().expect("dir");
    let out = swarm(&cluster, dir.path(), &["wave", "plan"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!(
            "no waves: no work items (ImplementationSpecs) in {}",
            cluster.namespace
        )
    );
    let out = swarm(&cluster, dir.path(), &["wave", "plan", "--wave", "3"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "there is no wave 3"
    );
}
