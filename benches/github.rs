//! GitHub refresh for 100 runs with PRs, against a local wiremock server answering in GitHub's
//! GraphQL shape. Goals: ≤ 5 GitHub requests per refresh (counted at the server) and the refresh
//! applied to state in ≤ 5 ms. Prints the figures; exits 1 when a goal is missed.
//!
//!     cargo bench --bench github
#[path = "../tests/github_mock/mod.rs"]
mod github_mock;

mod scene;
use chrono::Utc;
use github_mock::{EchoPullRequests, REPO, branch};
use octocrab::secrecy::SecretString;
use serde_json::json;
use std::time::{Duration, Instant};
use swarm_cockpit::app::state::Origin;
use swarm_cockpit::app::{Msg, Resource, SourceEvent, State, github, update};
use swarm_cockpit::domain::{PullRequest, Run};
use swarm_cockpit::sources::github::{GitHubClient, Poller, Scope};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const RUNS: u64 = 100;
const MAX_REQUESTS: usize = 5;
const MAX_APPLY: Duration = Duration::from_millis(5);

fn run(i: u64) -> Run {
    let lane = ["A", "B", "C", "D", "E"][(i % 5) as usize];
    Run::from_json(&json!({
        "metadata": {"name": format!("run-{i:03}"), "namespace": "agents",
                     "labels": {"swarm.proompteng.ai/lane": lane},
                     "creationTimestamp": "2026-02-10T10:00:00Z"},
        "spec": {"implementationSpecRef": {"name": format!("item-{i}")},
                 "parameters": {"repository": REPO, "head": format!("codex/swarm/item-{i}")}},
        "status": {"phase": "Running", "startedAt": "2026-02-10T10:01:00Z"}
    }))
}

fn state() -> State {
    let mut state = scene::torghut_state(Origin::default());
    for i in 1..=RUNS {
        update(
            &mut state,
            Msg::Source(SourceEvent::Applied(Resource::Run(Box::new(run(i))))),
        );
    }
    state.ensure_board();
    state
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn graphql_requests(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == "/graphql")
        .count()
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut ok = true;

    // 1. Requests per refresh, counted by the server.
    let (per_refresh, prs, refresh_wall) = rt.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/graphql"))
            .respond_with(EchoPullRequests)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
            .mount(&server)
            .await;
        let client =
            GitHubClient::new(&server.uri(), SecretString::from("ghp_bench")).expect("client");
        let mut poller = Poller::new(client);
        let s = state();
        let mut wanted = github::wanted(&s);
        assert_eq!(wanted.links.len() as u64, RUNS);
        let mut counts = Vec::new();
        let mut prs: Vec<PullRequest> = Vec::new();
        let mut wall = Vec::new();
        for round in 0..5 {
            if round == 3 {
                // The detail pane opens on one PR: its details are fetched once (3 REST
                // requests), later refreshes skip them while the PR is unchanged.
                wanted.detail = Some(branch(7));
            }
            let before = server.received_requests().await.unwrap_or_default().len();
            let started = Instant::now();
            let events = poller.refresh(&wanted, Scope::All, false, Utc::now()).await;
            wall.push(started.elapsed());
            let after = server.received_requests().await.unwrap_or_default().len();
            counts.push(after - before);
            for e in events {
                if let SourceEvent::PullRequests(p) = e
                    && p.len() > prs.len()
                {
                    // The first, full refresh: what the apply benchmark replays.
                    prs = p;
                }
            }
        }
        let total: usize = counts.iter().sum();
        let rest = total - graphql_requests(&server).await;
        assert_eq!(rest, 3, "one detail fetch, while its PR did not change");
        (counts, prs, median(wall))
    });
    println!("github refresh: {RUNS} runs with PRs");
    println!(
        "  requests per refresh (server count): {per_refresh:?}  [1: first refresh; 2-5: the timer, merged PRs skipped; 4-5: detail pane open]"
    );
    let steady = per_refresh
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 3)
        .map(|(_, n)| *n)
        .max()
        .unwrap_or(0);
    let ok_requests = steady <= MAX_REQUESTS;
    ok &= ok_requests;
    println!(
        "  max per refresh: {steady} (goal ≤ {MAX_REQUESTS}) {}; opening a detail pane adds {} conditional REST requests once",
        if ok_requests { "ok" } else { "MISSED" },
        per_refresh[3].saturating_sub(per_refresh[4]),
    );
    println!("  refresh wall time against localhost (median): {refresh_wall:?}");

    // 2. Applying one refresh of 100 PRs to state: `update`, the runtime's check of the wanted
    // set (a fingerprint; unchanged by PRs) and the board rebuild before the next frame.
    let mut s = state();
    let mut samples = Vec::new();
    for _ in 0..200 {
        let batch = prs.clone();
        let started = Instant::now();
        update(&mut s, Msg::Source(SourceEvent::PullRequests(batch)));
        std::hint::black_box(github::wanted_fingerprint(&s));
        s.ensure_board();
        samples.push(started.elapsed());
    }
    assert_eq!(s.cluster.prs.len() as u64, RUNS);
    let apply = median(samples.clone());
    let worst = samples.iter().max().copied().unwrap_or_default();
    let ok_apply = apply <= MAX_APPLY;
    ok &= ok_apply;
    println!(
        "  apply {RUNS} PRs to state: median {apply:?}, max {worst:?} (goal ≤ {MAX_APPLY:?}) {}",
        if ok_apply { "ok" } else { "MISSED" }
    );

    // 3. Lane header PR counts for every column (recomputed once per board or PR change).
    let mut samples = Vec::new();
    for _ in 0..200 {
        let started = Instant::now();
        for column in &s.board_view().columns {
            std::hint::black_box(swarm_cockpit::app::lane_prs::column_prs(&s, column));
        }
        samples.push(started.elapsed());
    }
    println!(
        "  lane PR counts recompute, all columns: median {:?}",
        median(samples)
    );
    if !ok {
        std::process::exit(1);
    }
}
