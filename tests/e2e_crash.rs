//! A panic while the operator is typing: the real binary in a pty writes the unsaved draft before
//! it exits (the panic hook runs before `std::process::exit`, which skips every destructor), puts
//! the terminal back, and the next start offers the draft.
mod support_pty;

use std::path::Path;
use std::time::Duration;
use support_pty::Tui;

fn files_containing(dir: &Path, needle: &str, found: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let p = entry.path();
        if p.is_dir() {
            files_containing(&p, needle, found);
        } else if std::fs::read_to_string(&p).is_ok_and(|t| t.contains(needle)) {
            found.push(p.display().to_string());
        }
    }
}

#[test]
fn a_panic_while_typing_writes_the_draft_and_restores_the_terminal() {
    let mut tui = Tui::spawn(
        &["demo", "--speed", "0", "--debug-panic-on-sigusr1"],
        120,
        36,
    );
    tui.wait_for_text("order-firewall");
    tui.send("n");
    tui.wait_for_text("New work item");
    tui.send("\t\x0b");
    tui.send("typed just before the crash");
    tui.wait_for_text("typed just before the crash");
    let status = std::process::Command::new("kill")
        .args(["-USR1", &tui.pid().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = tui.wait_exit(Duration::from_secs(30));
    assert!(!exit.success(), "a panic exits non-zero: {exit:?}");
    assert!(
        tui.output_text().contains("debug panic on SIGUSR1"),
        "{}",
        tui.describe()
    );
    tui.assert_restored();
    let mut found = Vec::new();
    files_containing(
        &tui.home().join(".local/state"),
        "typed just before the crash",
        &mut found,
    );
    assert!(
        found.iter().any(|p| p.contains("drafts")),
        "the draft is on disk: {found:?}\n{}",
        tui.describe()
    );

    // The next start offers it; `r` restores it into the editor.
    let home = tui.take_home();
    let mut next = Tui::spawn_in(home, &["demo", "--speed", "0"], 120, 36);
    next.wait_for_text("Unsaved work item drafts from an earlier session");
    next.send("r");
    next.wait_for_text("typed just before the crash");
}
