//! GitHub source: pull request, CI and review status for every linked run, via octocrab.
//!
//! - One light GraphQL query per refresh for all linked PRs, in chunks of at most
//!   [`CHUNK_SIZE`] aliases (`statusCheckRollup` on big pages times out with 504s).
//! - Details (reviews, the full check list, merge state) only for the PR in the open detail pane,
//!   over REST with conditional requests: a 304 Not Modified keeps the cached body and does not
//!   count against the rate limit.
//! - Errors never reach the screen as more than one status line: offline, 401, rate limits
//!   (primary `x-ratelimit-remaining: 0` + `x-ratelimit-reset`, secondary `retry-after`), 5xx and
//!   GraphQL errors next to partial data. The last good data stays; retries back off and honour
//!   the reset / Retry-After times.
//! - The token is held by octocrab as a secret (its `Debug` prints nothing) and sent only in the
//!   `Authorization` header of requests to the configured API; it is never logged or written.
use super::etags::EtagCache;
use crate::app::github::{GitHubHealth, GitHubStatus};
use crate::app::msg::{Msg, SourceEvent};
use crate::domain::pr_link::{PrLink, PrWanted};
use crate::domain::sanitize;
use crate::domain::{
    Check, CheckState, ChecksRollup, MergeState, PrState, PullRequest, Review, ReviewDecision,
    ReviewState,
};
use chrono::{DateTime, Utc};
use http::{HeaderMap, HeaderValue, StatusCode};
use octocrab::Octocrab;
use octocrab::secrecy::SecretString;
use octocrab::service::middleware::retry::RetryConfig;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::JoinHandle;

pub const DEFAULT_API_URL: &str = "https://api.github.com";
pub const DEFAULT_REFRESH_SECONDS: u64 = 60;
/// Most PRs per GraphQL request.
pub const CHUNK_SIZE: usize = 20;
/// Most individual checks read per PR in the batch query.
const CONTEXTS_PER_PR: usize = 50;
/// Gathers the bursts of a Kubernetes (re)list before fetching the PRs it links.
const DEBOUNCE: Duration = Duration::from_millis(250);
const MAX_BACKOFF_SECONDS: i64 = 600;
const FIRST_BACKOFF_SECONDS: i64 = 5;
/// A secondary rate limit without `retry-after`: GitHub asks for at least a minute.
const SECONDARY_WAIT_SECONDS: i64 = 60;

/// Where to reach GitHub and how often.
#[derive(Debug, Clone)]
pub struct GitHubOptions {
    /// REST base URL: `https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise.
    pub api_url: String,
    /// `None`: refresh only on `r` (and for runs seen for the first time).
    pub refresh: Option<Duration>,
}

impl GitHubOptions {
    pub fn new(api_url: Option<&str>, refresh_seconds: Option<u64>) -> GitHubOptions {
        let secs = refresh_seconds.unwrap_or(DEFAULT_REFRESH_SECONDS);
        GitHubOptions {
            api_url: api_url
                .map(|u| u.trim().trim_end_matches('/').to_owned())
                .filter(|u| !u.is_empty())
                .unwrap_or_else(|| DEFAULT_API_URL.to_owned()),
            refresh: (secs > 0).then(|| Duration::from_secs(secs)),
        }
    }

    /// The web host whose token to use: `github.com` for the public API, else the API's host.
    pub fn host(&self) -> String {
        host_of(&self.api_url)
    }
}

/// `api.github.com` → `github.com`; `https://ghe.example.com/api/v3` → `ghe.example.com`.
pub fn host_of(api_url: &str) -> String {
    let rest = api_url
        .trim()
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    let authority = rest.split('/').next().unwrap_or(rest);
    let host = authority.rsplit('@').next().unwrap_or(authority);
    match host {
        "api.github.com" => "github.com".to_owned(),
        h => h.strip_prefix("api.").unwrap_or(h).to_owned(),
    }
}

/// GraphQL lives at `/graphql` next to the REST root on github.com, and at `/api/graphql` next to
/// `/api/v3` on GitHub Enterprise Server.
fn graphql_base(api_url: &str) -> String {
    let base = api_url.trim_end_matches('/');
    base.strip_suffix("/v3").unwrap_or(base).to_owned()
}

// ---------------------------------------------------------------------------------------------
// Token

/// Where the token came from (shown; the token never is).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    Env(&'static str),
    GhHostsFile,
    GhCli,
}

impl std::fmt::Display for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenSource::Env(name) => write!(f, "${name}"),
            TokenSource::GhHostsFile => f.write_str("gh's hosts.yml"),
            TokenSource::GhCli => f.write_str("gh auth token"),
        }
    }
}

/// The token for `host`: `GH_TOKEN` / `GITHUB_TOKEN` (for an Enterprise host
/// `GH_ENTERPRISE_TOKEN` / `GITHUB_ENTERPRISE_TOKEN` first), else the `gh` CLI's stored token
/// (`hosts.yml`, else `gh auth token` when gh keeps it in the system keyring).
pub fn resolve_token(host: &str) -> Option<(SecretString, TokenSource)> {
    if let Some((token, name)) = token_from_env(host, |k| std::env::var(k).ok()) {
        return Some((token, TokenSource::Env(name)));
    }
    if let Some(token) = gh_config_dir()
        .and_then(|dir| std::fs::read_to_string(dir.join("hosts.yml")).ok())
        .and_then(|text| token_from_hosts_yml(&text, host))
    {
        return Some((token, TokenSource::GhHostsFile));
    }
    token_from_gh_cli(host).map(|t| (t, TokenSource::GhCli))
}

/// The first non-empty token variable for `host`.
pub fn token_from_env(
    host: &str,
    var: impl Fn(&str) -> Option<String>,
) -> Option<(SecretString, &'static str)> {
    const PUBLIC: [&str; 2] = ["GH_TOKEN", "GITHUB_TOKEN"];
    const ENTERPRISE: [&str; 4] = [
        "GH_ENTERPRISE_TOKEN",
        "GITHUB_ENTERPRISE_TOKEN",
        "GH_TOKEN",
        "GITHUB_TOKEN",
    ];
    let names: &[&'static str] = if host == "github.com" || host.ends_with(".ghe.com") {
        &PUBLIC
    } else {
        &ENTERPRISE
    };
    names.iter().find_map(|name| {
        let value = var(name)?;
        let value = value.trim();
        (!value.is_empty()).then(|| (SecretString::from(value.to_owned()), *name))
    })
}

/// `oauth_token` of `host` in gh's `hosts.yml`.
pub fn token_from_hosts_yml(text: &str, host: &str) -> Option<SecretString> {
    let doc: Value = serde_norway::from_str(text).ok()?;
    let token = doc.get(host)?.get("oauth_token")?.as_str()?.trim();
    (!token.is_empty()).then(|| SecretString::from(token.to_owned()))
}

fn gh_config_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("GH_CONFIG_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_CONFIG_HOME").filter(|d| !d.is_empty()) {
        return Some(Path::new(&dir).join("gh"));
    }
    std::env::var_os("HOME").map(|home| Path::new(&home).join(".config").join("gh"))
}

/// `gh auth token --hostname HOST`, when gh is installed; gives up after 3 s.
fn token_from_gh_cli(host: &str) -> Option<SecretString> {
    use std::process::{Command, Stdio};
    let mut child = Command::new("gh")
        .args(["auth", "token", "--hostname", host])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let deadline = std::time::Instant::now() + Duration::from_secs(3);
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => break,
            Ok(Some(_)) | Err(_) => return None,
            Ok(None) if std::time::Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    let mut out = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take()?, &mut out).ok()?;
    let token = out.trim();
    (!token.is_empty()).then(|| SecretString::from(token.to_owned()))
}

// ---------------------------------------------------------------------------------------------
// Errors

/// Why a request gave no data. Messages are one line and never contain the token.
#[derive(Debug, Clone, PartialEq)]
pub enum FetchError {
    /// No HTTP response: DNS, connection refused, TLS, timeout.
    Offline(String),
    /// 401: the token is wrong, expired or revoked.
    Unauthorized(String),
    /// 403 that is not a rate limit (SSO not authorized, no access).
    Forbidden(String),
    /// 403/429 rate limit, primary (`x-ratelimit-remaining: 0`) or secondary (`retry-after`).
    RateLimited {
        until: DateTime<Utc>,
        secondary: bool,
    },
    /// 5xx.
    Server(u16),
    /// Another HTTP status.
    Http(u16, String),
    /// A GraphQL response with errors and no data.
    GraphQl(String),
    /// A body that is not what GitHub documents.
    Decode(String),
}

impl FetchError {
    /// The status-line text.
    pub fn summary(&self) -> String {
        match self {
            FetchError::Offline(e) => format!("offline: {e}"),
            FetchError::Unauthorized(m) => {
                format!("401 {m}: check GH_TOKEN / `gh auth login`")
            }
            FetchError::Forbidden(m) => format!("403 {m}"),
            FetchError::RateLimited {
                secondary: false, ..
            } => "rate limited (hourly limit used up)".into(),
            FetchError::RateLimited {
                secondary: true, ..
            } => "rate limited (secondary limit)".into(),
            FetchError::Server(code) => format!("HTTP {code} from GitHub"),
            FetchError::Http(code, m) => format!("HTTP {code}: {m}"),
            FetchError::GraphQl(m) => format!("GraphQL error: {m}"),
            FetchError::Decode(m) => format!("unexpected response: {m}"),
        }
    }
}

/// Classifies a non-success response. `now` anchors `retry-after`.
pub fn classify(
    status: StatusCode,
    headers: &HeaderMap,
    body: &str,
    now: DateTime<Utc>,
) -> FetchError {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let message = error_message(body).unwrap_or_else(|| {
        status
            .canonical_reason()
            .unwrap_or("unknown status")
            .to_owned()
    });
    let code = status.as_u16();
    if code == 403 || code == 429 {
        if let Some(secs) = header("retry-after").and_then(|v| v.parse::<i64>().ok()) {
            return FetchError::RateLimited {
                until: now + chrono::Duration::seconds(secs.clamp(1, 24 * 3600)),
                secondary: true,
            };
        }
        if header("x-ratelimit-remaining") == Some("0") {
            let reset = header("x-ratelimit-reset")
                .and_then(|v| v.parse::<i64>().ok())
                .and_then(|t| DateTime::<Utc>::from_timestamp(t, 0))
                .filter(|t| *t > now)
                .unwrap_or(now + chrono::Duration::seconds(SECONDARY_WAIT_SECONDS));
            return FetchError::RateLimited {
                until: reset,
                secondary: false,
            };
        }
        if code == 429 || message.to_ascii_lowercase().contains("rate limit") {
            return FetchError::RateLimited {
                until: now + chrono::Duration::seconds(SECONDARY_WAIT_SECONDS),
                secondary: true,
            };
        }
        return FetchError::Forbidden(message);
    }
    match code {
        401 => FetchError::Unauthorized(message),
        500..=599 => FetchError::Server(code),
        _ => FetchError::Http(code, message),
    }
}

fn error_message(body: &str) -> Option<String> {
    let v: Value = serde_json::from_str(body).ok()?;
    let m = v.get("message")?.as_str()?;
    Some(short(m, 100))
}

fn short(s: &str, max: usize) -> String {
    sanitize::one_line(&sanitize::truncate_chars(s.trim(), max))
}

/// The most useful line of a transport error: its innermost cause.
fn transport_message(e: &octocrab::Error) -> String {
    short(&innermost_message(e), 80)
}

/// The innermost cause of an octocrab error (the part that says what went wrong: "connection
/// refused", not "error sending request").
pub fn innermost_message(e: &octocrab::Error) -> String {
    let mut source: &dyn std::error::Error = e;
    while let Some(inner) = source.source() {
        source = inner;
    }
    source.to_string()
}

/// The headers of a REST GET as GitHub documents them, conditional on `etag` when one is cached
/// (a 304 then costs nothing against the rate limit).
pub fn rest_headers(etag: Option<&str>) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        http::header::ACCEPT,
        HeaderValue::from_static("application/vnd.github+json"),
    );
    headers.insert(
        "x-github-api-version",
        HeaderValue::from_static("2022-11-28"),
    );
    if let Some(v) = etag.and_then(|e| HeaderValue::from_str(e).ok()) {
        headers.insert(http::header::IF_NONE_MATCH, v);
    }
    headers
}

// ---------------------------------------------------------------------------------------------
// Client

/// REST responses kept for conditional requests: the detail PR's three (PR, reviews, check runs)
/// for many PRs looked at in turn.
const DETAIL_ETAGS: usize = 512;

/// What one detail fetch found.
#[derive(Debug, Clone, PartialEq)]
pub struct Details {
    pub merge_state: Option<MergeState>,
    pub mergeable: Option<bool>,
    pub head_sha: Option<String>,
    pub reviews: Vec<Review>,
    /// Check runs of the head commit (REST); `None` when the head commit is unknown.
    pub check_runs: Option<Vec<Check>>,
    /// How many of the requests were answered 304 Not Modified.
    pub not_modified: u32,
}

/// What one GraphQL batch found: one entry per link answered, `None` for "no PR (yet)".
#[derive(Debug, Clone, Default)]
pub struct Batch {
    pub found: Vec<(PrLink, Option<PullRequest>)>,
    /// Links whose alias came back with an error (their last good data stays).
    pub failed: Vec<PrLink>,
    /// GraphQL `errors` next to partial data (one line each).
    pub errors: Vec<String>,
    /// `rateLimit.remaining` and `rateLimit.resetAt`, when GitHub said.
    pub rate_remaining: Option<u64>,
    pub rate_reset: Option<DateTime<Utc>>,
}

/// The HTTP side: octocrab clients for REST and GraphQL, and the ETag cache.
pub struct GitHubClient {
    rest: Octocrab,
    graphql: Octocrab,
    etags: EtagCache<Value>,
    requests: u64,
}

impl GitHubClient {
    /// Builds the clients (inside a tokio runtime: octocrab spawns its request buffer).
    /// Retries are off in octocrab: the poller owns retry timing, so it can honour rate limits
    /// and show them.
    pub fn new(api_url: &str, token: SecretString) -> color_eyre::Result<GitHubClient> {
        let build = |base: &str| -> color_eyre::Result<Octocrab> {
            Ok(Octocrab::builder()
                .add_retry_config(RetryConfig::None)
                .set_connect_timeout(Some(Duration::from_secs(10)))
                .set_read_timeout(Some(Duration::from_secs(30)))
                .base_uri(base)?
                .personal_token(token.clone())
                .build()?)
        };
        Ok(GitHubClient {
            rest: build(api_url.trim_end_matches('/'))?,
            graphql: build(&graphql_base(api_url))?,
            etags: EtagCache::new(DETAIL_ETAGS),
            requests: 0,
        })
    }

    /// Requests sent so far (for tests and the benchmark).
    pub fn requests(&self) -> u64 {
        self.requests
    }

    /// One GraphQL request for up to [`CHUNK_SIZE`] links.
    pub async fn fetch_batch(
        &mut self,
        links: &[PrLink],
        now: DateTime<Utc>,
    ) -> Result<Batch, FetchError> {
        if links.is_empty() {
            return Ok(Batch::default());
        }
        let payload = batch_query(links);
        self.requests += 1;
        // Relative URI: octocrab adds the base URL and, only for it, the Authorization header.
        let response = self
            .graphql
            ._post("/graphql", Some(&payload))
            .await
            .map_err(|e| FetchError::Offline(transport_message(&e)))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = self
            .graphql
            .body_to_string(response)
            .await
            .map_err(|e| FetchError::Offline(transport_message(&e)))?;
        if !status.is_success() {
            return Err(classify(status, &headers, &body, now));
        }
        let doc: Value = serde_json::from_str(&body)
            .map_err(|e| FetchError::Decode(short(&e.to_string(), 80)))?;
        parse_batch(links, &doc, &headers, now)
    }

    /// Reviews, merge state and check runs of one PR, over REST with conditional requests.
    pub async fn fetch_details(
        &mut self,
        pr: &PullRequest,
        now: DateTime<Utc>,
    ) -> Result<Details, FetchError> {
        let Some((owner, name)) = pr.repository.split_once('/') else {
            return Err(FetchError::Decode(format!(
                "not an owner/name repository: {}",
                pr.repository
            )));
        };
        let base = format!("/repos/{owner}/{name}");
        let number = pr.number;
        let mut not_modified = 0;
        let (pull, cached) = self
            .conditional_get(&format!("{base}/pulls/{number}"), now)
            .await?;
        not_modified += u32::from(cached);
        let (reviews, cached) = self
            .conditional_get(&format!("{base}/pulls/{number}/reviews?per_page=100"), now)
            .await?;
        not_modified += u32::from(cached);
        let head_sha = pull
            .pointer("/head/sha")
            .and_then(Value::as_str)
            .filter(|s| is_sha(s))
            .map(str::to_owned)
            .or_else(|| pr.head_sha.clone().filter(|s| is_sha(s)));
        let check_runs = match &head_sha {
            Some(sha) => {
                let (runs, cached) = self
                    .conditional_get(
                        &format!("{base}/commits/{sha}/check-runs?per_page=100"),
                        now,
                    )
                    .await?;
                not_modified += u32::from(cached);
                Some(parse_rest_check_runs(&runs))
            }
            None => None,
        };
        Ok(Details {
            merge_state: pull
                .get("mergeable_state")
                .and_then(Value::as_str)
                .map(MergeState::parse),
            mergeable: pull.get("mergeable").and_then(Value::as_bool),
            head_sha,
            reviews: parse_rest_reviews(&reviews),
            check_runs,
            not_modified,
        })
    }

    /// GET with `If-None-Match` when an ETag is cached; a 304 returns the cached body.
    /// Returns the body and whether it came from the cache.
    async fn conditional_get(
        &mut self,
        path: &str,
        now: DateTime<Utc>,
    ) -> Result<(Value, bool), FetchError> {
        let headers = rest_headers(self.etags.etag(path));
        self.requests += 1;
        let response = self
            .rest
            ._get_with_headers(path, Some(headers))
            .await
            .map_err(|e| FetchError::Offline(transport_message(&e)))?;
        let status = response.status();
        let headers = response.headers().clone();
        if status == StatusCode::NOT_MODIFIED
            && let Some(body) = self.etags.cached(path)
        {
            return Ok((body, true));
        }
        let body = self
            .rest
            .body_to_string(response)
            .await
            .map_err(|e| FetchError::Offline(transport_message(&e)))?;
        if !status.is_success() {
            return Err(classify(status, &headers, &body, now));
        }
        let value: Value = serde_json::from_str(&body)
            .map_err(|e| FetchError::Decode(short(&e.to_string(), 80)))?;
        if let Some(etag) = headers
            .get(http::header::ETAG)
            .and_then(|v| v.to_str().ok())
        {
            self.etags.store(path, etag, value.clone());
        }
        Ok((value, false))
    }
}

fn is_sha(s: &str) -> bool {
    (7..=64).contains(&s.len()) && s.chars().all(|c| c.is_ascii_hexdigit())
}

// ---------------------------------------------------------------------------------------------
// GraphQL

const PR_FRAGMENT: &str = "fragment pr on PullRequest { number title url isDraft state mergeable \
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

fn parse_batch(
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

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn str_at<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
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
fn parse_context(node: &Value) -> Option<Check> {
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

fn parse_rest_reviews(v: &Value) -> Vec<Review> {
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

fn parse_rest_check_runs(v: &Value) -> Vec<Check> {
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

// ---------------------------------------------------------------------------------------------
// Poller

/// Which links a refresh fetches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every wanted link (periodic or manual refresh); the timer skips merged PRs.
    All,
    /// Only links never fetched yet, e.g. a run that just appeared.
    New,
}

/// The poller's memory between refreshes: last results, backoff, the detail fetch state.
pub struct Poller {
    client: GitHubClient,
    /// Last result per link; `None` = fetched, no PR.
    cache: HashMap<PrLink, Option<PullRequest>>,
    last_ok: Option<DateTime<Utc>>,
    failures: u32,
    /// Delay after each failure in a row: 5 s doubling to 10 minutes.
    delays: super::backoff::Delays,
    /// No request before this (backoff); `rate_limited` says whether `r` may skip it.
    blocked_until: Option<DateTime<Utc>>,
    rate_limited: bool,
    last_error: Option<FetchError>,
    /// (link, updatedAt, head) of the last detail fetch: refetch when any changes.
    detail_seen: Option<(PrLink, Option<DateTime<Utc>>, Option<String>)>,
}

impl Poller {
    pub fn new(client: GitHubClient) -> Poller {
        Poller {
            client,
            cache: HashMap::new(),
            last_ok: None,
            failures: 0,
            delays: super::backoff::Delays::doubling(
                std::time::Duration::from_secs(FIRST_BACKOFF_SECONDS as u64),
                std::time::Duration::from_secs(MAX_BACKOFF_SECONDS as u64),
            ),
            blocked_until: None,
            rate_limited: false,
            last_error: None,
            detail_seen: None,
        }
    }

    pub fn requests(&self) -> u64 {
        self.client.requests()
    }

    /// When the next request may go out (backoff / rate limit), if later than now.
    pub fn blocked_until(&self) -> Option<DateTime<Utc>> {
        self.blocked_until
    }

    /// One refresh: the batch (in chunks), then the detail PR's details if asked for and
    /// changed. Returns what to tell the app: the PRs found and a status line. `manual` (`r`)
    /// skips a backoff, but never a rate limit.
    pub async fn refresh(
        &mut self,
        wanted: &PrWanted,
        scope: Scope,
        manual: bool,
        now: DateTime<Utc>,
    ) -> Vec<SourceEvent> {
        if self.blocked_until.is_some_and(|u| u > now) && (self.rate_limited || !manual) {
            return vec![SourceEvent::GitHub(self.status(now))];
        }
        let links: Vec<PrLink> = wanted
            .links
            .iter()
            .filter(|l| match (scope, self.cache.get(*l)) {
                (Scope::New, cached) => cached.is_none(),
                // A merged PR is final: the timer leaves it be, `r` refreshes it too.
                (Scope::All, Some(Some(pr))) => manual || pr.state != PrState::Merged,
                (Scope::All, _) => true,
            })
            .cloned()
            .collect();
        let detail_due = self.detail_due(wanted, manual);
        if links.is_empty() && !detail_due && scope == Scope::New {
            return Vec::new();
        }

        let mut prs = Vec::new();
        let mut partial: Vec<String> = Vec::new();
        let mut failure = None;
        for chunk in links.chunks(CHUNK_SIZE) {
            match self.client.fetch_batch(chunk, now).await {
                Ok(batch) => {
                    partial.extend(batch.errors);
                    for (link, pr) in batch.found {
                        let pr = pr.map(|mut pr| {
                            if let Some(Some(old)) = self.cache.get(&link) {
                                pr.carry_details_from(old);
                            }
                            pr
                        });
                        if let Some(pr) = &pr {
                            prs.push(pr.clone());
                        }
                        self.cache.insert(link, pr);
                    }
                    for link in batch.failed {
                        // Keep the last good data; mark it fetched so `Scope::New` does not
                        // ask again on every change of the board.
                        self.cache.entry(link).or_insert(None);
                    }
                    if batch.rate_remaining == Some(0)
                        && let Some(reset) = batch.rate_reset.filter(|r| *r > now)
                    {
                        // Used up with this request: wait for the reset rather than be refused.
                        self.blocked_until = Some(reset);
                        self.rate_limited = true;
                    }
                }
                Err(e) => {
                    // The next chunks would most likely meet the same fate: stop here, keep data.
                    failure = Some(e);
                    break;
                }
            }
        }
        if failure.is_none()
            && let Some(link) = wanted
                .detail
                .as_ref()
                .filter(|_| self.detail_due(wanted, manual))
        {
            match self.fetch_detail(link, now).await {
                Ok(Some(pr)) => prs.push(pr),
                Ok(None) => {}
                Err(e) => failure = Some(e),
            }
        }

        let mut out = Vec::new();
        if !prs.is_empty() {
            out.push(SourceEvent::PullRequests(prs));
        }
        match failure {
            None => {
                self.failures = 0;
                self.delays.reset();
                self.last_ok = Some(now);
                self.last_error = None;
                if !(self.rate_limited && self.blocked_until.is_some_and(|u| u > now)) {
                    self.blocked_until = None;
                    self.rate_limited = false;
                }
                if !partial.is_empty() {
                    tracing::warn!(errors = partial.len(), first = %partial[0], "GitHub GraphQL errors next to data");
                    self.last_error = Some(FetchError::GraphQl(match partial.len() {
                        1 => partial[0].clone(),
                        n => format!("{} (+{} more)", partial[0], n - 1),
                    }));
                }
            }
            Some(e) => {
                self.failures += 1;
                let backoff = self.delays.next_delay().as_secs() as i64;
                let (until, rate_limited) = match &e {
                    FetchError::RateLimited { until, .. } => (*until, true),
                    // A bad token will not fix itself soon: try again rarely.
                    FetchError::Unauthorized(_) => {
                        (now + chrono::Duration::seconds(MAX_BACKOFF_SECONDS), false)
                    }
                    _ => (now + chrono::Duration::seconds(backoff), false),
                };
                tracing::warn!(error = %e.summary(), retry_at = %until, "GitHub refresh failed");
                self.blocked_until = Some(until);
                self.rate_limited = rate_limited;
                self.last_error = Some(e);
            }
        }
        out.push(SourceEvent::GitHub(self.status(now)));
        out
    }

    fn detail_due(&self, wanted: &PrWanted, manual: bool) -> bool {
        let Some(link) = &wanted.detail else {
            return false;
        };
        let Some(pr) = self.cached_pr(link) else {
            // Not fetched yet: the batch brings it first (details follow next time).
            return false;
        };
        manual
            || self.detail_seen.as_ref()
                != Some(&(link.clone(), pr.updated_at, pr.head_sha.clone()))
    }

    fn cached_pr(&self, link: &PrLink) -> Option<&PullRequest> {
        self.cache
            .get(link)
            .and_then(Option::as_ref)
            .or_else(|| self.cache.values().flatten().find(|pr| link.matches(pr)))
    }

    async fn fetch_detail(
        &mut self,
        link: &PrLink,
        now: DateTime<Utc>,
    ) -> Result<Option<PullRequest>, FetchError> {
        let Some(pr) = self.cached_pr(link).cloned() else {
            return Ok(None);
        };
        let details = self.client.fetch_details(&pr, now).await?;
        let mut merged = pr.clone();
        merged.reviews = details.reviews;
        merged.merge_state = details.merge_state;
        if details.mergeable.is_some() {
            merged.mergeable = details.mergeable;
        }
        if let Some(runs) = details.check_runs {
            // Check runs from REST (all of them, with times), plus the commit statuses the batch
            // listed (REST lists those elsewhere).
            let mut checks = runs;
            for c in &pr.check_runs {
                if !checks.iter().any(|r| r.name == c.name) {
                    checks.push(c.clone());
                }
            }
            merged.checks = ChecksRollup::from_checks(&checks);
            merged.check_runs = checks;
        }
        merged.details_fetched_at = Some(now);
        self.detail_seen = Some((link.clone(), pr.updated_at, pr.head_sha.clone()));
        for slot in self.cache.values_mut().flatten() {
            if slot.number == merged.number && slot.repository == merged.repository {
                *slot = merged.clone();
            }
        }
        Ok(Some(merged))
    }

    /// The status line for the app.
    pub fn status(&self, now: DateTime<Utc>) -> GitHubStatus {
        let retry_at = self.blocked_until.filter(|u| *u > now);
        match &self.last_error {
            None => GitHubStatus {
                health: GitHubHealth::Ok,
                message: "ok".into(),
                last_ok: self.last_ok,
                retry_at,
            },
            Some(e) => GitHubStatus {
                health: match e {
                    FetchError::GraphQl(_) if self.failures == 0 => GitHubHealth::Degraded,
                    FetchError::RateLimited { .. } => GitHubHealth::Degraded,
                    _ => GitHubHealth::Error,
                },
                message: e.summary(),
                last_ok: self.last_ok,
                retry_at,
            },
        }
    }
}

/// The runtime's handle on the poller: what to fetch, and `r`.
#[derive(Clone)]
pub struct GitHubLink {
    pub wanted: Arc<watch::Sender<PrWanted>>,
    pub refresh: Arc<Notify>,
}

impl GitHubLink {
    /// Tells the poller what to fetch, when it may have changed since the last call: `last` holds
    /// the fingerprint of what was sent. Cheap when nothing changed (no allocation).
    pub fn publish(&self, state: &crate::app::State, last: &mut Option<u64>) {
        super::publish_changed(
            &self.wanted,
            crate::app::github::wanted_fingerprint(state),
            last,
            || crate::app::github::wanted(state),
        );
    }
}

/// Runs the poller: refreshes every `options.refresh` (if set), on `r`, and soon after new links
/// appear; sends `SourceEvent::PullRequests` and `SourceEvent::GitHub`.
pub fn spawn(
    poller: Poller,
    options: &GitHubOptions,
    tx: mpsc::Sender<Msg>,
) -> (GitHubLink, JoinHandle<()>) {
    let (wanted_tx, wanted_rx) = watch::channel(PrWanted::default());
    let refresh = Arc::new(Notify::new());
    let link = GitHubLink {
        wanted: Arc::new(wanted_tx),
        refresh: refresh.clone(),
    };
    let handle = tokio::spawn(run_poller(poller, options.refresh, wanted_rx, refresh, tx));
    (link, handle)
}

async fn run_poller(
    mut poller: Poller,
    interval: Option<Duration>,
    mut wanted_rx: watch::Receiver<PrWanted>,
    refresh: Arc<Notify>,
    tx: mpsc::Sender<Msg>,
) {
    use tokio::time::{Instant, sleep, sleep_until};
    let initial = GitHubStatus {
        health: GitHubHealth::Ok,
        message: "waiting for linked PRs".into(),
        last_ok: None,
        retry_at: None,
    };
    if tx
        .send(Msg::Source(SourceEvent::GitHub(initial)))
        .await
        .is_err()
    {
        return;
    }
    let mut next_full: Option<Instant> = None;
    loop {
        let (scope, manual) = tokio::select! {
            changed = wanted_rx.changed() => {
                if changed.is_err() {
                    return;
                }
                sleep(DEBOUNCE).await;
                (Scope::New, false)
            }
            () = refresh.notified() => (Scope::All, true),
            () = sleep_until(next_full.unwrap_or_else(Instant::now)), if next_full.is_some() => {
                (Scope::All, false)
            }
        };
        let wanted = wanted_rx.borrow_and_update().clone();
        let events = poller.refresh(&wanted, scope, manual, Utc::now()).await;
        for event in events {
            if tx.send(Msg::Source(event)).await.is_err() {
                return;
            }
        }
        let now = Utc::now();
        next_full = match (poller.blocked_until().filter(|u| *u > now), interval) {
            // After a failure, try again when allowed (rate limit reset, backoff), even when
            // refreshing is manual: the status line should recover on its own.
            (Some(until), _) => {
                let wait = (until - now).to_std().unwrap_or_default();
                Some(Instant::now() + wait + Duration::from_millis(200))
            }
            (None, Some(every)) if scope == Scope::All || next_full.is_none() => {
                Some(Instant::now() + every)
            }
            (None, Some(_)) => next_full,
            (None, None) => None,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use octocrab::secrecy::ExposeSecret;

    #[test]
    fn hosts_and_graphql_endpoints() {
        assert_eq!(host_of("https://api.github.com"), "github.com");
        assert_eq!(host_of("https://ghe.example.com/api/v3"), "ghe.example.com");
        assert_eq!(host_of("http://127.0.0.1:8080"), "127.0.0.1:8080");
        assert_eq!(
            graphql_base("https://api.github.com"),
            "https://api.github.com"
        );
        assert_eq!(
            graphql_base("https://ghe.example.com/api/v3/"),
            "https://ghe.example.com/api"
        );
    }

    #[test]
    fn options_default_and_manual() {
        let o = GitHubOptions::new(None, None);
        assert_eq!(o.api_url, DEFAULT_API_URL);
        assert_eq!(o.refresh, Some(Duration::from_secs(60)));
        let o = GitHubOptions::new(Some("https://ghe.x/api/v3/"), Some(0));
        assert_eq!(o.api_url, "https://ghe.x/api/v3");
        assert_eq!(o.refresh, None);
    }

    #[test]
    fn token_from_env_prefers_gh_token_and_skips_empty() {
        let vars = |k: &str| match k {
            "GH_TOKEN" => Some("  ".into()),
            "GITHUB_TOKEN" => Some("ghp_env".into()),
            "GH_ENTERPRISE_TOKEN" => Some("ghe_tok".into()),
            _ => None,
        };
        let (t, name) = token_from_env("github.com", vars).expect("token");
        assert_eq!((t.expose_secret(), name), ("ghp_env", "GITHUB_TOKEN"));
        let (t, name) = token_from_env("ghe.example.com", vars).expect("token");
        assert_eq!(
            (t.expose_secret(), name),
            ("ghe_tok", "GH_ENTERPRISE_TOKEN")
        );
        assert!(token_from_env("github.com", |_| None).is_none());
    }

    #[test]
    fn token_from_gh_hosts_file() {
        let text = "github.com:\n    users:\n        octo:\n            oauth_token: gho_one\n    git_protocol: https\n    oauth_token: gho_one\n    user: octo\nghe.example.com:\n    user: me\n";
        let t = token_from_hosts_yml(text, "github.com").expect("token");
        assert_eq!(t.expose_secret(), "gho_one");
        assert!(token_from_hosts_yml(text, "ghe.example.com").is_none());
        assert!(token_from_hosts_yml("::: not yaml", "github.com").is_none());
    }

    #[test]
    fn secret_debug_does_not_show_the_token() {
        let (t, _) = token_from_env("github.com", |_| Some("ghp_secret123".into())).expect("t");
        assert!(!format!("{t:?}").contains("ghp_secret123"));
    }

    #[test]
    fn batch_query_uses_variables_for_every_value() {
        let links = vec![
            PrLink::Branch {
                repo: "o/r".into(),
                head: "evil\") { x }".into(),
            },
            PrLink::Number {
                repo: "o/r".into(),
                number: 7,
            },
        ];
        let q = batch_query(&links);
        let text = q["query"].as_str().expect("query");
        assert!(!text.contains("evil"));
        assert!(text.contains("pr0: repository(owner: $o0, name: $n0)"));
        assert!(text.contains("pullRequest(number: $k1)"));
        assert!(text.contains("contexts(first: 50)"));
        assert_eq!(q["variables"]["h0"], "evil\") { x }");
        assert_eq!(q["variables"]["k1"], 7);
    }

    #[test]
    fn rate_limits_and_statuses_classify() {
        let now = Utc::now();
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("30"));
        assert_eq!(
            classify(StatusCode::TOO_MANY_REQUESTS, &h, "", now),
            FetchError::RateLimited {
                until: now + chrono::Duration::seconds(30),
                secondary: true
            }
        );
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
        let reset = now.timestamp() + 600;
        h.insert(
            "x-ratelimit-reset",
            HeaderValue::from_str(&reset.to_string()).expect("hv"),
        );
        assert!(matches!(
            classify(StatusCode::FORBIDDEN, &h, "{\"message\":\"API rate limit exceeded\"}", now),
            FetchError::RateLimited { secondary: false, until } if until.timestamp() == reset
        ));
        assert_eq!(
            classify(
                StatusCode::FORBIDDEN,
                &HeaderMap::new(),
                "{\"message\":\"Resource protected by organization SAML enforcement.\"}",
                now
            ),
            FetchError::Forbidden("Resource protected by organization SAML enforcement.".into())
        );
        assert_eq!(
            classify(StatusCode::BAD_GATEWAY, &HeaderMap::new(), "<html>", now),
            FetchError::Server(502)
        );
        assert_eq!(
            classify(
                StatusCode::UNAUTHORIZED,
                &HeaderMap::new(),
                "{\"message\":\"Bad credentials\"}",
                now
            ),
            FetchError::Unauthorized("Bad credentials".into())
        );
    }
}
