//! The embedded demo swarm: the seed's Torghut lanes and first-wave work items, with runs moving
//! Pending → Running → Succeeded/Failed, a Blocked (ConcurrencyLimit) run, an InvalidSpec run,
//! PRs that open, go green and merge, and what reconciling runs with PRs finds: an open PR whose
//! run is gone, a head branch the controller renamed, a run that finishes without a PR. It builds the same JSON the API server serves and converts it
//! with the same code as the real source, then sends the same messages.
//!
//! [`DemoSwarm`] is a pure, seeded script (testable without time); [`spawn`] drives it in real time.
use crate::app::msg::{ConnState, Msg, Resource, SourceEvent};
use crate::domain::plan::PlannedItem;
use crate::domain::{
    Check, CheckState, ChecksRollup, MergeState, Plan, PrState, PullRequest, ResourceKind, Review,
    ReviewDecision, ReviewState, Run, WorkItem, labels,
};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

pub const NAMESPACE: &str = "agents";

/// One scripted change, due at a simulated second since the demo started.
#[derive(Debug, Clone)]
struct Step {
    at: f64,
    change: Change,
}

#[derive(Debug, Clone)]
enum Change {
    /// Create or update a run: phase plus optional reason/message and condition.
    Run {
        name: String,
        item: String,
        phase: &'static str,
        condition: Option<(&'static str, &'static str, String)>,
        /// For the opening state: how long ago this run was created (seconds).
        ago: i64,
    },
    /// Merge JSON into a run's object (created from a bare AgentRun if new): steps, retries,
    /// cancels, deletions, runs without a work item. `now` is the event's time.
    Merge {
        name: &'static str,
        patch: fn(DateTime<Utc>) -> Value,
    },
    Pr {
        item: String,
        /// The branch, when not the item's head (an orphan PR, a renamed head).
        head: Option<&'static str>,
        number: u64,
        state: PrState,
        checks: ChecksRollup,
        review: Option<ReviewDecision>,
    },
}

pub struct DemoSwarm {
    plan: Plan,
    steps: Vec<Step>,
    next: usize,
    runs: BTreeMap<String, Value>,
    /// Items announced at start (all plan items).
    started: bool,
    repository: String,
}

impl DemoSwarm {
    pub fn new(plan: Plan, seed: u64) -> DemoSwarm {
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut jitter = move |secs: f64| secs * (0.7 + rng.f64() * 0.6);
        let item = |name: &str| {
            plan.items
                .iter()
                .find(|i| i.name == name)
                .map(|i| i.name.clone())
        };
        let mut steps = Vec::new();
        let mut run = |at: f64,
                       name: &str,
                       item: &str,
                       phase: &'static str,
                       cond: Option<(&'static str, &'static str, String)>| {
            steps.push(Step {
                at,
                change: Change::Run {
                    name: name.into(),
                    item: item.into(),
                    phase,
                    condition: cond,
                    ago: if at == 0.0 { opening_age(name) } else { 0 },
                },
            });
        };
        // Only items the plan has take part, so a custom --plan still gets a coherent demo.
        let checks = |passing, failing, pending| ChecksRollup {
            passing,
            failing,
            pending,
        };
        let mut prs = Vec::new();
        let mut pr = |at: f64,
                      item: &str,
                      number: u64,
                      state: PrState,
                      c: ChecksRollup,
                      review: Option<ReviewDecision>| {
            prs.push(Step {
                at,
                change: Change::Pr {
                    item: item.into(),
                    head: None,
                    number,
                    state,
                    checks: c,
                    review,
                },
            });
        };

        // Already underway when the cockpit opens (t = 0).
        if let Some(i) = item("kill-switch-runbook") {
            run(0.0, "kill-switch-runbook-e1", &i, "Succeeded", None);
            pr(
                0.0,
                &i,
                98,
                PrState::Merged,
                checks(6, 0, 0),
                Some(ReviewDecision::Approved),
            );
        }
        if let Some(i) = item("order-firewall") {
            run(0.0, "order-firewall-a1", &i, "Running", None);
            pr(0.0, &i, 101, PrState::Draft, checks(0, 0, 0), None);
            let t = jitter(40.0);
            pr(
                t,
                &i,
                101,
                PrState::Open,
                checks(2, 0, 4),
                Some(ReviewDecision::ReviewRequired),
            );
            let t = t + jitter(60.0);
            run(t, "order-firewall-a1", &i, "Succeeded", None);
            pr(
                t + jitter(20.0),
                &i,
                101,
                PrState::Open,
                checks(6, 0, 0),
                Some(ReviewDecision::ReviewRequired),
            );
            let t = t + jitter(90.0);
            pr(
                t,
                &i,
                101,
                PrState::Open,
                checks(6, 0, 0),
                Some(ReviewDecision::Approved),
            );
            pr(
                t + jitter(30.0),
                &i,
                101,
                PrState::Merged,
                checks(6, 0, 0),
                Some(ReviewDecision::Approved),
            );
        }
        if let Some(i) = item("kill-switch-gitops") {
            run(
                0.0,
                "kill-switch-gitops-c1",
                &i,
                "Failed",
                Some((
                    "Failed",
                    "JobFailed",
                    "step implement: helm lint failed on kill-switch values".into(),
                )),
            );
            run(0.0, "kill-switch-gitops-c2", &i, "Pending", None);
            let t = jitter(20.0);
            run(t, "kill-switch-gitops-c2", &i, "Running", None);
            pr(
                t + jitter(30.0),
                &i,
                104,
                PrState::Open,
                checks(1, 0, 3),
                Some(ReviewDecision::ReviewRequired),
            );
            let t = t + jitter(150.0);
            pr(
                t,
                &i,
                104,
                PrState::Open,
                checks(3, 1, 0),
                Some(ReviewDecision::ChangesRequested),
            );
            run(t + jitter(10.0), "kill-switch-gitops-c2", &i, "Failed", Some(("Failed", "JobFailed", "validation: kubeconform rejected argocd/applications/torghut/kill-switch/app.yaml".into())));
        }
        if let Some(i) = item("replay-harness") {
            run(0.0, "replay-harness-d1", &i, "Running", None);
            pr(
                0.0,
                &i,
                103,
                PrState::Open,
                checks(1, 0, 5),
                Some(ReviewDecision::ReviewRequired),
            );
            let t = jitter(60.0);
            pr(
                t,
                &i,
                103,
                PrState::Open,
                checks(6, 0, 0),
                Some(ReviewDecision::ReviewRequired),
            );
            let t = t + jitter(60.0);
            run(t, "replay-harness-d1", &i, "Succeeded", None);
            pr(
                t + jitter(30.0),
                &i,
                103,
                PrState::Open,
                checks(6, 0, 0),
                Some(ReviewDecision::Approved),
            );
            pr(
                t + jitter(90.0),
                &i,
                103,
                PrState::Merged,
                checks(6, 0, 0),
                Some(ReviewDecision::Approved),
            );
        }
        if let Some(i) = item("cost-model") {
            run(
                0.0,
                "cost-model-a1",
                &i,
                "Pending",
                Some((
                    "Blocked",
                    "ConcurrencyLimit",
                    "lane A has 1 run in flight (limit 1)".into(),
                )),
            );
            let t = jitter(120.0);
            run(t, "cost-model-a1", &i, "Running", None);
            pr(
                t + jitter(40.0),
                &i,
                105,
                PrState::Draft,
                checks(0, 0, 0),
                None,
            );
            let t = t + jitter(200.0);
            run(t, "cost-model-a1", &i, "Succeeded", None);
            pr(
                t + jitter(20.0),
                &i,
                105,
                PrState::Open,
                checks(7, 0, 0),
                Some(ReviewDecision::ReviewRequired),
            );
        }
        if let Some(i) = item("research-ledger") {
            run(
                0.0,
                "research-ledger-a1",
                &i,
                "Failed",
                Some((
                    "InvalidSpec",
                    "MissingRequiredMetadata",
                    "missing required parameters: head".into(),
                )),
            );
        }
        if let Some(i) = item("ta-slippage-features") {
            let pending = jitter(150.0);
            run(pending, "ta-slippage-features-b1", &i, "Pending", None);
            let t = pending + jitter(30.0);
            run(t, "ta-slippage-features-b1", &i, "Running", None);
            run(
                t + jitter(240.0),
                "ta-slippage-features-b1",
                &i,
                "Succeeded",
                None,
            );
            // The branch asked for was taken: the controller pushed it with a suffix (and the
            // run finishes without opening a PR).
            steps.push(Step {
                at: pending + 1.0,
                change: Change::Merge {
                    name: "ta-slippage-features-b1",
                    patch: |_| {
                        json!({"status": {"vcs": {"headBranch": "codex/swarm/lane-b/ta-slippage-features-2"}}})
                    },
                },
            });
        }
        // An open PR on a swarm branch whose run was deleted long ago: no card shows it.
        prs.push(Step {
            at: 0.0,
            change: Change::Pr {
                item: "position-limits".into(),
                head: Some("codex/swarm/lane-a/position-limits"),
                number: 96,
                state: PrState::Open,
                checks: checks(5, 0, 0),
                review: Some(ReviewDecision::ReviewRequired),
            },
        });
        control_room_story(&mut steps, &mut jitter, &item);
        steps.extend(prs);
        // Stable order: by time, then as scripted.
        steps.sort_by(|a, b| a.at.total_cmp(&b.at));
        let repository = plan
            .repository
            .clone()
            .unwrap_or_else(|| "proompteng/lab".into());
        DemoSwarm {
            plan,
            steps,
            next: 0,
            runs: BTreeMap::new(),
            started: false,
            repository,
        }
    }

    /// Simulated seconds until the next scripted change, if any is left.
    pub fn next_due(&self) -> Option<f64> {
        self.steps.get(self.next).map(|s| s.at)
    }

    /// Everything due by `elapsed` simulated seconds; object timestamps are `now`.
    pub fn advance(&mut self, elapsed: f64, now: DateTime<Utc>) -> Vec<SourceEvent> {
        let mut out = Vec::new();
        let opening = !self.started;
        if opening {
            self.started = true;
            for kind in ResourceKind::ALL {
                out.push(SourceEvent::Connection(kind, ConnState::Connected));
                out.push(SourceEvent::ResyncStarted(kind));
            }
            for item in &self.plan.items {
                let obj = work_item_json(item, &self.plan, now);
                out.push(SourceEvent::Applied(Resource::WorkItem(Box::new(
                    WorkItem::from_json(&obj),
                ))));
            }
            out.push(SourceEvent::ResyncDone(ResourceKind::ImplementationSpec));
            // The template run has no lane: it shows in the Unassigned column.
            let template = json!({
                "apiVersion": "agents.proompteng.ai/v1alpha1", "kind": "AgentRun",
                "metadata": {"name": "swarm-worker-template", "namespace": NAMESPACE,
                             "creationTimestamp": now.to_rfc3339(),
                             "annotations": {labels::TEMPLATE: "true"}},
                "spec": {"agentRef": {"name": "codex-agent"}, "runtime": {"type": "workflow"},
                         "implementation": {"inline": {"text": "template", "summary": "Worker template for swarm lanes"}}},
                "status": {"phase": "Template"}
            });
            out.push(SourceEvent::Applied(Resource::Run(Box::new(
                Run::from_json(&template),
            ))));
        }
        while let Some(step) = self.steps.get(self.next) {
            if step.at > elapsed {
                break;
            }
            let step = step.clone();
            self.next += 1;
            out.push(self.apply(step.change, now));
        }
        if opening {
            out.push(SourceEvent::ResyncDone(ResourceKind::AgentRun));
        }
        out
    }

    fn apply(&mut self, change: Change, now: DateTime<Utc>) -> SourceEvent {
        match change {
            Change::Run {
                name,
                item,
                phase,
                condition,
                ago,
            } => {
                // The opening state is backdated so ages and durations look like a live swarm.
                let created = now - chrono::Duration::seconds(ago);
                let started = created + chrono::Duration::seconds((ago / 10).min(45));
                let finished = now - chrono::Duration::seconds(ago / 3);
                let planned = self.plan.items.iter().find(|i| i.name == item);
                let lane = planned.map(|i| i.lane.clone()).unwrap_or_default();
                let wave = planned.map(|i| i.wave.to_string()).unwrap_or_default();
                let head = planned
                    .and_then(|i| i.head.clone())
                    .unwrap_or_else(|| format!("codex/swarm/{item}"));
                let repository = self.repository.clone();
                let obj = self.runs.entry(name.clone()).or_insert_with(|| {
                    let mut params = json!({"repository": repository, "base": "main", "head": head, "stage": "implementation"});
                    if condition.as_ref().is_some_and(|c| c.0 == "InvalidSpec") {
                        params.as_object_mut().map(|p| p.remove("head"));
                    }
                    json!({
                        "apiVersion": "agents.proompteng.ai/v1alpha1", "kind": "AgentRun",
                        "metadata": {"name": name, "namespace": NAMESPACE, "creationTimestamp": created.to_rfc3339(),
                                     "labels": {labels::LANE: lane, labels::WAVE: wave, labels::WORK_ITEM: item}},
                        "spec": {"agentRef": {"name": "codex-agent"}, "implementationSpecRef": {"name": item},
                                 "runtime": {"type": "workflow"}, "parameters": params,
                                 "ttlSecondsAfterFinished": if item == "order-firewall" { 1800 } else { 7200 },
                                 "workflow": {"steps": [{"name": "implement", "timeoutSeconds": 7200}]}},
                        "status": {}
                    })
                });
                let status = obj["status"].as_object().cloned().unwrap_or_default();
                let mut status = Value::Object(status);
                status["phase"] = json!(phase);
                status["updatedAt"] = json!(now.to_rfc3339());
                if phase == "Running" && status.get("startedAt").is_none() {
                    status["startedAt"] = json!(started.to_rfc3339());
                    status["runtimeRef"] = json!({"type": "workflow", "name": format!("{name}-step-1-attempt-1"), "namespace": NAMESPACE});
                }
                if matches!(phase, "Succeeded" | "Failed") {
                    if status.get("startedAt").is_none() {
                        status["startedAt"] = json!(started.to_rfc3339());
                    }
                    status["finishedAt"] = json!(finished.to_rfc3339());
                }
                let mut conditions = vec![
                    json!({"type": "Accepted", "status": "True", "reason": "Submitted", "lastTransitionTime": now.to_rfc3339()}),
                ];
                match &condition {
                    Some((kind, reason, message)) => {
                        conditions.push(json!({"type": kind, "status": "True", "reason": reason, "message": message, "lastTransitionTime": now.to_rfc3339()}));
                        status["reason"] = json!(reason);
                        status["message"] = json!(message);
                        if *kind == "InvalidSpec" {
                            status["contract"] = json!({"requiredKeys": ["repository", "base", "head", "stage"], "missingKeys": ["head"]});
                        }
                    }
                    None => {
                        if let Some(s) = status.as_object_mut() {
                            s.remove("reason");
                            s.remove("message");
                        }
                    }
                }
                if phase == "Succeeded" {
                    conditions.push(json!({"type": "Succeeded", "status": "True", "reason": "Completed", "lastTransitionTime": now.to_rfc3339()}));
                }
                status["conditions"] = Value::Array(conditions);
                // A run refused for its spec never reached version control; the controller
                // writes the branch it pushes once (a renamed one stays renamed).
                if condition.as_ref().is_none_or(|c| c.0 != "InvalidSpec")
                    && status.get("vcs").is_none()
                {
                    status["vcs"] = json!({"provider": "github", "repository": self.repository, "headBranch": head, "baseBranch": "main", "mode": "read-write"});
                }
                obj["status"] = status;
                SourceEvent::Applied(Resource::Run(Box::new(Run::from_json(obj))))
            }
            Change::Merge { name, patch } => {
                let obj = self.runs.entry(name.to_owned()).or_insert_with(|| {
                    json!({
                        "apiVersion": "agents.proompteng.ai/v1alpha1", "kind": "AgentRun",
                        "metadata": {"name": name, "namespace": NAMESPACE, "creationTimestamp": now.to_rfc3339()},
                        "spec": {"agentRef": {"name": "codex-agent"}, "runtime": {"type": "workflow"},
                                 "ttlSecondsAfterFinished": 7200},
                        "status": {}
                    })
                });
                merge(obj, patch(now));
                SourceEvent::Applied(Resource::Run(Box::new(Run::from_json(obj))))
            }
            Change::Pr {
                item,
                head,
                number,
                state,
                checks,
                review,
            } => {
                let planned = self.plan.items.iter().find(|i| i.name == item);
                let head = head.map(str::to_owned).unwrap_or_else(|| {
                    planned
                        .and_then(|i| i.head.clone())
                        .unwrap_or_else(|| format!("codex/swarm/{item}"))
                });
                let title = planned
                    .map(|i| i.summary.clone())
                    .unwrap_or_else(|| item.clone());
                SourceEvent::PullRequest(Box::new(PullRequest {
                    url: format!("https://github.com/{}/pull/{number}", self.repository),
                    repository: self.repository.clone(),
                    head_branch: head,
                    number,
                    title,
                    state,
                    checks,
                    review,
                    mergeable: matches!(state, PrState::Open | PrState::Draft).then_some(true),
                    fetched_at: now,
                    author: Some("codex-agent".into()),
                    head_sha: Some(format!("{number:07x}{:033x}", checks.total())),
                    updated_at: Some(now),
                    check_runs: demo_checks(checks, now),
                    reviews: demo_reviews(review, now),
                    merge_state: Some(demo_merge_state(state, checks, review)),
                    details_fetched_at: Some(now),
                }))
            }
        }
    }
}

/// JSON merge patch semantics (RFC 7386): objects merge, `null` removes, the rest replaces.
fn merge(target: &mut Value, patch: Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(&k);
                } else {
                    merge(t.entry(k).or_insert(Value::Null), v);
                }
            }
        }
        (t, p) => *t = p,
    }
}

/// The control room's part of the story: a step retried after its pod was evicted, a queue
/// that floods (six runs Blocked on QueueLimit, one RateLimit with its countdown) and drains, a
/// cancel that a retry undoes, and a deletion held by the controller's finalizer. (The retention
/// warning is order-firewall's: it finishes with its PR open and a 30-minute TTL.)
fn control_room_story(
    steps: &mut Vec<Step>,
    jitter: &mut impl FnMut(f64) -> f64,
    item: &impl Fn(&str) -> Option<String>,
) {
    let mut merge = |at: f64, name: &'static str, patch: fn(DateTime<Utc>) -> Value| {
        steps.push(Step {
            at,
            change: Change::Merge { name, patch },
        });
    };
    if item("replay-harness").is_some() {
        let t = jitter(25.0);
        merge(t, "replay-harness-d1", |now| {
            json!({"status": {"workflow": {"phase": "Running", "steps": [
            {"name": "implement", "phase": "Retrying", "attempt": 1, "lastTransitionTime": now.to_rfc3339(),
             "nextRetryAt": (now + chrono::Duration::seconds(30)).to_rfc3339(),
             "message": "pod evicted: node drained (retries left: 2)",
             "jobRef": {"name": "replay-harness-d1-step-1-attempt-1"}}]}}})
        });
        merge(t + 30.0, "replay-harness-d1", |now| {
            json!({"status": {
            "runtimeRef": {"type": "workflow", "name": "replay-harness-d1-step-1-attempt-2", "namespace": NAMESPACE},
            "workflow": {"phase": "Running", "steps": [
            {"name": "implement", "phase": "Running", "attempt": 2, "startedAt": now.to_rfc3339(),
             "lastTransitionTime": now.to_rfc3339(), "jobRef": {"name": "replay-harness-d1-step-1-attempt-2"}}]}}})
        });
    }
    // The queue floods: a backfill batch launched by another team lands in lane B.
    let t = jitter(45.0);
    macro_rules! backfill {
        ($name:literal, $symbol:literal) => {
            merge(t, $name, |now| json!({
                "metadata": {"labels": {labels::LANE: "B", labels::WAVE: "2"}},
                "spec": {"implementation": {"inline": {"text": "backfill", "summary": concat!("Backfill TA features for ", $symbol)}},
                         "parameters": {"repository": "proompteng/lab", "stage": "backfill"},
                         "idempotencyKey": concat!("backfill-", $symbol)},
                "status": {"phase": "Pending", "conditions": [
                    {"type": "Accepted", "status": "True", "reason": "Submitted", "lastTransitionTime": now.to_rfc3339()},
                    {"type": "Blocked", "status": "True", "reason": "QueueLimit", "message": "Namespace agents reached queue limit", "lastTransitionTime": now.to_rfc3339()}]}
            }));
        };
    }
    backfill!("backfill-aapl", "AAPL");
    backfill!("backfill-msft", "MSFT");
    backfill!("backfill-nvda", "NVDA");
    backfill!("backfill-amzn", "AMZN");
    backfill!("backfill-googl", "GOOGL");
    backfill!("backfill-meta", "META");
    merge(t + 5.0, "backfill-tsla", |now| {
        json!({
            "metadata": {"labels": {labels::LANE: "B", labels::WAVE: "2"}},
            "spec": {"implementation": {"inline": {"text": "backfill", "summary": "Backfill TA features for TSLA"}},
                     "parameters": {"repository": "proompteng/lab", "stage": "backfill"}},
            "status": {"phase": "Pending", "conditions": [
                {"type": "Blocked", "status": "True", "reason": "RateLimit", "message": "agent codex-agent reached rate limit (retry after 45s)", "lastTransitionTime": now.to_rfc3339()}]}
        })
    });
    // ... and drains: the queue limit lifts, the runs start.
    for (i, name) in [
        "backfill-aapl",
        "backfill-msft",
        "backfill-nvda",
        "backfill-amzn",
        "backfill-googl",
        "backfill-meta",
        "backfill-tsla",
    ]
    .into_iter()
    .enumerate()
    {
        merge(t + 240.0 + 10.0 * i as f64, name, |now| {
            json!({"status": {"phase": "Running", "startedAt": now.to_rfc3339(), "conditions": [
            {"type": "Blocked", "status": "False", "reason": "Admitted", "lastTransitionTime": now.to_rfc3339()}]}})
        });
        merge(
            t + 420.0 + 15.0 * i as f64,
            name,
            |now| json!({"status": {"phase": "Succeeded", "finishedAt": now.to_rfc3339()}}),
        );
    }
    // A cancel the controller undoes: ana deletes the Jobs, the step has retries left.
    if item("kill-switch-gitops").is_some() {
        let t = jitter(60.0);
        merge(t, "kill-switch-gitops-c2", |now| {
            json!({
            "metadata": {"annotations": {crate::domain::wave::CANCELLED_BY: format!("ana at {}", now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))}},
            "status": {"workflow": {"phase": "Running", "steps": [
                {"name": "implement", "phase": "Retrying", "attempt": 1, "lastTransitionTime": now.to_rfc3339(),
                 "nextRetryAt": (now + chrono::Duration::seconds(10)).to_rfc3339(), "message": "job deleted (JobMissing); retries left: 1"}]}}})
        });
        merge(t + 10.0, "kill-switch-gitops-c2", |now| {
            json!({"status": {"workflow": {"phase": "Running", "steps": [
            {"name": "implement", "phase": "Running", "attempt": 2, "startedAt": now.to_rfc3339(), "lastTransitionTime": now.to_rfc3339(),
             "jobRef": {"name": "kill-switch-gitops-c2-step-1-attempt-2"}}]}}})
        });
        // The failed first attempt is deleted, and its finalizer holds it.
        merge(jitter(30.0), "kill-switch-gitops-c1", |now| {
            json!({"metadata": {
            "deletionTimestamp": now.to_rfc3339(), "finalizers": ["agents.proompteng.ai/runtime-cleanup"]}})
        });
    }
}

/// Named checks matching a rollup: failing first, then pending (still running), then passing.
fn demo_checks(c: ChecksRollup, now: DateTime<Utc>) -> Vec<Check> {
    const NAMES: [&str; 7] = [
        "lint",
        "unit-tests",
        "typecheck",
        "build",
        "helm-lint",
        "kubeconform",
        "integration",
    ];
    (0..c.total())
        .map(|i| {
            let state = if i < c.failing {
                CheckState::Failing
            } else if i < c.failing + c.pending {
                CheckState::Pending
            } else {
                CheckState::Passing
            };
            let n = i as usize;
            let name = match NAMES.get(n) {
                Some(name) => (*name).to_owned(),
                None => format!("check-{}", n + 1),
            };
            let secs = i64::from(i);
            let (started_at, completed_at) = match state {
                CheckState::Pending => (now - chrono::Duration::seconds(25 * (secs + 1)), None),
                _ => {
                    let start = now - chrono::Duration::seconds(300 + 40 * secs);
                    (
                        start,
                        Some(start + chrono::Duration::seconds(45 + 23 * secs)),
                    )
                }
            };
            Check {
                name,
                state,
                started_at: Some(started_at),
                completed_at,
            }
        })
        .collect()
}

fn demo_reviews(decision: Option<ReviewDecision>, now: DateTime<Utc>) -> Vec<Review> {
    let review = |author: &str, state, mins| Review {
        author: author.into(),
        state,
        submitted_at: Some(now - chrono::Duration::minutes(mins)),
    };
    match decision {
        Some(ReviewDecision::Approved) => vec![
            review("safety-reviewer", ReviewState::Commented, 9),
            review("lane-lead", ReviewState::Approved, 2),
        ],
        Some(ReviewDecision::ChangesRequested) => {
            vec![review("safety-reviewer", ReviewState::ChangesRequested, 1)]
        }
        Some(ReviewDecision::ReviewRequired) | None => Vec::new(),
    }
}

fn demo_merge_state(
    state: PrState,
    checks: ChecksRollup,
    review: Option<ReviewDecision>,
) -> MergeState {
    match state {
        PrState::Draft => MergeState::Draft,
        PrState::Merged | PrState::Closed => MergeState::Unknown,
        PrState::Open if checks.failing > 0 => MergeState::Unstable,
        PrState::Open if checks.pending > 0 || review != Some(ReviewDecision::Approved) => {
            MergeState::Blocked
        }
        PrState::Open => MergeState::Clean,
    }
}

/// How long before the cockpit opened each already-underway run was created (seconds).
fn opening_age(run: &str) -> i64 {
    match run {
        "kill-switch-runbook-e1" => 2400,
        "kill-switch-gitops-c1" => 1500,
        "research-ledger-a1" => 900,
        "order-firewall-a1" => 720,
        "cost-model-a1" => 480,
        "replay-harness-d1" => 360,
        _ => 60,
    }
}

/// The ImplementationSpec a planned item becomes, in the seed's template.
pub fn work_item_json(item: &PlannedItem, plan: &Plan, now: DateTime<Utc>) -> Value {
    let repository = plan
        .repository
        .clone()
        .unwrap_or_else(|| "proompteng/lab".into());
    let base = plan.base.clone().unwrap_or_else(|| "main".into());
    let head = item
        .head
        .clone()
        .unwrap_or_else(|| format!("codex/swarm/{}", item.name));
    let paths: String = item.paths.iter().map(|p| format!("- `{p}`\n")).collect();
    let text = format!(
        "## Objective\n{summary}\n\n## In-scope paths\n{paths}\n## Out-of-scope constraints\n- No changes outside lane {lane}'s paths\n- No live trading enablement; paper trading stays the default\n\n## Acceptance criteria\n- Unit tests cover the new code\n- Lint and format pass\n\n## Validation commands\n- `make test`\n\n## Safety gates\n- paper-only\n- no credentials changes\n\n## Parameters\n- repository: {repository}\n- base: {base}\n- head: {head}\n- stage: implementation\n",
        summary = item.summary,
        lane = item.lane,
    );
    let labels_map = json!({labels::LANE: item.lane, labels::WAVE: item.wave.to_string()});
    // Label values cannot hold commas: the dependency list is an annotation.
    let annotations = json!({labels::DEPENDS_ON: item.depends_on.join(",")});
    json!({
        "apiVersion": "agents.proompteng.ai/v1alpha1", "kind": "ImplementationSpec",
        "metadata": {"name": item.name, "namespace": NAMESPACE, "creationTimestamp": now.to_rfc3339(),
                     "labels": labels_map, "annotations": annotations},
        "spec": {"text": text, "summary": item.summary, "source": {"provider": "manual"},
                 "acceptanceCriteria": ["Unit tests cover the new code", "Lint and format pass"],
                 "contract": {"requiredKeys": ["repository", "base", "head", "stage"]}}
    })
}

/// Runs the demo in real time: `speed` simulated seconds per wall second (0 freezes it after the
/// opening state).
pub fn spawn(plan: Plan, seed: u64, speed: f64, tx: mpsc::Sender<Msg>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut demo = DemoSwarm::new(plan, seed);
        let start = tokio::time::Instant::now();
        loop {
            let elapsed = start.elapsed().as_secs_f64() * speed;
            for event in demo.advance(elapsed, Utc::now()) {
                if tx.send(Msg::Source(event)).await.is_err() {
                    return;
                }
            }
            let Some(due) = demo.next_due() else { return };
            if speed <= 0.0 {
                return;
            }
            let wait = ((due - elapsed) / speed).clamp(0.01, 1.0);
            tokio::time::sleep(Duration::from_secs_f64(wait)).await;
        }
    })
}
