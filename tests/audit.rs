//! The audit against real git repositories in temp dirs, GitHub's PR files from wiremock (the
//! documented response shape, pagination, 304s, the 3,000-file limit, rate limits), and
//! `swarm audit` as CI runs it against real AgentRuns on the test API server.
mod audit_runs;
mod git_fixture;
mod support;

use audit_runs::{PLAN, create_runs};

use git_fixture::{COMMON, Repos, lines};
use octocrab::secrecy::SecretString;
use serde_json::{Value, json};
use std::time::Duration;
use swarm_cockpit::domain::ObjectKey;
use swarm_cockpit::domain::audit::{AuditFault, FileStatus};
use swarm_cockpit::sources::git::GitMirror;
use swarm_cockpit::sources::github::FetchError;
use swarm_cockpit::sources::pr_audit::{AuditWanted, Auditor, Sources, Target, textual_of};
use swarm_cockpit::sources::pr_files::PrFilesClient;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TIMEOUT: Duration = Duration::from_secs(30);
const BINARY: &[u8] = b"\x00\x01\x02binary\x00\xff";

/// Runs a (lane A, in-scope firewall/**), b, c and d on the fixture's branches.
fn fixture() -> (Repos, Vec<String>) {
    let repos = Repos::new();
    let a = repos.branch(
        "codex/a",
        &[
            (COMMON, Some(&lines(Some((1, "A"))))),
            (
                "services/torghut/app/trading/firewall/new.py",
                Some(b"new\n"),
            ),
            (
                "services/torghut/app/trading/firewall/blob.bin",
                Some(BINARY),
            ),
            ("services/dorvud/feat.py", Some(b"changed by a\n")),
        ],
        true,
    );
    let b = repos.branch("codex/b", &[(COMMON, Some(&lines(Some((1, "B")))))], true);
    let c = repos.branch("codex/c", &[(COMMON, Some(&lines(Some((10, "C")))))], true);
    let d = repos.branch("codex/d", &[("x", Some(b"local only\n"))], false);
    let r = repos.rename_branch("codex/r", "docs/old.md", "docs/new.md", &[]);
    (repos, vec![a, b, c, d, r])
}

fn target(name: &str, head: &str) -> Target {
    Target {
        key: ObjectKey::new("ns", name),
        head_branch: Some(head.into()),
        base: "main".into(),
        pr: None,
    }
}

fn wanted() -> AuditWanted {
    AuditWanted {
        targets: vec![
            target("a", "codex/a"),
            target("b", "codex/b"),
            target("c", "codex/c"),
            target("d", "codex/d"),
            target("r", "codex/r"),
        ],
    }
}

fn git_auditor(repos: &Repos) -> Auditor {
    Auditor::new(Sources {
        git: Some((
            repos.clone.clone(),
            "origin".into(),
            repos.dir.path().join("cache"),
        )),
        github: None,
        git_timeout: TIMEOUT,
    })
}

#[tokio::test]
async fn git_changed_files_renames_binaries_unpushed_and_textual_conflicts() {
    let (repos, shas) = fixture();
    let before = repos.fingerprint();
    let mut auditor = git_auditor(&repos);
    let update = auditor
        .refresh(&wanted(), true, false, chrono::Utc::now())
        .await;
    let get = |name: &str| {
        update
            .changes
            .iter()
            .find(|(k, _)| k.name == name)
            .map(|(_, c)| c.clone())
            .unwrap_or_else(|| panic!("no changes for {name}: {update:?}"))
    };

    let a = get("a").changes.expect("a read");
    assert_eq!(a.head_sha, shas[0]);
    let mut paths: Vec<(&str, FileStatus, bool)> = a
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.status, f.binary))
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        vec![
            ("services/dorvud/feat.py", FileStatus::Modified, false),
            (COMMON, FileStatus::Modified, false),
            (
                "services/torghut/app/trading/firewall/blob.bin",
                FileStatus::Added,
                true
            ),
            (
                "services/torghut/app/trading/firewall/new.py",
                FileStatus::Added,
                false
            ),
        ]
    );
    let r = get("r").changes.expect("r read");
    assert_eq!(r.files.len(), 1);
    assert_eq!(r.files[0].status, FileStatus::Renamed);
    assert_eq!(r.files[0].previous_path.as_deref(), Some("docs/old.md"));
    assert_eq!(r.files[0].path, "docs/new.md");
    assert_eq!(
        get("d").fault,
        Some(AuditFault::NotPushed {
            branch: "codex/d".into()
        })
    );

    // a and b change line 1 of the same file: a textual conflict. a and c change the same
    // file on different lines: no conflict.
    let verdicts: std::collections::HashMap<(String, String), bool> =
        update.textual.iter().cloned().collect();
    assert_eq!(textual_of(&verdicts, &shas[0], &shas[1]), Some(true));
    assert_eq!(textual_of(&verdicts, &shas[1], &shas[0]), Some(true));
    assert_eq!(textual_of(&verdicts, &shas[0], &shas[2]), Some(false));
    assert_eq!(
        textual_of(&verdicts, &shas[0], &shas[4]),
        None,
        "no shared file: not merged"
    );

    // Nothing changed: nothing to report, no merge-tree run again.
    let again = auditor
        .refresh(&wanted(), true, false, chrono::Utc::now())
        .await;
    assert!(again.changes.is_empty(), "{again:?}");
    assert!(again.textual.is_empty(), "{again:?}");

    // The user's clone was only read: same refs, same HEAD, same files under .git.
    assert_eq!(repos.fingerprint(), before);
}

#[tokio::test]
async fn a_force_push_is_seen_and_a_fast_forward_is_not() {
    let (repos, shas) = fixture();
    let mut auditor = git_auditor(&repos);
    auditor
        .refresh(&wanted(), true, false, chrono::Utc::now())
        .await;

    // c moves forward: a plain push.
    git_fixture::git(&repos.clone, &["checkout", "--quiet", "codex/c"]);
    git_fixture::write(
        &repos.clone,
        "services/torghut/app/trading/more.py",
        b"more\n",
    );
    git_fixture::git(&repos.clone, &["add", "-A"]);
    git_fixture::git(&repos.clone, &["commit", "--quiet", "-m", "more"]);
    git_fixture::git(&repos.clone, &["push", "--quiet", "origin", "codex/c"]);
    git_fixture::git(&repos.clone, &["checkout", "--quiet", "main"]);
    // b is rewritten: a force-push.
    let new_b = repos.branch(
        "codex/b",
        &[("services/torghut/app/trading/b2.py", Some(b"b2\n"))],
        true,
    );

    let update = auditor
        .refresh(&wanted(), true, false, chrono::Utc::now())
        .await;
    let of = |n: &str| {
        update
            .changes
            .iter()
            .find(|(k, _)| k.name == n)
            .map(|(_, c)| c.clone())
            .unwrap_or_else(|| panic!("{n} not updated: {update:?}"))
    };
    assert_eq!(of("c").force_pushed, None);
    assert_eq!(of("c").changes.expect("c").files.len(), 2);
    assert_eq!(of("b").force_pushed, Some((shas[1].clone(), new_b.clone())));
    assert_eq!(
        of("b").changes.expect("b").files[0].path,
        "services/torghut/app/trading/b2.py"
    );
}

#[tokio::test]
async fn a_missing_clone_is_a_fault_on_every_card_and_a_fixed_one_recovers() {
    let (repos, _) = fixture();
    // The clone is moved away: every card says so; moved back, the files are read.
    let away = repos.dir.path().join("moved-away");
    std::fs::rename(&repos.clone, &away).expect("move the clone away");
    let mut auditor = git_auditor(&repos);
    let update = auditor
        .refresh(&wanted(), true, false, chrono::Utc::now())
        .await;
    assert_eq!(update.changes.len(), 5);
    let missing = repos.clone.display().to_string();
    for (_, c) in &update.changes {
        assert!(
            matches!(&c.fault, Some(AuditFault::Clone { path, why }) if path == &missing && why == "no such directory"),
            "{c:?}"
        );
        assert!(c.changes.is_none());
    }
    assert!(
        update.status.contains("no such directory"),
        "{}",
        update.status
    );
    std::fs::rename(&away, &repos.clone).expect("move the clone back");
    let update = auditor
        .refresh(&wanted(), true, false, chrono::Utc::now())
        .await;
    let a = update
        .changes
        .iter()
        .find(|(k, _)| k.name == "a")
        .map(|(_, c)| c.clone())
        .expect("a updated");
    assert_eq!(a.fault, None);
    assert_eq!(a.changes.expect("read").files.len(), 4);

    // Not a repository: said so.
    let plain = repos.dir.path().join("plain");
    std::fs::create_dir_all(&plain).expect("mkdir");
    let err = GitMirror::open(&plain, "origin", &repos.dir.path().join("cache"), TIMEOUT)
        .await
        .expect_err("not a repository");
    assert!(err.to_string().contains("not a git repository"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// GitHub: "list pull request files"

const TOKEN: &str = "ghp_audit_test_token";
const REPO: &str = "octocat/hello-world";

/// One entry of "list pull request files" in GitHub's documented shape.
fn pr_file(i: usize) -> Value {
    json!({
        "sha": format!("{i:040x}"),
        "filename": format!("services/torghut/app/trading/f{i}.py"),
        "status": "modified",
        "additions": 3,
        "deletions": 1,
        "changes": 4,
        "blob_url": format!("https://github.com/octocat/Hello-World/blob/{i:040x}/f{i}.py"),
        "raw_url": format!("https://github.com/octocat/Hello-World/raw/{i:040x}/f{i}.py"),
        "contents_url": format!("https://api.github.com/repos/octocat/Hello-World/contents/f{i}.py?ref={i:040x}"),
        "patch": "@@ -1,2 +1,4 @@\n-a\n+b\n+c\n+d"
    })
}

/// `n` files served 100 a page with GitHub's `Link` header; every page has an ETag and
/// answers 304 to it.
async fn serve_files(server: &MockServer, number: u64, n: usize, extra: Vec<Value>) {
    let pages = n.div_ceil(100).max(1);
    for page in 1..=pages {
        let mut body: Vec<Value> = ((page - 1) * 100..(page * 100).min(n))
            .map(pr_file)
            .collect();
        if page == pages {
            body.extend(extra.clone());
        }
        let etag = format!("W/\"files-{number}-{page}\"");
        let route = format!("/repos/{REPO}/pulls/{number}/files");
        let mut ok = ResponseTemplate::new(200)
            .insert_header("etag", etag.as_str())
            .insert_header("x-ratelimit-remaining", "4999")
            .set_body_json(Value::Array(body));
        if page < pages {
            ok = ok.insert_header(
                "link",
                format!(
                    "<https://api.github.com/repositories/1/pulls/{number}/files?per_page=100&page={}>; rel=\"next\", <https://api.github.com/repositories/1/pulls/{number}/files?per_page=100&page={pages}>; rel=\"last\"",
                    page + 1
                )
                .as_str(),
            );
        }
        Mock::given(method("GET"))
            .and(path(route.as_str()))
            .and(query_param("page", page.to_string().as_str()))
            .and(header("if-none-match", etag.as_str()))
            .respond_with(ResponseTemplate::new(304).insert_header("etag", etag.as_str()))
            .with_priority(1)
            .mount(server)
            .await;
        Mock::given(method("GET"))
            .and(path(route.as_str()))
            .and(query_param("page", page.to_string().as_str()))
            .respond_with(ok)
            .with_priority(2)
            .mount(server)
            .await;
    }
}

fn files_client(server: &MockServer) -> PrFilesClient {
    PrFilesClient::new(&server.uri(), SecretString::from(TOKEN)).expect("client")
}

#[tokio::test]
async fn github_files_are_paginated_and_an_unchanged_pr_answers_304() {
    let server = MockServer::start().await;
    let renamed = json!({
        "sha": "f".repeat(40), "filename": "docs/new.md", "previous_filename": "docs/old.md",
        "status": "renamed", "additions": 0, "deletions": 0, "changes": 0
    });
    let binary = json!({
        "sha": "e".repeat(40), "filename": "assets/logo.png", "status": "added",
        "additions": 0, "deletions": 0, "changes": 0
    });
    serve_files(&server, 7, 150, vec![renamed, binary]).await;
    let mut client = files_client(&server);
    let set = client
        .files(REPO, 7, &"1".repeat(40), chrono::Utc::now())
        .await
        .expect("files");
    assert_eq!(set.files.len(), 152);
    assert!(!set.truncated);
    let rename = set
        .files
        .iter()
        .find(|f| f.path == "docs/new.md")
        .expect("rename");
    assert_eq!(rename.status, FileStatus::Renamed);
    assert_eq!(rename.previous_path.as_deref(), Some("docs/old.md"));
    assert!(!rename.binary);
    assert!(
        set.files
            .iter()
            .find(|f| f.path == "assets/logo.png")
            .expect("png")
            .binary
    );
    assert!(!set.files[0].binary);
    assert_eq!(client.requests(), (2, 0));

    // Again: both pages conditional, both 304 (free against the rate limit), same list.
    let again = client
        .files(REPO, 7, &"1".repeat(40), chrono::Utc::now())
        .await
        .expect("files again");
    assert_eq!(again.files, set.files);
    assert_eq!(client.requests(), (4, 2));
    let received = server.received_requests().await.expect("recorded");
    for r in &received {
        let auth = r.headers.get("authorization").and_then(|v| v.to_str().ok());
        assert_eq!(auth, Some(format!("Bearer {TOKEN}").as_str()));
        assert!(!r.url.as_str().contains(TOKEN));
    }
}

#[tokio::test]
async fn three_thousand_files_is_said_to_be_githubs_limit() {
    let server = MockServer::start().await;
    serve_files(&server, 9, 3000, Vec::new()).await;
    let mut client = files_client(&server);
    let set = client
        .files(REPO, 9, &"2".repeat(40), chrono::Utc::now())
        .await
        .expect("files");
    assert_eq!(set.files.len(), 3000);
    assert!(set.truncated);
    assert_eq!(client.requests().0, 30);
}

#[tokio::test]
async fn rate_limits_and_errors_are_classified() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/repos/{REPO}/pulls/5/files").as_str()))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-reset", "4102444800")
                .set_body_json(json!({
                    "message": "API rate limit exceeded for user ID 1.",
                    "documentation_url": "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"
                })),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/repos/{REPO}/pulls/6/files").as_str()))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "message": "Not Found",
            "documentation_url": "https://docs.github.com/rest/pulls/pulls#list-pull-requests-files"
        })))
        .mount(&server)
        .await;
    let mut client = files_client(&server);
    let err = client
        .files(REPO, 5, &"3".repeat(40), chrono::Utc::now())
        .await
        .expect_err("rate limited");
    assert!(
        matches!(
            err,
            FetchError::RateLimited {
                secondary: false,
                ..
            }
        ),
        "{err:?}"
    );
    let err = client
        .files(REPO, 6, &"3".repeat(40), chrono::Utc::now())
        .await
        .expect_err("404");
    assert_eq!(err, FetchError::Http(404, "Not Found".into()));

    // The auditor puts the rate limit on the card and stops asking for the other PRs.
    let mut auditor = Auditor::new(Sources {
        git: None,
        github: Some(files_client(&server)),
        git_timeout: TIMEOUT,
    });
    let mut w = AuditWanted::default();
    for n in [5u64, 6] {
        w.targets.push(Target {
            key: ObjectKey::new("ns", format!("run-{n}")),
            head_branch: Some(format!("codex/{n}")),
            base: "main".into(),
            pr: Some((REPO.into(), n, Some("3".repeat(40)))),
        });
    }
    let update = auditor.refresh(&w, true, false, chrono::Utc::now()).await;
    assert_eq!(
        update.changes.len(),
        1,
        "stopped after the rate limit: {update:?}"
    );
    let fault = update.changes[0].1.fault.clone().expect("fault");
    assert_eq!(fault.short(), "GitHub rate limited");
    assert!(update.status.contains("rate limited"), "{}", update.status);
    // Until the reset GitHub gave, nothing more is asked.
    let sent = server.received_requests().await.expect("recorded").len();
    let later = auditor.refresh(&w, true, true, chrono::Utc::now()).await;
    assert!(
        later.status.contains("rate limited, retry in"),
        "{}",
        later.status
    );
    assert_eq!(
        server.received_requests().await.expect("recorded").len(),
        sent
    );
}

#[tokio::test]
async fn the_auditor_asks_github_only_for_moved_heads_and_reads_required_checks() {
    let server = MockServer::start().await;
    serve_files(&server, 11, 20, Vec::new()).await;
    Mock::given(method("GET"))
        .and(path(format!("/repos/{REPO}/branches/main").as_str()))
        .respond_with(ResponseTemplate::new(200).insert_header("etag", "\"b\"").set_body_json(json!({
            "name": "main",
            "commit": {"sha": "a".repeat(40)},
            "protected": true,
            "protection": {
                "enabled": true,
                "required_status_checks": {
                    "enforcement_level": "non_admins",
                    "contexts": ["ci/lint"],
                    "checks": [{"context": "ci/lint", "app_id": null}, {"context": "unit-tests", "app_id": 15368}]
                }
            },
            "protection_url": "https://api.github.com/repos/octocat/hello-world/branches/main/protection"
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/repos/{REPO}/rules/branches/main").as_str()))
        .respond_with(ResponseTemplate::new(200).insert_header("etag", "\"r\"").set_body_json(json!([
            {"type": "pull_request", "ruleset_source_type": "Repository", "ruleset_source": "octocat/hello-world", "ruleset_id": 42,
             "parameters": {"required_approving_review_count": 1}},
            {"type": "required_status_checks", "ruleset_source_type": "Repository", "ruleset_source": "octocat/hello-world", "ruleset_id": 42,
             "parameters": {"strict_required_status_checks_policy": false,
                            "required_status_checks": [{"context": "e2e", "integration_id": 15368}]}}
        ])))
        .mount(&server)
        .await;
    let mut auditor = Auditor::new(Sources {
        git: None,
        github: Some(files_client(&server)),
        git_timeout: TIMEOUT,
    });
    let mut w = AuditWanted {
        targets: vec![Target {
            key: ObjectKey::new("ns", "run-11"),
            head_branch: Some("codex/11".into()),
            base: "main".into(),
            pr: Some((REPO.into(), 11, Some("4".repeat(40)))),
        }],
    };
    let first = auditor.refresh(&w, true, false, chrono::Utc::now()).await;
    assert_eq!(first.changes.len(), 1);
    assert_eq!(
        first.required_checks,
        vec![(
            (REPO.to_owned(), "main".to_owned()),
            Some(vec!["ci/lint".into(), "e2e".into(), "unit-tests".into()])
        )]
    );
    let after_first = auditor.github_requests().0;
    assert_eq!(after_first, 3, "one files page, the branch and its rules");

    // Nothing changed: no request at all.
    for _ in 0..3 {
        let u = auditor.refresh(&w, true, false, chrono::Utc::now()).await;
        assert!(u.changes.is_empty());
    }
    assert_eq!(auditor.github_requests().0, after_first);

    // The head moved: the files are asked for again, conditionally (the list did not change: 304).
    w.targets[0].pr = Some((REPO.into(), 11, Some("5".repeat(40))));
    let moved = auditor.refresh(&w, true, false, chrono::Utc::now()).await;
    assert_eq!(auditor.github_requests(), (after_first + 1, 1));
    assert_eq!(moved.changes.len(), 1);
    assert_eq!(
        moved.changes[0].1.changes.as_ref().expect("files").head_sha,
        "5".repeat(40)
    );
}

// ---------------------------------------------------------------------------------------------
// `swarm audit` against real AgentRuns

fn swarm(args: &[&str], home: &std::path::Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_swarm"))
        .args(args)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env_remove("SWARM_CONFIG")
        .env_remove("GH_TOKEN")
        .env_remove("GITHUB_TOKEN")
        .env("GH_CONFIG_DIR", home.join("no-gh"))
        .output()
        .expect("run swarm")
}

#[tokio::test(flavor = "multi_thread")]
async fn swarm_audit_reports_drift_conflicts_and_the_train_with_exit_codes() {
    let Some(cluster) = support::TestCluster::start().await else {
        return;
    };
    cluster.apply_crds().await;
    let (repos, _) = fixture();
    create_runs(&cluster).await;
    let home = repos.dir.path().join("home");
    std::fs::create_dir_all(&home).expect("home");
    let plan = home.join("plan.toml");
    std::fs::write(&plan, PLAN).expect("plan");
    let kubeconfig = cluster.kubeconfig.display().to_string();
    let clone = repos.clone.display().to_string();
    let plan_arg = plan.display().to_string();
    let base = [
        "--kubeconfig",
        kubeconfig.as_str(),
        "--context",
        cluster.context.as_str(),
        "-n",
        cluster.namespace.as_str(),
        "--plan",
        plan_arg.as_str(),
        "audit",
    ];
    let before = repos.fingerprint();
    let mut args = base.to_vec();
    args.extend(["--repo", clone.as_str(), "--output", "json"]);
    let out = swarm(&args, &home);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_str(&stdout).expect("json");
    let run = |name: &str| {
        report["runs"]
            .as_array()
            .expect("runs")
            .iter()
            .find(|r| r["run"] == format!("{}/run-{name}", cluster.namespace))
            .cloned()
            .unwrap_or_else(|| panic!("run-{name} in {report}"))
    };
    let a = run("a");
    assert_eq!(a["files"], 4);
    assert_eq!(a["binary_files"], 1);
    assert_eq!(a["drift"][0]["path"], "services/dorvud/feat.py");
    assert_eq!(a["drift"][0]["rules"][0]["rule"], "outside_lane");
    assert_eq!(run("d")["fault"]["kind"], "not_pushed");
    assert_eq!(run("r")["renamed_files"], 1);
    assert_eq!(run("r")["drift"], json!([]));
    let pairs = report["conflicts"].as_array().expect("conflicts");
    let pair = |x: &str, y: &str| {
        pairs
            .iter()
            .find(|p| {
                p["first"] == format!("{}/run-{x}", cluster.namespace)
                    && p["second"] == format!("{}/run-{y}", cluster.namespace)
            })
            .cloned()
            .unwrap_or_else(|| panic!("pair {x} {y} in {pairs:?}"))
    };
    assert_eq!(pair("a", "b")["textual"], true);
    assert_eq!(pair("a", "b")["files"], json!([COMMON]));
    assert_eq!(pair("a", "c")["textual"], false);
    // The train: wave 1 first; b is blocked by a (merges first, conflicts); wave 2 waits.
    let trains = report["trains"].as_array().expect("trains");
    assert_eq!(trains[0]["wave"], 1);
    assert_eq!(trains[0]["next"], format!("{}/run-a", cluster.namespace));
    let b = &trains[0]["entries"][1];
    assert!(
        b["blockers"]
            .as_array()
            .expect("blockers")
            .iter()
            .any(|x| x["kind"] == "conflicts_with" && x["textual"] == true),
        "{b}"
    );
    assert!(
        trains[1]["entries"][0]["blockers"]
            .as_array()
            .expect("blockers")
            .iter()
            .any(|x| x["kind"] == "earlier_wave" && x["wave"] == 1),
        "{}",
        trains[1]
    );

    // Human output; --wave 2 leaves a and b out.
    let mut args = base.to_vec();
    args.extend(["--repo", clone.as_str(), "--wave", "2"]);
    let out = swarm(&args, &home);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("run-d (lane A, wave 2): ⚠ branch codex/d not pushed yet"),
        "{text}"
    );
    assert!(!text.contains("run-a (lane"), "{text}");
    assert!(text.contains("wave 1 not merged"), "{text}");

    // Cannot run: a clone that is not there, or no source at all.
    let mut args = base.to_vec();
    args.extend(["--repo", "/nonexistent/clone"]);
    let out = swarm(&args, &home);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("/nonexistent/clone: no such directory"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = swarm(&base, &home);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no source for changed files"));

    assert_eq!(
        repos.fingerprint(),
        before,
        "the user's clone was written to"
    );
}

#[tokio::test]
async fn wiremock_requests_carry_the_documented_headers() {
    let server = MockServer::start().await;
    serve_files(&server, 3, 1, Vec::new()).await;
    let mut client = files_client(&server);
    client
        .files(REPO, 3, &"6".repeat(40), chrono::Utc::now())
        .await
        .expect("files");
    let received: Vec<Request> = server.received_requests().await.expect("recorded");
    let r = &received[0];
    assert_eq!(r.url.path(), format!("/repos/{REPO}/pulls/3/files"));
    assert_eq!(r.url.query(), Some("per_page=100&page=1"));
    assert_eq!(
        r.headers.get("accept").and_then(|v| v.to_str().ok()),
        Some("application/vnd.github+json")
    );
    assert_eq!(
        r.headers
            .get("x-github-api-version")
            .and_then(|v| v.to_str().ok()),
        Some("2022-11-28")
    );
}
