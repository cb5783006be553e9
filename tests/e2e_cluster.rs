//! End to end against a real API server: the real binary in a pty, watching a real cluster. An
//! operator goes from an empty lane to an approved work item by keyboard, edits it in `$EDITOR`,
//! and switches namespace with `:ns`.
mod support;
mod support_pty;

use serde_json::json;
use std::time::Duration;
use support::{TestCluster, implementation_spec, template_text};
use support_pty::{Tui, temp_home, write_file};
use swarm_cockpit::domain::ResourceKind;
use swarm_cockpit::domain::approval::Approval;

const EXIT: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread")]
async fn keyboard_from_empty_lane_to_approved_item_then_editor_and_namespace_switch() {
    let Some(cluster) = TestCluster::start().await else {
        return;
    };
    cluster.apply_crds().await;
    let other = format!("{}-b", cluster.namespace);
    let namespaces: kube::Api<k8s_openapi::api::core::v1::Namespace> =
        kube::Api::all(cluster.client.clone());
    namespaces
        .create(
            &Default::default(),
            &serde_json::from_value(json!({"metadata": {"name": other}})).expect("ns"),
        )
        .await
        .expect("create namespace");
    let text = template_text("Elsewhere.", "codex/swarm/lane-a/elsewhere");
    let mut obj = implementation_spec("in-other-namespace", Some("A"), "Elsewhere.", &text);
    obj["apiVersion"] = json!("agents.proompteng.ai/v1alpha1");
    obj["kind"] = json!("ImplementationSpec");
    obj["metadata"]["namespace"] = json!(other);
    swarm_cockpit::sources::kube::api(
        &cluster.client,
        Some(&other),
        ResourceKind::ImplementationSpec,
    )
    .create(
        &Default::default(),
        &serde_json::from_value(obj).expect("object"),
    )
    .await
    .expect("create");

    let home = temp_home();
    let plan = write_file(
        home.path(),
        "plan.toml",
        "name = \"e2e\"\nrepository = \"proompteng/lab\"\n[[lane]]\nid = \"A\"\ntitle = \"Trading\"\nowns = [\"services/torghut/app/trading/**\"]\n[[wave]]\nnumber = 1\ntitle = \"first\"\n",
    );
    // An $EDITOR that appends an acceptance criterion, as an operator would type it.
    let editor = write_file(
        home.path(),
        "editor.sh",
        "#!/bin/sh\nprintf -- '- notes: added in the editor\\n' >> \"$1\"\n",
    );
    std::fs::set_permissions(&editor, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    // Signed approvals: the operator's key and the allowed-signers file that lists it.
    let key = ssh_key::PrivateKey::from(ssh_key::private::Ed25519Keypair::from_seed(&[7; 32]));
    let key_file = home.path().join("id_ed25519");
    key.write_openssh_file(&key_file, ssh_key::LineEnding::LF)
        .expect("write key");
    let signers = write_file(
        home.path(),
        "allowed_signers",
        &format!(
            "operator@e2e {}\n",
            key.public_key().to_openssh().expect("public key")
        ),
    );
    let config = write_file(
        home.path(),
        "config.toml",
        &format!(
            "[approvals]\nallowed_signers = {:?}\nsigning_key = {:?}\n",
            signers.display().to_string(),
            key_file.display().to_string()
        ),
    );
    let config_arg = config.display().to_string();
    let kubeconfig = cluster.kubeconfig.display().to_string();
    let plan_arg = plan.display().to_string();
    let args = [
        "--config",
        &config_arg,
        "--kubeconfig",
        &kubeconfig,
        "--context",
        &cluster.context,
        "-n",
        &cluster.namespace,
        "--plan",
        &plan_arg,
    ];
    let editor = editor.display().to_string();
    let mut tui = Tui::spawn_with_env(
        home,
        &args,
        120,
        36,
        &[("EDITOR", &editor), ("VISUAL", &editor)],
    );
    tui.wait_for_text("connected");
    tui.wait_for_text("no runs");

    // n → name → objective → save.
    tui.send("n");
    tui.wait_for_text("New work item lane-a-item-1");
    tui.send("\x7f".repeat(20));
    tui.send("order-firewall");
    tui.send("\t\x0b");
    tui.send("Add an order firewall module.");
    tui.send("\x13");
    tui.wait_for_text("saved");
    // $EDITOR from the editor (ctrl-e), then save again.
    tui.send("\x05");
    tui.wait_for_text("edited in $EDITOR");
    tui.send("\x13");
    tui.wait_for_text("saved");
    tui.send("\x1b");
    tui.send("\x1b");
    tui.wait_for_no_text("Edit order-firewall");
    // a: approve.
    tui.send("a");
    tui.wait_for_text("✓ approved");

    let api = cluster.api(ResourceKind::ImplementationSpec);
    let saved = api
        .get("order-firewall")
        .await
        .expect("saved on the server");
    let item =
        swarm_cockpit::domain::WorkItem::from_json(&serde_json::to_value(&saved).expect("json"));
    assert!(
        item.text.contains("- notes: added in the editor"),
        "{}",
        item.text
    );
    let policy = swarm_cockpit::config::ApprovalsConfig {
        allowed_signers: Some(signers.clone()),
        ..Default::default()
    }
    .policy()
    .expect("policy");
    let plan = swarm_cockpit::domain::Plan::load(&plan).expect("plan");
    let verdict = policy.verify(&item, &plan, chrono::Utc::now());
    assert_eq!(
        verdict,
        Approval::Approved {
            by: "operator@e2e".into(),
            at: item.annotations[swarm_cockpit::domain::approval::APPROVED_AT].clone(),
            verified: true
        }
    );

    // :ns switches the watches.
    tui.send(format!(":ns {other}\r"));
    tui.wait_for_text("in-other-namespace");
    tui.wait_for_no_text("order-firewall ");
    tui.send("q");
    assert!(tui.wait_exit(EXIT).success());
    tui.assert_restored();
    let _ = namespaces.delete(&other, &Default::default()).await;
}
