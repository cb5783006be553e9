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

const PLAN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/torghut/plan.toml");

fn swarm(cluster: &TestCluster, dir: &std::path::Path, args: &[&str]) -> (Option<i32>, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_swarm"))
        .args(args)
        .args(["--plan", PLAN])
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
        .expect("run swarm");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), all)
}

/// `swarm wave launch` asks (refuses without `--despite-hold`) when the queue is saturated;
/// `swarm wave cancel` waits for each run's verdict, `--no-wait` does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headless_launch_into_a_saturated_queue_and_a_cancel_that_waits() {
    use swarm_cockpit::domain::approval::{self, Claim};
    use swarm_cockpit::domain::{WorkItem, labels};
    let Some(cluster) = TestCluster::start().await else {
        return;
    };
    cluster.apply_upstream_crds().await;
    let text = "## Objective\nWork item firewall.\n\n## In-scope paths\n- `services/torghut/app/trading/firewall/**`\n\n\
         ## Out-of-scope constraints\n- Nothing outside lane A.\n\n## Acceptance criteria\n- It works.\n\n\
         ## Validation commands\n- `make test`\n\n## Safety gates\n- paper-only\n- no credentials changes\n\n\
         ## Parameters\n- repository: proompteng/lab\n- base: main\n- head: codex/swarm/lane-a/firewall\n- stage: implementation\n";
    let mut obj = support::implementation_spec("firewall", Some("A"), "firewall", text);
    obj["metadata"]["labels"][labels::WAVE] = json!("1");
    let created = cluster.create(ResourceKind::ImplementationSpec, obj).await;
    let item = WorkItem::from_json(&serde_json::to_value(&created).expect("json"));
    let plan = Plan::load(std::path::Path::new(PLAN)).expect("plan");
    cluster
        .patch(
            ResourceKind::ImplementationSpec,
            "firewall",
            approval::approval_patch(
                &item,
                &Claim::for_item(&item, &plan, "ana", "2026-12-01T10:00:00Z"),
                None,
            ),
        )
        .await;
    // The backlog's own work item, in lane B: its runs hold its paths, which are not the
    // firewall's (a run of an item that is not found would hold unknown paths and refuse the
    // launch for that reason alone).
    let backfill = text
        .replace("Work item firewall.", "Backfill the TA features.")
        .replace(
            "services/torghut/app/trading/firewall/**",
            "services/dorvud/technical-analysis-flink/backfill/**",
        )
        .replace("Nothing outside lane A.", "Nothing outside lane B.")
        .replace("codex/swarm/lane-a/firewall", "codex/swarm/lane-b/backfill");
    let mut obj = support::implementation_spec("backfill", Some("B"), "backfill", &backfill);
    obj["metadata"]["labels"][labels::WAVE] = json!("2");
    cluster.create(ResourceKind::ImplementationSpec, obj).await;
    let ns = cluster.namespace.clone();
    for i in 0..5 {
        let name = format!("backlog-{i}");
        cluster
            .create(
                RUN,
                agent_run(&name, Some("B"), "backfill", &format!("codex/backfill/{i}")),
            )
            .await;
        cluster
            .patch_status(RUN, &name, json!({"phase": "Pending", "conditions": [
                condition("Blocked", "True", "QueueLimit", &format!("Namespace {ns} reached queue limit"))]}))
            .await;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, out) = swarm(&cluster, dir.path(), &["wave", "launch", "--wave", "1"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains(&format!(
            "⚠ queue saturated: 5 blocked on QueueLimit in {ns}: new runs will wait behind them"
        )),
        "{out}"
    );
    assert!(out.contains("--despite-hold launches anyway"), "{out}");
    let runs = cluster
        .api(RUN)
        .list(&Default::default())
        .await
        .expect("list");
    assert_eq!(runs.items.len(), 5, "nothing launched");

    let (code, out) = swarm(
        &cluster,
        dir.path(),
        &["wave", "launch", "--wave", "1", "--despite-hold"],
    );
    assert_eq!(code, Some(0), "{out}");
    let run_name = swarm_cockpit::domain::wave::run_name(&item, 1);
    assert!(out.contains(&run_name) && out.contains("created"), "{out}");

    // The controller, played here: once the run's Jobs are deleted (the cancel annotation is
    // written after), the run fails with JobMissing.
    let controller = {
        let api = cluster.api(RUN);
        let name = run_name.clone();
        tokio::spawn(async move {
            let deadline = tokio::time::Instant::now() + WAIT;
            loop {
                let run = api.get(&name).await.expect("get");
                if run
                    .metadata
                    .annotations
                    .as_ref()
                    .is_some_and(|a| a.contains_key(swarm_cockpit::domain::wave::CANCELLED_BY))
                {
                    break;
                }
                assert!(tokio::time::Instant::now() < deadline, "no cancel seen");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            api.patch_status(
                &name,
                &kube::api::PatchParams::default(),
                &kube::api::Patch::Merge(&json!({
                "status": {"phase": "Failed", "reason": "JobMissing"}})),
            )
            .await
            .expect("fail the run");
        })
    };
    let (code, out) = swarm(
        &cluster,
        dir.path(),
        &["wave", "cancel", "--wave", "1", "--timeout", "20"],
    );
    controller.await.expect("controller");
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains(&run_name) && out.contains("cancelled (Failed: JobMissing)"),
        "{out}"
    );

    // A run that does not end (nothing plays the controller): --no-wait reports the request only.
    cluster
        .patch_status(RUN, &run_name, json!({"phase": "Running", "reason": null}))
        .await;
    let (code, out) = swarm(
        &cluster,
        dir.path(),
        &["wave", "cancel", "--wave", "1", "--no-wait"],
    );
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains(&run_name) && out.contains("cancelled") && !out.contains("Failed"),
        "{out}"
    );
    // Waiting on it runs out of time and says it is still going (exit 3: not everything ended).
    let (code, out) = swarm(
        &cluster,
        dir.path(),
        &["wave", "cancel", "--wave", "1", "--timeout", "1"],
    );
    assert_eq!(code, Some(3), "{out}");
    assert!(
        out.contains("cancelling: waiting for the run to end"),
        "{out}"
    );
}

/// §4 against a real API server: a Succeeded PR-producing run without a PR and a run whose
/// `status.vcs.headBranch` the controller renamed are flagged — on their cards, in the lane
/// headers and in the list — read through the real watchers into the real `update`, with the PR
/// data the GitHub poller delivers (played here: the poller's client is tested in `github.rs`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_and_prs_reconciled_from_a_real_server() {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use swarm_cockpit::app::github::{GitHubHealth, GitHubStatus};
    use swarm_cockpit::domain::control::reconcile::Finding;
    use swarm_cockpit::domain::{PrState, PullRequest};
    let Some(cluster) = TestCluster::start().await else {
        return;
    };
    let ns = cluster.namespace.clone();
    let key = |n: &str| ObjectKey::new(ns.clone(), n);
    let vcs = |head: &str| {
        json!({"provider": "github", "repository": "proompteng/lab", "headBranch": head,
               "baseBranch": "main", "mode": "read-write"})
    };
    // Finished, PR-producing, and no PR on its branch.
    cluster
        .create(
            RUN,
            agent_run("no-pr", Some("A"), "ledger", "codex/swarm/no-pr"),
        )
        .await;
    cluster
        .patch_status(
            RUN,
            "no-pr",
            json!({"phase": "Succeeded", "vcs": vcs("codex/swarm/no-pr")}),
        )
        .await;
    // Asked for codex/swarm/fw, pushed codex/swarm/fw-2: another run held the branch.
    cluster
        .create(
            RUN,
            agent_run("renamed", Some("B"), "firewall", "codex/swarm/fw"),
        )
        .await;
    cluster
        .patch_status(
            RUN,
            "renamed",
            json!({"phase": "Running", "vcs": vcs("codex/swarm/fw-2")}),
        )
        .await;
    // Finished with its PR: nothing to say.
    cluster
        .create(
            RUN,
            agent_run("with-pr", Some("A"), "cost", "codex/swarm/with-pr"),
        )
        .await;
    cluster
        .patch_status(
            RUN,
            "with-pr",
            json!({"phase": "Succeeded", "vcs": vcs("codex/swarm/with-pr")}),
        )
        .await;

    let mut f = cluster.follow(Plan::default());
    f.wait_until("three runs with their status", WAIT, |s| {
        s.cluster.runs.len() == 3 && s.cluster.runs.values().all(|r| r.vcs_head_branch.is_some())
    })
    .await;
    let texts = |s: &swarm_cockpit::app::State| -> Vec<String> {
        s.cluster
            .control
            .reconcile
            .iter()
            .map(Finding::text)
            .collect()
    };
    // Before GitHub has answered, only what the cluster alone says.
    assert_eq!(
        texts(&f.state),
        [
            "renamed: pushed codex/swarm/fw-2, not codex/swarm/fw (the controller renamed the branch)"
        ]
    );
    // The poller's first good refresh: with-pr's PR, and an open PR on a swarm branch no run
    // pushes.
    let now = chrono::Utc::now();
    update(
        &mut f.state,
        Msg::Source(SourceEvent::PullRequests(vec![
            PullRequest::new(
                "proompteng/lab",
                "codex/swarm/with-pr",
                31,
                PrState::Open,
                now,
            ),
            PullRequest::new("proompteng/lab", "codex/swarm/gone", 29, PrState::Open, now),
        ])),
    );
    update(
        &mut f.state,
        Msg::Source(SourceEvent::GitHub(GitHubStatus {
            health: GitHubHealth::Ok,
            message: "ok".into(),
            last_ok: Some(now),
            retry_at: None,
        })),
    );
    assert_eq!(
        texts(&f.state),
        [
            "no-pr: finished without a pull request",
            "PR #29 (proompteng/lab codex/swarm/gone) is open but its run is gone",
            "renamed: pushed codex/swarm/fw-2, not codex/swarm/fw (the controller renamed the branch)",
        ]
    );
    let ledger = &f.state.cluster.control.reconcile;
    assert_eq!((ledger.lane(Some("A")), ledger.lane(Some("B"))), (1, 1));
    assert!(ledger.of_run(&key("with-pr")).is_empty());
    // On screen: the cards' flags and the lane headers' counts.
    f.state.ensure_board();
    let mut terminal = Terminal::new(TestBackend::new(120, 30)).expect("backend");
    terminal
        .draw(|fr| swarm_cockpit::ui::draw(fr, &f.state, &swarm_cockpit::ui::Theme::default()))
        .expect("draw");
    let screen = terminal.backend().to_string();
    assert!(screen.contains("≠ no PR"), "{screen}");
    assert!(
        screen.contains("≠ branch renamed → codex/swarm/fw-2"),
        "{screen}"
    );
    assert!(screen.contains("≠1"), "{screen}");
    assert!(screen.contains("≠3 to reconcile"), "{screen}");

    // The controller gives up the renamed branch's run: deleted, its finding goes with it.
    cluster.delete(RUN, "renamed").await;
    f.wait_until("the renamed run gone", WAIT, |s| {
        !s.cluster.runs.contains_key(&key("renamed"))
    })
    .await;
    assert_eq!(
        texts(&f.state),
        [
            "no-pr: finished without a pull request",
            "PR #29 (proompteng/lab codex/swarm/gone) is open but its run is gone",
        ]
    );
    assert_eq!(f.state.cluster.control.reconcile.lane(Some("B")), 0);
}
