//! Signed approvals against OpenSSH itself: keys made by `ssh-keygen`, signatures made by the
//! cockpit verified by `ssh-keygen -Y verify` and signatures made by `ssh-keygen -Y sign` (and
//! through a real `ssh-agent`) verified by the cockpit; then forged, copied, stale, expired and
//! unknown-signer approvals refused.
use serde_json::json;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use swarm_cockpit::domain::approval::{
    self, APPROVAL_SIGNATURE, Approval, Claim, Policy, Refusal, approval_patch,
};
use swarm_cockpit::domain::signature::{AllowedSigners, NAMESPACE};
use swarm_cockpit::domain::{Plan, WorkItem};
use swarm_cockpit::sources::signing::Signer;
use tempfile::TempDir;

fn ssh_keygen() -> Command {
    // Required, not optional: a missing OpenSSH must fail the run, not skip the interop checks.
    assert!(
        Command::new("ssh-keygen")
            .arg("-?")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok(),
        "ssh-keygen is needed for these tests (apt-get install openssh-client)"
    );
    Command::new("ssh-keygen")
}

/// `ssh-keygen -t kind` in `dir`; returns the private key path (the public one is `.pub`).
fn keygen(dir: &Path, name: &str, kind: &str, passphrase: &str) -> PathBuf {
    let path = dir.join(name);
    let mut cmd = ssh_keygen();
    cmd.args(["-q", "-t", kind, "-N", passphrase, "-C", name, "-f"])
        .arg(&path);
    if kind == "rsa" {
        cmd.args(["-b", "2048"]);
    }
    let out = cmd.output().expect("ssh-keygen");
    assert!(out.status.success(), "{out:?}");
    path
}

fn public_line(key: &Path) -> String {
    std::fs::read_to_string(key.with_extension("pub"))
        .expect("public key")
        .trim()
        .to_owned()
}

fn allowed(dir: &Path, lines: &[String]) -> (PathBuf, AllowedSigners) {
    let path = dir.join("allowed_signers");
    std::fs::write(&path, lines.join("\n") + "\n").expect("write");
    let parsed = swarm_cockpit::sources::signing::load_allowed_signers(&path).expect("parses");
    (path, parsed)
}

fn plan() -> Plan {
    Plan::parse(
        "name = \"torghut\"\nrepository = \"proompteng/lab\"\nbase = \"main\"\n",
        "plan.toml",
    )
    .expect("plan")
}

fn item(name: &str, text: &str) -> WorkItem {
    WorkItem::from_json(&json!({
        "metadata": {"name": name, "namespace": "agents", "resourceVersion": "7",
                     "labels": {"swarm.proompteng.ai/lane": "A", "swarm.proompteng.ai/wave": "1"}},
        "spec": {"text": text, "summary": "s", "acceptanceCriteria": ["paper only"],
                 "vcsRef": {"name": "main"}}
    }))
}

/// `item` carrying the annotations `patch` writes.
fn with_patch(item: &WorkItem, patch: &serde_json::Value) -> WorkItem {
    let mut out = item.clone();
    for (k, v) in patch["metadata"]["annotations"]
        .as_object()
        .expect("annotations")
    {
        match v.as_str() {
            Some(v) => out.annotations.insert(k.clone(), v.to_owned()),
            None => out.annotations.remove(k),
        };
    }
    out
}

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

/// `ssh-keygen -Y verify` of `signature` over `message` for `principal`.
fn openssh_verifies(
    dir: &Path,
    signers: &Path,
    principal: &str,
    message: &str,
    signature: &str,
) -> bool {
    let sig = dir.join("approval.sig");
    std::fs::write(&sig, signature).expect("write sig");
    let mut child = ssh_keygen()
        .args(["-Y", "verify", "-f"])
        .arg(signers)
        .args(["-I", principal, "-n", NAMESPACE, "-s"])
        .arg(&sig)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ssh-keygen -Y verify");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(message.as_bytes())
        .expect("message");
    let out = child.wait_with_output().expect("wait");
    out.status.success()
}

/// `ssh-keygen -Y sign` of `message` with `key`: the armored signature.
fn openssh_signs(dir: &Path, key: &Path, message: &str) -> String {
    let file = dir.join("message");
    std::fs::write(&file, message).expect("write");
    let _ = std::fs::remove_file(dir.join("message.sig"));
    let out = ssh_keygen()
        .args(["-Y", "sign", "-n", NAMESPACE, "-f"])
        .arg(key)
        .arg(&file)
        .output()
        .expect("ssh-keygen -Y sign");
    assert!(out.status.success(), "{out:?}");
    std::fs::read_to_string(dir.join("message.sig")).expect("signature")
}

#[test]
fn cockpit_signatures_verify_with_openssh_for_every_key_type() {
    let dir = TempDir::new().expect("tmp");
    // ssh-key signs ed25519 and ECDSA key files itself; RSA key files from ssh-keygen go through
    // the agent (RustCrypto/SSH#387), which is what the cockpit falls back to.
    let agent = Agent::start(dir.path());
    for (kind, principal) in [
        ("ed25519", "ana@example.com"),
        ("ecdsa", "bob@example.com"),
        ("rsa", "cy@example.com"),
    ] {
        let key = keygen(dir.path(), &format!("id_{kind}"), kind, "");
        // The agent holds every key: RSA key files always sign through it, and a private key
        // file ssh-key cannot read falls back to it (see the next test).
        agent.add(&key, true);
        let (signers_path, signers) = allowed(
            dir.path(),
            &[format!(
                "{principal} namespaces=\"{NAMESPACE}\" {}",
                public_line(&key)
            )],
        );
        let policy = Policy::new(Some(signers), None);
        let signer = Signer {
            key_file: Some(key.clone()),
            signers: policy.signers.clone(),
            agent: Some(agent.socket.clone()),
        };
        let w = item("fw", "## Objective\nDo it.\n");
        let claim = Claim::for_item(&w, &plan(), "operator", "2026-02-10T12:00:00Z");
        let patch =
            swarm_cockpit::sources::signing::approval_patch(&w, &claim, &signer).expect("signs");
        let signature = patch["metadata"]["annotations"][APPROVAL_SIGNATURE]
            .as_str()
            .expect("signed")
            .to_owned();
        assert!(
            openssh_verifies(
                dir.path(),
                &signers_path,
                principal,
                &claim.message(),
                &signature
            ),
            "{kind}: ssh-keygen -Y verify accepts the cockpit's signature"
        );
        assert!(
            !openssh_verifies(
                dir.path(),
                &signers_path,
                principal,
                &(claim.message() + " "),
                &signature
            ),
            "{kind}: and refuses it over another message"
        );
        let approved = with_patch(&w, &patch);
        assert_eq!(
            policy.verify(&approved, &plan(), now()),
            Approval::Approved {
                by: principal.into(),
                at: "2026-02-10T12:00:00Z".into(),
                verified: true
            },
            "{kind}"
        );
    }
}

#[test]
fn openssh_signatures_verify_in_the_cockpit() {
    let dir = TempDir::new().expect("tmp");
    let key = keygen(dir.path(), "id_ed25519", "ed25519", "");
    let rsa = keygen(dir.path(), "id_rsa", "rsa", "");
    let ecdsa = keygen(dir.path(), "id_ecdsa", "ecdsa", "");
    let (_, signers) = allowed(
        dir.path(),
        &[
            format!("ana@example.com {}", public_line(&key)),
            format!("rsa@example.com {}", public_line(&rsa)),
            format!("ec@example.com {}", public_line(&ecdsa)),
        ],
    );
    let policy = Policy::new(Some(signers), None);
    let w = item("fw", "## Objective\nDo it.\n");
    let claim = Claim::for_item(&w, &plan(), "ana", "2026-02-10T12:00:00Z");
    for (k, principal) in [
        (&key, "ana@example.com"),
        (&rsa, "rsa@example.com"),
        (&ecdsa, "ec@example.com"),
    ] {
        let signature = openssh_signs(dir.path(), k, &claim.message());
        let approved = with_patch(&w, &approval_patch(&w, &claim, Some(&signature)));
        assert!(
            matches!(
                policy.verify(&approved, &plan(), now()),
                Approval::Approved { ref by, verified: true, .. } if by == principal
            ),
            "{principal}: {:?}",
            policy.verify(&approved, &plan(), now())
        );
    }
    // A signature made for git (namespace "git") by the same key is not an approval.
    let file = dir.path().join("git-message");
    std::fs::write(&file, claim.message()).expect("write");
    let out = ssh_keygen()
        .args(["-Y", "sign", "-n", "git", "-f"])
        .arg(&key)
        .arg(&file)
        .output()
        .expect("sign");
    assert!(out.status.success());
    let git_sig = std::fs::read_to_string(dir.path().join("git-message.sig")).expect("sig");
    let reused = with_patch(&w, &approval_patch(&w, &claim, Some(&git_sig)));
    assert!(matches!(
        policy.verify(&reused, &plan(), now()),
        Approval::Revoked {
            reason: Refusal::Forged(_),
            ..
        }
    ));
}

/// A private `ssh-agent` on a socket in a temp dir, stopped (by its own pid) on drop.
struct Agent {
    child: Child,
    socket: PathBuf,
}

impl Agent {
    fn start(dir: &Path) -> Agent {
        let socket = dir.join("agent.sock");
        let child = Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&socket)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("ssh-agent is needed for these tests (openssh-client)");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !socket.exists() {
            assert!(
                Instant::now() < deadline,
                "ssh-agent did not open its socket"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Agent { child, socket }
    }

    fn add(&self, key: &Path, passphrase_free: bool) {
        assert!(passphrase_free, "ssh-add of unencrypted keys only");
        let out = Command::new("ssh-add")
            .arg(key)
            .env("SSH_AUTH_SOCK", &self.socket)
            .output()
            .expect("ssh-add");
        assert!(out.status.success(), "{out:?}");
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_agent_signs_with_the_first_allowed_key_or_the_one_named() {
    let dir = TempDir::new().expect("tmp");
    let other = keygen(dir.path(), "id_other", "ed25519", "");
    let mine = keygen(dir.path(), "id_mine", "ecdsa", "");
    let agent = Agent::start(dir.path());
    agent.add(&other, true);
    agent.add(&mine, true);
    let (signers_path, signers) = allowed(
        dir.path(),
        &[format!("me@example.com {}", public_line(&mine))],
    );
    let policy = Policy::new(Some(signers), None);
    let w = item("fw", "## Objective\nDo it.\n");
    let claim = Claim::for_item(&w, &plan(), "me", "2026-02-10T12:00:00Z");
    for key_file in [None, Some(mine.with_extension("pub"))] {
        let signer = Signer {
            key_file: key_file.clone(),
            signers: policy.signers.clone(),
            agent: Some(agent.socket.clone()),
        };
        let signature = signer
            .sign(&claim.message())
            .expect("the agent signs")
            .expect("a signature");
        assert!(
            openssh_verifies(
                dir.path(),
                &signers_path,
                "me@example.com",
                &claim.message(),
                &signature
            ),
            "{key_file:?}"
        );
    }
    // Naming a key the file does not allow is refused before anything is written.
    let signer = Signer {
        key_file: Some(other.with_extension("pub")),
        signers: policy.signers.clone(),
        agent: Some(agent.socket.clone()),
    };
    let e = signer.sign(&claim.message()).expect_err("not allowed");
    assert!(e.contains("not in the allowed signers file"), "{e}");
}

#[test]
fn a_key_file_the_crate_cannot_read_signs_through_the_agent_by_its_pub() {
    let dir = TempDir::new().expect("tmp");
    let real = keygen(dir.path(), "id_real", "ecdsa", "");
    let unreadable = dir.path().join("id_odd");
    std::fs::write(
        &unreadable,
        "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
    )
    .expect("write");
    std::fs::copy(real.with_extension("pub"), dir.path().join("id_odd.pub")).expect("copy");
    let (signers_path, signers) = allowed(dir.path(), &[format!("me {}", public_line(&real))]);
    let mut signer = Signer {
        key_file: Some(unreadable.clone()),
        signers: Some(std::sync::Arc::new(signers)),
        agent: None,
    };
    let e = signer.sign("m").expect_err("no agent");
    assert!(e.contains("cannot be read") && e.contains("ssh-add"), "{e}");
    let agent = Agent::start(dir.path());
    agent.add(&real, true);
    signer.agent = Some(agent.socket.clone());
    let sig = signer.sign("m").expect("signs").expect("signature");
    assert!(openssh_verifies(dir.path(), &signers_path, "me", "m", &sig));
}

#[test]
fn an_encrypted_key_without_an_agent_says_how_to_load_it() {
    let dir = TempDir::new().expect("tmp");
    let key = keygen(dir.path(), "id_locked", "ed25519", "correct horse");
    let (_, signers) = allowed(dir.path(), &[format!("me {}", public_line(&key))]);
    let signer = Signer {
        key_file: Some(key.clone()),
        signers: Some(std::sync::Arc::new(signers)),
        agent: None,
    };
    let e = signer.sign("m").expect_err("cannot sign");
    assert!(e.contains("encrypted") && e.contains("ssh-add"), "{e}");
}

/// The figures of the README: every kind of bad approval tried, none honored.
#[test]
fn forged_copied_stale_expired_and_unknown_signer_approvals_are_refused() {
    let dir = TempDir::new().expect("tmp");
    let ana = keygen(dir.path(), "id_ana", "ed25519", "");
    let mallory = keygen(dir.path(), "id_mallory", "ed25519", "");
    let old = keygen(dir.path(), "id_old", "ed25519", "");
    let (_, signers) = allowed(
        dir.path(),
        &[
            format!("ana@example.com {}", public_line(&ana)),
            format!(
                "old@example.com valid-before=\"20200101\" {}",
                public_line(&old)
            ),
        ],
    );
    let policy = Policy::new(Some(signers), None);
    let p = plan();
    let fw = item("fw", "## Objective\nDo it.\n");
    let ks = item("ks", "## Objective\nSomething else.\n");
    let sign = |key: &Path, w: &WorkItem, plan: &Plan| {
        let claim = Claim::for_item(w, plan, "ana", "2026-02-10T12:00:00Z");
        let sig = openssh_signs(dir.path(), key, &claim.message());
        with_patch(w, &approval_patch(w, &claim, Some(&sig)))
    };
    let good = sign(&ana, &fw, &p);
    assert!(policy.verify(&good, &p, now()).is_approved());

    let mut cases: Vec<(&str, WorkItem, &str)> = Vec::new();
    // Forged: the annotations written by hand (what an agent with write access could do).
    let mut by_hand = fw.clone();
    approval::record_unsigned(&mut by_hand, &p, "ana", "2026-02-10T12:00:00Z");
    cases.push(("unsigned (written by hand)", by_hand, "unsigned"));
    let mut edited_claim = good.clone();
    edited_claim
        .annotations
        .insert(approval::APPROVED_AT.into(), "2030-01-01T00:00:00Z".into());
    cases.push(("claim edited after signing", edited_claim, "forged"));
    let mut garbage = good.clone();
    garbage.annotations.insert(
        APPROVAL_SIGNATURE.into(),
        "-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----\n".into(),
    );
    cases.push(("made-up signature", garbage, "forged"));
    // Copied: a valid approval moved to another item, or made in another plan.
    let mut copied = ks.clone();
    for k in approval::ANNOTATIONS {
        if let Some(v) = good.annotations.get(k) {
            copied.annotations.insert(k.into(), v.clone());
        }
    }
    cases.push(("copied to another item", copied, "copied"));
    let mut other_plan = plan();
    other_plan.name = "other".into();
    cases.push((
        "made in another plan",
        sign(&ana, &fw, &other_plan),
        "copied",
    ));
    // Stale: the item edited after approval (text, or a spec field such as the criteria).
    let mut stale = good.clone();
    stale.text.push_str("- and one more thing\n");
    cases.push(("text edited after approval", stale, "edited since"));
    let mut criteria = good.clone();
    criteria.spec_rest["acceptanceCriteria"] = json!(["live trading"]);
    cases.push(("criteria edited after approval", criteria, "edited since"));
    // Unknown signer and expired key.
    cases.push((
        "signed by an unknown key",
        sign(&mallory, &fw, &p),
        "unknown signer",
    ));
    cases.push(("signed by an expired key", sign(&old, &fw, &p), "expired"));

    for (what, w, expected) in &cases {
        match policy.verify(w, &p, now()) {
            Approval::Revoked { reason, .. } => assert_eq!(reason.short(), *expected, "{what}"),
            other => panic!("{what}: honored: {other:?}"),
        }
    }
}
