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

mod client;
mod errors;
mod graphql;
mod poller;
mod token;

pub use client::*;
pub use errors::*;
pub use graphql::*;
pub use poller::*;
pub use token::*;

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
