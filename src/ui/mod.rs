//! Read-only views: each takes `&State` (and the theme) and draws; nothing here changes state.
pub mod audit;
pub mod board;
pub mod control;
pub mod detail;
pub mod editor;
pub mod findings;
pub mod fmt;
pub mod footer;
pub mod help;
pub mod logs;
pub mod palette;
pub mod pane;
pub mod pr;
pub mod reconcile;
pub mod status;
pub mod theme;
pub mod title;
pub mod waves;

use crate::app::State;
use crate::app::layout;
use crate::app::state::Mode;
use ratatui::Frame;
use ratatui::widgets::Block;
pub use theme::Theme;

/// Draws the whole screen. Call `State::ensure_board` first (the runtime does).
pub fn draw(frame: &mut Frame, state: &State, theme: &Theme) {
    let area = frame.area();
    frame.render_widget(Block::default().style(theme.base()), area);
    let (title, board_area, status_area) =
        layout::screen_with(area, crate::app::control::banner_rows(state));
    title::draw(frame, title, state, theme);
    if let Some(banner) = layout::banner_area(area, crate::app::control::banner_rows(state)) {
        control::draw_banner(frame, banner, state, theme);
    }
    // The log view replaces the board (and stays under the help opened from it).
    if crate::app::logs::is_open(state) {
        logs::draw(frame, board_area, state, theme);
    } else {
        board::draw(frame, board_area, state, theme);
    }
    status::draw_status(frame, status_area, state, theme);
    match state.mode() {
        Mode::Board => {}
        Mode::Detail => detail::draw(frame, board_area, state, theme),
        Mode::Help => help::draw(frame, area, state, theme),
        Mode::Editor => editor::draw(frame, board_area, state, theme),
        Mode::Findings => findings::draw_findings(frame, board_area, state, theme),
        Mode::Drafts => findings::draw_drafts(frame, board_area, state, theme),
        Mode::Waves => waves::draw_planner(frame, board_area, state, theme),
        Mode::Palette => palette::draw(frame, board_area, state, theme),
        Mode::Confirm => {
            // The confirmation sits on top of what it came from.
            if state.screens.behind_mode() == Mode::Waves {
                waves::draw_planner(frame, board_area, state, theme);
            }
            waves::draw_confirm(frame, board_area, state, theme);
        }
        Mode::Logs => {}
        Mode::Audit => audit::draw(frame, board_area, state, theme),
        Mode::Reconcile => reconcile::draw(frame, board_area, state, theme),
    }
}
