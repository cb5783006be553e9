//! `:ns` against a real API server: the watches move to the other namespace, nothing from the old
//! one is shown afterwards, and mutations go to the new target.
mod support;

use k8s_openapi::api::core::v1::Namespace;
use serde_json::json;
use std::time::Duration;
use support::{TestCluster, WAIT, implementation_spec, plan_ab, template_text};
use swarm_cockpit::app::state::Origin;
use swarm_cockpit::app::{ConnState, Effect, Msg, State, update};
use swarm_cockpit::domain::ResourceKind;
use swarm_cockpit::effects::{Executor, KubeCluster, KubeControl};
use swarm_cockpit::sources::kube::{SharedClient, Target, spawn_watchers};
use tokio::sync::mpsc;

async fn wait(
    state: &mut State,
    rx: &mut mpsc::Receiver<Msg>,
    what: &str,
    pred: impl Fn(&State) -> bool,
) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !pred(state) {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(msg)) => {
                update(state, msg);
            }
            _ => panic!(
                "timed out waiting for {what}: runs {:?} items {:?}",
                state.cluster.runs.keys(),
                state.cluster.items.keys()
            ),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn switching_namespace_re_establishes_the_watches() {
    let Some(cluster) = TestCluster::start().await else {
        return;
    };
    cluster.apply_crds().await;
    let other = format!("{}-b", cluster.namespace);
    let namespaces: kube::Api<Namespace> = kube::Api::all(cluster.client.clone());
    let ns: Namespace = serde_json::from_value(json!({"metadata": {"name": other}})).expect("ns");
    namespaces
        .create(&Default::default(), &ns)
        .await
        .expect("create the second namespace");

    let text = template_text("First.", "codex/swarm/lane-a/first");
    cluster
        .create(
            ResourceKind::ImplementationSpec,
            implementation_spec("in-first", Some("A"), "First.", &text),
        )
        .await;
    let api_other = swarm_cockpit::sources::kube::api(
        &cluster.client,
        Some(&other),
        ResourceKind::ImplementationSpec,
    );
    let mut obj = implementation_spec("in-second", Some("A"), "Second.", &text);
    obj["apiVersion"] = json!("agents.proompteng.ai/v1alpha1");
    obj["kind"] = json!("ImplementationSpec");
    obj["metadata"]["namespace"] = json!(other);
    api_other
        .create(
            &Default::default(),
            &serde_json::from_value(obj).expect("object"),
        )
        .await
        .expect("create in the second namespace");

    let target = Target {
        kubeconfig: Some(cluster.kubeconfig.clone()),
        context: Some(cluster.context.clone()),
        namespace: Some(cluster.namespace.clone()),
        all_namespaces: false,
    };
    let conn = target.connect().await.expect("connect");
    let (tx, mut rx) = mpsc::channel(1024);
    let mut state = State::new(
        plan_ab(),
        Origin {
            context: conn.context.clone(),
            namespace: conn.namespace.clone(),
        },
        chrono::Utc::now(),
    );
    let shared = SharedClient::new(conn.client.clone());
    let watchers = spawn_watchers(&conn, tx.clone());
    let kube_cluster =
        KubeCluster::new(shared.clone()).with_control(KubeControl::new(shared, target, watchers));
    let executor = Executor::new(tx.clone(), std::sync::Arc::new(kube_cluster), None);
    wait(&mut state, &mut rx, "the first namespace", |s| {
        s.cluster.items.len() == 1 && s.overall_connection() == ConnState::Connected
    })
    .await;

    // :ns <other>
    let effects =
        swarm_cockpit::app::palette::run(&mut state, &format!("ns {other}")).expect("command");
    assert_eq!(
        effects,
        vec![Effect::SwitchTarget {
            context: None,
            namespace: Some(other.clone())
        }]
    );
    for e in effects {
        assert!(
            executor.execute(e).is_none(),
            "the executor switches targets"
        );
    }
    wait(&mut state, &mut rx, "the second namespace", |s| {
        s.cluster.origin.namespace.as_deref() == Some(other.as_str())
            && s.cluster.items.keys().any(|k| k.name == "in-second")
            && s.overall_connection() == ConnState::Connected
    })
    .await;
    assert!(
        state.cluster.items.keys().all(|k| k.namespace == other),
        "nothing from the old namespace"
    );

    // Changes in the old namespace are no longer followed; the new one is.
    cluster
        .create(
            ResourceKind::ImplementationSpec,
            implementation_spec("late-first", Some("A"), "x", &text),
        )
        .await;
    let mut late = implementation_spec("late-second", Some("A"), "y", &text);
    late["apiVersion"] = json!("agents.proompteng.ai/v1alpha1");
    late["kind"] = json!("ImplementationSpec");
    late["metadata"]["namespace"] = json!(other);
    api_other
        .create(
            &Default::default(),
            &serde_json::from_value(late).expect("object"),
        )
        .await
        .expect("create");
    wait(&mut state, &mut rx, "the new namespace's change", |s| {
        s.cluster.items.keys().any(|k| k.name == "late-second")
    })
    .await;
    // Drain whatever else arrived shortly after: still nothing from the first namespace.
    let _ = tokio::time::timeout(Duration::from_millis(300), async {
        while let Some(msg) = rx.recv().await {
            update(&mut state, msg);
        }
    })
    .await;
    assert!(
        state.cluster.items.keys().all(|k| k.namespace == other),
        "{:?}",
        state.cluster.items.keys()
    );
    let _ = namespaces.delete(&other, &Default::default()).await;
}
