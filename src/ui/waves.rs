//! The wave planner and the confirmations of mutating actions.
use super::editor::finding_lines;
use super::theme::Theme;
use crate::app::layout;
use crate::app::msg::LaunchOutcome;
use crate::app::state::State;
use crate::app::waves;
use crate::domain::checks::Severity;
use crate::domain::pr::PrState;
use crate::domain::sanitize;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

pub fn draw_planner(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    frame.render_widget(Clear, area);
    let Some(view) = state.screens.waves() else {
        return;
    };
    let all = waves::waves(state);
    let keys = state.settings.keymap.waves.footer();
    let outer =
        super::pane::focused(theme, " Wave planner ", &keys, area.width).style(theme.base());
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    if inner.width < 10 || inner.height < 3 {
        return;
    }
    let [list, detail] =
        Layout::horizontal([Constraint::Percentage(32), Constraint::Min(10)]).areas(inner);

    let mut lines = Vec::new();
    if all.is_empty() {
        lines.push(Line::from(Span::styled(
            "no work items with a wave yet",
            theme.muted(),
        )));
    }
    let pr_states = waves::item_pr_states(state);
    for (i, wave) in all.iter().enumerate() {
        let approved = wave
            .items
            .iter()
            .filter(|w| state.approval_of(w).is_approved())
            .count();
        let merged = wave
            .items
            .iter()
            .filter(|w| pr_states.get(&w.key) == Some(&PrState::Merged))
            .count();
        let style = if i == view.selected {
            theme.selected()
        } else {
            Style::default()
        };
        lines.push(Line::from(Span::styled(
            format!(
                "{} Wave {} · {}",
                if i == view.selected { "▶" } else { " " },
                wave.number,
                wave.title
            ),
            style,
        )));
        lines.push(Line::from(Span::styled(
            format!(
                "    {} item(s) · {approved} approved · {merged} merged",
                wave.items.len()
            ),
            theme.muted(),
        )));
    }
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::bordered()
                .border_style(Style::default().fg(theme.border))
                .title(" Waves "),
        ),
        list,
    );

    let Some(wave) = all.get(view.selected) else {
        return;
    };
    let mut lines: Vec<Line> = Vec::new();
    lines.push(Line::from(Span::styled(
        format!("Wave {} · {}", wave.number, wave.title),
        Style::default()
            .fg(theme.accent)
            .add_modifier(Modifier::BOLD),
    )));
    // Names padded to the longest of the wave, not a fixed column: an 80-column planner keeps
    // each item's approval and PR state on its line.
    let name_width = wave
        .items
        .iter()
        .map(|i| sanitize::one_line(&i.key.name).width())
        .max()
        .unwrap_or(0)
        .min(40);
    let room = usize::from(detail.width.saturating_sub(2));
    for item in &wave.items {
        let approval = super::board::approval_badge(&state.approval_of(item), theme);
        let pr = match pr_states.get(&item.key) {
            Some(s) => s.label().to_owned(),
            None => "no PR".into(),
        };
        let mut row = Line::from(vec![
            Span::styled(
                format!("  {:<2}", item.lane.as_deref().unwrap_or("?")),
                Style::default().fg(theme.accent),
            ),
            Span::styled(
                format!("{:<name_width$}  ", sanitize::one_line(&item.key.name)),
                Style::default().add_modifier(Modifier::BOLD),
            ),
            approval,
        ]);
        let pr = Span::styled(format!("  {pr}"), theme.muted());
        let head = Span::styled(
            format!("  ⎇ {}", sanitize::one_line(item.head().unwrap_or("—"))),
            theme.muted(),
        );
        // What does not fit goes to a line of its own, whole: never a PR state or a head
        // wrapped away from the item it belongs to.
        let mut next = Line::from(Span::raw("    "));
        for part in [pr, head] {
            if next.spans.len() == 1 && row.width() + part.width() <= room {
                row.spans.push(part);
            } else {
                next.spans.push(part);
            }
        }
        lines.push(row);
        if next.spans.len() > 1 {
            lines.push(next);
        }
    }
    lines.push(Line::default());
    let findings = waves::gates(state, &all, view.selected, &view.overrides);
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    if errors == 0 {
        let manifests = waves::manifests(state, wave, &view.overrides);
        lines.push(Line::from(Span::styled(
            format!(
                "✔ gates pass — {} creates {} AgentRun(s):",
                state
                    .settings
                    .keymap
                    .waves
                    .key_hint(crate::app::keymap::WavesAction::Launch),
                manifests.len()
            ),
            Style::default().fg(theme.ok),
        )));
        for m in &manifests {
            lines.push(Line::from(Span::styled(
                format!("    {}", m["metadata"]["name"].as_str().unwrap_or_default()),
                theme.muted(),
            )));
        }
    } else {
        lines.push(Line::from(Span::styled(
            format!("✘ launch refused: {errors} gate(s) fail"),
            Style::default()
                .fg(theme.error)
                .add_modifier(Modifier::BOLD),
        )));
    }
    lines.extend(
        finding_lines(&findings, theme, true, detail.width.saturating_sub(2))
            .into_iter()
            .filter(|_| !findings.is_empty()),
    );
    if view.overrides.unmerged_previous_wave || view.overrides.prompt {
        lines.push(Line::default());
        if view.overrides.unmerged_previous_wave {
            lines.push(Line::from(Span::styled(
                "⚠ override armed: launch before the previous wave merged",
                Style::default().fg(theme.warning),
            )));
        }
        if view.overrides.prompt {
            lines.push(Line::from(Span::styled(
                "⚠ prompt override: a prompt parameter replaces the spec text",
                Style::default().fg(theme.warning),
            )));
        }
    }
    if !view.progress.is_empty() {
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(
            "Launch",
            Style::default()
                .fg(theme.accent)
                .add_modifier(Modifier::BOLD),
        )));
        for row in &view.progress {
            let (text, color) = match &row.outcome {
                None => ("creating…".to_owned(), theme.muted),
                Some(LaunchOutcome::Created) => ("created".to_owned(), theme.ok),
                Some(LaunchOutcome::Exists) => ("exists (already launched)".to_owned(), theme.ok),
                Some(LaunchOutcome::Failed(e)) => {
                    (format!("failed: {}", sanitize::one_line(e)), theme.error)
                }
            };
            lines.push(Line::from(vec![
                Span::raw(format!("  {:<2}{:<40} ", row.lane, row.name)),
                Span::styled(text, Style::default().fg(color)),
            ]));
        }
        if view
            .progress
            .iter()
            .any(|r| matches!(r.outcome, Some(LaunchOutcome::Failed(_))))
        {
            lines.push(Line::from(Span::styled(
                "L again creates only what is missing.",
                theme.muted(),
            )));
        }
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((view.scroll, 0))
            .block(
                Block::bordered()
                    .border_style(Style::default().fg(theme.border))
                    .title(" Items, gates, launch "),
            ),
        detail,
    );
}

pub fn draw_confirm(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(confirm) = state.screens.confirm() else {
        return;
    };
    let mut lines: Vec<Line> = confirm
        .lines
        .iter()
        .map(|l| Line::from(sanitize::one_line(l)))
        .collect();
    lines.push(Line::default());
    lines.push(match confirm.typed_word {
        Some(word) => Line::from(vec![
            Span::styled(
                format!("type {word:?}: "),
                Style::default().fg(theme.warning),
            ),
            Span::styled(
                format!("{}▏", sanitize::one_line(&confirm.typed)),
                Style::default().add_modifier(Modifier::BOLD),
            ),
            Span::styled(
                format!(
                    " {}",
                    super::footer::line(&state.settings.keymap.confirm_typed.footer(), 60)
                ),
                theme.muted(),
            ),
        ]),
        None => Line::from(Span::styled(
            super::footer::line(&state.settings.keymap.confirm.footer(), 60)
                .trim()
                .to_owned(),
            Style::default().fg(theme.warning),
        )),
    });
    let width = lines
        .iter()
        .map(Line::width)
        .max()
        .unwrap_or(20)
        .max(confirm.title.chars().count() + 4) as u16
        + 4;
    let rect = layout::centered(area, width.min(110), lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .style(theme.base())
            .block(
                Block::bordered()
                    .border_type(BorderType::Thick)
                    .border_style(Style::default().fg(theme.warning))
                    .title(Span::styled(
                        format!(" {} ", confirm.title),
                        Style::default()
                            .fg(theme.warning)
                            .add_modifier(Modifier::BOLD),
                    )),
            ),
        rect,
    );
}
