//! The wave planner and the run-level actions: plan (`w`), check, confirm and launch (`L`),
//! cancel (`x`: delete the run's Jobs, keep the record) and delete (`X`), for one run or a whole
//! wave. Every mutating action is refused in read-only mode and asks for a confirmation that says
//! what it will do. Pure: it returns effects.
use super::board::CardId;
use super::effect::Effect;
use super::keymap::{self, TypedConfirmAction, WavesAction, YesNoAction};
use super::msg::{LaunchOutcome, OpResult};
use super::screen::Screen;
use super::state::{Mode, State};
use crate::domain::checks::{Finding, Severity, has_errors};
use crate::domain::control::follow::Intent;
use crate::domain::pr::PrState;
use crate::domain::wave::{self, GateContext, Overrides, Wave};
use crate::domain::{ObjectKey, Run, WorkItem, placement};
use crossterm::event::{KeyCode, KeyEvent};
use std::collections::BTreeSet;

/// The word the operator types to launch before the previous wave merged.
pub const OVERRIDE_WORD: &str = "override";

#[derive(Debug, Clone, PartialEq)]
pub enum ConfirmAction {
    Launch {
        wave: u32,
        manifests: Vec<serde_json::Value>,
    },
    CancelRuns(Vec<ObjectKey>),
    DeleteRuns(Vec<ObjectKey>),
    /// Annotate the runs `agents.proompteng.ai/retain: "true"`.
    RetainRuns(Vec<ObjectKey>),
    /// Typing the override word allows an unmerged previous wave for this launch.
    OverrideUnmerged,
}

/// A pending confirmation: what it says, and (for typed ones) what must be typed.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub title: String,
    pub lines: Vec<String>,
    pub action: ConfirmAction,
    pub typed_word: Option<&'static str>,
    pub typed: String,
}

/// Launch progress of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct LaunchRow {
    pub name: String,
    pub namespace: String,
    pub lane: String,
    pub outcome: Option<LaunchOutcome>,
}

#[derive(Debug, Clone, Default)]
pub struct WaveView {
    /// Index into the planned waves.
    pub selected: usize,
    pub overrides: Overrides,
    pub progress: Vec<LaunchRow>,
    pub scroll: u16,
}

/// The waves as planned from the cluster's work items (approved or not: the view says which).
pub fn waves(state: &State) -> Vec<Wave> {
    wave::plan_waves(state.cluster.items.values(), &state.settings.plan)
}

/// Every work item's PR state (its newest run's PR), in one pass over the runs.
pub fn item_pr_states(
    state: &State,
) -> std::collections::HashMap<crate::domain::ObjectKey, PrState> {
    crate::domain::pr_link::item_pr_states(&state.cluster.prs, state.cluster.runs.values())
}

/// The gates for the selected wave.
pub fn gates(state: &State, waves: &[Wave], index: usize, overrides: &Overrides) -> Vec<Finding> {
    let Some(wave) = waves.get(index) else {
        return Vec::new();
    };
    let items: Vec<&WorkItem> = state.cluster.items.values().collect();
    let runs: Vec<&Run> = state.cluster.runs.values().collect();
    let states = item_pr_states(state);
    let pr_state = |item: &WorkItem| states.get(&item.key).copied();
    let ctx = GateContext {
        plan: &state.settings.plan,
        all_items: &items,
        runs: &runs,
        pr_state: &pr_state,
        head_prefix: &state.settings.head_prefix,
        guardrails: &state.settings.guardrails,
        settings: &state.settings.launch_settings,
        overrides,
        approvals: &state.settings.approvals,
        now: state.now,
    };
    wave::gate_wave(wave, waves, &ctx)
}

/// The manifests launching the selected wave would create.
pub fn manifests(state: &State, wave: &Wave, overrides: &Overrides) -> Vec<serde_json::Value> {
    let at = state.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut settings = state.settings.launch_settings.clone();
    settings.operator = state.settings.operator.clone();
    wave.items
        .iter()
        .map(|item| {
            wave::run_manifest(
                item,
                wave.number,
                &state.settings.plan,
                &settings,
                &at,
                overrides,
            )
        })
        .collect()
}

fn refuse_read_only(state: &mut State, what: &str) -> bool {
    if state.settings.read_only {
        super::toasts::show(
            state,
            format!("read-only: {what} is disabled (started with --read-only)"),
        );
    }
    state.settings.read_only
}

/// `w`: the planner.
pub fn open(state: &mut State) -> Vec<Effect> {
    // `w` from inside the planner's own overlays (help) returns to the planner as it was.
    if state.screens.is_open(Mode::Waves) {
        while state.mode() != Mode::Waves {
            state.screens.back();
        }
    } else {
        state.screens.open(Screen::Waves(WaveView::default()));
    }
    Vec::new()
}

fn ask(state: &mut State, confirm: Confirm) {
    state.screens.open(Screen::Confirm(confirm));
}

fn lanes_of(items: &[WorkItem]) -> String {
    let lanes: BTreeSet<&str> = items.iter().filter_map(placement::item_lane).collect();
    lanes.into_iter().collect::<Vec<_>>().join(", ")
}

/// `L`: check the wave; refuse with the findings, or ask to confirm the launch.
pub fn launch(state: &mut State) -> Vec<Effect> {
    if refuse_read_only(state, "launching a wave") {
        return Vec::new();
    }
    let all = waves(state);
    let view = state.screens.waves().cloned().unwrap_or_default();
    let Some(wave) = all.get(view.selected) else {
        super::toasts::show(state, "no wave to launch: approve work items first");
        return Vec::new();
    };
    let findings = gates(state, &all, view.selected, &view.overrides);
    if has_errors(&findings) {
        let unmerged_only = findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .all(|f| f.check == crate::domain::checks::CheckId::MergeOrder);
        let n = findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count();
        super::toasts::show(
            state,
            if unmerged_only {
                "launch refused: an earlier wave is not merged (O to override, typed and recorded)"
                    .to_string()
            } else {
                format!("launch refused: {n} gate(s) fail — see the findings")
            },
        );
        return Vec::new();
    }
    let manifests = manifests(state, wave, &view.overrides);
    let mut lines = vec![format!(
        "Create {} AgentRun(s) for wave {} ({}) in lanes {}:",
        manifests.len(),
        wave.number,
        wave.title,
        lanes_of(&wave.items)
    )];
    for m in &manifests {
        lines.push(format!(
            "  {}  → {}",
            m["metadata"]["name"].as_str().unwrap_or_default(),
            m["spec"]["parameters"]["head"].as_str().unwrap_or_default()
        ));
    }
    if state.settings.approvals.is_unverified() {
        lines.push("⚠ approvals are unverified: no [approvals] allowed_signers is configured, so anyone with write access could have written them".into());
    }
    if view.overrides.prompt {
        lines.push("⚠ prompt override: the prompt parameter replaces the spec text; current schemas reject it".into());
    }
    if view.overrides.unmerged_previous_wave {
        lines.push("⚠ launching before the previous wave merged (recorded on each run)".into());
    }
    let count = manifests.len();
    let namespaces: BTreeSet<&str> = manifests
        .iter()
        .filter_map(|m| m["metadata"]["namespace"].as_str())
        .collect();
    let held: Vec<String> = namespaces
        .into_iter()
        .flat_map(|ns| super::control::launch_warnings(state, ns))
        .collect();
    let title = if held.is_empty() {
        format!("Launch wave {}: {count} run(s)?", wave.number)
    } else {
        format!(
            "Launch wave {}: {count} run(s) although new work will wait?",
            wave.number
        )
    };
    lines.extend(held);
    ask(
        state,
        Confirm {
            title,
            lines,
            action: ConfirmAction::Launch {
                wave: wave.number,
                manifests,
            },
            typed_word: None,
            typed: String::new(),
        },
    );
    Vec::new()
}

/// `O` in the planner: the typed confirmation to launch before the previous wave merged.
pub fn ask_override(state: &mut State) -> Vec<Effect> {
    if refuse_read_only(state, "overriding the merge order") {
        return Vec::new();
    }
    let accept = state
        .settings
        .keymap
        .confirm_typed
        .key_hint(TypedConfirmAction::Accept);
    ask(
        state,
        Confirm {
            title: "Launch before the previous wave merged?".into(),
            lines: vec![
                "The seed merges in dependency order: safety + order firewall first.".into(),
                "Launching early is recorded on every run it creates.".into(),
                format!("Type {OVERRIDE_WORD:?} and press {accept} to allow it for this launch."),
            ],
            action: ConfirmAction::OverrideUnmerged,
            typed_word: Some(OVERRIDE_WORD),
            typed: String::new(),
        },
    );
    Vec::new()
}

/// `x` / `X` on a run card (or the selected wave in the planner): cancel or delete its runs.
pub fn cancel(state: &mut State, delete: bool, whole_wave: bool) -> Vec<Effect> {
    let what = if delete {
        "deleting runs"
    } else {
        "cancelling runs"
    };
    if refuse_read_only(state, what) {
        return Vec::new();
    }
    let (targets, scope) = if whole_wave {
        let all = waves(state);
        let index = state.screens.waves().map_or(0, |v| v.selected);
        let Some(wave) = all.get(index) else {
            return Vec::new();
        };
        let runs: Vec<ObjectKey> = placement::wave_targets(
            state.cluster.runs.values(),
            &state.cluster.items,
            &state.settings.plan,
            wave.number,
            delete,
        )
        .into_iter()
        .map(|r| r.key.clone())
        .collect();
        (runs, format!("wave {}", wave.number))
    } else {
        match state.selected_card() {
            Some(CardId::Run(key)) => (vec![key.clone()], format!("run {}", key.name)),
            _ => {
                super::toasts::show(state, "select a run to cancel");
                return Vec::new();
            }
        }
    };
    if targets.is_empty() {
        super::toasts::show(state, format!("{scope}: no run in flight to cancel"));
        return Vec::new();
    }
    let n = targets.len();
    let (title, lines, action) = if delete {
        (
            if whole_wave {
                format!("Delete {n} AgentRun(s) of {scope}?")
            } else {
                format!("Delete {scope}?")
            },
            vec![
                "Deletes the AgentRun objects; the controller tears their workloads down first."
                    .into(),
                "The record of the run is gone afterwards (x cancels and keeps it).".into(),
            ],
            ConfirmAction::DeleteRuns(targets),
        )
    } else {
        (
            if whole_wave { format!("Cancel {n} run(s) of {scope}?") } else { format!("Cancel {scope}?") },
            vec![
                "Deletes the runs' Jobs (label agents.proompteng.ai/agent-run=<run>), as upstream's CLI does.".into(),
                "The AgentRuns stay for the record; the controller marks them Failed (JobMissing).".into(),
            ],
            ConfirmAction::CancelRuns(targets),
        )
    };
    ask(
        state,
        Confirm {
            title,
            lines,
            action,
            typed_word: None,
            typed: String::new(),
        },
    );
    Vec::new()
}

/// Keys while a confirmation is open: `y` (or the typed word + enter) confirms, `n`/`esc` cancels.
pub fn on_confirm_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Screen::Confirm(confirm) = state.screens.front_mut() else {
        return Vec::new();
    };
    let accepted = match confirm.typed_word {
        // A typed confirmation is text entry: letters are the word, never bindings.
        Some(word) => {
            if let Some(c) = keymap::typed_char(&key) {
                confirm.typed.push(c);
                return Vec::new();
            }
            match state.settings.keymap.confirm_typed.action(&key) {
                Some(TypedConfirmAction::Cancel) => false,
                Some(TypedConfirmAction::Accept) => {
                    if confirm.typed.trim() != word {
                        confirm.typed.clear();
                        return Vec::new();
                    }
                    true
                }
                None => {
                    if key.code == KeyCode::Backspace {
                        confirm.typed.pop();
                    }
                    return Vec::new();
                }
            }
        }
        None => match state.settings.keymap.confirm.action(&key) {
            Some(YesNoAction::Yes) => true,
            Some(YesNoAction::No) => false,
            None => return Vec::new(),
        },
    };
    let Screen::Confirm(confirm) = state.screens.back() else {
        return Vec::new();
    };
    if !accepted {
        super::toasts::show(state, "nothing done");
        return Vec::new();
    }
    match confirm.action {
        ConfirmAction::OverrideUnmerged => {
            if let Some(view) = state.screens.waves_mut() {
                view.overrides.unmerged_previous_wave = true;
            }
            let launch = state.settings.keymap.waves.key_hint(WavesAction::Launch);
            super::toasts::show(
                state,
                format!("override armed: {launch} launches, and records it on each run"),
            );
            Vec::new()
        }
        ConfirmAction::Launch { wave, manifests } => {
            let watched = state.cluster.origin.namespace.clone().unwrap_or_default();
            if let Some(view) = state.screens.waves_mut() {
                view.progress = manifests
                    .iter()
                    .map(|m| LaunchRow {
                        name: m["metadata"]["name"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                        namespace: m["metadata"]["namespace"]
                            .as_str()
                            .map_or_else(|| watched.clone(), str::to_owned),
                        lane: m["metadata"]["labels"][crate::domain::labels::LANE]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                        outcome: None,
                    })
                    .collect();
                // An override is good for one launch only.
                view.overrides = Overrides::default();
            }
            vec![Effect::LaunchRuns { wave, manifests }]
        }
        ConfirmAction::CancelRuns(runs) => {
            let batch = confirm.title.trim_end_matches('?').to_lowercase();
            super::control::follow(state, &runs, Intent::Cancel, batch);
            vec![Effect::CancelRuns(runs)]
        }
        ConfirmAction::DeleteRuns(runs) => {
            let batch = confirm.title.trim_end_matches('?').to_lowercase();
            super::control::follow(state, &runs, Intent::Delete, batch);
            vec![Effect::DeleteRuns(runs)]
        }
        ConfirmAction::RetainRuns(runs) => vec![Effect::RetainRuns(runs)],
    }
}

/// Keys in the planner.
pub fn on_waves_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let count = waves(state).len();
    let Some(action) = state.settings.keymap.waves.action(&key) else {
        return Vec::new();
    };
    let Screen::Waves(view) = state.screens.front_mut() else {
        return Vec::new();
    };
    match action {
        WavesAction::Down => {
            view.selected = (view.selected + 1).min(count.saturating_sub(1));
            view.overrides = Overrides::default();
        }
        WavesAction::Up => {
            view.selected = view.selected.saturating_sub(1);
            view.overrides = Overrides::default();
        }
        WavesAction::ScrollDown => view.scroll = view.scroll.saturating_add(1),
        WavesAction::ScrollUp => view.scroll = view.scroll.saturating_sub(1),
        WavesAction::Launch => return launch(state),
        WavesAction::Override => return ask_override(state),
        WavesAction::PromptOverride if !state.settings.read_only => {
            view.overrides.prompt = !view.overrides.prompt;
            let on = view.overrides.prompt;
            super::toasts::show(
                state,
                if on {
                    "prompt override ON: a prompt parameter will override the spec text (current schemas reject it)"
                } else {
                    "prompt override off"
                },
            );
        }
        WavesAction::PromptOverride => {}
        WavesAction::Cancel => return cancel(state, false, true),
        WavesAction::Delete => return cancel(state, true, true),
        WavesAction::Audit => {
            let wave = waves(state)
                .get(state.screens.waves().map_or(0, |v| v.selected))
                .map(|w| w.number);
            return super::audit::open(state, wave);
        }
        WavesAction::Help => super::help::open(state),
        WavesAction::Back => {
            state.screens.back();
        }
    }
    Vec::new()
}

/// Outcomes of launches and cancels.
pub fn on_op(state: &mut State, result: &OpResult) {
    match result {
        OpResult::Launched { name, outcome } => {
            if let Some(row) = state
                .screens
                .waves_mut()
                .and_then(|v| v.progress.iter_mut().find(|r| &r.name == name))
            {
                row.outcome = Some(outcome.clone());
            }
        }
        OpResult::RunsChanged { what, done, failed } => {
            let text = if failed.is_empty() {
                format!("{what}: {done} run(s) done")
            } else {
                format!(
                    "{what}: {done} done, {} failed: {}",
                    failed.len(),
                    failed.join("; ")
                )
            };
            super::toasts::show(state, text);
        }
        _ => {}
    }
}
