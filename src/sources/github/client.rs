//! The octocrab client: the batch query for all linked PRs, and REST details with conditional requests.
use super::*;

/// REST responses kept for conditional requests: the detail PR's three (PR, reviews, check runs)
/// for many PRs looked at in turn.
pub(super) const DETAIL_ETAGS: usize = 512;

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

    /// Every PR of `links` (deduplicated), in batches of [`CHUNK_SIZE`]: what the headless
    /// commands read once. The first failed batch fails the whole, so a command never judges on
    /// half the PR states.
    pub async fn fetch_all(
        &mut self,
        links: impl IntoIterator<Item = PrLink>,
        now: DateTime<Utc>,
    ) -> Result<Vec<PullRequest>, FetchError> {
        let mut unique: Vec<PrLink> = links.into_iter().collect();
        unique.sort();
        unique.dedup();
        let mut found = Vec::new();
        for chunk in unique.chunks(CHUNK_SIZE) {
            let batch = self.fetch_batch(chunk, now).await?;
            found.extend(batch.found.into_iter().filter_map(|(_, pr)| pr));
        }
        Ok(found)
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

pub(super) fn is_sha(s: &str) -> bool {
    (7..=64).contains(&s.len()) && s.chars().all(|c| c.is_ascii_hexdigit())
}
