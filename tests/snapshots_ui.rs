//! View snapshots: the real draw code on ratatui's TestBackend at fixed sizes and a fixed clock.
mod common;

use common::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::json;
use swarm_cockpit::app::{ConnState, Msg, SourceEvent, State, update};
use swarm_cockpit::domain::{
    ChecksRollup, PrState, PullRequest, ResourceKind, ReviewDecision, Run,
};
use swarm_cockpit::sources::demo::DemoSwarm;
use swarm_cockpit::ui::Theme;

fn render(state: &mut State, width: u16, height: u16) -> String {
    let terminal = drawn(state, width, height, &Theme::default());
    // TestBackend cannot print an empty buffer; drawing into it is what is under test there.
    if width == 0 || height == 0 {
        return String::new();
    }
    terminal.backend().to_string()
}

/// The demo's opening state, as an operator first sees it.
fn demo_state() -> State {
    let mut state = demo_opening();
    update(&mut state, Msg::Tick(t0() + chrono::Duration::seconds(5)));
    state
}

#[test]
fn board_80x24() {
    let mut s = demo_state();
    insta::assert_snapshot!(render(&mut s, 80, 24));
}

#[test]
fn board_200x60() {
    let mut s = demo_state();
    insta::assert_snapshot!(render(&mut s, 200, 60));
}

#[test]
fn board_200x60_later_in_the_demo() {
    let plan = swarm_cockpit::domain::Plan::parse(swarm_cockpit::domain::plan::TORGHUT_PLAN, "p")
        .expect("plan");
    let mut s = demo_state();
    let mut demo = DemoSwarm::new(plan, 1);
    demo.advance(0.0, t0());
    for event in demo.advance(10_000.0, t0() + chrono::Duration::minutes(12)) {
        update(&mut s, Msg::Source(event));
    }
    update(&mut s, Msg::Tick(t0() + chrono::Duration::minutes(12)));
    insta::assert_snapshot!(render(&mut s, 200, 60));
}

#[test]
fn board_40x10_degrades_to_one_lane_and_compact_cards() {
    let mut s = demo_state();
    insta::assert_snapshot!(render(&mut s, 40, 10));
}

#[test]
fn detail_pane_of_a_blocked_run() {
    let mut s = demo_state();
    keys(&mut s, "j\n");
    insta::assert_snapshot!(render(&mut s, 120, 40));
}

#[test]
fn detail_pane_of_an_invalid_spec_run_at_80x24() {
    let mut s = demo_state();
    keys(&mut s, "\n");
    insta::assert_snapshot!(render(&mut s, 80, 24));
}

#[test]
fn detail_pane_of_a_work_item() {
    let mut s = demo_state();
    keys(&mut s, "l\n");
    insta::assert_snapshot!(render(&mut s, 120, 40));
}

#[test]
fn help_overlay() {
    let mut s = demo_state();
    keys(&mut s, "?");
    insta::assert_snapshot!(render(&mut s, 100, 30));
}

#[test]
fn filter_in_progress() {
    let mut s = demo_state();
    keys(&mut s, "/kill");
    insta::assert_snapshot!(render(&mut s, 120, 24));
}

#[test]
fn empty_board_while_connecting() {
    let mut s = state();
    insta::assert_snapshot!(render(&mut s, 80, 24));
}

#[test]
fn empty_board_connected() {
    let mut s = state();
    connect_all(&mut s);
    insta::assert_snapshot!(render(&mut s, 80, 24));
}

#[test]
fn error_state_when_the_crd_is_missing() {
    let mut s = state();
    update(
        &mut s,
        Msg::Source(SourceEvent::Connection(
            ResourceKind::AgentRun,
            ConnState::Failed(
                "agentruns is not served: is the CRD agentruns.agents.proompteng.ai installed? (kubectl apply -f examples/crds/)".into(),
            ),
        )),
    );
    insta::assert_snapshot!(render(&mut s, 80, 24));
}

#[test]
fn reconnecting_keeps_the_last_known_board() {
    let mut s = populated();
    connect_all(&mut s);
    update(
        &mut s,
        Msg::Source(SourceEvent::Connection(
            ResourceKind::AgentRun,
            ConnState::Reconnecting(
                "error trying to connect: tcp connect error: Connection refused (os error 111)"
                    .into(),
            ),
        )),
    );
    update(&mut s, Msg::Tick(t0() + chrono::Duration::seconds(42)));
    insta::assert_snapshot!(render(&mut s, 120, 24));
}

#[test]
fn hostile_and_odd_objects_render_inert() {
    let mut s = state();
    connect_all(&mut s);
    let mut weird = run_json("weird", Some("A"), Some("Hibernating"));
    weird["status"]["message"] = json!("evil \u{1b}[2J\u{1b}]0;pwned\u{7} done");
    apply_run(&mut s, Run::from_json(&weird));
    let mut malformed = run_json("malformed", Some("A"), None);
    malformed["status"] = json!({"phase": ["Running"], "startedAt": "soon"});
    apply_run(&mut s, Run::from_json(&malformed));
    apply_item(
        &mut s,
        item(
            "weird-spec",
            Some("A"),
            "ユニコード summary — ✓ \u{1b}[31mred",
        ),
    );
    let mut long = run_json("long-text", Some("B"), Some("Running"));
    long["spec"]["parameters"]["head"] = json!(format!("codex/{}", "x".repeat(300)));
    apply_run(&mut s, Run::from_json(&long));
    let out = render(&mut s, 120, 24);
    assert!(!out.contains('\u{1b}'), "no raw escape reaches the screen");
    insta::assert_snapshot!(out);
    keys(&mut s, "\n");
    let detail = render(&mut s, 120, 40);
    assert!(!detail.contains('\u{1b}'));
    insta::assert_snapshot!("hostile_detail", detail);
}

#[test]
fn pr_badges_cover_every_state() {
    let mut s = state();
    connect_all(&mut s);
    let states = [
        ("draft", PrState::Draft, ChecksRollup::default(), None),
        (
            "open-pending",
            PrState::Open,
            ChecksRollup {
                passing: 2,
                failing: 0,
                pending: 3,
            },
            Some(ReviewDecision::ReviewRequired),
        ),
        (
            "open-failing",
            PrState::Open,
            ChecksRollup {
                passing: 2,
                failing: 1,
                pending: 0,
            },
            Some(ReviewDecision::ChangesRequested),
        ),
        (
            "open-green",
            PrState::Open,
            ChecksRollup {
                passing: 6,
                failing: 0,
                pending: 0,
            },
            Some(ReviewDecision::Approved),
        ),
        (
            "merged",
            PrState::Merged,
            ChecksRollup {
                passing: 6,
                failing: 0,
                pending: 0,
            },
            Some(ReviewDecision::Approved),
        ),
        ("closed", PrState::Closed, ChecksRollup::default(), None),
    ];
    for (i, (name, state, checks, review)) in states.into_iter().enumerate() {
        apply_run(&mut s, run(name, Some("A"), Some("Running")));
        let pr = PullRequest {
            repository: "proompteng/lab".into(),
            head_branch: format!("codex/swarm/{name}"),
            number: 100 + i as u64,
            title: name.into(),
            url: String::new(),
            state,
            checks,
            review,
            mergeable: None,
            fetched_at: if name == "closed" {
                t0() - chrono::Duration::hours(1)
            } else {
                t0()
            },
            ..PullRequest::new("", "", 0, PrState::Open, t0())
        };
        update(&mut s, Msg::Source(SourceEvent::PullRequest(Box::new(pr))));
    }
    insta::assert_snapshot!(render(&mut s, 100, 30));
}

#[test]
fn every_size_down_to_1x1_draws_without_panicking() {
    let mut s = demo_state();
    for (w, h) in [
        (40, 10),
        (39, 9),
        (20, 5),
        (10, 3),
        (1, 1),
        (0, 0),
        (300, 2),
        (2, 300),
    ] {
        let _ = render(&mut s, w, h);
        keys(&mut s, "\n");
        let _ = render(&mut s, w, h);
        keys(&mut s, "\x1b?");
        let _ = render(&mut s, w, h);
        keys(&mut s, "\x1b");
    }
}

#[test]
fn built_in_themes_draw_the_same_layout() {
    for name in ["default", "light", "high-contrast"] {
        let theme = Theme::resolve(name, None).expect("theme");
        let mut s = demo_state();
        let text = render_in(&mut s, 120, 30, &theme);
        assert!(text.contains("A · Trading"), "{name}");
        assert!(text.contains("cost-model-a1"), "{name}");
    }
}

fn with_item_in_editor(keys_after: &str) -> State {
    let mut s = demo_state();
    // Lane B's not-launched work item.
    keys(&mut s, "le");
    keys(&mut s, keys_after);
    s
}

#[test]
fn editor_with_findings_at_120x30() {
    let mut s = with_item_in_editor("jjjjjj\n");
    for c in "- prompt: override the spec\n".chars() {
        let code = if c == '\n' {
            KeyCode::Enter
        } else {
            KeyCode::Char(c)
        };
        update(&mut s, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }
    insta::assert_snapshot!(render(&mut s, 120, 30));
}

#[test]
fn editor_at_80x24() {
    let mut s = with_item_in_editor("");
    insta::assert_snapshot!(render(&mut s, 80, 24));
}

#[test]
fn editor_conflict_view() {
    let mut s = with_item_in_editor("\nMine. ");
    let mut theirs = s
        .cluster
        .items
        .values()
        .find(|i| i.key.name == "ta-slippage-features")
        .cloned()
        .expect("item");
    theirs.text = theirs.text.replace("Expose", "Theirs: expose");
    update(
        &mut s,
        Msg::Op(swarm_cockpit::app::msg::OpResult::SaveConflict(Box::new(
            theirs,
        ))),
    );
    insta::assert_snapshot!(render(&mut s, 120, 30));
}

#[test]
fn approval_refused_findings_pane() {
    let mut s = demo_state();
    // Lane B's work item without its paper-only gate.
    let mut item = s
        .cluster
        .items
        .values()
        .find(|i| i.key.name == "ta-slippage-features")
        .cloned()
        .expect("item");
    item.text = item.text.replace("- paper-only\n", "");
    apply_item(&mut s, item);
    keys(&mut s, "la");
    insta::assert_snapshot!(render(&mut s, 100, 24));
}

#[test]
fn drafts_offer() {
    let mut s = demo_state();
    let draft = swarm_cockpit::domain::manifest::ItemDraft {
        context: Some(s.cluster.origin.context.clone()),
        namespace: "agents".into(),
        name: "ta-spread-model".into(),
        lane: Some("B".into()),
        wave: Some("3".into()),
        depends_on: vec![],
        text: "## Objective\nx\n".into(),
        base_resource_version: None,
    };
    update(
        &mut s,
        Msg::Op(swarm_cockpit::app::msg::OpResult::DraftsFound(vec![draft])),
    );
    insta::assert_snapshot!(render(&mut s, 100, 24));
}

/// The demo with its wave 1 items approved.
fn demo_with_wave_one_approved() -> State {
    let mut s = demo_state();
    for name in [
        "order-firewall",
        "kill-switch-gitops",
        "kill-switch-runbook",
    ] {
        let mut item = s
            .cluster
            .items
            .values()
            .find(|i| i.key.name == name)
            .cloned()
            .expect("item");
        swarm_cockpit::domain::approval::record_unsigned(
            &mut item,
            &s.settings.plan.clone(),
            "ana",
            "2026-02-10T11:00:00Z",
        );
        apply_item(&mut s, item);
    }
    s
}

#[test]
fn wave_planner_with_refused_gates() {
    let mut s = demo_with_wave_one_approved();
    keys(&mut s, "w");
    insta::assert_snapshot!(render(&mut s, 140, 30));
}

/// At 80×24 an item's head goes to a line of its own rather than wrap its PR state away from it.
#[test]
fn wave_planner_at_80x24() {
    let mut s = demo_with_wave_one_approved();
    keys(&mut s, "w");
    let screen = render(&mut s, 80, 24);
    for line in screen
        .lines()
        .filter(|l| l.contains("kill-switch-runbook") && !l.contains('⎇'))
    {
        assert!(
            ["merged", "no PR", "draft", "open"]
                .iter()
                .any(|state| line.contains(state)),
            "the PR state stays on the item's line: {line}"
        );
    }
    insta::assert_snapshot!(screen);
}

#[test]
fn wave_planner_later_wave_needs_merge_or_override() {
    let mut s = demo_with_wave_one_approved();
    keys(&mut s, "wjO");
    insta::assert_snapshot!(render(&mut s, 120, 30));
}

#[test]
fn cancel_confirmation_on_the_board() {
    let mut s = demo_state();
    keys(&mut s, "jjx");
    insta::assert_snapshot!(render(&mut s, 120, 24));
}

#[test]
fn command_palette_with_completions() {
    let mut s = demo_state();
    keys(&mut s, ":la");
    insta::assert_snapshot!(render(&mut s, 100, 24));
}

#[test]
fn toast_after_a_run_fails_and_a_stuck_lane() {
    let mut s = demo_state();
    // An hour later the blocked cost-model run is flagged as stuck...
    update(&mut s, Msg::Tick(t0() + chrono::Duration::minutes(55)));
    // ...and the order firewall run fails: a toast says so.
    let mut failing = s
        .cluster
        .runs
        .values()
        .find(|r| r.key.name == "order-firewall-a1")
        .cloned()
        .expect("run");
    failing.phase = swarm_cockpit::domain::Phase::Failed;
    failing.reason = Some("JobFailed".into());
    apply_run(&mut s, failing);
    insta::assert_snapshot!(render(&mut s, 120, 24));
}
