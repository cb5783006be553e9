//! Overlays of the work item flows: the findings pane (validate, refused approval) and the offer
//! to restore drafts an earlier session left.
use super::editor::finding_lines;
use super::theme::Theme;
use crate::app::layout;
use crate::app::state::State;
use crate::domain::sanitize;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};

pub fn draw_findings(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(view) = state.screens.findings() else {
        return;
    };
    let rect = layout::centered(area, 90, area.height.saturating_sub(2).max(3));
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(finding_lines(
            &view.findings,
            theme,
            false,
            rect.width.saturating_sub(2),
        ))
        .wrap(Wrap { trim: false })
        .scroll((view.scroll, 0))
        .style(theme.base())
        .block(super::pane::focused(
            theme,
            format!(" {} ", sanitize::one_line(&view.title)),
            &state.settings.keymap.findings.footer(),
            rect.width,
        )),
        rect,
    );
}

pub fn draw_drafts(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let mut lines = vec![
        Line::from("Unsaved work item drafts from an earlier session:"),
        Line::default(),
    ];
    for (i, d) in state
        .screens
        .drafts()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let marker = if i == 0 { "▶ " } else { "  " };
        lines.push(Line::from(vec![
            Span::styled(marker.to_owned(), Style::default().fg(theme.accent)),
            Span::styled(
                format!(
                    "{}/{}",
                    d.namespace,
                    if d.name.is_empty() {
                        "(unnamed)"
                    } else {
                        &d.name
                    }
                ),
                Style::default().add_modifier(Modifier::BOLD),
            ),
            Span::styled(
                format!(
                    "  lane {} · {} characters",
                    d.lane.as_deref().unwrap_or("?"),
                    d.text.chars().count()
                ),
                theme.muted(),
            ),
        ]));
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        format!(
            "{}(drafts stay on disk)",
            super::footer::line(
                &state.settings.keymap.drafts.footer(),
                usize::from(area.width)
            )
            .trim_start()
        ),
        Style::default().fg(theme.accent),
    )));
    let rect = layout::centered(area, 72, lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).style(theme.base()).block(
            Block::bordered()
                .border_type(BorderType::Thick)
                .border_style(Style::default().fg(theme.warning))
                .title(Span::styled(
                    " Restore drafts? ",
                    Style::default().fg(theme.warning),
                )),
        ),
        rect,
    );
}
