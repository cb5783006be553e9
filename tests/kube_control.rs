//! The control room against a real API server: runs in each state the controller writes
//! (Blocked conditions, workflow steps and retries, the runner's report, Duplicate with its
//! holder, a TTL, a finalizer holding a deleted run), read through the real watchers into the
//! real `update`; retain patched for real; a cancel undone by a retry and a delete held by its
//! finalizer followed to their verdicts; Swarms: absent CRD → nothing, then a frozen one.
mod support;

use serde_json::json;
use support::{TestCluster, WAIT, agent_run, condition};
use swarm_cockpit::app::control::{self, SwarmEvent};
use swarm_cockpit::app::{ConnState, Msg, SourceEvent, update};
use swarm_cockpit::domain::control::follow::{Intent, Outcome};
use swarm_cockpit::domain::control::{BlockReason, duplicate, retention, steps, terminating};
use swarm_cockpit::domain::{ObjectKey, Plan, ResourceKind};
use swarm_cockpit::sources::kube_ops;

const RUN: ResourceKind = ResourceKind::AgentRun;

fn ts(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_in_every_control_room_state_read_from_a_real_server() {
    // A private server: this test installs the Swarm CRD, which no other test should see.
    let Some(cluster) = TestCluster::private_testenv().await else {
        return;
    };
    cluster.apply_upstream_crds().await;
    let ns = cluster.namespace.clone();
    let key = |n: &str| ObjectKey::new(ns.clone(), n);
    let now = chrono::Utc::now();

    // Six runs blocked on the namespace queue, one on a rate limit.
    for i in 0..6 {
        let name = format!("queued-{i}");
        cluster
            .create(
                RUN,
                agent_run(&name, Some("A"), "backfill", &format!("codex/swarm/{name}")),
            )
            .await;
        cluster
            .patch_status(RUN, &name, json!({"phase": "Pending", "conditions": [
                condition("Blocked", "True", "QueueLimit", &format!("Namespace {ns} reached queue limit"))]}))
            .await;
    }
    cluster
        .create(
            RUN,
            agent_run("rate-1", Some("B"), "backfill", "codex/swarm/rate-1"),
        )
        .await;
    cluster
        .patch_status(
            RUN,
            "rate-1",
            json!({"phase": "Pending", "conditions": [{
            "type": "Blocked", "status": "True", "reason": "RateLimit",
            "message": "agent codex-agent reached rate limit (retry after 45s)",
            "lastTransitionTime": ts(now)}]}),
        )
        .await;
    // A step retrying, and the runner's report of the attempt that failed.
    cluster
        .create(
            RUN,
            agent_run("retried", Some("B"), "features", "codex/swarm/retried"),
        )
        .await;
    cluster
        .patch_status(RUN, "retried", json!({"phase": "Running", "workflow": {"phase": "Running", "steps": [
            {"name": "implement", "phase": "Retrying", "attempt": 2, "nextRetryAt": ts(now + chrono::Duration::seconds(30)),
             "lastTransitionTime": ts(now), "message": "job deleted; retries left: 1",
             "jobRef": {"name": "retried-step-1-attempt-1"}, "loop": {"currentIteration": 2, "maxIterations": 5}}]},
            "runner": {"exitCode": 137, "signal": "SIGKILL", "model": "gpt-5-codex", "error": "killed"}}))
        .await;
    // A duplicate and the run holding its key.
    let mut holder = agent_run("holder", Some("C"), "firewall", "codex/swarm/fw");
    holder["spec"]["idempotencyKey"] = json!("wave1-fw");
    cluster.create(RUN, holder).await;
    cluster
        .patch_status(RUN, "holder", json!({"phase": "Running"}))
        .await;
    let mut dup = agent_run("dup", Some("C"), "firewall", "codex/swarm/fw");
    dup["spec"]["idempotencyKey"] = json!("wave1-fw");
    cluster.create(RUN, dup).await;
    cluster
        .patch_status(RUN, "dup", json!({"phase": "Failed", "conditions": [
            condition("Duplicate", "True", "IdempotencyKeyInUse", "idempotency key wave1-fw is in use")]}))
        .await;
    // Finished 50 minutes ago with a one-hour TTL.
    let mut done = agent_run("done", Some("C"), "ledger", "codex/swarm/done");
    done["spec"]["ttlSecondsAfterFinished"] = json!(3600);
    cluster.create(RUN, done).await;
    cluster
        .patch_status(
            RUN,
            "done",
            json!({"phase": "Succeeded",
            "startedAt": ts(now - chrono::Duration::minutes(70)),
            "finishedAt": ts(now - chrono::Duration::minutes(50))}),
        )
        .await;
    // Deleted, but the controller's finalizer keeps it: the object stays, with a deletionTimestamp.
    let mut held = agent_run("held", Some("C"), "ledger", "codex/swarm/held");
    held["metadata"]["finalizers"] = json!([terminating::RUNTIME_CLEANUP]);
    cluster.create(RUN, held).await;
    cluster.delete(RUN, "held").await;

    let mut f = cluster.follow(Plan::default());
    f.wait_until("every run read, the held one terminating", WAIT, |s| {
        s.cluster.runs.len() == 12
            && s.cluster
                .runs
                .get(&ObjectKey::new(
                    s.cluster.origin.namespace.clone().unwrap_or_default(),
                    "held",
                ))
                .is_some_and(|r| r.deletion_requested.is_some())
            && s.cluster.control.blocked.total() == 7
    })
    .await;
    let s = &f.state;
    let run = |n: &str| s.cluster.runs.get(&key(n)).expect(n);
    for r in s.cluster.runs.values() {
        assert!(r.problems.is_empty(), "{}: {:?}", r.key, r.problems);
    }
    // §1: reasons counted, the queue saturated, the rate limit counted down.
    assert_eq!(
        s.cluster.control.blocked.lane(Some("A")),
        vec![(BlockReason::QueueLimit, 6)]
    );
    assert_eq!(
        control::saturation(s)[0].banner(),
        format!("queue saturated: 6 blocked on QueueLimit in {ns}")
    );
    let rate = swarm_cockpit::domain::control::blocked::blocked(run("rate-1")).expect("blocked");
    assert_eq!(
        rate.retry_at,
        Some(
            chrono::DateTime::parse_from_rfc3339(&ts(now))
                .unwrap()
                .to_utc()
                + chrono::Duration::seconds(45)
        )
    );
    // Duplicate → the holder.
    let d = duplicate::duplicate(run("dup")).expect("duplicate");
    let holder = duplicate::holder(
        &d,
        s.cluster
            .control
            .keys
            .others(run("dup"))
            .filter_map(|k| s.cluster.runs.get(k)),
    );
    assert_eq!(holder.map(|r| r.key.name.as_str()), Some("holder"));
    // Terminating with the finalizer (not stuck yet).
    let t = terminating::terminating(run("held"), s.now, terminating::STUCK_AFTER)
        .expect("terminating");
    assert_eq!(t.finalizers, [terminating::RUNTIME_CLEANUP]);
    assert!(!t.stuck);
    // §2: the step, its attempt and loop, the runner's report.
    let step = steps::current(&run("retried").steps).expect("a step");
    assert_eq!(
        (step.phase.clone(), step.attempt),
        (steps::StepPhase::Retrying, Some(2))
    );
    assert_eq!(step.job.as_deref(), Some("retried-step-1-attempt-1"));
    assert!(
        step.summary(s.now).contains("loop 2/5"),
        "{}",
        step.summary(s.now)
    );
    assert_eq!(
        run("retried").runner.as_ref().map(|r| r.summary()),
        Some("exit 137 · signal SIGKILL · gpt-5-codex · error: killed".into())
    );
    // §5: the TTL deletes "done" in about ten minutes; with its PR open that is a warning.
    let at = retention::deletes_at(run("done")).expect("a deadline");
    assert!(
        (at - now - chrono::Duration::minutes(10))
            .num_seconds()
            .abs()
            <= 2
    );
    assert!(retention::at_risk(run("done"), true, s.now, retention::WARN_WITHIN).is_some());

    // Retain, for real: the annotation lands and the deadline is gone.
    kube_ops::retain_run(&cluster.client, &key("done"))
        .await
        .expect("retain");
    f.wait_until("done retained", WAIT, |s| {
        s.cluster.runs.get(&key("done")).is_some_and(|r| r.retained)
    })
    .await;
    assert_eq!(
        retention::deletes_at(&f.state.cluster.runs[&key("done")]),
        None
    );
    assert!(
        kube_ops::retain_run(&cluster.client, &key("nope"))
            .await
            .unwrap_err()
            .contains("gone")
    );

    // §3: a cancel undone by a retry. The run's Job goes (Background propagation); the
    // controller — played here — marks the step Retrying.
    let mut victim = agent_run("victim", Some("B"), "features", "codex/swarm/victim");
    victim["spec"]["workflow"] = json!({"steps": [{"name": "implement", "retries": 1}]});
    cluster.create(RUN, victim).await;
    cluster
        .patch_status(RUN, "victim", json!({"phase": "Running", "workflow": {"steps": [
            {"name": "implement", "phase": "Running", "attempt": 1, "startedAt": ts(now - chrono::Duration::minutes(5))}]}}))
        .await;
    f.wait_until("victim running", WAIT, |s| {
        s.cluster.runs.contains_key(&key("victim"))
    })
    .await;
    control::follow(
        &mut f.state,
        &[key("victim")],
        Intent::Cancel,
        "cancel run victim".into(),
    );
    kube_ops::cancel_run(&cluster.client, &key("victim"), "ana")
        .await
        .expect("cancel");
    f.wait_until("cancel recorded on the run", WAIT, |s| {
        s.cluster
            .runs
            .get(&key("victim"))
            .is_some_and(|r| r.cancelled_by.is_some())
    })
    .await;
    assert!(matches!(
        control::followed(&f.state, &key("victim")).map(|x| &x.outcome),
        Some(Outcome::Waiting(_))
    ));
    cluster
        .patch_status(RUN, "victim", json!({"workflow": {"steps": [
            {"name": "implement", "phase": "Retrying", "attempt": 2, "lastTransitionTime": ts(chrono::Utc::now() + chrono::Duration::seconds(1))}]}}))
        .await;
    f.wait_until("the verdict: restarted by retry", WAIT, |s| {
        control::followed(s, &key("victim"))
            .is_some_and(|x| matches!(x.outcome, Outcome::Restarted { .. }))
    })
    .await;

    // A delete held by the finalizer: stuck once past the threshold, deleted once it goes.
    f.state.cluster.control.terminating_stuck_after = chrono::Duration::zero();
    control::follow(
        &mut f.state,
        &[key("held")],
        Intent::Delete,
        "delete run held".into(),
    );
    update(
        &mut f.state,
        Msg::Tick(chrono::Utc::now() + chrono::Duration::seconds(2)),
    );
    assert!(matches!(
        control::followed(&f.state, &key("held")).map(|x| &x.outcome),
        Some(Outcome::DeletionStuck { .. })
    ));
    cluster
        .patch(RUN, "held", json!({"metadata": {"finalizers": null}}))
        .await;
    f.wait_until("held gone", WAIT, |s| {
        !s.cluster.runs.contains_key(&key("held"))
    })
    .await;
    assert!(
        control::followed(&f.state, &key("held")).is_none(),
        "told, then forgotten"
    );

    // Swarms: the CRD is not installed — nothing shown, nothing failed.
    f.wait_until("connected", WAIT, |s| {
        s.cluster
            .connection
            .values()
            .all(|c| *c == ConnState::Connected)
    })
    .await;
    let deadline = std::time::Instant::now() + WAIT;
    while f.first_in_log("Swarm(Absent)").is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "no word from the Swarm watch: {:?}",
            f.log
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        f.drain();
    }
    assert!(f.state.cluster.control.swarms.is_empty());
    assert!(
        f.log
            .iter()
            .all(|l| !(l.starts_with("Connection") && l.contains("Failed"))),
        "{:?}",
        f.log
    );

    // Installed and frozen: the Swarm watch started by the follower looks again within a
    // minute; a fresh watch (as after :ctx) sees it at once.
    cluster
        .apply_crd_file(&support::upstream_crds_dir().join("swarm.proompteng.ai_swarms.yaml"))
        .await;
    let swarms = swarm_cockpit::sources::swarm_watch::api(&cluster.client, Some(&ns));
    let obj: kube::api::DynamicObject = serde_json::from_value(json!({
        "apiVersion": "swarm.proompteng.ai/v1alpha1", "kind": "Swarm",
        "metadata": {"name": "torghut", "namespace": ns},
        "spec": {"mode": "lights-out", "owner": {"id": "ana", "channel": "#trading"},
                 "domains": ["trading"], "objectives": ["paper pnl"],
                 "delivery": {"deploymentTargets": ["paper"]},
                 "discovery": {"sources": [{"name": "github"}]},
                 "execution": {"discover": {}, "implement": {}, "plan": {}, "verify": {}}}
    }))
    .expect("swarm");
    swarms
        .create(&kube::api::PostParams::default(), &obj)
        .await
        .expect("create swarm");
    swarms
        .patch_status("torghut", &kube::api::PatchParams::default(), &kube::api::Patch::Merge(&json!({
            "status": {"phase": "Frozen", "freeze": {"reason": "ConsecutiveFailures",
                "until": ts(chrono::Utc::now() + chrono::Duration::hours(1)), "consecutiveFailures": 3, "threshold": 3}}})))
        .await
        .expect("freeze");
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let watch = tokio::spawn(swarm_cockpit::sources::swarm_watch::run(
        cluster.client.clone(),
        Some(ns.clone()),
        tx,
    ));
    let deadline = tokio::time::Instant::now() + WAIT;
    while control::swarm_holds(&f.state, None).is_empty() {
        let msg = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("a Swarm event in time")
            .expect("the watch runs");
        assert!(
            !matches!(msg, Msg::Source(SourceEvent::Swarm(SwarmEvent::Absent))),
            "the CRD is installed"
        );
        update(&mut f.state, msg);
    }
    watch.abort();
    let holds = control::swarm_holds(&f.state, None);
    assert!(
        holds[0].starts_with(&format!("Swarm {ns}/torghut is frozen until")),
        "{holds:?}"
    );
    assert!(
        control::launch_warnings(&f.state, &ns)
            .iter()
            .any(|w| w.contains("frozen"))
    );
}
