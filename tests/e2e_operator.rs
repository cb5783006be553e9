//! End to end in a pty: key remapping from the config file, a bad config refused at start, the
//! command palette, the bell on a failing run, completions and the man page.
mod support_pty;

use std::time::Duration;
use support_pty::{Tui, temp_home, write_file};

const EXIT: Duration = Duration::from_secs(10);

#[test]
fn remapped_keys_work_and_help_shows_them() {
    let home = temp_home();
    write_file(
        &home.path().join(".config/swarm-cockpit"),
        "config.toml",
        "[keys]\ndown = [\"ctrl-n\", \"down\"]\nhelp = [\"f1\"]\n",
    );
    let mut tui = Tui::spawn_in(home, &["demo", "--speed", "0"], 120, 40);
    tui.wait_for_text("cost-model-a1");
    tui.send("j");
    tui.send("\x0e"); // ctrl-n
    tui.send("\r");
    // j no longer moves: ctrl-n moved once, from research-ledger-a1 to cost-model-a1.
    tui.wait_for_text("AgentRun agents/cost-model-a1");
    tui.send("\x1b");
    tui.wait_for_no_text("AgentRun agents/");
    tui.send("\x1bOP"); // F1
    tui.wait_for_text("ctrl-n / ↓");
    tui.send("\x1b");
    tui.wait_for_no_text("ctrl-n / ↓");
    tui.send("q");
    assert!(tui.wait_exit(EXIT).success());
    tui.assert_restored();
}

#[test]
fn a_bad_key_remap_is_refused_at_start_naming_the_file() {
    let home = temp_home();
    let dir = home.path().join(".config/swarm-cockpit");
    write_file(
        &dir,
        "config.toml",
        "[keys]\nfly = [\"f\"]\ndown = [\"x\"]\n",
    );
    let mut tui = Tui::spawn_in(home, &["demo", "--speed", "0"], 100, 30);
    let status = tui.wait_exit(EXIT);
    assert_eq!(status.exit_code(), 1);
    let out = tui.output_text();
    assert!(
        out.contains("config.toml: [keys]: unknown action \"fly\""),
        "{out}"
    );
    assert!(out.contains("\"x\" is bound to both"), "{out}");
    assert!(!tui.seen_alternate_screen(), "refused before the UI starts");
}

#[test]
fn the_palette_jumps_switches_theme_and_quits() {
    let mut tui = Tui::spawn(&["demo", "--speed", "0"], 80, 24);
    tui.wait_for_text("order-firewall-a1");
    tui.send(":");
    tui.wait_for_text(" Command ");
    tui.send("lane E\r");
    // Lane E scrolls into view at 80 columns and its card is selected.
    tui.wait_for_text("E · Observability");
    tui.send("\r");
    tui.wait_for_text("AgentRun agents/kill-switch-runbook-e1");
    tui.send("\x1b");
    tui.wait_for_no_text("AgentRun agents/");
    tui.send(":theme high\t\r");
    tui.wait_for_text("theme high-contrast");
    tui.send(":ctx x\r");
    tui.wait_for_text("no contexts or namespaces");
    tui.send(":quit\r");
    assert!(tui.wait_exit(EXIT).success());
    tui.assert_restored();
}

#[test]
fn a_run_failing_rings_the_bell_and_says_so() {
    // At 20 simulated seconds per second the second kill-switch run fails within ~10 s.
    let mut tui = Tui::spawn(&["demo", "--speed", "20", "--seed", "1"], 140, 40);
    tui.wait_for_text("order-firewall-a1");
    assert!(
        !tui.raw_output().contains(&0x07),
        "no bell before anything happened"
    );
    tui.wait_for_within("the failure notice", Duration::from_secs(40), |s| {
        s.contents().contains("Run failed: kill-switch-gitops-c2")
    });
    assert!(tui.raw_output().contains(&0x07), "the terminal bell rang");
    tui.send("q");
    assert!(tui.wait_exit(EXIT).success());
}

#[test]
fn completions_and_man_page() {
    let swarm = env!("CARGO_BIN_EXE_swarm");
    for shell in ["bash", "zsh", "fish"] {
        let out = std::process::Command::new(swarm)
            .args(["completions", shell])
            .output()
            .expect("run");
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("validate") && text.contains("wave"),
            "{shell}: {text}"
        );
    }
    let out = std::process::Command::new(swarm)
        .arg("man")
        .output()
        .expect("run");
    let man = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        man.contains(".TH swarm") && man.contains("read\\-only"),
        "{man}"
    );
}

#[test]
fn the_timeline_and_stuck_runs_show() {
    let home = temp_home();
    write_file(
        &home.path().join(".config/swarm-cockpit"),
        "config.toml",
        "[notifications]\nstuck_after_minutes = 5\nbell = false\n",
    );
    let mut tui = Tui::spawn_in(home, &["demo", "--speed", "0"], 140, 50);
    // cost-model-a1 has been Blocked for 8 minutes: over the 5-minute threshold.
    tui.wait_for_text("⚠1 stuck");
    tui.wait_for_text("⚠ stuck 8m");
    tui.send("j\r");
    tui.wait_for_text("AgentRun agents/cost-model-a1");
    tui.wait_for_text("Timeline");
    tui.wait_for_text("Blocked → True (ConcurrencyLimit)");
    tui.send("\x1b");
    tui.wait_for_no_text("AgentRun agents/");
    tui.send("q");
    assert!(tui.wait_exit(EXIT).success());
}
