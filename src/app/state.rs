//! Everything the cockpit knows, owned in one place and changed only by `update`.
use super::board::{Board, CardId};
use super::keymap::Keymaps;
use super::msg::ConnState;
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

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Mode {
    #[default]
    Board,
    Detail,
    Help,
    /// The work item editor (`State::editor`).
    Editor,
    /// A list of check findings (`State::findings_view`).
    Findings,
    /// The offer to restore drafts left by an earlier session.
    Drafts,
    /// The wave planner (`State::wave_view`).
    Waves,
    /// A confirmation (`State::confirm`).
    Confirm,
    /// The `:` command palette (`State::palette`).
    Palette,
    /// The log view of a run (`State::logs`).
    Logs,
    /// The conflict matrix and merge train (`State::audit`).
    Audit,
}

/// Findings shown in their own pane (validate, refused approval).
#[derive(Debug, Clone)]
pub struct FindingsView {
    pub title: String,
    pub findings: Vec<crate::domain::checks::Finding>,
    pub scroll: u16,
}

/// Everything about the screen that is not data.
#[derive(Debug, Clone, Default)]
pub struct Ui {
    pub mode: Mode,
    /// Selected column index.
    pub lane: usize,
    /// Selected card index within the lane.
    pub card: usize,
    /// Identity of the selected card, so the selection survives the board being rebuilt.
    pub selected: Option<CardId>,
    pub filter: String,
    pub filter_editing: bool,
    pub detail_scroll: u16,
    pub help_scroll: u16,
    /// The screen `?` was opened from, where closing it returns.
    pub help_return: Mode,
    /// One line per card and narrower lanes, so more lanes fit (`c` on the board).
    pub compact: bool,
    pub width: u16,
    pub height: u16,
}

#[derive(Debug, Clone)]
pub struct State {
    pub now: DateTime<Utc>,
    pub origin: Origin,
    pub plan: Plan,
    pub runs: BTreeMap<ObjectKey, Run>,
    pub items: BTreeMap<ObjectKey, WorkItem>,
    pub prs: HashMap<PrKey, PullRequest>,
    pub palette: Option<super::palette::Palette>,
    /// Phase changes seen per run (time, phase), for the timeline.
    pub history: HashMap<ObjectKey, Vec<(DateTime<Utc>, String)>>,
    /// Pending or Blocked longer than this is flagged as stuck.
    pub stuck_after: chrono::Duration,
    /// Kube contexts from the kubeconfig (for `:ctx` completion).
    pub contexts: Vec<String>,
    /// Every mutating action is refused (`--read-only` or config `read_only`).
    pub read_only: bool,
    pub wave_view: Option<super::waves::WaveView>,
    pub confirm: Option<super::waves::Confirm>,
    pub launch_settings: crate::domain::wave::LaunchSettings,
    pub guardrails: crate::domain::wave::Guardrails,
    /// The open work item editor.
    pub editor: Option<Box<super::editor::Editor>>,
    pub findings_view: Option<FindingsView>,
    /// Drafts from an earlier session the operator has not restored or discarded yet.
    pub drafts_offer: Vec<crate::domain::manifest::ItemDraft>,
    /// Who approvals are recorded as (config `operator`, else `$USER`).
    pub operator: String,
    /// Whose approvals count (`[approvals]`): allowed signers, or unverified mode.
    pub approvals: crate::domain::approval::Policy,
    /// Head branches must start with this.
    pub head_prefix: String,
    /// GitHub poller status and status-line notices.
    pub github: super::github::GitHubView,
    /// The log view: settings and the open view.
    pub logs: super::logs::Logs,
    /// What the PRs really touch: changed files, drift, conflicts, the merge train.
    pub audit: super::audit::AuditView,
    pub connection: BTreeMap<ResourceKind, ConnState>,
    /// How fresh each source is (watch deliveries, GitHub, the log stream), and what the watches
    /// are doing.
    pub freshness: super::freshness::Freshness,
    pub last_event_at: Option<DateTime<Utc>>,
    /// Every screen's key table.
    pub keymap: Keymaps,
    pub ui: Ui,
    /// Objects seen since a (re)list began, per kind; the rest are dropped when it ends.
    pub(super) resync: BTreeMap<ResourceKind, HashSet<ObjectKey>>,
    pub(super) board: Board,
    pub(super) board_dirty: bool,
    /// Set when something visible changed; the runtime draws only then.
    pub needs_redraw: bool,
    pub quitting: bool,
}

impl State {
    pub fn new(plan: Plan, origin: Origin, now: DateTime<Utc>) -> State {
        State {
            now,
            origin,
            plan,
            runs: BTreeMap::new(),
            items: BTreeMap::new(),
            prs: HashMap::new(),
            github: Default::default(),
            logs: Default::default(),
            // Guarded paths: the guardrails' credential paths (config may replace them).
            audit: super::audit::AuditView::new(
                crate::domain::wave::Guardrails::default().credential_paths,
            ),
            read_only: false,
            palette: None,
            history: HashMap::new(),
            stuck_after: chrono::Duration::minutes(30),
            contexts: Vec::new(),
            wave_view: None,
            confirm: None,
            launch_settings: Default::default(),
            guardrails: Default::default(),
            editor: None,
            findings_view: None,
            drafts_offer: Vec::new(),
            approvals: Default::default(),
            operator: std::env::var("USER").unwrap_or_else(|_| "operator".into()),
            head_prefix: "codex/".into(),
            connection: ResourceKind::ALL
                .iter()
                .map(|k| (*k, ConnState::Connecting))
                .collect(),
            freshness: Default::default(),
            last_event_at: None,
            keymap: Keymaps::default(),
            ui: Ui {
                width: 80,
                height: 24,
                ..Ui::default()
            },
            resync: BTreeMap::new(),
            board: Board::default(),
            board_dirty: true,
            needs_redraw: true,
            quitting: false,
        }
    }

    /// The board, rebuilt first if data or filter changed since the last call.
    /// The verdict on a work item's approval: signature, item, plan and content checked.
    pub fn approval_of(&self, item: &WorkItem) -> crate::domain::approval::Approval {
        self.approvals.verify(item, &self.plan, self.now)
    }

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
            &self.plan,
            &self.runs,
            &self.items,
            &self.ui.filter,
            Some((self.now, self.stuck_after)),
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
            CardId::Run(key) => self.runs.get(key),
            CardId::WorkItem(_) => None,
        }
    }

    /// The work item of a card: the item itself, or the one its run executes.
    pub fn work_item_of(&self, id: &CardId) -> Option<&WorkItem> {
        match id {
            CardId::WorkItem(key) => self.items.get(key),
            CardId::Run(key) => crate::domain::placement::item_of(self.runs.get(key)?, &self.items),
        }
    }

    /// The run's PR: by repository + head branch, else by a PR URL among its artifacts.
    pub fn pr_for_run(&self, run: &Run) -> Option<&PullRequest> {
        crate::domain::pr_link::find_pr(&self.prs, run)
    }

    pub(super) fn mark_board_dirty(&mut self) {
        self.board_dirty = true;
        self.needs_redraw = true;
    }

    /// A summary of the watch connections for the status line.
    pub fn overall_connection(&self) -> ConnState {
        let states: Vec<&ConnState> = self.connection.values().collect();
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
