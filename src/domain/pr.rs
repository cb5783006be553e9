//! Pull request status as shown on cards. Filled by the GitHub source (or the demo swarm).
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrState {
    Draft,
    Open,
    Merged,
    Closed,
}

impl PrState {
    /// Every state, the open ones first. Property tests draw a state as an index into this
    /// (so do the cases proptest recorded): keep the order.
    pub const ALL: [PrState; 4] = [
        PrState::Open,
        PrState::Draft,
        PrState::Merged,
        PrState::Closed,
    ];

    pub fn label(self) -> &'static str {
        match self {
            PrState::Draft => "draft",
            PrState::Open => "open",
            PrState::Merged => "merged",
            PrState::Closed => "closed",
        }
    }
}

/// Counts of check runs by outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChecksRollup {
    pub passing: u32,
    pub failing: u32,
    pub pending: u32,
}

impl ChecksRollup {
    pub fn total(&self) -> u32 {
        self.passing + self.failing + self.pending
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewDecision {
    Approved,
    ChangesRequested,
    ReviewRequired,
}

impl ReviewDecision {
    pub fn label(self) -> &'static str {
        match self {
            ReviewDecision::Approved => "approved",
            ReviewDecision::ChangesRequested => "changes requested",
            ReviewDecision::ReviewRequired => "review required",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PullRequest {
    pub repository: String,
    pub head_branch: String,
    pub number: u64,
    pub title: String,
    pub url: String,
    pub state: PrState,
    pub checks: ChecksRollup,
    pub review: Option<ReviewDecision>,
    /// `Some(false)`: conflicts with the base branch; `None`: GitHub has not computed it yet.
    pub mergeable: Option<bool>,
    pub fetched_at: DateTime<Utc>,
    /// Login of the PR's author.
    pub author: Option<String>,
    /// Commit the checks ran on (`headRefOid`); the detail fetch lists check runs by it.
    pub head_sha: Option<String>,
    /// GitHub's `updatedAt`: changes on pushes, reviews and comments, so a changed value tells the
    /// poller the selected PR's details are worth fetching again.
    pub updated_at: Option<DateTime<Utc>>,
    /// Individual checks (check runs and commit statuses), as listed by the last fetch.
    pub check_runs: Vec<Check>,
    /// Submitted reviews, oldest first (detail fetch only).
    pub reviews: Vec<Review>,
    /// GitHub's merge state (`mergeable_state`; detail fetch only).
    pub merge_state: Option<MergeState>,
    /// When reviews and merge state were last fetched; `None` before the first detail fetch.
    pub details_fetched_at: Option<DateTime<Utc>>,
}

impl PullRequest {
    /// A PR with the essentials set and everything optional empty.
    pub fn new(
        repository: impl Into<String>,
        head_branch: impl Into<String>,
        number: u64,
        state: PrState,
        fetched_at: DateTime<Utc>,
    ) -> PullRequest {
        PullRequest {
            repository: repository.into(),
            head_branch: head_branch.into(),
            number,
            title: String::new(),
            url: String::new(),
            state,
            checks: ChecksRollup::default(),
            review: None,
            mergeable: None,
            fetched_at,
            author: None,
            head_sha: None,
            updated_at: None,
            check_runs: Vec::new(),
            reviews: Vec::new(),
            merge_state: None,
            details_fetched_at: None,
        }
    }

    /// The key runs find this PR by.
    pub fn key(&self) -> PrKey {
        (self.repository.clone(), self.head_branch.clone())
    }

    /// Open or draft: still heading for a merge.
    pub fn is_open(&self) -> bool {
        matches!(self.state, PrState::Open | PrState::Draft)
    }

    /// Open with a check failing: what a lane header counts as "failing".
    pub fn is_failing(&self) -> bool {
        self.is_open() && self.checks.failing > 0
    }

    /// Open and known to conflict with its base.
    pub fn has_conflicts(&self) -> bool {
        self.is_open()
            && (self.mergeable == Some(false) || self.merge_state == Some(MergeState::Dirty))
    }

    /// Keeps what only a detail fetch knows (reviews, merge state, the full check list) when a
    /// lighter batch refresh replaces this PR, as long as it is about the same PR and commit.
    pub fn carry_details_from(&mut self, old: &PullRequest) {
        if old.number != self.number || old.repository != self.repository {
            return;
        }
        if self.reviews.is_empty() {
            self.reviews = old.reviews.clone();
        }
        if self.merge_state.is_none() {
            self.merge_state = old.merge_state;
        }
        if self.details_fetched_at.is_none() {
            self.details_fetched_at = old.details_fetched_at;
        }
        let same_commit = self.head_sha.is_some() && self.head_sha == old.head_sha;
        if same_commit && old.check_runs.len() > self.check_runs.len() {
            self.check_runs = old.check_runs.clone();
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CheckState {
    Failing,
    Pending,
    Passing,
    /// Skipped or neutral: done, and not in the way of a merge.
    Skipped,
}

impl CheckState {
    pub fn label(self) -> &'static str {
        match self {
            CheckState::Passing => "passing",
            CheckState::Failing => "failing",
            CheckState::Pending => "pending",
            CheckState::Skipped => "skipped",
        }
    }

    /// From a check run's `status` and `conclusion` (GraphQL upper case or REST lower case).
    pub fn from_check_run(status: Option<&str>, conclusion: Option<&str>) -> CheckState {
        let status = status.unwrap_or("").to_ascii_uppercase();
        if status != "COMPLETED" && !status.is_empty() {
            return CheckState::Pending;
        }
        match conclusion.map(str::to_ascii_uppercase).as_deref() {
            Some("SUCCESS") => CheckState::Passing,
            Some("NEUTRAL" | "SKIPPED") => CheckState::Skipped,
            Some(
                "FAILURE" | "CANCELLED" | "TIMED_OUT" | "ACTION_REQUIRED" | "STARTUP_FAILURE"
                | "STALE",
            ) => CheckState::Failing,
            _ => CheckState::Pending,
        }
    }

    /// From a commit status context's `state` (`SUCCESS`, `FAILURE`, `ERROR`, `PENDING`, `EXPECTED`).
    pub fn from_status_context(state: Option<&str>) -> CheckState {
        match state.map(str::to_ascii_uppercase).as_deref() {
            Some("SUCCESS") => CheckState::Passing,
            Some("FAILURE" | "ERROR") => CheckState::Failing,
            _ => CheckState::Pending,
        }
    }
}

/// One check on the PR's head commit: a check run (Actions job, app check) or a commit status.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub name: String,
    pub state: CheckState,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
}

impl Check {
    /// How long it ran, or has been running so far.
    pub fn duration(&self, now: DateTime<Utc>) -> Option<chrono::Duration> {
        let start = self.started_at?;
        let end = match self.state {
            CheckState::Pending => self.completed_at.unwrap_or(now),
            _ => self.completed_at?,
        };
        Some((end - start).max(chrono::Duration::zero()))
    }
}

impl ChecksRollup {
    /// Counts of a check list; skipped and neutral checks count as passing (they do not block).
    pub fn from_checks(checks: &[Check]) -> ChecksRollup {
        let mut rollup = ChecksRollup::default();
        for c in checks {
            match c.state {
                CheckState::Passing | CheckState::Skipped => rollup.passing += 1,
                CheckState::Failing => rollup.failing += 1,
                CheckState::Pending => rollup.pending += 1,
            }
        }
        rollup
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewState {
    Approved,
    ChangesRequested,
    Commented,
    Dismissed,
    Pending,
}

impl ReviewState {
    pub fn parse(s: &str) -> Option<ReviewState> {
        Some(match s.to_ascii_uppercase().as_str() {
            "APPROVED" => ReviewState::Approved,
            "CHANGES_REQUESTED" => ReviewState::ChangesRequested,
            "COMMENTED" => ReviewState::Commented,
            "DISMISSED" => ReviewState::Dismissed,
            "PENDING" => ReviewState::Pending,
            _ => return None,
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            ReviewState::Approved => "approved",
            ReviewState::ChangesRequested => "changes requested",
            ReviewState::Commented => "commented",
            ReviewState::Dismissed => "dismissed",
            ReviewState::Pending => "pending",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    pub author: String,
    pub state: ReviewState,
    pub submitted_at: Option<DateTime<Utc>>,
}

/// GitHub's `mergeable_state`: whether and why the merge button is (not) green.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeState {
    /// Mergeable, checks green.
    Clean,
    /// Conflicts with the base branch.
    Dirty,
    /// Blocked by branch protection (reviews, required checks).
    Blocked,
    /// Head is behind the base branch.
    Behind,
    /// Mergeable, with non-passing checks.
    Unstable,
    HasHooks,
    Draft,
    Unknown,
}

impl MergeState {
    pub fn parse(s: &str) -> MergeState {
        match s.to_ascii_lowercase().as_str() {
            "clean" => MergeState::Clean,
            "dirty" => MergeState::Dirty,
            "blocked" => MergeState::Blocked,
            "behind" => MergeState::Behind,
            "unstable" => MergeState::Unstable,
            "has_hooks" => MergeState::HasHooks,
            "draft" => MergeState::Draft,
            _ => MergeState::Unknown,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MergeState::Clean => "clean: ready to merge",
            MergeState::Dirty => "conflicts with the base branch",
            MergeState::Blocked => "blocked by branch protection",
            MergeState::Behind => "behind the base branch",
            MergeState::Unstable => "mergeable, checks not passing",
            MergeState::HasHooks => "mergeable (pre-receive hooks)",
            MergeState::Draft => "draft",
            MergeState::Unknown => "not computed yet",
        }
    }
}

/// How runs find their PR: repository + head branch.
pub type PrKey = (String, String);
