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
    pub mergeable: Option<bool>,
    pub fetched_at: DateTime<Utc>,
}

/// How runs find their PR: repository + head branch.
pub type PrKey = (String, String);
