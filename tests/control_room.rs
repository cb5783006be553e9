//! The control room through the real `update` and draw code: blocked reasons counted per event,
//! the saturation banner, the card's "why" line, the detail pane's sections, retain and save-logs,
//! cancels and deletes followed until they really end, and the launch warning.
mod common;

use common::*;
use serde_json::{Value, json};
use swarm_cockpit::app::control::SwarmEvent;
use swarm_cockpit::app::{Effect, Msg, Resource, SourceEvent, State, update};
use swarm_cockpit::domain::control::BlockReason;
use swarm_cockpit::domain::swarm::Swarm;
use swarm_cockpit::domain::{ObjectKey, PrState, PullRequest, ResourceKind, Run};

fn with(mut obj: Value, extra: Value) -> Value {
    fn merge(t: &mut Value, p: Value) {
        match (t, p) {
            (Value::Object(t), Value::Object(p)) => {
                for (k, v) in p {
                    merge(t.entry(k).or_insert(Value::Null), v);
                }
            }
            (t, p) => *t = p,
        }
    }
    merge(&mut obj, extra);
    obj
}

fn blocked_json(name: &str, lane: &str, reason: &str, message: &str) -> Value {
    with(
        run_json(name, Some(lane), Some("Pending")),
        json!({"status": {"conditions": [{"type": "Blocked", "status": "True", "reason": reason,
            "message": message, "lastTransitionTime": "2026-02-10T11:59:50Z"}]}}),
    )
}

fn apply(state: &mut State, obj: Value) {
    apply_run(state, Run::from_json(&obj));
}

fn delete(state: &mut State, name: &str) {
    update(
        state,
        Msg::Source(SourceEvent::Deleted(
            ResourceKind::AgentRun,
            ObjectKey::new("agents", name),
        )),
    );
}

fn open_pr(head: &str, number: u64) -> PullRequest {
    PullRequest {
        url: format!("https://github.com/proompteng/lab/pull/{number}"),
        title: "t".into(),
        mergeable: Some(true),
        ..PullRequest::new("proompteng/lab", head, number, PrState::Open, t0())
    }
}

/// The incident morning, small: a queue saturated in lane A, a rate limit in B, a duplicate, a
/// deletion held by its finalizer, a finished run about to be swept with its PR open, a step
/// retrying.
fn morning() -> State {
    let mut s = state();
    connect_all(&mut s);
    for i in 0..12 {
        apply(
            &mut s,
            blocked_json(
                &format!("q{i:02}"),
                "A",
                "QueueLimit",
                "Namespace agents reached queue limit",
            ),
        );
    }
    apply(
        &mut s,
        blocked_json(
            "rate-1",
            "B",
            "RateLimit",
            "agent codex-agent reached rate limit (retry after 45s)",
        ),
    );
    apply(
        &mut s,
        with(
            run_json("holder", Some("B"), Some("Running")),
            json!({"spec": {"idempotencyKey": "fw-1"}}),
        ),
    );
    apply(
        &mut s,
        with(
            run_json("dup", Some("B"), Some("Failed")),
            json!({"spec": {"idempotencyKey": "fw-1"}, "status": {"reason": "IdempotencyKeyInUse",
                "conditions": [{"type": "Duplicate", "status": "True", "reason": "IdempotencyKeyInUse"}]}}),
        ),
    );
    apply(
        &mut s,
        with(
            run_json("stuck-del", Some("C"), Some("Pending")),
            json!({"metadata": {"deletionTimestamp": "2026-02-10T11:50:00Z",
                "finalizers": ["agents.proompteng.ai/runtime-cleanup"]}}),
        ),
    );
    apply(
        &mut s,
        with(
            run_json("done-pr", Some("C"), Some("Succeeded")),
            json!({"spec": {"ttlSecondsAfterFinished": 3600},
                "status": {"finishedAt": "2026-02-10T11:10:00Z",
                    "runner": {"exitCode": 0, "model": "gpt-5-codex", "artifacts": {"logPath": "s3://runs/done-pr.log"}}}}),
        ),
    );
    update(
        &mut s,
        Msg::Source(SourceEvent::PullRequest(Box::new(open_pr(
            "codex/swarm/done-pr",
            42,
        )))),
    );
    apply(
        &mut s,
        with(
            run_json("retrying", Some("C"), Some("Running")),
            json!({"status": {"workflow": {"steps": [
                {"name": "plan", "phase": "Succeeded", "attempt": 1},
                {"name": "implement", "phase": "Retrying", "attempt": 2, "nextRetryAt": "2026-02-10T12:00:20Z",
                 "message": "job deleted; retries left: 1", "jobRef": {"name": "retrying-step-2-attempt-2"}}]}}}),
        ),
    );
    update(&mut s, Msg::Tick(t0() + chrono::Duration::seconds(5)));
    s
}

#[test]
fn the_morning_at_80x24() {
    let mut s = morning();
    insta::assert_snapshot!(render(&mut s, 80, 24));
}

#[test]
fn the_morning_at_200x60() {
    let mut s = morning();
    insta::assert_snapshot!(render(&mut s, 200, 60));
}

fn select(state: &mut State, name: &str) {
    state.ensure_board();
    let id = swarm_cockpit::app::board::CardId::Run(ObjectKey::new("agents", name));
    let (lane, card) = state.board_view().position(&id).expect("card on the board");
    // Move there with the board's own keys.
    press(state, [ch('g')]);
    for _ in 0..lane {
        press(state, [ch('l')]);
    }
    press(state, [ch('g')]);
    for _ in 0..card {
        press(state, [ch('j')]);
    }
    assert_eq!(selected_name(state).as_deref(), Some(name));
}

#[test]
fn detail_of_a_retrying_run_and_of_a_finished_run_about_to_go_at_200x60() {
    let mut s = morning();
    select(&mut s, "retrying");
    press(&mut s, [key(crossterm::event::KeyCode::Enter)]);
    insta::assert_snapshot!("detail_retrying", render(&mut s, 200, 60));
    press(&mut s, [key(crossterm::event::KeyCode::Esc)]);
    select(&mut s, "done-pr");
    press(&mut s, [key(crossterm::event::KeyCode::Enter)]);
    insta::assert_snapshot!("detail_retention", render(&mut s, 200, 60));
}

/// `tab` in the details selects a step (the second: `implement`, retrying): marked in Steps,
/// named in the title with what `l` does.
#[test]
fn detail_with_a_step_selected_at_120x40() {
    let mut s = morning();
    select(&mut s, "retrying");
    press(
        &mut s,
        [
            key(crossterm::event::KeyCode::Enter),
            key(crossterm::event::KeyCode::Tab),
            key(crossterm::event::KeyCode::Tab),
        ],
    );
    let screen = render(&mut s, 120, 40);
    assert!(screen.contains("▸ implement Retrying"), "{screen}");
    assert!(
        screen.contains("▸ step implement · attempt 2 (l: its pod's logs) ━"),
        "{screen}"
    );
    insta::assert_snapshot!(screen);
    // Narrower, the step stays whole and the key hint (the footer has it too) gives way.
    let screen = render(&mut s, 100, 30);
    let title = screen
        .lines()
        .find(|l| l.contains("AgentRun"))
        .unwrap_or_default();
    assert!(
        title.contains("AgentRun agents/retrying · ▸ step implement · attempt 2 ━"),
        "{title}"
    );
    assert!(
        !title.contains('…') && !title.contains("its pod"),
        "{title}"
    );
}

#[test]
fn detail_of_a_rate_limited_run_at_80x24() {
    let mut s = morning();
    select(&mut s, "rate-1");
    press(&mut s, [key(crossterm::event::KeyCode::Enter)]);
    insta::assert_snapshot!(render(&mut s, 80, 24));
}

#[test]
fn blocked_counts_follow_each_event_without_a_board_rebuild() {
    let mut s = morning();
    let c = &s.cluster.control.blocked;
    assert_eq!(c.total(), 13);
    assert_eq!(c.lane(Some("A")), vec![(BlockReason::QueueLimit, 12)]);
    assert_eq!(c.lane(Some("B")), vec![(BlockReason::RateLimit, 1)]);
    // One run starts, one goes: the counters move by one each, the board is never asked.
    apply(&mut s, run_json("q00", Some("A"), Some("Running")));
    delete(&mut s, "q01");
    delete(&mut s, "rate-1");
    let c = &s.cluster.control.blocked;
    assert_eq!(c.total(), 10);
    assert_eq!(c.lane(Some("A")), vec![(BlockReason::QueueLimit, 10)]);
    assert_eq!(c.lane(Some("B")), vec![]);
    assert_eq!(
        swarm_cockpit::app::control::saturation(&s)[0].banner(),
        "queue saturated: 10 blocked on QueueLimit in agents"
    );
    // Below the threshold the banner goes.
    for i in 2..8 {
        delete(&mut s, &format!("q{i:02}"));
    }
    assert!(swarm_cockpit::app::control::saturation(&s).is_empty());
    assert_eq!(swarm_cockpit::app::control::banner_rows(&s), 0);
}

#[test]
fn retain_asks_then_patches_and_is_refused_read_only() {
    let mut s = morning();
    select(&mut s, "done-pr");
    let effects = press(&mut s, [ch('R')]);
    assert!(effects.is_empty(), "asks first: {effects:?}");
    let confirm = s.screens.confirm().cloned().expect("a confirmation");
    assert_eq!(confirm.title, "Retain run done-pr?");
    assert!(
        confirm.lines[1]
            .contains("deletes the run, its pods and logs at 2026-02-10 12:10 UTC (in 9m)"),
        "{:?}",
        confirm.lines
    );
    let effects = press(&mut s, [ch('y')]);
    assert_eq!(
        effects,
        vec![Effect::RetainRuns(vec![ObjectKey::new(
            "agents", "done-pr"
        )])]
    );
    // Once the watch brings the annotation, the warning is gone and a second R says so.
    apply(
        &mut s,
        with(
            run_json("done-pr", Some("C"), Some("Succeeded")),
            json!({"metadata": {"annotations": {"agents.proompteng.ai/retain": "true"}},
                   "spec": {"ttlSecondsAfterFinished": 3600}, "status": {"finishedAt": "2026-02-10T11:10:00Z"}}),
        ),
    );
    assert!(press(&mut s, [ch('R')]).is_empty());
    assert!(s.screens.confirm().is_none());
    assert!(render(&mut s, 120, 24).contains("already retained"));

    let mut ro = morning();
    ro.settings.read_only = true;
    select(&mut ro, "done-pr");
    assert!(press(&mut ro, [ch('R')]).is_empty());
    assert!(ro.screens.confirm().is_none());
    assert!(render(&mut ro, 120, 24).contains("read-only: retaining runs is disabled"));
}

#[test]
fn save_logs_asks_for_every_pod_of_the_run() {
    let mut s = morning();
    s.logs.settings.save_dir = Some("/tmp/swarm-logs".into());
    select(&mut s, "done-pr");
    let effects = press(&mut s, [ch('S')]);
    match effects.as_slice() {
        [Effect::SaveRunLogs { query, dir }] => {
            assert_eq!(query.run, ObjectKey::new("agents", "done-pr"));
            assert_eq!(
                dir,
                &std::path::PathBuf::from("/tmp/swarm-logs/done-pr-20260210-120005")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_cancel_undone_by_a_retry_says_so_and_a_stuck_delete_too() {
    let mut s = morning();
    apply(
        &mut s,
        with(
            run_json("victim", Some("C"), Some("Running")),
            json!({"status": {"workflow": {"steps": [{"name": "implement", "phase": "Running", "attempt": 1,
                "startedAt": "2026-02-10T11:55:00Z"}]}}}),
        ),
    );
    select(&mut s, "victim");
    press(&mut s, [ch('x')]);
    let effects = press(&mut s, [ch('y')]);
    assert_eq!(
        effects,
        vec![Effect::CancelRuns(vec![ObjectKey::new("agents", "victim")])]
    );
    // The controller notices the deleted Job: the step has a retry left.
    update(&mut s, Msg::Tick(t0() + chrono::Duration::seconds(8)));
    apply(
        &mut s,
        with(
            run_json("victim", Some("C"), Some("Running")),
            json!({"status": {"workflow": {"steps": [{"name": "implement", "phase": "Retrying", "attempt": 2,
                "lastTransitionTime": "2026-02-10T12:00:07Z"}]}}}),
        ),
    );
    let screen = render(&mut s, 200, 60);
    assert!(
        screen
            .contains("victim: restarted by retry (implement attempt 2) — cancel again or delete"),
        "{screen}"
    );
    assert!(
        screen.contains("↻ restarted by retry (implement attempt 2)"),
        "{screen}"
    );

    // Delete it: the finalizer holds it past the threshold.
    press(&mut s, [ch('X')]);
    assert_eq!(
        press(&mut s, [ch('y')]),
        vec![Effect::DeleteRuns(vec![ObjectKey::new("agents", "victim")])]
    );
    apply(
        &mut s,
        with(
            run_json("victim", Some("C"), Some("Running")),
            json!({"metadata": {"deletionTimestamp": "2026-02-10T12:00:09Z",
                "finalizers": ["agents.proompteng.ai/runtime-cleanup"]}}),
        ),
    );
    assert!(!render(&mut s, 200, 60).contains("victim: deletion stuck"));
    update(&mut s, Msg::Tick(t0() + chrono::Duration::minutes(4)));
    let screen = render(&mut s, 200, 60);
    assert!(
        screen.contains("victim: deletion stuck on finalizer agents.proompteng.ai/runtime-cleanup"),
        "{screen}"
    );
    // The finalizer goes, the object with it: deleted, and the verdict leaves the card.
    delete(&mut s, "victim");
    assert!(render(&mut s, 200, 60).contains("victim: deleted"));
    assert!(
        swarm_cockpit::app::control::followed(&s, &ObjectKey::new("agents", "victim")).is_none()
    );
}

#[test]
fn a_cancel_that_ends_the_run_reports_cancelled() {
    let mut s = morning();
    apply(&mut s, run_json("short", Some("C"), Some("Running")));
    select(&mut s, "short");
    press(&mut s, [ch('x'), ch('y')]);
    apply(
        &mut s,
        with(
            run_json("short", Some("C"), Some("Failed")),
            json!({"status": {"reason": "JobMissing"}}),
        ),
    );
    assert!(render(&mut s, 200, 60).contains("short: cancelled (Failed: JobMissing)"));
    assert!(
        swarm_cockpit::app::control::followed(&s, &ObjectKey::new("agents", "short")).is_none()
    );
}

#[test]
fn swarms_show_when_held_and_vanish_when_absent() {
    let mut s = morning();
    let frozen = Swarm::from_json(
        &json!({"metadata": {"name": "torghut", "namespace": "agents"},
        "spec": {"mode": "lights-out"},
        "status": {"phase": "Frozen", "freeze": {"reason": "ConsecutiveFailures", "until": "2026-02-10T13:00:00Z",
            "consecutiveFailures": 3, "threshold": 3}}}),
    );
    update(
        &mut s,
        Msg::Source(SourceEvent::Swarm(SwarmEvent::Applied(Box::new(frozen)))),
    );
    assert_eq!(
        swarm_cockpit::app::control::launch_warnings(&s, "agents"),
        [
            "⚠ queue saturated: 12 blocked on QueueLimit in agents: new runs will wait behind them",
            "⚠ Swarm agents/torghut is frozen until 13:00 UTC (59m left): ConsecutiveFailures (3 consecutive failures, threshold 3): new work will not progress",
        ]
    );
    assert!(render(&mut s, 200, 60).contains("❄1 swarm frozen"));
    update(&mut s, Msg::Source(SourceEvent::Swarm(SwarmEvent::Absent)));
    assert!(swarm_cockpit::app::control::swarm_holds(&s, None).is_empty());
    assert!(!render(&mut s, 200, 60).contains("swarm frozen"));
}

#[test]
fn a_relist_that_drops_runs_recounts() {
    let mut s = morning();
    update(
        &mut s,
        Msg::Source(SourceEvent::ResyncStarted(ResourceKind::AgentRun)),
    );
    update(
        &mut s,
        Msg::Source(SourceEvent::Applied(Resource::Run(Box::new(
            Run::from_json(&blocked_json(
                "q00",
                "A",
                "QueueLimit",
                "Namespace agents reached queue limit",
            )),
        )))),
    );
    update(
        &mut s,
        Msg::Source(SourceEvent::ResyncDone(ResourceKind::AgentRun)),
    );
    assert_eq!(s.cluster.runs.len(), 1);
    assert_eq!(s.cluster.control.blocked.total(), 1);
}
