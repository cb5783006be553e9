//! End to end in a pty at 80×24, as a new user in a split pane: every lane reachable by keyboard
//! with the edges counting the lanes off screen, compact mode one key away, `?` with the legend,
//! and a remapped quit key that typing a work item's name cannot trigger.
mod support_pty;

use std::time::Duration;
use support_pty::{Tui, temp_home, write_file};

const EXIT: Duration = Duration::from_secs(10);

/// The demo's columns, in plan order, as their titles start.
const LANES: [&str; 6] = [
    "A · Trading",
    "B · Data",
    "C · Infra",
    "D · Research",
    "E · Observ",
    "Unassigned",
];

#[test]
fn every_lane_is_reachable_by_keyboard_at_80x24() {
    let mut tui = Tui::spawn(&["demo", "--speed", "0"], 80, 24);
    tui.wait_for_text("order-firewall-a1");
    // Three lanes fit; the right edge says three more are there.
    tui.wait_for_text("3 ▶");
    for (i, lane) in LANES.iter().enumerate() {
        tui.wait_for_text(lane);
        if i + 1 < LANES.len() {
            tui.send("l");
        }
    }
    // At the last lane the left edge counts the lanes behind.
    tui.wait_for_text("◀ 3");
    tui.wait_for_no_text("▶ ╮");
    tui.wait_for_text("swarm-worker-template");
    // And back with the arrow keys.
    for lane in LANES.iter().rev() {
        tui.wait_for_text(lane);
        tui.send("\x1b[D");
    }
    tui.wait_for_text("3 ▶");
    tui.send("q");
    assert!(tui.wait_exit(EXIT).success());
    tui.assert_restored();
}

#[test]
fn compact_mode_and_the_legend_are_one_key_away() {
    let mut tui = Tui::spawn(&["demo", "--speed", "0"], 80, 24);
    tui.wait_for_text("order-firewall-a1");
    tui.send("c");
    // One line per card: five lanes side by side, one off screen.
    tui.wait_for_text("E · Obs");
    tui.wait_for_text("1 ▶");
    tui.wait_for_no_text("Add an order firewall");
    tui.send("c");
    tui.wait_for_text("Add an order firewall");
    tui.send("?");
    tui.wait_for_text("compact cards: one");
    // `G` goes to the end: the last key table is there.
    tui.send("G");
    tui.wait_for_text("Runs and PRs reconciled (p");
    tui.send("g");
    tui.wait_for_text("previous lane");
    // Paging down reaches the legend (after the board's keys), with the theme's symbols; then
    // line by line (each `j` moves the "Symbols" heading up one row, so every step is seen on
    // screen before the next) to its Blocked row.
    tui.send(" ");
    tui.wait_for_text("Symbols");
    let symbols_row = |s: &vt100::Screen| s.contents().lines().position(|l| l.contains("Symbols"));
    for _ in 0..20 {
        if tui
            .contents()
            .contains("Blocked (e.g. by the concurrency limit)")
        {
            break;
        }
        let Some(row) = tui.with_screen(symbols_row) else {
            break;
        };
        tui.send("j");
        tui.wait_for("the help to scroll one line", |s| {
            symbols_row(s).is_none_or(|r| r < row)
        });
    }
    tui.wait_for_text("Blocked (e.g. by the concurrency limit)");
    tui.send("\x1b");
    tui.wait_for_no_text("Symbols");
    tui.send("q");
    assert!(tui.wait_exit(EXIT).success());
    tui.assert_restored();
}

#[test]
fn typing_quick_as_a_work_items_name_does_not_quit_with_quit_on_q() {
    let home = temp_home();
    write_file(
        &home.path().join(".config/swarm-cockpit"),
        "config.toml",
        "[keys]\nquit = [\"Q\"]\n",
    );
    let mut tui = Tui::spawn_in(home, &["demo", "--speed", "0"], 80, 24);
    tui.wait_for_text("order-firewall-a1");
    tui.send("n");
    tui.wait_for_text("New work item lane-a-item-1");
    tui.send("\x7f".repeat(20));
    tui.wait_for_text("New work item  · lane A");
    tui.send("Quick");
    tui.wait_for_text("New work item Quick");
    assert!(tui.is_running(), "typing Quick did not quit");
    // Back on the board, Q is the quit key.
    tui.send("\x1b");
    tui.wait_for_text("esc close");
    tui.send("\x1b");
    tui.wait_for_no_text("New work item");
    tui.send("Q");
    assert!(tui.wait_exit(EXIT).success());
    tui.assert_restored();
}

#[test]
fn a_bad_per_screen_key_table_is_refused_at_start() {
    let home = temp_home();
    write_file(
        &home.path().join(".config/swarm-cockpit"),
        "config.toml",
        "[keys.logz]\ndown = [\"j\"]\n[keys.palette]\nrun = [\"r\"]\n[keys.logs]\nback = [\"ctrl-c\"]\n",
    );
    let mut tui = Tui::spawn_in(home, &["demo", "--speed", "0"], 100, 30);
    assert_eq!(tui.wait_exit(EXIT).exit_code(), 1);
    let out = tui.output_text();
    for message in [
        "config.toml: [keys.logz]: unknown screen (screens: board, detail,",
        "config.toml: [keys.palette]: run: \"r\" would be typed as text on this screen",
        "config.toml: [keys.logs]: back: \"ctrl-c\" is reserved: it always quits",
    ] {
        assert!(out.contains(message), "{message:?} in {out}");
    }
    assert!(!tui.seen_alternate_screen(), "refused before the UI starts");
}
