//! Gives the heap a big list freed back to the OS. Decoding 10,000 AgentRuns allocates far more
//! in passing (JSON values, list pages) than the board keeps, and glibc's malloc holds on to the
//! freed pages: without a trim the process's RSS stays at the peak of the load for as long as it
//! runs. (The soak bench measured ~2.5 MB given back at 10,000 runs; most of the rest of RSS is
//! live data, code and the worker threads' arenas.)
use std::time::{Duration, Instant};

/// The run count has to move this much since the last trim (a list, a relist, a switch).
const MIN_CHANGE: usize = 1_000;
/// And this long since the last trim: a list streaming in is trimmed when it settles, not per page.
const MIN_GAP: Duration = Duration::from_secs(2);

#[derive(Debug, Default)]
pub struct HeapTrim {
    runs_at_last: usize,
    last: Option<Instant>,
}

impl HeapTrim {
    /// Whether a trim is due with `runs` runs held and nothing waiting in the queue.
    pub fn due(&self, runs: usize, queue_empty: bool, now: Instant) -> bool {
        queue_empty
            && runs.abs_diff(self.runs_at_last) >= MIN_CHANGE
            && self.last.is_none_or(|at| now.duration_since(at) >= MIN_GAP)
    }

    /// Trims when due (see [`HeapTrim::due`]).
    pub fn after_batch(&mut self, runs: usize, queue_empty: bool) {
        let now = Instant::now();
        if self.due(runs, queue_empty, now) {
            trim();
            self.runs_at_last = runs;
            self.last = Some(now);
        }
    }
}

/// One malloc arena for the whole process, set before any thread starts. The watches decode runs
/// on the runtime's worker threads and hand them to the UI thread, which keeps them: with glibc's
/// default of one arena per thread, what the board keeps is scattered among the workers' arenas,
/// between the freed pages of the JSON it was decoded from, and neither arena can give those pages
/// back. A single arena reuses them (1.4 MB less at 10,000 runs, measured with the soak bench); the
/// cockpit's few threads rarely allocate at the same moment, so the shared lock costs nothing seen.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn one_arena() {
    // SAFETY: mallopt only changes the allocator's tuning; called from `main` before any other
    // thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn one_arena() {}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim() {
    // SAFETY: malloc_trim only releases free memory at the allocator's discretion; it takes no
    // pointers and is safe to call at any time from any thread.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_big_settled_change_is_trimmed_once_then_waits() {
        let t0 = Instant::now();
        let mut trim = HeapTrim::default();
        assert!(!trim.due(500, true, t0), "small change");
        assert!(
            !trim.due(10_000, false, t0),
            "the list is still streaming in"
        );
        assert!(trim.due(10_000, true, t0));
        trim.runs_at_last = 10_000;
        trim.last = Some(t0);
        assert!(!trim.due(10_500, true, t0 + MIN_GAP), "small change since");
        assert!(
            !trim.due(0, true, t0 + Duration::from_millis(100)),
            "too soon"
        );
        assert!(trim.due(0, true, t0 + MIN_GAP), "a switch emptied it");
    }
}
