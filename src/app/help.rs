//! `?`: the help document (every screen's key table, the symbol legend) laid out for a width, and
//! its keys. The layout is pure and theme-independent (the legend's symbol column has a fixed
//! width), so `update` clamps scrolling to exactly what the view draws.
use super::effect::Effect;
use super::keymap::{HelpAction, HelpSection};
use super::legend::{self, Glyph, MAX_SYMBOL_WIDTH};
use super::screen::Screen;
use super::state::{Mode, State};
use crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Widest the help overlay gets; wider screens get margins (long lines are hard to read).
pub const MAX_WIDTH: u16 = 84;

/// One drawn line of the help.
#[derive(Debug, Clone, PartialEq)]
pub enum HelpLine {
    Title(String),
    /// A key row (or its continuation, with empty `keys`): the keys padded to `key_width`.
    Row {
        keys: String,
        key_width: usize,
        text: String,
    },
    /// A legend row (or its continuation, with `glyph` `None`).
    Legend {
        glyph: Option<Glyph>,
        text: String,
    },
    Note(String),
    Blank,
}

/// The screens whose keys `?` lists first, in this order, when opened from `mode`.
fn first_screens(state: &State, mode: &Mode) -> &'static [&'static str] {
    match mode {
        Mode::Detail => &["detail"],
        Mode::Logs if picking_pod(state) => &["pods", "logs", "log_search"],
        Mode::Logs => &["logs", "pods", "log_search"],
        Mode::Editor => &["editor", "editor_text", "editor_search", "conflict"],
        Mode::Waves => &["waves", "confirm", "confirm_typed"],
        Mode::Findings => &["findings"],
        Mode::Audit => &["audit"],
        Mode::Reconcile => &["reconcile"],
        _ => &[],
    }
}

/// Whether the log view's pod picker is open (its keys are the ones in use).
fn picking_pod(state: &State) -> bool {
    state
        .screens
        .iter()
        .any(|s| matches!(s, Screen::Logs(v) if v.picker.is_some()))
}

/// The whole help for the screen it was opened from, laid out for `width` columns (inside the
/// border). No description is ever cut: long ones wrap, and when the keys leave too little room
/// the description goes under them.
pub fn lines(state: &State, width: usize) -> Vec<HelpLine> {
    lines_for(state, state.screens.behind_mode(), width)
}

/// The help as opened from a `from` screen.
fn lines_for(state: &State, from: Mode, width: usize) -> Vec<HelpLine> {
    let sections = state.settings.keymap.sections();
    let first = first_screens(state, &from);
    // The one key that works everywhere comes first, and how to get out of here.
    let close: Vec<String> = state
        .settings
        .keymap
        .help
        .keys(HelpAction::Close)
        .map(|c| c.display())
        .collect();
    let intro = format!(
        "ctrl-c quits from anywhere; {} closes this help.",
        close.join(" / ")
    );
    let mut out: Vec<HelpLine> = wrap(&intro, width)
        .into_iter()
        .map(HelpLine::Note)
        .collect();
    let add = |out: &mut Vec<HelpLine>, section: &HelpSection| {
        if !out.is_empty() {
            out.push(HelpLine::Blank);
        }
        out.extend(wrap(section.title, width).into_iter().map(HelpLine::Title));
        rows(out, &section.rows, width);
    };
    for s in first
        .iter()
        .filter_map(|name| sections.iter().find(|s| s.screen == *name))
    {
        add(&mut out, s);
    }
    if let Some(board) = sections.iter().find(|s| s.screen == "board") {
        add(&mut out, board);
    }
    out.push(HelpLine::Blank);
    let mouse = "Mouse: click a card to select it, click again for details; the wheel scrolls.";
    out.extend(wrap(mouse, width).into_iter().map(HelpLine::Note));
    out.push(HelpLine::Blank);
    out.push(HelpLine::Title("Symbols".to_owned()));
    let text_w = width.saturating_sub(2 + MAX_SYMBOL_WIDTH + 2).max(1);
    for glyph in legend::glyphs() {
        for (i, l) in wrap(glyph.meaning(), text_w).into_iter().enumerate() {
            out.push(HelpLine::Legend {
                glyph: (i == 0).then_some(glyph),
                text: l,
            });
        }
    }
    for s in sections
        .iter()
        .filter(|s| s.screen != "board" && !first.contains(&s.screen))
    {
        add(&mut out, s);
    }
    out
}

/// Key rows of one section: keys in one column, descriptions wrapped beside them; when the keys
/// are too wide for the width, each row puts its description under its keys.
fn rows(out: &mut Vec<HelpLine>, rows: &[(String, &'static str)], width: usize) {
    let key_width = rows.iter().map(|(k, _)| k.width()).max().unwrap_or(0) + 2;
    let beside = 2 + key_width + 16 <= width;
    for (keys, text) in rows {
        if beside {
            for (i, l) in wrap(text, width - 2 - key_width).into_iter().enumerate() {
                out.push(HelpLine::Row {
                    keys: if i == 0 { keys.clone() } else { String::new() },
                    key_width,
                    text: l,
                });
            }
        } else {
            for l in wrap(keys, width.saturating_sub(2).max(1)) {
                out.push(HelpLine::Row {
                    keys: l,
                    key_width: 0,
                    text: String::new(),
                });
            }
            for l in wrap(text, width.saturating_sub(4).max(1)) {
                out.push(HelpLine::Row {
                    keys: "  ".to_owned(),
                    key_width: 2,
                    text: l,
                });
            }
        }
    }
}

/// Word-wraps `text` to `width` columns; a word longer than a line is split.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for word in text.split_whitespace() {
        let w = word.width();
        if used > 0 && used + 1 + w > width {
            lines.push(std::mem::take(&mut line));
            used = 0;
        }
        if w > width {
            // Split a word that cannot fit on any line.
            for c in word.chars() {
                let cw = c.width().unwrap_or(0);
                if used + cw > width {
                    lines.push(std::mem::take(&mut line));
                    used = 0;
                }
                line.push(c);
                used += cw;
            }
            continue;
        }
        if used > 0 {
            line.push(' ');
            used += 1;
        }
        line.push_str(word);
        used += w;
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Where the help is drawn on a screen of `width`×`height`.
pub fn rect(area: Rect, content_lines: usize) -> Rect {
    let h = u16::try_from(content_lines + 2).unwrap_or(u16::MAX);
    super::layout::centered(area, MAX_WIDTH, h)
}

/// Rows inside the border of the help drawn on the current screen, and the lines it has.
fn geometry(state: &State) -> (usize, usize) {
    let area = Rect::new(0, 0, state.ui.width, state.ui.height);
    let inner_w = usize::from(MAX_WIDTH.min(area.width).saturating_sub(2));
    let n = lines(state, inner_w).len();
    let r = rect(area, n);
    (usize::from(r.height.saturating_sub(2)), n)
}

/// The furthest the help can scroll: its last line at the bottom.
pub fn max_scroll(state: &State) -> u16 {
    let (rows, n) = geometry(state);
    u16::try_from(n.saturating_sub(rows)).unwrap_or(u16::MAX)
}

/// Opens `?` over the current screen; closing it comes back there.
pub fn open(state: &mut State) {
    match state.screens.front_mut() {
        Screen::Help { scroll } => *scroll = 0,
        _ => state.screens.open(Screen::Help { scroll: 0 }),
    }
}

pub fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Some(action) = state.settings.keymap.help.action(&key) else {
        return Vec::new();
    };
    let page = u16::try_from(geometry(state).0.max(1)).unwrap_or(1);
    let max = max_scroll(state);
    let Screen::Help { scroll } = state.screens.front_mut() else {
        return Vec::new();
    };
    match action {
        HelpAction::Down => *scroll = scroll.saturating_add(1),
        HelpAction::Up => *scroll = scroll.saturating_sub(1),
        HelpAction::PageDown => *scroll = scroll.saturating_add(page),
        HelpAction::PageUp => *scroll = scroll.saturating_sub(page),
        HelpAction::Top => *scroll = 0,
        HelpAction::Bottom => *scroll = max,
        HelpAction::Close => {
            state.screens.back();
            return Vec::new();
        }
    }
    *scroll = (*scroll).min(max);
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_never_cuts_and_respects_the_width() {
        let text = "cancel the selected run (deletes its Jobs, keeps the record)";
        for width in 1..70 {
            let lines = wrap(text, width);
            for l in &lines {
                assert!(l.width() <= width, "{width}: {l:?}");
            }
            let joined: String = lines.concat().split_whitespace().collect();
            let want: String = text.split_whitespace().collect();
            assert_eq!(joined, want, "nothing lost at {width}");
        }
        assert_eq!(wrap("", 10), vec![String::new()]);
    }

    #[test]
    fn every_help_line_fits_down_to_40_columns() {
        let state = State::new(Default::default(), Default::default(), chrono::Utc::now());
        for mode in [
            Mode::Board,
            Mode::Logs,
            Mode::Editor,
            Mode::Waves,
            Mode::Audit,
            Mode::Reconcile,
        ] {
            for width in [38, 60, 82] {
                for l in lines_for(&state, mode, width) {
                    let w = match &l {
                        HelpLine::Title(t) | HelpLine::Note(t) => t.width(),
                        HelpLine::Row {
                            keys,
                            key_width,
                            text,
                        } => 2 + (*key_width).max(keys.width()) + text.width(),
                        HelpLine::Legend { text, .. } => 2 + MAX_SYMBOL_WIDTH + 2 + text.width(),
                        HelpLine::Blank => 0,
                    };
                    assert!(w <= width, "{width}: {l:?}");
                }
            }
        }
    }
}
