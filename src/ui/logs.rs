//! The log view: a header with the pod and the stream's state, the lines (only the visible rows are
//! built, wrapped per width from the cache), a footer with the search prompt or hints, and the pod
//! picker. Log text was made inert when it arrived; names from the cluster are sanitized here.
use super::fmt::{duration, fit};
use super::theme::Theme;
use crate::app::logs::{self as app_logs, LogView, StreamState};
use crate::app::state::State;
use crate::domain::log_buffer::{
    FilterMode, LineRef, Rows, Sgr, SgrColor, StyleRun, short_timestamp,
};
use crate::domain::sanitize;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use unicode_width::UnicodeWidthChar;

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(view) = state.screens.logs() else {
        return;
    };
    frame.render_widget(Clear, area);
    frame.render_widget(Block::default().style(theme.base()), area);
    let (header, body, footer) = app_logs::areas(area);
    draw_header(frame, header, view, theme);
    draw_body(frame, body, view, theme);
    draw_footer(frame, footer, view, state, theme);
    if view.picker.is_some() {
        draw_picker(frame, area, view, state, theme);
    }
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The stream's state: symbol, text, color.
fn stream_badge(view: &LogView, theme: &Theme) -> (String, Color) {
    match &view.stream {
        StreamState::FindingPods => ("◌ finding pods…".into(), theme.warning),
        StreamState::NoPods => ("◌ no pods yet".into(), theme.warning),
        StreamState::Picking => ("◆ pick a pod".into(), theme.accent),
        StreamState::Connecting => ("◌ connecting…".into(), theme.warning),
        StreamState::Streaming => {
            if view.options.previous {
                ("● previous container".into(), theme.ok)
            } else {
                ("● streaming".into(), theme.ok)
            }
        }
        StreamState::Waiting(why) => (format!("◌ waiting: {why}"), theme.warning),
        StreamState::Reconnecting(why) => (format!("◌ reconnecting: {why}"), theme.warning),
        StreamState::Ended(why) => (format!("■ ended: {why}"), theme.muted),
        StreamState::Failed(why) => (format!("✘ error: {why}"), theme.error),
    }
}

fn draw_header(frame: &mut Frame, area: Rect, view: &LogView, theme: &Theme) {
    if area.height == 0 {
        return;
    }
    let style = Style::default().fg(theme.title_fg).bg(theme.title_bg);
    let (badge, color) = stream_badge(view, theme);
    let badge = fit(&sanitize::one_line(&badge), 48);
    let follow = if view.scroll.follow {
        "following".to_owned()
    } else if view.unseen > 0 {
        format!("paused, {} new (G)", thousands(view.unseen))
    } else {
        "paused (G)".to_owned()
    };
    let lines = view.buffer.len() as u64;
    let count = match (view.filter, view.filtering()) {
        (FilterMode::Matching, true) => format!(
            "{} of {} match",
            thousands(view.filter_index.seqs.len() as u64),
            thousands(lines)
        ),
        (FilterMode::NotMatching, true) => format!(
            "{} of {} do not match",
            thousands(view.filter_index.seqs.len() as u64),
            thousands(lines)
        ),
        _ => format!("{} lines", thousands(lines)),
    };
    let range = match (view.options.since_seconds, view.options.tail) {
        (Some(s), _) => format!(
            "since {}",
            duration(chrono::Duration::seconds(i64::from(s)))
        ),
        (None, Some(t)) => format!("tail {}", thousands(u64::from(t))),
        (None, None) => "whole log".into(),
    };
    let pod = view.pod.as_ref();
    let step = pod.map(|p| p.step_label()).unwrap_or_default();
    // (display position, priority, text, style): the most important segments are kept when the
    // line is too narrow for all of them.
    let accent = style.fg(theme.accent).add_modifier(Modifier::BOLD);
    let muted = style.fg(theme.muted);
    let mut segs: Vec<(u8, u8, String, Style)> = vec![
        (0, 0, format!(" logs {}", view.run.name), accent),
        (
            4,
            1,
            format!("  {badge}"),
            style.fg(color).add_modifier(Modifier::BOLD),
        ),
        (5, 2, format!("  {follow}"), style),
        (6, 3, format!(" · {count}"), style),
        (8, 7, format!(" · {range}"), muted),
    ];
    if let Some(p) = pod {
        segs.push((1, 4, format!(" › {}", p.name), style));
        if !step.is_empty() {
            segs.push((2, 5, format!(" ({step})"), muted));
        }
        if p.container != crate::domain::pod::AGENT_CONTAINER {
            segs.push((2, 9, format!(" [{}]", p.container), muted));
        }
    }
    if view.pods.len() > 1 {
        segs.push((3, 8, format!(" · {} pods (P)", view.pods.len()), muted));
    }
    if view.buffer.dropped() > 0 {
        segs.push((
            7,
            6,
            format!(" · {} dropped", thousands(view.buffer.dropped())),
            style.fg(theme.warning),
        ));
    }
    if view.options.wrap {
        segs.push((9, 10, " · wrap".into(), muted));
    }
    if view.options.timestamps {
        segs.push((10, 10, " · timestamps".into(), muted));
    }
    let width = usize::from(area.width);
    let mut by_priority: Vec<usize> = (0..segs.len()).collect();
    by_priority.sort_by_key(|i| segs[*i].1);
    let mut keep = vec![false; segs.len()];
    let mut used = 0;
    for i in by_priority {
        let w = segs[i].2.chars().count();
        if used + w <= width || segs[i].1 <= 1 {
            keep[i] = true;
            used += w;
        }
    }
    let mut order: Vec<usize> = (0..segs.len()).filter(|i| keep[*i]).collect();
    order.sort_by_key(|i| segs[*i].0);
    let spans: Vec<Span> = order
        .into_iter()
        .map(|i| Span::styled(sanitize::one_line(&segs[i].2), segs[i].3))
        .collect();
    frame.render_widget(Paragraph::new(Line::from(spans)).style(style), area);
}

fn draw_body(frame: &mut Frame, area: Rect, view: &LogView, theme: &Theme) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let rows = view.rows(area.width);
    let height = usize::from(area.height);
    if rows.count() == 0 {
        draw_empty(frame, area, view, theme);
        return;
    }
    let visible = view.scroll.visible(&rows, height);
    let shows_end = visible
        .last()
        .is_some_and(|(i, r)| *i + 1 == rows.count() && *r + 1 == rows.rows(*i));
    let mut out: Vec<Line> = Vec::with_capacity(height);
    let at_top = visible.first().is_some_and(|(i, r)| *i == 0 && *r == 0);
    if at_top && view.buffer.dropped() > 0 {
        out.push(Line::from(Span::styled(
            format!(
                "⋯ {} older lines dropped: the buffer keeps {} ([logs] max_lines, max_bytes)",
                thousands(view.buffer.dropped()),
                cap_text(view.buffer.max_lines(), view.buffer.max_bytes())
            ),
            Style::default()
                .fg(theme.warning)
                .add_modifier(Modifier::ITALIC),
        )));
    }
    let width = rows.width();
    let gutter = view.gutter();
    // Matches are computed once per line, not per row.
    let mut line_cache: Option<(u64, Vec<(usize, usize)>)> = None;
    for (idx, row) in visible {
        if out.len() >= height {
            break;
        }
        let seq = rows.seq_at(idx);
        let Some(line) = view.buffer.line(seq) else {
            continue;
        };
        let (start, end) = if view.options.wrap {
            view.wrap_cache.borrow_mut().row_range(&line, width, row)
        } else {
            column_slice(line.text, view.scroll.hscroll, width)
        };
        let matches = match (&view.search, &line_cache) {
            (Some(_), Some((s, m))) if *s == seq => m.clone(),
            (Some(search), _) => {
                let m = search.matches(line.text);
                line_cache = Some((seq, m.clone()));
                m
            }
            (None, _) => Vec::new(),
        };
        let mut spans = Vec::new();
        if gutter > 0 {
            let stamp = match (row, line.ts, line.continuation) {
                (0, Some(ts), false) => format!("{} ", short_timestamp(ts)),
                _ => " ".repeat(gutter),
            };
            spans.push(Span::styled(stamp, theme.muted()));
        }
        let current = view.current_match == Some(seq);
        row_spans(&mut spans, &line, start, end, &matches, current, theme);
        out.push(Line::from(spans));
    }
    // A complete log says so below its last line.
    if let (StreamState::Ended(why), true) = (&view.stream, shows_end) {
        if out.len() >= height {
            out.remove(0); // at the end of a complete log, the marker wins over the top row
        }
        out.push(Line::from(Span::styled(
            format!("■ end of log: {}", sanitize::one_line(why)),
            theme.muted().add_modifier(Modifier::ITALIC),
        )));
    }
    frame.render_widget(Paragraph::new(out).style(theme.base()), area);
}

fn cap_text(lines: usize, bytes: usize) -> String {
    let mut parts = Vec::new();
    if lines < usize::MAX / 2 {
        parts.push(format!("{} lines", thousands(lines as u64)));
    }
    if bytes < usize::MAX / 2 {
        parts.push(format!("{} MiB", bytes.div_ceil(1024 * 1024)));
    }
    parts.join(" / ")
}

/// The byte range of `text` from column `skip` for `take` columns (no-wrap view).
fn column_slice(text: &str, skip: usize, take: usize) -> (usize, usize) {
    if skip == 0 && text.len() <= take {
        return (0, text.len());
    }
    let mut col = 0;
    let mut start = text.len();
    let mut end = text.len();
    for (i, c) in text.char_indices() {
        if col >= skip && start == text.len() {
            start = i;
        }
        if col >= skip + take {
            end = i;
            break;
        }
        col += c.width().unwrap_or(0);
    }
    (start.min(end), end)
}

fn sgr_style(sgr: &Sgr) -> Style {
    let color = |c: SgrColor| match c {
        SgrColor::Default => None,
        SgrColor::Indexed(i) => Some(Color::Indexed(i)),
        SgrColor::Rgb(r, g, b) => Some(Color::Rgb(r, g, b)),
    };
    let mut style = Style::default();
    if let Some(fg) = color(sgr.fg) {
        style = style.fg(fg);
    }
    if let Some(bg) = color(sgr.bg) {
        style = style.bg(bg);
    }
    let mut m = Modifier::empty();
    for (on, flag) in [
        (sgr.bold, Modifier::BOLD),
        (sgr.dim, Modifier::DIM),
        (sgr.italic, Modifier::ITALIC),
        (sgr.underline, Modifier::UNDERLINED),
        (sgr.reverse, Modifier::REVERSED),
    ] {
        if on {
            m |= flag;
        }
    }
    style.add_modifier(m)
}

/// Spans for bytes `start..end` of a line: its colors, with search matches highlighted.
fn row_spans(
    spans: &mut Vec<Span<'static>>,
    line: &LineRef<'_>,
    start: usize,
    end: usize,
    matches: &[(usize, usize)],
    current: bool,
    theme: &Theme,
) {
    if start >= end {
        return;
    }
    // Cut points: style run starts and match bounds inside the row.
    let mut cuts: Vec<usize> = vec![start, end];
    cuts.extend(
        line.styles
            .iter()
            .map(|r| r.start as usize)
            .filter(|p| *p > start && *p < end),
    );
    for (a, b) in matches {
        for p in [*a, *b] {
            if p > start && p < end {
                cuts.push(p);
            }
        }
    }
    cuts.sort_unstable();
    cuts.dedup();
    let highlight = if current {
        Style::default()
            .fg(theme.selection_fg)
            .bg(theme.selection_bg)
            .add_modifier(Modifier::BOLD)
    } else {
        Style::default()
            .fg(Color::Black)
            .bg(theme.warning)
            .add_modifier(Modifier::BOLD)
    };
    for w in cuts.windows(2) {
        let (a, b) = (w[0], w[1]);
        if !line.text.is_char_boundary(a) || !line.text.is_char_boundary(b) {
            continue;
        }
        let base = style_at(line.styles, a);
        let in_match = matches.iter().any(|(ms, me)| *ms <= a && a < *me);
        let style = if in_match { highlight } else { base };
        spans.push(Span::styled(line.text[a..b].to_owned(), style));
    }
}

fn style_at(runs: &[StyleRun], pos: usize) -> Style {
    runs.iter()
        .rev()
        .find(|r| r.start as usize <= pos)
        .map_or_else(Style::default, |r| sgr_style(&r.sgr))
}

fn draw_empty(frame: &mut Frame, area: Rect, view: &LogView, theme: &Theme) {
    let run = sanitize::one_line(&view.run.name);
    let pod = view
        .pod
        .as_ref()
        .map(|p| sanitize::one_line(&p.name))
        .unwrap_or_default();
    let mut lines = match &view.stream {
        StreamState::FindingPods => vec![format!(
            "Looking for the pods of {run} (label agents.proompteng.ai/agent-run={run})…"
        )],
        StreamState::NoPods => {
            let mut v = vec![format!(
                "No pods for {run} yet: none labelled agents.proompteng.ai/agent-run={run}"
            )];
            if let Some(job) = &view.query.job {
                v.push(format!("or job-name={}.", sanitize::one_line(job)));
            }
            v.push("Waiting: they show up here when the run's job starts.".into());
            v
        }
        StreamState::Picking => vec!["Pick a pod.".into()],
        StreamState::Connecting => vec![format!("Connecting to {pod}…")],
        StreamState::Streaming => {
            if view.filtering() {
                vec!["No line matches the filter (F / ! to turn it off).".into()]
            } else {
                vec!["No log lines yet; new ones appear as the agent writes them.".into()]
            }
        }
        StreamState::Waiting(why) => vec![format!("Waiting for {pod}: {why}")],
        StreamState::Reconnecting(why) => vec![format!("Reconnecting to {pod}: {why}")],
        StreamState::Ended(why) => vec![format!("The log of {pod} ended ({why}) with no lines.")],
        StreamState::Failed(why) => vec![format!("Cannot read the log of {pod}: {why}")],
    };
    if let Some(err) = &view.pods_error {
        lines.push(format!("Watching the pods failed: {err}"));
    }
    let text: Vec<Line> = lines
        .into_iter()
        .map(|l| {
            Line::from(Span::styled(
                fit(&sanitize::one_line(&l), usize::from(area.width)),
                theme.muted(),
            ))
        })
        .collect();
    let y = area.y + area.height / 3;
    let rect = Rect {
        y,
        height: area.height - (y - area.y),
        ..area
    };
    frame.render_widget(
        Paragraph::new(text).alignment(ratatui::layout::Alignment::Center),
        rect,
    );
}

fn draw_footer(frame: &mut Frame, area: Rect, view: &LogView, state: &State, theme: &Theme) {
    if area.height == 0 {
        return;
    }
    let style = Style::default().fg(theme.status_fg).bg(theme.status_bg);
    let line = if let Some(prompt) = &view.prompt {
        Line::from(vec![
            Span::styled(
                " search /",
                style.fg(theme.accent).add_modifier(Modifier::BOLD),
            ),
            Span::styled(format!("{}▏", sanitize::one_line(prompt)), style),
            Span::styled(
                format!(
                    " {}",
                    super::footer::line(
                        &state.settings.keymap.log_search.footer(),
                        usize::from(area.width)
                    )
                ),
                style.fg(theme.muted),
            ),
        ])
    } else {
        let mut spans = Vec::new();
        if let Some(search) = &view.search {
            let mode = match view.filter {
                FilterMode::Off => "",
                FilterMode::Matching => " [filter]",
                FilterMode::NotMatching => " [inverse filter]",
            };
            spans.push(Span::styled(
                format!(" /{}{mode} ", sanitize::one_line(&search.pattern)),
                style.fg(theme.accent).add_modifier(Modifier::BOLD),
            ));
        }
        match &view.notice {
            Some(notice) => spans.push(Span::styled(
                format!(" {}", sanitize::one_line(notice)),
                style.add_modifier(Modifier::BOLD),
            )),
            None => spans.push(Span::styled(
                super::footer::line(
                    &state.settings.keymap.logs.footer(),
                    usize::from(area.width),
                ),
                style.fg(theme.muted),
            )),
        }
        Line::from(spans)
    };
    frame.render_widget(Paragraph::new(line).style(style), area);
}

fn draw_picker(frame: &mut Frame, area: Rect, view: &LogView, state: &State, theme: &Theme) {
    let cursor = view.picker.unwrap_or(0);
    let rows: Vec<[String; 4]> = view
        .pods
        .iter()
        .map(|pod| {
            let age = pod
                .created
                .map(|t| format!("{} ago", crate::domain::clock::age(state.now, t)))
                .unwrap_or_default();
            let status = match &pod.terminated {
                Some(t) => format!("{} ({t})", pod.phase),
                None => pod.phase.clone(),
            };
            [pod.name.clone(), pod.step_label(), status, age].map(|c| sanitize::one_line(&c))
        })
        .collect();
    let widths: Vec<usize> = (0..4)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let lines: Vec<Line> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let selected = i == cursor;
            let text = format!(
                "{} {:<w0$}  {:<w1$}  {:<w2$}  {}",
                if selected { "▶" } else { " " },
                r[0],
                r[1],
                r[2],
                r[3],
                w0 = widths[0],
                w1 = widths[1],
                w2 = widths[2],
            );
            let style = if selected {
                Style::default()
                    .fg(theme.selection_fg)
                    .bg(theme.selection_bg)
                    .add_modifier(Modifier::BOLD)
            } else {
                theme.base()
            };
            Line::from(Span::styled(text, style))
        })
        .collect();
    let widest = lines.iter().map(|l| l.width()).max().unwrap_or(20) as u16;
    let rect = crate::app::layout::centered(area, widest.max(36) + 2, lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .style(theme.base())
            .block(super::pane::focused(
                theme,
                format!(
                    " Pods of {} · newest first ",
                    sanitize::one_line(&view.run.name)
                ),
                &state.settings.keymap.pods.footer(),
                rect.width,
            )),
        rect,
    );
}
