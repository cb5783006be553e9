//! `?`: every key binding, generated from the keymap that dispatches them.
use super::theme::Theme;
use crate::app::layout;
use crate::app::state::State;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};

/// A titled block of help rows: keys aligned in one column, what they do beside them.
pub fn section(
    title: &str,
    rows: Vec<(String, &'static str)>,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let key_w = rows
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0)
        + 2;
    let mut lines = vec![Line::from(Span::styled(
        title.to_owned(),
        Style::default()
            .fg(theme.accent)
            .add_modifier(Modifier::BOLD),
    ))];
    for (keys, what) in rows {
        lines.push(Line::from(vec![
            Span::styled(
                format!("  {keys:<key_w$}"),
                Style::default().fg(theme.accent),
            ),
            Span::raw(what),
        ]));
    }
    lines
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let mut lines = section("Board", state.keymap.help_rows(), theme);
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        "Mouse: click a card to select it, click again for details;",
        theme.muted(),
    )));
    lines.push(Line::from(Span::styled(
        "the wheel scrolls.",
        theme.muted(),
    )));
    super::logs::add_help(&mut lines, state, theme);
    let rect = layout::centered(area, 72, lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .scroll((state.ui.help_scroll, 0))
            .style(theme.base())
            .block(
                Block::bordered()
                    .border_type(BorderType::Thick)
                    .border_style(Style::default().fg(theme.border_focused))
                    .title(Span::styled(" Help ", Style::default().fg(theme.accent)))
                    .title_bottom(Span::styled(
                        " j/k scroll · esc / ? close · ctrl-c quit ",
                        theme.muted(),
                    )),
            ),
        rect,
    );
}
