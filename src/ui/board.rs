//! The board: one column per lane, cards sorted by what needs attention.
use super::fmt::{duration, fit, fit_tail};
use super::theme::Theme;
use crate::app::board::{Card, CardId, Column};
use crate::app::layout;
use crate::app::legend::Badge;
use crate::app::msg::ConnState;
use crate::app::state::{Mode, State};
use crate::domain::{Phase, PrState, PullRequest};
use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

/// Lanes off screen beyond a column's edges (only the outermost visible columns have any).
#[derive(Debug, Clone, Copy, Default)]
struct Edges {
    left: usize,
    right: usize,
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let board = state.board_view();
    let total_cards: usize = board.columns.iter().map(|c| c.cards.len()).sum();
    let visible = layout::columns(area, board.columns.len(), state.ui.lane, state.ui.compact);
    let (left, right) = layout::lanes_off_screen(&visible, board.columns.len());
    let last = visible.len().saturating_sub(1);
    for (pos, (idx, rect)) in visible.into_iter().enumerate() {
        let focused = idx == state.ui.lane && state.mode() == Mode::Board;
        let edges = Edges {
            left: if pos == 0 { left } else { 0 },
            right: if pos == last { right } else { 0 },
        };
        draw_column(
            frame,
            rect,
            &board.columns[idx],
            (idx == state.ui.lane, focused),
            edges,
            state,
            theme,
        );
    }
    if total_cards == 0 {
        draw_empty_notice(frame, area, state, theme);
    }
}

fn draw_column(
    frame: &mut Frame,
    rect: Rect,
    column: &Column,
    (selected_lane, focused): (bool, bool),
    edges: Edges,
    state: &State,
    theme: &Theme,
) {
    let border = if focused {
        theme.border_focused
    } else {
        theme.border
    };
    let title_style = if selected_lane {
        Style::default()
            .fg(theme.accent)
            .add_modifier(Modifier::BOLD)
    } else {
        Style::default().fg(theme.foreground)
    };
    // The board's edges say how many lanes are off screen, and which way they are.
    let edge_style = Style::default()
        .fg(theme.badge_color(Badge::LanesLeft))
        .add_modifier(Modifier::BOLD);
    let left =
        (edges.left > 0).then(|| format!("{} {}", theme.badge(Badge::LanesLeft), edges.left));
    let right =
        (edges.right > 0).then(|| format!("{} {}", edges.right, theme.badge(Badge::LanesRight)));
    let edge_w = |s: &Option<String>| s.as_ref().map_or(0, |s| s.width() + 1);
    let title_w =
        usize::from(rect.width.saturating_sub(4)).saturating_sub(edge_w(&left) + edge_w(&right));
    let mut title = vec![Span::raw(" ")];
    if let Some(l) = left {
        title.push(Span::styled(l, edge_style));
        title.push(Span::raw(" "));
    }
    title.push(Span::styled(
        format!("{} ", fit(&column.title, title_w)),
        title_style,
    ));
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Rounded
        })
        .border_style(Style::default().fg(border))
        .title(Line::from(title));
    if let Some(r) = right {
        block = block.title(Line::from(Span::styled(format!(" {r} "), edge_style)).right_aligned());
    }
    frame.render_widget(block, rect);

    let inner = Rect {
        x: rect.x + 1,
        y: rect.y + 1,
        width: rect.width.saturating_sub(2),
        height: rect.height.saturating_sub(2),
    };
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let mut header = counts_spans(column, theme);
    header.extend(super::control::lane_spans(state, column, theme));
    // PR counts are computed once per board/PR change (State::ensure_board), not per frame.
    let idx = state
        .board_view()
        .columns
        .iter()
        .position(|c| std::ptr::eq(c, column));
    let prs = idx.map(|i| state.github.lane_counts(i)).unwrap_or_default();
    header.extend(super::pr::lane_pr_spans(&prs, theme));
    header.extend(super::audit::lane_spans(state, column, theme));
    header.extend(super::control::reconcile_spans(state, column, theme));
    let header = Line::from(header);
    frame.render_widget(Paragraph::new(header), Rect { height: 1, ..inner });
    if inner.height >= 2 {
        let rule = "─".repeat(usize::from(inner.width));
        frame.render_widget(
            Paragraph::new(Span::styled(rule, Style::default().fg(theme.border))),
            Rect {
                y: inner.y + 1,
                height: 1,
                ..inner
            },
        );
    }

    let cards_area = layout::cards_area(rect);
    if cards_area.height == 0 {
        return;
    }
    if column.cards.is_empty() {
        let text = if state.ui.filter.is_empty() {
            "no runs"
        } else {
            "no match"
        };
        frame.render_widget(
            Paragraph::new(Span::styled(text, theme.muted())).alignment(Alignment::Center),
            Rect {
                height: 1,
                ..cards_area
            },
        );
        return;
    }
    let card_h = layout::card_height(rect, state.ui.compact);
    let selected_idx = if selected_lane { state.ui.card } else { 0 };
    let visible = layout::visible_cards(rect, state.ui.compact, selected_idx, column.cards.len());
    let offset = visible.start;
    for (i, card) in column.cards[visible.clone()].iter().enumerate() {
        let y = cards_area.y + i as u16 * card_h;
        let height = card_h.min(3).min(cards_area.y + cards_area.height - y);
        let card_rect = Rect {
            y,
            height,
            ..cards_area
        };
        let is_selected = selected_lane && offset + i == state.ui.card;
        draw_card(frame, card_rect, card, is_selected, state, theme);
    }
    if visible.end < column.cards.len() && cards_area.height > 0 {
        let more = format!(
            "{} {} more",
            theme.badge(Badge::MoreBelow),
            column.cards.len() - visible.end
        );
        let y = rect.y + rect.height - 1;
        let w = (more.width() as u16).min(rect.width.saturating_sub(2));
        frame.render_widget(
            Paragraph::new(Span::styled(more, theme.muted())),
            Rect {
                x: rect.x + rect.width.saturating_sub(w + 2),
                y,
                width: w,
                height: 1,
            },
        );
    }
}

fn counts_spans<'a>(column: &Column, theme: &Theme) -> Vec<Span<'a>> {
    let mut spans = Vec::new();
    for (key, count) in Phase::COUNTED.iter().zip(column.counts.iter()) {
        if *count == 0 {
            continue;
        }
        let phase = phase_for_key(key);
        let style = theme.phase(&phase);
        if !spans.is_empty() {
            spans.push(Span::raw(" "));
        }
        spans.push(Span::styled(
            format!("{}{}", style.symbol, count),
            Style::default().fg(style.color),
        ));
    }
    if spans.is_empty() {
        spans.push(Span::styled("empty", theme.muted()));
    }
    if column.stuck > 0 {
        spans.push(Span::styled(
            format!(" {}{} stuck", theme.badge(Badge::Stuck), column.stuck),
            Style::default()
                .fg(theme.warning)
                .add_modifier(Modifier::BOLD),
        ));
    }
    spans
}

fn phase_for_key(key: &str) -> Phase {
    match key {
        "running" => Phase::Running,
        "pending" => Phase::Pending,
        "blocked" => Phase::Blocked,
        "failed" => Phase::Failed,
        "succeeded" => Phase::Succeeded,
        "cancelled" => Phase::Cancelled,
        "template" => Phase::Template,
        "not_launched" => Phase::NotLaunched,
        _ => Phase::Unknown(String::new()),
    }
}

/// What a card shows, whether it is a run or a not-yet-launched work item.
struct CardText {
    name: String,
    age: String,
    detail: String,
    detail_style: Style,
    branch: String,
    badge: Vec<Span<'static>>,
}

fn card_text(card: &Card, state: &State, theme: &Theme) -> CardText {
    let phase_style = theme.phase(&card.phase);
    match &card.id {
        CardId::Run(key) => {
            let Some(run) = state.cluster.runs.get(key) else {
                return CardText::missing(&key.name, theme);
            };
            let item = state.work_item_of(&card.id);
            let (detail, detail_style) = if let Some(problem) = run.problems.first() {
                (format!("⚠ {problem}"), Style::default().fg(theme.warning))
            } else if let Some((flag, color)) = super::control::card_flag(run, state, theme) {
                (sanitize_line(&flag), Style::default().fg(color))
            } else if let Some(c) = run.headline_condition() {
                let reason = c.reason.as_deref().unwrap_or(&c.type_);
                let text = match &c.message {
                    Some(m) => format!("{reason}: {m}"),
                    None => reason.to_owned(),
                };
                (
                    crate::domain::sanitize::one_line(&text),
                    Style::default().fg(phase_style.color),
                )
            } else {
                let summary = item
                    .map(|i| i.summary.clone())
                    .or_else(|| run.inline_summary.clone())
                    .unwrap_or_default();
                (summary, theme.muted())
            };
            CardText {
                name: run.key.name.to_string(),
                age: run_age(run, state.now),
                detail,
                detail_style,
                branch: run.head_branch.as_deref().unwrap_or_default().to_owned(),
                badge: pr_badge(state.pr_for_run(run), state, theme),
            }
        }
        CardId::WorkItem(key) => {
            let Some(item) = state.cluster.items.get(key) else {
                return CardText::missing(&key.name, theme);
            };
            CardText {
                name: item.key.name.to_string(),
                age: item
                    .created
                    .map(|c| crate::domain::clock::age(state.now, c))
                    .unwrap_or_default(),
                detail: item.summary.clone(),
                detail_style: theme.muted(),
                branch: item.head().unwrap_or_default().to_owned(),
                badge: vec![approval_badge(&state.approval_of(item), theme)],
            }
        }
    }
}

fn sanitize_line(s: &str) -> String {
    crate::domain::sanitize::one_line(s)
}

/// A work item's approval at a glance: approved (verified or not), refused and why, or not yet.
pub fn approval_badge(
    approval: &crate::domain::approval::Approval,
    theme: &Theme,
) -> Span<'static> {
    use crate::domain::approval::Approval;
    let badge = |b: Badge, text: &str| {
        Span::styled(
            format!("{} {text}", theme.badge(b)),
            Style::default().fg(theme.badge_color(b)),
        )
    };
    match approval {
        Approval::Approved { verified: true, .. } => badge(Badge::Approved, "approved"),
        Approval::Approved {
            verified: false, ..
        } => Span::styled(
            format!("{} unverified", theme.badge(Badge::Approved)),
            Style::default().fg(theme.warning),
        ),
        Approval::Revoked { reason, .. } => badge(Badge::Revoked, reason.short()),
        Approval::NotApproved => Span::styled("not approved", theme.muted()),
    }
}

impl CardText {
    fn missing(name: &str, theme: &Theme) -> CardText {
        CardText {
            name: name.to_owned(),
            age: String::new(),
            detail: String::new(),
            detail_style: theme.muted(),
            branch: String::new(),
            badge: Vec::new(),
        }
    }
}

/// Compact PR state: `#12 open ✘1 ◌2 ✓rev`; `⚠conflict` when an open PR conflicts with its
/// base. Stale data (older than 10 min) is marked `~`.
pub fn pr_badge(pr: Option<&PullRequest>, state: &State, theme: &Theme) -> Vec<Span<'static>> {
    let Some(pr) = pr else {
        return vec![Span::styled(
            theme.badge(Badge::NoPr).to_owned(),
            Style::default().fg(theme.badge_color(Badge::NoPr)),
        )];
    };
    let state_color = match pr.state {
        PrState::Draft => theme.muted,
        PrState::Open => theme.accent,
        PrState::Merged => theme.ok,
        PrState::Closed => theme.error,
    };
    let mut spans = vec![Span::styled(
        format!("#{} {}", pr.number, pr.state.label()),
        Style::default().fg(state_color),
    )];
    let mut badge = |b: Badge, count: Option<u32>| {
        spans.push(Span::styled(
            format!(
                " {}{}",
                theme.badge(b),
                count.map(|n| n.to_string()).unwrap_or_default()
            ),
            Style::default().fg(theme.badge_color(b)),
        ));
    };
    let c = pr.checks;
    if c.failing > 0 {
        badge(Badge::ChecksFailing, Some(c.failing));
    }
    if c.pending > 0 {
        badge(Badge::ChecksPending, Some(c.pending));
    }
    if c.passing > 0 && c.failing == 0 && c.pending == 0 {
        badge(Badge::ChecksPassing, Some(c.passing));
    }
    if let Some(review) = pr.review {
        badge(
            match review {
                crate::domain::ReviewDecision::Approved => Badge::ReviewApproved,
                crate::domain::ReviewDecision::ChangesRequested => Badge::ReviewChanges,
                crate::domain::ReviewDecision::ReviewRequired => Badge::ReviewRequired,
            },
            None,
        );
    }
    if pr.has_conflicts() {
        badge(Badge::Conflict, None);
    }
    // A merged PR is final: old data about it is not stale (the timer no longer refetches it).
    if pr.state != PrState::Merged
        && crate::domain::clock::older_than(state.now, pr.fetched_at, chrono::Duration::minutes(10))
    {
        badge(Badge::Stale, None);
    }
    spans
}

fn draw_card(
    frame: &mut Frame,
    rect: Rect,
    card: &Card,
    selected: bool,
    state: &State,
    theme: &Theme,
) {
    let text = card_text(card, state, theme);
    let phase = theme.phase(&card.phase);
    let width = usize::from(rect.width);
    let base = if selected {
        theme.selected()
    } else {
        Style::default()
    };
    let age_w = text.age.chars().count();
    let name_w = width.saturating_sub(age_w + 3);
    let name = fit(&text.name, name_w);
    let pad = width.saturating_sub(2 + name.chars().count() + age_w);
    let first = Line::from(vec![
        Span::styled(
            format!("{} ", phase.symbol),
            Style::default().fg(phase.color),
        ),
        Span::styled(name, Style::default().add_modifier(Modifier::BOLD)),
        Span::raw(" ".repeat(pad)),
        Span::styled(text.age.clone(), theme.muted()),
    ]);
    let mut lines = vec![first];
    if rect.height >= 3 {
        // Unknown phases are shown verbatim: the symbol alone would hide what the controller said.
        let detail = match &card.phase {
            Phase::Unknown(raw) => format!("{raw} · {}", text.detail),
            _ => text.detail.clone(),
        };
        let (detail, detail_style) = if card.stuck {
            (
                format!(
                    "{} stuck {} · {detail}",
                    theme.badge(Badge::Stuck),
                    text.age
                ),
                Style::default().fg(theme.warning),
            )
        } else {
            (detail, text.detail_style)
        };
        let (detail, detail_style) = match super::audit::card_flag(card, state) {
            Some(flag) => (
                format!("{flag} · {detail}"),
                Style::default().fg(theme.warning),
            ),
            None => (detail, detail_style),
        };
        lines.push(Line::from(Span::styled(
            format!("  {}", fit(&detail, width.saturating_sub(2))),
            detail_style,
        )));
        let badge_w: usize = text.badge.iter().map(|s| s.width()).sum();
        let branch_w = width.saturating_sub(badge_w + 3);
        // A branch cut to nothing would leave a bare ⎇: drop it instead.
        let branch = if text.branch.is_empty() || branch_w < 6 {
            String::new()
        } else {
            let symbol = theme.badge(Badge::Branch);
            format!(
                "{symbol} {}",
                fit_tail(&text.branch, branch_w.saturating_sub(symbol.width() + 1))
            )
        };
        let pad = width.saturating_sub(2 + branch.width() + badge_w);
        let mut third = vec![
            Span::raw("  "),
            Span::styled(branch, theme.muted()),
            Span::raw(" ".repeat(pad)),
        ];
        third.extend(text.badge);
        lines.push(Line::from(third));
    }
    frame.render_widget(Paragraph::new(lines).style(base), rect);
}

fn draw_empty_notice(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let (title, body, color) = match state.overall_connection() {
        ConnState::Failed(e) => ("Cannot watch the cluster", e, theme.error),
        ConnState::Reconnecting(e) => ("Reconnecting", e, theme.warning),
        ConnState::Connecting => (
            "Connecting",
            "listing AgentRuns and ImplementationSpecs…".into(),
            theme.muted,
        ),
        ConnState::Connected if !state.ui.filter.is_empty() => (
            "No match",
            format!(
                "no card matches {:?}; {} clears the filter",
                state.ui.filter,
                state
                    .settings
                    .keymap
                    .board
                    .key_hint(crate::app::keymap::Action::Back)
            ),
            theme.muted,
        ),
        ConnState::Connected => (
            "No runs yet",
            "no AgentRuns or ImplementationSpecs in this namespace (try --all-namespaces)".into(),
            theme.muted,
        ),
    };
    let rect = layout::centered(area, 64, 6);
    if rect.height < 3 || rect.width < 10 {
        return;
    }
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(crate::domain::sanitize::display(&body))
            .wrap(Wrap { trim: true })
            .style(theme.base())
            .block(
                Block::bordered()
                    .border_style(Style::default().fg(color))
                    .title(Span::styled(
                        format!(" {title} "),
                        Style::default().fg(color),
                    )),
            ),
        rect,
    );
}

/// How long a run has been going (running: its age, growing; finished: how long it took).
fn run_age(run: &crate::domain::Run, now: chrono::DateTime<chrono::Utc>) -> String {
    let Some(start) = run.started_at.or(run.created) else {
        return String::new();
    };
    match run.finished_at.filter(|_| run.phase.is_terminal()) {
        Some(end) => duration(end - start),
        None => crate::domain::clock::age(now, start),
    }
}
