//! A small harness that runs the real `swarm` binary in a pseudo-terminal and reads the screen
//! back through a `vt100` parser.
//!
//! Every wait is a condition wait (the parsed screen, the child's status, the reader reaching the
//! end of output), bounded by a generous timeout so a loaded 2-core machine does not cause
//! spurious failures; a timeout panics with a dump of the screen.
#![allow(dead_code)] // not every test binary uses every helper

use portable_pty::{Child, CommandBuilder, ExitStatus, MasterPty, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// How long [`Tui::wait_for`] waits before giving up.
pub const TIMEOUT: Duration = Duration::from_secs(15);
/// How long to wait for the process to exit after asking it to.
pub const EXIT_TIMEOUT: Duration = Duration::from_secs(15);

/// What the reader thread shares with the test.
struct Output {
    parser: vt100::Parser,
    /// Every byte the program wrote, escape sequences included.
    raw: Vec<u8>,
    /// The reader reached the end of output (the program and its terminal are gone).
    eof: bool,
    /// The last bytes of the previous read, to spot a query split across reads.
    tail: Vec<u8>,
    /// The vt100 parser panicked on this output (the screen is no longer tracked).
    parser_panic: Option<String>,
}

/// Device status report "where is the cursor?" (ratatui asks it when it clears the screen).
const CURSOR_QUERY: &[u8] = b"\x1b[6n";

impl Output {
    /// [`Output::process`], but a panic in the parser is recorded (and parsing stops) instead of
    /// killing the reader, which must keep draining the pty so the program never blocks.
    fn process_guarded(&mut self, bytes: &[u8]) -> Vec<u8> {
        if self.parser_panic.is_some() {
            self.raw.extend_from_slice(bytes);
            return Vec::new();
        }
        let raw_len = self.raw.len();
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.process(bytes))) {
            Ok(replies) => replies,
            Err(e) => {
                let what = e
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| e.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".into());
                self.parser_panic = Some(what);
                self.raw.truncate(raw_len);
                self.raw.extend_from_slice(bytes);
                Vec::new()
            }
        }
    }

    /// Parses a chunk of output; returns what a terminal would answer to the queries in it.
    fn process(&mut self, bytes: &[u8]) -> Vec<u8> {
        let mut replies = Vec::new();
        // A query may straddle two reads: look for it in the end of the last read plus this one.
        let mut window = std::mem::take(&mut self.tail);
        let carried = window.len();
        window.extend_from_slice(bytes);
        let mut parsed = 0;
        for end in (CURSOR_QUERY.len()..=window.len())
            .filter(|&end| &window[end - CURSOR_QUERY.len()..end] == CURSOR_QUERY)
        {
            // Answer with the cursor where the query was made, as a terminal does.
            let upto = end - carried;
            self.parser.process(&bytes[parsed..upto]);
            parsed = upto;
            let (row, col) = self.parser.screen().cursor_position();
            replies.extend_from_slice(format!("\x1b[{};{}R", row + 1, col + 1).as_bytes());
        }
        self.parser.process(&bytes[parsed..]);
        self.raw.extend_from_slice(bytes);
        let keep = window.len().min(CURSOR_QUERY.len() - 1);
        self.tail = window[window.len() - keep..].to_vec();
        replies
    }
}

struct Shared {
    out: Mutex<Output>,
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Output> {
        // A panicking test thread must not hide the screen from the next assertion.
        self.out.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The `swarm` binary running in a pseudo-terminal.
pub struct Tui {
    master: Box<dyn MasterPty + Send>,
    /// Shared with the reader thread, which answers the program's terminal queries.
    writer: Arc<Mutex<Box<dyn Write + Send>>>,
    child: Box<dyn Child + Send + Sync>,
    shared: Arc<Shared>,
    reader: Option<JoinHandle<()>>,
    status: Option<ExitStatus>,
    args: Vec<String>,
    home: TempDir,
}

/// A fresh directory to stand in for the user's home (config, state and data dirs live inside).
pub fn temp_home() -> TempDir {
    tempfile::Builder::new()
        .prefix("swarm-e2e-")
        .tempdir()
        .expect("create a temporary home")
}

impl Tui {
    /// Runs `swarm <args>` in a `cols`×`rows` terminal, with the user's dirs isolated.
    pub fn spawn(args: &[&str], cols: u16, rows: u16) -> Tui {
        Tui::spawn_in(temp_home(), args, cols, rows)
    }

    /// Like [`Tui::spawn`], in a home prepared by the caller (e.g. with files in it).
    pub fn spawn_in(home: TempDir, args: &[&str], cols: u16, rows: u16) -> Tui {
        Tui::spawn_with_env(home, args, cols, rows, &[])
    }

    /// Like [`Tui::spawn_in`], with extra environment variables (`EDITOR`, …).
    pub fn spawn_with_env(
        home: TempDir,
        args: &[&str],
        cols: u16,
        rows: u16,
        env: &[(&str, &str)],
    ) -> Tui {
        let pty = native_pty_system();
        let pair = pty
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_swarm"));
        cmd.args(args);
        cmd.cwd(home.path());
        let dir = |name: &str| home.path().join(name);
        cmd.env("HOME", home.path());
        cmd.env("XDG_CONFIG_HOME", dir(".config"));
        cmd.env("XDG_STATE_HOME", dir(".local/state"));
        cmd.env("XDG_DATA_HOME", dir(".local/share"));
        cmd.env("XDG_CACHE_HOME", dir(".cache"));
        cmd.env("TERM", "xterm-256color");
        cmd.env("RUST_BACKTRACE", "0");
        cmd.env("RUST_LIB_BACKTRACE", "0");
        for var in [
            "SWARM_CONFIG",
            "SWARM_LOG",
            "KUBECONFIG",
            "NO_COLOR",
            "COLUMNS",
            "LINES",
            "TMUX",
            "STY",
        ] {
            cmd.env_remove(var);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair
            .slave
            .spawn_command(cmd)
            .expect("spawn swarm in the pty");
        // Only the child holds the terminal side now, so the reader sees the end of output when
        // the child is gone.
        drop(pair.slave);
        let master = pair.master;
        let mut reader = master.try_clone_reader().expect("pty reader");
        let writer = master.take_writer().expect("pty writer");

        let shared = Arc::new(Shared {
            out: Mutex::new(Output {
                parser: vt100::Parser::new(rows, cols, 0),
                raw: Vec::new(),
                eof: false,
                tail: Vec::new(),
                parser_panic: None,
            }),
            changed: Condvar::new(),
        });
        let feed = Arc::clone(&shared);
        let writer = Arc::new(Mutex::new(writer));
        let answer = Arc::clone(&writer);
        let reader = std::thread::Builder::new()
            .name("pty-reader".into())
            .spawn(move || {
                let mut buf = [0u8; 8192];
                loop {
                    match reader.read(&mut buf) {
                        // EIO once the child has exited and its side of the pty is closed.
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            let replies = feed.lock().process_guarded(&buf[..n]);
                            feed.changed.notify_all();
                            if !replies.is_empty() {
                                // Like a real terminal, answer queries (the program waits).
                                let mut w = answer.lock().unwrap_or_else(|e| e.into_inner());
                                let _ = w.write_all(&replies).and_then(|()| w.flush());
                            }
                        }
                    }
                }
                feed.lock().eof = true;
                feed.changed.notify_all();
            })
            .expect("spawn the pty reader");

        Tui {
            master,
            writer,
            child,
            shared,
            reader: Some(reader),
            status: None,
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            home,
        }
    }

    /// Takes the home away (for a restart in the same home after this program is gone).
    pub fn take_home(&mut self) -> TempDir {
        std::mem::replace(&mut self.home, temp_home())
    }

    /// The stand-in home directory.
    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// The process id of the program.
    pub fn pid(&self) -> u32 {
        self.child.process_id().expect("child pid")
    }

    /// Waits until `pred` holds for the parsed screen; panics after [`TIMEOUT`] with a dump.
    pub fn wait_for(&mut self, what: &str, pred: impl Fn(&vt100::Screen) -> bool) {
        self.wait_for_within(what, TIMEOUT, pred);
    }

    pub fn wait_for_within(
        &mut self,
        what: &str,
        timeout: Duration,
        pred: impl Fn(&vt100::Screen) -> bool,
    ) {
        let deadline = Instant::now() + timeout;
        let mut out = self.shared.lock();
        loop {
            if pred(out.parser.screen()) {
                return;
            }
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            if out.eof || out.parser_panic.is_some() {
                // Nothing will change any more: fail now rather than at the deadline.
                break;
            }
            out = self
                .shared
                .changed
                .wait_timeout(out, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        let dump = describe(&out);
        drop(out);
        let status = self.poll_status();
        panic!(
            "gave up (timeout {timeout:?}) waiting for {what}\nswarm {:?}: {}\n{dump}",
            self.args,
            status.map_or("still running".to_owned(), |s| format!("exited: {s:?}")),
        );
    }

    /// Waits until the screen shows `text`.
    pub fn wait_for_text(&mut self, text: &str) {
        let what = format!("{text:?} on screen");
        self.wait_for(&what, |s| s.contents().contains(text));
    }

    /// Waits until the screen no longer shows `text`.
    pub fn wait_for_no_text(&mut self, text: &str) {
        let what = format!("{text:?} gone from the screen");
        self.wait_for(&what, |s| !s.contents().contains(text));
    }

    /// Types bytes (keys) into the terminal.
    pub fn send(&mut self, bytes: impl AsRef<[u8]>) {
        let mut w = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        w.write_all(bytes.as_ref())
            .and_then(|()| w.flush())
            .expect("write to the pty");
    }

    /// Resizes the terminal (the program gets SIGWINCH) and the parsed screen with it.
    ///
    /// vt100 cannot model a screen narrower than 2 columns (it panics on a double-width
    /// character), so the parsed screen stays at least 2x2; what the program draws at 1x1 still
    /// lands in its top-left corner.
    pub fn resize(&mut self, cols: u16, rows: u16) {
        self.shared
            .lock()
            .parser
            .screen_mut()
            .set_size(rows.max(2), cols.max(2));
        self.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("resize the pty");
    }

    /// Resizes and waits until the program has cleared and redrawn the screen for the new size.
    /// Needed to be sure it saw sizes where nothing recognizable fits.
    pub fn resize_and_wait_redraw(&mut self, cols: u16, rows: u16) {
        let mark = self.shared.lock().raw.len();
        self.resize(cols, rows);
        let what = format!("a full redraw after resizing to {cols}x{rows}");
        let deadline = Instant::now() + TIMEOUT;
        let mut out = self.shared.lock();
        loop {
            // ratatui clears the whole screen (ED 2) when it notices a new size.
            if contains(&out.raw[mark..], b"\x1b[2J") {
                return;
            }
            let now = Instant::now();
            if now >= deadline || out.eof || out.parser_panic.is_some() {
                break;
            }
            out = self
                .shared
                .changed
                .wait_timeout(out, (deadline - now).min(Duration::from_millis(250)))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        let dump = describe(&out);
        drop(out);
        let status = self.poll_status();
        panic!(
            "timed out waiting for {what}\nswarm {:?}: {}\n{dump}",
            self.args,
            status.map_or("still running".to_owned(), |s| format!("exited: {s:?}")),
        );
    }

    /// The program's exit status if it has exited.
    pub fn poll_status(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            self.status = self.child.try_wait().expect("query the child");
        }
        self.status.clone()
    }

    /// Is the program still running?
    pub fn is_running(&mut self) -> bool {
        self.poll_status().is_none()
    }

    /// Waits for the program to exit and for all its output to be parsed; panics on timeout.
    pub fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        let status = loop {
            if let Some(status) = self.poll_status() {
                break status;
            }
            if Instant::now() >= deadline {
                let dump = describe(&self.shared.lock());
                panic!(
                    "swarm {:?} did not exit within {timeout:?}\n{dump}",
                    self.args
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        // Everything it wrote before exiting is still in the pty: read it all.
        let drain_deadline = Instant::now() + TIMEOUT;
        let mut out = self.shared.lock();
        while !out.eof {
            let now = Instant::now();
            assert!(
                now < drain_deadline,
                "the pty reader did not reach the end of output after swarm exited ({status:?})"
            );
            out = self
                .shared
                .changed
                .wait_timeout(out, drain_deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        drop(out);
        if let Some(reader) = self.reader.take() {
            reader.join().expect("the pty reader panicked");
        }
        status
    }

    /// Sends a signal to the program with `kill(1)`, e.g. `"TERM"` or `"HUP"`.
    pub fn signal(&mut self, name: &str) {
        let status = std::process::Command::new("kill")
            .arg("-s")
            .arg(name)
            .arg(self.pid().to_string())
            .status()
            .expect("run kill(1)");
        assert!(status.success(), "kill -s {name} failed: {status}");
    }

    /// Calls `f` with the current parsed screen.
    pub fn with_screen<T>(&self, f: impl FnOnce(&vt100::Screen) -> T) -> T {
        f(self.shared.lock().parser.screen())
    }

    /// The text on the screen, rows separated by newlines.
    pub fn contents(&self) -> String {
        self.with_screen(|s| s.contents())
    }

    /// A dump of the screen and its modes, for failure messages.
    pub fn describe(&self) -> String {
        describe(&self.shared.lock())
    }

    /// Everything the program wrote with escape sequences removed (a crude strip: CSI/OSC and
    /// two-byte escapes), so messages printed to stderr can be searched whatever scrolled away.
    pub fn output_text(&self) -> String {
        strip_escapes(&String::from_utf8_lossy(&self.shared.lock().raw))
    }

    /// Every byte the program wrote so far, escape sequences included.
    pub fn raw_output(&self) -> Vec<u8> {
        self.shared.lock().raw.clone()
    }

    /// Did the program switch to the alternate screen at some point (`CSI ? 1049 h`)?
    pub fn seen_alternate_screen(&self) -> bool {
        contains(&self.shared.lock().raw, b"\x1b[?1049h")
    }

    /// The terminal's local mode flags (`ICANON | ECHO | ...`) as text, read from the pty.
    pub fn local_flags(&self) -> String {
        let termios = self.master.get_termios().expect("read the pty's termios");
        format!("{:?}", termios.local_flags)
    }

    /// Is the terminal in canonical (cooked) mode with echo, i.e. not in raw mode?
    pub fn cooked(&self) -> bool {
        let flags = self.local_flags();
        let has = |flag: &str| {
            flags
                .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                .any(|t| t == flag)
        };
        has("ICANON") && has("ECHO") && has("ISIG")
    }

    /// Asserts the terminal is back to normal: main screen, cursor shown, mouse reporting off,
    /// cooked mode.
    pub fn assert_restored(&self) {
        let (alternate, hidden, mouse) = self.with_screen(|s| {
            (
                s.alternate_screen(),
                s.hide_cursor(),
                s.mouse_protocol_mode(),
            )
        });
        let dump = self.describe();
        assert!(!alternate, "still on the alternate screen\n{dump}");
        assert!(!hidden, "cursor still hidden\n{dump}");
        assert_eq!(
            mouse,
            vt100::MouseProtocolMode::None,
            "mouse reporting still on\n{dump}"
        );
        assert!(
            self.cooked(),
            "terminal left in raw mode: local flags {}\n{dump}",
            self.local_flags()
        );
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        // A failed test must not leave the program running.
        if self.poll_status().is_none() {
            let _ = std::process::Command::new("kill")
                .arg("-s")
                .arg("KILL")
                .arg(self.pid().to_string())
                .status();
            let _ = self.child.wait();
        }
    }
}

fn describe(out: &Output) -> String {
    let s = out.parser.screen();
    let (rows, cols) = s.size();
    let mut text = format!(
        "screen {cols}x{rows}, alternate={}, cursor hidden={}, mouse={:?}, output {} bytes, eof={}\n",
        s.alternate_screen(),
        s.hide_cursor(),
        s.mouse_protocol_mode(),
        out.raw.len(),
        out.eof,
    );
    if let Some(panic) = &out.parser_panic {
        text.push_str(&format!(
            "the vt100 parser panicked ({panic}); the screen below is stale\n"
        ));
    }
    let rule: String = "─".repeat(usize::from(cols).min(200));
    text.push_str(&format!("┌{rule}\n"));
    for row in s.rows(0, cols) {
        text.push_str(&format!("│{row}\n"));
    }
    text.push_str(&format!("└{rule}"));
    text
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn strip_escapes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            if c != '\r' {
                out.push(c);
            }
            continue;
        }
        match chars.next() {
            // CSI: parameters, then a final byte in @..~
            Some('[') => {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            // OSC: up to BEL or ST
            Some(']') => {
                while let Some(c) = chars.next() {
                    if c == '\x07' {
                        break;
                    }
                    if c == '\x1b' && chars.peek() == Some(&'\\') {
                        chars.next();
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Writes `text` to `dir/name` (creating `dir`) and returns the path.
pub fn write_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    std::fs::create_dir_all(dir).expect("create dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write file");
    path
}
