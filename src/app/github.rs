//! The GitHub side of the pure app: what the poller last said, applying PR refreshes, the keys
//! `o` and `r`, what the poller should fetch, and the lane headers' PR counts ([`super::lane_prs`]).
use super::board::CardId;
use super::effect::Effect;
use super::lane_prs::{LanePrs, LaneTallies};
use super::state::{Mode, State};
use crate::domain::pr_link::{self, PrWanted};
use crate::domain::{PullRequest, Run};
use chrono::{DateTime, Utc};
use std::hash::{Hash, Hasher};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GitHubHealth {
    /// Not polling (no token); the message says how to fix it.
    Off,
    /// The last refresh worked.
    Ok,
    /// Partly working: GraphQL errors next to data, or rate limited with data kept.
    Degraded,
    /// The last refresh failed; the last good data is kept.
    Error,
}

/// What the GitHub poller last reported, for the status line. Never carries the token.
#[derive(Debug, Clone, PartialEq)]
pub struct GitHubStatus {
    pub health: GitHubHealth,
    /// One line: `rate limited (secondary)`, `HTTP 502 from GitHub`, `no token (set GH_TOKEN)`…
    pub message: String,
    /// When the data on screen was last refreshed successfully.
    pub last_ok: Option<DateTime<Utc>>,
    /// When the poller tries again (rate limit reset, Retry-After, backoff).
    pub retry_at: Option<DateTime<Utc>>,
}

impl GitHubStatus {
    pub fn off(message: impl Into<String>) -> GitHubStatus {
        GitHubStatus {
            health: GitHubHealth::Off,
            message: message.into(),
            last_ok: None,
            retry_at: None,
        }
    }
}

/// GitHub-related state owned by [`State`].
#[derive(Debug, Clone, Default)]
pub struct GitHubView {
    /// `None`: no poller was set up (the demo feeds PRs itself).
    pub status: Option<GitHubStatus>,
    /// Each lane's PR counts, kept card by card as runs move ([`State::run_changed`]).
    pub(super) tallies: LaneTallies,
    /// PR counts per board column (same order), read from the tallies by
    /// [`State::ensure_board`], so drawing a lane header never walks its runs.
    lane_counts: Vec<LanePrs>,
    /// The tallies must be counted from scratch: the board was rebuilt or the PRs changed.
    pub(super) lane_counts_dirty: bool,
}

impl GitHubView {
    /// The PR counts of board column `idx`, as of the last [`State::ensure_board`].
    pub fn lane_counts(&self, idx: usize) -> LanePrs {
        self.lane_counts.get(idx).copied().unwrap_or_default()
    }
}

/// A batch refresh from the poller: each PR replaces the one under its key.
pub fn apply_pull_requests(state: &mut State, prs: Vec<PullRequest>) {
    if prs.is_empty() {
        return;
    }
    let keys: Vec<crate::domain::pr::PrKey> = prs.iter().map(PullRequest::key).collect();
    for pr in prs {
        state.cluster.upsert_pr(pr);
    }
    super::control::on_prs(state, &keys);
    state.github.lane_counts_dirty = true;
}

/// The lane headers' PR counts for the board as it is: every lane counted again after a rebuild
/// or a PR refresh, else read from the kept tallies.
pub(super) fn ensure_lane_counts(state: &mut State) {
    if state.github.lane_counts_dirty {
        state.github.tallies = LaneTallies::rebuild(state);
        state.github.lane_counts_dirty = false;
    }
    let counts: Vec<LanePrs> = state
        .board_view()
        .columns
        .iter()
        .map(|c| state.github.tallies.counts(&c.lane))
        .collect();
    // Written only when they differ: a write is a change, and a change is a frame due.
    if counts != state.github.lane_counts {
        state.github.lane_counts = counts;
    }
}

pub fn apply_status(state: &mut State, status: GitHubStatus) {
    if state.github.status.as_ref() != Some(&status) {
        state.github.status = Some(status);
        super::control::on_github_status(state);
    }
}

/// The run a key press acts on: the selected card's run.
fn selected_run(state: &State) -> Option<&Run> {
    match state.ui.selected.as_ref()? {
        CardId::Run(key) => state.cluster.runs.get(key),
        CardId::WorkItem(_) => None,
    }
}

/// `o`: open the selected run's PR in the browser (the runtime shows the URL if it cannot).
pub fn open_pr(state: &mut State) -> Vec<Effect> {
    let Some(run) = selected_run(state) else {
        super::toasts::show(state, "select a run to open its pull request");
        return Vec::new();
    };
    let name = run.key.name.clone();
    match pr_link::pr_url_for_run(&state.cluster.prs, run) {
        Some(url) => {
            super::toasts::show(state, format!("opening {url}"));
            vec![Effect::OpenUrl(url)]
        }
        None => {
            super::toasts::show(state, format!("{name}: no pull request linked yet"));
            Vec::new()
        }
    }
}

/// `r`: refresh pull requests now.
pub fn refresh(state: &mut State) -> Vec<Effect> {
    match state.github.status.as_ref().map(|s| s.health) {
        None => super::toasts::show(state, "GitHub is not connected here (demo data)"),
        Some(GitHubHealth::Off) => {
            let message = state
                .github
                .status
                .as_ref()
                .map(|s| s.message.clone())
                .unwrap_or_default();
            super::toasts::show(state, format!("GitHub: {message}"));
        }
        Some(_) => super::toasts::show(state, "refreshing pull requests…"),
    }
    vec![Effect::RefreshPullRequests]
}

/// What the poller should fetch now: every run's PR link, and the details of the PR in the open
/// detail pane.
pub fn wanted(state: &State) -> PrWanted {
    let links = state
        .cluster
        .runs
        .values()
        .filter_map(pr_link::link_for_run)
        .collect();
    let detail = (state.mode() == Mode::Detail)
        .then(|| selected_run(state))
        .flatten()
        // The same link the batch fetches it by: the poller finds the PR it already has.
        .and_then(pr_link::link_for_run);
    PrWanted { links, detail }
}

/// A cheap fingerprint of [`wanted`], so the runtime rebuilds the set only when it may differ.
pub fn wanted_fingerprint(state: &State) -> u64 {
    // The links change only with a run's link fields (or a run coming or going): a stamp, not a
    // walk over every run on every frame.
    let mut h = std::collections::hash_map::DefaultHasher::new();
    state.cluster.revisions().links.hash(&mut h);
    (state.mode() == Mode::Detail).hash(&mut h);
    state.ui.selected.hash(&mut h);
    h.finish()
}
