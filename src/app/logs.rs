//! The log view of a run: its state, its key bindings and how it reacts to keys and to the log
//! sources. Pure like the rest of `app`: `update` calls in here and gets effects back (watch the
//! run's pods, stream one pod's log, save, copy); the runtime executes them.
use super::effect::Effect;
use super::keymap::{self, LogAction, LogSearchAction, PodAction};
use super::layout;
use super::screen::Screen;
use super::state::{Mode, State};
use crate::domain::ObjectKey;
use crate::domain::log_buffer::{
    FilterIndex, FilterMode, LineBatch, LogBuffer, Rows, Scroll, Search, TIMESTAMP_WIDTH, WrapCache,
};
use crate::domain::pod::{PodInfo, StepPod};
use crossterm::event::{KeyCode, KeyEvent, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;
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

/// Tail sizes `T` cycles through.
const TAILS: [Option<u32>; 5] = [Some(100), Some(1_000), Some(10_000), Some(100_000), None];
/// Longest text `y` puts on the clipboard (terminals cap OSC 52 payloads).
pub const MAX_COPY_BYTES: usize = 100 * 1024;

// ---------------------------------------------------------------------------------------------
// Geometry (shared with the view)
// ---------------------------------------------------------------------------------------------

/// The view's areas inside the board area: header row, body, footer row.
pub fn areas(board: Rect) -> (Rect, Rect, Rect) {
    let header = Rect {
        height: board.height.min(1),
        ..board
    };
    let footer_h = board.height.saturating_sub(1).min(1);
    let footer = Rect {
        y: board.y + board.height - footer_h,
        height: footer_h,
        ..board
    };
    let body = Rect {
        y: board.y + header.height,
        height: board.height - header.height - footer_h,
        ..board
    };
    (header, body, footer)
}

/// The body area for a screen of `width`×`height`.
pub fn body_rect(width: u16, height: u16) -> Rect {
    let (_, board, _) = layout::screen(Rect::new(0, 0, width, height));
    areas(board).1
}

impl LogView {
    /// Columns left of the text (the timestamp gutter).
    pub fn gutter(&self) -> usize {
        if self.options.timestamps {
            TIMESTAMP_WIDTH
        } else {
            0
        }
    }

    /// Columns of text per row in a body `body_width` wide.
    pub fn text_width(&self, body_width: u16) -> usize {
        usize::from(body_width).saturating_sub(self.gutter()).max(1)
    }

    /// The entries shown (all lines or the filter's) with their rows at `body_width`.
    pub fn rows(&self, body_width: u16) -> ViewRows<'_> {
        ViewRows {
            view: self,
            width: self.text_width(body_width),
        }
    }

    pub fn filtering(&self) -> bool {
        self.filter != FilterMode::Off && self.search.is_some()
    }

    fn rebuild_filter(&mut self) {
        self.filter_index = FilterIndex::default();
        if let (true, Some(search)) = (self.filter != FilterMode::Off, &self.search) {
            self.filter_index.catch_up(
                &self.buffer,
                search,
                self.filter == FilterMode::NotMatching,
            );
        }
    }
}

/// [`Rows`] over a view: entry `i` is the i-th line shown.
pub struct ViewRows<'a> {
    view: &'a LogView,
    width: usize,
}

impl ViewRows<'_> {
    pub fn width(&self) -> usize {
        self.width
    }
}

impl Rows for ViewRows<'_> {
    fn count(&self) -> usize {
        if self.view.filtering() {
            self.view.filter_index.seqs.len()
        } else {
            self.view.buffer.len()
        }
    }

    fn seq_at(&self, index: usize) -> u64 {
        if self.view.filtering() {
            self.view.filter_index.seqs.get(index).copied().unwrap_or(0)
        } else {
            self.view.buffer.first_seq() + index as u64
        }
    }

    fn index_of(&self, seq: u64) -> usize {
        if self.view.filtering() {
            self.view.filter_index.seqs.partition_point(|s| *s < seq)
        } else {
            (seq.saturating_sub(self.view.buffer.first_seq()) as usize).min(self.view.buffer.len())
        }
    }

    fn rows(&self, index: usize) -> usize {
        if !self.view.options.wrap {
            return 1;
        }
        match self.view.buffer.line(self.seq_at(index)) {
            Some(line) => self.view.wrap_cache.borrow_mut().rows(&line, self.width),
            None => 1,
        }
    }
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

fn choose_pod(state: &mut State, index: usize) -> Vec<Effect> {
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

// ---------------------------------------------------------------------------------------------
// Events from the sources
// ---------------------------------------------------------------------------------------------

pub fn on_event(state: &mut State, event: LogEvent) -> Vec<Effect> {
    let Some(view) = state.screens.logs_mut() else {
        return Vec::new();
    };
    match event {
        LogEvent::Pods { run, pods } => {
            if run != view.run {
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

// ---------------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------------

pub fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Screen::Logs(view) = state.screens.front_mut() else {
        return Vec::new();
    };
    view.notice = None;
    if view.prompt.is_some() {
        edit_prompt(state, key);
        return Vec::new();
    }
    if view.picker.is_some() {
        return picker_key(state, key);
    }
    let Some(act) = state.settings.keymap.logs.action(&key) else {
        return Vec::new();
    };
    let body = body_rect(state.ui.width, state.ui.height);
    let height = usize::from(body.height).max(1);
    let half = (height / 2).max(1);
    let scroll = |view: &mut LogView, f: &dyn Fn(&mut Scroll, &ViewRows<'_>)| {
        let mut scroll = view.scroll;
        f(&mut scroll, &view.rows(body.width));
        view.scroll = scroll;
    };
    match act {
        LogAction::Down => scroll(view, &|s, r| s.down(r, height, 1)),
        LogAction::Up => scroll(view, &|s, r| s.up(r, height, 1)),
        LogAction::PageDown => scroll(view, &|s, r| s.down(r, height, half)),
        LogAction::PageUp => scroll(view, &|s, r| s.up(r, height, half)),
        LogAction::Top => scroll(view, &|s, r| s.to_top(r)),
        LogAction::Bottom => {
            view.scroll.to_bottom();
            view.unseen = 0;
        }
        LogAction::ToggleFollow => {
            if view.scroll.follow {
                // Pin what is on screen now.
                scroll(view, &|s, r| {
                    let top = s.top(r, height);
                    if r.count() > 0 {
                        s.top_seq = r.seq_at(top.0);
                        s.top_row = top.1;
                    }
                    s.follow = false;
                });
            } else {
                view.scroll.to_bottom();
                view.unseen = 0;
            }
        }
        LogAction::Left => view.scroll.hscroll = view.scroll.hscroll.saturating_sub(8),
        LogAction::Right => {
            if !view.options.wrap {
                view.scroll.hscroll += 8;
            }
        }
        LogAction::Search => view.prompt = Some(String::new()),
        LogAction::NextMatch => jump_to_match(view, body, true),
        LogAction::PrevMatch => jump_to_match(view, body, false),
        LogAction::Filter => toggle_filter(view, FilterMode::Matching),
        LogAction::InverseFilter => toggle_filter(view, FilterMode::NotMatching),
        LogAction::Timestamps => view.options.timestamps = !view.options.timestamps,
        LogAction::Wrap => {
            view.options.wrap = !view.options.wrap;
            view.scroll.hscroll = 0;
        }
        LogAction::Previous => {
            view.options.previous = !view.options.previous;
            if view.options.previous && view.pod.as_ref().is_some_and(|p| p.restarts == 0) {
                view.notice = Some(
                    "previous container: none recorded (no restart yet), the server may have none"
                        .into(),
                );
            }
            return restart_stream(state);
        }
        LogAction::Pods => {
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
        LogAction::All => {
            view.options.tail = None;
            view.options.since_seconds = None;
            return restart_stream(state);
        }
        LogAction::Since1m | LogAction::Since5m | LogAction::Since30m | LogAction::Since1h => {
            view.options.since_seconds = act.since_seconds();
            view.options.tail = None;
            return restart_stream(state);
        }
        LogAction::Tail => {
            let next = TAILS
                .iter()
                .position(|t| *t == view.options.tail)
                .map_or(0, |i| (i + 1) % TAILS.len());
            view.options.tail = TAILS[next];
            view.options.since_seconds = None;
            return restart_stream(state);
        }
        LogAction::Save => return save(state),
        LogAction::Copy => return copy(view, body),
        LogAction::Help => super::help::open(state),
        LogAction::Back => return close(state),
    }
    Vec::new()
}

fn picker_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
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

fn edit_prompt(state: &mut State, key: KeyEvent) {
    let body = body_rect(state.ui.width, state.ui.height);
    let Some(view) = state.screens.logs_mut() else {
        return;
    };
    let Some(prompt) = view.prompt.as_mut() else {
        return;
    };
    if let Some(c) = keymap::typed_char(&key) {
        prompt.push(c);
        return;
    }
    match state.settings.keymap.log_search.action(&key) {
        Some(LogSearchAction::Cancel) => view.prompt = None,
        Some(LogSearchAction::Run) => {
            let pattern = view.prompt.take().unwrap_or_default();
            set_search(view, &pattern, body);
        }
        None if key.code == KeyCode::Backspace => {
            prompt.pop();
        }
        None => {}
    }
}

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

fn toggle_filter(view: &mut LogView, mode: FilterMode) {
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
fn jump_to_match(view: &mut LogView, body: Rect, forward: bool) {
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

fn save(state: &mut State) -> Vec<Effect> {
    let now = state.now;
    let dir = state.logs.settings.save_dir.clone();
    let Some(view) = state.screens.logs_mut() else {
        return Vec::new();
    };
    let pod = view
        .pod
        .as_ref()
        .map_or_else(|| view.run.name.clone(), |p| p.name.clone());
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

fn copy(view: &mut LogView, body: Rect) -> Vec<Effect> {
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

/// The wheel scrolls the log (up pauses following).
pub fn on_mouse(state: &mut State, mouse: MouseEvent) -> Vec<Effect> {
    let body = body_rect(state.ui.width, state.ui.height);
    let height = usize::from(body.height).max(1);
    let Some(view) = state.screens.logs_mut() else {
        return Vec::new();
    };
    if view.picker.is_some() {
        return Vec::new();
    }
    let mut scroll = view.scroll;
    match mouse.kind {
        MouseEventKind::ScrollDown => scroll.down(&view.rows(body.width), height, 3),
        MouseEventKind::ScrollUp => scroll.up(&view.rows(body.width), height, 3),
        _ => return Vec::new(),
    }
    view.scroll = scroll;
    Vec::new()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_log_action_has_a_key_in_the_help() {
        let rows = crate::app::keymap::Keymaps::default().logs.help_rows();
        assert!(rows.iter().any(|(k, _)| k == "ctrl-s"));
        assert!(
            rows.iter()
                .any(|(k, d)| k == "G / end" && d.contains("follow"))
        );
    }
}
