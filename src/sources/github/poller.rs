//! The poller: what to fetch when, backoff and rate-limit waits, and the task that runs it.
use super::*;

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
    delays: crate::sources::backoff::Delays,
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
            delays: crate::sources::backoff::Delays::doubling(
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
        crate::sources::publish_changed(
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

pub(super) async fn run_poller(
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
