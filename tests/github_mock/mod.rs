//! A GitHub stand-in for wiremock: answers the cockpit's batched GraphQL query with one PR per
//! alias, in GitHub's response shape, so any number of PRs can be served. Shared by
//! tests/github.rs and benches/github.rs.
#![allow(dead_code)]
use serde_json::{Value, json};
use swarm_cockpit::domain::PrLink;
use wiremock::{Request, Respond, ResponseTemplate};

pub const REPO: &str = "octocat/hello-world";

/// The branch link of PR `n`: head `codex/swarm/item-<n>`.
pub fn branch(n: u64) -> PrLink {
    PrLink::Branch {
        repo: REPO.into(),
        head: format!("codex/swarm/item-{n}"),
    }
}

/// A `PullRequest` node as GitHub's GraphQL API returns it.
pub fn pr_node(number: u64, head: &str) -> Value {
    let state = match number % 4 {
        0 => "MERGED",
        3 => "CLOSED",
        _ => "OPEN",
    };
    json!({
        "number": number,
        "title": format!("Work item {number}"),
        "url": format!("https://github.com/octocat/Hello-World/pull/{number}"),
        "isDraft": number % 4 == 2,
        "state": state,
        "mergeable": "MERGEABLE",
        "reviewDecision": if number.is_multiple_of(2) { "APPROVED" } else { "REVIEW_REQUIRED" },
        "headRefName": head,
        "headRefOid": format!("{number:040x}"),
        "updatedAt": "2026-02-10T11:55:00Z",
        "author": {"login": "codex-agent"},
        "commits": {"nodes": [{"commit": {"statusCheckRollup": {
            "state": if number.is_multiple_of(5) { "FAILURE" } else { "PENDING" },
            "contexts": {"nodes": [
                {"__typename": "CheckRun", "name": "lint", "status": "COMPLETED", "conclusion": "SUCCESS",
                 "startedAt": "2026-02-10T11:50:00Z", "completedAt": "2026-02-10T11:51:00Z"},
                {"__typename": "CheckRun", "name": "unit-tests", "status": "COMPLETED",
                 "conclusion": if number.is_multiple_of(5) { "FAILURE" } else { "SUCCESS" },
                 "startedAt": "2026-02-10T11:50:00Z", "completedAt": "2026-02-10T11:54:00Z"},
                {"__typename": "CheckRun", "name": "e2e", "status": "IN_PROGRESS", "conclusion": null,
                 "startedAt": "2026-02-10T11:56:00Z", "completedAt": null},
                {"__typename": "StatusContext", "context": "ci/jenkins", "state": "SUCCESS",
                 "createdAt": "2026-02-10T11:52:00Z"}
            ]}
        }}}]}
    })
}

/// Answers each alias `prN` of the batched query (head `…-<number>`) with [`pr_node`].
pub struct EchoPullRequests;

impl Respond for EchoPullRequests {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let Ok(body) = serde_json::from_slice::<Value>(&request.body) else {
            return ResponseTemplate::new(400);
        };
        let vars = &body["variables"];
        let mut data = serde_json::Map::new();
        let mut i = 0;
        while let Some(head) = vars.get(format!("h{i}")).and_then(Value::as_str) {
            let number: u64 = head
                .rsplit('-')
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(1);
            data.insert(
                format!("pr{i}"),
                json!({"pullRequests": {"nodes": [pr_node(number, head)]}}),
            );
            i += 1;
        }
        data.insert(
            "rateLimit".into(),
            json!({"remaining": 4900, "resetAt": "2030-01-01T00:00:00Z"}),
        );
        ResponseTemplate::new(200)
            .insert_header("x-ratelimit-remaining", "4900")
            .set_body_json(json!({"data": data}))
    }
}

/// How many aliases a recorded GraphQL request asked for.
pub fn aliases(request: &Request) -> usize {
    serde_json::from_slice::<Value>(&request.body)
        .ok()
        .and_then(|b| {
            b["variables"]
                .as_object()
                .map(|v| v.keys().filter(|k| k.starts_with('o')).count())
        })
        .unwrap_or(0)
}
