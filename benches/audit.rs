//! The audit of 100 runs with 20 changed files each.
//!
//! 1. Git (real repositories in a temp dir, system git): the cold first audit, then a branch
//!    update — a push to one run's branch — until the conflict matrix is on screen: the
//!    auditor's refresh (fetch into the private mirror, diff of the moved head, merge-tree of
//!    its new pairs), applying it to state, and drawing the matrix (200×60 TestBackend).
//! 2. GitHub (wiremock on loopback): requests per refresh for PR files when nothing changed
//!    (goal: 0; the PR query itself is the poller's and is not repeated here), and when one
//!    head moved.
//! 3. The pure audit core (drift, pairs, train) over the 100 runs.
//!
//!     cargo bench --bench audit
#[path = "../tests/git_fixture/mod.rs"]
mod git_fixture;

use git_fixture::{Repos, git, lines, write};
use octocrab::secrecy::SecretString;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use swarm_cockpit::app::state::Origin;
use swarm_cockpit::app::{Msg, Resource, SourceEvent, State, update};
use swarm_cockpit::domain::{Plan, Run};
use swarm_cockpit::sources::pr_audit::{AuditWanted, Auditor, Sources};
use swarm_cockpit::sources::pr_files::PrFilesClient;
use swarm_cockpit::ui::{self, Theme};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const RUNS: usize = 100;
const FILES: usize = 20;
const SHARED: usize = 25;
const PLAN: &str = "name = \"bench\"\nbase = \"main\"\n[[lane]]\nid = \"A\"\ntitle = \"Trading\"\nowns = [\"services/torghut/app/trading/**\"]\n";

fn shared(i: usize) -> String {
    format!("services/torghut/app/trading/shared/s{}.py", i % SHARED)
}

/// Run `i`'s changes: 18 files of its own, one shared file (4 runs each; two of them edit the
/// same line: a textual conflict), and for every tenth run a file outside the lane.
fn changes(i: usize) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = (0..FILES - 2)
        .map(|j| {
            (
                format!("services/torghut/app/trading/run{i}/f{j}.py"),
                format!("run {i} file {j}\n").into_bytes(),
            )
        })
        .collect();
    let line = [1, 1, 5, 9][(i / SHARED) % 4];
    out.push((shared(i), lines(Some((line, &format!("run {i}"))))));
    out.push(if i.is_multiple_of(10) {
        (format!("services/dorvud/x{i}.py"), b"outside\n".to_vec())
    } else {
        (
            format!("services/torghut/app/trading/run{i}/extra.py"),
            b"x\n".to_vec(),
        )
    });
    out
}

fn run(i: usize, repo: &str) -> Run {
    Run::from_json(&json!({
        "metadata": {"name": format!("run-{i:03}"), "namespace": "agents",
                     "labels": {"swarm.proompteng.ai/lane": "A", "swarm.proompteng.ai/wave": "1"},
                     "creationTimestamp": "2026-02-10T10:00:00Z"},
        "spec": {"parameters": {"repository": repo, "base": "main", "head": format!("codex/run-{i}")}},
        "status": {"phase": "Running"}
    }))
}

fn state(repo: &str) -> State {
    let plan = Plan::parse(PLAN, "plan.toml").expect("plan");
    let mut s = State::new(plan, Origin::default(), chrono::Utc::now());
    s.audit.enabled = true;
    for i in 0..RUNS {
        update(
            &mut s,
            Msg::Source(SourceEvent::Applied(Resource::Run(Box::new(run(i, repo))))),
        );
    }
    s.ensure_board();
    s
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn repos() -> Repos {
    let repos = Repos::new();
    git(&repos.clone, &["checkout", "--quiet", "main"]);
    for k in 0..SHARED {
        write(&repos.clone, &shared(k), &lines(None));
    }
    git(&repos.clone, &["add", "-A"]);
    git(&repos.clone, &["commit", "--quiet", "-m", "shared"]);
    for i in 0..RUNS {
        git(
            &repos.clone,
            &[
                "checkout",
                "--quiet",
                "-B",
                &format!("codex/run-{i}"),
                "main",
            ],
        );
        for (p, c) in changes(i) {
            write(&repos.clone, &p, &c);
        }
        git(&repos.clone, &["add", "-A"]);
        git(
            &repos.clone,
            &["commit", "--quiet", "-m", &format!("run {i}")],
        );
    }
    git(&repos.clone, &["checkout", "--quiet", "main"]);
    git(
        &repos.clone,
        &[
            "push",
            "--quiet",
            "--force",
            "origin",
            "refs/heads/*:refs/heads/*",
        ],
    );
    repos
}

/// Serves 20 files for any PR, with an ETag per PR and 304 to it; counts requests.
struct Files;

impl Respond for Files {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let number = request
            .url
            .path()
            .split('/')
            .nth(5)
            .unwrap_or("0")
            .to_owned();
        let etag = format!("W/\"files-{number}\"");
        if request
            .headers
            .get("if-none-match")
            .and_then(|v| v.to_str().ok())
            == Some(etag.as_str())
        {
            return ResponseTemplate::new(304).insert_header("etag", etag.as_str());
        }
        let files: Vec<Value> = (0..FILES)
            .map(|j| {
                json!({"sha": format!("{j:040x}"), "filename": format!("services/torghut/app/trading/pr{number}/f{j}.py"),
                       "status": "modified", "additions": 1, "deletions": 1, "changes": 2, "patch": "@@ -1 +1 @@\n-a\n+b"})
            })
            .collect();
        ResponseTemplate::new(200)
            .insert_header("etag", etag.as_str())
            .set_body_json(Value::Array(files))
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let theme = Theme::default();

    // 1. Git.
    let setup = Instant::now();
    let repos = repos();
    println!(
        "audit bench: {RUNS} runs × {FILES} changed files (fixture built in {:?})",
        setup.elapsed()
    );
    let mut s = state("proompteng/lab");
    let mut auditor = Auditor::new(Sources {
        git: Some((
            repos.clone.clone(),
            "origin".into(),
            repos.dir.path().join("cache"),
        )),
        github: None,
        git_timeout: Duration::from_secs(120),
    });
    let wanted = swarm_cockpit::app::audit::wanted(&s);
    assert_eq!(wanted.targets.len(), RUNS);
    let cold = Instant::now();
    let first = rt.block_on(auditor.refresh(&wanted, true, false, chrono::Utc::now()));
    let cold = cold.elapsed();
    let merges = first.textual.len();
    let conflicting = first.textual.iter().filter(|(_, c)| *c).count();
    update(&mut s, Msg::Source(SourceEvent::Audit(Box::new(first))));
    s.ensure_board();
    let report = s.audit.report();
    assert_eq!(report.runs.len(), RUNS);
    assert_eq!(report.drifting(), RUNS / 10);
    println!(
        "  cold audit (mirror clone + fetch, {RUNS} diffs, {merges} merge-trees, {conflicting} conflicting): {cold:?}; {} pairs share files",
        report.conflicts.len()
    );
    swarm_cockpit::app::audit::open(&mut s, None);
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("backend");

    let mut total = Vec::new();
    let mut refresh = Vec::new();
    let mut screen = Vec::new();
    for round in 0..7 {
        let i = 50 + round;
        git(
            &repos.clone,
            &["checkout", "--quiet", &format!("codex/run-{i}")],
        );
        write(
            &repos.clone,
            &shared(i),
            &lines(Some((3, &format!("update {round}")))),
        );
        git(&repos.clone, &["commit", "--quiet", "-am", "update"]);
        git(
            &repos.clone,
            &["push", "--quiet", "origin", &format!("codex/run-{i}")],
        );
        git(&repos.clone, &["checkout", "--quiet", "main"]);

        let started = Instant::now();
        let update_msg = rt.block_on(auditor.refresh(&wanted, true, false, chrono::Utc::now()));
        assert_eq!(
            update_msg.changes.len(),
            1,
            "only the moved head is recomputed"
        );
        let refreshed = started.elapsed();
        update(
            &mut s,
            Msg::Source(SourceEvent::Audit(Box::new(update_msg))),
        );
        s.ensure_board();
        terminal.draw(|f| ui::draw(f, &s, &theme)).expect("draw");
        total.push(started.elapsed());
        refresh.push(refreshed);
        screen.push(started.elapsed() - refreshed);
    }
    let buffer = format!("{:?}", terminal.backend().buffer());
    assert!(buffer.contains("CONFLICT"), "the matrix is on screen");
    println!(
        "  branch update → matrix on screen: median {:?}, max {:?} (auditor refresh median {:?}: fetch + 1 diff + its merge-trees; apply + draw median {:?})",
        median(total.clone()),
        total.iter().max().copied().unwrap_or_default(),
        median(refresh),
        median(screen)
    );

    // 3. The pure core.
    let mut core = Vec::new();
    for _ in 0..50 {
        let started = Instant::now();
        std::hint::black_box(swarm_cockpit::app::audit::build_report(&s, None));
        core.push(started.elapsed());
    }
    println!(
        "  audit core (drift + pairs + train), {RUNS} runs: median {:?}",
        median(core)
    );

    // 2. GitHub.
    let (first, unchanged, moved) = rt.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(Files)
            .mount(&server)
            .await;
        let client =
            PrFilesClient::new(&server.uri(), SecretString::from("ghp_bench")).expect("client");
        let mut auditor = Auditor::new(Sources {
            git: None,
            github: Some(client),
            git_timeout: Duration::from_secs(10),
        });
        let mut w = AuditWanted {
            targets: wanted.targets.clone(),
        };
        for (n, t) in w.targets.iter_mut().enumerate() {
            t.pr = Some((
                "octocat/hello-world".into(),
                n as u64 + 1,
                Some(format!("{n:040x}")),
            ));
        }
        let count = || async { server.received_requests().await.unwrap_or_default().len() };
        auditor.refresh(&w, true, false, chrono::Utc::now()).await;
        let first = count().await;
        for _ in 0..5 {
            auditor.refresh(&w, true, false, chrono::Utc::now()).await;
        }
        let unchanged = (count().await - first) / 5;
        w.targets[7].pr = Some(("octocat/hello-world".into(), 8, Some("f".repeat(40))));
        auditor.refresh(&w, true, false, chrono::Utc::now()).await;
        let moved = count().await - first - unchanged * 5;
        (first, unchanged, moved)
    });
    println!(
        "  GitHub PR files requests: first refresh {first} ({RUNS} PRs + the base's protection and rules), per refresh when nothing changed {unchanged} (goal 0), one head moved {moved} (conditional: 304)"
    );
    if unchanged != 0 {
        std::process::exit(1);
    }
}
