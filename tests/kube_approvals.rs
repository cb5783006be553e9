//! Signed approvals against a real API server and the real binary: approvals written by hand
//! (as an agent with write access could), copied from another item, edited after signing, signed
//! by an unknown key, or made under the old hash are refused by `swarm wave launch` with the
//! reason and nothing is created; `swarm approve` signs, the wave launches; `swarm revoke` clears.
mod support;

use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::{TestCluster, implementation_spec, template_text};
use swarm_cockpit::domain::approval::{self, APPROVAL_SIGNATURE, APPROVED_HASH, Claim};
use swarm_cockpit::domain::{Plan, ResourceKind, WorkItem, labels};

const SPEC: ResourceKind = ResourceKind::ImplementationSpec;

struct Setup {
    dir: tempfile::TempDir,
    config: PathBuf,
    plan: PathBuf,
    key: ssh_key::PrivateKey,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = ssh_key::PrivateKey::from(ssh_key::private::Ed25519Keypair::from_seed(&[3; 32]));
    let key_file = dir.path().join("id_ed25519");
    key.write_openssh_file(&key_file, ssh_key::LineEnding::LF)
        .expect("key");
    let signers = dir.path().join("allowed_signers");
    std::fs::write(
        &signers,
        format!(
            "ana@example.com {}\n",
            key.public_key().to_openssh().expect("pub")
        ),
    )
    .expect("signers");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "operator = \"ana\"\n[approvals]\nallowed_signers = {:?}\nsigning_key = {:?}\n",
            signers.display().to_string(),
            key_file.display().to_string()
        ),
    )
    .expect("config");
    let plan = dir.path().join("plan.toml");
    std::fs::write(
        &plan,
        "name = \"approvals\"\nrepository = \"proompteng/lab\"\nbase = \"main\"\n[[lane]]\nid = \"A\"\ntitle = \"a\"\nowns = [\"services/torghut/app/trading/**\"]\n[[wave]]\nnumber = 1\ntitle = \"first\"\n",
    )
    .expect("plan");
    Setup {
        dir,
        config,
        plan,
        key,
    }
}

fn swarm(cluster: &TestCluster, s: &Setup, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_swarm"))
        .args(args)
        .arg("--plan")
        .arg(&s.plan)
        .arg("--config")
        .arg(&s.config)
        .arg("--kubeconfig")
        .arg(&cluster.kubeconfig)
        .args(["--context", &cluster.context, "-n", &cluster.namespace])
        .env("XDG_STATE_HOME", s.dir.path().join("state"))
        .env("HOME", s.dir.path())
        .env_remove("SSH_AUTH_SOCK")
        .output()
        .expect("run swarm")
}

async fn create(cluster: &TestCluster, name: &str) -> WorkItem {
    let text = template_text(
        &format!("Work item {name}."),
        &format!("codex/swarm/lane-a/{name}"),
    )
    .replace(
        "services/torghut/app/trading/firewall/**",
        &format!("services/torghut/app/trading/{name}/**"),
    );
    let mut obj = implementation_spec(name, Some("A"), &format!("Work item {name}."), &text);
    obj["metadata"]["labels"][labels::WAVE] = json!("1");
    obj["spec"]["acceptanceCriteria"] = json!(["paper only"]);
    let created = cluster.create(SPEC, obj).await;
    WorkItem::from_json(&serde_json::to_value(&created).expect("json"))
}

async fn annotate(cluster: &TestCluster, name: &str, annotations: serde_json::Value) -> WorkItem {
    let patched = cluster
        .patch(
            SPEC,
            name,
            json!({"metadata": {"annotations": annotations}}),
        )
        .await;
    WorkItem::from_json(&serde_json::to_value(&patched).expect("json"))
}

fn runs(out: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
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

fn sign(key: &ssh_key::PrivateKey, claim: &Claim) -> String {
    key.sign(
        swarm_cockpit::domain::signature::NAMESPACE,
        ssh_key::HashAlg::Sha512,
        claim.message().as_bytes(),
    )
    .expect("sign")
    .to_pem(ssh_key::LineEnding::LF)
    .expect("pem")
}

#[tokio::test(flavor = "multi_thread")]
async fn forged_approvals_are_refused_and_signed_ones_launch() {
    let Some(cluster) = TestCluster::start().await else {
        return;
    };
    cluster.apply_crds().await;
    let s = setup();
    let plan = Plan::load(&s.plan).expect("plan");
    let mallory = ssh_key::PrivateKey::from(ssh_key::private::Ed25519Keypair::from_seed(&[9; 32]));

    // 1. Written by hand, hash and all (what an agent could do with kubectl).
    let by_hand = create(&cluster, "by-hand").await;
    let claim = Claim::for_item(&by_hand, &plan, "ana", "2026-02-10T12:00:00Z");
    annotate(&cluster, "by-hand", claim.annotations(None)).await;
    // 2. Signed by a key nobody allowed.
    let unknown = create(&cluster, "unknown").await;
    let claim = Claim::for_item(&unknown, &plan, "ana", "2026-02-10T12:00:00Z");
    annotate(
        &cluster,
        "unknown",
        claim.annotations(Some(&sign(&mallory, &claim))),
    )
    .await;
    // 3. A genuine approval of "donor", copied onto "copied".
    let donor = create(&cluster, "donor").await;
    let claim = Claim::for_item(&donor, &plan, "ana", "2026-02-10T12:00:00Z");
    let genuine = claim.annotations(Some(&sign(&s.key, &claim)));
    annotate(&cluster, "donor", genuine.clone()).await;
    create(&cluster, "copied").await;
    annotate(&cluster, "copied", genuine.clone()).await;
    // 4. Genuine, then the acceptance criteria edited.
    let stale = create(&cluster, "stale").await;
    let claim = Claim::for_item(&stale, &plan, "ana", "2026-02-10T12:00:00Z");
    annotate(
        &cluster,
        "stale",
        claim.annotations(Some(&sign(&s.key, &claim))),
    )
    .await;
    cluster
        .patch(
            SPEC,
            "stale",
            json!({"spec": {"acceptanceCriteria": ["live trading"]}}),
        )
        .await;
    // 5. The pre-v2 approval shape: three annotations, hash over the text only.
    create(&cluster, "old-hash").await;
    annotate(
        &cluster,
        "old-hash",
        json!({approval::APPROVED_BY: "ana", approval::APPROVED_AT: "t",
               APPROVED_HASH: "5f1e0c2a9b0f0ad4d1a6e4d2f0c4d1b2a3c4d5e6f708192a3b4c5d6e7f801234"}),
    )
    .await;
    // 6. The claim edited after signing (a later time).
    let edited = create(&cluster, "edited").await;
    let claim = Claim::for_item(&edited, &plan, "ana", "2026-02-10T12:00:00Z");
    let mut a = claim.annotations(Some(&sign(&s.key, &claim)));
    a[approval::APPROVED_AT] = json!("2030-01-01T00:00:00Z");
    annotate(&cluster, "edited", a).await;

    let out = swarm(&cluster, &s, &["wave", "launch", "--wave", "1"]);
    let text = runs(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    for needle in [
        "[approval] by-hand: the approval is not signed",
        "[approval] unknown: signed by SHA256:",
        "[approval] copied: copied approval: it was made for",
        "[approval] stale: changed since it was approved",
        "[approval] old-hash: approved under the old content hash",
        "[approval] edited: forged approval",
    ] {
        assert!(text.contains(needle), "{needle}\n{text}");
    }
    assert!(text.contains("refused"), "{text}");
    assert_eq!(run_count(&cluster).await, 0, "nothing created");
    // The donor's own approval is genuine: it is not among the refusals.
    assert!(!text.contains("[approval] donor"), "{text}");

    // `swarm approve` signs every item for real (their checks pass), and the wave launches.
    let names = [
        "by-hand", "unknown", "copied", "stale", "old-hash", "edited",
    ];
    let mut args = vec!["approve"];
    args.extend(names);
    let out = swarm(&cluster, &s, &args);
    let text = runs(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("approved by ana@example.com") && text.contains("(signature verified)"),
        "{text}"
    );
    let out = swarm(&cluster, &s, &["wave", "launch", "--wave", "1"]);
    let text = runs(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(!text.contains("UNVERIFIED"), "{text}");
    assert_eq!(run_count(&cluster).await, 7, "{text}");

    // `swarm revoke` removes every approval annotation.
    let out = swarm(&cluster, &s, &["revoke", "donor"]);
    assert_eq!(out.status.code(), Some(0), "{}", runs(&out));
    let donor = cluster.api(SPEC).get("donor").await.expect("donor");
    let donor = WorkItem::from_json(&serde_json::to_value(&donor).expect("json"));
    for k in approval::ANNOTATIONS {
        assert!(!donor.annotations.contains_key(k), "{k} left");
    }
    assert!(!donor.annotations.contains_key(APPROVAL_SIGNATURE));
}

#[tokio::test(flavor = "multi_thread")]
async fn approve_is_refused_while_a_check_fails_and_unverified_mode_says_so() {
    let Some(cluster) = TestCluster::start().await else {
        return;
    };
    cluster.apply_crds().await;
    let s = setup();
    // A failing check: the safety gates section removed.
    let text = template_text("Broken.", "codex/swarm/lane-a/broken").replace(
        "## Safety gates\n- Paper trading only; no credentials changes.\n\n",
        "",
    );
    assert!(!text.contains("Safety gates"));
    let mut obj = implementation_spec("broken", Some("A"), "Broken.", &text);
    obj["metadata"]["labels"][labels::WAVE] = json!("1");
    cluster.create(SPEC, obj).await;
    let out = swarm(&cluster, &s, &["approve", "broken"]);
    let text = runs(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("refused: 1 failing check") && text.contains("Safety gates"),
        "{text}"
    );
    let broken = cluster.api(SPEC).get("broken").await.expect("get");
    let broken = WorkItem::from_json(&serde_json::to_value(&broken).expect("json"));
    assert!(!broken.annotations.contains_key(APPROVED_HASH));

    // No allowed signers: approvals work, unsigned, and every command says they are unverified.
    create(&cluster, "plain").await;
    let bare = Setup {
        config: write(s.dir.path(), "bare.toml", "operator = \"ana\"\n"),
        ..s
    };
    let out = swarm(&cluster, &bare, &["approve", "plain", "--output", "json"]);
    let text = runs(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("UNVERIFIED"), "{text}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert!(
        json["items"][0]["outcome"]
            .as_str()
            .is_some_and(|o| o.contains("unverified")),
        "{json}"
    );
    // Nothing approved (a failing check): the note would be noise.
    let out = swarm(&cluster, &bare, &["approve", "broken"]);
    let text = runs(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(!text.contains("UNVERIFIED"), "{text}");
    let out = swarm(
        &cluster,
        &bare,
        &["wave", "launch", "--wave", "1", "--dry-run"],
    );
    let text = runs(&out);
    assert!(text.contains("UNVERIFIED"), "{text}");
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}
