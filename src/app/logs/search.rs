//! `/` search in the log view: running a pattern, `n`/`N` from match to match (wrapping
//! around, said in the footer) and the filters that show only the lines that match, or only
//! those that do not.
use super::{LogView, ViewRows};
use crate::domain::log_buffer::{FilterMode, Rows, Search};
use ratatui::layout::Rect;

/// Runs a search typed after `/` (empty clears it) and lands on the nearest match.
pub fn set_search(view: &mut LogView, pattern: &str, body: Rect) {
    view.current_match = None;
    if pattern.is_empty() {
        view.search = None;
        view.filter = FilterMode::Off;
        view.rebuild_filter();
        return;
    }
    let search = Search::new(pattern);
    view.notice = search.error.clone();
    view.search = Some(search);
    view.rebuild_filter();
    // Following: the newest match (search up); paused: the next one down from the top.
    let forward = !view.scroll.follow;
    jump_to_match(view, body, forward);
}

pub(super) fn toggle_filter(view: &mut LogView, mode: FilterMode) {
    if view.search.is_none() {
        view.notice = Some("search first (/): the filter shows the lines it matches".into());
        return;
    }
    view.filter = if view.filter == mode {
        FilterMode::Off
    } else {
        mode
    };
    view.rebuild_filter();
}

/// Moves to the next (`forward`) or previous match from the current one, or from the screen.
pub(super) fn jump_to_match(view: &mut LogView, body: Rect, forward: bool) {
    let Some(search) = view.search.clone() else {
        view.notice = Some("no search: type / and a pattern".into());
        return;
    };
    let height = usize::from(body.height).max(1);
    let outcome = {
        let rows = view.rows(body.width);
        find_match(view, &rows, &search, height, forward).map(|(i, wrapped)| {
            let mut scroll = view.scroll;
            scroll.reveal(&rows, height, i);
            (rows.seq_at(i), scroll, wrapped)
        })
    };
    match outcome {
        Some((seq, scroll, wrapped)) => {
            view.scroll = scroll;
            view.current_match = Some(seq);
            if wrapped && view.notice.is_none() {
                view.notice = Some(if forward {
                    "search hit the end, continued from the top".into()
                } else {
                    "search hit the top, continued from the end".into()
                });
            }
        }
        None => {
            if view.notice.is_none() {
                view.notice = Some(format!("no match for /{}", search.pattern));
            }
        }
    }
}

/// Index of the next match and whether the search wrapped around.
fn find_match(
    view: &LogView,
    rows: &ViewRows<'_>,
    search: &Search,
    height: usize,
    forward: bool,
) -> Option<(usize, bool)> {
    let n = rows.count();
    if n == 0 {
        return None;
    }
    let start = match view.current_match {
        Some(seq) => {
            let i = rows.index_of(seq);
            if forward && i < n && rows.seq_at(i) == seq {
                i + 1
            } else {
                i
            }
        }
        None if forward => view.scroll.top(rows, height).0,
        None => view
            .scroll
            .visible(rows, height)
            .last()
            .map_or(n, |(i, _)| i + 1),
    };
    let start = start.min(n);
    let matches = |i: &usize| {
        view.buffer
            .line(rows.seq_at(*i))
            .is_some_and(|l| search.is_match(l.text))
    };
    if forward {
        (start..n)
            .find(matches)
            .map(|i| (i, false))
            .or_else(|| (0..start).find(matches).map(|i| (i, true)))
    } else {
        (0..start)
            .rev()
            .find(matches)
            .map(|i| (i, false))
            .or_else(|| (start..n).rev().find(matches).map(|i| (i, true)))
    }
}
