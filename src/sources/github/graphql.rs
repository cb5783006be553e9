//! The GraphQL batch query and the parsing of its answers (and of REST reviews and check runs).
use super::*;

pub(super) const PR_FRAGMENT: &str = "fragment pr on PullRequest { number title url isDraft state mergeable \
reviewDecision headRefName headRefOid updatedAt author { login } commits(last: 1) { nodes { commit \
{ statusCheckRollup { state contexts(first: CONTEXTS) { nodes { __typename ... on CheckRun { name \
status conclusion startedAt completedAt } ... on StatusContext { context state createdAt } } } } } } } }";

/// The batched query: one alias per link, values passed as variables (never spliced into the
/// query text).
pub fn batch_query(links: &[PrLink]) -> Value {
    let mut params = Vec::new();
    let mut fields = Vec::new();
    let mut variables = serde_json::Map::new();
    for (i, link) in links.iter().enumerate() {
        let (owner, name) = link.owner_and_name();
        params.push(format!("$o{i}: String!, $n{i}: String!"));
        variables.insert(format!("o{i}"), json!(owner));
        variables.insert(format!("n{i}"), json!(name));
        match link {
            PrLink::Branch { head, .. } => {
                params.push(format!("$h{i}: String!"));
                variables.insert(format!("h{i}"), json!(head));
                fields.push(format!(
                    "pr{i}: repository(owner: $o{i}, name: $n{i}) {{ pullRequests(headRefName: $h{i}, \
                     first: 1, states: [OPEN, MERGED, CLOSED], orderBy: {{field: CREATED_AT, direction: DESC}}) \
                     {{ nodes {{ ...pr }} }} }}"
                ));
            }
            PrLink::Number { number, .. } => {
                params.push(format!("$k{i}: Int!"));
                variables.insert(format!("k{i}"), json!(number));
                fields.push(format!(
                    "pr{i}: repository(owner: $o{i}, name: $n{i}) {{ pullRequest(number: $k{i}) {{ ...pr }} }}"
                ));
            }
        }
    }
    let query = format!(
        "query PullRequests({}) {{ {} rateLimit {{ remaining resetAt }} }} {}",
        params.join(", "),
        fields.join(" "),
        PR_FRAGMENT.replace("CONTEXTS", &CONTEXTS_PER_PR.to_string()),
    );
    json!({"query": query, "variables": variables})
}

pub(super) fn parse_batch(
    links: &[PrLink],
    doc: &Value,
    headers: &HeaderMap,
    now: DateTime<Utc>,
) -> Result<Batch, FetchError> {
    let errors: Vec<&Value> = doc
        .get("errors")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let data = doc.get("data").filter(|d| d.is_object());
    let rate_limited = errors
        .iter()
        .any(|e| e.get("type").and_then(Value::as_str) == Some("RATE_LIMITED"));
    if rate_limited {
        let reset = headers
            .get("x-ratelimit-reset")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<i64>().ok())
            .and_then(|t| DateTime::<Utc>::from_timestamp(t, 0))
            .filter(|t| *t > now)
            .unwrap_or(now + chrono::Duration::seconds(SECONDARY_WAIT_SECONDS));
        return Err(FetchError::RateLimited {
            until: reset,
            secondary: false,
        });
    }
    let mut failed_aliases = std::collections::BTreeSet::new();
    let error_lines: Vec<String> = errors
        .iter()
        .map(|e| {
            let message = e.get("message").and_then(Value::as_str).unwrap_or("error");
            let alias = e
                .pointer("/path/0")
                .and_then(Value::as_str)
                .and_then(|a| a.strip_prefix("pr"))
                .and_then(|i| i.parse::<usize>().ok())
                .filter(|i| *i < links.len());
            match alias {
                Some(i) => {
                    failed_aliases.insert(i);
                    short(&format!("{}: {message}", links[i]), 160)
                }
                None => short(message, 160),
            }
        })
        .collect();
    let Some(data) = data else {
        let first = error_lines
            .first()
            .cloned()
            .unwrap_or_else(|| "response without data".into());
        return Err(FetchError::GraphQl(first));
    };
    let failed = failed_aliases.iter().map(|i| links[*i].clone()).collect();
    let found = links
        .iter()
        .enumerate()
        .filter(|(i, _)| !failed_aliases.contains(i))
        .map(|(i, link)| {
            let repo = data.get(format!("pr{i}"));
            let node = match link {
                PrLink::Branch { .. } => repo.and_then(|r| r.pointer("/pullRequests/nodes/0")),
                PrLink::Number { .. } => repo.and_then(|r| r.get("pullRequest")),
            };
            let pr = node
                .filter(|n| n.is_object())
                .and_then(|n| parse_pr_node(link, n, now));
            (link.clone(), pr)
        })
        .collect();
    Ok(Batch {
        found,
        failed,
        errors: error_lines,
        rate_remaining: data.pointer("/rateLimit/remaining").and_then(Value::as_u64),
        rate_reset: data
            .pointer("/rateLimit/resetAt")
            .and_then(Value::as_str)
            .and_then(parse_time),
    })
}

pub(super) fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

pub(super) fn str_at<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// One `PullRequest` node of the batch query into the view-model.
pub fn parse_pr_node(link: &PrLink, node: &Value, now: DateTime<Utc>) -> Option<PullRequest> {
    let number = node.get("number").and_then(Value::as_u64)?;
    let state = match (
        str_at(node, "state"),
        node.get("isDraft").and_then(Value::as_bool),
    ) {
        (Some("MERGED"), _) => PrState::Merged,
        (Some("CLOSED"), _) => PrState::Closed,
        (_, Some(true)) => PrState::Draft,
        _ => PrState::Open,
    };
    let head_branch = match link {
        PrLink::Branch { head, .. } => head.clone(),
        PrLink::Number { .. } => str_at(node, "headRefName").map(sanitize::one_line)?,
    };
    let mut pr = PullRequest::new(link.repo(), head_branch, number, state, now);
    pr.title = short(str_at(node, "title").unwrap_or(""), 200);
    pr.url = str_at(node, "url")
        .filter(|u| crate::domain::pr_link::is_web_url(u))
        .unwrap_or("")
        .to_owned();
    pr.mergeable = match str_at(node, "mergeable") {
        Some("MERGEABLE") => Some(true),
        Some("CONFLICTING") => Some(false),
        _ => None,
    };
    pr.review = match str_at(node, "reviewDecision") {
        Some("APPROVED") => Some(ReviewDecision::Approved),
        Some("CHANGES_REQUESTED") => Some(ReviewDecision::ChangesRequested),
        Some("REVIEW_REQUIRED") => Some(ReviewDecision::ReviewRequired),
        _ => None,
    };
    pr.author = node
        .pointer("/author/login")
        .and_then(Value::as_str)
        .map(|l| short(l, 60));
    pr.head_sha = str_at(node, "headRefOid")
        .filter(|s| is_sha(s))
        .map(str::to_owned);
    pr.updated_at = str_at(node, "updatedAt").and_then(parse_time);
    let contexts = node
        .pointer("/commits/nodes/0/commit/statusCheckRollup/contexts/nodes")
        .and_then(Value::as_array);
    pr.check_runs = contexts
        .map(|nodes| nodes.iter().filter_map(parse_context).collect())
        .unwrap_or_default();
    pr.checks = ChecksRollup::from_checks(&pr.check_runs);
    Some(pr)
}

/// A `CheckRun` or `StatusContext` node.
pub(super) fn parse_context(node: &Value) -> Option<Check> {
    let time = |k: &str| str_at(node, k).and_then(parse_time);
    if let Some(name) = str_at(node, "name") {
        return Some(Check {
            name: short(name, 80),
            state: CheckState::from_check_run(str_at(node, "status"), str_at(node, "conclusion")),
            started_at: time("startedAt"),
            completed_at: time("completedAt"),
        });
    }
    let context = str_at(node, "context")?;
    let state = CheckState::from_status_context(str_at(node, "state"));
    Some(Check {
        name: short(context, 80),
        state,
        started_at: time("createdAt"),
        completed_at: (state != CheckState::Pending)
            .then(|| time("createdAt"))
            .flatten(),
    })
}

pub(super) fn parse_rest_reviews(v: &Value) -> Vec<Review> {
    let Some(items) = v.as_array() else {
        return Vec::new();
    };
    let mut reviews: Vec<Review> = items
        .iter()
        .filter_map(|r| {
            Some(Review {
                author: short(r.pointer("/user/login").and_then(Value::as_str)?, 60),
                state: ReviewState::parse(str_at(r, "state")?)?,
                submitted_at: str_at(r, "submitted_at").and_then(parse_time),
            })
        })
        .collect();
    reviews.sort_by_key(|r| r.submitted_at);
    reviews
}

pub(super) fn parse_rest_check_runs(v: &Value) -> Vec<Check> {
    v.get("check_runs")
        .and_then(Value::as_array)
        .map(|runs| {
            runs.iter()
                .filter_map(|r| {
                    Some(Check {
                        name: short(str_at(r, "name")?, 80),
                        state: CheckState::from_check_run(
                            str_at(r, "status"),
                            str_at(r, "conclusion"),
                        ),
                        started_at: str_at(r, "started_at").and_then(parse_time),
                        completed_at: str_at(r, "completed_at").and_then(parse_time),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}
