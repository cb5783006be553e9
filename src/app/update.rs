//! `update`: the only place state changes. Synchronous and pure; returns effects as data.
use super::effect::Effect;
use super::keymap::{self, Action, DetailAction, FilterAction};
use super::layout;
use super::msg::{Msg, OpResult, Resource, SourceEvent};
use super::screen::Screen;
use super::state::{Mode, State};
use crate::domain::ResourceKind;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Tick(now) => {
            // The clock alone redraws nothing: the frame knows when a text on it changes
            // (`State::needs_redraw`). Handlers below act once a second.
            let new_second = now.timestamp() != state.now.timestamp();
            state.now = now;
            super::freshness::track_logs(state);
            if new_second {
                // Stuck flags depend on the clock: re-derive the board when one falls due.
                if state.board.next_stuck().is_some_and(|at| now > at) {
                    state.mark_board_dirty();
                }
                super::control::on_tick(state);
                let mut effects = super::workitems::on_tick(state);
                super::control::tell_verdicts(state, &mut effects);
                return effects;
            }
            Vec::new()
        }
        Msg::Op(result) => match result {
            OpResult::Launched { .. } | OpResult::RunsChanged { .. } => {
                super::waves::on_op(state, &result);
                Vec::new()
            }
            OpResult::Contexts(_) | OpResult::TargetSwitched { .. } | OpResult::PlanLoaded(_) => {
                super::palette::on_op(state, result)
            }
            other => super::workitems::on_op(state, other),
        },
        Msg::Log(event) => {
            let effects = super::logs::on_event(state, event);
            super::freshness::track_logs(state);
            effects
        }
        Msg::Resize { width, height } => {
            state.ui.width = width;
            state.ui.height = height;
            Vec::new()
        }
        Msg::Source(event) => source(state, event),
        Msg::Sources(events) => events
            .into_iter()
            .flat_map(|event| source(state, event))
            .collect(),
        Msg::Key(key) => on_key(state, key),
        Msg::Mouse(mouse) => on_mouse(state, mouse),
    }
}

fn source(state: &mut State, event: SourceEvent) -> Vec<Effect> {
    let watch = super::notify::Watch::before(state, &event);
    on_source(state, event);
    let mut effects = watch.after(state);
    super::control::tell_verdicts(state, &mut effects);
    effects
}

fn on_source(state: &mut State, event: SourceEvent) {
    match event {
        SourceEvent::Applied(resource) => {
            state.cluster.last_event_at = Some(state.now);
            let kind = resource.kind();
            super::freshness::delivered(state, kind);
            if let Some(seen) = state.cluster.resync.get_mut(&kind) {
                seen.insert(resource.key().clone());
            }
            match resource {
                Resource::Run(run) => {
                    let key = run.key.clone();
                    let old = state.cluster.upsert_run(*run);
                    state.run_changed(old.as_ref(), &key);
                    super::control::on_run(state, &key, old.as_ref());
                }
                Resource::WorkItem(item) => {
                    // An item's lane and summary place and filter its runs: rebuild.
                    let key = item.key.clone();
                    state.cluster.upsert_item(*item);
                    super::control::on_item(state, &key);
                    state.mark_board_dirty();
                }
            }
        }
        SourceEvent::Deleted(kind, key) => {
            state.cluster.last_event_at = Some(state.now);
            super::freshness::delivered(state, kind);
            match kind {
                ResourceKind::AgentRun => {
                    if let Some(run) = state.cluster.remove_run(&key) {
                        state.run_removed(&run);
                        super::control::on_run_gone(state, &key, Some(&run));
                    }
                }
                ResourceKind::ImplementationSpec => {
                    if state.cluster.remove_item(&key).is_some() {
                        super::control::on_item(state, &key);
                        state.mark_board_dirty();
                    }
                }
            }
        }
        SourceEvent::ResyncStarted(kind) => {
            state.cluster.resync.insert(kind, Default::default());
        }
        SourceEvent::Seen(kind, key) => {
            if let Some(seen) = state.cluster.resync.get_mut(&kind) {
                seen.insert(key);
            }
        }
        SourceEvent::Watch(kind, note) => super::freshness::on_note(state, kind, note),
        SourceEvent::ResyncDone(kind) => {
            super::freshness::delivered(state, kind);
            let Some(seen) = state.cluster.resync.remove(&kind) else {
                return;
            };
            let before = (state.cluster.runs.len(), state.cluster.items.len());
            state.cluster.retain_seen(kind, &seen);
            if before != (state.cluster.runs.len(), state.cluster.items.len()) {
                super::control::recount(state);
                state.mark_board_dirty();
            }
            state.cluster.last_event_at = Some(state.now);
        }
        SourceEvent::Connection(kind, conn) => {
            super::freshness::on_connection(state, kind, &conn);
            if state.cluster.connection.get(&kind) != Some(&conn) {
                state.cluster.connection.insert(kind, conn);
            }
        }
        SourceEvent::PullRequest(pr) => {
            state.cluster.last_event_at = Some(state.now);
            super::github::apply_pull_requests(state, vec![*pr]);
        }
        SourceEvent::PullRequests(prs) => super::github::apply_pull_requests(state, prs),
        SourceEvent::GitHub(status) => super::github::apply_status(state, status),
        SourceEvent::Notice(text) => super::toasts::show(state, text),
        SourceEvent::Audit(update) => super::audit::apply_update(state, *update),
        SourceEvent::Swarm(event) => super::control::on_swarm(state, event),
    }
}

fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    if key.kind == KeyEventKind::Release {
        return Vec::new();
    }
    // The only global key: every other key belongs to the screen in front, which reads it from
    // its own table (text entry first, so a binding can never swallow what is typed).
    if keymap::is_global_quit(&key) {
        return quit(state);
    }
    match state.mode() {
        Mode::Editor => super::workitems::on_editor_key(state, key),
        Mode::Findings => {
            super::workitems::on_findings_key(state, key);
            Vec::new()
        }
        Mode::Drafts => super::workitems::on_drafts_key(state, key),
        Mode::Waves => super::waves::on_waves_key(state, key),
        Mode::Confirm => super::waves::on_confirm_key(state, key),
        Mode::Palette => super::palette::on_key(state, key),
        Mode::Logs => super::logs::on_key(state, key),
        Mode::Audit => super::audit::on_key(state, key),
        Mode::Reconcile => super::reconcile::on_key(state, key),
        Mode::Help => super::help::on_key(state, key),
        Mode::Detail => detail_key(state, key),
        Mode::Board if state.ui.filter_editing => {
            edit_filter(state, key);
            Vec::new()
        }
        Mode::Board => match state.settings.keymap.board.action(&key) {
            Some(action) => board_action(state, action),
            None => Vec::new(),
        },
    }
}

fn detail_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Some(action) = state.settings.keymap.detail.action(&key) else {
        return Vec::new();
    };
    let steps = state.selected_run().map_or(0, |r| r.steps.len());
    let Screen::Detail { scroll, step } = state.screens.front_mut() else {
        return Vec::new();
    };
    // The runs' steps may have changed under the pane: a selection past them is none.
    let selected = step.filter(|i| *i < steps);
    match action {
        DetailAction::Back => {
            state.screens.back();
        }
        DetailAction::Help => super::help::open(state),
        DetailAction::Down => *scroll = scroll.saturating_add(1),
        DetailAction::Up => *scroll = scroll.saturating_sub(1),
        DetailAction::PageDown => *scroll = scroll.saturating_add(10),
        DetailAction::PageUp => *scroll = scroll.saturating_sub(10),
        DetailAction::Top => *scroll = 0,
        DetailAction::Bottom => *scroll = u16::MAX,
        DetailAction::NextStep | DetailAction::PrevStep => {
            if steps == 0 {
                super::toasts::show(state, "no workflow steps reported for this card");
                return Vec::new();
            }
            // The whole run, then each step in turn, and round again.
            *step = match (selected, action == DetailAction::NextStep) {
                (None, true) => Some(0),
                (None, false) => Some(steps - 1),
                (Some(i), true) => (i + 1 < steps).then_some(i + 1),
                (Some(i), false) => i.checked_sub(1),
            };
        }
        DetailAction::OpenPr => return super::github::open_pr(state),
        DetailAction::Refresh => return super::github::refresh(state),
        DetailAction::EditItem => return super::workitems::edit_item(state, false),
        DetailAction::ExternalEdit => return super::workitems::edit_item(state, true),
        DetailAction::Approve => return super::workitems::approve(state),
        DetailAction::Revoke => return super::workitems::revoke(state),
        DetailAction::Validate => return super::workitems::validate(state),
        DetailAction::Logs => {
            return match selected {
                Some(i) => super::logs::open_selected_step(state, i),
                None => super::logs::open_selected(state),
            };
        }
        DetailAction::CancelRun => return super::waves::cancel(state, false, false),
        DetailAction::DeleteRun => return super::waves::cancel(state, true, false),
        DetailAction::Retain => return super::control::retain(state),
        DetailAction::SaveLogs => return super::control::save_logs(state),
    }
    Vec::new()
}

fn board_action(state: &mut State, action: Action) -> Vec<Effect> {
    state.ensure_board();
    match action {
        Action::LaneLeft => select_lane(state, state.ui.lane.saturating_sub(1)),
        Action::LaneRight => select_lane(state, state.ui.lane + 1),
        Action::Down => select_card(state, state.ui.card.saturating_add(1)),
        Action::Up => select_card(state, state.ui.card.saturating_sub(1)),
        Action::Top => select_card(state, 0),
        Action::Bottom => select_card(state, usize::MAX),
        Action::PageDown => {
            let page = page_size(state);
            select_card(state, state.ui.card.saturating_add(page));
        }
        Action::PageUp => {
            let page = page_size(state);
            select_card(state, state.ui.card.saturating_sub(page));
        }
        Action::OpenDetail => {
            if state.ui.selected.is_some() {
                state.screens.open(Screen::detail());
            }
        }
        Action::Compact => state.ui.compact = !state.ui.compact,
        Action::Filter => state.ui.filter_editing = true,
        Action::Help => super::help::open(state),
        Action::Back => set_filter(state, String::new()),
        Action::Close | Action::Quit => return quit(state),
        Action::OpenPr => return super::github::open_pr(state),
        Action::Refresh => return super::github::refresh(state),
        Action::NewItem => return super::workitems::new_item(state),
        Action::EditItem => return super::workitems::edit_item(state, false),
        Action::ExternalEdit => return super::workitems::edit_item(state, true),
        Action::Approve => return super::workitems::approve(state),
        Action::Revoke => return super::workitems::revoke(state),
        Action::Validate => return super::workitems::validate(state),
        Action::Waves => return super::waves::open(state),
        Action::Palette => return super::palette::open(state),
        Action::CancelRun => return super::waves::cancel(state, false, false),
        Action::DeleteRun => return super::waves::cancel(state, true, false),
        Action::Logs => return super::logs::open_selected(state),
        Action::Retain => return super::control::retain(state),
        Action::SaveLogs => return super::control::save_logs(state),
        Action::Audit => return super::audit::open(state, None),
        Action::Reconcile => return super::reconcile::open(state),
    }
    Vec::new()
}

/// Selects a run's card on the board (clearing a filter that hides it) and opens its details
/// in place of the `from` screen that jumped there.
pub(super) fn jump_to_run(state: &mut State, key: crate::domain::ObjectKey, from: Mode) {
    let id = super::board::CardId::Run(key);
    if state.board_view().position(&id).is_none() && !state.ui.filter.is_empty() {
        state.ui.filter.clear();
        state.mark_board_dirty();
    }
    state.ensure_board();
    match state.board_view().position(&id) {
        Some((lane, card)) => {
            state.ui.lane = lane;
            state.ui.card = card;
            state.ui.selected = Some(id);
            state.screens.close(from);
            state.screens.open(Screen::detail());
        }
        None => super::toasts::show(state, "that run is no longer on the board"),
    }
}

fn edit_filter(state: &mut State, key: KeyEvent) {
    if let Some(c) = keymap::typed_char(&key) {
        let mut f = state.ui.filter.clone();
        f.push(c);
        set_filter(state, f);
        return;
    }
    match state.settings.keymap.filter.action(&key) {
        Some(FilterAction::Clear) => {
            state.ui.filter_editing = false;
            set_filter(state, String::new());
        }
        Some(FilterAction::Keep) => state.ui.filter_editing = false,
        None if key.code == KeyCode::Backspace => {
            let mut f = state.ui.filter.clone();
            f.pop();
            set_filter(state, f);
        }
        None => {}
    }
}

fn set_filter(state: &mut State, filter: String) {
    if state.ui.filter != filter {
        state.ui.filter = filter;
        state.mark_board_dirty();
        state.ensure_board();
        // Typing a filter should land on a match, not leave the cursor in an emptied lane.
        if state.ui.selected.is_none()
            && let Some(lane) = state.board.columns.iter().position(|c| !c.cards.is_empty())
        {
            state.ui.lane = lane;
            select_card(state, 0);
        }
    }
}

fn quit(state: &mut State) -> Vec<Effect> {
    state.quitting = true;
    // Whatever the editor holds is written before the cockpit goes.
    let mut effects = super::workitems::on_quit(state);
    effects.push(Effect::Quit);
    effects
}

fn select_lane(state: &mut State, lane: usize) {
    let lanes = state.board_view().columns.len();
    if lanes == 0 {
        return;
    }
    state.ui.lane = lane.min(lanes - 1);
    select_card(state, state.ui.card);
}

fn select_card(state: &mut State, card: usize) {
    let board = &state.board;
    let len = board
        .columns
        .get(state.ui.lane)
        .map_or(0, |c| c.cards.len());
    let card = card.min(len.saturating_sub(1));
    state.ui.selected = board.card(state.ui.lane, card).map(|c| c.id.clone());
    state.ui.card = card;
}

fn page_size(state: &State) -> usize {
    visible_columns(state).first().map_or(1, |(_, rect)| {
        layout::cards_per_page(*rect, state.ui.compact).max(1)
    })
}

pub(super) fn visible_columns(state: &State) -> Vec<(usize, Rect)> {
    let (_, board, _) = layout::screen_with(
        Rect::new(0, 0, state.ui.width, state.ui.height),
        super::control::banner_rows(state),
    );
    layout::columns(
        board,
        state.board_view().columns.len(),
        state.ui.lane,
        state.ui.compact,
    )
}

fn on_mouse(state: &mut State, mouse: MouseEvent) -> Vec<Effect> {
    match (state.mode(), mouse.kind) {
        (Mode::Board, MouseEventKind::Down(MouseButton::Left)) => {
            state.ensure_board();
            if let Some((lane, card)) = hit_card(state, mouse.column, mouse.row) {
                let already = state.ui.lane == lane && state.ui.card == card;
                state.ui.lane = lane;
                select_card(state, card);
                if already && state.ui.selected.is_some() {
                    state.screens.open(Screen::detail());
                }
            }
            Vec::new()
        }
        (Mode::Board, MouseEventKind::ScrollDown) => board_action(state, Action::Down),
        (Mode::Board, MouseEventKind::ScrollUp) => board_action(state, Action::Up),
        (Mode::Detail, MouseEventKind::ScrollDown | MouseEventKind::ScrollUp) => {
            if let Screen::Detail { scroll, .. } = state.screens.front_mut() {
                *scroll = if mouse.kind == MouseEventKind::ScrollDown {
                    scroll.saturating_add(3)
                } else {
                    scroll.saturating_sub(3)
                };
            }
            Vec::new()
        }
        (Mode::Logs, _) => super::logs::on_mouse(state, mouse),
        _ => Vec::new(),
    }
}

/// Which card (lane, index) is drawn at a screen cell, using the same layout as the view.
fn hit_card(state: &State, x: u16, y: u16) -> Option<(usize, usize)> {
    let pos = Position::new(x, y);
    let (lane, rect) = visible_columns(state)
        .into_iter()
        .find(|(_, r)| r.contains(pos))?;
    let area = layout::cards_area(rect);
    if !area.contains(pos) {
        return None;
    }
    let len = state.board_view().columns.get(lane)?.cards.len();
    let offset = layout::visible_cards(rect, state.ui.compact, selected_in(state, lane), len).start;
    let idx = offset + usize::from((y - area.y) / layout::card_height(rect, state.ui.compact));
    (idx < len).then_some((lane, idx))
}

/// The index whose page a lane shows: the selected card in the selected lane, else the first.
pub(super) fn selected_in(state: &State, lane: usize) -> usize {
    if lane == state.ui.lane {
        state.ui.card
    } else {
        0
    }
}
