//! The detail pane of the selected card: everything the cluster says about a run and its work item.
use super::fmt::timestamp;
use super::pane::{field, label, section};
use super::theme::Theme;
use crate::app::board::CardId;
use crate::app::state::State;
use crate::domain::sanitize;
use crate::domain::{Run, WorkItem, placement};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

/// Longest slice of a work item's text the pane shows (the editor shows all of it).
const TEXT_PREVIEW_LINES: usize = 60;

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(id) = state.selected_card() else {
        return;
    };
    let lines = detail_lines(id, state, theme);
    let rect = if area.width >= 100 {
        Rect {
            x: area.x + area.width / 3,
            width: area.width - area.width / 3,
            ..area
        }
    } else {
        area
    };
    let title = match id {
        CardId::Run(k) => {
            // The selected step, and what `l` does with it: said where it is always in view.
            let step = state
                .screens
                .detail_step()
                .zip(state.cluster.runs.get(k))
                .and_then(|(i, run)| crate::domain::pod::StepPod::of(&run.steps, i));
            match step {
                // The key hint only when it fits: the footer names `l` too, the step matters more.
                Some(step) => {
                    let hint = state
                        .settings
                        .keymap
                        .detail
                        .key_hint(crate::app::keymap::DetailAction::Logs);
                    let full = format!(
                        " AgentRun {k} · ▸ {} ({hint}: its pod's logs) ",
                        step.label()
                    );
                    // Between the frame's two corners.
                    let room = usize::from(rect.width).saturating_sub(2);
                    if unicode_width::UnicodeWidthStr::width(full.as_str()) <= room {
                        full
                    } else {
                        format!(" AgentRun {k} · ▸ {} ", step.label())
                    }
                }
                None => format!(" AgentRun {k} "),
            }
        }
        CardId::WorkItem(k) => format!(" ImplementationSpec {k} "),
    };
    let inner_h = rect.height.saturating_sub(2);
    let max_scroll = (lines.len() as u16).saturating_sub(inner_h);
    use crate::app::keymap::DetailAction as A;
    let is_run = matches!(id, CardId::Run(_));
    let has_steps = state.selected_run().is_some_and(|r| !r.steps.is_empty());
    // What applies to this card: PR and logs belong to runs, step selection to runs that
    // report steps.
    let keys = state.settings.keymap.detail.footer_of(|a| match a {
        A::NextStep | A::PrevStep => has_steps,
        A::Logs | A::OpenPr | A::Refresh => is_run,
        _ => true,
    });
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((
                state.screens.detail_scroll().unwrap_or(0).min(max_scroll),
                0,
            ))
            .style(theme.base())
            .block(super::pane::focused(
                theme,
                sanitize::one_line(&title),
                &keys,
                rect.width,
            )),
        rect,
    );
}

fn detail_lines(id: &CardId, state: &State, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    if let CardId::Run(key) = id {
        match state.cluster.runs.get(key) {
            Some(run) => run_lines(&mut out, run, state, theme),
            None => out.push(Line::from("this run was deleted")),
        }
    }
    if let Some(item) = state.work_item_of(id) {
        item_lines(&mut out, item, state, theme);
    } else if let CardId::WorkItem(_) = id {
        out.push(Line::from("this work item was deleted"));
    }
    out
}

fn opt<S: AsRef<str>>(v: &Option<S>) -> String {
    v.as_ref()
        .map_or_else(|| "—".into(), |s| s.as_ref().to_owned())
}

fn run_lines(out: &mut Vec<Line<'static>>, run: &Run, state: &State, theme: &Theme) {
    let phase = theme.phase(&run.phase);
    section(out, "Run", theme);
    out.push(Line::from(vec![
        label("Phase", theme),
        Span::styled(
            format!("{} {}", phase.symbol, run.phase.label()),
            Style::default().fg(phase.color),
        ),
    ]));
    field(out, "Reason", opt(&run.reason), theme);
    field(out, "Message", opt(&run.message), theme);
    // Where the board and the planner place it: its labels, else its work item's.
    let place = placement::Placement::of(run, &state.cluster.items, &state.settings.plan);
    field(out, "Lane", place.lane.unwrap_or("—"), theme);
    field(
        out,
        "Wave",
        place.wave.map_or_else(|| "—".into(), |w| w.to_string()),
        theme,
    );
    field(out, "Work item", opt(&run.work_item), theme);
    field(out, "Agent", opt(&run.agent), theme);
    field(out, "Runtime", opt(&run.runtime_type), theme);
    let job = run.runtime_ref.as_ref().map(|r| {
        format!(
            "{} {}{}",
            r.type_.as_deref().unwrap_or("?"),
            r.namespace
                .as_deref()
                .map(|n| format!("{n}/"))
                .unwrap_or_default(),
            r.name.as_deref().unwrap_or("?")
        )
    });
    field(out, "Runtime job", opt(&job), theme);
    field(out, "Repository", opt(&run.repository), theme);
    field(out, "Head branch", opt(&run.head_branch), theme);
    super::control::detail_lines(out, run, state, theme);
    super::audit::detail_lines(out, &run.key, state, theme);

    section(out, "Timestamps", theme);
    field(out, "Created", timestamp(run.created, state.now), theme);
    field(out, "Started", timestamp(run.started_at, state.now), theme);
    field(
        out,
        "Finished",
        timestamp(run.finished_at, state.now),
        theme,
    );
    field(out, "Updated", timestamp(run.updated_at, state.now), theme);

    section(out, "Parameters", theme);
    if run.parameters.is_empty() {
        out.push(Line::from(Span::styled("none", theme.muted())));
    }
    for (k, v) in &run.parameters {
        field(out, k, v.to_owned(), theme);
    }

    section(out, "Contract", theme);
    field(out, "Required keys", join(&run.required_keys), theme);
    let missing = Line::from(vec![
        label("Missing keys", theme),
        Span::styled(
            join(&run.missing_keys),
            if run.missing_keys.is_empty() {
                Style::default()
            } else {
                Style::default().fg(theme.error)
            },
        ),
    ]);
    out.push(missing);

    section(out, "Conditions", theme);
    if run.conditions.is_empty() {
        out.push(Line::from(Span::styled("none reported", theme.muted())));
    }
    for c in &run.conditions {
        let color = if c.is_true() {
            theme.foreground
        } else {
            theme.muted
        };
        out.push(Line::from(vec![
            Span::styled(
                format!("{:<12}", c.type_),
                Style::default().fg(color).add_modifier(Modifier::BOLD),
            ),
            Span::raw(format!(" {:<7} ", c.status)),
            Span::raw(c.reason.clone().unwrap_or_default()),
            Span::styled(
                c.last_transition
                    .map(|t| format!("  {} ago", crate::domain::clock::age(state.now, t)))
                    .unwrap_or_default(),
                theme.muted(),
            ),
        ]));
        if let Some(m) = &c.message {
            out.push(Line::from(Span::styled(format!("  {m}"), theme.muted())));
        }
    }

    timeline(out, run, state, theme);
    super::pr::pr_section(out, run, state, theme);
    for url in &run.artifact_urls {
        field(out, "Artifact", url.clone(), theme);
    }

    if !run.problems.is_empty() {
        section(out, "Problems reading this object", theme);
        for p in &run.problems {
            out.push(Line::from(Span::styled(
                format!("⚠ {p}"),
                Style::default().fg(theme.warning),
            )));
        }
    }
}

fn item_lines(out: &mut Vec<Line<'static>>, item: &WorkItem, state: &State, theme: &Theme) {
    section(out, "Work item", theme);
    field(out, "Name", item.key.to_string(), theme);
    field(out, "Summary", item.summary.clone(), theme);
    field(out, "Lane", opt(&item.lane), theme);
    field(out, "Wave", opt(&item.wave), theme);
    field(out, "Depends on", join(&item.depends_on), theme);
    field(out, "Source", opt(&item.source_provider), theme);
    let approval = state.approval_of(item);
    out.push(Line::from(vec![
        label("Approval", theme),
        super::board::approval_badge(&approval, theme),
        Span::styled(
            format!("  {}", sanitize::one_line(&approval.label())),
            theme.muted(),
        ),
    ]));
    field(out, "Created", timestamp(item.created, state.now), theme);
    field(
        out,
        "Criteria",
        item.acceptance_criteria.len().to_string(),
        theme,
    );
    field(out, "Required keys", join(&item.required_keys), theme);
    for (k, v) in &item.parameters {
        field(out, k, v.clone(), theme);
    }
    for p in &item.problems {
        out.push(Line::from(Span::styled(
            format!("⚠ {p}"),
            Style::default().fg(theme.warning),
        )));
    }
    section(out, "Text", theme);
    let total = item.text.lines().count();
    for line in item.text.lines().take(TEXT_PREVIEW_LINES) {
        out.push(Line::from(sanitize::display(line)));
    }
    if total > TEXT_PREVIEW_LINES {
        out.push(Line::from(Span::styled(
            format!(
                "… {} more lines ({} characters in all)",
                total - TEXT_PREVIEW_LINES,
                item.text.chars().count()
            ),
            theme.muted(),
        )));
    }
}

/// Phase changes seen by the cockpit, condition transitions and the run's own timestamps, in order.
fn timeline(out: &mut Vec<Line<'static>>, run: &Run, state: &State, theme: &Theme) {
    let mut events: Vec<(chrono::DateTime<chrono::Utc>, String)> = Vec::new();
    if let Some(t) = run.created {
        events.push((t, "created".into()));
    }
    if let Some(t) = run.started_at {
        events.push((t, "started".into()));
    }
    for c in &run.conditions {
        if let Some(t) = c.last_transition {
            let reason = c
                .reason
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default();
            events.push((t, format!("{} → {}{reason}", c.type_, c.status)));
        }
    }
    for seen in state.cluster.history.get(&run.key).into_iter().flatten() {
        events.push((seen.at(), format!("phase → {} (seen)", seen.phase())));
    }
    if let Some(t) = run.finished_at {
        events.push((t, "finished".into()));
    }
    events.sort_by_key(|a| a.0);
    section(out, "Timeline", theme);
    if events.is_empty() {
        out.push(Line::from(Span::styled("no timestamps yet", theme.muted())));
    }
    for (t, what) in events {
        out.push(Line::from(vec![
            Span::styled(format!("{} ", t.format("%H:%M:%S")), theme.muted()),
            Span::styled(
                format!("{:>8} ago  ", crate::domain::clock::age(state.now, t)),
                theme.muted(),
            ),
            Span::raw(sanitize::one_line(&what)),
        ]));
    }
}

fn join(items: &[String]) -> String {
    if items.is_empty() {
        "—".into()
    } else {
        items.join(", ")
    }
}
