//! The audit on screen: the card flag (`⚠ 3 outside lane`, or what kept the files from being
//! read), the lane header's drift count, the detail pane's changed-files section, and the audit
//! view (conflict matrix and merge train).
use super::theme::Theme;
use crate::app::audit::{Tab, rows};
use crate::app::board::{Card, CardId, Column};
use crate::app::state::State;
use crate::domain::sanitize;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

/// The card's audit flag: drift first, else the fault that kept its files unknown.
pub fn card_flag(card: &Card, state: &State) -> Option<String> {
    let CardId::Run(key) = &card.id else {
        return None;
    };
    let report = state.audit.run(key)?;
    if let Some(badge) = report.badge() {
        return Some(badge);
    }
    if let Some(fault) = &report.fault {
        return Some(format!("⚠ {}", fault.short()));
    }
    if report.truncated {
        return Some("⚠ 3000+ files".into());
    }
    None
}

/// `⚠2 drift` in the lane header.
pub fn lane_spans(state: &State, column: &Column, theme: &Theme) -> Vec<Span<'static>> {
    let n = crate::app::audit::column_drift(state, column);
    if n == 0 {
        return Vec::new();
    }
    vec![Span::styled(
        format!(" ⚠{n} drift"),
        Style::default()
            .fg(theme.warning)
            .add_modifier(Modifier::BOLD),
    )]
}

/// The detail pane's section on a run's changed files: source, faults, drift (each file with the
/// rules it breaks), and the runs it shares files with.
pub fn detail_lines(
    out: &mut Vec<Line<'static>>,
    key: &crate::domain::ObjectKey,
    state: &State,
    theme: &Theme,
) {
    let heading = |t: &str| {
        Line::from(Span::styled(
            t.to_owned(),
            Style::default()
                .fg(theme.accent)
                .add_modifier(Modifier::BOLD),
        ))
    };
    let Some(report) = state.audit.run(key) else {
        return;
    };
    out.push(Line::from(""));
    out.push(heading("Changed files"));
    let safe = sanitize::one_line;
    match (&report.source, &report.head_sha) {
        (Some(source), Some(sha)) => out.push(Line::from(format!(
            "  {} file{} from {} at {} ({} renamed, {} binary)",
            report.files,
            if report.files == 1 { "" } else { "s" },
            source_label(*source),
            &sha[..sha.len().min(12)],
            report.renamed_files,
            report.binary_files
        ))),
        _ => out.push(Line::from(Span::styled("  not read yet", theme.muted()))),
    }
    if let Some(fault) = &report.fault {
        out.push(Line::from(Span::styled(
            format!("  ⚠ {}", safe(&fault.to_string())),
            Style::default().fg(theme.error),
        )));
    }
    if report.truncated {
        out.push(Line::from(Span::styled(
            "  ⚠ GitHub lists at most 3,000 files: this PR may change more (configure [audit] repo for the full list)",
            Style::default().fg(theme.warning),
        )));
    }
    if let Some([old, new]) = &report.force_pushed {
        out.push(Line::from(Span::styled(
            format!(
                "  ⚠ force-pushed: {} → {} (earlier findings were for the old head)",
                &old[..old.len().min(12)],
                &new[..new.len().min(12)]
            ),
            Style::default().fg(theme.warning),
        )));
    }
    if report.drift.is_empty() && report.source.is_some() {
        out.push(Line::from(Span::styled(
            "  ✓ every file inside the lane and the work item's paths",
            Style::default().fg(theme.ok),
        )));
    }
    for d in &report.drift {
        out.push(Line::from(Span::styled(
            format!("  ⚠ {}", safe(&d.path)),
            Style::default().fg(theme.warning),
        )));
        for r in &d.rules {
            out.push(Line::from(Span::styled(
                format!("      {}: {}", r.rule.label(), safe(&r.why)),
                theme.muted(),
            )));
        }
    }
    for pair in state.audit.report().conflicts_of(&report.run) {
        let other = if pair.first == report.run {
            &pair.second
        } else {
            &pair.first
        };
        let verdict = match pair.textual {
            Some(true) => "conflicts with",
            Some(false) => "shares files (merges cleanly) with",
            None => "shares files with",
        };
        out.push(Line::from(Span::styled(
            format!(
                "  ⇄ {verdict} {other} ({} file{}), {} merges first",
                pair.files.len(),
                if pair.files.len() == 1 { "" } else { "s" },
                pair.first
            ),
            Style::default().fg(if pair.textual == Some(false) {
                theme.muted
            } else {
                theme.error
            }),
        )));
    }
}

fn source_label(source: crate::domain::audit::ChangeSource) -> &'static str {
    source.label()
}

/// The audit view: the conflict matrix or the merge train, selectable rows that jump.
pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(screen) = state.screens.audit() else {
        return;
    };
    frame.render_widget(Clear, area);
    let tab = |t: Tab, name: &str| {
        if screen.tab == t {
            Span::styled(
                format!(" [{name}] "),
                Style::default()
                    .fg(theme.accent)
                    .add_modifier(Modifier::BOLD),
            )
        } else {
            Span::styled(format!("  {name}  "), theme.muted())
        }
    };
    let scope = match screen.wave {
        Some(w) => format!(" wave {w} "),
        None => " all waves ".into(),
    };
    let title = Line::from(vec![
        Span::styled(" Audit ", super::pane::title_style(theme)),
        tab(Tab::Conflicts, "conflict matrix"),
        tab(Tab::Train, "merge train"),
        Span::styled(scope, theme.muted()),
    ]);
    let bottom = format!(
        "{}· {} ",
        super::footer::line(
            &state.settings.keymap.audit.footer(),
            usize::from(area.width) / 2
        ),
        state.audit.status.as_deref().unwrap_or("auditor: waiting")
    );
    let block = super::pane::frame(theme, title, bottom).style(theme.base());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let all = rows(state);
    let height = usize::from(inner.height);
    let offset = screen.selected.saturating_sub(height.saturating_sub(1));
    let lines: Vec<Line> = all
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, row)| {
            let mut style = if row.warn {
                Style::default().fg(theme.warning)
            } else if row.heading {
                Style::default().add_modifier(Modifier::BOLD)
            } else {
                Style::default()
            };
            if i == screen.selected && !row.heading {
                style = theme.selected();
            }
            Line::from(Span::styled(sanitize::one_line(&row.text), style))
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
