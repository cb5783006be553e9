//! Terminal setup/restore and the event loop: drain every pending message, then draw once
//! (at most ~60 Hz, and not at all when nothing visible changed).
use crate::app::msg::OpResult;
use crate::app::{Msg, State, update};
use crate::effects::{Executor, TerminalEffect};
use crate::timed_stdout::{TimedStdout, WritingTime};
use crate::ui::{self, Theme};
use chrono::Utc;
use crossterm::event::{DisableMouseCapture, EnableMouseCapture, Event, EventStream, KeyEventKind};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::io;
use std::time::Duration;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tokio::time::Instant;

const FRAME: Duration = Duration::from_millis(16);
/// Drawing takes at most this share of the loop's time: after a frame that cost `c`, the next one
/// comes no sooner than `c × DRAW_SHARE` later. The usual frame (about a millisecond) is drawn at
/// 60 Hz as before; while a 10,000-object list streams in, each frame rebuilds the whole board,
/// and drawing it 60 times a second would leave the CPU little for the list itself.
const DRAW_SHARE: u32 = 4;
/// However slow the last frame was, the next one is never further away than this.
const MAX_FRAME_GAP: Duration = Duration::from_millis(250);

/// While a (re)list streams in, frames come no more often than this: a board filling with
/// thousands of cards is not read at 60 Hz, and each frame drawn meanwhile is CPU taken from
/// decoding the list (and, on a small machine, from the API server sending it). The frame that
/// shows the list complete is not held back: the resync's end lifts the limit.
const LOADING_FRAME_GAP: Duration = Duration::from_millis(100);

/// How long after a frame that took `cost` the next one may be drawn.
fn frame_gap(cost: Duration) -> Duration {
    (cost * DRAW_SHARE).clamp(FRAME, MAX_FRAME_GAP)
}

/// The wait before the next frame: `gap` (from [`frame_gap`]), stretched while a list is
/// `loading` unless the operator's input waits for its echo (keys are answered at once).
fn paced(gap: Duration, loading: bool, input_waiting: bool) -> Duration {
    if loading && !input_waiting {
        gap.max(LOADING_FRAME_GAP)
    } else {
        gap
    }
}

/// When the next frame may be drawn: the runtime's rule, which the benches drive too so that they
/// measure what the cockpit does.
#[derive(Debug)]
pub struct FramePacer {
    last: Option<Instant>,
    gap: Duration,
    input_waiting: bool,
}

impl Default for FramePacer {
    fn default() -> Self {
        FramePacer {
            last: None,
            gap: FRAME,
            input_waiting: false,
        }
    }
}

impl FramePacer {
    fn wait(&self, state: &State) -> Duration {
        paced(self.gap, state.loading(), self.input_waiting)
    }

    /// Whether a frame is due now: the screen is behind the state and the wait is over.
    pub fn due(&self, state: &State) -> bool {
        state.needs_redraw() && self.last.is_none_or(|t| t.elapsed() >= self.wait(state))
    }

    /// When a frame the state asks for may be drawn.
    pub fn next_frame(&self, state: &State) -> Instant {
        self.last
            .map_or_else(Instant::now, |t| t + self.wait(state))
    }

    /// The operator's input arrived: its echo is not paced.
    pub fn input(&mut self) {
        self.input_waiting = true;
    }

    /// A frame was just drawn, at a cost of `cost`.
    pub fn drawn(&mut self, cost: Duration) {
        self.last = Some(Instant::now());
        self.gap = frame_gap(cost);
        self.input_waiting = false;
    }
}

/// Upper bound on messages handled between two frames, so a flood (a 10k-object relist) cannot
/// starve drawing and input.
const MAX_BATCH: usize = 20_000;
/// Capacity of the source channel.
pub const CHANNEL: usize = 4096;

/// Puts the terminal back: mouse off, main screen, cooked mode, cursor shown. Safe to call twice,
/// and from a panic hook.
pub fn restore_terminal() {
    let _ = execute!(
        io::stdout(),
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    let _ = disable_raw_mode();
}

/// Restores the terminal when dropped, whatever the exit path.
struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
        crate::crash::set_terminal_taken(false);
    }
}

/// Installs color-eyre's hooks with a panic hook that writes the open editor's draft and, when
/// the TUI holds the terminal, restores it before reporting. Reports are plain text when stderr
/// is not a terminal (a script's log, CI).
pub fn install_hooks() -> color_eyre::Result<()> {
    use std::io::IsTerminal;
    let mut builder = color_eyre::config::HookBuilder::default();
    if !io::stderr().is_terminal() {
        builder = builder.theme(color_eyre::config::Theme::new());
    }
    let (panic_hook, eyre_hook) = builder.into_hooks();
    eyre_hook.install()?;
    let panic_hook = panic_hook.into_panic_hook();
    std::panic::set_hook(Box::new(move |info| {
        let draft = crate::crash::flush_draft();
        if crate::crash::terminal_taken() {
            restore_terminal();
        }
        if let Some(path) = draft {
            eprintln!(
                "swarm: your unsaved draft was written to {}",
                path.display()
            );
        }
        panic_hook(info);
        // A panic in any task (a watcher, the demo) must end the cockpit: tokio would otherwise
        // keep a half-alive UI drawing over the report on a terminal no longer in raw mode.
        std::process::exit(101);
    }));
    Ok(())
}

/// Why the loop ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Exit {
    Quit,
    Signal(&'static str),
    TerminalClosed,
}

impl Exit {
    /// Process exit status: 0 for a quit, 128 + signal number for a signal (shell convention).
    pub fn code(&self) -> i32 {
        match self {
            Exit::Quit => 0,
            Exit::Signal("SIGHUP") | Exit::TerminalClosed => 129,
            Exit::Signal("SIGINT") => 130,
            Exit::Signal(_) => 143,
        }
    }
}

/// How long the exit waits for file jobs still queued (a draft typed just before `q`).
const FLUSH_ON_EXIT: Duration = Duration::from_secs(2);

/// Runs the cockpit until quit, a terminating signal, or the terminal going away. `executor`
/// carries out every effect but those that need the terminal.
pub async fn run(
    state: State,
    theme: Theme,
    rx: mpsc::Receiver<Msg>,
    mut executor: Executor,
) -> color_eyre::Result<Exit> {
    let exit = run_loop(state, theme, rx, &mut executor).await;
    if tokio::time::timeout(FLUSH_ON_EXIT, executor.flush_files())
        .await
        .is_err()
    {
        tracing::warn!("file jobs still queued at exit (a slow disk?)");
    }
    exit
}

async fn run_loop(
    mut state: State,
    mut theme: Theme,
    mut rx: mpsc::Receiver<Msg>,
    executor: &mut Executor,
) -> color_eyre::Result<Exit> {
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut sigint = signal(SignalKind::interrupt())?;

    crate::crash::set_terminal_taken(true);
    let _guard = TerminalGuard;
    enable_raw_mode()?;
    execute!(io::stdout(), EnterAlternateScreen, EnableMouseCapture)?;
    let writing = WritingTime::default();
    let mut terminal: Terminal<CrosstermBackend<TimedStdout>> =
        Terminal::new(CrosstermBackend::new(TimedStdout::new(writing.clone())))?;
    // A plain clear: `Terminal::clear` asks the terminal for the cursor position, and a terminal
    // that does not answer would stall startup.
    execute!(
        io::stdout(),
        crossterm::terminal::Clear(crossterm::terminal::ClearType::All)
    )?;
    let size = terminal.size()?;
    update(
        &mut state,
        Msg::Resize {
            width: size.width,
            height: size.height,
        },
    );
    update(&mut state, Msg::Tick(Utc::now()));

    let mut events = EventStream::new();
    let mut clock = tokio::time::interval(Duration::from_secs(1));
    clock.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut pacer = FramePacer::default();
    let mut sources_open = true;
    let mut published = 0;
    executor.offer_drafts();
    let mut terminal_effects: Vec<TerminalEffect> = Vec::new();
    let mut heap_trim = crate::heap_trim::HeapTrim::default();
    let mut report = std::env::var_os(SOAK_REPORT).map(|path| SoakReport {
        path: path.into(),
        frames: Vec::new(),
    });

    loop {
        // What a panic would write before exiting: the draft typed since the last write.
        crate::crash::remember_draft(
            state
                .screens
                .editor()
                .filter(|e| e.draft_pending)
                .map(|e| e.draft()),
        );
        if pacer.due(&state) {
            let started = Instant::now();
            // Two syscalls a frame, only for the soak's report.
            let usage_before = report.is_some().then(ThreadUsage::now);
            let rebuilt = state.board_needs_rebuild();
            state.ensure_board();
            crate::domain::clock::begin_frame();
            terminal.draw(|frame| ui::draw(frame, &state, &theme))?;
            state.mark_drawn(crate::domain::clock::end_frame());
            pacer.drawn(started.elapsed());
            let written_in = writing.take();
            if let (Some(report), Some(before)) = (report.as_mut(), usage_before) {
                let usage = ThreadUsage::now().since(&before);
                report.frames.push(FrameTimes {
                    wall: started.elapsed(),
                    usage,
                    writing: written_in,
                    rebuilt,
                });
            }
        }
        let next_frame = pacer.next_frame(&state);
        let first = tokio::select! {
            event = events.next() => match event {
                Some(Ok(event)) => match to_msg(event) {
                    Some(msg) => {
                        pacer.input();
                        msg
                    }
                    None => continue,
                },
                Some(Err(e)) => {
                    tracing::warn!(error = %e, "terminal input failed");
                    return Ok(Exit::TerminalClosed);
                }
                None => return Ok(Exit::TerminalClosed),
            },
            msg = rx.recv(), if sources_open => match msg {
                Some(msg) => msg,
                None => {
                    sources_open = false;
                    continue;
                }
            },
            _ = clock.tick() => Msg::Tick(Utc::now()),
            _ = tokio::time::sleep_until(next_frame), if state.needs_redraw() => continue,
            _ = sigterm.recv() => return Ok(Exit::Signal("SIGTERM")),
            _ = sighup.recv() => return Ok(Exit::Signal("SIGHUP")),
            _ = sigint.recv() => return Ok(Exit::Signal("SIGINT")),
        };
        let tick = Msg::Tick(Utc::now());
        apply(&mut state, tick, executor, &mut terminal_effects);
        apply(&mut state, first, executor, &mut terminal_effects);
        let drain_started = Instant::now();
        for _ in 0..MAX_BATCH {
            // A flood (a fast log) must not hold the next frame back.
            if !terminal_effects.is_empty() || drain_started.elapsed() >= FRAME {
                break;
            }
            match rx.try_recv() {
                Ok(msg) => apply(&mut state, msg, executor, &mut terminal_effects),
                Err(_) => break,
            }
        }
        heap_trim.after_batch(state.cluster.runs.len(), rx.is_empty());
        for effect in terminal_effects.drain(..) {
            match effect {
                TerminalEffect::Quit => {
                    if let Some(report) = &report {
                        report.write(&state);
                    }
                    return Ok(Exit::Quit);
                }
                TerminalEffect::SetTheme(name) => {
                    let user_themes = crate::paths::config_dir().map(|d| d.join("themes"));
                    match Theme::resolve(&name, user_themes.as_deref()) {
                        Ok(t) => {
                            theme = t;
                            crate::app::toasts::show(&mut state, format!("theme {name}"));
                        }
                        Err(e) => {
                            crate::app::toasts::show(&mut state, format!("theme not changed: {e}"))
                        }
                    }
                    // A new theme is a new look for the same state.
                    state.invalidate_frame();
                }
                TerminalEffect::ExternalEdit { text } => {
                    // The editor owns the terminal meanwhile: stop reading input, leave the
                    // alternate screen, and take both back afterwards.
                    drop(events);
                    restore_terminal();
                    let result = crate::sources::external_editor::edit(&text);
                    enable_raw_mode()?;
                    execute!(io::stdout(), EnterAlternateScreen, EnableMouseCapture)?;
                    execute!(
                        io::stdout(),
                        crossterm::terminal::Clear(crossterm::terminal::ClearType::All)
                    )?;
                    terminal =
                        Terminal::new(CrosstermBackend::new(TimedStdout::new(writing.clone())))?;
                    events = EventStream::new();
                    let msg = match result {
                        Ok(text) => OpResult::ExternalEditDone(text),
                        Err(e) => OpResult::ExternalEditFailed(e),
                    };
                    apply(&mut state, Msg::Op(msg), executor, &mut Vec::new());
                    // The terminal was cleared for the editor: draw it all again.
                    state.invalidate_frame();
                }
            }
        }
        // The poller and the auditor follow the runs, the selection and the screens: nothing
        // to tell them while nothing changed.
        let stamp = state.view_stamp();
        if stamp != published {
            executor.publish(&state);
            published = stamp;
        }
    }
}

/// For the soak bench: with `SWARM_SOAK_REPORT=FILE`, the cockpit writes, when it quits, every
/// run's phase and resourceVersion as it holds them and how long each frame took (JSON), so the
/// bench can compare the board with the server and check frame times.
pub const SOAK_REPORT: &str = "SWARM_SOAK_REPORT";

struct SoakReport {
    path: std::path::PathBuf,
    frames: Vec<FrameTimes>,
}

struct FrameTimes {
    wall: Duration,
    /// What this thread used and waited for during the frame.
    usage: ThreadUsage,
    /// The time spent writing to the terminal, a wait when it is slow to read.
    writing: Duration,
    /// Whether the frame rebuilt the whole board.
    rebuilt: bool,
}

/// The calling thread's resource usage (`getrusage(RUSAGE_THREAD)`), to tell why a frame took
/// longer than its work: preempted (involuntary switches), blocked (voluntary switches: a lock, a
/// write), or paging its code back in (major faults).
#[derive(Debug, Clone, Copy, Default)]
struct ThreadUsage {
    /// User and system CPU time: less than the wall time when the thread waited.
    cpu: Duration,
    major_faults: i64,
    voluntary_switches: i64,
    involuntary_switches: i64,
}

impl ThreadUsage {
    /// Zero where it cannot be read.
    fn now() -> Self {
        #[cfg(target_os = "linux")]
        {
            // SAFETY: rusage is plain data, all zeroes is a valid value.
            let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
            // SAFETY: `usage` is valid and writable for the call's duration.
            if unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut usage) } == 0 {
                let time = |t: libc::timeval| {
                    Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
                };
                return ThreadUsage {
                    cpu: time(usage.ru_utime) + time(usage.ru_stime),
                    major_faults: usage.ru_majflt,
                    voluntary_switches: usage.ru_nvcsw,
                    involuntary_switches: usage.ru_nivcsw,
                };
            }
        }
        ThreadUsage::default()
    }

    fn since(&self, before: &ThreadUsage) -> ThreadUsage {
        ThreadUsage {
            cpu: self.cpu.saturating_sub(before.cpu),
            major_faults: self.major_faults - before.major_faults,
            voluntary_switches: self.voluntary_switches - before.voluntary_switches,
            involuntary_switches: self.involuntary_switches - before.involuntary_switches,
        }
    }
}

impl SoakReport {
    fn write(&self, state: &State) {
        let runs: serde_json::Map<String, serde_json::Value> = state
            .cluster
            .runs
            .values()
            .map(|r| {
                let run = serde_json::json!({
                    "phase": r.phase.to_string(),
                    "rv": r.resource_version.as_deref().unwrap_or(""),
                });
                (r.key.to_string(), run)
            })
            .collect();
        let column = |of: fn(&FrameTimes) -> Duration| -> Vec<f64> {
            self.frames
                .iter()
                .map(|f| of(f).as_secs_f64() * 1000.0)
                .collect()
        };
        let rebuilt: Vec<bool> = self.frames.iter().map(|f| f.rebuilt).collect();
        let count = |of: fn(&ThreadUsage) -> i64| -> Vec<i64> {
            self.frames.iter().map(|f| of(&f.usage)).collect()
        };
        let json = serde_json::json!({"runs": runs, "frames_ms": column(|f| f.wall),
            "frames_cpu_ms": column(|f| f.usage.cpu), "frames_write_ms": column(|f| f.writing),
            "frames_major_faults": count(|u| u.major_faults),
            "frames_voluntary_switches": count(|u| u.voluntary_switches),
            "frames_involuntary_switches": count(|u| u.involuntary_switches),
            "frames_rebuilt": rebuilt});
        if let Err(e) = std::fs::write(&self.path, json.to_string()) {
            tracing::warn!(path = %self.path.display(), error = %e, "cannot write the soak report");
        }
    }
}

/// Applies one message and runs its effects; those that need the terminal (quit, `$EDITOR`, the
/// theme) are queued for the loop.
fn apply(
    state: &mut State,
    msg: Msg,
    executor: &Executor,
    terminal_effects: &mut Vec<TerminalEffect>,
) {
    for effect in update(state, msg) {
        terminal_effects.extend(executor.execute(effect));
    }
}

fn to_msg(event: Event) -> Option<Msg> {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => Some(Msg::Key(key)),
        Event::Mouse(mouse) => Some(Msg::Mouse(mouse)),
        Event::Resize(width, height) => Some(Msg::Resize { width, height }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cheap_frames_keep_60_hz_and_slow_ones_leave_room_for_the_rest() {
        assert_eq!(frame_gap(Duration::ZERO), FRAME);
        assert_eq!(frame_gap(Duration::from_millis(1)), FRAME);
        assert_eq!(
            frame_gap(Duration::from_millis(20)),
            Duration::from_millis(80)
        );
        assert_eq!(frame_gap(Duration::from_secs(1)), MAX_FRAME_GAP);
    }

    #[test]
    fn a_loading_board_is_drawn_less_often_but_keys_are_echoed_at_once() {
        assert_eq!(paced(FRAME, true, false), LOADING_FRAME_GAP);
        assert_eq!(paced(FRAME, false, false), FRAME);
        assert_eq!(paced(FRAME, true, true), FRAME, "a key waits for no list");
        assert_eq!(
            paced(MAX_FRAME_GAP, true, false),
            MAX_FRAME_GAP,
            "a slow frame's own gap is longer still"
        );
    }
}
