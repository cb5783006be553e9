//! `?`: every screen's keys (from the tables that dispatch them) and the symbol legend (from the
//! theme), wrapped to the width by [`crate::app::help::lines`]; nothing is ever cut.
use super::theme::Theme;
use crate::app::help::{self, HelpLine};
use crate::app::legend::MAX_SYMBOL_WIDTH;
use crate::app::state::State;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use unicode_width::UnicodeWidthStr;

fn styled(line: HelpLine, theme: &Theme) -> Line<'static> {
    match line {
        HelpLine::Title(t) => Line::from(Span::styled(
            t,
            Style::default()
                .fg(theme.accent)
                .add_modifier(Modifier::BOLD),
        )),
        HelpLine::Row {
            keys,
            key_width,
            text,
        } => Line::from(vec![
            Span::styled(
                format!("  {keys:<key_width$}"),
                Style::default().fg(theme.accent),
            ),
            Span::raw(text),
        ]),
        HelpLine::Legend { glyph, text } => {
            let (symbol, color) =
                glyph.map_or((String::new(), theme.foreground), |g| theme.glyph(g));
            let pad = (MAX_SYMBOL_WIDTH + 2).saturating_sub(symbol.width());
            Line::from(vec![
                Span::raw("  "),
                Span::styled(symbol, Style::default().fg(color)),
                Span::raw(" ".repeat(pad)),
                Span::raw(text),
            ])
        }
        HelpLine::Note(t) => Line::from(Span::styled(t, theme.muted())),
        HelpLine::Blank => Line::default(),
    }
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let inner_w = usize::from(help::MAX_WIDTH.min(area.width).saturating_sub(2));
    let lines = help::lines(state, inner_w);
    let rect = help::rect(area, lines.len());
    let max_scroll = lines
        .len()
        .saturating_sub(usize::from(rect.height.saturating_sub(2)));
    let scroll = state
        .screens
        .help_scroll()
        .unwrap_or(0)
        .min(u16::try_from(max_scroll).unwrap_or(u16::MAX));
    let lines: Vec<Line> = lines.into_iter().map(|l| styled(l, theme)).collect();
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .scroll((scroll, 0))
            .style(theme.base())
            .block(super::pane::frame(
                theme,
                Span::styled(" Help ", Style::default().fg(theme.accent)),
                super::footer::bordered(&state.settings.keymap.help.footer(), rect.width),
            )),
        rect,
    );
}
