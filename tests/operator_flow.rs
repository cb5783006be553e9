//! Pure tests of the operator features: the command palette, notifications on transitions, the
//! run timeline and stuck runs.
mod common;

use common::*;
use crossterm::event::KeyCode;
use serde_json::json;
use swarm_cockpit::app::msg::OpResult;
use swarm_cockpit::app::state::Mode;
use swarm_cockpit::app::{ConnState, Effect, Msg, SourceEvent, State, update};
use swarm_cockpit::domain::manifest::ItemDraft;
use swarm_cockpit::domain::pr::{ChecksRollup, PrState, PullRequest};
use swarm_cockpit::domain::{Phase, ResourceKind, Run};

fn typed(s: &mut State, text: &str) -> Vec<Effect> {
    text.chars()
        .flat_map(|c| update(s, key(KeyCode::Char(c))))
        .collect()
}

fn palette(s: &mut State, line: &str) -> Vec<Effect> {
    let mut effects = update(s, key(KeyCode::Char(':')));
    assert_eq!(s.mode(), Mode::Palette);
    effects.extend(typed(s, line));
    effects.extend(update(s, key(KeyCode::Enter)));
    effects
}

#[test]
fn palette_commands_do_what_they_say() {
    let mut s = populated();
    assert_eq!(palette(&mut s, "lane B"), vec![]);
    assert_eq!(s.mode(), Mode::Board);
    assert_eq!(selected_name(&s).as_deref(), Some("b-pending"));
    assert_eq!(
        palette(&mut s, "theme light"),
        vec![Effect::SetTheme("light".into())]
    );
    assert_eq!(
        palette(&mut s, "ns other"),
        vec![Effect::SwitchTarget {
            context: None,
            namespace: Some("other".into())
        }]
    );
    assert_eq!(
        palette(&mut s, "ctx kind-b"),
        vec![Effect::SwitchTarget {
            context: Some("kind-b".into()),
            namespace: None
        }]
    );
    assert_eq!(
        palette(&mut s, "plan /tmp/p.toml"),
        vec![Effect::LoadPlan("/tmp/p.toml".into())]
    );
    assert_eq!(palette(&mut s, "readonly"), vec![Effect::EnterReadOnly]);
    assert!(s.settings.read_only);
    assert_eq!(palette(&mut s, "quit"), vec![Effect::Quit]);
}

#[test]
fn palette_completes_fuzzily_and_explains_mistakes() {
    let mut s = populated();
    update(
        &mut s,
        Msg::Op(OpResult::Contexts(vec![
            "kind-swarm".into(),
            "prod-east".into(),
        ])),
    );
    update(&mut s, key(KeyCode::Char(':')));
    typed(&mut s, "prd");
    let found =
        swarm_cockpit::app::palette::matches(&s, &s.screens.palette().expect("palette").input);
    assert_eq!(found.first().map(String::as_str), Some("ctx prod-east"));
    // tab completes the selection, enter runs it.
    update(&mut s, key(KeyCode::Tab));
    assert_eq!(s.screens.palette().expect("palette").input, "ctx prod-east");
    let effects = update(&mut s, key(KeyCode::Enter));
    assert_eq!(
        effects,
        vec![Effect::SwitchTarget {
            context: Some("prod-east".into()),
            namespace: None
        }]
    );

    // A lane that does not exist, and an unknown command: the palette stays open with the reason.
    assert!(palette(&mut s, "lane Q").is_empty());
    assert_eq!(s.mode(), Mode::Palette);
    assert_eq!(
        s.screens.palette().and_then(|p| p.error.clone()).as_deref(),
        Some("no lane \"Q\" on the board")
    );
    update(&mut s, key(KeyCode::Esc));
    update(&mut s, key(KeyCode::Char(':')));
    typed(&mut s, "zzzzzz");
    update(&mut s, key(KeyCode::Enter));
    assert!(
        s.screens
            .palette()
            .and_then(|p| p.error.clone())
            .is_some_and(|e| e.contains("unknown command"))
    );
    update(&mut s, key(KeyCode::Esc));
    assert_eq!(s.mode(), Mode::Board);
}

#[test]
fn a_target_switch_clears_what_belonged_to_the_old_one() {
    let mut s = populated();
    update(
        &mut s,
        Msg::Op(OpResult::TargetSwitched {
            context: "prod".into(),
            namespace: None,
        }),
    );
    assert!(s.cluster.runs.is_empty());
    assert_eq!(s.cluster.origin.context, "prod");
    assert_eq!(s.cluster.origin.namespace, None);
    assert_eq!(s.overall_connection(), ConnState::Connecting);
    assert!(
        s.toasts
            .current(s.now)
            .is_some_and(|n| n.contains("prod · all namespaces"))
    );
}

/// The old target's PRs, timelines, open editor and log view cannot survive a switch: the
/// cluster data is replaced whole, the editor's text is kept as a draft, the log stream stops.
#[test]
fn a_target_switch_leaves_no_pr_history_or_editor_of_the_old_cluster() {
    let mut s = populated();
    let now = s.now;
    update(
        &mut s,
        Msg::Source(SourceEvent::PullRequest(Box::new(PullRequest::new(
            "proompteng/lab",
            "codex/swarm/a-running",
            7,
            PrState::Open,
            now,
        )))),
    );
    assert!(!s.cluster.prs.is_empty());
    assert!(
        !s.cluster.history.is_empty(),
        "the listing started timelines"
    );
    // An editor with typed text in it (the name field has focus).
    s.ui.lane = 0;
    update(&mut s, ch('n'));
    assert_eq!(s.mode(), Mode::Editor);
    for m in common::typed("y") {
        update(&mut s, m);
    }
    assert!(s.screens.editor().is_some_and(|e| e.changed));
    let old_context = s.cluster.origin.context.clone();
    let effects = update(
        &mut s,
        Msg::Op(OpResult::TargetSwitched {
            context: "prod".into(),
            namespace: Some("agents".into()),
        }),
    );
    assert!(s.cluster.runs.is_empty() && s.cluster.prs.is_empty());
    assert!(s.cluster.history.is_empty());
    assert_eq!(s.mode(), Mode::Board);
    assert!(s.screens.editor().is_none());
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::WriteDraft(d) if d.context.as_deref() == Some(old_context.as_str()))),
        "the operator's text is kept, as a draft of the cluster it was typed against: {effects:?}"
    );
    assert!(
        effects.contains(&Effect::OfferDrafts),
        "the new target's drafts are offered: {effects:?}"
    );
    // The draft just kept belongs to the old cluster: not offered here (it would be saved into
    // prod's namespace of the same name); prod's own draft and an unscoped one are.
    let draft = |context: Option<&str>, name: &str| ItemDraft {
        context: context.map(str::to_owned),
        namespace: "agents".into(),
        name: name.into(),
        lane: Some("A".into()),
        wave: None,
        depends_on: vec![],
        text: "## Objective\nwords\n".into(),
        base_resource_version: None,
    };
    update(
        &mut s,
        Msg::Op(OpResult::DraftsFound(vec![
            draft(Some(&old_context), "typed-before-the-switch"),
            draft(Some("prod"), "typed-in-prod"),
            draft(None, "from-an-earlier-version"),
        ])),
    );
    assert_eq!(s.mode(), Mode::Drafts);
    let offered: Vec<&str> = s
        .screens
        .drafts()
        .unwrap_or_default()
        .iter()
        .map(|d| d.name.as_str())
        .collect();
    assert_eq!(offered, ["typed-in-prod", "from-an-earlier-version"]);
    // Restoring the unscoped one adopts it into prod: written there first, then its old file goes.
    update(&mut s, ch('r'));
    assert_eq!(
        s.screens.editor().and_then(|e| e.context.as_deref()),
        Some("prod")
    );
    update(&mut s, key(KeyCode::Esc));
    assert_eq!(s.mode(), Mode::Drafts, "the other draft is still offered");
    let effects = update(&mut s, ch('r'));
    assert_eq!(s.mode(), Mode::Editor);
    assert!(
        matches!(effects.as_slice(),
            [Effect::WriteDraft(d), Effect::DeleteDraft { context: None, name, .. }]
            if d.context.as_deref() == Some("prod") && d.name == "from-an-earlier-version" && name == "from-an-earlier-version"),
        "{effects:?}"
    );
}

#[test]
fn a_target_switch_closes_the_old_clusters_log_view_and_stops_its_stream() {
    let mut s = populated();
    // The first card of lane A is a run: its logs.
    update(&mut s, ch('L'));
    assert_eq!(s.mode(), Mode::Logs);
    update(&mut s, ch('?'));
    assert_eq!(s.mode(), Mode::Help, "help over the logs");
    let effects = update(
        &mut s,
        Msg::Op(OpResult::TargetSwitched {
            context: "prod".into(),
            namespace: None,
        }),
    );
    assert_eq!(s.mode(), Mode::Board);
    assert!(s.screens.logs().is_none());
    assert!(effects.contains(&Effect::StopLogs), "{effects:?}");
}

fn initial_list(s: &mut State, runs: Vec<Run>) {
    update(
        s,
        Msg::Source(SourceEvent::ResyncStarted(ResourceKind::AgentRun)),
    );
    for r in runs {
        apply_run(s, r);
    }
    update(
        s,
        Msg::Source(SourceEvent::ResyncDone(ResourceKind::AgentRun)),
    );
}

fn wave_run(name: &str, phase: &str) -> Run {
    Run::from_json(
        &json!({"metadata": {"name": name, "namespace": "agents", "creationTimestamp": "2026-02-10T11:00:00Z",
        "labels": {"swarm.proompteng.ai/lane": "A", "swarm.proompteng.ai/wave": "1"}},
        "spec": {}, "status": {"phase": phase, "reason": "JobFailed"}}),
    )
}

#[test]
fn a_failed_run_and_a_finished_wave_notify_once() {
    let mut s = state();
    initial_list(
        &mut s,
        vec![wave_run("a", "Running"), wave_run("b", "Succeeded")],
    );
    let effects = update(
        &mut s,
        Msg::Source(SourceEvent::Applied(swarm_cockpit::app::Resource::Run(
            Box::new(wave_run("a", "Failed")),
        ))),
    );
    let titles: Vec<&str> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Notify { title, .. } => Some(title.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(titles, ["Run failed", "Wave finished"]);
    assert!(s.toasts.current(s.now).is_some());
    // The same state again is not news.
    let effects = update(
        &mut s,
        Msg::Source(SourceEvent::Applied(swarm_cockpit::app::Resource::Run(
            Box::new(wave_run("a", "Failed")),
        ))),
    );
    assert!(effects.is_empty());
    // The timeline saw the change.
    let history = &s.cluster.history[&swarm_cockpit::domain::ObjectKey::new("agents", "a")];
    assert_eq!(
        history.iter().map(|seen| seen.phase()).collect::<Vec<_>>(),
        [Phase::Running, Phase::Failed]
    );
}

/// The timeline's history is bounded per run under churn, and goes with the run (deleted, or
/// gone from a relist).
#[test]
fn phase_history_is_capped_and_pruned() {
    use swarm_cockpit::app::state::MAX_HISTORY as HISTORY_PER_RUN;
    use swarm_cockpit::domain::ObjectKey;
    let mut s = state();
    initial_list(
        &mut s,
        vec![wave_run("a", "Pending"), wave_run("b", "Pending")],
    );
    let phases = ["Running", "Failed", "Pending", "Succeeded"];
    for i in 0..(HISTORY_PER_RUN * 3) {
        apply_run(&mut s, wave_run("a", phases[i % phases.len()]));
    }
    let a = ObjectKey::new("agents", "a");
    let history = &s.cluster.history[&a];
    assert_eq!(history.len(), HISTORY_PER_RUN);
    let last = phases[(HISTORY_PER_RUN * 3 - 1) % phases.len()];
    assert_eq!(
        history.last().map(|seen| seen.phase()),
        Some(Phase::parse(Some(last)))
    );
    update(
        &mut s,
        Msg::Source(SourceEvent::Deleted(ResourceKind::AgentRun, a.clone())),
    );
    assert!(!s.cluster.history.contains_key(&a));
    // A relist that no longer has "b" drops its history with it.
    assert!(
        s.cluster
            .history
            .contains_key(&ObjectKey::new("agents", "b"))
    );
    initial_list(&mut s, vec![]);
    assert!(
        s.cluster.history.is_empty(),
        "{:?}",
        s.cluster.history.keys()
    );
}

fn notices(effects: &[Effect]) -> Vec<&str> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Notify { title, .. } => Some(title.as_str()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_wave_finishes_only_when_the_runs_whose_wave_is_their_work_items_finish_too() {
    let mut s = state();
    // Work item `fw` is in wave 1 by its own label; its run `b` carries no wave label.
    update(
        &mut s,
        Msg::Source(SourceEvent::Applied(
            swarm_cockpit::app::Resource::WorkItem(Box::new(
                swarm_cockpit::domain::WorkItem::from_json(&json!({
                "metadata": {"name": "fw", "namespace": "agents",
                    "labels": {"swarm.proompteng.ai/lane": "A", "swarm.proompteng.ai/wave": "1"}},
                "spec": {"text": ""}})),
            )),
        )),
    );
    let unlabelled = |phase: &str| {
        Run::from_json(&json!({"metadata": {"name": "b", "namespace": "agents",
            "creationTimestamp": "2026-02-10T11:00:00Z"},
            "spec": {"implementationSpecRef": {"name": "fw"}}, "status": {"phase": phase}}))
    };
    initial_list(
        &mut s,
        vec![wave_run("a", "Running"), unlabelled("Running")],
    );
    let applied = |s: &mut State, r: Run| {
        update(
            s,
            Msg::Source(SourceEvent::Applied(swarm_cockpit::app::Resource::Run(
                Box::new(r),
            ))),
        )
    };
    // `b` still runs: wave 1 is not finished.
    assert_eq!(
        notices(&applied(&mut s, wave_run("a", "Failed"))),
        ["Run failed"]
    );
    // `b` was the last of wave 1.
    let effects = applied(&mut s, unlabelled("Succeeded"));
    assert_eq!(notices(&effects), ["Wave finished"]);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Notify { body, .. }
        if body == "wave 1 finished: 1 succeeded, 1 not"))
    );
}

#[test]
fn prs_going_green_or_red_notify() {
    let mut s = state();
    let pr = |checks: ChecksRollup| {
        let mut p = PullRequest::new("proompteng/lab", "codex/x", 7, PrState::Open, t0());
        p.checks = checks;
        Msg::Source(SourceEvent::PullRequest(Box::new(p)))
    };
    assert!(
        update(
            &mut s,
            pr(ChecksRollup {
                passing: 1,
                failing: 0,
                pending: 2
            })
        )
        .is_empty(),
        "first sight is not news"
    );
    let effects = update(
        &mut s,
        pr(ChecksRollup {
            passing: 3,
            failing: 0,
            pending: 0,
        }),
    );
    assert!(matches!(effects.as_slice(), [Effect::Notify { title, .. }] if title == "PR green"));
    let effects = update(
        &mut s,
        pr(ChecksRollup {
            passing: 2,
            failing: 1,
            pending: 0,
        }),
    );
    assert!(matches!(effects.as_slice(), [Effect::Notify { title, .. }] if title == "PR red"));
    assert!(
        update(
            &mut s,
            pr(ChecksRollup {
                passing: 2,
                failing: 1,
                pending: 0
            })
        )
        .is_empty()
    );
}

#[test]
fn runs_pending_too_long_are_flagged_stuck_as_time_passes() {
    let mut s = state();
    apply_run(&mut s, run("slow", Some("A"), None)); // created 11:50, Pending
    apply_run(&mut s, run("busy", Some("A"), Some("Running")));
    assert_eq!(
        s.board().columns[0].stuck,
        0,
        "10 minutes is not stuck (threshold 30)"
    );
    update(&mut s, Msg::Tick(t0() + chrono::Duration::minutes(25)));
    let column = &s.board().columns[0];
    assert_eq!(column.stuck, 1);
    assert!(column.cards.iter().any(|c| c.stuck));
}
