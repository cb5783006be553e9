//! The effect executor, the one the cockpit runs: what reaches a cluster (and only that), the
//! read-only guard over every mutating effect, the demo cluster's round trips through the real
//! `update`, the file thread's order, and the effects handed back to the terminal.
mod common;

use common::{item, state};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use swarm_cockpit::app::logs::{LogRequest, PodQuery};
use swarm_cockpit::app::msg::{LaunchOutcome, OpResult};
use swarm_cockpit::app::{Effect, Msg, Resource, SourceEvent, update};
use swarm_cockpit::domain::approval::Claim;
use swarm_cockpit::domain::manifest::ItemDraft;
use swarm_cockpit::domain::{ObjectKey, Phase, WorkItem};
use swarm_cockpit::effects::cluster::{BoxFuture, Cluster};
use swarm_cockpit::effects::{Executor, READ_ONLY_REFUSAL, TerminalEffect};
use swarm_cockpit::sources::audit::AuditLog;
use swarm_cockpit::sources::demo_cluster::DemoCluster;
use swarm_cockpit::sources::drafts::DraftStore;
use tokio::sync::mpsc;

const WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// A cluster that answers like the demo and counts every call that would change a cluster.
struct Recording {
    inner: DemoCluster,
    mutations: AtomicUsize,
    switches: AtomicUsize,
}

impl Recording {
    fn new(tx: mpsc::Sender<Msg>) -> Arc<Recording> {
        Arc::new(Recording {
            inner: DemoCluster::new(tx),
            mutations: AtomicUsize::new(0),
            switches: AtomicUsize::new(0),
        })
    }

    fn mutations(&self) -> usize {
        self.mutations.load(Ordering::SeqCst)
    }

    fn count(&self) {
        self.mutations.fetch_add(1, Ordering::SeqCst);
    }
}

impl Cluster for Recording {
    fn save_work_item<'a>(&'a self, draft: &'a ItemDraft, create: bool) -> BoxFuture<'a, OpResult> {
        self.count();
        self.inner.save_work_item(draft, create)
    }
    fn patch_work_item<'a>(
        &'a self,
        item: &'a WorkItem,
        patch: &'a Value,
        what: &'static str,
    ) -> BoxFuture<'a, OpResult> {
        self.count();
        self.inner.patch_work_item(item, patch, what)
    }
    fn create_run<'a>(&'a self, manifest: &'a Value) -> BoxFuture<'a, LaunchOutcome> {
        self.count();
        self.inner.create_run(manifest)
    }
    fn cancel_run<'a>(
        &'a self,
        key: &'a ObjectKey,
        operator: &'a str,
    ) -> BoxFuture<'a, Result<(), String>> {
        self.count();
        self.inner.cancel_run(key, operator)
    }
    fn delete_run<'a>(&'a self, key: &'a ObjectKey) -> BoxFuture<'a, Result<(), String>> {
        self.count();
        self.inner.delete_run(key)
    }
    fn retain_run<'a>(&'a self, key: &'a ObjectKey) -> BoxFuture<'a, Result<(), String>> {
        self.count();
        self.inner.retain_run(key)
    }
    fn switch_target(
        &self,
        context: Option<String>,
        namespace: Option<String>,
        tx: mpsc::Sender<Msg>,
    ) -> BoxFuture<'_, ()> {
        self.switches.fetch_add(1, Ordering::SeqCst);
        self.inner.switch_target(context, namespace, tx)
    }
}

fn work_item() -> WorkItem {
    item("fw", Some("A"), "Add the order firewall.")
}

fn draft(name: &str, text: &str) -> ItemDraft {
    ItemDraft {
        context: Some("prod".into()),
        namespace: "agents".into(),
        name: name.into(),
        lane: Some("A".into()),
        wave: Some("1".into()),
        depends_on: Vec::new(),
        text: text.into(),
        base_resource_version: None,
    }
}

fn run_manifest(name: &str) -> Value {
    json!({
        "apiVersion": "agents.proompteng.ai/v1alpha1", "kind": "AgentRun",
        "metadata": {"name": name, "namespace": "agents",
                     "labels": {"swarm.proompteng.ai/lane": "A", "swarm.proompteng.ai/wave": "1"}},
        "spec": {"agentRef": {"name": "codex-agent"}, "implementationSpecRef": {"name": "fw"},
                 "runtime": {"type": "workflow"}}
    })
}

/// One of each effect. `variant` below is exhaustive, so a new effect does not compile until it
/// has a number there, and `samples_cover_every_variant` fails until it has a sample here.
fn samples() -> Vec<Effect> {
    let item = work_item();
    let key = ObjectKey::new("agents", "fw-w1");
    vec![
        Effect::SaveWorkItem {
            draft: Box::new(draft("fw", "## Objective\nx\n")),
            create: true,
        },
        Effect::PatchWorkItem {
            item: Box::new(item.clone()),
            patch: json!({"metadata": {"annotations": {"a": null}}}),
            what: "revoke",
        },
        Effect::ApproveWorkItem {
            item: Box::new(item.clone()),
            claim: Claim::for_item(&item, &common::plan(), "ana", "2026-02-10T12:00:00Z"),
        },
        Effect::WriteDraft(Box::new(draft("fw", "typed"))),
        Effect::WriteBackup(Box::new(draft("fw", "mine"))),
        Effect::DeleteDraft {
            context: Some("prod".into()),
            namespace: "agents".into(),
            name: "fw".into(),
        },
        Effect::OfferDrafts,
        Effect::LaunchRuns {
            wave: 1,
            manifests: vec![run_manifest("fw-w1"), run_manifest("ks-w1")],
        },
        Effect::CancelRuns(vec![key.clone()]),
        Effect::DeleteRuns(vec![key.clone(), ObjectKey::new("agents", "ks-w1")]),
        Effect::RetainRuns(vec![key.clone()]),
        Effect::SaveRunLogs {
            query: PodQuery {
                run: key.clone(),
                job: None,
                phase: Phase::Succeeded,
            },
            dir: std::env::temp_dir().join("swarm-executor-test-run-logs"),
        },
        Effect::SetTheme("mono".into()),
        Effect::LoadPlan("/nonexistent/plan.toml".into()),
        Effect::SwitchTarget {
            context: None,
            namespace: Some("other".into()),
        },
        Effect::Notify {
            title: "t".into(),
            body: "b".into(),
        },
        Effect::ExternalEdit { text: "x".into() },
        Effect::Quit,
        Effect::WatchPods(PodQuery {
            run: key.clone(),
            job: None,
            phase: Phase::Running,
        }),
        Effect::StreamLogs(LogRequest {
            stream: 1,
            namespace: "agents".into(),
            pod: "p".into(),
            container: "c".into(),
            follow: true,
            previous: false,
            tail: None,
            since_seconds: None,
        }),
        Effect::StopLogs,
        Effect::SaveLogs {
            path: std::env::temp_dir().join("never-written-by-the-guard-test.log"),
            contents: "line\n".into(),
            lines: 1,
        },
        Effect::Copy("text".into()),
        Effect::OpenUrl("https://example.invalid/".into()),
        Effect::RefreshPullRequests,
        Effect::EnterReadOnly,
    ]
}

fn variant(effect: &Effect) -> usize {
    match effect {
        Effect::SaveWorkItem { .. } => 0,
        Effect::PatchWorkItem { .. } => 1,
        Effect::ApproveWorkItem { .. } => 2,
        Effect::WriteDraft(_) => 3,
        Effect::WriteBackup(_) => 4,
        Effect::DeleteDraft { .. } => 5,
        Effect::LaunchRuns { .. } => 6,
        Effect::CancelRuns(_) => 7,
        Effect::DeleteRuns(_) => 8,
        Effect::SetTheme(_) => 9,
        Effect::LoadPlan(_) => 10,
        Effect::SwitchTarget { .. } => 11,
        Effect::Notify { .. } => 12,
        Effect::ExternalEdit { .. } => 13,
        Effect::Quit => 14,
        Effect::WatchPods(_) => 15,
        Effect::StreamLogs(_) => 16,
        Effect::StopLogs => 17,
        Effect::SaveLogs { .. } => 18,
        Effect::Copy(_) => 19,
        Effect::OpenUrl(_) => 20,
        Effect::RefreshPullRequests => 21,
        Effect::EnterReadOnly => 22,
        Effect::RetainRuns(_) => 23,
        Effect::SaveRunLogs { .. } => 24,
        Effect::OfferDrafts => 25,
    }
}
const VARIANTS: usize = 26;

/// Effects that would reach outside the test (the operator's browser, the terminal's clipboard):
/// covered by the guard test, not executed here.
fn touches_the_desktop(effect: &Effect) -> bool {
    matches!(effect, Effect::OpenUrl(_) | Effect::Copy(_))
}

/// Carries out `effect` and returns what came back once nothing is in flight.
async fn run(
    executor: &Executor,
    rx: &mut mpsc::Receiver<Msg>,
    effect: Effect,
) -> (Option<TerminalEffect>, Vec<Msg>) {
    let terminal = executor.execute(effect);
    tokio::time::timeout(WAIT, executor.settled())
        .await
        .expect("the executor settles");
    let mut msgs = Vec::new();
    while let Ok(msg) = rx.try_recv() {
        msgs.push(msg);
    }
    (terminal, msgs)
}

#[test]
fn samples_cover_every_variant() {
    let mut seen: Vec<usize> = samples().iter().map(variant).collect();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen, (0..VARIANTS).collect::<Vec<_>>());
}

#[tokio::test]
async fn exactly_the_mutations_reach_the_cluster() {
    let (tx, mut rx) = mpsc::channel(1024);
    let cluster = Recording::new(tx.clone());
    let executor = Executor::new(tx, cluster.clone(), None);
    for effect in samples().into_iter().filter(|e| !touches_the_desktop(e)) {
        // EnterReadOnly would make every later mutation a refusal: it has its own test.
        if effect == Effect::EnterReadOnly {
            continue;
        }
        let before = cluster.mutations();
        let mutation = effect.is_mutation();
        let what = format!("{effect:?}");
        let (terminal, msgs) = run(&executor, &mut rx, effect).await;
        assert_eq!(
            cluster.mutations() > before,
            mutation,
            "{what} reached the cluster: {}",
            cluster.mutations() > before
        );
        if mutation {
            assert!(
                msgs.iter().any(|m| matches!(m, Msg::Op(_))),
                "{what}: a result comes back: {msgs:?}"
            );
        }
        let _ = terminal;
    }
    assert_eq!(cluster.switches.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn read_only_refuses_every_mutation_with_a_reply_and_an_audit_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let audit_path = dir.path().join("audit.jsonl");
    let (tx, mut rx) = mpsc::channel(1024);
    let cluster = Recording::new(tx.clone());
    let executor = Executor::new(tx, cluster.clone(), None)
        .with_audit(Some(AuditLog::new(&audit_path, "ana")), "ana")
        .with_read_only(true);
    let mut refused = 0;
    for effect in samples().into_iter().filter(Effect::is_mutation) {
        let what = format!("{effect:?}");
        let lines_before = std::fs::read_to_string(&audit_path)
            .map(|t| t.lines().count())
            .unwrap_or(0);
        let (terminal, msgs) = run(&executor, &mut rx, effect).await;
        assert_eq!(terminal, None);
        assert!(!msgs.is_empty(), "{what}: the UI hears back");
        for msg in &msgs {
            let Msg::Op(result) = msg else {
                panic!("{what}: only refusals come back, got {msg:?}")
            };
            let says_why = match result {
                OpResult::SaveFailed(m) | OpResult::PatchFailed { message: m, .. } => {
                    m == READ_ONLY_REFUSAL
                }
                OpResult::Launched {
                    outcome: LaunchOutcome::Failed(m),
                    ..
                } => m == READ_ONLY_REFUSAL,
                OpResult::RunsChanged { done, failed, .. } => {
                    *done == 0
                        && !failed.is_empty()
                        && failed.iter().all(|f| f.ends_with(READ_ONLY_REFUSAL))
                }
                _ => false,
            };
            assert!(says_why, "{what}: {result:?}");
        }
        let audit = std::fs::read_to_string(&audit_path).expect("audit log");
        let new: Vec<&str> = audit.lines().skip(lines_before).collect();
        assert!(!new.is_empty(), "{what}: an audit line");
        for line in new {
            let entry: Value = serde_json::from_str(line).expect("json line");
            assert_eq!(entry["outcome"], "refused: read-only", "{what}: {line}");
            assert_eq!(entry["operator"], "ana");
        }
        refused += 1;
    }
    assert_eq!(refused, 7, "seven kinds of mutation");
    assert_eq!(cluster.mutations(), 0, "nothing reached the cluster");
}

#[tokio::test]
async fn read_only_keeps_the_operators_text_as_a_draft() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = DraftStore::new(dir.path());
    let (tx, mut rx) = mpsc::channel(64);
    let executor = Executor::new(
        tx.clone(),
        Arc::new(DemoCluster::new(tx)),
        Some(store.clone()),
    )
    .with_read_only(true);
    run(
        &executor,
        &mut rx,
        Effect::WriteDraft(Box::new(draft("fw", "kept"))),
    )
    .await;
    let (drafts, problems) = store.list();
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(drafts.len(), 1);
    assert_eq!(drafts[0].text, "kept");
}

#[tokio::test]
async fn readonly_in_the_session_latches_the_guard() {
    let (tx, mut rx) = mpsc::channel(64);
    let cluster = Recording::new(tx.clone());
    let executor = Executor::new(tx, cluster.clone(), None);
    assert!(!executor.is_read_only());
    let mut s = state();
    let effects = swarm_cockpit::app::palette::run(&mut s, "readonly").expect("command");
    for e in effects {
        assert_eq!(executor.execute(e), None);
    }
    assert!(executor.is_read_only());
    let save = Effect::SaveWorkItem {
        draft: Box::new(draft("fw", "x")),
        create: true,
    };
    let (_, msgs) = run(&executor, &mut rx, save).await;
    assert!(
        matches!(msgs.as_slice(), [Msg::Op(OpResult::SaveFailed(m))] if m == READ_ONLY_REFUSAL),
        "{msgs:?}"
    );
    assert_eq!(cluster.mutations(), 0);
}

#[tokio::test]
async fn terminal_effects_come_back_typed_and_nothing_else_does() {
    let (tx, mut rx) = mpsc::channel(1024);
    let executor = Executor::new(tx.clone(), Arc::new(DemoCluster::new(tx)), None);
    for effect in samples().into_iter().filter(|e| !touches_the_desktop(e)) {
        let expected = match &effect {
            Effect::Quit => Some(TerminalEffect::Quit),
            Effect::ExternalEdit { text } => {
                Some(TerminalEffect::ExternalEdit { text: text.clone() })
            }
            Effect::SetTheme(name) => Some(TerminalEffect::SetTheme(name.clone())),
            _ => None,
        };
        let what = format!("{effect:?}");
        let (terminal, _) = run(&executor, &mut rx, effect).await;
        assert_eq!(terminal, expected, "{what}");
    }
}

/// Feeds every message back through `update` as the runtime does; returns the effects.
fn feed(s: &mut swarm_cockpit::app::State, msgs: Vec<Msg>) -> Vec<Effect> {
    msgs.into_iter().flat_map(|m| update(s, m)).collect()
}

#[tokio::test]
async fn the_demo_cluster_round_trips_saves_approvals_launches_and_deletes() {
    let (tx, mut rx) = mpsc::channel(1024);
    let executor = Executor::new(tx.clone(), Arc::new(DemoCluster::new(tx)), None);
    let mut s = state();

    // A new work item: saved, and echoed as the watch would.
    let save = Effect::SaveWorkItem {
        draft: Box::new(draft("fw", "## Objective\nAdd the firewall.\n")),
        create: true,
    };
    let (_, msgs) = run(&executor, &mut rx, save).await;
    assert!(
        msgs.iter().any(|m| matches!(m, Msg::Source(SourceEvent::Applied(Resource::WorkItem(w))) if w.key.name == "fw")),
        "{msgs:?}"
    );
    let saved = msgs.iter().find_map(|m| match m {
        Msg::Op(OpResult::Saved(w)) => Some(w.clone()),
        _ => None,
    });
    let saved = saved.expect("saved");
    assert!(
        saved.resource_version.is_some(),
        "the store hands out versions"
    );
    feed(&mut s, msgs);
    let key = ObjectKey::new("agents", "fw");
    assert!(s.cluster.items.contains_key(&key));

    // An approval patch lands on the stored copy with a newer version.
    let item = s.cluster.items[&key].clone();
    let approve = Effect::ApproveWorkItem {
        item: Box::new(item.clone()),
        claim: Claim::for_item(&item, &s.settings.plan, "ana", "2026-02-10T12:00:00Z"),
    };
    let (_, msgs) = run(&executor, &mut rx, approve).await;
    let patched = msgs.iter().find_map(|m| match m {
        Msg::Op(OpResult::Patched { what, item }) if what == "approve" => Some(item.clone()),
        _ => None,
    });
    let patched = patched.unwrap_or_else(|| panic!("patched: {msgs:?}"));
    assert!(patched.annotations.len() > item.annotations.len());
    assert_ne!(patched.resource_version, item.resource_version);
    feed(&mut s, msgs);

    // A launch: each run created and echoed Pending.
    let launch = Effect::LaunchRuns {
        wave: 1,
        manifests: vec![run_manifest("fw-w1"), run_manifest("ks-w1")],
    };
    let (_, msgs) = run(&executor, &mut rx, launch).await;
    let created = msgs
        .iter()
        .filter(|m| {
            matches!(
                m,
                Msg::Op(OpResult::Launched {
                    outcome: LaunchOutcome::Created,
                    ..
                })
            )
        })
        .count();
    assert_eq!(created, 2, "{msgs:?}");
    feed(&mut s, msgs);
    let run_key = ObjectKey::new("agents", "fw-w1");
    assert_eq!(s.cluster.runs[&run_key].phase, Phase::Pending);

    // Cancel keeps the run; delete removes it.
    let (_, msgs) = run(
        &executor,
        &mut rx,
        Effect::CancelRuns(vec![run_key.clone()]),
    )
    .await;
    assert!(
        msgs.iter()
            .any(|m| matches!(m, Msg::Op(OpResult::RunsChanged { done: 1, .. }))),
        "{msgs:?}"
    );
    feed(&mut s, msgs);
    assert!(s.cluster.runs.contains_key(&run_key));
    let (_, msgs) = run(
        &executor,
        &mut rx,
        Effect::DeleteRuns(vec![run_key.clone()]),
    )
    .await;
    feed(&mut s, msgs);
    assert!(!s.cluster.runs.contains_key(&run_key));
    assert!(
        s.cluster
            .runs
            .contains_key(&ObjectKey::new("agents", "ks-w1"))
    );
}

/// Random sequences of draft writes and deletes over a few names, each effect executed as the
/// app emits it: what is on disk afterwards is what the last effect for each name says (an
/// oracle that replays them in order), so the file thread never reorders them.
#[tokio::test]
async fn draft_writes_and_deletes_land_in_the_order_they_were_asked_for() {
    let mut rng = fastrand::Rng::with_seed(14);
    for round in 0..20 {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = DraftStore::new(dir.path());
        let (tx, mut rx) = mpsc::channel(1024);
        let executor = Executor::new(
            tx.clone(),
            Arc::new(DemoCluster::new(tx)),
            Some(store.clone()),
        );
        let mut oracle: std::collections::BTreeMap<String, Option<String>> = Default::default();
        for step in 0..rng.usize(1..60) {
            let name = format!("item-{}", rng.usize(0..3));
            if rng.bool() {
                let text = format!("round {round} step {step}");
                assert_eq!(
                    executor.execute(Effect::WriteDraft(Box::new(draft(&name, &text)))),
                    None
                );
                oracle.insert(name, Some(text));
            } else {
                executor.execute(Effect::DeleteDraft {
                    context: Some("prod".into()),
                    namespace: "agents".into(),
                    name: name.clone(),
                });
                oracle.insert(name, None);
            }
        }
        tokio::time::timeout(WAIT, executor.settled())
            .await
            .expect("settled");
        assert!(rx.try_recv().is_err(), "no write failed");
        let (drafts, problems) = store.list();
        assert!(problems.is_empty(), "{problems:?}");
        let on_disk: std::collections::BTreeMap<String, String> =
            drafts.into_iter().map(|d| (d.name, d.text)).collect();
        let expected: std::collections::BTreeMap<String, String> = oracle
            .into_iter()
            .filter_map(|(name, text)| text.map(|t| (name, t)))
            .collect();
        assert_eq!(on_disk, expected, "round {round}");
    }
}

#[tokio::test]
async fn file_jobs_report_back_saved_logs_plans_and_found_drafts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = DraftStore::new(dir.path().join("drafts"));
    let (tx, mut rx) = mpsc::channel(64);
    let executor = Executor::new(tx.clone(), Arc::new(DemoCluster::new(tx)), Some(store));

    let path = dir.path().join("logs/run.log");
    let save = Effect::SaveLogs {
        path: path.clone(),
        contents: "one\ntwo\n".into(),
        lines: 2,
    };
    let (_, msgs) = run(&executor, &mut rx, save).await;
    assert!(
        matches!(
            msgs.as_slice(),
            [Msg::Log(swarm_cockpit::app::logs::LogEvent::Saved {
                lines: 2,
                ..
            })]
        ),
        "{msgs:?}"
    );
    assert_eq!(std::fs::read_to_string(&path).expect("saved"), "one\ntwo\n");

    let plan_path = dir.path().join("plan.toml");
    std::fs::write(&plan_path, common::PLAN).expect("plan");
    let (_, msgs) = run(&executor, &mut rx, Effect::LoadPlan(plan_path)).await;
    assert!(
        matches!(msgs.as_slice(), [Msg::Op(OpResult::PlanLoaded(p))] if p.lanes.len() == 3),
        "{msgs:?}"
    );
    let (_, msgs) = run(
        &executor,
        &mut rx,
        Effect::LoadPlan(dir.path().join("none.toml")),
    )
    .await;
    assert!(
        matches!(msgs.as_slice(), [Msg::Source(SourceEvent::Notice(n))] if n.starts_with("plan not loaded")),
        "{msgs:?}"
    );

    run(
        &executor,
        &mut rx,
        Effect::WriteDraft(Box::new(draft("fw", "left"))),
    )
    .await;
    executor.offer_drafts();
    tokio::time::timeout(WAIT, executor.settled())
        .await
        .expect("settled");
    assert!(
        matches!(rx.try_recv(), Ok(Msg::Op(OpResult::DraftsFound(d))) if d.len() == 1 && d[0].text == "left")
    );
}
