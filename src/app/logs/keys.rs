//! The log view's keys and the mouse wheel: scrolling and following, the stream's options
//! (tail, since, previous, timestamps, wrap) and the keys that hand over to the search, the
//! picker and save/copy. The `/` prompt is text entry: it takes printable keys before any
//! binding.
use super::rows::body_rect;
use super::{LogView, ViewRows, close, picker, restart_stream, save, search};
use crate::app::effect::Effect;
use crate::app::keymap::{self, LogAction, LogSearchAction};
use crate::app::screen::Screen;
use crate::app::state::State;
use crate::domain::log_buffer::{FilterMode, Rows, Scroll};
use crossterm::event::{KeyCode, KeyEvent, MouseEvent, MouseEventKind};

/// Tail sizes `T` cycles through.
const TAILS: [Option<u32>; 5] = [Some(100), Some(1_000), Some(10_000), Some(100_000), None];

pub fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Screen::Logs(view) = state.screens.front_mut() else {
        return Vec::new();
    };
    view.notice = None;
    if view.prompt.is_some() {
        edit_prompt(state, key);
        return Vec::new();
    }
    if view.picker.is_some() {
        return picker::on_key(state, key);
    }
    let Some(act) = state.settings.keymap.logs.action(&key) else {
        return Vec::new();
    };
    let body = body_rect(state.ui.width, state.ui.height);
    let height = usize::from(body.height).max(1);
    let half = (height / 2).max(1);
    let scroll = |view: &mut LogView, f: &dyn Fn(&mut Scroll, &ViewRows<'_>)| {
        let mut scroll = view.scroll;
        f(&mut scroll, &view.rows(body.width));
        view.scroll = scroll;
    };
    match act {
        LogAction::Down => scroll(view, &|s, r| s.down(r, height, 1)),
        LogAction::Up => scroll(view, &|s, r| s.up(r, height, 1)),
        LogAction::PageDown => scroll(view, &|s, r| s.down(r, height, half)),
        LogAction::PageUp => scroll(view, &|s, r| s.up(r, height, half)),
        LogAction::Top => scroll(view, &|s, r| s.to_top(r)),
        LogAction::Bottom => {
            view.scroll.to_bottom();
            view.unseen = 0;
        }
        LogAction::ToggleFollow => {
            if view.scroll.follow {
                // Pin what is on screen now.
                scroll(view, &|s, r| {
                    let top = s.top(r, height);
                    if r.count() > 0 {
                        s.top_seq = r.seq_at(top.0);
                        s.top_row = top.1;
                    }
                    s.follow = false;
                });
            } else {
                view.scroll.to_bottom();
                view.unseen = 0;
            }
        }
        LogAction::Left => view.scroll.hscroll = view.scroll.hscroll.saturating_sub(8),
        LogAction::Right => {
            if !view.options.wrap {
                view.scroll.hscroll += 8;
            }
        }
        LogAction::Search => view.prompt = Some(String::new()),
        LogAction::NextMatch => search::jump_to_match(view, body, true),
        LogAction::PrevMatch => search::jump_to_match(view, body, false),
        LogAction::Filter => search::toggle_filter(view, FilterMode::Matching),
        LogAction::InverseFilter => search::toggle_filter(view, FilterMode::NotMatching),
        LogAction::Timestamps => view.options.timestamps = !view.options.timestamps,
        LogAction::Wrap => {
            view.options.wrap = !view.options.wrap;
            view.scroll.hscroll = 0;
        }
        LogAction::Previous => {
            view.options.previous = !view.options.previous;
            if view.options.previous && view.pod.as_ref().is_some_and(|p| p.restarts == 0) {
                view.notice = Some(
                    "previous container: none recorded (no restart yet), the server may have none"
                        .into(),
                );
            }
            return restart_stream(state);
        }
        LogAction::Pods => picker::open(view),
        LogAction::All => {
            view.options.tail = None;
            view.options.since_seconds = None;
            return restart_stream(state);
        }
        LogAction::Since1m | LogAction::Since5m | LogAction::Since30m | LogAction::Since1h => {
            view.options.since_seconds = act.since_seconds();
            view.options.tail = None;
            return restart_stream(state);
        }
        LogAction::Tail => {
            let next = TAILS
                .iter()
                .position(|t| *t == view.options.tail)
                .map_or(0, |i| (i + 1) % TAILS.len());
            view.options.tail = TAILS[next];
            view.options.since_seconds = None;
            return restart_stream(state);
        }
        LogAction::Save => return save::save(state),
        LogAction::Copy => return save::copy(view, body),
        LogAction::Help => crate::app::help::open(state),
        LogAction::Back => return close(state),
    }
    Vec::new()
}

fn edit_prompt(state: &mut State, key: KeyEvent) {
    let body = body_rect(state.ui.width, state.ui.height);
    let Some(view) = state.screens.logs_mut() else {
        return;
    };
    let Some(prompt) = view.prompt.as_mut() else {
        return;
    };
    if let Some(c) = keymap::typed_char(&key) {
        prompt.push(c);
        return;
    }
    match state.settings.keymap.log_search.action(&key) {
        Some(LogSearchAction::Cancel) => view.prompt = None,
        Some(LogSearchAction::Run) => {
            let pattern = view.prompt.take().unwrap_or_default();
            search::set_search(view, &pattern, body);
        }
        None if key.code == KeyCode::Backspace => {
            prompt.pop();
        }
        None => {}
    }
}

/// The wheel scrolls the log (up pauses following).
pub fn on_mouse(state: &mut State, mouse: MouseEvent) -> Vec<Effect> {
    let body = body_rect(state.ui.width, state.ui.height);
    let height = usize::from(body.height).max(1);
    let Some(view) = state.screens.logs_mut() else {
        return Vec::new();
    };
    if view.picker.is_some() {
        return Vec::new();
    }
    let mut scroll = view.scroll;
    match mouse.kind {
        MouseEventKind::ScrollDown => scroll.down(&view.rows(body.width), height, 3),
        MouseEventKind::ScrollUp => scroll.up(&view.rows(body.width), height, 3),
        _ => return Vec::new(),
    }
    view.scroll = scroll;
    Vec::new()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_log_action_has_a_key_in_the_help() {
        let rows = crate::app::keymap::Keymaps::default().logs.help_rows();
        assert!(rows.iter().any(|(k, _)| k == "ctrl-s"));
        assert!(
            rows.iter()
                .any(|(k, d)| k == "G / end" && d.contains("follow"))
        );
    }
}
