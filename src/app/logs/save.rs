//! `ctrl-s` and `y`: the shown lines (the filter's when filtering) saved to a file by the file
//! thread, one line put on the clipboard.
use super::LogView;
use crate::app::effect::Effect;
use crate::app::state::State;
use crate::domain::log_buffer::Rows;
use ratatui::layout::Rect;
use std::path::PathBuf;

/// Longest text `y` puts on the clipboard (terminals cap OSC 52 payloads).
pub const MAX_COPY_BYTES: usize = 100 * 1024;

pub(super) fn save(state: &mut State) -> Vec<Effect> {
    let now = state.now;
    let dir = state.logs.settings.save_dir.clone();
    let Some(view) = state.screens.logs_mut() else {
        return Vec::new();
    };
    let pod = view
        .pod
        .as_ref()
        .map_or_else(|| view.run.name.to_string(), |p| p.name.clone());
    let filtered = view.filtering();
    let name = format!(
        "{}-{}{}.log",
        safe_file_name(&pod),
        now.format("%Y%m%d-%H%M%S"),
        if filtered { "-filtered" } else { "" }
    );
    let path = dir.unwrap_or_else(|| PathBuf::from(".")).join(name);
    let only = filtered.then_some(&view.filter_index.seqs);
    let contents = view.buffer.export(only, view.options.timestamps);
    let lines = contents.lines().count();
    view.notice = Some(format!("saving {lines} lines to {}…", path.display()));
    vec![Effect::SaveLogs {
        path,
        contents,
        lines,
    }]
}

fn safe_file_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

pub(super) fn copy(view: &mut LogView, body: Rect) -> Vec<Effect> {
    let height = usize::from(body.height).max(1);
    let seq = view.current_match.or_else(|| {
        let rows = view.rows(body.width);
        view.scroll
            .visible(&rows, height)
            .last()
            .map(|(i, _)| rows.seq_at(*i))
    });
    let Some(text) = seq.and_then(|s| view.buffer.full_line(s)) else {
        view.notice = Some("nothing to copy".into());
        return Vec::new();
    };
    let mut text = text;
    if text.len() > MAX_COPY_BYTES {
        let mut cut = MAX_COPY_BYTES;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    view.notice = Some(format!(
        "copied line {} ({} characters) to the clipboard",
        seq.map_or(0, |s| s + 1),
        text.chars().count()
    ));
    vec![Effect::Copy(text)]
}
