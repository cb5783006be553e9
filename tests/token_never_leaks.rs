//! The GitHub token appears in no output, error message, log or state file: every headless
//! command runs with a token set (GitHub served by wiremock on loopback, with a failing answer
//! too), at the most verbose log level, and everything they print or leave behind is searched.
mod github_mock;
mod support;

use serde_json::json;
use std::path::Path;
use std::process::{Command, Output};
use support::{TestCluster, implementation_spec, template_text};
use swarm_cockpit::domain::{ResourceKind, labels};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "ghp_SECRETtokenNEVERshown1234567890abcd";

fn swarm(cluster: &TestCluster, home: &Path, config: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_swarm"))
        .args(args)
        .arg("--config")
        .arg(config)
        .arg("--kubeconfig")
        .arg(&cluster.kubeconfig)
        .args(["--context", &cluster.context, "-n", &cluster.namespace])
        .env("GH_TOKEN", TOKEN)
        .env("GITHUB_TOKEN", TOKEN)
        .env("SWARM_LOG", "trace")
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("HOME", home)
        .env_remove("SSH_AUTH_SOCK")
        .output()
        .expect("run swarm")
}

/// Every file under `dir`, as text (lossy).
fn files_under(dir: &Path, out: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let p = entry.path();
        if p.is_dir() {
            files_under(&p, out);
        } else if let Ok(bytes) = std::fs::read(&p) {
            out.push((
                p.display().to_string(),
                String::from_utf8_lossy(&bytes).into_owned(),
            ));
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn no_headless_command_shows_or_logs_the_token() {
    let Some(cluster) = TestCluster::start().await else {
        return;
    };
    cluster.apply_crds().await;
    for (name, wave) in [("first", 1), ("second", 2)] {
        let head = format!("codex/swarm/lane-a/{name}-{wave}");
        let text = template_text(&format!("Item {name}."), &head).replace(
            "services/torghut/app/trading/firewall/**",
            &format!("services/torghut/app/trading/{name}/**"),
        );
        let mut obj = implementation_spec(name, Some("A"), &format!("Item {name}."), &text);
        obj["metadata"]["labels"][labels::WAVE] = json!(wave.to_string());
        cluster.create(ResourceKind::ImplementationSpec, obj).await;
    }
    let home = tempfile::tempdir().expect("home");
    let plan = home.path().join("plan.toml");
    std::fs::write(
        &plan,
        "[[lane]]\nid = \"A\"\ntitle = \"a\"\nowns = [\"services/torghut/app/trading/**\"]\n",
    )
    .expect("plan");
    let item_md = home.path().join("item.md");
    std::fs::write(&item_md, template_text("x", "codex/x")).expect("item");
    let plan_arg = plan.display().to_string();
    let md_arg = item_md.display().to_string();

    // GitHub answers once with PR data, once with an error (error paths must not leak either).
    let ok = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(github_mock::EchoPullRequests)
        .mount(&ok)
        .await;
    let failing = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"}),
        ))
        .mount(&failing)
        .await;

    let commands: Vec<Vec<&str>> = vec![
        vec!["validate", "--plan", &plan_arg, &md_arg, "--lane", "A"],
        vec![
            "validate",
            "--plan",
            &plan_arg,
            "--cluster",
            "--output",
            "json",
        ],
        vec!["wave", "plan", "--plan", &plan_arg],
        vec!["wave", "plan", "--plan", &plan_arg, "--output", "json"],
        vec![
            "wave",
            "launch",
            "--wave",
            "1",
            "--plan",
            &plan_arg,
            "--dry-run",
        ],
        vec!["wave", "launch", "--wave", "2", "--plan", &plan_arg],
        vec!["approve", "first", "second", "--plan", &plan_arg],
        vec!["wave", "launch", "--wave", "1", "--plan", &plan_arg],
        vec![
            "wave", "launch", "--wave", "2", "--plan", &plan_arg, "--output", "json",
        ],
        // With runs in flight: the audit reads their PR files from GitHub (404 from one
        // server, 401 from the other) — its error paths must not leak the token either.
        vec!["audit", "--plan", &plan_arg],
        vec![
            "audit", "--plan", &plan_arg, "--wave", "1", "--output", "json",
        ],
        // No controller runs here, so no verdict comes: a short wait still runs the waiting
        // path (the default 120 s would double the test's time for nothing).
        vec![
            "wave",
            "cancel",
            "--wave",
            "1",
            "--plan",
            &plan_arg,
            "--timeout",
            "2",
        ],
        vec!["revoke", "first", "--plan", &plan_arg, "--output", "json"],
        vec!["approve", "nonexistent", "--plan", &plan_arg],
        vec!["wave", "launch", "--wave", "9", "--plan", &plan_arg],
        vec!["completions", "bash"],
        vec!["man"],
        vec!["--help"],
    ];
    let mut checked = 0;
    for server in [&ok, &failing] {
        let config = home.path().join("config.toml");
        std::fs::write(
            &config,
            format!("[github]\napi_url = \"{}\"\n", server.uri()),
        )
        .expect("config");
        for args in &commands {
            let out = swarm(&cluster, home.path(), &config, args);
            for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
                let text = String::from_utf8_lossy(bytes);
                assert!(
                    !text.contains(TOKEN),
                    "`swarm {}` printed the token on {stream}:\n{text}",
                    args.join(" ")
                );
                assert!(
                    !text.contains(&TOKEN[4..20]),
                    "`swarm {}` printed part of the token on {stream}",
                    args.join(" ")
                );
            }
            checked += 1;
        }
    }
    // The token was really used (the mock saw it), so the commands had it in hand.
    let seen = ok.received_requests().await.unwrap_or_default();
    assert!(
        seen.iter().any(|r| r
            .headers
            .get("authorization")
            .is_some_and(|v| v.to_str().unwrap_or("").contains(TOKEN))),
        "the GitHub mock never got the token: the test would prove nothing"
    );
    let mut files = Vec::new();
    files_under(&home.path().join("state"), &mut files);
    assert!(
        files.iter().any(|(p, _)| p.ends_with("swarm.log")),
        "the log file is among the files searched: {:?}",
        files.iter().map(|(p, _)| p).collect::<Vec<_>>()
    );
    for (path, text) in &files {
        assert!(!text.contains(TOKEN), "{path} holds the token");
    }
    assert_eq!(checked, commands.len() * 2);
}
