//! GitHub's "list pull request files" (REST, paginated at 100 per page, at most 3,000 files) and
//! the base branch's required checks, both with conditional requests: a page whose ETag still
//! holds answers `304 Not Modified`, which GitHub does not count against the rate limit. The
//! auditor asks only for PRs whose head commit changed, so an unchanged swarm costs nothing.
use super::etags::EtagCache;
use crate::domain::audit::{ChangeSet, ChangeSource, ChangedFile, FileStatus, GITHUB_FILE_LIMIT};
use crate::sources::github::{FetchError, classify, innermost_message, rest_headers};
use chrono::{DateTime, Utc};
use http::StatusCode;
use octocrab::Octocrab;
use octocrab::secrecy::SecretString;
use octocrab::service::middleware::retry::RetryConfig;
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::Duration;

const PER_PAGE: usize = 100;
/// 3,000 files at 100 a page.
const MAX_PAGES: usize = GITHUB_FILE_LIMIT / PER_PAGE;

/// File pages and branch rules kept for conditional requests (a page holds 100 files; most PRs
/// have one).
const PAGE_ETAGS: usize = 1024;

#[derive(Debug, Clone)]
struct CachedPage {
    etag: String,
    body: Value,
    has_next: bool,
}

/// One REST client for PR files and branch rules, with its ETag cache.
pub struct PrFilesClient {
    rest: Octocrab,
    cache: EtagCache<CachedPage>,
    requests: u64,
    not_modified: u64,
}

impl PrFilesClient {
    /// Same client settings as the PR poller: octocrab retries off (the auditor owns timing).
    pub fn new(api_url: &str, token: SecretString) -> color_eyre::Result<PrFilesClient> {
        let rest = Octocrab::builder()
            .add_retry_config(RetryConfig::None)
            .set_connect_timeout(Some(Duration::from_secs(10)))
            .set_read_timeout(Some(Duration::from_secs(30)))
            .base_uri(api_url.trim_end_matches('/'))?
            .personal_token(token)
            .build()?;
        Ok(PrFilesClient {
            rest,
            cache: EtagCache::new(PAGE_ETAGS),
            requests: 0,
            not_modified: 0,
        })
    }

    /// Requests sent, and how many of them GitHub answered 304.
    pub fn requests(&self) -> (u64, u64) {
        (self.requests, self.not_modified)
    }

    /// Every changed file of PR `number` in `repo` (`owner/name`), page by page. `head_sha`
    /// names the commit the list belongs to.
    pub async fn files(
        &mut self,
        repo: &str,
        number: u64,
        head_sha: &str,
        now: DateTime<Utc>,
    ) -> Result<ChangeSet, FetchError> {
        let mut files = Vec::new();
        let mut page = 1;
        let mut has_next = true;
        while has_next && page <= MAX_PAGES {
            let path =
                format!("/repos/{repo}/pulls/{number}/files?per_page={PER_PAGE}&page={page}");
            let cached = self.get(&path, now).await?;
            let body = cached
                .body
                .as_array()
                .ok_or_else(|| FetchError::Decode(format!("{path}: expected a list of files")))?;
            files.extend(body.iter().filter_map(parse_file));
            has_next = cached.has_next;
            page += 1;
        }
        Ok(ChangeSet {
            source: ChangeSource::GitHub,
            head_sha: head_sha.to_owned(),
            base_sha: None,
            truncated: files.len() >= GITHUB_FILE_LIMIT,
            files,
        })
    }

    /// The status checks `base` requires: classic branch protection and rulesets together.
    /// `None` when neither can be read (no access, or 404 for an unprotected branch on both).
    pub async fn required_checks(
        &mut self,
        repo: &str,
        base: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Vec<String>>, FetchError> {
        let mut names = BTreeSet::new();
        let mut known = false;
        match self
            .get(&format!("/repos/{repo}/branches/{base}"), now)
            .await
        {
            Ok(page) => {
                known = true;
                let checks = page.body.pointer("/protection/required_status_checks");
                for c in checks
                    .and_then(|c| c.get("contexts"))
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let Some(s) = c.as_str() {
                        names.insert(s.to_owned());
                    }
                }
                names.extend(check_contexts(checks.and_then(|c| c.get("checks"))));
            }
            Err(FetchError::Http(404, _) | FetchError::Forbidden(_)) => {}
            Err(e) => return Err(e),
        }
        match self
            .get(&format!("/repos/{repo}/rules/branches/{base}"), now)
            .await
        {
            Ok(page) => {
                known = true;
                for rule in page.body.as_array().into_iter().flatten() {
                    if rule.get("type").and_then(Value::as_str) != Some("required_status_checks") {
                        continue;
                    }
                    let checks = rule.pointer("/parameters/required_status_checks");
                    names.extend(check_contexts(checks));
                }
            }
            Err(FetchError::Http(404, _) | FetchError::Forbidden(_)) => {}
            Err(e) => return Err(e),
        }
        Ok(known.then(|| names.into_iter().collect()))
    }

    /// GET with `If-None-Match` when cached; a 304 returns the cached page.
    async fn get(&mut self, path: &str, now: DateTime<Utc>) -> Result<CachedPage, FetchError> {
        let headers = rest_headers(self.cache.etag(path));
        self.requests += 1;
        let response = self
            .rest
            ._get_with_headers(path, Some(headers))
            .await
            .map_err(|e| FetchError::Offline(innermost(&e)))?;
        let status = response.status();
        let headers = response.headers().clone();
        if status == StatusCode::NOT_MODIFIED
            && let Some(cached) = self.cache.cached(path)
        {
            self.not_modified += 1;
            return Ok(cached);
        }
        let body = self
            .rest
            .body_to_string(response)
            .await
            .map_err(|e| FetchError::Offline(innermost(&e)))?;
        if !status.is_success() {
            return Err(classify(status, &headers, &body, now));
        }
        let value: Value =
            serde_json::from_str(&body).map_err(|e| FetchError::Decode(format!("{path}: {e}")))?;
        let page = CachedPage {
            etag: headers
                .get(http::header::ETAG)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned(),
            body: value,
            has_next: headers
                .get(http::header::LINK)
                .and_then(|v| v.to_str().ok())
                .is_some_and(has_next_link),
        };
        if !page.etag.is_empty() {
            self.cache.store(path, &page.etag, page.clone());
        }
        Ok(page)
    }
}

fn innermost(e: &octocrab::Error) -> String {
    crate::domain::sanitize::one_line(&innermost_message(e))
}

/// Whether a `Link` header has a `rel="next"` entry.
pub fn has_next_link(link: &str) -> bool {
    link.split(',')
        .any(|part| part.split(';').skip(1).any(|p| p.trim() == "rel=\"next\""))
}

/// One entry of "list pull request files". GitHub omits `patch` for binary files and counts
/// no changed lines for them; a pure rename has no patch either, and a huge diff has no patch
/// but counts its lines.
fn parse_file(v: &Value) -> Option<ChangedFile> {
    let path = v.get("filename")?.as_str()?.to_owned();
    let status = FileStatus::from_github(v.get("status").and_then(Value::as_str).unwrap_or(""));
    let changes = v.get("changes").and_then(Value::as_u64).unwrap_or(0);
    let binary = v.get("patch").is_none() && changes == 0 && status != FileStatus::Renamed;
    Some(ChangedFile {
        path,
        status,
        previous_path: v
            .get("previous_filename")
            .and_then(Value::as_str)
            .map(str::to_owned),
        binary,
    })
}

/// The `context` of each required check in a JSON array of them (`[{"context": …}, …]`: branch
/// protection's `checks` and a ruleset's `required_status_checks` use the same shape).
fn check_contexts(checks: Option<&Value>) -> impl Iterator<Item = String> + '_ {
    checks
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("context").and_then(Value::as_str))
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_header_next() {
        assert!(has_next_link(
            "<https://api.github.com/repositories/1/pulls/1/files?page=2>; rel=\"next\", <https://api.github.com/repositories/1/pulls/1/files?page=3>; rel=\"last\""
        ));
        assert!(!has_next_link(
            "<https://api.github.com/repositories/1/pulls/1/files?page=1>; rel=\"prev\""
        ));
    }
}
