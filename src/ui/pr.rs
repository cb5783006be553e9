//! Pull request views: the PR section of the detail pane, the PR counts in lane headers, and the
//! GitHub segment of the status line. Read-only, like every view.
use super::fmt::duration;
use super::pane::{field, label, section};
use super::theme::Theme;
use crate::app::github::GitHubHealth;
use crate::app::lane_prs::LanePrs;
use crate::app::state::State;
use crate::domain::sanitize;
use crate::domain::{CheckState, PrState, PullRequest, ReviewDecision, ReviewState, Run};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

/// Most individual checks listed in the detail pane.
const MAX_CHECKS: usize = 30;
/// Most reviews listed (the newest).
const MAX_REVIEWS: usize = 10;

pub fn state_color(state: PrState, theme: &Theme) -> Color {
    match state {
        PrState::Draft => theme.muted,
        PrState::Open => theme.accent,
        PrState::Merged => theme.ok,
        PrState::Closed => theme.error,
    }
}

fn check_symbol(state: CheckState, theme: &Theme) -> (&'static str, Color) {
    match state {
        CheckState::Passing => ("✔", theme.ok),
        CheckState::Failing => ("✘", theme.error),
        CheckState::Pending => ("◌", theme.warning),
        CheckState::Skipped => ("–", theme.muted),
    }
}

/// The "Pull request" section of a run's detail pane.
pub fn pr_section(out: &mut Vec<Line<'static>>, run: &Run, state: &State, theme: &Theme) {
    section(out, "Pull request", theme);
    let Some(pr) = state.pr_for_run(run) else {
        let text = match crate::domain::pr_link::link_for_run(run) {
            Some(link) => format!("none yet for {link}"),
            None => "no pull request linked (no repository + head branch, no PR URL)".into(),
        };
        out.push(Line::from(Span::styled(
            sanitize::one_line(&text),
            theme.muted(),
        )));
        if crate::domain::pr_link::pr_url_for_run(&state.cluster.prs, run).is_some() {
            out.push(Line::from(Span::styled("o opens its URL", theme.muted())));
        }
        return;
    };
    pr_lines(out, pr, state, theme);
}

/// Everything the pane shows about one PR.
pub fn pr_lines(out: &mut Vec<Line<'static>>, pr: &PullRequest, state: &State, theme: &Theme) {
    out.push(Line::from(vec![
        label("Number", theme),
        Span::styled(
            format!("#{} {}", pr.number, pr.state.label()),
            Style::default()
                .fg(state_color(pr.state, theme))
                .add_modifier(Modifier::BOLD),
        ),
    ]));
    field(out, "Title", pr.title.clone(), theme);
    out.push(Line::from(vec![
        label("URL", theme),
        Span::raw(sanitize::display(&pr.url)),
        Span::styled("  (o opens)", theme.muted()),
    ]));
    field(
        out,
        "Author",
        pr.author.clone().unwrap_or_else(|| "—".into()),
        theme,
    );
    let mut badge = vec![label("Status", theme)];
    badge.extend(super::board::pr_badge(Some(pr), state, theme));
    out.push(Line::from(badge));

    let (mergeable, color) = match (pr.state, pr.mergeable) {
        (PrState::Merged, _) => ("merged".to_owned(), theme.ok),
        (PrState::Closed, _) => ("closed without merging".to_owned(), theme.muted),
        (_, Some(true)) => ("yes, no conflicts".to_owned(), theme.ok),
        (_, Some(false)) => ("no: conflicts with the base branch".to_owned(), theme.error),
        (_, None) => ("not computed yet".to_owned(), theme.muted),
    };
    out.push(Line::from(vec![
        label("Mergeable", theme),
        Span::styled(mergeable, Style::default().fg(color)),
    ]));
    if pr.is_open() {
        let merge_state = match pr.merge_state {
            Some(m) => m.label().to_owned(),
            None => "— (fetched with details)".into(),
        };
        field(out, "Merge state", merge_state, theme);
    }

    // Checks
    let c = pr.checks;
    out.push(Line::from(vec![
        label("Checks", theme),
        Span::styled(
            format!("{} passing", c.passing),
            Style::default().fg(theme.ok),
        ),
        Span::raw(" · "),
        Span::styled(
            format!("{} failing", c.failing),
            Style::default().fg(if c.failing > 0 {
                theme.error
            } else {
                theme.foreground
            }),
        ),
        Span::raw(" · "),
        Span::styled(
            format!("{} pending", c.pending),
            Style::default().fg(if c.pending > 0 {
                theme.warning
            } else {
                theme.foreground
            }),
        ),
    ]));
    let mut checks: Vec<_> = pr.check_runs.iter().collect();
    // What needs attention first: failing, then running, then done.
    checks.sort_by(|a, b| (a.state, &a.name).cmp(&(b.state, &b.name)));
    let name_w = checks
        .iter()
        .take(MAX_CHECKS)
        .map(|c| c.name.chars().count())
        .max()
        .unwrap_or(0)
        .min(32);
    for check in checks.iter().take(MAX_CHECKS) {
        let (symbol, color) = check_symbol(check.state, theme);
        let time = match (check.state, check.duration(state.now)) {
            (CheckState::Pending, Some(_)) if check.completed_at.is_none() => {
                match check.started_at {
                    Some(start) => {
                        format!("running {}", crate::domain::clock::age(state.now, start))
                    }
                    None => "running".into(),
                }
            }
            (CheckState::Pending, Some(d)) => format!("running {}", duration(d)),
            (CheckState::Pending, None) => "queued".into(),
            (_, Some(d)) => duration(d),
            (_, None) => String::new(),
        };
        out.push(Line::from(vec![
            Span::raw("  "),
            Span::styled(format!("{symbol} "), Style::default().fg(color)),
            Span::raw(format!(
                "{:<name_w$}  ",
                super::fmt::fit(&check.name, name_w)
            )),
            Span::styled(
                format!("{:<8} ", check.state.label()),
                Style::default().fg(color),
            ),
            Span::styled(time, theme.muted()),
        ]));
    }
    if checks.len() > MAX_CHECKS {
        out.push(Line::from(Span::styled(
            format!("  … {} more checks", checks.len() - MAX_CHECKS),
            theme.muted(),
        )));
    }

    // Reviews
    let (decision, color) = match pr.review {
        Some(ReviewDecision::Approved) => ("approved", theme.ok),
        Some(ReviewDecision::ChangesRequested) => ("changes requested", theme.error),
        Some(ReviewDecision::ReviewRequired) => ("review required", theme.warning),
        None => ("no review decision", theme.muted),
    };
    out.push(Line::from(vec![
        label("Reviews", theme),
        Span::styled(decision, Style::default().fg(color)),
    ]));
    let skip = pr.reviews.len().saturating_sub(MAX_REVIEWS);
    for review in pr.reviews.iter().skip(skip) {
        let (symbol, color) = match review.state {
            ReviewState::Approved => ("✓", theme.ok),
            ReviewState::ChangesRequested => ("±", theme.error),
            ReviewState::Commented => ("…", theme.foreground),
            ReviewState::Dismissed | ReviewState::Pending => ("·", theme.muted),
        };
        let when = review
            .submitted_at
            .map(|t| format!("  {} ago", crate::domain::clock::age(state.now, t)))
            .unwrap_or_default();
        out.push(Line::from(vec![
            Span::raw("  "),
            Span::styled(format!("{symbol} "), Style::default().fg(color)),
            Span::raw(format!("{:<20} ", super::fmt::fit(&review.author, 20))),
            Span::styled(review.state.label(), Style::default().fg(color)),
            Span::styled(when, theme.muted()),
        ]));
    }
    if pr.reviews.is_empty() && pr.details_fetched_at.is_some() {
        out.push(Line::from(Span::styled("  no reviews yet", theme.muted())));
    }

    let details = match pr.details_fetched_at {
        Some(t) => format!(" · details {} ago", crate::domain::clock::age(state.now, t)),
        None => String::new(),
    };
    out.push(Line::from(vec![
        label("Fetched", theme),
        Span::styled(
            format!(
                "{} ago{details}",
                crate::domain::clock::age(state.now, pr.fetched_at)
            ),
            theme.muted(),
        ),
    ]));
}

/// `PR ✓1 ○2 ✘1` for a lane header: merged, open (drafts included), open with failing checks.
/// Empty when the lane has no PR.
pub fn lane_pr_spans(counts: &LanePrs, theme: &Theme) -> Vec<Span<'static>> {
    if counts.total_prs() == 0 {
        return Vec::new();
    }
    let mut spans = vec![Span::styled(" PR", theme.muted())];
    let mut part = |n: u32, symbol: &str, color: Color| {
        if n > 0 {
            spans.push(Span::styled(
                format!(" {symbol}{n}"),
                Style::default().fg(color),
            ));
        }
    };
    use crate::app::legend::Badge;
    for (n, badge) in [
        (counts.merged, Badge::LanePrMerged),
        (counts.open, Badge::LanePrOpen),
        (counts.failing, Badge::LanePrFailing),
    ] {
        part(n, theme.badge(badge), theme.badge_color(badge));
    }
    spans
}

/// The current notice (` │ opening https://…`), shown instead of the status line's optional
/// segments while it lasts.
pub fn notice_segment(state: &State) -> Option<String> {
    state
        .toasts
        .current(state.now)
        .map(|n| format!(" │ {}", sanitize::one_line(n)))
}

/// The status line's GitHub segment (` │ GitHub ✓ 12s ago`, ` │ GitHub: rate limited · retry in
/// 4m · data 3m old`) and its color; `None` without a GitHub poller (the demo).
pub fn status_segment(state: &State, theme: &Theme) -> Option<(String, Color)> {
    let status = state.github.status.as_ref()?;
    let age = |t: chrono::DateTime<chrono::Utc>| crate::domain::clock::age(state.now, t);
    let mut text = match status.health {
        GitHubHealth::Off => format!("GitHub: {}", status.message),
        GitHubHealth::Ok => match status.last_ok {
            Some(t) => format!("GitHub ✓ {} ago", age(t)),
            None => format!("GitHub: {}", status.message),
        },
        GitHubHealth::Degraded | GitHubHealth::Error => format!("GitHub: {}", status.message),
    };
    if let Some(retry) = status
        .retry_at
        .filter(|t| !crate::domain::clock::reached(state.now, *t))
    {
        let left = crate::domain::clock::countdown(state.now, retry);
        text.push_str(&format!(" · retry in {left}"));
    }
    if !matches!(status.health, GitHubHealth::Ok | GitHubHealth::Off)
        && let Some(t) = status.last_ok
    {
        text.push_str(&format!(" · data {} old", age(t)));
    }
    let color = match status.health {
        GitHubHealth::Ok => theme.status_fg,
        GitHubHealth::Off | GitHubHealth::Degraded => theme.warning,
        GitHubHealth::Error => theme.error,
    };
    Some((format!(" │ {}", sanitize::one_line(&text)), color))
}
