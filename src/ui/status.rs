//! The status line (context, namespace, connection, last event); the title bar is `title.rs`.
use super::fmt::fit;
use super::theme::Theme;
use crate::app::freshness;
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
        .cluster
        .origin
        .namespace
        .as_deref()
        .unwrap_or("all namespaces");
    let (overall, conn_text) = connection_text(state);
    let (dot, conn_color) = match overall {
        ConnState::Connected => ("●", theme.ok),
        ConnState::Connecting | ConnState::Reconnecting(_) => ("◌", theme.warning),
        ConnState::Failed(_) => ("✘", theme.error),
    };
    let stale: Vec<String> = freshness::stale_sources(state)
        .iter()
        .map(|s| {
            let age = crate::domain::clock::age(state.now, s.since);
            if s.old {
                format!("{} {age} old", s.label)
            } else {
                format!("{} {age}", s.label)
            }
        })
        .collect();
    let last = match state.cluster.last_event_at {
        Some(t) => format!("last event {} ago", crate::domain::clock::age(state.now, t)),
        None => "no events yet".into(),
    };
    let counted =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let counts = format!(
        "{} · {}",
        counted(state.cluster.runs.len(), "run", "runs"),
        counted(state.cluster.items.len(), "item", "items")
    );
    let left = format!(" {} · {} ", state.cluster.origin.context, ns);
    // Optional segments, dropped from the right when the line is too narrow; the connection
    // state is never dropped (it may be cut).
    let mut tail: Vec<String> = stale.iter().map(|s| format!(" │ ⚠ {s}")).collect();
    tail.extend([
        format!(" │ {last}"),
        format!(" │ {counts}"),
        format!(
            " │{}",
            super::footer::line(&state.settings.keymap.board.footer(), usize::MAX).trim_end()
        ),
    ]);
    let github = super::pr::status_segment(state, theme);
    if let Some((text, _)) = &github {
        tail.insert(stale.len(), text.clone());
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
            _ if t.starts_with(" │ ⚠ ") => Some(theme.warning),
            Some((text, color)) if *text == t => Some(*color),
            _ => None,
        };
        Span::styled(t, color.map_or(style, |c| style.fg(c)))
    }));
    let line = Line::from(spans);
    frame.render_widget(Paragraph::new(line).style(style), area);
}

/// What the status line says about the connection: the overall state and the words after its
/// symbol — "connected", "connecting: listing agentruns (2,000 so far)", "reconnecting 12s: waiting
/// for the API server's agentruns cache to warm up (…)".
pub fn connection_text(state: &State) -> (ConnState, String) {
    let overall = state.overall_connection();
    let first = |pred: &dyn Fn(&ConnState) -> bool| {
        state
            .cluster
            .connection
            .iter()
            .find(|(_, c)| pred(c))
            .and_then(|(k, _)| state.freshness.watches.get(k))
    };
    // How long it has been so, once that is worth saying.
    let age = |info: Option<&freshness::WatchInfo>| {
        info.and_then(|i| i.since)
            .filter(|t| crate::domain::clock::reached(state.now, *t + chrono::Duration::seconds(1)))
            .map(|t| format!(" {}", crate::domain::clock::age(state.now, t)))
            .unwrap_or_default()
    };
    let text = match &overall {
        ConnState::Connected => {
            let doing: Vec<&str> = state
                .freshness
                .watches
                .values()
                .filter_map(|i| i.doing.as_deref())
                .collect();
            if doing.is_empty() {
                "connected".to_owned()
            } else {
                format!("connected · {}", doing.join(" · "))
            }
        }
        ConnState::Connecting => {
            let info = first(&|c| *c == ConnState::Connecting);
            match info.and_then(|i| i.doing.as_deref()) {
                Some(doing) => format!("connecting{}: {doing}", age(info)),
                None => format!("connecting{}…", age(info)),
            }
        }
        ConnState::Reconnecting(e) => {
            let info = first(&|c| matches!(c, ConnState::Reconnecting(_)));
            format!("reconnecting{}: {e}", age(info))
        }
        ConnState::Failed(e) => format!("error: {e}"),
    };
    (overall, text)
}
