//! Everything the cockpit knows, owned in one place and changed only by `update`.
use super::board::{Board, CardId};
use super::keymap::Keymaps;
use super::msg::ConnState;
pub use super::screen::{FindingsView, Mode};
use super::tracked::Tracked;
use crate::domain::{ObjectKey, Plan, PullRequest, ResourceKind, Run, WorkItem, pr::PrKey};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Where the data comes from, for the status line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Origin {
    /// Kube context name, or `demo`.
    pub context: String,
    /// `None` watches all namespaces.
    pub namespace: Option<String>,
}

/// Everything about the screen that is not data.
#[derive(Debug, Clone, Default)]
pub struct Ui {
    /// Selected column index.
    pub lane: usize,
    /// Selected card index within the lane.
    pub card: usize,
    /// Identity of the selected card, so the selection survives the board being rebuilt.
    pub selected: Option<CardId>,
    pub filter: String,
    pub filter_editing: bool,
    /// One line per card and narrower lanes, so more lanes fit (`c` on the board).
    pub compact: bool,
    pub width: u16,
    pub height: u16,
}

/// What the cockpit knows about one cluster target (context + namespace). It is one value so a
/// `:ctx`/`:ns` switch replaces all of it at once: no PR, history or resync of the old target
/// can survive the switch.
#[derive(Debug, Clone)]
pub struct ClusterData {
    pub origin: Origin,
    pub runs: crate::domain::RunMap,
    pub items: BTreeMap<ObjectKey, WorkItem>,
    pub prs: HashMap<PrKey, PullRequest>,
    /// Phase changes seen per run (time, phase), for the timeline; bounded per run
    /// ([`MAX_HISTORY`]) and pruned when the run goes.
    pub history: HashMap<ObjectKey, Vec<crate::domain::phase::Seen>>,
    pub connection: BTreeMap<ResourceKind, ConnState>,
    pub last_event_at: Option<DateTime<Utc>>,
    /// Blocked-reason counters, idempotency keys, Swarms and the cancels followed through, of
    /// this target (see `app::control`): replaced with the rest on a switch.
    pub control: super::control::Control,
    /// Objects seen since a (re)list began, per kind; the rest are dropped when it ends.
    pub(super) resync: BTreeMap<ResourceKind, HashSet<ObjectKey>>,
    /// Bumped by every change of the matching data, so "did anything change since" costs a
    /// comparison instead of a walk over 10,000 runs (see [`Revisions`]).
    revisions: Revisions,
}

/// Change stamps of the cluster data. Values come from one process-wide counter, so a stamp is
/// never repeated, not even across a `:ctx` switch that replaces the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Revisions {
    /// Any run, work item or PR changed.
    pub data: u64,
    /// Something a run's PR is found by changed (repository, head, artifacts, template flag), or
    /// a run came or went.
    pub links: u64,
}

fn next_revision() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// What a run's PR is found by (see `domain::pr_link`).
fn link_fields(
    run: &Run,
) -> (
    &Option<compact_str::CompactString>,
    &Option<compact_str::CompactString>,
    &Vec<String>,
    bool,
) {
    (
        &run.repository,
        &run.head_branch,
        &run.artifact_urls,
        run.is_template,
    )
}

/// Phase changes kept per run: a run that flaps for days must not grow memory without bound.
pub const MAX_HISTORY: usize = 16;

impl ClusterData {
    /// Appends a phase change to the run's timeline, dropping the oldest beyond [`MAX_HISTORY`].
    pub fn record_phase(
        &mut self,
        run: &ObjectKey,
        at: DateTime<Utc>,
        phase: crate::domain::Phase,
    ) {
        // Most runs are seen in one phase only (the first listing): room for one entry, not four.
        let timeline = self
            .history
            .entry(run.clone())
            .or_insert_with(|| Vec::with_capacity(1));
        if timeline.len() >= MAX_HISTORY {
            timeline.remove(0);
        }
        timeline.push(crate::domain::phase::Seen::new(at, &phase));
    }

    /// Forgets a run that is gone: its object and its timeline.
    pub fn remove_run(&mut self, key: &ObjectKey) -> Option<Run> {
        self.history.remove(key);
        self.revisions.data = next_revision();
        self.revisions.links = next_revision();
        self.runs.remove(key)
    }

    pub fn new(origin: Origin) -> ClusterData {
        ClusterData {
            origin,
            runs: crate::domain::RunMap::new(),
            items: BTreeMap::new(),
            prs: HashMap::new(),
            history: HashMap::new(),
            connection: ResourceKind::ALL
                .iter()
                .map(|k| (*k, ConnState::Connecting))
                .collect(),
            last_event_at: None,
            control: Default::default(),
            resync: BTreeMap::new(),
            revisions: Revisions {
                data: next_revision(),
                links: next_revision(),
            },
        }
    }

    pub fn revisions(&self) -> Revisions {
        self.revisions
    }

    /// Stores a run's new version; returns the one it replaces. (Mutate the data through these
    /// methods: they keep [`Revisions`] true.)
    pub fn upsert_run(&mut self, run: Run) -> Option<Run> {
        self.revisions.data = next_revision();
        let links_changed = self
            .runs
            .get(&run.key)
            .is_none_or(|old| link_fields(old) != link_fields(&run));
        if links_changed {
            self.revisions.links = next_revision();
        }
        self.runs.insert(run.key.clone(), run)
    }

    pub fn upsert_item(&mut self, item: WorkItem) {
        self.revisions.data = next_revision();
        self.items.insert(item.key.clone(), item);
    }

    pub fn remove_item(&mut self, key: &ObjectKey) -> Option<WorkItem> {
        self.revisions.data = next_revision();
        self.items.remove(key)
    }

    pub fn upsert_pr(&mut self, pr: PullRequest) {
        self.revisions.data = next_revision();
        self.prs.insert(pr.key(), pr);
    }

    /// Keeps only the runs and items a relist saw.
    pub(super) fn retain_seen(&mut self, kind: ResourceKind, seen: &HashSet<ObjectKey>) {
        self.revisions.data = next_revision();
        self.revisions.links = next_revision();
        match kind {
            ResourceKind::AgentRun => {
                self.runs.retain(|k, _| seen.contains(k));
                self.history.retain(|k, _| seen.contains(k));
            }
            ResourceKind::ImplementationSpec => self.items.retain(|k, _| seen.contains(k)),
        }
    }
}

/// How this session behaves: from the config and the command line, changed only by the
/// operator (`:plan`, `:readonly`).
#[derive(Debug, Clone)]
pub struct Settings {
    pub plan: Plan,
    /// Pending or Blocked longer than this is flagged as stuck.
    pub stuck_after: chrono::Duration,
    /// Kube contexts from the kubeconfig (for `:ctx` completion).
    pub contexts: Vec<String>,
    /// Every mutating action is refused (`--read-only` or config `read_only`).
    pub read_only: bool,
    pub launch_settings: crate::domain::wave::LaunchSettings,
    pub guardrails: crate::domain::wave::Guardrails,
    /// Who approvals are recorded as (config `operator`, else `$USER`).
    pub operator: String,
    /// Whose approvals count (`[approvals]`): allowed signers, or unverified mode.
    pub approvals: crate::domain::approval::Policy,
    /// Head branches must start with this.
    pub head_prefix: String,
    /// Every screen's key table.
    pub keymap: Keymaps,
}

#[derive(Debug, Clone)]
pub struct State {
    pub now: DateTime<Utc>,
    // Every part the screen is drawn from is `Tracked`: borrowing one mutably is what makes the
    // next frame due (see `needs_redraw`), so no handler has to remember to ask for a redraw.
    /// The data of the watched target; replaced whole on `:ctx`/`:ns`.
    pub cluster: Tracked<ClusterData>,
    pub settings: Tracked<Settings>,
    /// The screen in front and the ones behind it, each owning its pane state.
    pub screens: Tracked<super::screen::Screens>,
    /// Board selection, filter and terminal size.
    pub ui: Tracked<Ui>,
    /// GitHub poller status and the PR counts per lane.
    pub github: Tracked<super::github::GitHubView>,
    /// The one-line notice in the status line.
    pub toasts: Tracked<super::toasts::Toasts>,
    /// The log view's settings and stream bookkeeping (the open view is `Screen::Logs`).
    pub logs: Tracked<super::logs::Logs>,
    /// What the PRs really touch: changed files, drift, conflicts, the merge train.
    pub audit: Tracked<super::audit::AuditView>,
    /// How fresh each source is (watch deliveries, GitHub, the log stream), and what the watches
    /// are doing.
    pub freshness: Tracked<super::freshness::Freshness>,
    /// Derived: the board as last built from the cluster data, the plan and the filter.
    pub(super) board: Board,
    pub(super) board_dirty: bool,
    /// What the last frame showed: the newest change stamp then, when it was drawn, and the
    /// first instant at which a clock-dependent text on it (an age, a countdown, a threshold)
    /// reads differently (`domain::clock`).
    drawn: Drawn,
    pub quitting: bool,
}

#[derive(Debug, Clone, Copy, Default)]
struct Drawn {
    stamp: u64,
    at: Option<DateTime<Utc>>,
    clock_change: Option<DateTime<Utc>>,
    /// Whether it showed any run: the first cards of a list are drawn at once, the rest paced.
    cards: bool,
}

/// However little the clock changes on screen, a frame is redrawn at least this often: a bound
/// on how long a clock-dependent text that forgot to say when it changes can lie.
pub const MAX_FRAME_AGE: chrono::Duration = chrono::Duration::seconds(60);

impl State {
    pub fn new(plan: Plan, origin: Origin, now: DateTime<Utc>) -> State {
        let guardrails = crate::domain::wave::Guardrails::default();
        State {
            now,
            cluster: Tracked::new(ClusterData::new(origin)),
            // Guarded paths: the guardrails' credential paths (config may replace them).
            audit: Tracked::new(super::audit::AuditView::new(
                guardrails.credential_paths.clone(),
            )),
            settings: Tracked::new(Settings {
                plan,
                stuck_after: chrono::Duration::minutes(30),
                contexts: Vec::new(),
                read_only: false,
                launch_settings: Default::default(),
                guardrails,
                operator: std::env::var("USER").unwrap_or_else(|_| "operator".into()),
                approvals: Default::default(),
                head_prefix: "codex/".into(),
                keymap: Keymaps::default(),
            }),
            screens: Default::default(),
            github: Default::default(),
            toasts: Default::default(),
            logs: Default::default(),
            freshness: Default::default(),
            ui: Tracked::new(Ui {
                width: 80,
                height: 24,
                ..Ui::default()
            }),
            board: Board::default(),
            board_dirty: true,
            drawn: Drawn::default(),
            quitting: false,
        }
    }

    /// The newest change stamp over every part the screen is drawn from.
    pub fn view_stamp(&self) -> u64 {
        [
            self.cluster.stamp(),
            self.settings.stamp(),
            self.screens.stamp(),
            self.ui.stamp(),
            self.github.stamp(),
            self.toasts.stamp(),
            self.logs.stamp(),
            self.audit.stamp(),
            self.freshness.stamp(),
        ]
        .into_iter()
        .max()
        .unwrap_or(0)
    }

    /// The next [`State::ensure_board`] rebuilds the whole board (not an incremental move).
    pub fn board_needs_rebuild(&self) -> bool {
        self.board_dirty
    }

    /// Whether a (re)list of some kind is streaming in (started, not yet done) onto a screen that
    /// already shows cards: the runtime then paces frames (`runtime::FramePacer`), and does not while
    /// the first cards are awaited.
    pub fn loading(&self) -> bool {
        !self.cluster.resync.is_empty() && self.drawn.cards
    }

    /// Whether the screen no longer shows the state: something changed since the last frame, or
    /// the clock reached a text on it that now reads differently (or the frame is a minute old).
    pub fn needs_redraw(&self) -> bool {
        self.board_dirty
            || self.view_stamp() != self.drawn.stamp
            || self.drawn.clock_change.is_some_and(|t| self.now >= t)
            || self.drawn.at.is_none_or(|t| self.now - t >= MAX_FRAME_AGE)
    }

    /// The screen now shows the state; `clock_change` is when a clock-dependent text on it next
    /// changes ([`crate::domain::clock::end_frame`]).
    pub fn mark_drawn(&mut self, clock_change: Option<DateTime<Utc>>) {
        // What is drawn is the derived board of this state (the runtime built it just before).
        self.ensure_board();
        self.drawn = Drawn {
            stamp: self.view_stamp(),
            at: Some(self.now),
            clock_change,
            cards: !self.cluster.runs.is_empty(),
        };
    }

    /// What is on the terminal is not the last frame any more (a new theme, the terminal given
    /// back by `$EDITOR`): the next frame is due whatever changed.
    pub fn invalidate_frame(&mut self) {
        self.drawn = Drawn::default();
    }

    /// Which screen is in front.
    pub fn mode(&self) -> super::screen::Mode {
        self.screens.mode()
    }

    /// The verdict on a work item's approval: signature, item, plan and content checked.
    pub fn approval_of(&self, item: &WorkItem) -> crate::domain::approval::Approval {
        self.settings
            .approvals
            .verify(item, &self.settings.plan, self.now)
    }

    /// The board, rebuilt first if data or filter changed since the last call.
    pub fn board(&mut self) -> &Board {
        self.ensure_board();
        &self.board
    }

    /// The board as last built; call [`State::ensure_board`] after changes (the runtime does so
    /// before every draw).
    pub fn board_view(&self) -> &Board {
        &self.board
    }

    pub fn ensure_board(&mut self) {
        if !self.board_dirty {
            super::audit::ensure_report(self, self.github.lane_counts_dirty);
            super::github::ensure_lane_counts(self);
            return;
        }
        self.board = Board::build(
            &self.settings.plan,
            &self.cluster.runs,
            &self.cluster.items,
            &self.ui.filter,
            Some((self.now, self.settings.stuck_after)),
        );
        self.board_dirty = false;
        self.reselect();
        self.github.lane_counts_dirty = true;
        super::audit::ensure_report(self, true);
        super::github::ensure_lane_counts(self);
    }

    /// Keeps the selection on the same object after a rebuild, else clamps the indices.
    fn reselect(&mut self) {
        let found = self
            .ui
            .selected
            .as_ref()
            .and_then(|id| self.board.position(id));
        match found {
            Some((lane, card)) => {
                self.ui.lane = lane;
                self.ui.card = card;
            }
            None => {
                let lanes = self.board.columns.len();
                self.ui.lane = self.ui.lane.min(lanes.saturating_sub(1));
                let cards = self
                    .board
                    .columns
                    .get(self.ui.lane)
                    .map_or(0, |c| c.cards.len());
                self.ui.card = self.ui.card.min(cards.saturating_sub(1));
                self.ui.selected = self
                    .board
                    .card(self.ui.lane, self.ui.card)
                    .map(|c| c.id.clone());
            }
        }
    }

    pub fn selected_card(&self) -> Option<&CardId> {
        self.ui.selected.as_ref()
    }

    pub fn selected_run(&self) -> Option<&Run> {
        match self.ui.selected.as_ref()? {
            CardId::Run(key) => self.cluster.runs.get(key),
            CardId::WorkItem(_) => None,
        }
    }

    /// The work item of a card: the item itself, or the one its run executes.
    pub fn work_item_of(&self, id: &CardId) -> Option<&WorkItem> {
        match id {
            CardId::WorkItem(key) => self.cluster.items.get(key),
            CardId::Run(key) => {
                crate::domain::placement::item_of(self.cluster.runs.get(key)?, &self.cluster.items)
            }
        }
    }

    /// The run's PR: by repository + head branch, else by a PR URL among its artifacts.
    pub fn pr_for_run(&self, run: &Run) -> Option<&PullRequest> {
        crate::domain::pr_link::find_pr(&self.cluster.prs, run)
    }

    /// A run arrived or changed (`old` is the version before): its card moves on the board
    /// without a rebuild when the board can say where.
    pub(super) fn run_changed(&mut self, old: Option<&Run>, key: &ObjectKey) {
        if self.board_dirty {
            return;
        }
        let Some(run) = self.cluster.runs.get(key) else {
            return;
        };
        let id = CardId::Run(key.clone());
        let lane_before = self.board.lane_of_card(&id).cloned();
        let inputs = super::board::Inputs {
            items: &self.cluster.items,
            filter: &self.ui.filter,
            stuck: Some((self.now, self.settings.stuck_after)),
        };
        // A lane's PR counts depend on which runs it shows and on what their PRs are found by:
        // a status change that keeps the card in its lane and its links as they were (the usual
        // event, hundreds a second under churn) leaves them as they are.
        let same_prs = old.is_some_and(|o| link_fields(o) == link_fields(run));
        match self.board.upsert_run(old, run, &inputs) {
            Some(_) => {
                let lane_after = self.board.lane_of_card(&id).cloned();
                if !(same_prs && lane_before.is_some() && lane_before == lane_after) {
                    match (&lane_before, old) {
                        (Some(lane), Some(old)) => {
                            self.github.tallies.card_left(lane, &self.cluster.prs, old)
                        }
                        // A card without a version the board saw: only a recount can say.
                        (Some(_), None) => self.github.lane_counts_dirty = true,
                        (None, _) => {}
                    }
                    if let Some(lane) = &lane_after {
                        self.github
                            .tallies
                            .card_joined(lane, &self.cluster.prs, run);
                    }
                }
                self.board_moved();
            }
            None => self.board_dirty = true,
        }
    }

    /// A run is gone (`run` is its last version).
    pub(super) fn run_removed(&mut self, run: &Run) {
        if self.board_dirty {
            return;
        }
        let lane = self
            .board
            .lane_of_card(&CardId::Run(run.key.clone()))
            .cloned();
        let inputs = super::board::Inputs {
            items: &self.cluster.items,
            filter: &self.ui.filter,
            stuck: Some((self.now, self.settings.stuck_after)),
        };
        match self.board.remove_run(run, &inputs) {
            Some(_) => {
                if let Some(lane) = &lane {
                    self.github.tallies.card_left(lane, &self.cluster.prs, run);
                }
                self.board_moved();
            }
            None => self.board_dirty = true,
        }
    }

    /// After cards moved: the selection follows its card, and the audit report is redone when
    /// next needed (the lanes' PR counts were kept as the cards moved).
    fn board_moved(&mut self) {
        self.reselect();
        self.audit.dirty = true;
    }

    pub(super) fn mark_board_dirty(&mut self) {
        self.board_dirty = true;
    }

    /// A summary of the watch connections for the status line.
    pub fn overall_connection(&self) -> ConnState {
        let states: Vec<&ConnState> = self.cluster.connection.values().collect();
        if let Some(ConnState::Failed(e)) =
            states.iter().find(|s| matches!(s, ConnState::Failed(_)))
        {
            return ConnState::Failed(e.clone());
        }
        if let Some(ConnState::Reconnecting(e)) = states
            .iter()
            .find(|s| matches!(s, ConnState::Reconnecting(_)))
        {
            return ConnState::Reconnecting(e.clone());
        }
        if states.iter().all(|s| **s == ConnState::Connected) {
            ConnState::Connected
        } else {
            ConnState::Connecting
        }
    }
}
