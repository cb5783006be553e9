//! The status line (context, namespace, connection, last event); the title bar is `title.rs`.
use super::fmt::{duration, fit};
use super::theme::Theme;
use crate::app::msg::ConnState;
use crate::app::state::State;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw_status(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    if area.height == 0 {
        return;
    }
    let style = Style::default().fg(theme.status_fg).bg(theme.status_bg);
    let ns = state
        .origin
        .namespace
        .as_deref()
        .unwrap_or("all namespaces");
    let (dot, conn_text, conn_color) = match state.overall_connection() {
        ConnState::Connected => ("●", "connected".to_owned(), theme.ok),
        ConnState::Connecting => ("◌", "connecting…".to_owned(), theme.warning),
        ConnState::Reconnecting(e) => ("◌", format!("reconnecting: {e}"), theme.warning),
        ConnState::Failed(e) => ("✘", format!("error: {e}"), theme.error),
    };
    let last = match state.last_event_at {
        Some(t) => format!("last event {} ago", duration(state.now - t)),
        None => "no events yet".into(),
    };
    let counts = format!("{} runs · {} items", state.runs.len(), state.items.len());
    let left = format!(" {} · {} ", state.origin.context, ns);
    // Optional segments, dropped from the right when the line is too narrow; the connection
    // state is never dropped (it may be cut).
    let mut tail = vec![
        format!(" │ {last}"),
        format!(" │ {counts}"),
        format!(
            " │{}",
            super::footer::line(&state.keymap.board.footer(), usize::MAX).trim_end()
        ),
    ];
    let github = super::pr::status_segment(state, theme);
    if let Some((text, _)) = &github {
        tail.insert(0, text.clone());
    }
    let notice = super::pr::notice_segment(state);
    if let Some(text) = &notice {
        tail = vec![text.clone()];
    }
    let width = usize::from(area.width);
    let conn_min = conn_text.chars().count().min(24) + 2;
    while !tail.is_empty()
        && left.chars().count() + conn_min + tail.iter().map(|t| t.chars().count()).sum::<usize>()
            > width
    {
        tail.pop();
    }
    if let Some(text) = notice.as_ref().filter(|_| tail.is_empty()) {
        // A notice (such as the URL `o` could not open) is cut, never dropped.
        tail.push(fit(
            text,
            width.saturating_sub(left.chars().count() + conn_min),
        ));
    }
    let used = left.chars().count() + 2 + tail.iter().map(|t| t.chars().count()).sum::<usize>();
    let conn = fit(
        &crate::domain::sanitize::one_line(&conn_text),
        width.saturating_sub(used),
    );
    let mut spans = vec![
        Span::styled(left, style.add_modifier(Modifier::BOLD)),
        Span::styled(format!("{dot} "), style.fg(conn_color)),
        Span::styled(conn, style.fg(conn_color)),
    ];
    spans.extend(tail.into_iter().map(|t| {
        let color = match &github {
            _ if notice.is_some() => Some(theme.accent),
            Some((text, color)) if *text == t => Some(*color),
            _ => None,
        };
        Span::styled(t, color.map_or(style, |c| style.fg(c)))
    }));
    let line = Line::from(spans);
    frame.render_widget(Paragraph::new(line).style(style), area);
}
