//! The demo swarm is a seeded script speaking the real sources' messages: test it purely.
mod common;

use common::t0;
use swarm_cockpit::app::state::Origin;
use swarm_cockpit::app::{Msg, Resource, SourceEvent, State, update};
use swarm_cockpit::domain::plan::TORGHUT_PLAN;
use swarm_cockpit::domain::{ObjectKey, Phase, Plan, PrState};
use swarm_cockpit::sources::demo::DemoSwarm;

fn plan() -> Plan {
    Plan::parse(TORGHUT_PLAN, "plan.toml").expect("plan")
}

/// (elapsed, run name, phase) of every run change until the script ends.
fn story(seed: u64) -> Vec<(u64, String, String)> {
    let mut demo = DemoSwarm::new(plan(), seed);
    let mut out = Vec::new();
    let mut elapsed = 0.0;
    loop {
        for e in demo.advance(elapsed, t0()) {
            if let SourceEvent::Applied(Resource::Run(r)) = e {
                out.push((
                    elapsed as u64,
                    r.key.name.to_string(),
                    r.phase.label().to_owned(),
                ));
            }
        }
        match demo.next_due() {
            Some(due) => elapsed = due,
            None => return out,
        }
    }
}

fn state_after(seed: u64, elapsed: f64) -> State {
    let mut state = State::new(plan(), Origin::default(), t0());
    let mut demo = DemoSwarm::new(plan(), seed);
    for e in demo.advance(elapsed, t0()) {
        update(&mut state, Msg::Source(e));
    }
    state
}

fn phase(state: &State, run: &str) -> Phase {
    state
        .cluster
        .runs
        .get(&ObjectKey::new("agents", run))
        .unwrap_or_else(|| panic!("run {run} exists"))
        .phase
        .clone()
}

#[test]
fn same_seed_same_story_other_seed_other_timing() {
    assert_eq!(story(7), story(7));
    let a: Vec<u64> = story(7).iter().map(|e| e.0).collect();
    let b: Vec<u64> = story(8).iter().map(|e| e.0).collect();
    assert_ne!(a, b, "the seed changes the timings");
}

#[test]
fn the_opening_state_shows_every_kind_of_card() {
    let mut s = state_after(1, 0.0);
    assert_eq!(
        s.cluster.items.len(),
        plan().items.len(),
        "every planned work item is an ImplementationSpec"
    );
    assert_eq!(phase(&s, "cost-model-a1"), Phase::Blocked);
    assert_eq!(phase(&s, "order-firewall-a1"), Phase::Running);
    assert_eq!(phase(&s, "kill-switch-runbook-e1"), Phase::Succeeded);
    assert_eq!(phase(&s, "kill-switch-gitops-c1"), Phase::Failed);
    assert_eq!(phase(&s, "swarm-worker-template"), Phase::Template);
    let invalid = &s.cluster.runs[&ObjectKey::new("agents", "research-ledger-a1")];
    assert_eq!(invalid.missing_keys, ["head"]);
    assert!(
        invalid
            .conditions
            .iter()
            .any(|c| c.type_ == "InvalidSpec" && c.is_true())
    );
    let board = s.board();
    let titles: Vec<&str> = board.columns.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(
        titles.len(),
        6,
        "lanes A-E and Unassigned (the template): {titles:?}"
    );
    assert_eq!(board.columns[5].cards.len(), 1);
    assert!(s.overall_connection() == swarm_cockpit::app::ConnState::Connected);
}

#[test]
fn runs_move_through_their_phases_in_order() {
    let story = story(3);
    let phases_of = |name: &str| -> Vec<String> {
        let mut v: Vec<String> = story
            .iter()
            .filter(|e| e.1 == name)
            .map(|e| e.2.clone())
            .collect();
        v.dedup();
        v
    };
    assert_eq!(
        phases_of("ta-slippage-features-b1"),
        ["Pending", "Running", "Succeeded"]
    );
    assert_eq!(
        phases_of("cost-model-a1"),
        ["Blocked", "Running", "Succeeded"]
    );
    assert_eq!(
        phases_of("kill-switch-gitops-c2"),
        ["Pending", "Running", "Failed"]
    );
    assert_eq!(phases_of("order-firewall-a1"), ["Running", "Succeeded"]);
}

#[test]
fn prs_open_go_green_and_merge() {
    let s = state_after(1, 100_000.0);
    let run = &s.cluster.runs[&ObjectKey::new("agents", "order-firewall-a1")];
    let pr = s.pr_for_run(run).expect("order firewall PR");
    assert_eq!(pr.state, PrState::Merged);
    assert_eq!((pr.checks.failing, pr.checks.pending), (0, 0));
    let gitops = &s.cluster.runs[&ObjectKey::new("agents", "kill-switch-gitops-c2")];
    assert!(
        s.pr_for_run(gitops).expect("gitops PR").checks.failing > 0,
        "one PR goes red"
    );
    assert!(
        s.cluster
            .runs
            .values()
            .all(|r| !matches!(r.phase, Phase::Pending | Phase::Running | Phase::Blocked))
    );
}

/// The control room's story plays in the demo: a retried step, a saturated queue (and a rate
/// limit with its countdown), a cancel a retry undoes, a deletion held by its finalizer, a
/// retention warning on a finished run whose PR is open, and the reconciliation's findings (an
/// orphan PR, a renamed branch, a run finished without a PR) — each seen at some point, with
/// the clock running as in `swarm demo`.
#[test]
fn control_room_story_plays() {
    use swarm_cockpit::domain::control::{blocked, follow, retention, steps, terminating};
    let mut state = State::new(plan(), Origin::default(), t0());
    let mut demo = DemoSwarm::new(plan(), 1);
    let mut seen: std::collections::BTreeSet<&str> = Default::default();
    let mut elapsed = 0.0;
    while elapsed < 2000.0 {
        let now = t0() + chrono::Duration::milliseconds((elapsed * 1000.0) as i64);
        update(&mut state, Msg::Tick(now));
        for e in demo.advance(elapsed, now) {
            update(&mut state, Msg::Source(e));
        }
        if swarm_cockpit::app::control::saturation(&state)
            .first()
            .is_some_and(|s| s.banner() == "queue saturated: 6 blocked on QueueLimit in agents")
        {
            seen.insert("saturated");
        }
        for run in state.cluster.runs.values() {
            if blocked::blocked(run).is_some_and(|b| b.retry_at.is_some_and(|at| at > now)) {
                seen.insert("rate limit countdown");
            }
            if steps::current(&run.steps).is_some_and(|s| s.phase == steps::StepPhase::Retrying) {
                seen.insert("retrying step");
            }
            if follow::restarted_after_cancel(run, now).is_some() {
                seen.insert("cancel restarted");
            }
            if terminating::terminating(run, now, terminating::STUCK_AFTER).is_some_and(|t| t.stuck)
            {
                seen.insert("deletion stuck");
            }
            let pr_open = swarm_cockpit::app::control::pr_open(&state, run);
            if retention::at_risk(run, pr_open, now, retention::WARN_WITHIN).is_some() {
                seen.insert("retention warning");
            }
        }
        for f in state.cluster.control.reconcile.iter() {
            seen.insert(f.kind());
        }
        elapsed += 5.0;
    }
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        [
            "branch renamed",
            "cancel restarted",
            "deletion stuck",
            "no PR",
            "orphan PR",
            "rate limit countdown",
            "retention warning",
            "retrying step",
            "saturated",
        ]
    );
    // And the queue drained: nothing is blocked at the end.
    assert_eq!(state.cluster.control.blocked.total(), 0);
}
