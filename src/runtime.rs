//! Terminal setup/restore and the event loop: drain every pending message, then draw once
//! (at most ~60 Hz, and not at all when nothing visible changed).
use crate::app::{Effect, Msg, State, update};
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
use std::io::{self, Stdout};
use std::time::Duration;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tokio::time::Instant;

const FRAME: Duration = Duration::from_millis(16);
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
    }
}

/// Installs color-eyre's hooks with a panic hook that restores the terminal before reporting.
pub fn install_hooks() -> color_eyre::Result<()> {
    let (panic_hook, eyre_hook) = color_eyre::config::HookBuilder::default().into_hooks();
    eyre_hook.install()?;
    let panic_hook = panic_hook.into_panic_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
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

/// Runs the cockpit until quit, a terminating signal, or the terminal going away.
pub async fn run(
    mut state: State,
    theme: Theme,
    mut rx: mpsc::Receiver<Msg>,
) -> color_eyre::Result<Exit> {
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut sigint = signal(SignalKind::interrupt())?;

    enable_raw_mode()?;
    let _guard = TerminalGuard;
    execute!(io::stdout(), EnterAlternateScreen, EnableMouseCapture)?;
    let mut terminal: Terminal<CrosstermBackend<Stdout>> =
        Terminal::new(CrosstermBackend::new(io::stdout()))?;
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
    let mut last_draw = Instant::now() - FRAME;
    let mut sources_open = true;

    loop {
        if state.needs_redraw && last_draw.elapsed() >= FRAME {
            state.ensure_board();
            terminal.draw(|frame| ui::draw(frame, &state, &theme))?;
            state.needs_redraw = false;
            last_draw = Instant::now();
        }
        let next_frame = last_draw + FRAME;
        let first = tokio::select! {
            event = events.next() => match event {
                Some(Ok(event)) => match to_msg(event) {
                    Some(msg) => msg,
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
            _ = tokio::time::sleep_until(next_frame), if state.needs_redraw => continue,
            _ = sigterm.recv() => return Ok(Exit::Signal("SIGTERM")),
            _ = sighup.recv() => return Ok(Exit::Signal("SIGHUP")),
            _ = sigint.recv() => return Ok(Exit::Signal("SIGINT")),
        };
        update(&mut state, Msg::Tick(Utc::now()));
        if apply(&mut state, first) {
            return Ok(Exit::Quit);
        }
        for _ in 0..MAX_BATCH {
            match rx.try_recv() {
                Ok(msg) => {
                    if apply(&mut state, msg) {
                        return Ok(Exit::Quit);
                    }
                }
                Err(_) => break,
            }
        }
    }
}

/// Applies one message; true when the app asked to quit.
fn apply(state: &mut State, msg: Msg) -> bool {
    update(state, msg).into_iter().any(|e| e == Effect::Quit)
}

fn to_msg(event: Event) -> Option<Msg> {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => Some(Msg::Key(key)),
        Event::Mouse(mouse) => Some(Msg::Mouse(mouse)),
        Event::Resize(width, height) => Some(Msg::Resize { width, height }),
        _ => None,
    }
}
