//! Pure tests of the wave planner's keys and confirmations.
mod common;

use common::*;
use crossterm::event::KeyCode;
use serde_json::json;
use swarm_cockpit::app::msg::{LaunchOutcome, OpResult};
use swarm_cockpit::app::state::Mode;
use swarm_cockpit::app::waves::ConfirmAction;
use swarm_cockpit::app::{Effect, Msg, State, update};
use swarm_cockpit::domain::approval;
use swarm_cockpit::domain::plan::TORGHUT_PLAN;
use swarm_cockpit::domain::pr::{PrState, PullRequest};
use swarm_cockpit::domain::template::Template;
use swarm_cockpit::domain::{ObjectKey, Plan, Run, WorkItem};

fn item(name: &str, lane: &str, wave: u32, path: &str) -> WorkItem {
    let text = Template::new_item(
        lane,
        &[path.into()],
        "proompteng/lab",
        "main",
        &format!("codex/swarm/lane-{}/{name}", lane.to_lowercase()),
    )
    .replace(
        "What this work item changes, in one or two sentences.",
        "Do it.",
    );
    let mut w = WorkItem::from_json(&json!({"metadata": {"name": name, "namespace": "agents",
        "labels": {"swarm.proompteng.ai/lane": lane, "swarm.proompteng.ai/wave": wave.to_string()}},
        "spec": {"text": text}}));
    let plan = Plan::parse(TORGHUT_PLAN, "plan.toml").expect("plan");
    approval::record_unsigned(&mut w, &plan, "ana", "t");
    w
}

fn state_with_waves() -> State {
    let plan = Plan::parse(TORGHUT_PLAN, "plan.toml").expect("plan");
    let mut s = State::new(
        plan,
        swarm_cockpit::app::state::Origin {
            context: "t".into(),
            namespace: Some("agents".into()),
        },
        t0(),
    );
    apply_item(
        &mut s,
        item("fw", "A", 1, "services/torghut/app/trading/fw/**"),
    );
    apply_item(&mut s, item("ks", "C", 1, "kubernetes/ks/**"));
    apply_item(
        &mut s,
        item("cost", "A", 2, "services/torghut/app/trading/cost/**"),
    );
    s.ensure_board();
    s
}

#[test]
fn launch_asks_to_confirm_with_count_and_lanes_and_y_launches() {
    let mut s = state_with_waves();
    press(&mut s, [ch('w')]);
    assert_eq!(s.mode(), Mode::Waves);
    press(&mut s, [ch('L')]);
    assert_eq!(s.mode(), Mode::Confirm);
    let confirm = s.screens.confirm().cloned().expect("confirm");
    assert_eq!(confirm.title, "Launch wave 1: 2 run(s)?");
    assert!(confirm.lines[0].contains("lanes A, C"));
    // n cancels and nothing happens.
    assert!(press(&mut s, [ch('n')]).is_empty());
    assert_eq!(s.mode(), Mode::Waves);
    press(&mut s, [ch('L')]);
    let effects = press(&mut s, [ch('y')]);
    let [Effect::LaunchRuns { wave: 1, manifests }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(manifests.len(), 2);
    let progress = &s.screens.waves().expect("view").progress;
    assert!(progress.iter().all(|r| r.outcome.is_none()));
    let name = progress[0].name.clone();
    press(
        &mut s,
        [Msg::Op(OpResult::Launched {
            name: name.clone(),
            outcome: LaunchOutcome::Exists,
        })],
    );
    assert_eq!(
        s.screens.waves().expect("view").progress[0].outcome,
        Some(LaunchOutcome::Exists)
    );
}

#[test]
fn an_unmerged_previous_wave_needs_the_typed_override() {
    let mut s = state_with_waves();
    press(&mut s, [ch('w'), ch('j'), ch('L')]);
    assert_eq!(s.mode(), Mode::Waves, "refused: wave 1 is not merged");
    press(&mut s, [ch('O')]);
    assert_eq!(s.mode(), Mode::Confirm);
    assert_eq!(
        s.screens.confirm().map(|c| c.action.clone()),
        Some(ConfirmAction::OverrideUnmerged)
    );
    // y does not count for a typed confirmation; a wrong word is cleared.
    press(&mut s, [ch('y'), key(KeyCode::Enter)]);
    assert_eq!(s.mode(), Mode::Confirm);
    press(&mut s, "override".chars().map(ch));
    press(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(s.mode(), Mode::Waves);
    assert!(
        s.screens
            .waves()
            .expect("view")
            .overrides
            .unmerged_previous_wave
    );
    press(&mut s, [ch('L')]);
    let effects = press(&mut s, [ch('y')]);
    let [Effect::LaunchRuns { wave: 2, manifests }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert!(
        manifests[0]["metadata"]["annotations"]["swarm.proompteng.ai/override"]
            .as_str()
            .is_some_and(|v| v.contains("confirmed by"))
    );
    assert!(
        !s.screens
            .waves()
            .expect("view")
            .overrides
            .unmerged_previous_wave,
        "one launch only"
    );
}

#[test]
fn merged_prs_of_the_previous_wave_open_the_next() {
    let mut s = state_with_waves();
    for (item, head) in [
        ("fw", "codex/swarm/lane-a/fw"),
        ("ks", "codex/swarm/lane-c/ks"),
    ] {
        apply_run(
            &mut s,
            Run::from_json(
                &json!({"metadata": {"name": format!("{item}-run"), "namespace": "agents",
            "creationTimestamp": "2026-02-10T10:00:00Z"},
            "spec": {"implementationSpecRef": {"name": item}, "parameters": {"repository": "proompteng/lab", "head": head}},
            "status": {"phase": "Succeeded"}}),
            ),
        );
        let pr = PullRequest::new("proompteng/lab", head, 1, PrState::Merged, t0());
        update(
            &mut s,
            Msg::Source(swarm_cockpit::app::SourceEvent::PullRequest(Box::new(pr))),
        );
    }
    press(&mut s, [ch('w'), ch('j'), ch('L')]);
    assert_eq!(s.mode(), Mode::Confirm, "wave 1 merged: wave 2 may launch");
}

#[test]
fn cancel_and_delete_confirm_with_counts_for_a_run_and_a_wave() {
    let mut s = state_with_waves();
    apply_run(
        &mut s,
        Run::from_json(
            &json!({"metadata": {"name": "fw-w1-abc", "namespace": "agents",
        "labels": {"swarm.proompteng.ai/lane": "A", "swarm.proompteng.ai/wave": "1"}},
        "spec": {"implementationSpecRef": {"name": "fw"}}, "status": {"phase": "Running"}}),
        ),
    );
    apply_run(
        &mut s,
        Run::from_json(
            &json!({"metadata": {"name": "ks-w1-def", "namespace": "agents",
        "labels": {"swarm.proompteng.ai/lane": "C", "swarm.proompteng.ai/wave": "1"}},
        "spec": {"implementationSpecRef": {"name": "ks"}}, "status": {"phase": "Succeeded"}}),
        ),
    );
    s.ensure_board();
    // The board: x on the selected run (the first card of lane A).
    press(&mut s, [ch('g'), ch('x')]);
    assert_eq!(
        s.screens.confirm().map(|c| c.title.as_str()),
        Some("Cancel run fw-w1-abc?")
    );
    let effects = press(&mut s, [ch('y')]);
    assert_eq!(
        effects,
        vec![Effect::CancelRuns(vec![ObjectKey::new(
            "agents",
            "fw-w1-abc"
        )])]
    );
    // The wave: x cancels what is in flight, X deletes every run of the wave.
    press(&mut s, [ch('w'), ch('x')]);
    assert_eq!(
        s.screens.confirm().map(|c| c.title.as_str()),
        Some("Cancel 1 run(s) of wave 1?")
    );
    press(&mut s, [key(KeyCode::Esc)]);
    press(&mut s, [ch('X')]);
    assert_eq!(
        s.screens.confirm().map(|c| c.title.as_str()),
        Some("Delete 2 AgentRun(s) of wave 1?")
    );
    let effects = press(&mut s, [ch('y')]);
    assert!(matches!(effects.as_slice(), [Effect::DeleteRuns(keys)] if keys.len() == 2));
    press(
        &mut s,
        [Msg::Op(OpResult::RunsChanged {
            what: "delete".into(),
            done: 1,
            failed: vec!["x: forbidden".into()],
        })],
    );
    assert!(
        s.toasts
            .current(s.now)
            .is_some_and(|n| n.contains("1 failed: x: forbidden"))
    );
}

#[test]
fn wave_cancel_takes_the_runs_whose_wave_is_their_work_items() {
    let mut s = state_with_waves();
    // `fw` (wave 1 by its label) ran without a wave label on the run; a template of it is no
    // part of the wave.
    apply_run(
        &mut s,
        Run::from_json(
            &json!({"metadata": {"name": "fw-manual", "namespace": "agents"},
            "spec": {"implementationSpecRef": {"name": "fw"}}, "status": {"phase": "Running"}}),
        ),
    );
    apply_run(
        &mut s,
        Run::from_json(
            &json!({"metadata": {"name": "fw-template", "namespace": "agents",
            "annotations": {"agents.proompteng.ai/template": "true"}},
            "spec": {"implementationSpecRef": {"name": "fw"}}}),
        ),
    );
    // `cost` is in wave 2: not this wave's.
    apply_run(
        &mut s,
        Run::from_json(
            &json!({"metadata": {"name": "cost-manual", "namespace": "agents"},
            "spec": {"implementationSpecRef": {"name": "cost"}}, "status": {"phase": "Running"}}),
        ),
    );
    s.ensure_board();
    press(&mut s, [ch('w'), ch('x')]);
    assert_eq!(
        s.screens.confirm().map(|c| c.title.as_str()),
        Some("Cancel 1 run(s) of wave 1?")
    );
    let effects = press(&mut s, [ch('y')]);
    assert_eq!(
        effects,
        vec![Effect::CancelRuns(vec![ObjectKey::new(
            "agents",
            "fw-manual"
        )])]
    );
}

#[test]
fn the_prompt_override_is_explicit_and_recorded() {
    let mut s = state_with_waves();
    let mut fw = s
        .cluster
        .items
        .values()
        .find(|i| i.key.name == "fw")
        .cloned()
        .expect("fw");
    fw.text = fw.text.replace(
        "- stage: implementation",
        "- stage: implementation\n- prompt: do it differently",
    );
    fw.parameters = swarm_cockpit::domain::work_item::declared_parameters(&fw.text);
    approval::record_unsigned(&mut fw, &s.settings.plan.clone(), "ana", "t");
    apply_item(&mut s, fw);
    press(&mut s, [ch('w'), ch('L')]);
    assert_eq!(s.mode(), Mode::Waves, "refused without the override");
    press(&mut s, [ch('P'), ch('L')]);
    assert_eq!(s.mode(), Mode::Confirm);
    assert!(
        s.screens
            .confirm()
            .expect("confirm")
            .lines
            .iter()
            .any(|l| l.contains("prompt override"))
    );
    let effects = press(&mut s, [ch('y')]);
    let [Effect::LaunchRuns { manifests, .. }] = effects.as_slice() else {
        panic!()
    };
    let fw_run = manifests
        .iter()
        .find(|m| m["spec"]["implementationSpecRef"]["name"] == "fw")
        .expect("fw run");
    assert_eq!(fw_run["spec"]["parameters"]["prompt"], "do it differently");
    assert!(fw_run["metadata"]["annotations"]["swarm.proompteng.ai/prompt-override"].is_string());
}

#[test]
fn the_planner_says_when_approvals_are_unverified_and_refuses_unsigned_ones_when_signers_are_set() {
    // No allowed signers: the launch confirmation says the approvals are unverified.
    let mut s = state_with_waves();
    press(&mut s, [ch('w'), ch('L')]);
    let confirm = s.screens.confirm().cloned().expect("confirm");
    assert!(
        confirm
            .lines
            .iter()
            .any(|l| l.contains("approvals are unverified")),
        "{:?}",
        confirm.lines
    );

    // Allowed signers configured: the same unsigned approvals refuse the launch.
    let key = ssh_key::PrivateKey::from(ssh_key::private::Ed25519Keypair::from_seed(&[5; 32]));
    let signers = swarm_cockpit::domain::signature::AllowedSigners::parse(
        &format!(
            "ana@example.com {}",
            key.public_key().to_openssh().expect("pub")
        ),
        "allowed_signers",
    )
    .expect("signers");
    let mut s = state_with_waves();
    s.settings.approvals = approval::Policy::new(Some(signers), None);
    press(&mut s, [ch('w'), ch('L')]);
    assert_eq!(s.mode(), Mode::Waves, "refused");
    let findings = swarm_cockpit::app::waves::gates(
        &s,
        &swarm_cockpit::app::waves::waves(&s),
        0,
        &Default::default(),
    );
    assert!(
        findings
            .iter()
            .filter(|f| f.check == swarm_cockpit::domain::checks::CheckId::Approval)
            .all(|f| f.message.contains("not signed")),
        "{findings:#?}"
    );

    // Signed by the allowed key: the launch is confirmed, without the unverified warning.
    let plan = s.settings.plan.clone();
    let items: Vec<_> = s.cluster.items.values().cloned().collect();
    for mut item in items {
        let claim = approval::Claim::for_item(&item, &plan, "ana", "2026-02-10T12:00:00Z");
        let sig = key
            .sign(
                swarm_cockpit::domain::signature::NAMESPACE,
                ssh_key::HashAlg::Sha512,
                claim.message().as_bytes(),
            )
            .expect("sign")
            .to_pem(ssh_key::LineEnding::LF)
            .expect("pem");
        let patch = approval::approval_patch(&item, &claim, Some(&sig));
        for (k, v) in patch["metadata"]["annotations"].as_object().expect("a") {
            if let Some(v) = v.as_str() {
                item.annotations.insert(k.clone(), v.to_owned());
            }
        }
        apply_item(&mut s, item);
    }
    press(&mut s, [ch('L')]);
    assert_eq!(s.mode(), Mode::Confirm);
    let confirm = s.screens.confirm().cloned().expect("confirm");
    assert!(
        !confirm.lines.iter().any(|l| l.contains("unverified")),
        "{:?}",
        confirm.lines
    );
}
