//! A panic in a headless command (`validate`, `wave`, `approve`, …) writes no terminal escape
//! sequences: its stdout may be JSON a script parses, its stderr a CI log.
use std::process::Command;

#[test]
fn a_headless_panic_writes_no_terminal_escapes() {
    let home = tempfile::tempdir().expect("home");
    let item = home.path().join("item.md");
    std::fs::write(&item, "## Objective\nx\n").expect("item");
    let item = item.display().to_string();
    for args in [
        vec!["validate", &item, "--output", "json"],
        vec!["wave", "plan", "--output", "json"],
        vec!["approve", "x"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_swarm"))
            .arg("--debug-panic")
            .args(&args)
            .env("XDG_STATE_HOME", home.path().join("state"))
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .env("HOME", home.path())
            .output()
            .expect("run swarm");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(101), "{args:?}: {stderr}");
        assert!(stderr.contains("debug panic"), "{args:?}: {stderr}");
        assert!(
            !out.stdout.contains(&0x1b),
            "{args:?}: escapes on stdout: {:?}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(
            !out.stderr.contains(&0x1b),
            "{args:?}: escapes on stderr: {stderr:?}"
        );
    }
}
