//! The list of runs and PRs that disagree (`p` on the board): one row per finding, in the
//! ledger's order, only the rows in view drawn.
use super::fmt::fit;
use super::theme::Theme;
use crate::app::legend::Badge;
use crate::app::reconcile;
use crate::app::state::State;
use crate::domain::control::reconcile::Finding;
use crate::domain::sanitize;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use unicode_width::UnicodeWidthStr;

/// Width of the kind column (`branch renamed`).
const KIND_WIDTH: usize = 14;

/// The lane a finding's run sits in, for the last column (an orphan PR has no run).
fn lane(state: &State, f: &Finding) -> String {
    let Some(run) = f.run().and_then(|k| state.cluster.runs.get(k)) else {
        return "no run".into();
    };
    let place =
        crate::domain::placement::Placement::of(run, &state.cluster.items, &state.settings.plan);
    place
        .lane
        .map_or_else(|| "unassigned".into(), |l| format!("lane {l}"))
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    if state.screens.reconcile().is_none() {
        return;
    }
    let ledger = &state.cluster.control.reconcile;
    frame.render_widget(Clear, area);
    let title = format!(
        " {} Runs and PRs reconciled · {} finding{} ",
        theme.badge(Badge::Reconcile),
        ledger.total(),
        if ledger.total() == 1 { "" } else { "s" }
    );
    let keys = state.settings.keymap.reconcile.footer();
    let block = super::pane::focused(theme, title, &keys, area.width).style(theme.base());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let width = usize::from(inner.width);
    if ledger.total() == 0 {
        let why = if crate::app::control::prs_known(state) {
            "every finished run has its PR, every open swarm PR its run, every key one run"
        } else {
            "nothing found (runs without a PR are named once GitHub has answered)"
        };
        frame.render_widget(
            Paragraph::new(Span::styled(fit(why, width), theme.muted())),
            inner,
        );
        return;
    }
    let height = usize::from(inner.height);
    let selected = reconcile::selected(state).unwrap_or(0);
    let offset = selected.saturating_sub(height.saturating_sub(1));
    let lines: Vec<Line> = ledger
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, f)| {
            let lane = lane(state, f);
            let text_w = width.saturating_sub(KIND_WIDTH + 5 + lane.width() + 1);
            let text = fit(&sanitize::one_line(&f.text()), text_w);
            let pad = text_w.saturating_sub(text.width());
            let row = vec![
                Span::styled(
                    format!(
                        " {} {:<KIND_WIDTH$} ",
                        theme.badge(Badge::Reconcile),
                        f.kind()
                    ),
                    Style::default().fg(theme.badge_color(Badge::Reconcile)),
                ),
                Span::raw(format!("{text}{} ", " ".repeat(pad))),
                Span::styled(lane, theme.muted()),
            ];
            let line = Line::from(row);
            if i == selected {
                line.style(theme.selected())
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
