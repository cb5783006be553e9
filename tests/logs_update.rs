//! Pure tests of the log view in `update`: opening it from the board and the detail pane, the pod
//! picker, stream events, follow/pause, search, filter, options, save and copy, and back.
mod common;

use common::*;
use crossterm::event::{KeyCode, KeyModifiers, MouseEvent, MouseEventKind};
use serde_json::json;
use swarm_cockpit::app::logs::{LogEvent, LogRequest, PodQuery, StreamState};
use swarm_cockpit::app::state::Mode;
use swarm_cockpit::app::{Effect, Msg, State, update};
use swarm_cockpit::domain::log_buffer::{FilterMode, LineBatch};
use swarm_cockpit::domain::pod::PodInfo;
use swarm_cockpit::domain::{ObjectKey, Phase, Run};

fn run_key() -> ObjectKey {
    ObjectKey::new("agents", "fw-a1")
}

/// A board with one running workflow run (lane A) selected, at 100×30.
fn board() -> State {
    let mut s = state();
    let mut obj = run_json("fw-a1", Some("A"), Some("Running"));
    obj["status"]["runtimeRef"] =
        json!({"type": "workflow", "name": "fw-a1-step-1-attempt-1", "namespace": "agents"});
    apply_run(&mut s, Run::from_json(&obj));
    update(
        &mut s,
        Msg::Resize {
            width: 100,
            height: 30,
        },
    );
    s.ensure_board();
    s
}

fn pod(name: &str, minute: u32, attempt: u32) -> PodInfo {
    PodInfo::from_json(&json!({
        "metadata": {"name": name, "namespace": "agents",
                     "creationTimestamp": format!("2026-02-10T11:{minute:02}:00Z"),
                     "labels": {"agents.proompteng.ai/agent-run": "fw-a1",
                                "job-name": format!("fw-a1-step-1-attempt-{attempt}")}},
        "spec": {"containers": [{"name": "agent-runner"}]},
        "status": {"phase": "Running"}
    }))
}

fn pods_event(pods: Vec<PodInfo>) -> Msg {
    Msg::Log(LogEvent::Pods {
        run: run_key(),
        pods,
    })
}

fn lines(stream: u64, from: usize, to: usize) -> Msg {
    let mut batch = LineBatch::default();
    for i in from..to {
        let text = if i % 10 == 0 {
            format!("line {i} ERROR boom")
        } else {
            format!("line {i} ok")
        };
        batch.push_str(Some(i as i64 * 1_000_000), &text);
    }
    Msg::Log(LogEvent::Lines { stream, batch })
}

fn stream_request(effects: &[Effect]) -> LogRequest {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::StreamLogs(r) => Some(r.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no StreamLogs in {effects:?}"))
}

/// Logs open on the single pod, streaming; returns the stream id.
fn streaming() -> (State, u64) {
    let mut s = board();
    press(&mut s, [ch('L')]);
    let effects = press(&mut s, [pods_event(vec![pod("fw-a1-pod", 1, 1)])]);
    let id = stream_request(&effects).stream;
    (s, id)
}

fn view(s: &State) -> &swarm_cockpit::app::logs::LogView {
    s.screens.logs().expect("log view open")
}

#[test]
fn shift_l_on_the_board_opens_the_logs_and_watches_the_pods() {
    let mut s = board();
    let effects = press(&mut s, [ch('L')]);
    assert_eq!(s.mode(), Mode::Logs);
    assert_eq!(
        effects,
        [
            Effect::StopLogs,
            Effect::WatchPods(PodQuery {
                run: run_key(),
                job: Some("fw-a1-step-1-attempt-1".into()),
                phase: Phase::Running,
            })
        ]
    );
    assert_eq!(view(&s).stream, StreamState::FindingPods);
}

#[test]
fn l_on_the_board_is_still_the_next_lane_but_opens_logs_in_the_details() {
    let mut s = board();
    let lane = s.ui.lane;
    press(&mut s, [ch('l')]);
    assert_eq!(s.mode(), Mode::Board);
    assert_ne!(s.ui.lane, lane, "l moves to the next lane on the board");
    press(&mut s, [ch('h'), key(KeyCode::Enter)]);
    assert_eq!(s.mode(), Mode::Detail);
    let effects = press(&mut s, [ch('l')]);
    assert_eq!(s.mode(), Mode::Logs);
    assert!(effects.iter().any(|e| matches!(e, Effect::WatchPods(_))));
}

#[test]
fn a_work_item_card_has_no_logs() {
    let mut s = state();
    apply_item(&mut s, item("todo", Some("A"), "not launched"));
    s.ensure_board();
    assert!(press(&mut s, [ch('L')]).is_empty());
    assert_eq!(s.mode(), Mode::Board);
}

#[test]
fn one_pod_streams_at_once_from_the_configured_tail() {
    let mut s = board();
    s.logs.settings.tail = Some(500);
    press(&mut s, [ch('L')]);
    let effects = press(&mut s, [pods_event(vec![pod("fw-a1-pod", 1, 1)])]);
    let req = stream_request(&effects);
    assert_eq!(
        req,
        LogRequest {
            stream: req.stream,
            namespace: "agents".into(),
            pod: "fw-a1-pod".into(),
            container: "agent-runner".into(),
            follow: true,
            previous: false,
            tail: Some(500),
            since_seconds: None,
        }
    );
    assert_eq!(view(&s).stream, StreamState::Connecting);
}

#[test]
fn no_pods_yet_waits_for_the_watch() {
    let mut s = board();
    press(&mut s, [ch('L')]);
    assert!(press(&mut s, [pods_event(vec![])]).is_empty());
    assert_eq!(view(&s).stream, StreamState::NoPods);
    let effects = press(&mut s, [pods_event(vec![pod("late", 5, 1)])]);
    assert_eq!(stream_request(&effects).pod, "late");
}

#[test]
fn several_pods_open_the_picker_newest_first() {
    let mut s = board();
    press(&mut s, [ch('L')]);
    let mut pods = vec![
        pod("fw-a1-step-1-attempt-1-x", 1, 1),
        pod("fw-a1-step-1-attempt-3-z", 9, 3),
        pod("fw-a1-step-1-attempt-2-y", 5, 2),
    ];
    swarm_cockpit::domain::pod::sort_newest_first(&mut pods);
    assert!(press(&mut s, [pods_event(pods)]).is_empty());
    assert_eq!(view(&s).picker, Some(0));
    assert_eq!(view(&s).pods[0].attempt, Some(3));
    assert_eq!(view(&s).pods[0].step_label(), "step 1 · attempt 3");
    let effects = press(&mut s, [ch('j'), key(KeyCode::Enter)]);
    assert_eq!(stream_request(&effects).pod, "fw-a1-step-1-attempt-2-y");
    assert_eq!(view(&s).picker, None);
    // P reopens it on the current pod; esc closes it and keeps the stream.
    press(&mut s, [ch('P')]);
    assert_eq!(view(&s).picker, Some(1));
    assert!(press(&mut s, [key(KeyCode::Esc)]).is_empty());
    assert_eq!(s.mode(), Mode::Logs);
}

#[test]
fn help_from_the_pod_picker_lists_the_picker_keys_first_and_returns_to_it() {
    let mut s = board();
    press(&mut s, [ch('L')]);
    press(&mut s, [pods_event(vec![pod("a", 1, 1), pod("b", 2, 2)])]);
    assert_eq!(view(&s).picker, Some(0));
    press(&mut s, [ch('?')]);
    assert_eq!(s.mode(), Mode::Help);
    let titles: Vec<String> = swarm_cockpit::app::help::lines(&s, 80)
        .into_iter()
        .filter_map(|l| match l {
            swarm_cockpit::app::help::HelpLine::Title(t) => Some(t),
            _ => None,
        })
        .collect();
    assert!(titles[0].starts_with("Pod picker"), "{titles:?}");
    assert!(titles[1].starts_with("Logs"), "{titles:?}");
    press(&mut s, [key(KeyCode::Esc)]);
    assert_eq!(s.mode(), Mode::Logs);
    assert_eq!(view(&s).picker, Some(0), "the picker is still open");
}

#[test]
fn backing_out_of_the_first_picker_leaves_the_logs() {
    let mut s = board();
    press(&mut s, [ch('L')]);
    press(&mut s, [pods_event(vec![pod("a", 1, 1), pod("b", 2, 2)])]);
    assert_eq!(press(&mut s, [key(KeyCode::Esc)]), [Effect::StopLogs]);
    assert_eq!(s.mode(), Mode::Board);
    assert!(!s.screens.is_open(Mode::Logs));
}

#[test]
fn lines_of_an_older_stream_are_ignored() {
    let (mut s, id) = streaming();
    update(&mut s, lines(id + 99, 0, 10));
    assert_eq!(view(&s).buffer.len(), 0);
    update(&mut s, lines(id, 0, 10));
    assert_eq!(view(&s).buffer.len(), 10);
    assert_eq!(view(&s).stream, StreamState::Streaming);
}

#[test]
fn stream_states_show_and_a_finished_pod_ends() {
    let (mut s, id) = streaming();
    for st in [
        StreamState::Streaming,
        StreamState::Reconnecting("connection refused".into()),
        StreamState::Ended("Completed, exit code 0".into()),
    ] {
        update(
            &mut s,
            Msg::Log(LogEvent::State {
                stream: id,
                state: st.clone(),
            }),
        );
        assert_eq!(view(&s).stream, st);
    }
}

/// Body rows at 100×30: 30 − title − status − header − footer.
const BODY: usize = 26;

fn first_visible(s: &State) -> u64 {
    let v = view(s);
    let rows = v.rows(100);
    let vis = v.scroll.visible(&rows, BODY);
    use swarm_cockpit::domain::log_buffer::Rows;
    rows.seq_at(vis[0].0)
}

#[test]
fn follow_pauses_on_scroll_up_and_resumes_with_g() {
    let (mut s, id) = streaming();
    update(&mut s, lines(id, 0, 100));
    assert!(view(&s).scroll.follow);
    assert_eq!(first_visible(&s), 100 - BODY as u64);
    press(&mut s, [ch('k')]);
    assert!(!view(&s).scroll.follow, "k pauses following");
    let pinned = first_visible(&s);
    assert_eq!(pinned, 100 - BODY as u64 - 1);
    update(&mut s, lines(id, 100, 150));
    assert_eq!(first_visible(&s), pinned, "a paused view does not move");
    assert_eq!(view(&s).unseen, 50);
    press(&mut s, [ch('G')]);
    assert!(view(&s).scroll.follow);
    assert_eq!(view(&s).unseen, 0);
    assert_eq!(first_visible(&s), 150 - BODY as u64);
    press(&mut s, [ctrl('u')]);
    assert!(!view(&s).scroll.follow);
    press(&mut s, [key(KeyCode::End)]);
    assert!(view(&s).scroll.follow);
    press(&mut s, [ch('g')]);
    assert_eq!(first_visible(&s), 0);
    press(&mut s, [ch('f')]);
    assert!(view(&s).scroll.follow, "f toggles following back on");
}

#[test]
fn the_wheel_scrolls_the_log() {
    let (mut s, id) = streaming();
    update(&mut s, lines(id, 0, 100));
    let wheel = |kind| {
        Msg::Mouse(MouseEvent {
            kind,
            column: 10,
            row: 10,
            modifiers: KeyModifiers::NONE,
        })
    };
    press(&mut s, [wheel(MouseEventKind::ScrollUp)]);
    assert!(!view(&s).scroll.follow);
    assert_eq!(first_visible(&s), 100 - BODY as u64 - 3);
}

#[test]
fn search_lands_on_the_newest_match_and_n_moves_between_matches() {
    let (mut s, id) = streaming();
    update(&mut s, lines(id, 0, 100));
    press(&mut s, [ch('/')]);
    assert_eq!(view(&s).prompt.as_deref(), Some(""));
    press(&mut s, typed("error"));
    press(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(view(&s).prompt, None);
    assert_eq!(
        view(&s).current_match,
        Some(90),
        "smart case: 'error' finds ERROR"
    );
    press(&mut s, [ch('N')]);
    assert_eq!(view(&s).current_match, Some(80));
    press(&mut s, [ch('N'), ch('N')]);
    assert_eq!(view(&s).current_match, Some(60));
    let top = first_visible(&s);
    assert!(
        top <= 60 && 60 < top + BODY as u64,
        "the match is on screen"
    );
    press(&mut s, [ch('n')]);
    assert_eq!(view(&s).current_match, Some(70));
    // Wraps around at the end with a notice.
    press(&mut s, [ch('n'), ch('n'), ch('n')]);
    assert_eq!(view(&s).current_match, Some(0));
    assert!(
        view(&s)
            .notice
            .as_deref()
            .unwrap_or("")
            .contains("continued"),
        "{:?}",
        view(&s).notice
    );
}

#[test]
fn a_search_typed_and_cancelled_changes_nothing() {
    let (mut s, id) = streaming();
    update(&mut s, lines(id, 0, 10));
    press(&mut s, [ch('/')]);
    press(&mut s, typed("boom"));
    press(&mut s, [key(KeyCode::Backspace), key(KeyCode::Esc)]);
    assert!(view(&s).search.is_none());
    assert_eq!(view(&s).prompt, None);
    // Keys typed into the prompt are text, not commands.
    press(&mut s, [ch('/')]);
    press(&mut s, typed("q"));
    assert_eq!(s.mode(), Mode::Logs);
    assert_eq!(view(&s).prompt.as_deref(), Some("q"));
}

#[test]
fn filter_shows_only_matches_and_inverse_the_rest() {
    let (mut s, id) = streaming();
    update(&mut s, lines(id, 0, 100));
    press(&mut s, [ch('F')]);
    assert_eq!(view(&s).filter, FilterMode::Off, "no search yet");
    assert!(view(&s).notice.is_some());
    press(&mut s, [ch('/')]);
    press(&mut s, typed("ERROR"));
    press(&mut s, [key(KeyCode::Enter), ch('F')]);
    assert_eq!(view(&s).filter, FilterMode::Matching);
    assert_eq!(view(&s).filter_index.seqs.len(), 10);
    update(&mut s, lines(id, 100, 120));
    assert_eq!(
        view(&s).filter_index.seqs.len(),
        12,
        "new lines are filtered too"
    );
    press(&mut s, [ch('!')]);
    assert_eq!(view(&s).filter, FilterMode::NotMatching);
    assert_eq!(view(&s).filter_index.seqs.len(), 108);
    press(&mut s, [ch('!')]);
    assert_eq!(view(&s).filter, FilterMode::Off);
}

#[test]
fn ctrl_s_saves_the_buffer_or_the_filtered_lines_into_the_state_dir() {
    let (mut s, id) = streaming();
    s.logs.settings.save_dir = Some("/state/logs".into());
    update(&mut s, lines(id, 0, 30));
    let effects = press(&mut s, [ctrl('s')]);
    let [
        Effect::SaveLogs {
            path,
            contents,
            lines: n,
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}");
    };
    assert!(path.starts_with("/state/logs"), "{path:?}");
    assert!(path.to_string_lossy().contains("fw-a1-pod-20260210-"));
    assert_eq!(*n, 30);
    assert!(contents.starts_with("line 0 ERROR boom\nline 1 ok\n"));
    // Filtered view → only matching lines, and the name says so.
    press(&mut s, [ch('/')]);
    press(&mut s, typed("ERROR"));
    press(&mut s, [key(KeyCode::Enter), ch('F'), ch('t')]);
    let effects = press(&mut s, [ctrl('s')]);
    let Some(Effect::SaveLogs { path, contents, .. }) = effects.first() else {
        panic!("{effects:?}");
    };
    assert!(path.to_string_lossy().ends_with("-filtered.log"));
    assert_eq!(contents.lines().count(), 3);
    assert!(
        contents.starts_with("1970-01-01T00:00:00.000000000Z line 0 ERROR"),
        "timestamps shown → saved: {contents}"
    );
    update(
        &mut s,
        Msg::Log(LogEvent::Saved {
            path: path.clone(),
            lines: 3,
        }),
    );
    assert!(
        view(&s)
            .notice
            .as_deref()
            .unwrap_or("")
            .contains("saved 3 lines")
    );
}

#[test]
fn y_copies_the_current_match_or_the_last_line() {
    let (mut s, id) = streaming();
    update(&mut s, lines(id, 0, 30));
    assert_eq!(
        press(&mut s, [ch('y')]),
        [Effect::Copy("line 29 ok".into())]
    );
    press(&mut s, [ch('/')]);
    press(&mut s, typed("boom"));
    press(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(
        press(&mut s, [ch('y')]),
        [Effect::Copy("line 20 ERROR boom".into())]
    );
}

#[test]
fn options_that_change_the_request_restart_the_stream() {
    let (mut s, id) = streaming();
    update(&mut s, lines(id, 0, 30));
    let req = stream_request(&press(&mut s, [ch('p')]));
    assert!(req.previous && !req.follow);
    assert!(req.stream > id);
    assert_eq!(view(&s).buffer.len(), 0, "a new stream starts a new buffer");
    let req = stream_request(&press(&mut s, [ch('p')]));
    assert!(!req.previous && req.follow);
    let req = stream_request(&press(&mut s, [ch('5')]));
    assert_eq!((req.since_seconds, req.tail), (Some(300), None));
    let req = stream_request(&press(&mut s, [ch('1')]));
    assert_eq!(req.since_seconds, Some(60));
    let req = stream_request(&press(&mut s, [ch('0')]));
    assert_eq!((req.since_seconds, req.tail), (None, None));
    let req = stream_request(&press(&mut s, [ch('T')]));
    assert_eq!(req.tail, Some(100));
    let req = stream_request(&press(&mut s, [ch('T')]));
    assert_eq!(req.tail, Some(1000));
    // Display toggles do not touch the stream.
    assert!(press(&mut s, [ch('t'), ch('w')]).is_empty());
    assert!(view(&s).options.timestamps);
    assert!(!view(&s).options.wrap);
}

#[test]
fn help_from_the_logs_returns_to_the_logs_and_esc_returns_to_the_board() {
    let (mut s, _) = streaming();
    press(&mut s, [ch('?')]);
    assert_eq!(s.mode(), Mode::Help);
    press(&mut s, [key(KeyCode::Esc)]);
    assert_eq!(s.mode(), Mode::Logs);
    assert_eq!(press(&mut s, [ch('q')]), [Effect::StopLogs]);
    assert_eq!(s.mode(), Mode::Board);
    assert!(!s.screens.is_open(Mode::Logs));
    assert_eq!(press(&mut s, [ch('L')]).len(), 2, "and back in again");
    assert_eq!(
        press(&mut s, [ctrl('c')]),
        [Effect::Quit],
        "ctrl-c quits from the logs"
    );
}

#[test]
fn the_buffer_cap_from_the_settings_applies() {
    let mut s = board();
    s.logs.settings.max_lines = 50;
    press(&mut s, [ch('L')]);
    let id = stream_request(&press(&mut s, [pods_event(vec![pod("p", 1, 1)])])).stream;
    update(&mut s, lines(id, 0, 120));
    assert_eq!(view(&s).buffer.len(), 50);
    assert_eq!(view(&s).buffer.dropped(), 70);
}

#[test]
fn the_logs_config_table_sets_the_view_and_refuses_nonsense() {
    use swarm_cockpit::config::Config;
    let c = Config::parse(
        "[logs]\nmax_lines = 5000\nmax_bytes = 1048576\ntail = 0\ntimestamps = true\nwrap = false\n",
        "c.toml",
    )
    .expect("valid");
    let s = c.logs.settings(Some("/state/logs".into()));
    assert_eq!(
        (s.max_lines, s.max_bytes, s.tail, s.timestamps, s.wrap),
        (5000, 1_048_576, None, true, false)
    );
    let d = Config::default().logs.settings(None);
    assert_eq!(
        (d.max_lines, d.tail, d.wrap),
        (1_000_000, Some(10_000), true)
    );
    let e = Config::parse("[logs]\ntail = 10\nmax_line = 3\n", "c.toml").expect_err("unknown");
    assert_eq!(e.line, 3);
    assert!(e.message.contains("max_line"), "{e}");
    let e = Config::parse("[logs]\n\nmax_lines = 0\n", "c.toml").expect_err("zero");
    assert_eq!(e.line, 3);
    let e = Config::parse("[logs]\nmax_bytes = 10\n", "c.toml").expect_err("tiny");
    assert!(e.message.contains("max_bytes"), "{e}");
    let e = Config::parse("[logs]\nwrap = \"yes\"\n", "c.toml").expect_err("type");
    assert_eq!(e.line, 2);
}

/// A run of two workflow steps: `implement` done on attempt 1, `review` running its attempt 2.
fn stepped_board() -> State {
    let mut s = state();
    let mut obj = run_json("fw-a1", Some("A"), Some("Running"));
    obj["status"]["runtimeRef"] =
        json!({"type": "workflow", "name": "fw-a1-step-2-attempt-2", "namespace": "agents"});
    obj["status"]["workflow"] = json!({"phase": "Running", "steps": [
        {"name": "implement", "phase": "Succeeded", "attempt": 1,
         "jobRef": {"name": "fw-a1-step-1-attempt-1"}},
        {"name": "review", "phase": "Running", "attempt": 2,
         "jobRef": {"name": "fw-a1-step-2-attempt-2"}}]});
    apply_run(&mut s, Run::from_json(&obj));
    s.ensure_board();
    s
}

fn step_pod(name: &str, minute: u32, job: &str) -> PodInfo {
    PodInfo::from_json(&json!({
        "metadata": {"name": name, "namespace": "agents",
                     "creationTimestamp": format!("2026-02-10T11:{minute:02}:00Z"),
                     "labels": {"agents.proompteng.ai/agent-run": "fw-a1", "job-name": job}},
        "spec": {"containers": [{"name": "agent-runner"}]},
        "status": {"phase": "Running"}
    }))
}

fn detail_step(s: &State) -> Option<usize> {
    s.screens.detail_step()
}

#[test]
fn tab_selects_a_step_in_the_details_and_round_again() {
    let mut s = stepped_board();
    press(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(detail_step(&s), None);
    press(&mut s, [key(KeyCode::Tab)]);
    assert_eq!(detail_step(&s), Some(0));
    press(&mut s, [key(KeyCode::Tab)]);
    assert_eq!(detail_step(&s), Some(1));
    // Past the last step: the whole run again.
    press(&mut s, [key(KeyCode::Tab)]);
    assert_eq!(detail_step(&s), None);
    press(&mut s, [key(KeyCode::BackTab)]);
    assert_eq!(detail_step(&s), Some(1));
    press(&mut s, [key(KeyCode::BackTab), key(KeyCode::BackTab)]);
    assert_eq!(detail_step(&s), None);

    // A card without steps says so and selects nothing.
    let mut s = board();
    press(&mut s, [key(KeyCode::Enter), key(KeyCode::Tab)]);
    assert_eq!(detail_step(&s), None);
    assert_eq!(
        s.toasts.current(s.now),
        Some("no workflow steps reported for this card")
    );
}

#[test]
fn logs_of_a_selected_step_open_on_its_attempts_pod() {
    let mut s = stepped_board();
    // The second step, `review`, on its attempt 2.
    press(
        &mut s,
        [key(KeyCode::Enter), key(KeyCode::Tab), key(KeyCode::Tab)],
    );
    let effects = press(&mut s, [ch('l')]);
    assert_eq!(s.mode(), Mode::Logs);
    assert!(effects.iter().any(|e| matches!(e, Effect::WatchPods(_))));
    // Newest first: review's attempt 2, its attempt 1, implement's pod. The step's Job's pod is
    // chosen without the picker.
    let effects = press(
        &mut s,
        [pods_event(vec![
            step_pod("review-2", 9, "fw-a1-step-2-attempt-2"),
            step_pod("review-1", 5, "fw-a1-step-2-attempt-1"),
            step_pod("implement-1", 1, "fw-a1-step-1-attempt-1"),
        ])],
    );
    assert_eq!(stream_request(&effects).pod, "review-2");
    assert_eq!(view(&s).picker, None);
    assert_eq!(
        view(&s).notice.as_deref(),
        Some("step review · attempt 2: pod review-2")
    );

    // The first step's pod, from the details again.
    press(
        &mut s,
        [key(KeyCode::Esc), key(KeyCode::Enter), key(KeyCode::Tab)],
    );
    assert_eq!(detail_step(&s), Some(0));
    press(&mut s, [ch('l')]);
    let effects = press(
        &mut s,
        [pods_event(vec![
            step_pod("review-2", 9, "fw-a1-step-2-attempt-2"),
            step_pod("implement-1", 1, "fw-a1-step-1-attempt-1"),
        ])],
    );
    assert_eq!(stream_request(&effects).pod, "implement-1");
}

/// The logs of the `review` step (its attempt 2) opened from the details while the pod watch has
/// found only attempt 1's pod (attempt 2's is being created): not the one asked for.
fn review_logs_before_its_pod(s: &mut State) -> Vec<Effect> {
    press(
        s,
        [
            key(KeyCode::Enter),
            key(KeyCode::Tab),
            key(KeyCode::Tab),
            ch('l'),
        ],
    );
    press(
        s,
        [pods_event(vec![step_pod(
            "review-1",
            5,
            "fw-a1-step-2-attempt-1",
        )])],
    )
}

/// The pod watch once attempt 2's pod of `review` exists too.
fn review_pods_of_both_attempts() -> Msg {
    pods_event(vec![
        step_pod("review-2", 9, "fw-a1-step-2-attempt-2"),
        step_pod("review-1", 5, "fw-a1-step-2-attempt-1"),
    ])
}

#[test]
fn without_the_steps_pod_the_picker_opens_and_says_so_then_takes_it_when_it_comes() {
    let mut s = stepped_board();
    let effects = review_logs_before_its_pod(&mut s);
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(view(&s).picker, Some(0));
    assert_eq!(view(&s).stream, StreamState::Picking);
    assert_eq!(
        view(&s).notice.as_deref(),
        Some("no pod of step review · attempt 2 among the run's pods (yet): pick one")
    );
    // Attempt 2's pod appears before the operator picked: it is the one shown.
    let effects = press(&mut s, [review_pods_of_both_attempts()]);
    assert_eq!(stream_request(&effects).pod, "review-2");
    assert_eq!(view(&s).picker, None);
}

#[test]
fn a_pod_picked_by_hand_is_kept_when_the_steps_pod_comes_later() {
    let mut s = stepped_board();
    review_logs_before_its_pod(&mut s);
    let effects = press(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(stream_request(&effects).pod, "review-1");
    let effects = press(&mut s, [review_pods_of_both_attempts()]);
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(
        view(&s).pod.as_ref().map(|p| p.name.as_str()),
        Some("review-1")
    );
}
