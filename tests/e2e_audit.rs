//! End to end: the real binary in a pty, watching real AgentRuns on the test API server, with a
//! real git clone configured as `[audit] repo`. The drift badge shows on the card, the lane
//! header counts it, `m` opens the conflict matrix with the conflicting pair, and `enter` jumps
//! to the run that merges second.
mod audit_runs;
mod git_fixture;
mod support;
mod support_pty;

use std::time::Duration;
use support::TestCluster;
use support_pty::{Tui, temp_home, write_file};

#[tokio::test(flavor = "multi_thread")]
async fn drift_badge_and_conflict_pair_on_screen() {
    let Some(cluster) = TestCluster::start().await else {
        return;
    };
    cluster.apply_crds().await;
    let repos = git_fixture::Repos::new();
    repos.branch(
        "codex/a",
        &[
            (
                git_fixture::COMMON,
                Some(&git_fixture::lines(Some((1, "A")))),
            ),
            ("services/dorvud/feat.py", Some(b"changed by a\n")),
        ],
        true,
    );
    repos.branch(
        "codex/b",
        &[(
            git_fixture::COMMON,
            Some(&git_fixture::lines(Some((1, "B")))),
        )],
        true,
    );
    repos.branch(
        "codex/c",
        &[("services/torghut/app/trading/c.py", Some(b"c\n"))],
        true,
    );
    repos.branch("codex/d", &[("x", Some(b"local\n"))], false);
    repos.rename_branch("codex/r", "docs/old.md", "docs/new.md", &[]);
    audit_runs::create_runs(&cluster).await;
    let before = repos.fingerprint();

    let home = temp_home();
    let plan = write_file(home.path(), "plan.toml", audit_runs::PLAN);
    let config = write_file(
        home.path(),
        "config.toml",
        &format!(
            "[audit]\nrepo = {:?}\nrefresh_seconds = 0\n",
            repos.clone.display().to_string()
        ),
    );
    let kubeconfig = cluster.kubeconfig.display().to_string();
    let plan_arg = plan.display().to_string();
    let config_arg = config.display().to_string();
    let args = [
        "--config",
        &config_arg,
        "--kubeconfig",
        &kubeconfig,
        "--context",
        &cluster.context,
        "-n",
        &cluster.namespace,
        "--plan",
        &plan_arg,
    ];
    let mut tui = Tui::spawn_in(home, &args, 160, 44);
    tui.wait_for_text("connected");
    tui.wait_for_text("⚠ 1 outside lane");
    tui.wait_for_text("⚠1 drift");
    tui.wait_for_text("⚠ branch not pushed");

    tui.send("m");
    tui.wait_for_text("conflict matrix");
    tui.wait_for_text(&format!(
        "{ns}/run-a ⇄ {ns}/run-b · 1 file · CONFLICT · {ns}/run-a merges first",
        ns = cluster.namespace
    ));
    tui.wait_for_text(git_fixture::COMMON);
    // The merge train: b waits for a.
    tui.send("\t");
    tui.wait_for_text("conflicts with");
    tui.send("\t");
    // enter on the pair jumps to the run that merges second: its details.
    tui.send("\r");
    tui.wait_for_text(&format!("AgentRun {}/run-b", cluster.namespace));
    tui.wait_for_text("conflicts with");
    tui.send("\x1b");
    tui.wait_for_no_text(&format!("AgentRun {}/run-b", cluster.namespace));
    tui.send("q");
    assert!(tui.wait_exit(Duration::from_secs(10)).success());
    tui.assert_restored();
    assert_eq!(
        repos.fingerprint(),
        before,
        "the user's clone was written to"
    );
}
