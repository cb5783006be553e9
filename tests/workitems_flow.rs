//! Pure tests of the work item flows: new, edit, findings live, save outcomes (saved, conflict,
//! rejected), approve/revoke, drafts. No terminal, no cluster.
mod common;

use common::*;
use crossterm::event::KeyCode;
use serde_json::json;
use swarm_cockpit::app::msg::OpResult;
use swarm_cockpit::app::state::Mode;
use swarm_cockpit::app::{Effect, Msg, State};
use swarm_cockpit::domain::approval::{self, Approval};
use swarm_cockpit::domain::manifest::ItemDraft;
use swarm_cockpit::domain::plan::TORGHUT_PLAN;
use swarm_cockpit::domain::template::Template;
use swarm_cockpit::domain::{Plan, WorkItem};

fn torghut_state() -> State {
    let plan = Plan::parse(TORGHUT_PLAN, "plan.toml").expect("plan");
    State::new(
        plan,
        swarm_cockpit::app::state::Origin {
            context: "test".into(),
            namespace: Some("agents".into()),
        },
        t0(),
    )
}

fn good_item(name: &str, lane: &str, rv: &str) -> WorkItem {
    let text = Template::new_item(
        lane,
        &["services/torghut/app/trading/firewall/**".into()],
        "proompteng/lab",
        "main",
        &format!("codex/swarm/lane-a/{name}"),
    )
    .replace(Template::OBJECTIVE_PLACEHOLDER, "Add the order firewall.");
    WorkItem::from_json(&json!({
        "metadata": {"name": name, "namespace": "agents", "resourceVersion": rv,
                     "labels": {"swarm.proompteng.ai/lane": lane, "swarm.proompteng.ai/wave": "1"}},
        "spec": {"text": text, "summary": "s"}
    }))
}

fn editor_text(state: &State) -> String {
    state.screens.editor().expect("editor open").text()
}

#[test]
fn new_item_from_an_empty_lane_to_saved_by_keyboard() {
    let mut s = torghut_state();
    s.ensure_board();
    press(
        &mut s,
        [
            key(KeyCode::Char('l')),
            key(KeyCode::Char('l')),
            key(KeyCode::Char('n')),
        ],
    );
    assert_eq!(s.mode(), Mode::Editor);
    let editor = s.screens.editor().expect("editor");
    assert!(editor.is_new);
    assert_eq!(editor.lane.as_deref(), Some("C"));
    assert_eq!(editor.name(), "lane-c-item-1");
    // The name field has focus: rename it.
    press(&mut s, (0..13).map(|_| key(KeyCode::Backspace)));
    press(&mut s, typed("gitops-kill-switch"));
    assert_eq!(
        s.screens.editor().expect("editor").name(),
        "gitops-kill-switch"
    );
    // The pre-filled template lists lane C's globs: each claims a whole lane glob (a warning), the
    // objective is still the placeholder (an error), and C's GitOps tree holds sub-trees that
    // lanes B and E own (errors that say so). Nothing else is wrong with them.
    let findings = &s.screens.editor().expect("editor").findings;
    let checks: Vec<_> = findings.iter().map(|f| f.check.as_str()).collect();
    assert!(checks.contains(&"whole-lane"), "{checks:?}");
    assert!(checks.contains(&"placeholder"), "{checks:?}");
    for f in findings
        .iter()
        .filter(|f| f.check == swarm_cockpit::domain::checks::CheckId::LaneOwnership)
    {
        assert!(
            f.message.contains("which lane B owns") || f.message.contains("which lane E owns"),
            "{f:?}"
        );
    }
    let effects = press(&mut s, [ctrl('s')]);
    let Some(Effect::SaveWorkItem { draft, create }) = effects
        .iter()
        .find(|e| matches!(e, Effect::SaveWorkItem { .. }))
    else {
        panic!("a save effect: {effects:?}");
    };
    assert!(*create);
    assert_eq!(draft.name, "gitops-kill-switch");
    assert!(
        effects.iter().any(|e| matches!(e, Effect::WriteDraft(_))),
        "the draft is written before the request"
    );
    let saved = swarm_cockpit::sources::demo_cluster::saved(draft);
    let effects = press(&mut s, [Msg::Op(OpResult::Saved(Box::new(saved)))]);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::DeleteDraft { name, .. } if name == "gitops-kill-switch"))
    );
    let editor = s.screens.editor().expect("editor");
    assert!(!editor.is_new && !editor.changed);
    assert_eq!(editor.message.as_deref(), Some("saved"));
    assert_eq!(s.cluster.items.len(), 1);
}

#[test]
fn typing_updates_findings_live_and_undo_restores() {
    let mut s = torghut_state();
    let item = good_item("fw", "A", "5");
    apply_item(&mut s, item.clone());
    s.ensure_board();
    press(&mut s, [key(KeyCode::Char('e'))]);
    assert!(
        s.screens.editor().expect("editor").findings.is_empty(),
        "{:?}",
        s.screens.editor().map(|e| &e.findings)
    );
    // Go to Parameters (the 8th row: name + 7 sections) and add a prompt.
    press(&mut s, (0..6).map(|_| key(KeyCode::Char('j'))));
    press(&mut s, [key(KeyCode::Enter)]);
    press(&mut s, typed("- prompt: override\n"));
    let editor = s.screens.editor().expect("editor");
    assert!(editor.changed && editor.draft_pending);
    assert_eq!(
        editor
            .findings
            .iter()
            .map(|f| f.check.as_str())
            .collect::<Vec<_>>(),
        ["prompt-precedence"]
    );
    // The next second's tick writes the draft, once.
    let effects = press(&mut s, [Msg::Tick(t0() + chrono::Duration::seconds(1))]);
    assert!(
        matches!(effects.as_slice(), [Effect::WriteDraft(d)] if d.text.contains("- prompt: override"))
    );
    assert!(press(&mut s, [Msg::Tick(t0() + chrono::Duration::seconds(2))]).is_empty());
    // Undo everything typed in this section.
    press(&mut s, (0..30).map(|_| ctrl('z')));
    assert!(s.screens.editor().expect("editor").findings.is_empty());
    assert_eq!(editor_text(&s), item.text);
    press(&mut s, [ctrl('y')]);
    assert_ne!(editor_text(&s), item.text, "redo re-applies");
}

#[test]
fn closing_with_changes_keeps_a_draft_and_ctrl_c_too() {
    let mut s = torghut_state();
    apply_item(&mut s, good_item("fw", "A", "5"));
    s.ensure_board();
    press(&mut s, [key(KeyCode::Char('e')), key(KeyCode::Enter)]);
    press(&mut s, typed("More. "));
    let effects = press(&mut s, [key(KeyCode::Esc), key(KeyCode::Esc)]);
    assert!(
        matches!(effects.as_slice(), [Effect::WriteDraft(d)] if d.text.contains("More. ")),
        "{effects:?}"
    );
    assert_eq!(s.mode(), Mode::Board);
    assert!(s.screens.editor().is_none());

    press(&mut s, [key(KeyCode::Char('e')), key(KeyCode::Enter)]);
    press(&mut s, typed("x"));
    let effects = press(&mut s, [ctrl('c')]);
    assert!(
        matches!(effects.as_slice(), [Effect::WriteDraft(_), Effect::Quit]),
        "{effects:?}"
    );
}

#[test]
fn a_conflict_offers_overwrite_take_theirs_or_merge() {
    for choice in ['o', 't', 'm'] {
        let mut s = torghut_state();
        apply_item(&mut s, good_item("fw", "A", "5"));
        s.ensure_board();
        press(&mut s, [key(KeyCode::Char('e')), key(KeyCode::Enter)]);
        press(&mut s, typed("Mine. "));
        press(&mut s, [ctrl('s')]);
        let mut theirs = good_item("fw", "A", "9");
        theirs.text = theirs
            .text
            .replace("Add the order firewall.", "Theirs: add the order firewall.");
        let effects = press(
            &mut s,
            [Msg::Op(OpResult::SaveConflict(Box::new(theirs.clone())))],
        );
        assert!(
            matches!(effects.as_slice(), [Effect::WriteDraft(_)]),
            "typed text is kept: {effects:?}"
        );
        assert!(s.screens.editor().expect("editor").conflict.is_some());
        let effects = press(&mut s, [key(KeyCode::Char(choice))]);
        let editor = s.screens.editor().expect("editor");
        match choice {
            'o' => {
                let Some(Effect::SaveWorkItem {
                    draft,
                    create: false,
                }) = effects
                    .iter()
                    .find(|e| matches!(e, Effect::SaveWorkItem { .. }))
                else {
                    panic!("{effects:?}");
                };
                assert_eq!(
                    draft.base_resource_version.as_deref(),
                    Some("9"),
                    "overwrite is explicit, on their version"
                );
                assert!(draft.text.contains("Mine. "));
            }
            't' => {
                assert_eq!(editor.text(), theirs.text);
                assert!(
                    effects
                        .iter()
                        .any(|e| matches!(e, Effect::WriteBackup(d) if d.text.contains("Mine. ")))
                );
            }
            _ => {
                let text = editor.text();
                assert!(text.contains("<<<<<<< yours\nMine. "), "{text}");
                assert!(text.contains("=======\nTheirs: add"), "{text}");
                assert_eq!(editor.base_resource_version.as_deref(), Some("9"));
            }
        }
    }
}

#[test]
fn a_rejected_save_shows_the_servers_message_and_keeps_the_draft() {
    let mut s = torghut_state();
    apply_item(&mut s, good_item("fw", "A", "5"));
    s.ensure_board();
    press(&mut s, [key(KeyCode::Char('e')), key(KeyCode::Enter)]);
    press(&mut s, typed("x"));
    press(&mut s, [ctrl('s')]);
    let msg = "ImplementationSpec.agents.proompteng.ai \"fw\" is invalid: spec.summary: Too long (422 Invalid)";
    let effects = press(&mut s, [Msg::Op(OpResult::SaveFailed(msg.into()))]);
    assert!(matches!(effects.as_slice(), [Effect::WriteDraft(_)]));
    let message = s
        .screens
        .editor()
        .and_then(|e| e.message.clone())
        .expect("message");
    assert!(
        message.contains("spec.summary: Too long") && message.contains("kept as a draft"),
        "{message}"
    );
    assert!(s.screens.editor().expect("editor").changed, "still unsaved");
}

#[test]
fn approve_is_refused_with_findings_then_granted_and_an_edit_revokes_it() {
    let mut s = torghut_state();
    let mut bad = good_item("fw", "A", "5");
    bad.text = bad.text.replace("- paper-only\n", "");
    apply_item(&mut s, bad);
    s.ensure_board();
    let effects = press(&mut s, [key(KeyCode::Char('a'))]);
    assert!(effects.is_empty());
    assert_eq!(s.mode(), Mode::Findings);
    let view = s.screens.findings().expect("findings");
    assert!(view.title.starts_with("Approval refused"));
    assert!(
        view.findings
            .iter()
            .any(|f| f.check == swarm_cockpit::domain::checks::CheckId::SafetyGates)
    );
    press(&mut s, [key(KeyCode::Esc)]);
    assert_eq!(s.mode(), Mode::Board);

    apply_item(&mut s, good_item("fw", "A", "6"));
    let effects = press(&mut s, [key(KeyCode::Char('a'))]);
    let Some(Effect::ApproveWorkItem { item, claim }) = effects.first() else {
        panic!("{effects:?}");
    };
    assert_eq!(claim.content, item.content_hash());
    assert_eq!(claim.target, item.key.to_string());
    let patch = approval::approval_patch(item, claim, None);
    assert_eq!(patch["metadata"]["resourceVersion"], "6");
    assert_eq!(
        patch["metadata"]["annotations"][approval::APPROVED_HASH],
        json!(item.content_hash())
    );
    // The server answers; then an edit elsewhere (new text) makes it stale.
    let mut approved = good_item("fw", "A", "7");
    for (k, v) in patch["metadata"]["annotations"]
        .as_object()
        .expect("annotations")
    {
        if let Some(v) = v.as_str() {
            approved.annotations.insert(k.clone(), v.to_owned());
        }
    }
    press(
        &mut s,
        [Msg::Op(OpResult::Patched {
            what: "approve".into(),
            item: Box::new(approved.clone()),
        })],
    );
    assert!(
        s.approval_of(s.cluster.items.values().next().expect("item"))
            .is_approved()
    );
    let mut edited = approved.clone();
    edited.text.push_str("\nextra\n");
    apply_item(&mut s, edited);
    assert!(matches!(
        s.approval_of(s.cluster.items.values().next().expect("item")),
        Approval::Revoked { .. }
    ));
    let effects = press(&mut s, [key(KeyCode::Char('A'))]);
    assert!(matches!(
        effects.as_slice(),
        [Effect::PatchWorkItem { what: "revoke", .. }]
    ));
}

#[test]
fn validate_shows_findings_and_drafts_are_offered_and_restored() {
    let mut s = torghut_state();
    apply_item(&mut s, good_item("fw", "A", "5"));
    s.ensure_board();
    press(&mut s, [key(KeyCode::Char('v'))]);
    assert_eq!(
        s.screens.findings().map(|v| v.title.as_str()),
        Some("fw: all checks pass")
    );
    press(&mut s, [key(KeyCode::Char('q'))]);

    let draft = ItemDraft {
        context: Some(s.cluster.origin.context.clone()),
        namespace: "agents".into(),
        name: "fw".into(),
        lane: Some("A".into()),
        wave: None,
        depends_on: vec![],
        text: "## Objective\nrecovered words\n".into(),
        base_resource_version: Some("5".into()),
    };
    let other = ItemDraft {
        name: "brand-new".into(),
        ..draft.clone()
    };
    press(&mut s, [Msg::Op(OpResult::DraftsFound(vec![draft, other]))]);
    assert_eq!(s.mode(), Mode::Drafts);
    press(&mut s, [key(KeyCode::Char('r'))]);
    assert_eq!(s.mode(), Mode::Editor);
    let editor = s.screens.editor().expect("editor");
    assert!(!editor.is_new, "fw exists: restoring edits it");
    assert!(editor.text().contains("recovered words"));
    assert_eq!(
        s.screens.editor().expect("editor").focus,
        swarm_cockpit::app::editor::Focus::Fields
    );
    let effects = press(&mut s, [key(KeyCode::Esc)]);
    assert!(
        matches!(effects.as_slice(), [Effect::WriteDraft(_)]),
        "restored text stays a draft until saved: {effects:?}"
    );
    assert_eq!(s.screens.drafts().map_or(0, |d| d.len()), 1);
}

#[test]
fn renaming_a_new_item_moves_its_draft_instead_of_leaving_one_behind() {
    let mut s = torghut_state();
    s.ensure_board();
    press(&mut s, [key(KeyCode::Char('n'))]);
    let effects = press(&mut s, [Msg::Tick(t0() + chrono::Duration::seconds(1))]);
    assert!(
        matches!(effects.as_slice(), [Effect::WriteDraft(d)] if d.name == "lane-a-item-1"),
        "{effects:?}"
    );
    press(&mut s, [key(KeyCode::Backspace), key(KeyCode::Backspace)]);
    press(&mut s, typed("-x"));
    let effects = press(&mut s, [Msg::Tick(t0() + chrono::Duration::seconds(2))]);
    assert!(
        matches!(effects.as_slice(), [Effect::DeleteDraft { name: old, .. }, Effect::WriteDraft(d)]
            if old == "lane-a-item-1" && d.name == "lane-a-item-x"),
        "{effects:?}"
    );
}
