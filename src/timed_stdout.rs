//! The cockpit's stdout, counting the time spent writing to the terminal: a frame's wall time
//! then splits into the cockpit's work and the wait for the terminal to take its bytes (a
//! terminal slow to read its pty blocks the write). The soak bench reports the split.
use std::io::{self, Stdout, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub struct TimedStdout {
    out: Stdout,
    writing: WritingTime,
}

/// The time a [`TimedStdout`] spent writing, read from outside the terminal that owns it.
#[derive(Clone, Default)]
pub struct WritingTime(Arc<AtomicU64>);

impl WritingTime {
    /// The time spent in writes and flushes since the last call.
    pub fn take(&self) -> Duration {
        Duration::from_nanos(self.0.swap(0, Ordering::Relaxed))
    }

    fn add(&self, spent: Duration) {
        let nanos = u64::try_from(spent.as_nanos()).unwrap_or(u64::MAX);
        self.0.fetch_add(nanos, Ordering::Relaxed);
    }
}

impl TimedStdout {
    pub fn new(writing: WritingTime) -> Self {
        TimedStdout {
            out: io::stdout(),
            writing,
        }
    }

    fn timed<T>(&mut self, op: impl FnOnce(&mut Stdout) -> io::Result<T>) -> io::Result<T> {
        let started = Instant::now();
        let result = op(&mut self.out);
        self.writing.add(started.elapsed());
        result
    }
}

impl Write for TimedStdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.timed(|out| out.write(buf))
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.timed(|out| out.write_all(buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.timed(|out| out.flush())
    }
}
