//! The log view of a run: its state, its key bindings and how it reacts to keys and to the log
//! sources. Pure like the rest of `app`: `update` calls in here and gets effects back (watch the
//! run's pods, stream one pod's log, save, copy); the runtime executes them.
//!
//! This file holds the types other modules use (settings, requests, events, the view) and
//! opening, closing and (re)starting a stream; the rest is split by concern:
//! - `rows`: the view's areas and the rows it shows (the view draws from the same geometry);
//! - `events`: what the log sources report, into the buffer;
//! - `picker`: which pod is shown (the picker, the pod of a workflow step);
//! - `keys`: the view's keys and the mouse wheel (follow, scroll, options);
//! - `search`: `/` search, `n`/`N`, the match filters;
//! - `save`: `ctrl-s` save and `y` copy.
mod events;
mod keys;
mod picker;
mod rows;
mod save;
mod search;

pub use events::on_event;
pub use keys::{on_key, on_mouse};
pub use rows::{ViewRows, areas, body_rect};
pub use save::MAX_COPY_BYTES;
pub use search::set_search;

use super::effect::Effect;
use super::screen::Screen;
use super::state::{Mode, State};
use crate::domain::ObjectKey;
use crate::domain::log_buffer::{
    FilterIndex, FilterMode, LineBatch, LogBuffer, Scroll, Search, WrapCache,
};
use crate::domain::pod::{PodInfo, StepPod};
use std::cell::RefCell;
use std::path::PathBuf;

/// The `[logs]` settings (config file), with their defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSettings {
    /// Lines kept per view before the oldest are dropped.
    pub max_lines: usize,
    /// Bytes of text kept per view before the oldest lines are dropped.
    pub max_bytes: usize,
    /// Lines fetched from the end of the log when a view opens (`None`: all).
    pub tail: Option<u32>,
    pub timestamps: bool,
    pub wrap: bool,
    /// Where `ctrl-s` saves (`None`: the current directory).
    pub save_dir: Option<PathBuf>,
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings {
            max_lines: 1_000_000,
            max_bytes: 256 * 1024 * 1024,
            tail: Some(10_000),
            timestamps: false,
            wrap: true,
            save_dir: None,
        }
    }
}

/// What the view asks the server for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogOptions {
    pub tail: Option<u32>,
    pub since_seconds: Option<u32>,
    pub timestamps: bool,
    pub wrap: bool,
    /// The previous (terminated) container's log instead of the current one.
    pub previous: bool,
}

/// One log stream to open: a pod's container, from `tail`/`since`, following unless `previous`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRequest {
    /// Identifies the stream: events of an older stream are ignored.
    pub stream: u64,
    pub namespace: String,
    pub pod: String,
    pub container: String,
    pub follow: bool,
    pub previous: bool,
    pub tail: Option<u32>,
    pub since_seconds: Option<u32>,
}

/// Which pods to watch for a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodQuery {
    pub run: ObjectKey,
    /// `status.runtimeRef.name`: pods labelled `job-name=<job>` are the run's too.
    pub job: Option<String>,
    /// The run's phase (the demo source simulates pods and logs to match it).
    pub phase: crate::domain::Phase,
}

/// Where a stream is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamState {
    /// Looking for the run's pods.
    FindingPods,
    /// The run has no pod (yet); the pod watch goes on.
    NoPods,
    /// Waiting for the operator to pick a pod.
    Picking,
    Connecting,
    Streaming,
    /// The container has not started; retrying.
    Waiting(String),
    /// The connection dropped; retrying (with the reason).
    Reconnecting(String),
    /// The log is complete: the container exited, the pod was deleted, previous logs read.
    Ended(String),
    /// A problem retrying will not fix (no previous container, forbidden).
    Failed(String),
}

/// What log sources and the runtime tell the app.
#[derive(Debug, Clone)]
pub enum LogEvent {
    /// The current pods of a run (after each change of the watch).
    Pods {
        run: ObjectKey,
        pods: Vec<PodInfo>,
    },
    PodsError {
        run: ObjectKey,
        error: String,
    },
    Lines {
        stream: u64,
        batch: LineBatch,
    },
    State {
        stream: u64,
        state: StreamState,
    },
    Saved {
        path: PathBuf,
        lines: usize,
    },
    SaveFailed {
        path: PathBuf,
        error: String,
    },
}

/// The log view's part of the state: settings, and the open view if any.
#[derive(Debug, Clone, Default)]
pub struct Logs {
    pub settings: LogSettings,
    next_stream: u64,
}

/// An open log view.
#[derive(Debug, Clone)]
pub struct LogView {
    pub run: ObjectKey,
    pub query: PodQuery,
    /// Newest first.
    pub pods: Vec<PodInfo>,
    pub pods_error: Option<String>,
    /// The pod being shown.
    pub pod: Option<PodInfo>,
    /// The pod picker is open, with its cursor.
    pub picker: Option<usize>,
    pub stream_id: u64,
    pub stream: StreamState,
    pub options: LogOptions,
    pub buffer: LogBuffer,
    pub scroll: Scroll,
    pub search: Option<Search>,
    /// The match `n`/`N` landed on (also the line `y` copies).
    pub current_match: Option<u64>,
    pub filter: FilterMode,
    pub filter_index: FilterIndex,
    /// The search being typed after `/`.
    pub prompt: Option<String>,
    /// A one-shot message for the footer (saved to…, copied…, no match).
    pub notice: Option<String>,
    /// Lines that arrived since following paused.
    pub unseen: u64,
    pub wrap_cache: RefCell<WrapCache>,
    /// Opened on a workflow step: its attempt's pod is chosen as soon as it is among the pods.
    pub step: Option<StepPod>,
}

// ---------------------------------------------------------------------------------------------
// Opening and closing
// ---------------------------------------------------------------------------------------------

pub fn is_open(state: &State) -> bool {
    state.screens.is_open(Mode::Logs)
}

/// `L` on the board, `l` in the detail pane: the logs of the selected run.
pub fn open_selected(state: &mut State) -> Vec<Effect> {
    match state.selected_run().map(|r| r.key.clone()) {
        Some(key) => open(state, &key),
        None => Vec::new(),
    }
}

/// `l` in the detail pane with its `i`-th workflow step selected: the logs of the pod of that
/// step's current attempt (the picker, saying so, when the run has no such pod).
pub fn open_selected_step(state: &mut State, i: usize) -> Vec<Effect> {
    let Some(run) = state.selected_run() else {
        return Vec::new();
    };
    let (key, step) = (run.key.clone(), StepPod::of(&run.steps, i));
    let effects = open(state, &key);
    if let Some(view) = state.screens.logs_mut() {
        view.step = step;
    }
    effects
}

/// Opens the log view of a run: watches its pods first (the stream starts once one is known).
pub fn open(state: &mut State, run: &ObjectKey) -> Vec<Effect> {
    let Some(r) = state.cluster.runs.get(run) else {
        return Vec::new();
    };
    let job = r.runtime_ref.as_ref().and_then(|rr| rr.name.clone());
    let query = PodQuery {
        run: run.clone(),
        job,
        phase: r.phase.clone(),
    };
    let settings = &state.logs.settings;
    let view = LogView {
        run: run.clone(),
        query: query.clone(),
        pods: Vec::new(),
        pods_error: None,
        pod: None,
        picker: None,
        stream_id: 0,
        stream: StreamState::FindingPods,
        options: LogOptions {
            tail: settings.tail,
            since_seconds: None,
            timestamps: settings.timestamps,
            wrap: settings.wrap,
            previous: false,
        },
        buffer: LogBuffer::new(settings.max_lines, settings.max_bytes),
        scroll: Scroll::default(),
        search: None,
        current_match: None,
        filter: FilterMode::Off,
        filter_index: FilterIndex::default(),
        prompt: None,
        notice: None,
        unseen: 0,
        wrap_cache: RefCell::new(WrapCache::default()),
        step: None,
    };
    // One log view at a time: opening another run's logs replaces it. The logs take the whole
    // screen in place of the run's details they were opened from: leaving them is the board.
    state.screens.close(Mode::Logs);
    if state.mode() == Mode::Detail {
        state.screens.back();
    }
    state.screens.open(Screen::Logs(Box::new(view)));
    vec![Effect::StopLogs, Effect::WatchPods(query)]
}

/// Leaves the log view (streams stopped, buffer freed).
pub fn close(state: &mut State) -> Vec<Effect> {
    state.screens.close(Mode::Logs);
    vec![Effect::StopLogs]
}

/// (Re)starts the stream of the chosen pod with the current options, into an empty buffer.
fn restart_stream(state: &mut State) -> Vec<Effect> {
    state.logs.next_stream += 1;
    let id = state.logs.next_stream;
    let settings = state.logs.settings.clone();
    let Some(view) = state.screens.logs_mut() else {
        return Vec::new();
    };
    let Some(pod) = view.pod.clone() else {
        return Vec::new();
    };
    view.stream_id = id;
    view.stream = StreamState::Connecting;
    view.buffer = LogBuffer::new(settings.max_lines, settings.max_bytes);
    view.filter_index = FilterIndex::default();
    view.current_match = None;
    view.scroll = Scroll::default();
    view.unseen = 0;
    view.wrap_cache = RefCell::default();
    vec![Effect::StreamLogs(LogRequest {
        stream: id,
        namespace: pod.namespace.clone(),
        pod: pod.name.clone(),
        container: pod.container.clone(),
        follow: !view.options.previous,
        previous: view.options.previous,
        tail: view.options.tail,
        since_seconds: view.options.since_seconds,
    })]
}
