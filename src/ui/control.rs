//! The control room on screen: the card's "why" line, the lane header's blocked reasons, the
//! saturation banner, and the detail pane's sections (why not running, steps, the runner's
//! report, what a cancel did, retention). What to say comes from `domain::control`.
use super::theme::Theme;
use crate::app::board::Column;
use crate::app::control;
use crate::app::legend::Badge;
use crate::app::state::State;
use crate::domain::control::{blocked, duplicate, follow, retention, steps, terminating};
use crate::domain::{Run, sanitize};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// What a run's card says in its second line when the control room has something to say, most
/// pressing first: a stuck deletion, this session's cancel verdict, a cancel undone by a retry,
/// a duplicate's holder, the block and its countdown, the retention deadline, a retried step.
pub fn card_flag(run: &Run, state: &State, theme: &Theme) -> Option<(String, Color)> {
    let now = state.now;
    let badge = |b: Badge| theme.badge(b).to_owned();
    if let Some(t) =
        terminating::terminating(run, now, state.cluster.control.terminating_stuck_after)
    {
        let color = if t.stuck { theme.error } else { theme.warning };
        return Some((
            format!("{} {}", badge(Badge::Terminating), t.headline(now)),
            color,
        ));
    }
    if let Some(f) = control::followed(state, &run.key)
        && f.outcome != follow::Outcome::Waiting("sent")
    {
        let color = if f.outcome.needs_action() {
            theme.error
        } else {
            theme.warning
        };
        return Some((
            format!("{} {}", badge(Badge::Retry), f.outcome.text()),
            color,
        ));
    }
    if let Some((who, outcome)) = follow::restarted_after_cancel(run, now) {
        return Some((
            format!(
                "{} cancelled by {who}, {}",
                badge(Badge::Retry),
                outcome.text()
            ),
            theme.error,
        ));
    }
    if let Some(d) = duplicate::duplicate(run) {
        let holder = holder_name(run, state);
        let text = match holder {
            Some(h) => format!("{} {}: key held by {h}", badge(Badge::Duplicate), d.reason),
            None => format!("{} {}", badge(Badge::Duplicate), d.reason),
        };
        return Some((text, theme.error));
    }
    if let Some(b) = blocked::blocked(run) {
        return Some((b.headline(now), theme.phase(&run.phase).color));
    }
    if let Some(risk) = retention::at_risk(
        run,
        control::pr_open(state, run),
        now,
        state.cluster.control.retention_warn,
    ) {
        return Some((
            format!("{} {}", badge(Badge::Retention), risk.headline()),
            theme.warning,
        ));
    }
    if let Some(flag) = reconcile_flag(run, state) {
        return Some((
            format!("{} {flag}", badge(Badge::Reconcile)),
            theme.badge_color(Badge::Reconcile),
        ));
    }
    if let Some(step) = steps::current(&run.steps).filter(|s| steps::worth_showing(s))
        && !run.phase.is_terminal()
    {
        return Some((
            format!("{} {}", badge(Badge::Retry), step.summary(now)),
            theme.warning,
        ));
    }
    None
}

/// What the reconciliation says on a run's card: `no PR · branch renamed → codex/x-2`.
fn reconcile_flag(run: &Run, state: &State) -> Option<String> {
    let findings = state.cluster.control.reconcile.of_run(&run.key);
    if findings.is_empty() {
        return None;
    }
    Some(
        findings
            .iter()
            .map(|f| f.flag(&run.key))
            .collect::<Vec<_>>()
            .join(" · "),
    )
}

/// Whether counts kept per lane belong to `column`: its own lane's, and for the Unassigned
/// column those of every lane no column shows.
fn in_column<'a>(state: &'a State, column: &'a Column) -> impl Fn(Option<&str>) -> bool + 'a {
    let shown: Vec<&str> = match column.lane {
        Some(_) => Vec::new(),
        None => state
            .board_view()
            .columns
            .iter()
            .filter_map(|c| c.lane.as_deref())
            .collect(),
    };
    move |lane| match &column.lane {
        Some(own) => lane == Some(own.as_str()),
        None => lane.is_none_or(|l| !shown.contains(&l)),
    }
}

/// `≠2` in the lane header: the lane's runs the reconciliation flags.
pub fn reconcile_spans(state: &State, column: &Column, theme: &Theme) -> Vec<Span<'static>> {
    let ledger = &state.cluster.control.reconcile;
    if ledger.flagged_runs() == 0 {
        return Vec::new();
    }
    let n: u32 = match &column.lane {
        Some(lane) => ledger.lane(Some(lane)),
        None => {
            let belongs = in_column(state, column);
            ledger
                .lanes()
                .filter(|(l, _)| belongs(*l))
                .map(|(_, n)| n)
                .sum()
        }
    };
    if n == 0 {
        return Vec::new();
    }
    vec![Span::styled(
        format!(" {}{n}", theme.badge(Badge::Reconcile)),
        Style::default()
            .fg(theme.badge_color(Badge::Reconcile))
            .add_modifier(Modifier::BOLD),
    )]
}

/// The run that holds a duplicate's idempotency key, by name.
fn holder_name(run: &Run, state: &State) -> Option<String> {
    let d = duplicate::duplicate(run)?;
    let candidates = state
        .cluster
        .control
        .keys
        .others(run)
        .filter_map(|k| state.cluster.runs.get(k));
    duplicate::holder(&d, candidates).map(|r| r.key.name.to_string())
}

/// The blocked reasons of a lane: ` queue 3 · rate 1`. The Unassigned column gathers the lanes
/// no other column shows.
pub fn lane_spans(state: &State, column: &Column, theme: &Theme) -> Vec<Span<'static>> {
    let counts = &state.cluster.control.blocked;
    if counts.total() == 0 {
        return Vec::new();
    }
    let reasons: Vec<(String, u32)> = match &column.lane {
        Some(lane) => counts
            .lane(Some(lane))
            .into_iter()
            .map(|(r, n)| (r.word().to_owned(), n))
            .collect(),
        None => {
            let belongs = in_column(state, column);
            let mut merged: std::collections::BTreeMap<String, u32> = Default::default();
            for (lane, reason, n) in counts.lanes() {
                if belongs(lane) {
                    *merged.entry(reason.word().to_owned()).or_default() += n;
                }
            }
            merged.into_iter().collect()
        }
    };
    if reasons.is_empty() {
        return Vec::new();
    }
    let text = reasons
        .iter()
        .map(|(w, n)| format!("{w} {n}"))
        .collect::<Vec<_>>()
        .join(" · ");
    vec![Span::styled(
        format!(" ({text})"),
        Style::default().fg(theme.phase(&crate::domain::Phase::Blocked).color),
    )]
}

/// The one line that replaces hundreds of blocked cards shouting: the biggest saturation, and
/// how many more scopes are saturated. `None`: nothing saturated.
pub fn banner(state: &State) -> Option<String> {
    let sat = control::saturation(state);
    let first = sat.first()?;
    let others = sat
        .iter()
        .skip(1)
        .filter(|s| s.count != first.count || s.reason != first.reason)
        .count();
    let mut text = format!("⏸ {}", first.banner());
    if others > 0 {
        text.push_str(&format!(
            " · {others} more saturated scope(s): see a blocked run's details"
        ));
    }
    Some(text)
}

pub fn draw_banner(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(text) = banner(state) else {
        return;
    };
    let style = Style::default()
        .fg(theme.status_bg)
        .bg(theme.warning)
        .add_modifier(Modifier::BOLD);
    let text = super::fmt::fit(&format!(" {text}"), usize::from(area.width));
    let pad = usize::from(area.width)
        .saturating_sub(unicode_width::UnicodeWidthStr::width(text.as_str()));
    frame.render_widget(
        Paragraph::new(Line::from(Span::styled(
            format!("{text}{}", " ".repeat(pad)),
            style,
        ))),
        area,
    );
}

fn heading(out: &mut Vec<Line<'static>>, title: &str, theme: &Theme) {
    out.push(Line::default());
    out.push(super::pane::heading(title, theme));
}

fn row(out: &mut Vec<Line<'static>>, name: &str, value: String, style: Style, theme: &Theme) {
    out.push(Line::from(vec![
        super::pane::label(name, theme),
        Span::styled(sanitize::display(&value), style),
    ]));
}

/// The detail pane's control-room sections for a run (only those with something to say).
pub fn detail_lines(out: &mut Vec<Line<'static>>, run: &Run, state: &State, theme: &Theme) {
    let now = state.now;
    let warn = Style::default().fg(theme.warning);
    let error = Style::default().fg(theme.error);
    let plain = Style::default();

    let blocked = blocked::blocked(run);
    let term = terminating::terminating(run, now, state.cluster.control.terminating_stuck_after);
    let dup = duplicate::duplicate(run);
    let followed = control::followed(state, &run.key);
    let restarted = follow::restarted_after_cancel(run, now);
    if blocked.is_some()
        || term.is_some()
        || dup.is_some()
        || followed.is_some()
        || restarted.is_some()
    {
        heading(out, "Why", theme);
    }
    if let Some(b) = &blocked {
        row(out, "Blocked on", b.reason.label().to_owned(), warn, theme);
        if let Some(m) = &b.message {
            row(out, "Message", m.clone(), plain, theme);
        }
        if let Some(since) = b.since {
            row(
                out,
                "Since",
                super::fmt::timestamp(Some(since), now),
                plain,
                theme,
            );
        }
        if let Some(at) = b.retry_at {
            let when = if !crate::domain::clock::reached(now, at) {
                let left = crate::domain::clock::countdown(now, at);
                format!("in {left} ({})", at.format("%H:%M:%S"))
            } else {
                "due now".into()
            };
            row(out, "Retry", when, warn, theme);
        }
        for s in control::saturation(state)
            .iter()
            .filter(|s| s.reason == b.reason)
            .take(4)
        {
            row(out, "Saturation", s.banner(), warn, theme);
        }
    }
    if let Some(t) = &term {
        row(
            out,
            "Deletion",
            t.headline(now),
            if t.stuck { error } else { warn },
            theme,
        );
        if t.stuck {
            row(
                out,
                "What to do",
                "check the agents controller (it removes the finalizer after tearing the runtime down)".into(),
                plain,
                theme,
            );
        }
    }
    if let Some(d) = &dup {
        row(out, "Duplicate", d.reason.clone(), error, theme);
        row(
            out,
            "Key",
            d.key.as_deref().unwrap_or("—").to_owned(),
            plain,
            theme,
        );
        row(
            out,
            "Held by",
            holder_name(run, state).unwrap_or_else(|| "no run with this key is in view".into()),
            plain,
            theme,
        );
    }
    if let Some(f) = followed {
        let style = if f.outcome.needs_action() {
            error
        } else {
            warn
        };
        row(
            out,
            &format!("After {}", f.intent.verb()),
            f.outcome.text(),
            style,
            theme,
        );
    } else if let Some((who, outcome)) = &restarted {
        row(
            out,
            "After cancel",
            format!("by {who}: {}", outcome.text()),
            error,
            theme,
        );
    }

    let findings = state.cluster.control.reconcile.of_run(&run.key);
    if !findings.is_empty() {
        heading(out, "Runs and PRs", theme);
        for f in findings {
            out.push(Line::from(Span::styled(
                sanitize::display(&format!("  {} {}", theme.badge(Badge::Reconcile), f.text())),
                warn,
            )));
            out.push(Line::from(Span::styled(
                format!("    {}", f.advice()),
                theme.muted(),
            )));
        }
    }

    if !run.steps.is_empty() {
        heading(out, "Steps", theme);
        let selected = state.screens.detail_step();
        for (i, s) in run.steps.iter().enumerate() {
            let style = match s.phase {
                steps::StepPhase::Failed => error,
                steps::StepPhase::Retrying => warn,
                _ => plain,
            };
            // The step `l` opens the pod of (selected with tab / shift-tab).
            let (marker, style) = if selected == Some(i) {
                ("▸ ", theme.selected())
            } else {
                ("  ", style)
            };
            out.push(Line::from(Span::styled(
                format!("{marker}{}", s.summary(now)),
                style,
            )));
            if let Some(m) = &s.message {
                out.push(Line::from(Span::styled(format!("    {m}"), theme.muted())));
            }
            let mut when = Vec::new();
            if let Some(t) = s.started_at {
                when.push(format!("started {}", super::fmt::timestamp(Some(t), now)));
            }
            if let Some(t) = s.finished_at {
                when.push(format!("finished {}", super::fmt::timestamp(Some(t), now)));
            }
            if let Some(j) = &s.job {
                when.push(format!("job {j}"));
            }
            if !when.is_empty() {
                out.push(Line::from(Span::styled(
                    format!("    {}", when.join(" · ")),
                    theme.muted(),
                )));
            }
        }
    }

    if let Some(report) = &run.runner {
        heading(out, "Runner report", theme);
        let style =
            if report.error.is_some() || report.exit_code.as_deref().is_some_and(|c| c != "0") {
                error
            } else {
                plain
            };
        let summary = report.summary();
        row(
            out,
            "Result",
            if summary.is_empty() {
                "—".into()
            } else {
                summary
            },
            style,
            theme,
        );
        if let Some(e) = &report.effort {
            row(out, "Effort", e.clone(), plain, theme);
        }
        if let Some(p) = &report.log_path {
            row(out, "Log path", p.clone(), plain, theme);
        }
    }

    let deletes_at = retention::deletes_at(run);
    if run.retained || deletes_at.is_some() || run.ttl_after_finished.is_some() {
        heading(out, "Retention", theme);
        if run.retained {
            row(
                out,
                "Retained",
                format!(
                    "{} {}: \"true\" (kept past its TTL)",
                    theme.badge(Badge::Retained),
                    retention::RETAIN
                ),
                Style::default().fg(theme.ok),
                theme,
            );
        }
        if let Some(ttl) = run.ttl_after_finished {
            row(
                out,
                "TTL",
                format!(
                    "{} after it finishes",
                    steps::short(chrono::Duration::seconds(ttl))
                ),
                plain,
                theme,
            );
        }
        if let Some(at) = deletes_at {
            let risk = retention::at_risk(
                run,
                control::pr_open(state, run),
                now,
                state.cluster.control.retention_warn,
            );
            let left = if !crate::domain::clock::reached(now, at) {
                format!("in {}", crate::domain::clock::countdown(now, at))
            } else {
                "due now".into()
            };
            row(
                out,
                "Deleted",
                format!(
                    "{} ({left}), with its pods and logs",
                    at.format("%Y-%m-%d %H:%M UTC")
                ),
                if risk.is_some() { warn } else { plain },
                theme,
            );
            if risk.is_some() {
                let keys = &state.settings.keymap.detail;
                row(
                    out,
                    "Before it goes",
                    format!(
                        "the PR is still open: {} retains the run, {} saves its logs",
                        keys.key_hint(crate::app::keymap::DetailAction::Retain),
                        keys.key_hint(crate::app::keymap::DetailAction::SaveLogs)
                    ),
                    warn,
                    theme,
                );
            }
        }
    }
}
