//! End-to-end: from the board to a run's logs and back, in the real `swarm` binary in a
//! pseudo-terminal, on the demo swarm (frozen with `--speed 0`, whose simulated pods and logs go
//! through the same messages and line pipeline as a cluster's). Every step waits for the screen.
mod support_pty;

use base64::Engine;
use support_pty::{EXIT_TIMEOUT, Tui};

/// The demo's opening board, once it is up.
fn demo(cols: u16, rows: u16) -> Tui {
    let mut tui = Tui::spawn(&["demo", "--speed", "0", "--seed", "1"], cols, rows);
    tui.wait_for("the board", |s| {
        let text = s.contents();
        text.contains("A · ") && text.contains("connected") && text.contains("order-firewall")
    });
    tui
}

/// The second row: the log view's header.
fn header(screen: &vt100::Screen) -> String {
    screen
        .contents()
        .lines()
        .nth(1)
        .unwrap_or_default()
        .to_owned()
}

/// Moves the focus `lanes` lanes right from lane A, then the selection down onto `run`.
fn select(tui: &mut Tui, lanes: usize, run: &str) {
    tui.send("l".repeat(lanes));
    for _ in 0..6 {
        tui.send("\r");
        tui.wait_for("the detail pane", |s| {
            s.contents().contains("AgentRun agents/")
        });
        let here = tui.contents().contains(&format!("AgentRun agents/{run}"));
        tui.send("\x1b");
        tui.wait_for("the detail pane to close", |s| {
            !s.contents().contains("AgentRun agents/")
        });
        if here {
            return;
        }
        tui.send("j");
    }
    panic!("{run} not found\n{}", tui.describe());
}

#[test]
fn board_to_logs_search_filter_save_copy_and_back() {
    let mut tui = demo(120, 40);
    select(&mut tui, 0, "order-firewall-a1");
    tui.send("L");
    tui.wait_for("the running pod's log, streaming", |s| {
        let h = header(s);
        h.contains("logs order-firewall-a1")
            && h.contains("● streaming")
            && h.contains("following")
            && s.contents().contains("[codex] thinking… step 239")
    });

    // Search: the newest match is shown; the filter keeps only matching lines.
    tui.send("/PASS\r");
    tui.wait_for("the search in the footer", |s| {
        s.contents().contains("/PASS")
    });
    tui.send("F");
    tui.wait_for("only matching lines", |s| {
        let text = s.contents();
        header(s).contains("30 of 240 match")
            && text
                .lines()
                .skip(2)
                .filter(|l| l.starts_with('['))
                .all(|l| l.contains("PASS"))
    });
    tui.send("F");
    tui.wait_for("all lines again", |s| header(s).contains("240 lines"));

    // The oldest lines hold a hostile escape sequence: shown, inert.
    tui.send("g");
    tui.wait_for("the top of the log, paused", |s| {
        s.contents().contains("[runner] starting agent codex-agent") && header(s).contains("paused")
    });
    tui.with_screen(|s| {
        assert!(
            s.contents()
                .contains("␛]0;pwned␇ terminal title change attempt"),
            "{}",
            s.contents()
        );
    });
    let raw = tui.raw_output();
    assert!(
        !raw.windows(9).any(|w| w == b"\x1b]0;pwned"),
        "the log's OSC reached the terminal"
    );

    // Save: a file in the state dir, path on screen.
    tui.send("\x13"); // ctrl-s
    tui.wait_for("the saved notice", |s| {
        s.contents().contains("saved 240 lines to")
    });
    let dir = tui.home().join(".local/state/swarm-cockpit/logs");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}\n{}", dir.display(), tui.describe()))
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let saved = std::fs::read_to_string(&files[0]).expect("read the saved log");
    assert_eq!(saved.lines().count(), 240);
    assert!(saved.starts_with("[runner] starting agent codex-agent"));

    // Copy: an OSC 52 sequence whose payload is base64 of the line, nothing else.
    tui.send("G");
    tui.wait_for("following again", |s| header(s).contains("following"));
    let before = tui.raw_output().len();
    tui.send("y");
    tui.wait_for("the copied notice", |s| {
        s.contents().contains("copied line")
    });
    let raw = tui.raw_output();
    let out = &raw[before..];
    let start = out
        .windows(7)
        .position(|w| w == b"\x1b]52;c;")
        .expect("an OSC 52 sequence");
    let payload: Vec<u8> = out[start + 7..]
        .iter()
        // Ended by ST (ESC \, what crossterm writes) or BEL.
        .take_while(|b| **b != 0x1b && **b != 0x07)
        .copied()
        .collect();
    assert!(
        payload
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(b))
    );
    let text = base64::engine::general_purpose::STANDARD
        .decode(&payload)
        .expect("base64");
    // The current match of the search (the newest PASS line) is what `y` copies.
    assert_eq!(
        String::from_utf8_lossy(&text),
        "[tests] PASS services/torghut/app/trading/firewall/rules.py::test_case_235"
    );

    // Back to the board.
    tui.send("\x1b");
    tui.wait_for("the board again", |s| {
        let text = s.contents();
        text.contains("A · ") && text.contains("order-firewall") && !header(s).contains("logs ")
    });
    tui.send("q");
    assert!(tui.wait_exit(EXIT_TIMEOUT).success());
    tui.assert_restored();
}

#[test]
fn a_retried_run_offers_its_pods_and_a_finished_pod_has_ended() {
    let mut tui = demo(120, 40);
    select(&mut tui, 2, "kill-switch-gitops-c1");
    // From the detail pane, `l` opens the logs.
    tui.send("\r");
    tui.wait_for("the detail pane", |s| {
        s.contents()
            .contains("AgentRun agents/kill-switch-gitops-c1")
    });
    tui.send("l");
    tui.wait_for("the pod picker, newest first", |s| {
        let text = s.contents();
        let a2 = text.find("attempt 2");
        let a1 = text.find("attempt 1");
        text.contains("Pods of kill-switch-gitops-c1") && a2.is_some() && a2 < a1
    });
    tui.send("\r");
    tui.wait_for("the pod's complete log", |s| {
        let h = header(s);
        h.contains("■ ended: Error, exit code 1")
            && s.contents().contains("■ end of log: Error, exit code 1")
            && s.contents().contains("[runner] agent exited")
    });
    // `P` lists the pods again; the older attempt.
    tui.send("P");
    tui.wait_for("the picker again", |s| s.contents().contains("Pods of"));
    tui.send("j\r");
    tui.wait_for("the first attempt's log", |s| {
        header(s).contains("attempt 1") && header(s).contains("ended")
    });
    // `?` shows the log keys first, and returns to the logs.
    tui.send("?");
    tui.wait_for("the help", |s| {
        s.contents().contains("Logs (L on the board")
    });
    tui.send("\x1b");
    tui.wait_for("the logs again", |s| header(s).contains("attempt 1"));
    tui.send("q");
    tui.wait_for("the board again", |s| s.contents().contains("A · "));
    tui.send("q");
    assert!(tui.wait_exit(EXIT_TIMEOUT).success());
}
