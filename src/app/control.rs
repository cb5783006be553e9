//! The control room's state and hooks: blocked-reason counters and the idempotency-key index kept
//! per upsert/delete (never by walking the runs), the Swarms, cancels and deletes followed until
//! they really end, and the retain / save-logs actions. The rules live in `domain::control`.
use super::board::CardId;
use super::effect::Effect;
use super::state::State;
use super::waves::{Confirm, ConfirmAction};
use crate::domain::control::counts::{BlockedCounts, Contribution, Saturation};
use crate::domain::control::duplicate::KeyIndex;
use crate::domain::control::follow::{self, Intent, Outcome};
use crate::domain::control::ledger::{self, Ledger};
use crate::domain::control::{blocked, retention, terminating};
use crate::domain::swarm::Swarm;
use crate::domain::{ObjectKey, PrState, Run, placement};
use chrono::{DateTime, Duration, Utc};
use compact_str::CompactString;
use std::collections::{BTreeMap, HashSet};

/// Settings and derived state of the control room.
#[derive(Debug, Clone)]
pub struct Control {
    pub blocked: BlockedCounts,
    pub keys: KeyIndex,
    /// Runs per wave by outcome (the wave-finished notice reads it).
    pub waves: crate::domain::control::wave_tally::WaveTally,
    /// Runs and PRs reconciled: every finding, kept per run and PR event.
    pub reconcile: Ledger,
    /// Upstream Swarms (`swarm.proompteng.ai`), when that CRD is served.
    pub swarms: BTreeMap<ObjectKey, Swarm>,
    swarm_resync: Option<HashSet<ObjectKey>>,
    /// Cancels and deletes this session issued, until each has a verdict.
    pub follows: Vec<Followed>,
    /// Verdicts reached since `update` last told the operator (see [`tell_verdicts`]).
    verdicts: Vec<String>,
    /// This many runs of one scope blocked on one limit make a saturation banner.
    pub saturation_threshold: u32,
    pub terminating_stuck_after: Duration,
    pub retention_warn: Duration,
}

impl Default for Control {
    fn default() -> Control {
        Control {
            blocked: BlockedCounts::default(),
            keys: KeyIndex::default(),
            waves: Default::default(),
            reconcile: Ledger::default(),
            swarms: BTreeMap::new(),
            swarm_resync: None,
            follows: Vec::new(),
            verdicts: Vec::new(),
            saturation_threshold: 5,
            terminating_stuck_after: terminating::STUCK_AFTER,
            retention_warn: retention::WARN_WITHIN,
        }
    }
}

/// One run a cancel or delete of this session is following.
#[derive(Debug, Clone, PartialEq)]
pub struct Followed {
    pub run: ObjectKey,
    pub intent: Intent,
    pub issued_at: DateTime<Utc>,
    pub outcome: Outcome,
    /// What the operator did (`cancel run x`, `delete wave 2`): the batch reported together.
    pub batch: String,
    /// The batch's verdicts were told to the operator.
    pub reported: bool,
}

/// What a Swarm source says.
#[derive(Debug, Clone)]
pub enum SwarmEvent {
    Applied(Box<Swarm>),
    Deleted(ObjectKey),
    ResyncStarted,
    ResyncDone,
    /// The CRD is not served: nothing to show (and nothing wrong).
    Absent,
}

/// The lane a run's card sits in ([`placement`]: its label, else its work item's).
fn lane_of(state: &State, run: &Run) -> Option<CompactString> {
    placement::lane_of(run, placement::item_of(run, &state.cluster.items)).map(CompactString::from)
}

fn contribution(run: &Run, lane: Option<CompactString>) -> Option<Contribution> {
    let b = blocked::blocked(run)?;
    Some(Contribution {
        reason: b.reason,
        lane,
        namespace: run.key.namespace.clone(),
        repository: run.repository.clone(),
        agent: run.agent.clone(),
    })
}

/// After a run was inserted or replaced in `state.cluster.runs` (`before`: the version it
/// replaced, `None` if new): O(log n), whatever the swarm's size.
pub fn on_run(state: &mut State, key: &ObjectKey, before: Option<&Run>) {
    let Some(run) = state.cluster.runs.get(key) else {
        return on_run_gone(state, key, before);
    };
    let lane = lane_of(state, run);
    let c = contribution(run, lane.clone());
    let idem = run.idempotency_key.clone();
    let wave = (!run.is_template)
        .then(|| {
            placement::wave_of(
                run,
                placement::item_of(run, &state.cluster.items),
                &state.settings.plan,
            )
        })
        .flatten()
        .map(|w| (w, run.phase.clone()));
    state.cluster.control.blocked.set(key, c);
    state.cluster.control.keys.set(key, idem.as_deref());
    state
        .cluster
        .control
        .waves
        .set(key, wave.as_ref().map(|(w, p)| (*w, p)));
    reconcile_run(state, key, before, lane);
    refresh_follows(state, Some(key));
}

/// After a run left `state.cluster.runs` (`before`: its last version).
pub fn on_run_gone(state: &mut State, key: &ObjectKey, before: Option<&Run>) {
    state.cluster.control.blocked.set(key, None);
    state.cluster.control.keys.set(key, None);
    state.cluster.control.waves.set(key, None);
    reconcile_run(state, key, before, None);
    refresh_follows(state, Some(key));
}

/// Whether PR data is known, so a finished run without one can be said to have none: the
/// GitHub poller refreshed at least once, or (without a poller: the demo) PRs have come.
pub fn prs_known(state: &State) -> bool {
    match &state.github.status {
        Some(s) => s.last_ok.is_some(),
        None => !state.cluster.prs.is_empty(),
    }
}

/// The reconciliation ledger's one entry point per event: `what` is told the data as it is now.
fn with_ledger(state: &mut State, what: impl FnOnce(&mut Ledger, &ledger::View)) {
    let prs_known = prs_known(state);
    let head_prefix = &state.settings.head_prefix;
    let c = &mut *state.cluster;
    let view = ledger::View {
        runs: &c.runs,
        prs: &c.prs,
        keys: &c.control.keys,
        prs_known,
        head_prefix,
    };
    what(&mut c.control.reconcile, &view);
}

fn reconcile_run(
    state: &mut State,
    key: &ObjectKey,
    before: Option<&Run>,
    lane: Option<CompactString>,
) {
    with_ledger(state, |l, view| l.run_changed(key, before, lane, view));
}

/// After PRs were stored: their findings (orphans) and those of the runs they belong to.
pub fn on_prs(state: &mut State, prs: &[crate::domain::pr::PrKey]) {
    with_ledger(state, |l, view| {
        for pk in prs {
            l.pr_changed(pk, view);
        }
    });
}

/// After the GitHub status changed: PR data may have become known (or the other way round).
pub fn on_github_status(state: &mut State) {
    // Read first: an unchanged answer must not count as a change of the screen.
    if state.cluster.control.reconcile.prs_known() != prs_known(state) {
        with_ledger(state, |l, view| l.settings_changed(view));
    }
}

/// After a work item changed or went: its runs' lane may have changed with it.
pub fn on_item(state: &mut State, item: &ObjectKey) {
    // The runs themselves did not change: each is its own `before` (a work item has few runs).
    let runs: Vec<Run> = state
        .cluster
        .runs
        .values()
        .filter(|r| placement::item_key(r).as_ref() == Some(item))
        .cloned()
        .collect();
    for run in runs {
        on_run(state, &run.key, Some(&run));
    }
}

/// After a relist dropped objects, a switch of cluster or a new plan (waves come from it):
/// counted again from the runs.
pub fn recount(state: &mut State) {
    state.cluster.control.blocked.clear();
    state.cluster.control.keys.clear();
    state.cluster.control.waves.clear();
    state.cluster.control.reconcile = Ledger::default();
    // Counted from nothing: no run has a version the counters saw before.
    let keys: Vec<ObjectKey> = state.cluster.runs.keys().cloned().collect();
    for key in keys {
        on_run(state, &key, None);
    }
}

pub fn on_swarm(state: &mut State, event: SwarmEvent) {
    let c = &mut state.cluster.control;
    match event {
        SwarmEvent::Applied(s) => {
            if let Some(seen) = c.swarm_resync.as_mut() {
                seen.insert(s.key.clone());
            }
            c.swarms.insert(s.key.clone(), *s);
        }
        SwarmEvent::Deleted(key) => {
            c.swarms.remove(&key);
        }
        SwarmEvent::ResyncStarted => c.swarm_resync = Some(HashSet::new()),
        SwarmEvent::ResyncDone => {
            if let Some(seen) = c.swarm_resync.take() {
                c.swarms.retain(|k, _| seen.contains(k));
            }
        }
        SwarmEvent::Absent => {
            c.swarms.clear();
            c.swarm_resync = None;
        }
    }
}

/// The saturation banners, most runs first.
pub fn saturation(state: &State) -> Vec<Saturation> {
    state
        .cluster
        .control
        .blocked
        .saturated(state.cluster.control.saturation_threshold)
}

/// Rows the saturation banner takes above the board: one while a scope is saturated (not
/// over the log view, which has its own header).
pub fn banner_rows(state: &State) -> u16 {
    let saturated = state.cluster.control.blocked.total()
        >= state.cluster.control.saturation_threshold
        && !saturation(state).is_empty();
    u16::from(saturated && !super::logs::is_open(state))
}

/// What a Swarm holds back (frozen, paused), for the title and the launch confirmation.
pub fn swarm_holds(state: &State, namespace: Option<&str>) -> Vec<String> {
    state
        .cluster
        .control
        .swarms
        .values()
        .filter(|s| namespace.is_none_or(|n| s.key.namespace == n))
        .filter_map(|s| s.hold(state.now))
        .collect()
}

/// Why launching into `namespace` deserves a second thought: a saturated queue there, a frozen
/// or paused Swarm. Empty: nothing in the way.
pub fn launch_warnings(state: &State, namespace: &str) -> Vec<String> {
    crate::domain::control::counts::launch_hold(
        &saturation(state),
        state.cluster.control.swarms.values(),
        namespace,
        state.now,
    )
}

/// Starts following runs the operator just cancelled or deleted.
pub fn follow(state: &mut State, runs: &[ObjectKey], intent: Intent, batch: String) {
    let now = state.now;
    state
        .cluster
        .control
        .follows
        .retain(|f| !runs.contains(&f.run));
    for key in runs {
        state.cluster.control.follows.push(Followed {
            run: key.clone(),
            intent,
            issued_at: now,
            outcome: Outcome::Waiting("sent"),
            batch: batch.clone(),
            reported: false,
        });
    }
}

/// The verdict this session has on a run it cancelled or deleted.
pub fn followed<'a>(state: &'a State, key: &ObjectKey) -> Option<&'a Followed> {
    state.cluster.control.follows.iter().find(|f| &f.run == key)
}

/// Re-reads the verdicts (of one run, or all: the clock moves the "stuck" ones). A batch whose
/// runs all have one is reported, then forgotten; its verdicts stay on the cards while the runs
/// stay as they are.
fn refresh_follows(state: &mut State, only: Option<&ObjectKey>) {
    if state.cluster.control.follows.is_empty() {
        return;
    }
    let (now, stuck) = (state.now, state.cluster.control.terminating_stuck_after);
    // Read first, change only what moved: an idle tick must not count as a change of the screen.
    let moved: Vec<(usize, follow::Outcome)> = state
        .cluster
        .control
        .follows
        .iter()
        .enumerate()
        .filter(|(_, f)| only.is_none_or(|k| &f.run == k))
        .filter_map(|(i, f)| {
            let outcome = follow::observe(
                f.intent,
                f.issued_at,
                state.cluster.runs.get(&f.run),
                now,
                stuck,
            );
            (outcome != f.outcome).then_some((i, outcome))
        })
        .collect();
    let changed = !moved.is_empty();
    let mut late = Vec::new();
    for (i, outcome) in moved {
        let f = &mut state.cluster.control.follows[i];
        // A verdict already told that changes again (the stuck finalizer let go, the restarted
        // run ended) is told on its own.
        if f.reported && outcome.is_final() {
            late.push(format!("{}: {}", f.run.name, outcome.text()));
        }
        f.outcome = outcome;
    }
    if !late.is_empty() {
        state.cluster.control.verdicts.extend(late);
    }
    if changed {
        report_batches(state);
    }
}

fn report_batches(state: &mut State) {
    let batches: std::collections::BTreeSet<String> = state
        .cluster
        .control
        .follows
        .iter()
        .filter(|f| !f.reported)
        .map(|f| f.batch.clone())
        .collect();
    for batch in batches {
        let runs: Vec<&Followed> = state
            .cluster
            .control
            .follows
            .iter()
            .filter(|f| f.batch == batch && !f.reported)
            .collect();
        if !runs.iter().all(|f| f.outcome.is_final()) {
            continue;
        }
        let text = if let [one] = runs.as_slice() {
            format!("{}: {}", one.run.name, one.outcome.text())
        } else {
            let mut tally: BTreeMap<&str, usize> = BTreeMap::new();
            for f in &runs {
                *tally.entry(tally_word(&f.outcome)).or_default() += 1;
            }
            let parts: Vec<String> = tally.into_iter().map(|(k, n)| format!("{n} {k}")).collect();
            format!("{batch}: {}", parts.join(", "))
        };
        state.cluster.control.verdicts.push(text);
        for f in state
            .cluster
            .control
            .follows
            .iter_mut()
            .filter(|f| f.batch == batch)
        {
            f.reported = true;
        }
    }
    // A reported verdict stays on its card while it asks for something (cancel again, a stuck
    // finalizer); one that ended the matter goes.
    state
        .cluster
        .control
        .follows
        .retain(|f| !f.reported || f.outcome.needs_action());
}

fn tally_word(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Ended(_) => "cancelled",
        Outcome::Restarted { .. } => "restarted by retry (cancel again or delete)",
        Outcome::DeletionStuck { .. } => "stuck on a finalizer",
        Outcome::Deleted => "deleted",
        Outcome::Waiting(_) => "still going",
    }
}

/// Tells the operator the verdicts reached while handling one message, like the other
/// transitions that matter (toast, bell, desktop notification): first in the toast, so a run
/// failing *because* it was cancelled reads "cancelled" before "failed".
pub fn tell_verdicts(state: &mut State, effects: &mut Vec<Effect>) {
    if state.cluster.control.verdicts.is_empty() {
        return;
    }
    let text = std::mem::take(&mut state.cluster.control.verdicts).join(" · ");
    let toast_now = effects.iter().any(|e| matches!(e, Effect::Notify { .. }));
    let combined = match (state.toasts.current(state.now), toast_now) {
        (Some(current), true) => format!("{text} · {current}"),
        _ => text.clone(),
    };
    super::toasts::show(state, combined);
    effects.push(Effect::Notify {
        title: "swarm cockpit".into(),
        body: text,
    });
}

/// Once a second: verdicts that depend on the clock (a finalizer held too long).
pub fn on_tick(state: &mut State) {
    refresh_follows(state, None);
}

/// Whether a run's open PR makes its retention a risk.
pub fn pr_open(state: &State, run: &Run) -> bool {
    state
        .pr_for_run(run)
        .is_some_and(|pr| matches!(pr.state, PrState::Open | PrState::Draft))
}

/// The selected run, or a notice saying what to select.
fn selected_run_key(state: &mut State, what: &str) -> Option<ObjectKey> {
    match state.selected_card() {
        Some(CardId::Run(key)) if state.cluster.runs.contains_key(key) => Some(key.clone()),
        _ => {
            super::toasts::show(state, format!("select a run to {what}"));
            None
        }
    }
}

/// `R`: keep the selected finished run past its TTL (asks first; refused read-only).
pub fn retain(state: &mut State) -> Vec<Effect> {
    if state.settings.read_only {
        super::toasts::show(
            state,
            "read-only: retaining runs is disabled (started with --read-only)",
        );
        return Vec::new();
    }
    let Some(key) = selected_run_key(state, "retain") else {
        return Vec::new();
    };
    let Some(run) = state.cluster.runs.get(&key) else {
        return Vec::new();
    };
    if run.retained {
        super::toasts::show(state, format!("{} is already retained", key.name));
        return Vec::new();
    }
    let mut lines = vec![format!(
        "Annotates the AgentRun {}: {}: \"true\".",
        key,
        retention::RETAIN
    )];
    match retention::deletes_at(run) {
        Some(at) => lines.push(format!(
            "Without it the controller deletes the run, its pods and logs at {} ({}).",
            at.format("%Y-%m-%d %H:%M UTC"),
            if !crate::domain::clock::reached(state.now, at) {
                format!("in {}", crate::domain::clock::countdown(state.now, at))
            } else {
                "due now".into()
            }
        )),
        None => lines.push("It has no TTL running yet: it is kept once it finishes, too.".into()),
    }
    lines.push(
        "Remove the annotation (kubectl annotate … retain-) to let the sweep take it.".into(),
    );
    state.screens.open(super::screen::Screen::Confirm(Confirm {
        title: format!("Retain run {}?", key.name),
        lines,
        action: ConfirmAction::RetainRuns(vec![key]),
        typed_word: None,
        typed: String::new(),
    }));
    Vec::new()
}

/// `S`: every pod log of the selected run, written to files before retention takes them.
pub fn save_logs(state: &mut State) -> Vec<Effect> {
    let Some(key) = selected_run_key(state, "save the logs of") else {
        return Vec::new();
    };
    let Some(run) = state.cluster.runs.get(&key) else {
        return Vec::new();
    };
    let query = super::logs::PodQuery {
        run: key.clone(),
        job: run.runtime_ref.as_ref().and_then(|r| r.name.clone()),
        phase: run.phase.clone(),
    };
    let dir = state
        .logs
        .settings
        .save_dir
        .clone()
        .unwrap_or_else(|| std::path::PathBuf::from("."))
        .join(format!(
            "{}-{}",
            safe(&key.name),
            state.now.format("%Y%m%d-%H%M%S")
        ));
    super::toasts::show(state, format!("saving the logs of {}…", key.name));
    vec![Effect::SaveRunLogs { query, dir }]
}

fn safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::state::Origin;
    use crate::app::{Msg, Resource, SourceEvent, update};
    use crate::domain::control::wave_tally::WaveCount;
    use crate::domain::{Phase, Plan, ResourceKind, Run, WorkItem, labels};
    use proptest::prelude::*;
    use serde_json::json;

    const PHASES: [&str; 5] = ["Pending", "Running", "Succeeded", "Failed", "Cancelled"];
    /// The plan puts item-0 in wave 3 when neither the item nor its run says otherwise.
    const PLAN: &str = "[[lane]]\nid = \"A\"\ntitle = \"a\"\nowns = [\"a/**\"]\n\n[[item]]\nname = \"item-0\"\nlane = \"A\"\nwave = 3\nsummary = \"s\"\n";

    #[derive(Debug, Clone)]
    enum Event {
        Run {
            name: u8,
            wave: Option<u8>,
            item: Option<u8>,
            phase: usize,
            template: bool,
        },
        RunGone(u8),
        Item {
            name: u8,
            wave: Option<u8>,
        },
        ItemGone(u8),
    }

    fn event() -> impl Strategy<Value = Event> {
        prop_oneof![
            5 => (0u8..6, proptest::option::of(1u8..4), proptest::option::of(0u8..3), 0..PHASES.len(), proptest::bool::weighted(0.1))
                .prop_map(|(name, wave, item, phase, template)| Event::Run { name, wave, item, phase, template }),
            1 => (0u8..6).prop_map(Event::RunGone),
            2 => (0u8..3, proptest::option::of(1u8..4)).prop_map(|(name, wave)| Event::Item { name, wave }),
            1 => (0u8..3).prop_map(Event::ItemGone),
        ]
    }

    fn msg(e: Event) -> SourceEvent {
        match e {
            Event::Run {
                name,
                wave,
                item,
                phase,
                template,
            } => {
                let mut labels = serde_json::Map::new();
                if let Some(w) = wave {
                    labels.insert(labels::WAVE.into(), json!(w.to_string()));
                }
                if let Some(i) = item {
                    labels.insert(labels::WORK_ITEM.into(), json!(format!("item-{i}")));
                }
                let annotations = if template {
                    json!({labels::TEMPLATE: "true"})
                } else {
                    json!({})
                };
                let run = Run::from_json(&json!({
                    "metadata": {"name": format!("run-{name}"), "namespace": "ns",
                                 "labels": labels, "annotations": annotations},
                    "status": {"phase": PHASES[phase]}
                }));
                SourceEvent::Applied(Resource::Run(Box::new(run)))
            }
            Event::RunGone(name) => SourceEvent::Deleted(
                ResourceKind::AgentRun,
                ObjectKey::new("ns", format!("run-{name}")),
            ),
            Event::Item { name, wave } => {
                let labels = match wave {
                    Some(w) => json!({labels::WAVE: w.to_string()}),
                    None => json!({}),
                };
                let item = WorkItem::from_json(&json!({
                    "metadata": {"name": format!("item-{name}"), "namespace": "ns", "labels": labels},
                    "spec": {"text": "x"}
                }));
                SourceEvent::Applied(Resource::WorkItem(Box::new(item)))
            }
            Event::ItemGone(name) => SourceEvent::Deleted(
                ResourceKind::ImplementationSpec,
                ObjectKey::new("ns", format!("item-{name}")),
            ),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// The wave counts kept per event (a run's wave from its label, else its work item's,
        /// else the plan's) equal a count over every run from scratch, through runs moving
        /// waves, items relabelled or deleted, templates, and a new plan.
        #[test]
        fn wave_counts_kept_per_event_equal_a_recount(
            events in proptest::collection::vec(event(), 1..40),
            reload_plan_at in 0usize..40,
        ) {
            let plan = Plan::parse(PLAN, "plan.toml").expect("plan");
            let mut state = State::new(plan, Origin::default(), chrono::Utc::now());
            for (i, e) in events.into_iter().enumerate() {
                if i == reload_plan_at {
                    let empty = Plan::parse("", "other.toml").expect("plan");
                    update(&mut state, Msg::Op(crate::app::msg::OpResult::PlanLoaded(Box::new(empty))));
                }
                update(&mut state, Msg::Source(msg(e)));
                for wave in 1..5 {
                    let mine: Vec<&Phase> = state
                        .cluster
                        .runs
                        .values()
                        .filter(|r| placement::in_wave(r, &state.cluster.items, &state.settings.plan, wave))
                        .map(|r| &r.phase)
                        .collect();
                    let expected = WaveCount {
                        runs: mine.len() as u32,
                        ended: mine.iter().filter(|p| p.is_terminal()).count() as u32,
                        succeeded: mine.iter().filter(|p| ***p == Phase::Succeeded).count() as u32,
                    };
                    prop_assert_eq!(state.cluster.control.waves.get(wave), expected, "wave {}", wave);
                }
            }
        }
    }
}
