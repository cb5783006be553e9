//! Verifying signed approvals: 500 work items, each with an Ed25519 SSHSIG approval. "cold" is the
//! first verification (content hash + signature check); "warm" is what every later frame pays
//! (content hash + memoized signature check). Goal: warm ≤ 5 ms for 500 items, so the board can
//! show verified badges at frame rate.
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use std::hint::black_box;
use swarm_cockpit::domain::approval::{self, Claim, Policy};
use swarm_cockpit::domain::signature::{AllowedSigners, NAMESPACE};
use swarm_cockpit::domain::{Plan, WorkItem};

const N: usize = 500;

fn setup() -> (Vec<WorkItem>, AllowedSigners, Plan) {
    let key = ssh_key::PrivateKey::from(ssh_key::private::Ed25519Keypair::from_seed(&[1; 32]));
    let signers = AllowedSigners::parse(
        &format!(
            "ana@example.com {}",
            key.public_key().to_openssh().expect("pub")
        ),
        "allowed_signers",
    )
    .expect("signers");
    let mut plan = Plan::default();
    plan.name = "bench".into();
    let items = (0..N)
        .map(|i| {
            let text = format!("## Objective\nItem {i}.\n\n## In-scope paths\n- services/x/{i}/**\n");
            let mut item = WorkItem::from_json(&json!({
                "metadata": {"name": format!("item-{i:03}"), "namespace": "agents",
                             "labels": {"swarm.proompteng.ai/lane": "A", "swarm.proompteng.ai/wave": "1"}},
                "spec": {"text": text, "acceptanceCriteria": ["a", "b"], "vcsRef": {"name": "main"}}
            }));
            let claim = Claim::for_item(&item, &plan, "ana", "2026-02-10T12:00:00Z");
            let sig = key
                .sign(NAMESPACE, ssh_key::HashAlg::Sha512, claim.message().as_bytes())
                .expect("sign")
                .to_pem(ssh_key::LineEnding::LF)
                .expect("pem");
            let patch = approval::approval_patch(&item, &claim, Some(&sig));
            for (k, v) in patch["metadata"]["annotations"].as_object().expect("a") {
                if let Some(v) = v.as_str() {
                    item.annotations.insert(k.clone(), v.to_owned());
                }
            }
            item
        })
        .collect();
    (items, signers, plan)
}

fn bench(c: &mut Criterion) {
    let (items, signers, plan) = setup();
    let now = chrono::Utc::now();
    let mut group = c.benchmark_group("approvals");
    group.sample_size(20);
    group.bench_function("verify 500 signed items, cold", |b| {
        b.iter(|| {
            let policy = Policy::new(Some(signers.clone()), None);
            let ok = items
                .iter()
                .filter(|i| policy.verify(i, &plan, now).is_approved())
                .count();
            assert_eq!(ok, N);
            black_box(ok)
        })
    });
    let policy = Policy::new(Some(signers.clone()), None);
    group.bench_function("verify 500 signed items, warm (memoized)", |b| {
        b.iter(|| {
            let ok = items
                .iter()
                .filter(|i| policy.verify(i, &plan, now).is_approved())
                .count();
            assert_eq!(ok, N);
            black_box(ok)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
