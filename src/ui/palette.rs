//! The `:` command palette: the typed line, the fuzzy-matched completions, and errors.
use super::theme::Theme;
use crate::app::palette::{self, COMMANDS};
use crate::app::state::State;
use crate::domain::sanitize;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

const MAX_SHOWN: usize = 8;

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(p) = state.screens.palette() else {
        return;
    };
    let found = palette::matches(state, &p.input);
    let mut lines = vec![Line::from(vec![
        Span::styled(
            ":",
            Style::default()
                .fg(theme.accent)
                .add_modifier(Modifier::BOLD),
        ),
        Span::styled(
            format!("{}▏", sanitize::one_line(&p.input)),
            Style::default().add_modifier(Modifier::BOLD),
        ),
    ])];
    if let Some(e) = &p.error {
        lines.push(Line::from(Span::styled(
            sanitize::one_line(e),
            Style::default().fg(theme.error),
        )));
    }
    let start = p.selected.saturating_sub(MAX_SHOWN - 1);
    for (i, c) in found.iter().enumerate().skip(start).take(MAX_SHOWN) {
        let name = c.split_whitespace().next().unwrap_or("");
        let what = COMMANDS
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, _, d)| *d)
            .unwrap_or("");
        let style = if i == p.selected {
            theme.selected()
        } else {
            Style::default()
        };
        lines.push(Line::from(vec![
            Span::styled(format!(" {c:<32}"), style),
            Span::styled(format!(" {what}"), theme.muted()),
        ]));
    }
    if found.is_empty() {
        lines.push(Line::from(Span::styled(
            " no matching command",
            theme.muted(),
        )));
    }
    let height = (lines.len() as u16 + 2).min(area.height);
    let rect = Rect {
        x: area.x,
        y: area.y + area.height.saturating_sub(height),
        width: area.width,
        height,
    };
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .style(theme.base())
            .block(super::pane::frame(
                theme,
                Span::styled(" Command ", Style::default().fg(theme.accent)),
                super::footer::bordered(&state.settings.keymap.palette.footer(), rect.width),
            )),
        rect,
    );
}
