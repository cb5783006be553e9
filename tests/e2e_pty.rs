//! End-to-end: the real `swarm` binary in a pseudo-terminal, its screen read back with `vt100`.
//!
//! Every step waits for a condition on the parsed screen (or the process), never for a fixed time,
//! so the tests hold on a loaded machine. The demo runs with `--speed 0` (the opening state,
//! frozen) so what is on screen is known.
mod support_pty;

use support_pty::{EXIT_TIMEOUT, Tui, temp_home, write_file};

const LANES: [&str; 5] = [
    "A · Trading service core",
    "B · Data / TA / features",
    "C · Infra + GitOps",
    "D · Research harness + scripts",
    "E · Observability + runbooks",
];

/// Every card of the demo's opening state (runs and not-yet-launched work items).
const CARDS: [&str; 8] = [
    "order-firewall-a1",
    "cost-model-a1",
    "research-ledger-a1",
    "kill-switch-gitops-c1",
    "kill-switch-gitops-c2",
    "kill-switch-runbook-e1",
    "replay-harness-d1",
    "ta-slippage-features",
];

/// The demo, frozen at its opening state, once the board and the status line are up.
fn demo(cols: u16, rows: u16) -> Tui {
    let mut tui = Tui::spawn(&["demo", "--speed", "0", "--seed", "1"], cols, rows);
    tui.wait_for("the board and a connected status line", |s| {
        let text = s.contents();
        text.contains("A · ") && text.contains("connected") && text.contains("research-ledger")
    });
    tui
}

/// The last row: the status line.
fn status_line(screen: &vt100::Screen) -> String {
    screen
        .contents()
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned()
}

/// The title of the focused lane: the one column drawn with a thick border (`┏ title ━━┓`).
fn focused_lane(screen: &vt100::Screen) -> Option<String> {
    screen.contents().lines().find_map(|row| {
        let (_, rest) = row.split_once('┏')?;
        let title = rest.split('━').next()?.trim();
        (!title.is_empty()).then(|| title.to_owned())
    })
}

/// Is the lane with this id (`"A"`) visible: its column title is on screen?
fn lane_visible(screen: &vt100::Screen, id: &str) -> bool {
    let marker = format!(" {id} · ");
    screen.contents().lines().any(|row| row.contains(&marker))
}

/// Waits until the lane with this id has the focus.
fn wait_focus(tui: &mut Tui, id: &str) {
    let prefix = format!("{id} · ");
    tui.wait_for(&format!("lane {id} to have the focus"), |s| {
        focused_lane(s).is_some_and(|t| t.starts_with(&prefix))
    });
}

/// The object named in the detail pane's title (`AgentRun agents/<name>`).
fn detail_run(screen: &vt100::Screen) -> Option<String> {
    let text = screen.contents();
    let (_, rest) = text.split_once("AgentRun agents/")?;
    rest.split_whitespace().next().map(str::to_owned)
}

/// Opens the detail pane of the selected card and returns the run it shows; closes it again.
fn open_and_close_detail(tui: &mut Tui) -> String {
    tui.send("\r");
    tui.wait_for("the detail pane of a run", |s| {
        let text = s.contents();
        detail_run(s).is_some() && text.contains("Timestamps") && text.contains("esc back")
    });
    let run = tui
        .with_screen(detail_run)
        .expect("a run in the detail title");
    // A bare ESC: crossterm tells it from an escape sequence because nothing follows it, so wait
    // for its effect before sending anything else.
    tui.send("\x1b");
    // The whole pane gone, top to bottom (a frame can be read half drawn).
    tui.wait_for("the detail pane to close", |s| {
        let text = s.contents();
        !text.contains("AgentRun agents/")
            && !text.contains("Conditions")
            && !text.contains("esc back")
            && text.contains("order-firewall")
    });
    run
}

#[test]
fn board_shows_every_lane_card_and_the_status_line_at_200x50() {
    let mut tui = demo(200, 50);
    tui.wait_for("all five lane headers and the Unassigned column", |s| {
        let text = s.contents();
        // 6 columns of 33 cells: D's title is one character too long and ends in "…".
        LANES
            .iter()
            .all(|lane| text.contains(&lane.chars().take(20).collect::<String>()))
            && text.contains("Unassigned")
    });
    let text = tui.contents();
    for lane in [LANES[0], LANES[1], LANES[2], LANES[4]] {
        assert!(text.contains(lane), "{lane:?} missing\n{}", tui.describe());
    }
    for card in CARDS {
        assert!(
            text.contains(card),
            "card {card:?} missing\n{}",
            tui.describe()
        );
    }
    assert!(text.contains("swarm-worker-template"), "{}", tui.describe());
    let status = tui.with_screen(status_line);
    assert!(
        status.contains("demo") && status.contains("agents") && status.contains("connected"),
        "status line: {status:?}"
    );
    assert!(
        status.contains("8 runs · 7 items"),
        "status line: {status:?}"
    );
    assert_eq!(tui.with_screen(focused_lane).as_deref(), Some(LANES[0]));
    tui.send("q");
    assert!(tui.wait_exit(EXIT_TIMEOUT).success());
}

#[test]
fn l_and_h_move_the_lane_focus_and_scroll_the_lanes_at_80x24() {
    let mut tui = demo(80, 24);
    // 80 columns fit three lanes: A, B, C.
    tui.with_screen(|s| {
        assert!(lane_visible(s, "A") && lane_visible(s, "B") && lane_visible(s, "C"));
        assert!(!lane_visible(s, "D") && !lane_visible(s, "E"));
        assert!(s.contents().contains("order-firewall-a1"));
        let status = status_line(s);
        assert!(
            status.contains("demo") && status.contains("connected"),
            "status line: {status:?}"
        );
    });
    wait_focus(&mut tui, "A");
    tui.send("l");
    wait_focus(&mut tui, "B");
    tui.send("l");
    wait_focus(&mut tui, "C");
    tui.send("l");
    wait_focus(&mut tui, "D");
    tui.wait_for("lane D scrolled into view and lane A out", |s| {
        lane_visible(s, "D") && !lane_visible(s, "A") && s.contents().contains("replay-harness-d1")
    });
    tui.send("l");
    wait_focus(&mut tui, "E");
    tui.wait_for("lane E in view", |s| {
        lane_visible(s, "E") && s.contents().contains("kill-switch-runbook")
    });
    // The last column holds the template run, which has no lane; `l` stops there.
    tui.send("ll");
    tui.wait_for("the Unassigned column focused", |s| {
        focused_lane(s).as_deref() == Some("Unassigned")
    });
    tui.send("h");
    wait_focus(&mut tui, "E");
    tui.send("hhhh");
    wait_focus(&mut tui, "A");
    tui.wait_for("lanes D and E scrolled out again", |s| {
        lane_visible(s, "A") && !lane_visible(s, "D") && !lane_visible(s, "E")
    });
    tui.send("q");
    assert!(tui.wait_exit(EXIT_TIMEOUT).success());
}

#[test]
fn j_k_move_the_selection_and_enter_esc_open_and_close_the_detail_pane() {
    let mut tui = demo(120, 40);
    let first = open_and_close_detail(&mut tui);
    assert!(
        first.ends_with("-a1"),
        "lane A is focused first, got {first}"
    );
    tui.with_screen(|s| {
        let text = s.contents();
        assert!(text.contains("order-firewall"), "board is back:\n{text}");
        assert!(!text.contains("Conditions"), "detail closed:\n{text}");
    });

    tui.send("j");
    let second = open_and_close_detail(&mut tui);
    assert_ne!(first, second, "j moves to the next card");
    assert!(second.ends_with("-a1"), "j stays in lane A, got {second}");

    tui.send("j");
    let third = open_and_close_detail(&mut tui);
    assert!(third != first && third != second, "three distinct cards");

    // The last card: another `j` stays on it.
    tui.send("j");
    assert_eq!(open_and_close_detail(&mut tui), third);

    tui.send("k");
    assert_eq!(open_and_close_detail(&mut tui), second, "k moves back");
    tui.send("kk");
    assert_eq!(open_and_close_detail(&mut tui), first, "k stops at the top");

    // Another lane: C's first card.
    tui.send("ll");
    wait_focus(&mut tui, "C");
    let c = open_and_close_detail(&mut tui);
    assert!(
        c.starts_with("kill-switch-gitops-c"),
        "lane C card, got {c}"
    );

    // The pane shows what the cluster said about the run.
    tui.send("\r");
    tui.wait_for("the run's fields in the detail pane", |s| {
        let text = s.contents();
        ["Phase", "Lane", "Head branch", "Timestamps", "Conditions"]
            .iter()
            .all(|f| text.contains(f))
    });
    tui.send("q");
    tui.wait_for("q closes the detail pane (and does not quit)", |s| {
        let text = s.contents();
        !text.contains("AgentRun agents/") && !text.contains("esc back")
    });
    assert!(tui.is_running(), "q in the detail pane must not quit");
    tui.send("q");
    assert!(tui.wait_exit(EXIT_TIMEOUT).success());
}

#[test]
fn question_mark_shows_help_and_esc_closes_it() {
    let mut tui = demo(80, 24);
    tui.send("?");
    tui.wait_for("the help overlay", |s| {
        let text = s.contents();
        // The footer is drawn last: once it shows, the whole overlay is on screen.
        text.contains(" Help ")
            && text.contains("ctrl-c")
            && text.contains("quit")
            && text.contains("esc close")
    });
    let text = tui.contents();
    for binding in ["h / ←", "l / →", "j / ↓", "k / ↑", "enter", "esc", "?"] {
        assert!(text.contains(binding), "help lacks {binding:?}\n{text}");
    }
    tui.send("\x1b");
    tui.wait_for("the help overlay closed", |s| {
        let text = s.contents();
        !text.contains(" Help ") && text.contains("order-firewall-a1")
    });
    tui.send("q");
    assert!(tui.wait_exit(EXIT_TIMEOUT).success());
}

#[test]
fn slash_filters_the_board_and_esc_clears_the_filter() {
    let mut tui = demo(200, 50);
    tui.send("/");
    tui.wait_for("the filter prompt in the title bar", |s| {
        s.contents()
            .lines()
            .next()
            .unwrap_or_default()
            .contains("/▏")
    });
    tui.send("replay");
    tui.wait_for("only the replay-harness card left", |s| {
        let text = s.contents();
        text.contains("/replay▏")
            && text.contains("replay-harness-d1")
            && CARDS
                .iter()
                .filter(|c| **c != "replay-harness-d1")
                .all(|c| !text.contains(c))
    });
    // Lanes stay, empty ones say so.
    tui.with_screen(|s| {
        let text = s.contents();
        assert!(text.contains("no match"), "{text}");
        assert!(text.contains(LANES[0]), "{text}");
    });

    tui.send("\x1b");
    tui.wait_for("every card back and the filter gone", |s| {
        let text = s.contents();
        !text.contains("/replay") && CARDS.iter().all(|c| text.contains(c))
    });

    // enter keeps the filter (and leaves the prompt); esc on the board clears it.
    tui.send("/replay");
    tui.wait_for("the replay filter applied again", |s| {
        let text = s.contents();
        text.contains("/replay▏") && !text.contains("order-firewall-a1")
    });
    tui.send("\r");
    tui.wait_for("the filter kept after enter", |s| {
        let text = s.contents();
        text.contains("/replay")
            && !text.contains("/replay▏")
            && text.contains("replay-harness-d1")
            && !text.contains("order-firewall-a1")
    });
    // Out of the prompt, keys are commands again: `j` does not go into the filter.
    tui.send("j");
    tui.send("\x1b");
    tui.wait_for("the kept filter cleared by esc", |s| {
        let text = s.contents();
        !text.contains("/replay") && CARDS.iter().all(|c| text.contains(c))
    });

    tui.send("q");
    assert!(tui.wait_exit(EXIT_TIMEOUT).success());
}

#[test]
fn q_quits_with_status_0_and_restores_the_terminal() {
    let mut tui = demo(80, 24);
    // While running: alternate screen, hidden cursor, mouse reporting, raw mode.
    tui.with_screen(|s| {
        assert!(s.alternate_screen());
        assert!(s.hide_cursor());
        assert_ne!(s.mouse_protocol_mode(), vt100::MouseProtocolMode::None);
    });
    assert!(
        !tui.cooked(),
        "raw mode while running: {}",
        tui.local_flags()
    );
    tui.send("q");
    let status = tui.wait_exit(EXIT_TIMEOUT);
    assert!(status.success(), "{status:?}\n{}", tui.describe());
    tui.assert_restored();
    assert!(
        !tui.contents().contains("order-firewall"),
        "the board stays on the alternate screen\n{}",
        tui.describe()
    );
}

#[test]
fn ctrl_c_quits_and_restores_the_terminal() {
    let mut tui = demo(80, 24);
    tui.send("\x03");
    let status = tui.wait_exit(EXIT_TIMEOUT);
    assert!(status.success(), "{status:?}\n{}", tui.describe());
    tui.assert_restored();
}

#[test]
fn ctrl_c_quits_from_the_filter_prompt() {
    let mut tui = demo(80, 24);
    tui.send("/rep");
    tui.wait_for_text("/rep▏");
    tui.send("\x03");
    let status = tui.wait_exit(EXIT_TIMEOUT);
    assert!(status.success(), "{status:?}\n{}", tui.describe());
    tui.assert_restored();
}

fn quits_on_signal(signal: &str) {
    let mut tui = demo(80, 24);
    tui.signal(signal);
    let status = tui.wait_exit(EXIT_TIMEOUT);
    // It handles the signal (it is not killed by it) and puts the terminal back.
    assert_eq!(
        status.signal(),
        None,
        "SIG{signal} killed swarm instead of being handled\n{}",
        tui.describe()
    );
    let expected = match signal {
        "HUP" => 129,
        "INT" => 130,
        _ => 143,
    };
    assert_eq!(
        status.exit_code(),
        expected,
        "SIG{signal}: 128 + signal number, as shells expect"
    );
    tui.assert_restored();
}

#[test]
fn sigterm_quits_and_restores_the_terminal() {
    quits_on_signal("TERM");
}

#[test]
fn sighup_quits_and_restores_the_terminal() {
    quits_on_signal("HUP");
}

#[test]
fn resizing_to_tiny_sizes_and_back_never_crashes() {
    let mut tui = demo(120, 40);
    tui.resize_and_wait_redraw(80, 24);
    tui.wait_for("three lanes at 80x24", |s| {
        lane_visible(s, "C") && !lane_visible(s, "D")
    });
    tui.resize_and_wait_redraw(40, 10);
    tui.wait_for("one lane at 40x10", |s| {
        let text = s.contents();
        text.contains(LANES[0]) && !lane_visible(s, "B")
    });
    for (cols, rows) in [
        (20, 5),
        (10, 3),
        (5, 2),
        (1, 1),
        (2, 1),
        (1, 2),
        (0, 0),
        (3, 3),
    ] {
        tui.resize_and_wait_redraw(cols, rows);
        assert!(
            tui.is_running(),
            "swarm exited at {cols}x{rows}: {:?}\n{}",
            tui.poll_status(),
            tui.describe()
        );
    }
    tui.resize_and_wait_redraw(200, 50);
    tui.wait_for("the whole board redrawn at 200x50", |s| {
        let text = s.contents();
        LANES.iter().all(|l| lane_visible(s, &l[..1]))
            && CARDS.iter().all(|c| text.contains(c))
            && status_line(s).contains("connected")
    });
    // Still responsive.
    tui.send("l");
    wait_focus(&mut tui, "B");
    tui.send("q");
    let status = tui.wait_exit(EXIT_TIMEOUT);
    assert!(status.success(), "{status:?}");
    tui.assert_restored();
}

#[test]
fn malformed_theme_file_exits_non_zero_naming_file_and_line() {
    let home = temp_home();
    let theme = write_file(
        &home.path().join("x"),
        "bad.toml",
        "name = \"bad\"\n[ui]\naccent = \"not-a-color\"\n",
    );
    let theme = theme.to_str().expect("utf-8 path");
    let mut tui = Tui::spawn_in(home, &["demo", "--theme", theme], 80, 24);
    let status = tui.wait_exit(EXIT_TIMEOUT);
    assert!(!status.success(), "{status:?}");
    assert_eq!(status.signal(), None, "{status:?}");
    let output = tui.output_text();
    assert!(
        output.contains("bad.toml:3:") && output.contains("ui.accent"),
        "message should name the file, line and field: {output:?}"
    );
    assert!(tui.contents().contains("bad.toml:3:"), "{}", tui.describe());
    assert!(!tui.seen_alternate_screen(), "no UI before the error");
    tui.assert_restored();
}

#[test]
fn malformed_plan_file_exits_non_zero_naming_file_and_line() {
    let home = temp_home();
    let plan = write_file(
        &home.path().join("x"),
        "bad-plan.toml",
        "[[lane]]\nid = \"A\"\ntitle = 3\n",
    );
    let plan = plan.to_str().expect("utf-8 path");
    let mut tui = Tui::spawn_in(home, &["demo", "--plan", plan], 80, 24);
    let status = tui.wait_exit(EXIT_TIMEOUT);
    assert!(!status.success(), "{status:?}");
    assert_eq!(status.signal(), None, "{status:?}");
    let output = tui.output_text();
    assert!(
        output.contains("bad-plan.toml:3:"),
        "message should name the file and line: {output:?}"
    );
    assert!(!tui.seen_alternate_screen(), "no UI before the error");
    tui.assert_restored();
}

#[test]
fn a_panic_restores_the_terminal_and_reports() {
    let mut tui = Tui::spawn(
        &["demo", "--speed", "0", "--debug-panic-after-ms", "4000"],
        80,
        24,
    );
    let status = tui.wait_exit(std::time::Duration::from_secs(30));
    assert!(!status.success(), "a panic must exit non-zero: {status:?}");
    assert_eq!(status.signal(), None, "{status:?}");
    assert!(
        tui.seen_alternate_screen(),
        "the UI was up when it panicked\n{}",
        tui.describe()
    );
    let output = tui.output_text();
    assert!(
        output.contains("debug panic after 4000 ms"),
        "panic message missing: {output:?}"
    );
    // The report is on the main screen, readable after the UI is gone.
    assert!(
        tui.contents().contains("debug panic after 4000 ms"),
        "{}",
        tui.describe()
    );
    tui.assert_restored();
}
