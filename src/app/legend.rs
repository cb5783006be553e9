//! The board's symbols and what they mean. The theme gives each one its symbol (a custom theme's
//! symbols are the ones drawn and the ones `?` explains); this module says what each stands for.
use crate::domain::Phase;

/// A badge drawn on cards, lane headers or the board's edges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Badge {
    Stuck,
    Branch,
    NoPr,
    ChecksFailing,
    ChecksPending,
    ChecksPassing,
    ReviewApproved,
    ReviewChanges,
    ReviewRequired,
    Conflict,
    Stale,
    Approved,
    Revoked,
    LanePrMerged,
    LanePrOpen,
    LanePrFailing,
    LanesLeft,
    LanesRight,
    MoreBelow,
    Retry,
    Terminating,
    Duplicate,
    Retention,
    Retained,
    SwarmHeld,
    Reconcile,
}

impl Badge {
    pub const ALL: [Badge; 26] = [
        Badge::Stuck,
        Badge::Branch,
        Badge::NoPr,
        Badge::ChecksFailing,
        Badge::ChecksPending,
        Badge::ChecksPassing,
        Badge::ReviewApproved,
        Badge::ReviewChanges,
        Badge::ReviewRequired,
        Badge::Conflict,
        Badge::Stale,
        Badge::Approved,
        Badge::Revoked,
        Badge::LanePrMerged,
        Badge::LanePrOpen,
        Badge::LanePrFailing,
        Badge::LanesLeft,
        Badge::LanesRight,
        Badge::MoreBelow,
        Badge::Retry,
        Badge::Terminating,
        Badge::Duplicate,
        Badge::Retention,
        Badge::Retained,
        Badge::SwarmHeld,
        Badge::Reconcile,
    ];

    /// The key under `[badge]` in a theme file.
    pub fn key(self) -> &'static str {
        match self {
            Badge::Stuck => "stuck",
            Badge::Branch => "branch",
            Badge::NoPr => "no_pr",
            Badge::ChecksFailing => "checks_failing",
            Badge::ChecksPending => "checks_pending",
            Badge::ChecksPassing => "checks_passing",
            Badge::ReviewApproved => "review_approved",
            Badge::ReviewChanges => "review_changes",
            Badge::ReviewRequired => "review_required",
            Badge::Conflict => "conflict",
            Badge::Stale => "stale",
            Badge::Approved => "approved",
            Badge::Revoked => "revoked",
            Badge::LanePrMerged => "lane_pr_merged",
            Badge::LanePrOpen => "lane_pr_open",
            Badge::LanePrFailing => "lane_pr_failing",
            Badge::LanesLeft => "lanes_left",
            Badge::LanesRight => "lanes_right",
            Badge::MoreBelow => "more_below",
            Badge::Retry => "retry",
            Badge::Terminating => "terminating",
            Badge::Duplicate => "duplicate",
            Badge::Retention => "retention",
            Badge::Retained => "retained",
            Badge::SwarmHeld => "swarm_held",
            Badge::Reconcile => "reconcile",
        }
    }

    /// The symbol when the theme does not set one.
    pub fn default_symbol(self) -> &'static str {
        match self {
            Badge::Stuck => "⚠",
            Badge::Branch => "⎇",
            Badge::NoPr => "PR —",
            Badge::ChecksFailing => "✘",
            Badge::ChecksPending => "◌",
            Badge::ChecksPassing => "✔",
            Badge::ReviewApproved => "✓rev",
            Badge::ReviewChanges => "±rev",
            Badge::ReviewRequired => "?rev",
            Badge::Conflict => "⚠conflict",
            Badge::Stale => "~",
            Badge::Approved => "✓",
            Badge::Revoked => "✗",
            Badge::LanePrMerged => "✓",
            Badge::LanePrOpen => "○",
            Badge::LanePrFailing => "✘",
            Badge::LanesLeft => "◀",
            Badge::LanesRight => "▶",
            Badge::MoreBelow => "↓",
            Badge::Retry => "↻",
            Badge::Terminating => "⊘",
            Badge::Duplicate => "⧉",
            Badge::Retention => "⧗",
            Badge::Retained => "⚑",
            Badge::SwarmHeld => "❄",
            Badge::Reconcile => "≠",
        }
    }

    pub fn meaning(self) -> &'static str {
        match self {
            Badge::Stuck => {
                "stuck: Pending or Blocked longer than the threshold (lane header: how many)"
            }
            Badge::Branch => "the head branch",
            Badge::NoPr => "no pull request known for the run yet",
            Badge::ChecksFailing => "PR checks failing (count)",
            Badge::ChecksPending => "PR checks pending (count)",
            Badge::ChecksPassing => "PR checks all passing (count)",
            Badge::ReviewApproved => "PR review approved",
            Badge::ReviewChanges => "PR review: changes requested",
            Badge::ReviewRequired => "PR review required",
            Badge::Conflict => "the PR conflicts with its base",
            Badge::Stale => "PR data older than 10 minutes",
            Badge::Approved => "work item approved",
            Badge::Revoked => "work item approval revoked (edited since)",
            Badge::LanePrMerged => "lane header: PRs merged",
            Badge::LanePrOpen => "lane header: PRs open",
            Badge::LanePrFailing => "lane header: open PRs with failing checks",
            Badge::LanesLeft => "lanes off screen to the left (h / ← to reach them)",
            Badge::LanesRight => "lanes off screen to the right (l / → to reach them)",
            Badge::MoreBelow => "more cards below in the lane",
            Badge::Retry => {
                "a workflow step on a later attempt, retrying (with its countdown), or looping; after a cancel: restarted by retry"
            }
            Badge::Terminating => {
                "deletion requested, a finalizer still holds the run (stuck after 2 minutes)"
            }
            Badge::Duplicate => {
                "refused as a duplicate: another run holds its idempotency key (named on the card)"
            }
            Badge::Retention => {
                "finished, PR still open, and its TTL deletes it (pods and logs too) soon: R retains, S saves the logs"
            }
            Badge::Retained => "retained: kept past its TTL (annotation retain: true)",
            Badge::SwarmHeld => {
                "title bar: an upstream Swarm is frozen or paused, new work will not progress"
            }
            Badge::Reconcile => {
                "run and PR disagree: finished without a PR, branch renamed by the controller, idempotency key shared (lane header, title: how many; p lists them, orphan PRs too)"
            }
        }
    }
}

/// What each phase's symbol means, in [`Phase::COUNTED`] order.
pub fn phase_meaning(key: &str) -> &'static str {
    match key {
        "running" => "Running",
        "pending" => "Pending: waiting to start",
        "blocked" => "Blocked (e.g. by the concurrency limit)",
        "failed" => "Failed",
        "succeeded" => "Succeeded",
        "cancelled" => "Cancelled",
        "template" => "Template",
        "not_launched" => "work item not launched yet",
        _ => "a phase the cockpit does not know (shown as written)",
    }
}

/// One entry of the legend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Glyph {
    /// A phase, by its key in [`Phase::COUNTED`].
    Phase(&'static str),
    Badge(Badge),
}

impl Glyph {
    pub fn meaning(self) -> &'static str {
        match self {
            Glyph::Phase(key) => phase_meaning(key),
            Glyph::Badge(b) => b.meaning(),
        }
    }
}

/// Every symbol the board draws: the phases, then the badges.
pub fn glyphs() -> impl Iterator<Item = Glyph> {
    Phase::COUNTED
        .iter()
        .map(|k| Glyph::Phase(k))
        .chain(Badge::ALL.iter().map(|b| Glyph::Badge(*b)))
}

/// Widest symbol a theme may give a badge, in columns (the legend's symbol column fits it).
pub const MAX_SYMBOL_WIDTH: usize = 9;
