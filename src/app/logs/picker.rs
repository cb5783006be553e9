//! Which pod the view shows: the run's pods as the pod watch reports them, the picker (`p`, or
//! on its own when a run has several pods and none is chosen), and the pod of a workflow step's
//! current attempt when the view was opened on a step.
use super::{LogView, StreamState, close, restart_stream};
use crate::app::effect::Effect;
use crate::app::keymap::PodAction;
use crate::app::state::State;
use crate::domain::ObjectKey;
use crate::domain::pod::PodInfo;
use crossterm::event::KeyEvent;

/// The run's current pods: keeps the chosen one fresh, or chooses one (the step's, the only
/// one) or opens the picker.
pub(super) fn on_pods(state: &mut State, run: &ObjectKey, pods: Vec<PodInfo>) -> Vec<Effect> {
    let Some(view) = state.screens.logs_mut() else {
        return Vec::new();
    };
    if *run != view.run {
        return Vec::new();
    }
    view.pods = pods;
    view.pods_error = None;
    if let Some(current) = &view.pod {
        // Keep the chosen pod's facts (phase, exit) fresh; the stream itself notices a
        // deletion.
        if let Some(fresh) = view.pods.iter().find(|p| p.name == current.name) {
            view.pod = Some(fresh.clone());
        }
        if let Some(cursor) = &mut view.picker {
            *cursor = (*cursor).min(view.pods.len().saturating_sub(1));
        }
        return Vec::new();
    }
    if let Some(step) = &view.step {
        if let Some(i) = crate::domain::pod::pod_of_step(&view.pods, step) {
            view.notice = Some(format!("{}: pod {}", step.label(), view.pods[i].name));
            return choose_pod(state, i);
        }
        if !view.pods.is_empty() {
            // Said once per change of the pods: the picker stays open for a choice, and
            // the step's pod is taken when it appears.
            view.notice = Some(format!(
                "no pod of {} among the run's pods (yet): pick one",
                step.label()
            ));
            view.picker = Some(view.picker.unwrap_or(0).min(view.pods.len() - 1));
            view.stream = StreamState::Picking;
            return Vec::new();
        }
    }
    match view.pods.len() {
        0 => {
            view.stream = StreamState::NoPods;
            Vec::new()
        }
        1 => choose_pod(state, 0),
        _ => {
            view.picker = Some(0);
            view.stream = StreamState::Picking;
            Vec::new()
        }
    }
}

/// `p`: the picker, on the pod shown (the first when none is).
pub(super) fn open(view: &mut LogView) {
    if view.pods.is_empty() {
        view.notice = Some("no pods found for this run yet".into());
    } else {
        let current = view
            .pod
            .as_ref()
            .and_then(|p| view.pods.iter().position(|q| q.name == p.name))
            .unwrap_or(0);
        view.picker = Some(current);
    }
}

pub(super) fn choose_pod(state: &mut State, index: usize) -> Vec<Effect> {
    let Some(view) = state.screens.logs_mut() else {
        return Vec::new();
    };
    let Some(pod) = view.pods.get(index).cloned() else {
        return Vec::new();
    };
    view.picker = None;
    view.pod = Some(pod);
    // Chosen (for the step, or by the operator): no longer waiting for the step's pod.
    view.step = None;
    restart_stream(state)
}

pub(super) fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Some(view) = state.screens.logs_mut() else {
        return Vec::new();
    };
    let Some(cursor) = view.picker else {
        return Vec::new();
    };
    let last = view.pods.len().saturating_sub(1);
    let Some(action) = state.settings.keymap.pods.action(&key) else {
        return Vec::new();
    };
    match action {
        PodAction::Down => view.picker = Some((cursor + 1).min(last)),
        PodAction::Up => view.picker = Some(cursor.saturating_sub(1)),
        PodAction::Top => view.picker = Some(0),
        PodAction::Bottom => view.picker = Some(last),
        PodAction::Choose => return choose_pod(state, cursor),
        PodAction::Help => crate::app::help::open(state),
        PodAction::Back => {
            if view.pod.is_none() {
                // Nothing chosen yet: backing out of the picker leaves the logs.
                return close(state);
            }
            view.picker = None;
        }
    }
    Vec::new()
}
