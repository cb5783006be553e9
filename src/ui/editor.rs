//! The work item editor: fields on the side, the selected section's text, findings live beside it.
use super::theme::Theme;
use crate::app::editor::{Editor, Focus};
use crate::app::state::State;
use crate::domain::checks::{Finding, Severity};
use crate::domain::sanitize;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(editor) = state.screens.editor() else {
        return;
    };
    frame.render_widget(Clear, area);
    if area.width < 20 || area.height < 6 {
        frame.render_widget(Paragraph::new("editor: enlarge the terminal"), area);
        return;
    }
    let title = format!(
        " {} {} · lane {}{} ",
        if editor.is_new {
            "New work item"
        } else {
            "Edit"
        },
        editor.name(),
        editor.lane.as_deref().unwrap_or("?"),
        if editor.changed { " · modified" } else { "" },
    );
    let keys = if editor.conflict.is_some() {
        state.settings.keymap.conflict.footer()
    } else if editor.focus == crate::app::editor::Focus::Text {
        state.settings.keymap.editor_text.footer()
    } else {
        state.settings.keymap.editor.footer()
    };
    let outer = super::pane::focused(theme, title, &keys, area.width).style(theme.base());
    let inner = outer.inner(area);
    frame.render_widget(outer, area);

    let [body, message] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    let wide = body.width >= 100;
    let (fields_w, findings_w) = if wide { (26, 40) } else { (20, 0) };
    let [fields, text, findings] = Layout::horizontal([
        Constraint::Length(fields_w.min(body.width / 3)),
        Constraint::Min(10),
        Constraint::Length(findings_w),
    ])
    .areas(body);

    draw_fields(frame, fields, editor, theme);
    if let Some(conflict) = &editor.conflict {
        draw_conflict(frame, text, editor, &conflict.theirs.text, theme);
    } else {
        draw_text(frame, text, editor, theme);
    }
    if findings_w > 0 {
        draw_findings(frame, findings, &editor.findings, theme);
    }
    let line = match (&editor.search, &editor.message) {
        (Some(q), _) => Line::from(Span::styled(
            format!(
                "search (regex): {q}▏{}",
                super::footer::line(
                    &state.settings.keymap.editor_search.footer(),
                    usize::from(area.width)
                )
            ),
            Style::default().fg(theme.accent),
        )),
        (None, Some(m)) => Line::from(Span::styled(
            sanitize::one_line(m),
            Style::default().fg(theme.warning),
        )),
        (None, None) => {
            let errors = editor
                .findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .count();
            let text = if editor.findings.is_empty() {
                "all checks pass".to_owned()
            } else {
                format!(
                    "{errors} error(s), {} warning(s)",
                    editor.findings.len() - errors
                )
            };
            Line::from(Span::styled(
                text,
                Style::default().fg(if errors > 0 { theme.error } else { theme.ok }),
            ))
        }
    };
    frame.render_widget(Paragraph::new(line), message);
}

fn draw_fields(frame: &mut Frame, area: Rect, editor: &Editor, theme: &Theme) {
    let mut lines = Vec::new();
    let name_label = format!("Name: {}", editor.name());
    let rows = std::iter::once((name_label, None)).chain(
        editor
            .sections
            .iter()
            .map(|s| (s.title.clone(), s.kind.map(|k| k.title()))),
    );
    for (i, (label, kind_title)) in rows.enumerate() {
        let errors = editor
            .findings
            .iter()
            .filter(|f| {
                f.severity == Severity::Error
                    && kind_title.is_some()
                    && f.section.as_deref() == kind_title
            })
            .count();
        let marker = if i == editor.row { "▶ " } else { "  " };
        let mut style = Style::default();
        if i == editor.row {
            style = if editor.focus == Focus::Fields {
                theme.selected()
            } else {
                style.add_modifier(Modifier::BOLD)
            };
        }
        let mut spans = vec![Span::styled(
            format!("{marker}{}", sanitize::one_line(&label)),
            style,
        )];
        if errors > 0 {
            spans.push(Span::styled(
                format!(" ✘{errors}"),
                Style::default().fg(theme.error),
            ));
        }
        lines.push(Line::from(spans));
    }
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::bordered()
                .border_style(Style::default().fg(theme.border))
                .title(" Fields "),
        ),
        area,
    );
}

fn draw_text(frame: &mut Frame, area: Rect, editor: &Editor, theme: &Theme) {
    let (title, textarea) = match editor.row {
        0 => ("Name".to_owned(), &editor.name),
        r => {
            let s = &editor.sections[(r - 1).min(editor.sections.len().saturating_sub(1))];
            (s.title.clone(), &s.area)
        }
    };
    let focused = editor.focus == Focus::Text;
    let block = Block::bordered()
        .border_style(Style::default().fg(if focused {
            theme.border_focused
        } else {
            theme.border
        }))
        .title(Span::styled(
            format!(" {} ", sanitize::one_line(&title)),
            Style::default().fg(theme.accent),
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    // The text area draws the operator's own typing; control characters are made visible first
    // only in the other views (typed text cannot hold escape sequences from the cluster here,
    // but a loaded item can: show a sanitized copy until the operator starts typing).
    if focused {
        frame.render_widget(textarea, inner);
    } else {
        let text: Vec<Line> = textarea
            .lines()
            .iter()
            .map(|l| Line::from(sanitize::display(l)))
            .collect();
        frame.render_widget(Paragraph::new(text), inner);
    }
}

fn draw_conflict(frame: &mut Frame, area: Rect, editor: &Editor, theirs: &str, theme: &Theme) {
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(area);
    let yours = editor.text();
    for (rect, title, text, color) in [
        (left, " yours ", yours.as_str(), theme.accent),
        (right, " theirs (on the server) ", theirs, theme.warning),
    ] {
        frame.render_widget(
            Paragraph::new(sanitize::display(text))
                .wrap(Wrap { trim: false })
                .block(
                    Block::bordered()
                        .border_style(Style::default().fg(color))
                        .title(Span::styled(title, Style::default().fg(color))),
                ),
            rect,
        );
    }
}

fn draw_findings(frame: &mut Frame, area: Rect, findings: &[Finding], theme: &Theme) {
    let lines = finding_lines(findings, theme, false, area.width.saturating_sub(2));
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::bordered()
                .border_style(Style::default().fg(theme.border))
                .title(" Findings "),
        ),
        area,
    );
}

/// Findings as lines: severity, where (section:line), what, and the fix.
/// The findings as lines of at most `width` columns: message and fix wrapped under their own
/// indent, so a long one reads as one block instead of running back to the pane's edge.
pub fn finding_lines(
    findings: &[Finding],
    theme: &Theme,
    with_item: bool,
    width: u16,
) -> Vec<Line<'static>> {
    if findings.is_empty() {
        return vec![Line::from(Span::styled(
            "✔ all checks pass",
            Style::default().fg(theme.ok),
        ))];
    }
    let mut lines = Vec::new();
    for f in findings {
        let (sym, color) = match f.severity {
            Severity::Error => ("✘", theme.error),
            Severity::Warning => ("!", theme.warning),
        };
        let place = match (&f.section, f.line) {
            (Some(s), Some(l)) => format!("{s}, line {l}"),
            (Some(s), None) => s.clone(),
            (None, Some(l)) => format!("line {l}"),
            (None, None) => f.check.to_string(),
        };
        let place = if with_item {
            format!("{} · {place}", f.item)
        } else {
            place
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{sym} "), Style::default().fg(color)),
            Span::styled(place, Style::default().add_modifier(Modifier::BOLD)),
        ]));
        let hanging = |first: &str, rest: &str, text: &str, style: Style| {
            let room = usize::from(width).saturating_sub(first.width()).max(8);
            crate::app::help::wrap(&sanitize::one_line(text), room)
                .into_iter()
                .enumerate()
                .map(move |(i, l)| {
                    Line::from(Span::styled(
                        format!("{}{l}", if i == 0 { first } else { rest }),
                        style,
                    ))
                })
                .collect::<Vec<_>>()
        };
        lines.extend(hanging("  ", "  ", &f.message, Style::default()));
        lines.extend(hanging("  fix: ", "       ", &f.fix, theme.muted()));
    }
    lines
}
