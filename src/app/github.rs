//! The GitHub side of the pure app: what the poller last said, applying PR refreshes, the keys `o` and `r`, what the poller should fetch, and PR
//! aggregates per lane (the wave gate "previous wave merged" reads [`lane_prs_merged`]).
use super::board::{CardId, Column};
use super::effect::Effect;
use super::state::{Mode, State};
use crate::domain::pr_link::{self, PrLink, PrWanted};
use crate::domain::{ObjectKey, PullRequest, Run, placement};
use chrono::{DateTime, Utc};
use std::collections::HashSet;
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
    /// PR counts per board column (same order), rebuilt by [`State::ensure_board`] after the board
    /// or the PRs changed, so drawing a lane header never walks its runs.
    lane_counts: Vec<LanePrs>,
    pub(super) lane_counts_dirty: bool,
    /// Columns whose cards moved since the last [`State::ensure_board`]: recounted then, once,
    /// however many events moved them (a 10,000-run list must not recount a lane per run).
    stale_lanes: std::collections::BTreeSet<usize>,
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

/// Recomputes the lane headers' PR counts when the board or the PRs changed: every lane, or the
/// lanes whose cards moved.
pub(super) fn ensure_lane_counts(state: &mut State) {
    if !state.github.lane_counts_dirty
        && state.github.lane_counts.len() == state.board_view().columns.len()
    {
        if !state.github.stale_lanes.is_empty() {
            let stale = std::mem::take(&mut state.github.stale_lanes);
            for i in stale {
                if let Some(column) = state.board_view().columns.get(i) {
                    let counts = column_prs(state, column);
                    state.github.lane_counts[i] = counts;
                }
            }
        }
        return;
    }
    state.github.stale_lanes.clear();
    let counts = state
        .board_view()
        .columns
        .iter()
        .map(|c| column_prs(state, c))
        .collect();
    state.github.lane_counts = counts;
    state.github.lane_counts_dirty = false;
}

/// Marks the columns an event changed (the others cannot have changed) for a recount at the next
/// [`State::ensure_board`].
pub(super) fn recount_lanes(state: &mut State, columns: &[usize]) {
    if state.github.lane_counts.len() != state.board_view().columns.len() {
        state.github.lane_counts_dirty = true;
        return;
    }
    if !columns.is_empty() {
        state.github.stale_lanes.extend(columns.iter().copied());
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

/// PR counts of a lane: distinct PRs by state, and runs whose PR is not known (yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LanePrs {
    pub merged: u32,
    /// Open or draft.
    pub open: u32,
    /// Open with a failing check (also counted in `open`).
    pub failing: u32,
    /// Closed without merging.
    pub closed: u32,
    /// Runs (distinct by link) without a known PR.
    pub none: u32,
}

impl LanePrs {
    pub fn total_prs(&self) -> u32 {
        self.merged + self.open + self.closed
    }

    /// Every run of the lane has a merged PR (and there is at least one).
    pub fn all_merged(&self) -> bool {
        self.merged > 0 && self.open == 0 && self.closed == 0 && self.none == 0
    }

    fn count<'a>(state: &State, runs: impl Iterator<Item = &'a Run>) -> LanePrs {
        let mut counts = LanePrs::default();
        let mut seen_prs: HashSet<(&str, u64)> = HashSet::new();
        let mut seen_links: HashSet<PrLink> = HashSet::new();
        let mut linked_with_pr: HashSet<PrLink> = HashSet::new();
        let mut unlinked: Vec<&ObjectKey> = Vec::new();
        for run in runs {
            if run.is_template {
                continue;
            }
            match state.pr_for_run(run) {
                Some(pr) => {
                    if let Some(link) = pr_link::link_for_run(run) {
                        linked_with_pr.insert(link);
                    }
                    if !seen_prs.insert((pr.repository.as_str(), pr.number)) {
                        continue;
                    }
                    match pr.state {
                        crate::domain::PrState::Merged => counts.merged += 1,
                        crate::domain::PrState::Closed => counts.closed += 1,
                        crate::domain::PrState::Open | crate::domain::PrState::Draft => {
                            counts.open += 1;
                            if pr.is_failing() {
                                counts.failing += 1;
                            }
                        }
                    }
                }
                None => match pr_link::link_for_run(run) {
                    Some(link) => {
                        seen_links.insert(link);
                    }
                    None => unlinked.push(&run.key),
                },
            }
        }
        // A retried run shares its predecessor's branch: one PR, counted once.
        counts.none = seen_links.difference(&linked_with_pr).count() as u32 + unlinked.len() as u32;
        counts
    }
}

/// PR counts of one board column (the cards it shows, filter applied), for its header.
pub fn column_prs(state: &State, column: &Column) -> LanePrs {
    let runs = column.cards.iter().filter_map(|c| match &c.id {
        CardId::Run(key) => state.cluster.runs.get(key),
        CardId::WorkItem(_) => None,
    });
    LanePrs::count(state, runs)
}

/// PR counts of every run in `lane` (all of them, filter or not), optionally of one wave only.
/// A run's lane and wave are its labels, else its work item's ([`placement`]).
pub fn lane_prs(state: &State, lane: &str, wave: Option<u32>) -> LanePrs {
    let lane = lane.trim();
    let runs = state.cluster.runs.values().filter(|run| {
        let place = placement::Placement::of(run, &state.cluster.items, &state.settings.plan);
        place.lane == Some(lane) && wave.is_none_or(|w| place.wave == Some(w))
    });
    LanePrs::count(state, runs)
}

/// The wave gate: has every run of `lane` (in `wave`, if given) a merged PR?
pub fn lane_prs_merged(state: &State, lane: &str, wave: Option<u32>) -> bool {
    lane_prs(state, lane, wave).all_merged()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::state::Origin;
    use crate::app::{Msg, Resource, SourceEvent, update};
    use crate::domain::{Plan, PrState, PullRequest};
    use proptest::prelude::*;
    use serde_json::json;

    const PLAN: &str = "[[lane]]\nid = \"A\"\ntitle = \"a\"\nowns = [\"a/**\"]\n\n[[lane]]\nid = \"B\"\ntitle = \"b\"\nowns = [\"b/**\"]\n";
    const PHASES: [&str; 4] = ["Running", "Succeeded", "Failed", "Pending"];

    #[derive(Debug, Clone)]
    enum Event {
        Run {
            name: u8,
            lane: u8,
            head: u8,
            phase: usize,
        },
        Gone(u8),
        Pr {
            head: u8,
            state: usize,
            failing: bool,
        },
    }

    fn event() -> impl Strategy<Value = Event> {
        prop_oneof![
            4 => (0u8..8, 0u8..3, 0u8..4, 0..PHASES.len())
                .prop_map(|(name, lane, head, phase)| Event::Run { name, lane, head, phase }),
            1 => (0u8..8).prop_map(Event::Gone),
            2 => (0u8..4, 0..PrState::ALL.len(), any::<bool>())
                .prop_map(|(head, state, failing)| Event::Pr { head, state, failing }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// The lane PR counts kept across events (recounting only lanes whose runs or links
        /// changed) equal a count of every lane from scratch.
        #[test]
        fn lane_counts_kept_per_event_equal_a_recount(
            events in proptest::collection::vec(event(), 1..40),
            filter in prop_oneof![Just(""), Just("run-1"), Just("Failed")],
        ) {
            let now = chrono::Utc::now();
            let plan = Plan::parse(PLAN, "plan.toml").expect("plan");
            let mut state = State::new(plan, Origin::default(), now);
            state.ui.filter = filter.to_owned();
            state.ensure_board();
            for e in events {
                let msg = match e {
                    Event::Run { name, lane, head, phase } => {
                        let lane = ["A", "B", "Z"][usize::from(lane)];
                        let run = crate::domain::Run::from_json(&json!({
                            "metadata": {"name": format!("run-{name}"), "namespace": "ns",
                                         "labels": {"swarm.proompteng.ai/lane": lane}},
                            "spec": {"agentRef": {"name": "codex"},
                                     "parameters": {"repository": "o/r", "head": format!("codex/h{head}")}},
                            "status": {"phase": PHASES[phase]}
                        }));
                        SourceEvent::Applied(Resource::Run(Box::new(run)))
                    }
                    Event::Gone(name) => SourceEvent::Deleted(
                        crate::domain::ResourceKind::AgentRun,
                        crate::domain::ObjectKey::new("ns", format!("run-{name}")),
                    ),
                    Event::Pr { head, state: s, failing } => {
                        let mut pr = PullRequest::new("o/r", format!("codex/h{head}"), u64::from(head) + 1, PrState::ALL[s], now);
                        pr.checks.failing = u32::from(failing);
                        SourceEvent::PullRequests(vec![pr])
                    }
                };
                update(&mut state, Msg::Source(msg));
                state.ensure_board();
                let kept: Vec<LanePrs> = (0..state.board_view().columns.len())
                    .map(|i| state.github.lane_counts(i))
                    .collect();
                let recounted: Vec<LanePrs> = state
                    .board_view()
                    .columns
                    .iter()
                    .map(|c| column_prs(&state, c))
                    .collect();
                prop_assert_eq!(kept, recounted);
            }
        }
    }
}
