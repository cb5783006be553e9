//! What the log sources report (pods, lines, stream states) and what the file thread answers
//! to a save, applied to the open view. Events of another run or an older stream are ignored:
//! they may still arrive after the view moved on.
use super::{LogEvent, StreamState, picker};
use crate::app::effect::Effect;
use crate::app::state::State;
use crate::domain::log_buffer::FilterMode;

pub fn on_event(state: &mut State, event: LogEvent) -> Vec<Effect> {
    let Some(view) = state.screens.logs_mut() else {
        return Vec::new();
    };
    match event {
        LogEvent::Pods { run, pods } => picker::on_pods(state, &run, pods),
        LogEvent::PodsError { run, error } => {
            if run == view.run {
                view.pods_error = Some(error);
            }
            Vec::new()
        }
        LogEvent::Lines { stream, batch } => {
            if stream != view.stream_id || batch.is_empty() {
                return Vec::new();
            }
            view.buffer.append(&batch);
            if !view.scroll.follow {
                view.unseen += batch.len() as u64;
            }
            if let (true, Some(search)) = (view.filter != FilterMode::Off, &view.search) {
                view.filter_index.catch_up(
                    &view.buffer,
                    search,
                    view.filter == FilterMode::NotMatching,
                );
            }
            if matches!(
                view.stream,
                StreamState::Connecting | StreamState::Reconnecting(_) | StreamState::Waiting(_)
            ) {
                view.stream = StreamState::Streaming;
            }
            Vec::new()
        }
        LogEvent::State { stream, state: s } => {
            if stream == view.stream_id && view.stream != s {
                view.stream = s;
            }
            Vec::new()
        }
        LogEvent::Saved { path, lines } => {
            view.notice = Some(format!("saved {lines} lines to {}", path.display()));
            Vec::new()
        }
        LogEvent::SaveFailed { path, error } => {
            view.notice = Some(format!("could not save to {}: {error}", path.display()));
            Vec::new()
        }
    }
}
