//! GitHub: the real octocrab client against a local wiremock server answering in GitHub's
//! documented REST and GraphQL shapes (tests/fixtures/github), the poller's batching, conditional
//! requests, rate limits and errors; the pure handling of PR messages and keys; snapshots of badges,
//! the detail pane's PR section and the status line.
mod common;
mod github_mock;

use chrono::{DateTime, Duration, Utc};
use common::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use github_mock::{EchoPullRequests, REPO, aliases, branch};
use octocrab::secrecy::SecretString;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use swarm_cockpit::app::github::{self as gh, GitHubHealth, GitHubStatus};
use swarm_cockpit::app::lane_prs::{LanePrs, column_prs, lane_prs, lane_prs_merged};
use swarm_cockpit::app::{Effect, Msg, SourceEvent, State, update};
use swarm_cockpit::domain::{
    Check, CheckState, ChecksRollup, MergeState, PrLink, PrState, PrWanted, PullRequest, Review,
    ReviewDecision, ReviewState, Run,
};
use swarm_cockpit::sources::browser;
use swarm_cockpit::sources::github::{
    self as source, FetchError, GitHubClient, GitHubOptions, Poller, Scope,
};
use swarm_cockpit::ui::{self, Theme};
use tokio::sync::mpsc;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "ghp_TESTtoken0123456789abcdefSECRET";

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/github/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn json_fixture(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).expect("fixture is JSON")
}

fn client(server: &MockServer) -> GitHubClient {
    GitHubClient::new(&server.uri(), SecretString::from(TOKEN)).expect("client")
}

fn link(head: &str) -> PrLink {
    PrLink::Branch {
        repo: REPO.into(),
        head: head.into(),
    }
}

fn wanted(links: impl IntoIterator<Item = PrLink>) -> PrWanted {
    PrWanted {
        links: links.into_iter().collect(),
        detail: None,
    }
}

fn now() -> DateTime<Utc> {
    t0()
}

/// The PRs and the status of one refresh's events.
fn split(events: Vec<SourceEvent>) -> (Vec<PullRequest>, GitHubStatus) {
    let mut prs = Vec::new();
    let mut status = None;
    for e in events {
        match e {
            SourceEvent::PullRequests(p) => prs.extend(p),
            SourceEvent::GitHub(s) => status = Some(s),
            other => panic!("unexpected event {other:?}"),
        }
    }
    (prs, status.expect("a refresh always reports its status"))
}

async fn graphql_requests(server: &MockServer) -> Vec<wiremock::Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path() == "/graphql")
        .collect()
}

async fn mount_graphql(server: &MockServer, response: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(response)
        .mount(server)
        .await;
}

// ----------------------------------------------------------------------------------------------
// The batch query

#[tokio::test]
async fn batch_reads_pr_states_checks_reviews_and_authors() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json_fixture("graphql_pull_requests.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let mut c = client(&server);
    let links: Vec<PrLink> = [
        "codex/draft",
        "codex/open",
        "codex/merged",
        "codex/closed",
        "codex/none",
    ]
    .into_iter()
    .map(link)
    .collect();
    let batch = c.fetch_batch(&links, now()).await.expect("batch");
    assert!(batch.errors.is_empty());
    assert_eq!(batch.rate_remaining, Some(4991));
    let prs: Vec<Option<PullRequest>> = batch.found.into_iter().map(|(_, pr)| pr).collect();

    let draft = prs[0].as_ref().expect("draft");
    assert_eq!((draft.number, draft.state), (1347, PrState::Draft));
    assert_eq!(draft.checks, ChecksRollup::default());
    assert_eq!(draft.author.as_deref(), Some("octocat"));
    assert_eq!(draft.mergeable, None);

    let open = prs[1].as_ref().expect("open");
    assert_eq!((open.number, open.state), (1348, PrState::Open));
    assert_eq!(open.repository, REPO);
    assert_eq!(open.head_branch, "codex/open");
    assert_eq!(open.url, "https://github.com/octocat/Hello-World/pull/1348");
    assert_eq!(open.review, Some(ReviewDecision::ChangesRequested));
    assert_eq!(open.mergeable, Some(false));
    assert!(open.has_conflicts() && open.is_failing());
    // lint ✔, unit-tests ✘, e2e ◌, docs skipped (counts as passing), jenkins ◌, snyk ✔
    assert_eq!(
        open.checks,
        ChecksRollup {
            passing: 3,
            failing: 1,
            pending: 2
        }
    );
    let names: Vec<(&str, CheckState)> = open
        .check_runs
        .iter()
        .map(|c| (c.name.as_str(), c.state))
        .collect();
    assert_eq!(
        names,
        vec![
            ("lint", CheckState::Passing),
            ("unit-tests", CheckState::Failing),
            ("e2e", CheckState::Pending),
            ("docs", CheckState::Skipped),
            ("continuous-integration/jenkins", CheckState::Pending),
            ("security/snyk", CheckState::Passing),
        ]
    );
    assert_eq!(
        open.check_runs[0].duration(now()),
        Some(Duration::seconds(65))
    );
    // Still running: the duration so far.
    assert_eq!(
        open.check_runs[2].duration(now()),
        Some(Duration::minutes(4))
    );

    let merged = prs[2].as_ref().expect("merged");
    assert_eq!(merged.state, PrState::Merged);
    assert_eq!(merged.review, Some(ReviewDecision::Approved));
    assert_eq!(merged.checks.passing, 3);
    assert!(!merged.has_conflicts());

    let closed = prs[3].as_ref().expect("closed");
    assert_eq!(closed.state, PrState::Closed);
    assert_eq!(closed.author, None);
    assert_eq!(closed.review, Some(ReviewDecision::ReviewRequired));
    assert!(prs[4].is_none(), "no PR for that branch yet");

    // The query: one alias per link, values as variables, the light fields only.
    let requests = graphql_requests(&server).await;
    let body: Value = serde_json::from_slice(&requests[0].body).expect("json body");
    let query = body["query"].as_str().expect("query");
    assert!(query.contains(
        "pr1: repository(owner: $o1, name: $n1) { pullRequests(headRefName: $h1, first: 1, states: [OPEN, MERGED, CLOSED], orderBy: {field: CREATED_AT, direction: DESC})"
    ));
    assert!(query.contains("statusCheckRollup { state contexts(first: 50)"));
    assert!(!query.contains("reviews"), "reviews are a detail fetch");
    assert_eq!(body["variables"]["o1"], "octocat");
    assert_eq!(body["variables"]["n1"], "hello-world");
    assert_eq!(body["variables"]["h1"], "codex/open");
}

#[tokio::test]
async fn forty_five_prs_take_three_graphql_requests_of_at_most_twenty() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(EchoPullRequests)
        .mount(&server)
        .await;
    let mut poller = Poller::new(client(&server));
    let events = poller
        .refresh(&wanted((1..=45).map(branch)), Scope::All, false, now())
        .await;
    let (prs, status) = split(events);
    assert_eq!(prs.len(), 45);
    assert_eq!(status.health, GitHubHealth::Ok);
    let requests = graphql_requests(&server).await;
    let sizes: Vec<usize> = requests.iter().map(aliases).collect();
    assert_eq!(sizes, vec![20, 20, 5]);
    assert_eq!(poller.requests(), 3);

    // The timer leaves merged PRs (every 4th) be: 34 of 45 left, two requests; `r` takes all.
    let (prs, _) = split(
        poller
            .refresh(&wanted((1..=45).map(branch)), Scope::All, false, now())
            .await,
    );
    assert_eq!(prs.len(), 34);
    assert_eq!(graphql_requests(&server).await.len(), 5);
    let (prs, _) = split(
        poller
            .refresh(&wanted((1..=45).map(branch)), Scope::All, true, now())
            .await,
    );
    assert_eq!(prs.len(), 45);
    assert_eq!(graphql_requests(&server).await.len(), 8);

    // New links only: a run that appears costs one small request, the rest are not refetched.
    let mut more = wanted((1..=46).map(branch));
    let (prs, _) = split(poller.refresh(&more, Scope::New, false, now()).await);
    assert_eq!(prs.len(), 1);
    assert_eq!(graphql_requests(&server).await.len(), 9);
    // Nothing new: no request, no event.
    assert!(
        poller
            .refresh(&more, Scope::New, false, now())
            .await
            .is_empty()
    );
    more.links.clear();
    assert!(
        poller
            .refresh(&more, Scope::New, false, now())
            .await
            .is_empty()
    );
    assert_eq!(graphql_requests(&server).await.len(), 9);
}

// ----------------------------------------------------------------------------------------------
// Details: REST with conditional requests

async fn mount_details(server: &MockServer) {
    let base = "/repos/octocat/hello-world";
    let sha = "e5bd3914e2e596debea16f433f57875b5b90bcd6";
    for (route, etag, body) in [
        (
            format!("{base}/pulls/1348"),
            "\"pull-v1\"",
            "rest_pull.json",
        ),
        (
            format!("{base}/pulls/1348/reviews"),
            "\"reviews-v1\"",
            "rest_reviews.json",
        ),
        (
            format!("{base}/commits/{sha}/check-runs"),
            "W/\"checks-v1\"",
            "rest_check_runs.json",
        ),
    ] {
        // Conditional requests first: wiremock answers with the first mock that matches.
        Mock::given(method("GET"))
            .and(path(route.as_str()))
            .and(header("if-none-match", etag))
            .respond_with(ResponseTemplate::new(304).insert_header("etag", etag))
            .mount(server)
            .await;
        Mock::given(method("GET"))
            .and(path(route.as_str()))
            .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("etag", etag)
                    .set_body_json(json_fixture(body)),
            )
            .mount(server)
            .await;
    }
}

fn open_pr() -> PullRequest {
    let mut pr = PullRequest::new(REPO, "codex/open", 1348, PrState::Open, now());
    pr.head_sha = Some("e5bd3914e2e596debea16f433f57875b5b90bcd6".into());
    pr
}

#[tokio::test]
async fn details_use_etags_and_a_304_keeps_the_cached_data() {
    let server = MockServer::start().await;
    mount_details(&server).await;
    let mut c = client(&server);
    let first = c.fetch_details(&open_pr(), now()).await.expect("details");
    assert_eq!(first.not_modified, 0);
    assert_eq!(first.merge_state, Some(MergeState::Blocked));
    assert_eq!(first.mergeable, Some(true));
    assert_eq!(
        first.reviews,
        vec![
            Review {
                author: "hubot-reviewer".into(),
                state: ReviewState::Commented,
                submitted_at: Some("2026-02-10T11:30:00Z".parse().expect("time")),
            },
            Review {
                author: "octocat".into(),
                state: ReviewState::ChangesRequested,
                submitted_at: Some("2026-02-10T11:56:00Z".parse().expect("time")),
            },
        ]
    );
    let checks = first.check_runs.clone().expect("check runs");
    let states: Vec<(&str, CheckState)> =
        checks.iter().map(|c| (c.name.as_str(), c.state)).collect();
    assert_eq!(
        states,
        vec![
            ("mighty_readme", CheckState::Skipped),
            ("unit-tests", CheckState::Failing),
            ("e2e", CheckState::Pending),
        ]
    );
    assert_eq!(checks[1].duration(now()), Some(Duration::seconds(270)));

    let second = c.fetch_details(&open_pr(), now()).await.expect("details");
    assert_eq!(second.not_modified, 3, "every request answered 304");
    assert_eq!(second.reviews, first.reviews);
    assert_eq!(second.check_runs, first.check_runs);
    assert_eq!(second.merge_state, first.merge_state);

    let requests = server.received_requests().await.unwrap_or_default();
    assert_eq!(requests.len(), 6);
    for (i, r) in requests.iter().enumerate() {
        let conditional = r.headers.get("if-none-match").is_some();
        assert_eq!(conditional, i >= 3, "{i}: {}", r.url);
        assert_eq!(
            r.headers.get("accept").and_then(|v| v.to_str().ok()),
            Some("application/vnd.github+json")
        );
    }
}

#[tokio::test]
async fn the_detail_pr_gets_its_details_merged_and_refetched_only_when_it_changed() {
    let server = MockServer::start().await;
    mount_details(&server).await;
    let mut batch = json_fixture("graphql_partial_errors.json");
    batch["data"].as_object_mut().map(|d| d.remove("pr1"));
    batch.as_object_mut().map(|b| b.remove("errors"));
    mount_graphql(&server, ResponseTemplate::new(200).set_body_json(batch)).await;
    let mut poller = Poller::new(client(&server));
    let mut w = wanted([link("codex/open")]);
    w.detail = Some(link("codex/open"));

    let (prs, status) = split(poller.refresh(&w, Scope::All, false, now()).await);
    assert_eq!(status.health, GitHubHealth::Ok);
    assert_eq!(
        poller.requests(),
        1 + 3,
        "batch, then pull + reviews + check runs"
    );
    let pr = prs
        .iter()
        .rev()
        .find(|p| p.number == 1348)
        .expect("detail PR");
    assert_eq!(pr.reviews.len(), 2);
    assert_eq!(pr.merge_state, Some(MergeState::Blocked));
    assert_eq!(pr.details_fetched_at, Some(now()));
    assert_eq!(pr.check_runs.len(), 3);
    assert_eq!(pr.checks.failing, 1);

    // Unchanged (same updatedAt and head): the next periodic refresh is the batch alone, and
    // keeps the details it already has.
    let later = now() + Duration::seconds(60);
    let (prs, _) = split(poller.refresh(&w, Scope::All, false, later).await);
    assert_eq!(poller.requests(), 5);
    assert_eq!(prs[0].reviews.len(), 2, "details carried over");
    assert_eq!(prs[0].merge_state, Some(MergeState::Blocked));
    assert_eq!(prs[0].fetched_at, later);

    // `r` fetches the details again: conditional, answered 304.
    let (prs, _) = split(poller.refresh(&w, Scope::All, true, later).await);
    assert_eq!(poller.requests(), 9);
    assert_eq!(prs.last().map(|p| p.reviews.len()), Some(2));
    let conditional = server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.headers.get("if-none-match").is_some())
        .count();
    assert_eq!(conditional, 3);
}

// ----------------------------------------------------------------------------------------------
// Errors: one status line, last good data kept, backoff honouring GitHub's times

#[tokio::test]
async fn unauthorized_is_a_status_line_and_a_slow_retry() {
    let server = MockServer::start().await;
    mount_graphql(
        &server,
        ResponseTemplate::new(401).set_body_json(json_fixture("error_401.json")),
    )
    .await;
    let mut poller = Poller::new(client(&server));
    let (prs, status) = split(
        poller
            .refresh(&wanted([branch(1)]), Scope::All, false, now())
            .await,
    );
    assert!(prs.is_empty());
    assert_eq!(status.health, GitHubHealth::Error);
    assert_eq!(
        status.message,
        "401 Bad credentials: check GH_TOKEN / `gh auth login`"
    );
    assert_eq!(status.retry_at, Some(now() + Duration::minutes(10)));
    // `r` may retry right away (the operator may have fixed the token).
    let (_, status) = split(
        poller
            .refresh(&wanted([branch(1)]), Scope::All, true, now())
            .await,
    );
    assert_eq!(status.health, GitHubHealth::Error);
    assert_eq!(poller.requests(), 2);
}

#[tokio::test]
async fn primary_rate_limit_waits_for_the_reset() {
    let server = MockServer::start().await;
    let reset = now() + Duration::minutes(15);
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("x-ratelimit-limit", "5000")
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-used", "5000")
                .insert_header("x-ratelimit-reset", reset.timestamp().to_string().as_str())
                .insert_header("x-ratelimit-resource", "graphql")
                .set_body_json(json_fixture("error_403_rate_limit.json")),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(EchoPullRequests)
        .mount(&server)
        .await;
    let mut poller = Poller::new(client(&server));
    let w = wanted([branch(1)]);
    let (_, status) = split(poller.refresh(&w, Scope::All, false, now()).await);
    assert_eq!(status.health, GitHubHealth::Degraded);
    assert_eq!(status.message, "rate limited (hourly limit used up)");
    assert_eq!(status.retry_at, Some(reset));
    // Neither the timer nor `r` sends a request before the reset.
    for manual in [false, true] {
        let (_, status) = split(
            poller
                .refresh(&w, Scope::All, manual, now() + Duration::minutes(5))
                .await,
        );
        assert_eq!(status.retry_at, Some(reset));
    }
    assert_eq!(poller.requests(), 1);
    let (prs, status) = split(
        poller
            .refresh(&w, Scope::All, false, reset + Duration::seconds(1))
            .await,
    );
    assert_eq!((prs.len(), status.health), (1, GitHubHealth::Ok));
    assert_eq!(status.retry_at, None);
    assert_eq!(poller.requests(), 2);
}

#[tokio::test]
async fn secondary_rate_limit_honours_retry_after() {
    let server = MockServer::start().await;
    mount_graphql(
        &server,
        ResponseTemplate::new(429)
            .insert_header("retry-after", "90")
            .set_body_json(json_fixture("error_429_secondary.json")),
    )
    .await;
    let mut poller = Poller::new(client(&server));
    let w = wanted([branch(1)]);
    let (_, status) = split(poller.refresh(&w, Scope::All, false, now()).await);
    assert_eq!(status.message, "rate limited (secondary limit)");
    assert_eq!(status.retry_at, Some(now() + Duration::seconds(90)));
    let (_, status) = split(
        poller
            .refresh(&w, Scope::All, true, now() + Duration::seconds(30))
            .await,
    );
    assert_eq!(status.retry_at, Some(now() + Duration::seconds(90)));
    assert_eq!(
        poller.requests(),
        1,
        "no request inside Retry-After, even on r"
    );
}

#[tokio::test]
async fn secondary_rate_limit_as_a_403_with_retry_after() {
    let server = MockServer::start().await;
    mount_graphql(
        &server,
        ResponseTemplate::new(403)
            .insert_header("retry-after", "60")
            .set_body_json(json_fixture("error_429_secondary.json")),
    )
    .await;
    let mut poller = Poller::new(client(&server));
    let (_, status) = split(
        poller
            .refresh(&wanted([branch(1)]), Scope::All, false, now())
            .await,
    );
    assert_eq!(status.message, "rate limited (secondary limit)");
    assert_eq!(status.retry_at, Some(now() + Duration::seconds(60)));
}

#[tokio::test]
async fn server_errors_keep_the_last_good_data_and_back_off() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(EchoPullRequests)
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(ResponseTemplate::new(502).set_body_json(json_fixture("graphql_502.json")))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(
            ResponseTemplate::new(504)
                .insert_header("content-type", "text/html")
                .set_body_string(
                    "<html><body>We couldn't respond to your request in time.</body></html>",
                ),
        )
        .mount(&server)
        .await;

    let mut state = state();
    let mut r = run_json("a-running", Some("A"), Some("Running"));
    r["spec"]["parameters"]["repository"] = json!("https://github.com/octocat/Hello-World.git");
    r["spec"]["parameters"]["head"] = json!("codex/swarm/item-1");
    apply_run(&mut state, Run::from_json(&r));
    let w = gh::wanted(&state);
    assert_eq!(w.links, BTreeSet::from([branch(1)]));

    let mut poller = Poller::new(client(&server));
    let feed = |state: &mut State, events: Vec<SourceEvent>| {
        for e in events {
            update(state, Msg::Source(e));
        }
    };
    feed(
        &mut state,
        poller.refresh(&w, Scope::All, false, now()).await,
    );
    let run = state.cluster.runs.values().next().cloned().expect("run");
    assert_eq!(state.pr_for_run(&run).map(|p| p.number), Some(1));

    let t1 = now() + Duration::minutes(1);
    update(&mut state, Msg::Tick(t1));
    let events = poller.refresh(&w, Scope::All, false, t1).await;
    assert!(
        matches!(events.as_slice(), [SourceEvent::GitHub(_)]),
        "no PR change on error"
    );
    feed(&mut state, events);
    assert_eq!(
        state.pr_for_run(&run).map(|p| p.number),
        Some(1),
        "data kept"
    );
    let status = state.github.status.clone().expect("status");
    assert_eq!(status.health, GitHubHealth::Error);
    assert_eq!(status.message, "HTTP 502 from GitHub");
    assert_eq!(status.last_ok, Some(now()));
    assert_eq!(status.retry_at, Some(t1 + Duration::seconds(5)));
    let theme = Theme::default();
    assert_eq!(
        ui::pr::status_segment(&state, &theme).map(|(t, _)| t),
        Some(" │ GitHub: HTTP 502 from GitHub · retry in 5s · data 1m old".into())
    );

    // Backing off: the timer waits; `r` does not have to (not a rate limit).
    assert_eq!(poller.requests(), 2);
    let (_, s) = split(
        poller
            .refresh(&w, Scope::All, false, t1 + Duration::seconds(1))
            .await,
    );
    assert_eq!(poller.requests(), 2);
    assert_eq!(s.message, "HTTP 502 from GitHub");
    let (_, s) = split(
        poller
            .refresh(&w, Scope::All, true, t1 + Duration::seconds(1))
            .await,
    );
    assert_eq!(poller.requests(), 3);
    assert_eq!(s.message, "HTTP 504 from GitHub");
    assert_eq!(
        s.retry_at,
        Some(t1 + Duration::seconds(11)),
        "the backoff doubles"
    );
}

#[tokio::test]
async fn graphql_errors_next_to_partial_data_keep_the_data() {
    let server = MockServer::start().await;
    mount_graphql(
        &server,
        ResponseTemplate::new(200).set_body_json(json_fixture("graphql_partial_errors.json")),
    )
    .await;
    let mut poller = Poller::new(client(&server));
    let private = PrLink::Branch {
        repo: "octocat/private-repo".into(),
        head: "codex/x".into(),
    };
    // The client directly: the aliases follow the order asked.
    let mut c = client(&server);
    let batch = c
        .fetch_batch(&[link("codex/open"), private.clone()], now())
        .await
        .expect("partial data is not an error");
    assert_eq!(batch.found.len(), 1, "the failed alias is not a 'no PR'");
    assert_eq!(batch.found[0].1.as_ref().map(|p| p.number), Some(1348));
    assert_eq!(batch.failed, vec![private.clone()]);
    assert_eq!(
        batch.errors,
        vec![
            "octocat/private-repo@codex/x: Could not resolve to a Repository with the name 'octocat/private-repo'."
        ]
    );

    // Through the poller: the PRs found are applied and the status says "degraded".
    let w = wanted([link("codex/open"), private]);
    let (prs, status) = split(poller.refresh(&w, Scope::All, false, now()).await);
    assert_eq!(prs.len(), 1);
    assert_eq!(status.health, GitHubHealth::Degraded);
    assert!(
        status.message.starts_with("GraphQL error: "),
        "{}",
        status.message
    );
    assert_eq!(status.last_ok, Some(now()));
}

#[tokio::test]
async fn graphql_errors_without_data_and_graphql_rate_limits() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json_fixture("graphql_errors_no_data.json")),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let reset = now() + Duration::minutes(20);
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-reset", reset.timestamp().to_string().as_str())
                .set_body_json(json_fixture("graphql_rate_limited.json")),
        )
        .mount(&server)
        .await;
    let mut c = client(&server);
    let e = c
        .fetch_batch(&[branch(1)], now())
        .await
        .expect_err("no data");
    assert_eq!(
        e,
        FetchError::GraphQl("Field 'mergeStateStatus' doesn't exist on type 'PullRequest'".into())
    );
    let e = c
        .fetch_batch(&[branch(1)], now())
        .await
        .expect_err("limited");
    assert_eq!(
        e,
        FetchError::RateLimited {
            until: reset,
            secondary: false
        }
    );
}

#[tokio::test]
async fn offline_is_a_status_line() {
    // A port that was free a moment ago: connection refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let c = GitHubClient::new(
        &format!("http://127.0.0.1:{port}"),
        SecretString::from(TOKEN),
    )
    .expect("client");
    let mut poller = Poller::new(c);
    let (prs, status) = split(
        poller
            .refresh(&wanted([branch(1)]), Scope::All, false, now())
            .await,
    );
    assert!(prs.is_empty());
    assert_eq!(status.health, GitHubHealth::Error);
    assert!(
        status.message.starts_with("offline: "),
        "{}",
        status.message
    );
    assert!(!status.message.contains(TOKEN));
}

// ----------------------------------------------------------------------------------------------
// The token

#[derive(Clone, Default)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogBuffer {
    type Writer = LogBuffer;
    fn make_writer(&'a self) -> LogBuffer {
        self.clone()
    }
}

#[tokio::test]
async fn the_token_travels_only_in_the_authorization_header_and_is_never_logged() {
    let logs = LogBuffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(logs.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    mount_details(&server).await;
    // Every kind of answer, in turn: data, partial errors, 401, 403 limit, 429, 502, 504.
    let reset = (now() + Duration::minutes(1)).timestamp().to_string();
    let answers = vec![
        ResponseTemplate::new(200).set_body_json(json_fixture("graphql_pull_requests.json")),
        ResponseTemplate::new(200).set_body_json(json_fixture("graphql_partial_errors.json")),
        ResponseTemplate::new(401).set_body_json(json_fixture("error_401.json")),
        ResponseTemplate::new(403)
            .insert_header("x-ratelimit-remaining", "0")
            .insert_header("x-ratelimit-reset", reset.as_str())
            .set_body_json(json_fixture("error_403_rate_limit.json")),
        ResponseTemplate::new(429)
            .insert_header("retry-after", "1")
            .set_body_json(json_fixture("error_429_secondary.json")),
        ResponseTemplate::new(502).set_body_json(json_fixture("graphql_502.json")),
        ResponseTemplate::new(504).set_body_string("gateway timeout"),
    ];
    let rounds = answers.len();
    for answer in answers {
        Mock::given(method("POST"))
            .and(path("/graphql"))
            .respond_with(answer)
            .up_to_n_times(1)
            .mount(&server)
            .await;
    }
    let mut poller = Poller::new(client(&server));
    let mut w = wanted([link("codex/draft"), link("codex/open")]);
    w.detail = Some(link("codex/open"));
    let mut t = now();
    let mut statuses = Vec::new();
    for _ in 0..rounds {
        let (_, status) = split(poller.refresh(&w, Scope::All, true, t).await);
        statuses.push(status);
        // Past any rate limit or backoff.
        t += Duration::hours(1);
    }
    let offline_port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let mut offline = Poller::new(
        GitHubClient::new(
            &format!("http://127.0.0.1:{offline_port}"),
            SecretString::from(TOKEN),
        )
        .expect("client"),
    );
    let (_, status) = split(offline.refresh(&w, Scope::All, true, t).await);
    statuses.push(status);

    let requests = server.received_requests().await.unwrap_or_default();
    // Each batch, and the detail PR's three REST requests after each of the two batches with
    // data (the second answered 304).
    assert_eq!(requests.len(), rounds + 6);
    for r in &requests {
        assert!(!r.url.as_str().contains(TOKEN));
        assert!(!String::from_utf8_lossy(&r.body).contains(TOKEN));
        assert_eq!(
            r.headers.get("authorization").and_then(|v| v.to_str().ok()),
            Some(format!("Bearer {TOKEN}").as_str()),
            "{}",
            r.url
        );
        for (name, value) in &r.headers {
            if name.as_str() != "authorization" {
                assert!(!value.to_str().unwrap_or("").contains(TOKEN), "{name}");
            }
        }
    }
    for s in &statuses {
        assert!(!s.message.contains(TOKEN));
        assert!(!format!("{s:?}").contains(TOKEN));
    }
    let text = String::from_utf8_lossy(&logs.0.lock().expect("lock")).into_owned();
    assert!(text.contains("GitHub refresh failed"), "logs were captured");
    assert!(
        text.contains("/graphql"),
        "octocrab's request spans were captured"
    );
    assert!(!text.contains(TOKEN), "the token leaked into the logs");
    assert!(
        !text.contains("TESTtoken"),
        "part of the token leaked into the logs"
    );
}

// ----------------------------------------------------------------------------------------------
// The poller task and the runtime's side of it

#[tokio::test]
async fn the_poller_task_fetches_new_links_and_refreshes_on_r() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(body_string_contains("pullRequests(headRefName"))
        .respond_with(EchoPullRequests)
        .mount(&server)
        .await;
    let (tx, mut rx) = mpsc::channel(64);
    let options = GitHubOptions::new(Some(&server.uri()), Some(0));
    assert_eq!(options.refresh, None, "0 = manual");
    let (link, task) = source::spawn(Poller::new(client(&server)), &options, tx);
    let mut next =
        async || match tokio::time::timeout(std::time::Duration::from_secs(20), rx.recv()).await {
            Ok(Some(Msg::Source(e))) => e,
            other => panic!("no message from the poller: {other:?}"),
        };
    assert!(matches!(next().await, SourceEvent::GitHub(s) if s.last_ok.is_none()));

    // The runtime publishes the board's links (only when they change).
    let mut state = state();
    for i in 1..=3 {
        let mut r = run_json(&format!("run-{i}"), Some("A"), Some("Running"));
        r["spec"]["parameters"]["repository"] = json!(REPO);
        r["spec"]["parameters"]["head"] = json!(format!("codex/swarm/item-{i}"));
        apply_run(&mut state, Run::from_json(&r));
    }
    let mut seen = link.wanted.subscribe();
    let mut fingerprint = None;
    link.publish(&state, &mut fingerprint);
    assert!(seen.has_changed().expect("open"));
    assert_eq!(seen.borrow_and_update().links.len(), 3);
    link.publish(&state, &mut fingerprint);
    assert!(
        !seen.has_changed().expect("open"),
        "unchanged: not sent again"
    );

    match next().await {
        SourceEvent::PullRequests(prs) => assert_eq!(prs.len(), 3),
        other => panic!("{other:?}"),
    }
    assert!(matches!(next().await, SourceEvent::GitHub(s) if s.health == GitHubHealth::Ok));
    assert_eq!(graphql_requests(&server).await.len(), 1);

    // `r` → Effect::RefreshPullRequests → the runtime notifies the poller.
    let effects = update(
        &mut state,
        Msg::Key(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::NONE)),
    );
    assert_eq!(effects, vec![Effect::RefreshPullRequests]);
    link.refresh.notify_one();
    match next().await {
        SourceEvent::PullRequests(prs) => assert_eq!(prs.len(), 3),
        other => panic!("{other:?}"),
    }
    assert_eq!(graphql_requests(&server).await.len(), 2);
    task.abort();
}

// ----------------------------------------------------------------------------------------------
// Pure: linking, update, keys, lane aggregates

fn run_with(name: &str, lane: &str, wave: Option<&str>, head: Option<&str>, phase: &str) -> Run {
    let mut r = run_json(name, Some(lane), Some(phase));
    if let Some(w) = wave {
        r["metadata"]["labels"]["swarm.proompteng.ai/wave"] = json!(w);
    }
    match head {
        Some(h) => r["spec"]["parameters"]["head"] = json!(h),
        None => {
            r["spec"]["parameters"]
                .as_object_mut()
                .map(|p| p.remove("head"));
        }
    }
    Run::from_json(&r)
}

fn pr(head: &str, number: u64, state: PrState, checks: ChecksRollup) -> PullRequest {
    let mut p = PullRequest::new("proompteng/lab", head, number, state, t0());
    p.title = format!("PR {number}");
    p.url = format!("https://github.com/proompteng/lab/pull/{number}");
    p.checks = checks;
    p
}

fn checks(passing: u32, failing: u32, pending: u32) -> ChecksRollup {
    ChecksRollup {
        passing,
        failing,
        pending,
    }
}

fn key(state: &mut State, c: char) -> Vec<Effect> {
    let code = match c {
        '\n' => KeyCode::Enter,
        '\x1b' => KeyCode::Esc,
        c => KeyCode::Char(c),
    };
    update(state, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

/// Lane A: wave 1 merged (two runs of one item share a PR), wave 2 open + failing + none yet.
fn lanes_state() -> State {
    let mut s = state();
    apply_run(
        &mut s,
        run_with("a1", "A", Some("1"), Some("codex/a1"), "Succeeded"),
    );
    apply_run(
        &mut s,
        run_with("a1-retry", "A", Some("1"), Some("codex/a1"), "Succeeded"),
    );
    apply_run(
        &mut s,
        run_with("a2", "A", Some("1"), Some("codex/a2"), "Succeeded"),
    );
    apply_run(
        &mut s,
        run_with("a3", "A", Some("2"), Some("codex/a3"), "Running"),
    );
    apply_run(
        &mut s,
        run_with("a4", "A", Some("2"), Some("codex/a4"), "Running"),
    );
    apply_run(
        &mut s,
        run_with("a5", "A", Some("2"), Some("codex/a5"), "Pending"),
    );
    apply_run(&mut s, run_with("b1", "B", Some("1"), None, "Failed"));
    let prs = vec![
        pr("codex/a1", 1, PrState::Merged, checks(5, 0, 0)),
        pr("codex/a2", 2, PrState::Merged, checks(5, 0, 0)),
        pr("codex/a3", 3, PrState::Open, checks(2, 1, 0)),
        pr("codex/a4", 4, PrState::Draft, checks(0, 0, 2)),
    ];
    update(&mut s, Msg::Source(SourceEvent::PullRequests(prs)));
    s.ensure_board();
    s
}

#[test]
fn pr_batches_replace_prs_by_key_and_status_is_kept() {
    let mut s = lanes_state();
    assert_eq!(s.cluster.prs.len(), 4);
    s.mark_drawn(None);
    let mut merged = pr("codex/a3", 3, PrState::Merged, checks(3, 0, 0));
    merged.fetched_at = t0() + Duration::minutes(1);
    update(&mut s, Msg::Source(SourceEvent::PullRequests(vec![merged])));
    assert!(s.needs_redraw());
    assert_eq!(s.cluster.prs.len(), 4);
    let a3 = s
        .cluster
        .runs
        .values()
        .find(|r| r.key.name == "a3")
        .cloned()
        .expect("a3");
    assert_eq!(s.pr_for_run(&a3).map(|p| p.state), Some(PrState::Merged));

    s.mark_drawn(None);
    update(&mut s, Msg::Source(SourceEvent::PullRequests(Vec::new())));
    assert!(!s.needs_redraw(), "an empty refresh changes nothing");

    let status = GitHubStatus {
        health: GitHubHealth::Degraded,
        message: "rate limited (secondary limit)".into(),
        last_ok: Some(t0()),
        retry_at: Some(t0() + Duration::seconds(90)),
    };
    update(&mut s, Msg::Source(SourceEvent::GitHub(status.clone())));
    assert_eq!(s.github.status, Some(status.clone()));
    assert!(s.needs_redraw());
    s.mark_drawn(None);
    update(&mut s, Msg::Source(SourceEvent::GitHub(status)));
    assert!(!s.needs_redraw(), "same status: no redraw");
}

#[test]
fn o_opens_the_selected_runs_pr_and_r_asks_for_a_refresh() {
    let mut s = lanes_state();
    // Lane A sorted by attention: running a3, a4, pending a5, then succeeded.
    assert_eq!(selected_name(&s).as_deref(), Some("a3"));
    assert_eq!(
        key(&mut s, 'o'),
        vec![Effect::OpenUrl(
            "https://github.com/proompteng/lab/pull/3".into()
        )]
    );
    assert_eq!(
        s.toasts.current(s.now),
        Some("opening https://github.com/proompteng/lab/pull/3")
    );
    // Gone after a while.
    update(
        &mut s,
        Msg::Tick(t0() + Duration::seconds(swarm_cockpit::app::toasts::TOAST_SECONDS + 1)),
    );
    assert_eq!(s.toasts.current(s.now), None);

    // From the detail pane too.
    key(&mut s, '\n');
    assert_eq!(key(&mut s, 'o').len(), 1);
    key(&mut s, '\x1b');

    // A run without a PR: no effect, a notice.
    key(&mut s, 'j');
    key(&mut s, 'j');
    assert_eq!(selected_name(&s).as_deref(), Some("a5"));
    assert_eq!(key(&mut s, 'o'), Vec::<Effect>::new());
    assert_eq!(
        s.toasts.current(s.now),
        Some("a5: no pull request linked yet")
    );

    assert_eq!(key(&mut s, 'r'), vec![Effect::RefreshPullRequests]);
    assert_eq!(
        s.toasts.current(s.now),
        Some("GitHub is not connected here (demo data)")
    );
    s.github.status = Some(GitHubStatus::off("no token (set GH_TOKEN)"));
    key(&mut s, 'r');
    assert_eq!(
        s.toasts.current(s.now),
        Some("GitHub: no token (set GH_TOKEN)")
    );
}

#[test]
fn o_opens_an_artifact_pr_url_before_the_pr_is_fetched_and_never_a_non_web_url() {
    let mut s = state();
    let mut r = run_json("linked", Some("A"), Some("Succeeded"));
    r["spec"]["parameters"]
        .as_object_mut()
        .map(|p| p.remove("head"));
    r["status"]["artifacts"] = json!([
        {"name": "log", "url": "file:///etc/passwd"},
        {"name": "pr", "url": "https://github.com/proompteng/lab/pull/42"}
    ]);
    apply_run(&mut s, Run::from_json(&r));
    s.ensure_board();
    assert_eq!(
        gh::wanted(&s).links,
        BTreeSet::from([PrLink::Number {
            repo: "proompteng/lab".into(),
            number: 42
        }])
    );
    assert_eq!(
        key(&mut s, 'o'),
        vec![Effect::OpenUrl(
            "https://github.com/proompteng/lab/pull/42".into()
        )]
    );
    // Fetched by number: found by the URL although the run has no head branch.
    let mut fetched = pr("codex/other", 42, PrState::Open, checks(1, 0, 0));
    fetched.title = "by url".into();
    update(
        &mut s,
        Msg::Source(SourceEvent::PullRequests(vec![fetched])),
    );
    let run = s.cluster.runs.values().next().cloned().expect("run");
    assert_eq!(s.pr_for_run(&run).map(|p| p.title.as_str()), Some("by url"));
}

#[test]
fn wanted_links_every_run_and_the_detail_pr_only_in_the_detail_pane() {
    let mut s = lanes_state();
    let w = gh::wanted(&s);
    let heads: Vec<String> = w
        .links
        .iter()
        .map(|l| match l {
            PrLink::Branch { head, .. } => head.clone(),
            PrLink::Number { number, .. } => number.to_string(),
        })
        .collect();
    assert_eq!(
        heads,
        ["codex/a1", "codex/a2", "codex/a3", "codex/a4", "codex/a5"]
    );
    assert_eq!(w.detail, None);
    let fp = gh::wanted_fingerprint(&s);
    key(&mut s, '\n');
    assert_ne!(gh::wanted_fingerprint(&s), fp);
    assert_eq!(
        gh::wanted(&s).detail,
        Some(PrLink::Branch {
            repo: "proompteng/lab".into(),
            head: "codex/a3".into()
        })
    );
}

#[test]
fn lane_headers_count_prs_and_the_wave_gate_reads_them() {
    let s = lanes_state();
    let a = LanePrs {
        merged: 2,
        open: 2,
        failing: 1,
        closed: 0,
        none: 1,
    };
    assert_eq!(lane_prs(&s, "A", None), a);
    let col = &s.board_view().columns[0];
    assert_eq!(column_prs(&s, col), a);
    assert!(lane_prs_merged(&s, "A", Some(1)), "wave 1 of lane A merged");
    assert!(!lane_prs_merged(&s, "A", Some(2)));
    assert!(!lane_prs_merged(&s, "A", None));
    // Lane B's only run never got a branch: nothing merged.
    assert_eq!(lane_prs(&s, "B", None).none, 1);
    assert!(!lane_prs_merged(&s, "B", Some(1)));
    assert!(
        !lane_prs_merged(&s, "C", None),
        "an empty lane is not merged"
    );
}

// ----------------------------------------------------------------------------------------------
// Browser

#[tokio::test]
async fn o_without_a_browser_shows_the_url() {
    let url = "https://github.com/proompteng/lab/pull/3".to_owned();
    let (tx, mut rx) = mpsc::unbounded_channel();
    assert!(
        browser::open_with(&["/nonexistent/xdg-open".into()], url.clone(), tx.clone()).is_none()
    );
    match rx.try_recv() {
        Ok(Msg::Source(SourceEvent::Notice(text))) => {
            assert_eq!(text, browser::no_browser_notice(&url));
            assert!(text.ends_with(&url));
        }
        other => panic!("{other:?}"),
    }
    // An opener that fails (xdg-open exits non-zero without a browser) also shows it.
    let handle = browser::open_with(&["false".into()], url.clone(), tx.clone()).expect("spawned");
    handle.await.expect("joined");
    assert!(matches!(
        rx.try_recv(),
        Ok(Msg::Source(SourceEvent::Notice(_)))
    ));
    // One that works says nothing.
    let handle = browser::open_with(&["true".into()], url.clone(), tx).expect("spawned");
    handle.await.expect("joined");
    assert!(rx.try_recv().is_err());

    // The notice lands in the status line, cut to fit but never dropped.
    let mut s = lanes_state();
    update(
        &mut s,
        Msg::Source(SourceEvent::Notice(browser::no_browser_notice(&url))),
    );
    let screen = render(&mut s, 120, 12);
    assert!(
        screen
            .contains("no browser could be started; open https://github.com/proompteng/lab/pull/3"),
        "{screen}"
    );
}

// ----------------------------------------------------------------------------------------------
// Snapshots

fn spans_text(spans: &[ratatui::text::Span]) -> String {
    spans.iter().map(|s| s.content.as_ref()).collect()
}

#[test]
fn badges() {
    let mut s = state();
    s.now = t0() + Duration::minutes(5);
    let theme = Theme::default();
    let mut conflicting = pr("h", 12, PrState::Open, checks(3, 1, 0));
    conflicting.mergeable = Some(false);
    conflicting.review = Some(ReviewDecision::ChangesRequested);
    let mut approved = pr("h", 13, PrState::Open, checks(6, 0, 0));
    approved.review = Some(ReviewDecision::Approved);
    approved.mergeable = Some(true);
    let mut waiting = pr("h", 14, PrState::Open, checks(2, 0, 4));
    waiting.review = Some(ReviewDecision::ReviewRequired);
    let mut stale = pr("h", 15, PrState::Open, checks(1, 0, 0));
    stale.fetched_at = t0() - Duration::minutes(30);
    let cases: Vec<(&str, Option<PullRequest>)> = vec![
        ("none yet", None),
        ("draft", Some(pr("h", 11, PrState::Draft, checks(0, 0, 0)))),
        ("open, pending", Some(waiting)),
        ("open, failing, conflicts", Some(conflicting)),
        ("open, green, approved", Some(approved)),
        (
            "merged",
            Some(pr("h", 16, PrState::Merged, checks(6, 0, 0))),
        ),
        (
            "closed",
            Some(pr("h", 17, PrState::Closed, checks(0, 0, 0))),
        ),
        ("stale", Some(stale)),
    ];
    let text: String = cases
        .iter()
        .map(|(name, p)| {
            format!(
                "{name:<26}{}\n",
                spans_text(&ui::board::pr_badge(p.as_ref(), &s, &theme))
            )
        })
        .collect();
    insta::assert_snapshot!(text);
}

/// A run whose PR has everything the detail pane shows.
fn detailed_state() -> State {
    let mut s = lanes_state();
    let mut p = pr("codex/a3", 3, PrState::Open, checks(0, 0, 0));
    p.title = "Add an order firewall module and a true kill switch contract".into();
    p.author = Some("codex-agent".into());
    p.review = Some(ReviewDecision::ChangesRequested);
    p.mergeable = Some(true);
    p.merge_state = Some(MergeState::Unstable);
    p.fetched_at = t0() - Duration::seconds(40);
    p.details_fetched_at = Some(t0() - Duration::seconds(40));
    let at = |m: i64| Some(t0() - Duration::minutes(m));
    p.check_runs = vec![
        Check {
            name: "lint".into(),
            state: CheckState::Passing,
            started_at: at(9),
            completed_at: at(8),
        },
        Check {
            name: "unit-tests".into(),
            state: CheckState::Failing,
            started_at: at(9),
            completed_at: at(5),
        },
        Check {
            name: "e2e".into(),
            state: CheckState::Pending,
            started_at: at(3),
            completed_at: None,
        },
        Check {
            name: "ci/jenkins".into(),
            state: CheckState::Pending,
            started_at: None,
            completed_at: None,
        },
        Check {
            name: "docs".into(),
            state: CheckState::Skipped,
            started_at: at(9),
            completed_at: at(9),
        },
    ];
    p.checks = ChecksRollup::from_checks(&p.check_runs);
    p.reviews = vec![
        Review {
            author: "lane-lead".into(),
            state: ReviewState::Commented,
            submitted_at: at(30),
        },
        Review {
            author: "safety-reviewer".into(),
            state: ReviewState::ChangesRequested,
            submitted_at: at(4),
        },
    ];
    update(&mut s, Msg::Source(SourceEvent::PullRequests(vec![p])));
    update(
        &mut s,
        Msg::Source(SourceEvent::GitHub(GitHubStatus {
            health: GitHubHealth::Ok,
            message: "ok".into(),
            last_ok: Some(t0() - Duration::seconds(40)),
            retry_at: None,
        })),
    );
    s
}

#[test]
fn detail_pane_pr_section() {
    let mut s = detailed_state();
    key(&mut s, '\n');
    let screen = render(&mut s, 110, 80);
    // The pane as drawn, from the PR section to the pane's bottom border (the sections above it
    // belong to other features).
    let lines: Vec<&str> = screen.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.contains("┃Pull request"))
        .expect("PR section on screen");
    let end = lines
        .iter()
        .rposition(|l| l.contains("┗"))
        .expect("bottom border");
    let section: Vec<&str> = lines[start..=end]
        .iter()
        .copied()
        .filter(|l| !l.contains("┃                    "))
        .collect();
    insta::assert_snapshot!(section.join("\n"));
}

#[test]
fn detail_pane_pr_section_lines() {
    // The section alone, unwrapped: every line the pane holds for the PR.
    let s = detailed_state();
    let run = s
        .cluster
        .runs
        .values()
        .find(|r| r.key.name == "a3")
        .cloned()
        .expect("a3");
    let mut lines = Vec::new();
    ui::pr::pr_section(&mut lines, &run, &s, &Theme::default());
    let text: String = lines
        .iter()
        .map(|l| format!("{}\n", spans_text(&l.spans).trim_end()))
        .collect();
    insta::assert_snapshot!(text);
}

#[test]
fn board_with_lane_pr_counts_and_github_status() {
    let mut s = detailed_state();
    insta::assert_snapshot!(render(&mut s, 120, 16));
}

#[test]
fn status_line_when_rate_limited_with_old_data() {
    let mut s = detailed_state();
    update(
        &mut s,
        Msg::Source(SourceEvent::GitHub(GitHubStatus {
            health: GitHubHealth::Degraded,
            message: "rate limited (hourly limit used up)".into(),
            last_ok: Some(t0() - Duration::minutes(7)),
            retry_at: Some(t0() + Duration::minutes(13)),
        })),
    );
    let screen = render(&mut s, 160, 6);
    let status = screen.lines().nth(5).unwrap_or_default().to_owned();
    insta::assert_snapshot!(status);
    // Without a token.
    s.github.status = Some(GitHubStatus::off("no token (set GH_TOKEN)"));
    let screen = render(&mut s, 160, 6);
    assert!(
        screen.contains("GitHub: no token (set GH_TOKEN)"),
        "{screen}"
    );
}

#[test]
fn the_demo_fills_authors_checks_reviews_and_merge_state() {
    use swarm_cockpit::domain::Plan;
    use swarm_cockpit::domain::plan::TORGHUT_PLAN;
    use swarm_cockpit::sources::demo::DemoSwarm;
    let plan = Plan::parse(TORGHUT_PLAN, "plan.toml").expect("plan");
    let mut demo = DemoSwarm::new(plan.clone(), 1);
    let mut states = BTreeSet::new();
    let mut s = State::new(plan, Default::default(), t0());
    for event in demo.advance(10_000.0, t0()) {
        if let SourceEvent::PullRequest(pr) = &event {
            states.insert(pr.state.label());
            assert_eq!(pr.author.as_deref(), Some("codex-agent"));
            assert_eq!(ChecksRollup::from_checks(&pr.check_runs), pr.checks);
            let has = |state| pr.reviews.iter().any(|r| r.state == state);
            match pr.review {
                Some(ReviewDecision::Approved) => assert!(has(ReviewState::Approved)),
                Some(ReviewDecision::ChangesRequested) => {
                    assert!(has(ReviewState::ChangesRequested))
                }
                _ => assert!(pr.reviews.is_empty()),
            }
            if pr.is_open() {
                assert!(pr.merge_state.is_some());
            }
        }
        update(&mut s, Msg::Source(event));
    }
    assert_eq!(
        states,
        BTreeSet::from(["draft", "open", "merged"]),
        "PRs move through their states"
    );
    // The detail pane of a merged PR in the demo.
    let run = s
        .cluster
        .runs
        .values()
        .find(|r| r.key.name == "order-firewall-a1")
        .cloned()
        .expect("run");
    let mut lines = Vec::new();
    ui::pr::pr_section(&mut lines, &run, &s, &Theme::default());
    let text: String = lines
        .iter()
        .map(|l| format!("{}\n", spans_text(&l.spans)))
        .collect();
    assert!(text.contains("#101 merged"), "{text}");
    assert!(text.contains("6 passing · 0 failing · 0 pending"), "{text}");
    assert!(text.contains("lane-lead"), "{text}");
    assert!(text.contains("Author        codex-agent"), "{text}");
}

#[test]
fn github_config_keys() {
    use swarm_cockpit::config::Config;
    let c = Config::parse(
        "[github]\napi_url = \"https://ghe.example.com/api/v3\"\nrefresh_seconds = 0\n",
        "c.toml",
    )
    .expect("valid");
    assert_eq!(
        c.github.api_url.as_deref(),
        Some("https://ghe.example.com/api/v3")
    );
    let options = GitHubOptions::new(c.github.api_url.as_deref(), c.github.refresh_seconds);
    assert_eq!(options.refresh, None);
    assert_eq!(options.host(), "ghe.example.com");
    let e = Config::parse("[github]\napi_url = \"ghe.example.com\"\n", "c.toml").expect_err("url");
    assert_eq!(e.line, 2);
    assert!(e.message.contains("github.api_url"), "{e}");
    let e = Config::parse("[github]\ntoken = \"x\"\n", "c.toml").expect_err("no token key");
    assert!(e.message.contains("token"), "{e}");
    let defaults = GitHubOptions::new(None, None);
    assert_eq!(defaults.api_url, "https://api.github.com");
    assert_eq!(defaults.host(), "github.com");
}
