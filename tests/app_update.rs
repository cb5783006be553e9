//! Pure tests of `update`: every key binding and every source message, no terminal, no cluster.
mod common;

use common::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use rstest::rstest;
use swarm_cockpit::app::board::{CardId, UNASSIGNED};
use swarm_cockpit::app::state::Mode;
use swarm_cockpit::app::{ConnState, Effect, Msg, SourceEvent, State, update};
use swarm_cockpit::domain::clock;
use swarm_cockpit::domain::{
    ChecksRollup, ObjectKey, Phase, PrState, PullRequest, ResourceKind, ReviewDecision,
};

fn lane_titles(state: &mut State) -> Vec<String> {
    state
        .board()
        .columns
        .iter()
        .map(|c| c.title.clone())
        .collect()
}

#[test]
fn cards_go_to_their_lanes_sorted_by_attention_and_strays_are_unassigned() {
    let mut s = populated();
    let titles = lane_titles(&mut s);
    assert_eq!(
        titles,
        [
            "A · Trading service core",
            "B · Data",
            "C · Infra",
            UNASSIGNED
        ]
    );
    let names: Vec<String> = s.board().columns[0]
        .cards
        .iter()
        .map(|c| match &c.id {
            CardId::Run(k) | CardId::WorkItem(k) => k.name.to_string(),
        })
        .collect();
    assert_eq!(names, ["a-failed", "a-running", "a-done"]);
    let counts = s.board().columns[0].counts;
    assert_eq!(counts.iter().sum::<u32>(), 3);
    assert_eq!(s.board().columns[3].cards.len(), 1);
}

#[test]
fn a_run_without_lane_label_takes_its_work_items_lane() {
    let mut s = state();
    apply_item(&mut s, item("x-spec", Some("B"), "Do x"));
    apply_run(&mut s, run("x", None, Some("Running")));
    let b = &s.board().columns[1];
    assert_eq!(b.cards.len(), 1, "the run sits in lane B");
    assert_eq!(b.cards[0].phase, Phase::Running);
}

#[test]
fn work_items_without_runs_are_cards_until_launched() {
    let mut s = state();
    apply_item(&mut s, item("later", Some("C"), "Not yet"));
    assert_eq!(s.board().columns[2].cards[0].phase, Phase::NotLaunched);
    apply_run(&mut s, run("later-run", Some("C"), None));
    // The run executes `later-run-spec`, not `later`, so both show.
    assert_eq!(s.board().columns[2].cards.len(), 2);
    apply_item(&mut s, item("later-run-spec", Some("C"), "launched"));
    assert_eq!(
        s.board().columns[2].cards.len(),
        2,
        "a launched item is shown through its run"
    );
}

#[test]
fn without_a_plan_lanes_are_discovered_from_labels() {
    let mut s = State::new(Default::default(), Default::default(), t0());
    apply_run(&mut s, run("r2", Some("E"), None));
    apply_run(&mut s, run("r1", Some("D"), None));
    apply_run(&mut s, run("r0", None, None));
    assert_eq!(lane_titles(&mut s), ["D", "E", UNASSIGNED]);
}

#[rstest]
#[case::l(ch('l'), 1)]
#[case::right(key(KeyCode::Right), 1)]
fn lane_right(#[case] msg: Msg, #[case] lane: usize) {
    let mut s = populated();
    press(&mut s, [msg]);
    assert_eq!(s.ui.lane, lane);
    assert_eq!(selected_name(&s).as_deref(), Some("b-pending"));
}

#[rstest]
#[case::h(ch('h'))]
#[case::left(key(KeyCode::Left))]
fn lane_left_clamps_at_the_first_lane(#[case] msg: Msg) {
    let mut s = populated();
    press(&mut s, [ch('l'), msg.clone(), msg]);
    assert_eq!(s.ui.lane, 0);
    assert_eq!(selected_name(&s).as_deref(), Some("a-failed"));
}

#[test]
fn lane_right_clamps_at_the_last_lane() {
    let mut s = populated();
    press(&mut s, (0..10).map(|_| ch('l')));
    assert_eq!(s.ui.lane, 3);
    assert_eq!(selected_name(&s).as_deref(), Some("stray"));
}

#[test]
fn empty_lane_has_no_selection() {
    let mut s = populated();
    press(&mut s, [ch('l'), ch('l')]);
    assert_eq!(s.ui.lane, 2);
    assert_eq!(s.selected_card(), None);
    press(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(s.mode(), Mode::Board, "nothing to open");
}

#[rstest]
#[case::j(ch('j'), ch('k'))]
#[case::arrows(key(KeyCode::Down), key(KeyCode::Up))]
fn card_up_and_down(#[case] down: Msg, #[case] up: Msg) {
    let mut s = populated();
    press(&mut s, [down.clone()]);
    assert_eq!(selected_name(&s).as_deref(), Some("a-running"));
    press(&mut s, [down.clone(), down]);
    assert_eq!(
        selected_name(&s).as_deref(),
        Some("a-done"),
        "clamped at the end"
    );
    press(&mut s, [up.clone(), up.clone(), up]);
    assert_eq!(
        selected_name(&s).as_deref(),
        Some("a-failed"),
        "clamped at the top"
    );
}

#[rstest]
#[case::g(ch('G'), ch('g'))]
#[case::home_end(key(KeyCode::End), key(KeyCode::Home))]
#[case::pages(ctrl('d'), ctrl('u'))]
#[case::pg_keys(key(KeyCode::PageDown), key(KeyCode::PageUp))]
fn jumps(#[case] to_end: Msg, #[case] to_start: Msg) {
    let mut s = populated();
    press(&mut s, [to_end]);
    assert_eq!(selected_name(&s).as_deref(), Some("a-done"));
    press(&mut s, [to_start]);
    assert_eq!(selected_name(&s).as_deref(), Some("a-failed"));
}

#[test]
fn enter_opens_detail_and_q_or_esc_close_it() {
    for close in [ch('q'), key(KeyCode::Esc)] {
        let mut s = populated();
        press(&mut s, [ch('j'), key(KeyCode::Enter)]);
        assert_eq!(s.mode(), Mode::Detail);
        assert_eq!(
            s.selected_run().map(|r| r.key.name.as_str()),
            Some("a-running")
        );
        press(&mut s, [ch('j'), ch('j')]);
        assert_eq!(s.screens.detail_scroll().unwrap_or(0), 2);
        press(&mut s, [ch('k'), key(KeyCode::PageDown)]);
        assert_eq!(s.screens.detail_scroll().unwrap_or(0), 11);
        press(&mut s, [key(KeyCode::PageUp), ch('g')]);
        assert_eq!(s.screens.detail_scroll().unwrap_or(0), 0);
        let effects = press(&mut s, [close]);
        assert!(effects.is_empty(), "closing the pane does not quit");
        assert_eq!(s.mode(), Mode::Board);
    }
}

#[test]
fn help_opens_from_board_and_detail_and_closes_with_q_esc_or_question_mark() {
    for close in [ch('q'), key(KeyCode::Esc), ch('?')] {
        let mut s = populated();
        press(&mut s, [ch('?')]);
        assert_eq!(s.mode(), Mode::Help);
        press(&mut s, [ch('j'), ch('j'), ch('k')]);
        assert_eq!(s.screens.help_scroll().unwrap_or(0), 1);
        press(&mut s, [close]);
        assert_eq!(s.mode(), Mode::Board);
    }
    let mut s = populated();
    press(&mut s, [key(KeyCode::Enter), ch('?')]);
    assert_eq!(s.mode(), Mode::Help);
}

#[test]
fn q_quits_from_the_board_but_esc_does_not() {
    let mut s = populated();
    assert!(press(&mut s, [key(KeyCode::Esc)]).is_empty());
    assert!(!s.quitting);
    assert_eq!(press(&mut s, [ch('q')]), vec![Effect::Quit]);
    assert!(s.quitting);
}

#[rstest]
#[case::board(vec![])]
#[case::detail(vec![key(KeyCode::Enter)])]
#[case::help(vec![ch('?')])]
#[case::filter(vec![ch('/'), ch('a')])]
fn ctrl_c_quits_from_everywhere(#[case] before: Vec<Msg>) {
    let mut s = populated();
    press(&mut s, before);
    assert_eq!(press(&mut s, [ctrl('c')]), vec![Effect::Quit]);
}

#[test]
fn filter_typing_narrows_enter_keeps_esc_clears() {
    let mut s = populated();
    press(&mut s, [ch('/')]);
    assert!(s.ui.filter_editing);
    press(&mut s, "pend".chars().map(ch));
    assert_eq!(s.ui.filter, "pend");
    let total: usize = s.board().columns.iter().map(|c| c.cards.len()).sum();
    assert_eq!(total, 1);
    assert_eq!(
        selected_name(&s).as_deref(),
        Some("b-pending"),
        "selection jumps to a match"
    );
    press(&mut s, [ch('q')]);
    assert_eq!(s.ui.filter, "pendq", "q types while filtering");
    press(&mut s, [key(KeyCode::Backspace), key(KeyCode::Enter)]);
    assert!(!s.ui.filter_editing);
    assert_eq!(s.ui.filter, "pend");
    press(&mut s, [key(KeyCode::Esc)]);
    assert_eq!(s.ui.filter, "", "esc on the board clears the kept filter");
    let total: usize = s.board().columns.iter().map(|c| c.cards.len()).sum();
    assert_eq!(total, 5);
    press(&mut s, [ch('/'), ch('x'), key(KeyCode::Esc)]);
    assert!(!s.ui.filter_editing);
    assert_eq!(s.ui.filter, "");
}

#[test]
fn filter_is_fuzzy_over_names_branches_and_phases() {
    let mut s = populated();
    press(&mut s, [ch('/')]);
    press(&mut s, "arun".chars().map(ch));
    let shown: usize = s.board().columns.iter().map(|c| c.cards.len()).sum();
    assert_eq!(shown, 1, "fuzzy a-r-u-n matches a-running only");
    assert_eq!(selected_name(&s).as_deref(), Some("a-running"));
    press(&mut s, [key(KeyCode::Esc), ch('/')]);
    press(&mut s, "failed".chars().map(ch));
    assert_eq!(selected_name(&s).as_deref(), Some("a-failed"));
}

#[test]
fn unbound_keys_do_nothing_and_do_not_redraw() {
    let mut s = populated();
    s.mark_drawn(None);
    assert!(press(&mut s, [ch('z'), key(KeyCode::F(5))]).is_empty());
    assert!(!s.needs_redraw());
}

#[test]
fn selection_follows_its_object_when_the_board_reorders() {
    let mut s = populated();
    press(&mut s, [ch('j')]);
    assert_eq!(selected_name(&s).as_deref(), Some("a-running"));
    // a-running fails: it moves to the top of the lane, and the selection moves with it.
    apply_run(&mut s, run("a-running", Some("A"), Some("Failed")));
    s.ensure_board();
    assert_eq!(selected_name(&s).as_deref(), Some("a-running"));
    assert_eq!(s.ui.card, 1, "sorted by name among failed runs");
    // Deleted: selection falls back to a neighbour, never dangles.
    update(
        &mut s,
        Msg::Source(SourceEvent::Deleted(
            ResourceKind::AgentRun,
            ObjectKey::new("agents", "a-running"),
        )),
    );
    s.ensure_board();
    assert!(selected_name(&s).is_some());
    assert_ne!(selected_name(&s).as_deref(), Some("a-running"));
}

#[test]
fn applied_and_deleted_update_the_maps_and_last_event() {
    let mut s = state();
    assert_eq!(s.cluster.last_event_at, None);
    apply_run(&mut s, run("r", Some("A"), Some("Running")));
    assert_eq!(s.cluster.runs.len(), 1);
    assert_eq!(s.cluster.last_event_at, Some(t0()));
    apply_item(&mut s, item("i", Some("A"), "s"));
    assert_eq!(s.cluster.items.len(), 1);
    update(
        &mut s,
        Msg::Source(SourceEvent::Deleted(
            ResourceKind::ImplementationSpec,
            ObjectKey::new("agents", "i"),
        )),
    );
    assert!(s.cluster.items.is_empty());
    update(
        &mut s,
        Msg::Source(SourceEvent::Deleted(
            ResourceKind::AgentRun,
            ObjectKey::new("agents", "nope"),
        )),
    );
    assert_eq!(
        s.cluster.runs.len(),
        1,
        "deleting an unknown object is harmless"
    );
}

#[test]
fn a_relist_drops_objects_that_disappeared_while_disconnected() {
    let mut s = populated();
    let resync = |s: &mut State, e| update(s, Msg::Source(e));
    resync(&mut s, SourceEvent::ResyncStarted(ResourceKind::AgentRun));
    apply_run(&mut s, run("a-running", Some("A"), Some("Succeeded")));
    apply_run(&mut s, run("new-one", Some("B"), None));
    assert_eq!(
        s.cluster.runs.len(),
        6,
        "nothing is dropped before the relist ends"
    );
    resync(&mut s, SourceEvent::ResyncDone(ResourceKind::AgentRun));
    let mut names: Vec<_> = s.cluster.runs.keys().map(|k| k.name.clone()).collect();
    names.sort();
    assert_eq!(names, ["a-running", "new-one"]);
    // Work items are untouched by a run relist.
    apply_item(&mut s, item("keep", None, "k"));
    resync(&mut s, SourceEvent::ResyncStarted(ResourceKind::AgentRun));
    resync(&mut s, SourceEvent::ResyncDone(ResourceKind::AgentRun));
    assert_eq!(s.cluster.items.len(), 1);
    assert!(s.cluster.runs.is_empty());
}

#[test]
fn a_list_streaming_onto_shown_cards_is_loading_until_it_is_done() {
    let mut s = populated();
    let kind = ResourceKind::AgentRun;
    update(&mut s, Msg::Source(SourceEvent::ResyncStarted(kind)));
    assert!(
        !s.loading(),
        "no frame has shown cards yet: the first cards are not held back"
    );
    s.mark_drawn(None);
    assert!(s.loading(), "cards on screen, the list still streaming");
    update(&mut s, Msg::Source(SourceEvent::ResyncDone(kind)));
    assert!(
        !s.loading(),
        "the frame showing the list complete is not paced"
    );
    s.mark_drawn(None);
    assert!(!s.loading());
}

#[test]
fn resync_done_without_start_is_ignored() {
    let mut s = populated();
    update(
        &mut s,
        Msg::Source(SourceEvent::ResyncDone(ResourceKind::AgentRun)),
    );
    assert_eq!(s.cluster.runs.len(), 5);
}

#[test]
fn connection_states_combine_for_the_status_line() {
    let mut s = state();
    assert_eq!(s.overall_connection(), ConnState::Connecting);
    let conn = |s: &mut State, k, c| update(s, Msg::Source(SourceEvent::Connection(k, c)));
    conn(&mut s, ResourceKind::AgentRun, ConnState::Connected);
    assert_eq!(s.overall_connection(), ConnState::Connecting);
    conn(
        &mut s,
        ResourceKind::ImplementationSpec,
        ConnState::Connected,
    );
    assert_eq!(s.overall_connection(), ConnState::Connected);
    conn(
        &mut s,
        ResourceKind::AgentRun,
        ConnState::Reconnecting("connection refused".into()),
    );
    assert_eq!(
        s.overall_connection(),
        ConnState::Reconnecting("connection refused".into())
    );
    conn(
        &mut s,
        ResourceKind::ImplementationSpec,
        ConnState::Failed("forbidden".into()),
    );
    assert_eq!(
        s.overall_connection(),
        ConnState::Failed("forbidden".into())
    );
    s.mark_drawn(None);
    conn(
        &mut s,
        ResourceKind::ImplementationSpec,
        ConnState::Failed("forbidden".into()),
    );
    assert!(!s.needs_redraw(), "repeating a state does not redraw");
}

#[test]
fn pull_requests_attach_to_runs_by_repository_and_head() {
    let mut s = populated();
    let pr = PullRequest {
        repository: "proompteng/lab".into(),
        head_branch: "codex/swarm/a-running".into(),
        number: 7,
        title: "t".into(),
        url: "https://github.com/proompteng/lab/pull/7".into(),
        state: PrState::Open,
        checks: ChecksRollup {
            passing: 3,
            failing: 0,
            pending: 1,
        },
        review: Some(ReviewDecision::ReviewRequired),
        mergeable: Some(true),
        fetched_at: t0(),
        ..PullRequest::new("", "", 0, PrState::Open, t0())
    };
    update(&mut s, Msg::Source(SourceEvent::PullRequest(Box::new(pr))));
    let run = s
        .cluster
        .runs
        .get(&ObjectKey::new("agents", "a-running"))
        .cloned()
        .expect("run");
    assert_eq!(s.pr_for_run(&run).map(|p| p.number), Some(7));
    let other = s
        .cluster
        .runs
        .get(&ObjectKey::new("agents", "a-done"))
        .cloned()
        .expect("run");
    assert!(s.pr_for_run(&other).is_none());
}

#[test]
fn resize_records_the_size_and_redraws() {
    let mut s = state();
    s.mark_drawn(None);
    update(
        &mut s,
        Msg::Resize {
            width: 200,
            height: 60,
        },
    );
    assert_eq!((s.ui.width, s.ui.height), (200, 60));
    assert!(s.needs_redraw());
}

/// Draws `s` as the runtime does; the screen's text and when a clock-dependent text on it next
/// changes.
fn frame(
    s: &mut State,
) -> (
    ratatui::buffer::Buffer,
    Option<chrono::DateTime<chrono::Utc>>,
) {
    use ratatui::{Terminal, backend::TestBackend};
    s.ensure_board();
    let mut terminal = Terminal::new(TestBackend::new(120, 36)).expect("backend");
    let theme = swarm_cockpit::ui::Theme::default();
    clock::begin_frame();
    terminal
        .draw(|f| swarm_cockpit::ui::draw(f, s, &theme))
        .expect("draw");
    let change = clock::end_frame();
    (terminal.backend().buffer().clone(), change)
}

/// The oracle for "redraw on the clock only when something shown changes": second by second
/// over a quarter of an hour, the frame the cockpit would draw differs from the one on screen
/// exactly when it says a redraw is due (or the frame is a minute old, the safety floor).
fn assert_redraws_exactly_when_shown_text_changes(mut s: State, seconds: i64) -> u32 {
    let (mut shown, change) = frame(&mut s);
    s.mark_drawn(change);
    let start = s.now;
    let mut redraws = 0;
    for sec in 1..=seconds {
        // Ticks land mid-second, as the runtime's interval does.
        let now = start + chrono::Duration::milliseconds(sec * 1000 - 400);
        update(&mut s, Msg::Tick(now));
        let due = s.needs_redraw();
        let (next, change) = frame(&mut s);
        let differs = next != shown;
        if differs {
            assert!(due, "at +{sec}s the screen changed but no redraw was due");
        }
        if due {
            let floor = sec % 60 == 0;
            assert!(
                differs || floor,
                "at +{sec}s a redraw was due but nothing on screen changed"
            );
            s.mark_drawn(change);
            shown = next;
            redraws += 1;
        }
    }
    redraws
}

#[test]
fn an_idle_board_of_old_runs_redraws_once_a_minute_not_once_a_second() {
    let mut s = populated();
    // Ten minutes after the last event: every age on screen is in minutes.
    update(&mut s, Msg::Tick(t0() + chrono::Duration::minutes(10)));
    let redraws = assert_redraws_exactly_when_shown_text_changes(s, 600);
    assert!(
        (9..=11).contains(&redraws),
        "{redraws} redraws in 10 minutes of minute-level ages"
    );
}

#[test]
fn seconds_ages_toasts_and_countdowns_redraw_when_they_change() {
    // Just after an event: "last event 0s ago" counts seconds, then minutes.
    let s = populated();
    let redraws = assert_redraws_exactly_when_shown_text_changes(s, 180);
    assert!(redraws >= 59, "{redraws}: the seconds of the first minute");
    // A notice disappears when it ends.
    let mut s = populated();
    update(&mut s, Msg::Tick(t0() + chrono::Duration::minutes(10)));
    swarm_cockpit::app::toasts::show(&mut s, "approved a-running");
    assert_redraws_exactly_when_shown_text_changes(s, 120);
    // A rate-limited run counts its retry down on its card and in the detail pane.
    let mut s = populated();
    let mut blocked = run_json("a-limited", Some("A"), Some("Blocked"));
    blocked["status"]["conditions"] = serde_json::json!([{
        "type": "Blocked", "status": "True", "reason": "RateLimit",
        "message": "rate limit reached; retry after 95s",
        "lastTransitionTime": "2026-02-10T12:00:00Z"}]);
    apply_run(&mut s, swarm_cockpit::domain::Run::from_json(&blocked));
    update(&mut s, Msg::Tick(t0() + chrono::Duration::seconds(30)));
    assert_redraws_exactly_when_shown_text_changes(s.clone(), 120);
    press(&mut s, [key(KeyCode::Enter)]);
    assert_redraws_exactly_when_shown_text_changes(s, 120);
}

#[test]
fn an_idle_second_changes_nothing_the_screen_is_drawn_from() {
    let mut s = populated();
    // Screens that keep state: the planner, help, a detail pane, the editor.
    for keys in [
        vec![],
        vec![ch('w')],
        vec![ch('?')],
        vec![key(KeyCode::Enter)],
    ] {
        let mut s = s.clone();
        press(&mut s, keys);
        let _ = frame(&mut s);
        s.mark_drawn(None);
        let stamp = s.view_stamp();
        for sec in 1..=5 {
            update(&mut s, Msg::Tick(t0() + chrono::Duration::seconds(sec)));
        }
        assert_eq!(s.view_stamp(), stamp, "{:?}", s.mode());
    }
    // A stuck deadline re-derives the board when it falls due, not before.
    let stuck_at = t0() + chrono::Duration::minutes(20); // b-pending, created 11:50, + 30 min
    update(&mut s, Msg::Tick(stuck_at - chrono::Duration::seconds(2)));
    s.mark_drawn(None);
    update(&mut s, Msg::Tick(stuck_at - chrono::Duration::seconds(1)));
    assert!(!s.needs_redraw());
    update(&mut s, Msg::Tick(stuck_at + chrono::Duration::seconds(1)));
    assert!(s.needs_redraw());
    assert_eq!(s.board().columns.iter().map(|c| c.stuck).sum::<u32>(), 1);
}

fn click(x: u16, y: u16) -> Msg {
    Msg::Mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: x,
        row: y,
        modifiers: KeyModifiers::NONE,
    })
}

fn wheel(kind: MouseEventKind) -> Msg {
    Msg::Mouse(MouseEvent {
        kind,
        column: 5,
        row: 5,
        modifiers: KeyModifiers::NONE,
    })
}

#[test]
fn clicking_a_card_selects_it_and_a_second_click_opens_it() {
    let mut s = populated();
    update(
        &mut s,
        Msg::Resize {
            width: 200,
            height: 60,
        },
    );
    // 4 columns of 50: lane B starts at x=50. Cards start at y = 1 (title) + 1 (border) + 2 (header).
    press(&mut s, [click(60, 4)]);
    assert_eq!(selected_name(&s).as_deref(), Some("b-pending"));
    assert_eq!(s.mode(), Mode::Board);
    // Second card of lane A (card height 4).
    press(&mut s, [click(10, 8)]);
    assert_eq!(selected_name(&s).as_deref(), Some("a-running"));
    press(&mut s, [click(10, 9)]);
    assert_eq!(
        s.mode(),
        Mode::Detail,
        "clicking the selected card opens it"
    );
    // Clicks on headers or empty space do nothing.
    let mut s = populated();
    update(
        &mut s,
        Msg::Resize {
            width: 200,
            height: 60,
        },
    );
    press(&mut s, [click(10, 2), click(10, 50), click(120, 10)]);
    assert_eq!(selected_name(&s).as_deref(), Some("a-failed"));
}

#[test]
fn the_wheel_moves_the_selection_or_scrolls_the_detail() {
    let mut s = populated();
    press(&mut s, [wheel(MouseEventKind::ScrollDown)]);
    assert_eq!(selected_name(&s).as_deref(), Some("a-running"));
    press(&mut s, [wheel(MouseEventKind::ScrollUp)]);
    assert_eq!(selected_name(&s).as_deref(), Some("a-failed"));
    press(
        &mut s,
        [key(KeyCode::Enter), wheel(MouseEventKind::ScrollDown)],
    );
    assert_eq!(s.screens.detail_scroll().unwrap_or(0), 3);
}

#[test]
fn key_releases_are_ignored() {
    let mut s = populated();
    let mut release = KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE);
    release.kind = crossterm::event::KeyEventKind::Release;
    update(&mut s, Msg::Key(release));
    assert_eq!(selected_name(&s).as_deref(), Some("a-failed"));
}
