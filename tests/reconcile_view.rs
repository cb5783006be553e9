//! Runs and PRs reconciled, on screen: the flag on a run's card, the lane header's `≠N`, the
//! title's total, the detail pane's full text and the list (`p`) with the orphan PR, through
//! the real `update` and draw code.
mod common;

use common::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::{Value, json};
use swarm_cockpit::app::github::{GitHubHealth, GitHubStatus};
use swarm_cockpit::app::state::Mode;
use swarm_cockpit::app::{Msg, SourceEvent, State, update};
use swarm_cockpit::domain::{PrState, PullRequest, Run};

fn press(state: &mut State, code: KeyCode) {
    update(state, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn with(mut obj: Value, status: Value, spec: Value) -> Value {
    for (k, v) in status.as_object().into_iter().flatten() {
        obj["status"][k] = v.clone();
    }
    for (k, v) in spec.as_object().into_iter().flatten() {
        obj["spec"][k] = v.clone();
    }
    obj
}

fn pr(head: &str, number: u64, state: PrState) -> PullRequest {
    let mut pr = PullRequest::new("proompteng/lab", head, number, state, t0());
    pr.url = format!("https://github.com/proompteng/lab/pull/{number}");
    pr
}

/// Lane A: a run that finished without a PR, one with its PR. Lane B: a run the controller
/// pushed to another branch, and two runs sharing an idempotency key. An orphan PR.
fn swarm() -> State {
    let mut s = state();
    connect_all(&mut s);
    let vcs = |head: &str| json!({"vcs": {"repository": "proompteng/lab", "headBranch": head}});
    apply_run(
        &mut s,
        Run::from_json(&with(
            run_json("a-no-pr", Some("A"), Some("Succeeded")),
            vcs("codex/swarm/a-no-pr"),
            json!({}),
        )),
    );
    apply_run(&mut s, run("a-merged", Some("A"), Some("Succeeded")));
    apply_run(
        &mut s,
        Run::from_json(&with(
            run_json("b-renamed", Some("B"), Some("Running")),
            vcs("codex/swarm/b-renamed-2"),
            json!({}),
        )),
    );
    for name in ["b-key-1", "b-key-2"] {
        apply_run(
            &mut s,
            Run::from_json(&with(
                run_json(name, Some("B"), Some("Running")),
                json!({}),
                json!({"idempotencyKey": "wave1-ta"}),
            )),
        );
    }
    update(
        &mut s,
        Msg::Source(SourceEvent::PullRequests(vec![
            pr("codex/swarm/a-merged", 11, PrState::Merged),
            pr("codex/swarm/b-renamed-2", 12, PrState::Open),
            pr("codex/swarm/b-key-1", 13, PrState::Open),
            pr("codex/swarm/b-key-2", 14, PrState::Open),
            pr("codex/swarm/lane-a/position-limits", 9, PrState::Open),
        ])),
    );
    update(
        &mut s,
        Msg::Source(SourceEvent::GitHub(GitHubStatus {
            health: GitHubHealth::Ok,
            message: "ok".into(),
            last_ok: Some(t0()),
            retry_at: None,
        })),
    );
    s
}

#[test]
fn cards_lanes_and_title_say_what_disagrees() {
    let mut s = swarm();
    let ledger = &s.cluster.control.reconcile;
    assert_eq!(ledger.total(), 4, "no PR, renamed, shared key, orphan");
    assert_eq!((ledger.lane(Some("A")), ledger.lane(Some("B"))), (1, 3));
    let screen = render(&mut s, 120, 30);
    assert!(screen.contains("≠ no PR"), "{screen}");
    assert!(
        screen.contains("≠ branch renamed → codex/swarm/b-re"),
        "{screen}"
    );
    assert!(screen.contains("≠ key shared with b-key-2"), "{screen}");
    insta::assert_snapshot!("board_with_flags_120x30", screen);
}

#[test]
fn the_detail_pane_has_the_full_text() {
    let mut s = swarm();
    // Lane A: the run without a PR is the second Succeeded card (by name).
    s.ensure_board();
    press(&mut s, KeyCode::Char('j'));
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.mode(), Mode::Detail);
    let screen = render(&mut s, 80, 40);
    assert!(
        screen.contains("≠ a-no-pr: finished without a pull request"),
        "{screen}"
    );
    insta::assert_snapshot!("detail_of_a_run_without_a_pr_80x40", screen);
}

#[test]
fn the_list_names_every_finding_and_jumps_to_the_card() {
    let mut s = swarm();
    press(&mut s, KeyCode::Char('p'));
    assert_eq!(s.mode(), Mode::Reconcile);
    insta::assert_snapshot!("list_80x24", render(&mut s, 80, 24));
    insta::assert_snapshot!("list_200x60", render(&mut s, 200, 60));
    // The third row: the renamed branch; enter lands on its card, in its details.
    press(&mut s, KeyCode::Char('j'));
    press(&mut s, KeyCode::Char('j'));
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.mode(), Mode::Detail);
    assert_eq!(selected_name(&s).as_deref(), Some("b-renamed"));
    let screen = render(&mut s, 120, 40);
    assert!(
        screen.contains("≠ b-renamed: pushed codex/swarm/b-renamed-2"),
        "{screen}"
    );
}
