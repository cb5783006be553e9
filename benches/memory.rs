//! Where the memory goes with N AgentRuns on the board: the real watchers load them into a real
//! `State` (as `first_board` does), and a counting allocator says how many bytes are live in each
//! part — the runs, the board, the phase history — and, per run, in each group of fields. RSS
//! (`/proc/self/status`) is printed beside the live heap: the difference is code, allocator slack
//! and fragmentation.
//!
//!     cargo bench --bench memory                       # private testenv, 10,000 runs
//!     SWARM_TEST_KUBECONFIG=… SWARM_BENCH_NAMESPACE=ns cargo bench --bench memory -- --runs 10000
mod load;
#[path = "../tests/support/mod.rs"]
mod support;

use load::{cockpit, fill, flag};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use support::{TestCluster, WatchTuning};
use swarm_cockpit::app::board::Board;
use swarm_cockpit::domain::Run;

/// The system allocator, counting live bytes.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
/// Live heap blocks: each costs malloc at least a 32-byte chunk, whatever it holds, so many small
/// blocks cost far more than their bytes.
static BLOCKS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; only a counter is added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
            BLOCKS.fetch_add(1, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as is.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        BLOCKS.fetch_sub(1, Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            LIVE.fetch_add(new_size, Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live() -> usize {
    LIVE.load(Ordering::Relaxed)
}

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn mb(bytes: usize) -> f64 {
    bytes as f64 / 1_048_576.0
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(bench(flag("--runs").unwrap_or(10_000)));
}

async fn bench(n: usize) {
    let Some(cluster) = TestCluster::start().await else {
        return;
    };
    cluster.apply_crds().await;
    let namespace = load::namespace(&cluster);
    fill(&cluster, &namespace, n).await;
    // Settle what the set-up allocated (its client's connections) before the baseline.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (live0, rss0, blocks0) = (live(), rss_mb(), BLOCKS.load(Ordering::Relaxed));
    let loaded = cockpit(&cluster, &namespace, n, &WatchTuning::default()).await;
    let mut state = loaded.state;
    // The aborted watchers and their connection go away.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (live1, rss1, blocks1) = (live(), rss_mb(), BLOCKS.load(Ordering::Relaxed));
    println!(
        "memory: {} runs loaded in {:.0} ms; live heap {:.1} MB before, {:.1} MB after \
         (+{:.1} MB, +{} blocks: {:.1} per run); RSS {:.1} MB before, {:.1} MB after",
        state.cluster.runs.len(),
        load::ms(loaded.full),
        mb(live0),
        mb(live1),
        mb(live1.saturating_sub(live0)),
        blocks1.saturating_sub(blocks0),
        blocks1.saturating_sub(blocks0) as f64 / state.cluster.runs.len().max(1) as f64,
        rss0,
        rss1
    );

    let history = std::mem::take(&mut state.cluster.history);
    let entries: usize = history.values().map(Vec::len).sum();
    let before = live();
    drop(history);
    println!(
        "  phase history: {:.2} MB ({entries} entries)",
        mb(before.saturating_sub(live()))
    );

    let before = live();
    let board = Board::build(
        &state.settings.plan,
        &state.cluster.runs,
        &state.cluster.items,
        "",
        Some((state.now, state.settings.stuck_after)),
    );
    println!(
        "  one board (columns and cards): {:.2} MB",
        mb(live().saturating_sub(before))
    );
    drop(board);

    // Per run: a copy of every run, then each group of fields emptied in the copies.
    let before = live();
    let mut copies: Vec<Run> = state.cluster.runs.values().cloned().collect();
    let all = live().saturating_sub(before);
    println!(
        "  runs: {:.2} MB, {} bytes per run ({} inline in the struct, the rest on the heap); by field:",
        mb(all),
        all / n.max(1),
        std::mem::size_of::<Run>()
    );
    type Clear = fn(&mut Run);
    let groups: [(&str, Clear); 9] = [
        ("key (namespace, name)", |r| {
            r.key = swarm_cockpit::domain::ObjectKey::new("", "");
        }),
        ("uid, resourceVersion", |r| {
            r.uid = None;
            r.resource_version = None;
        }),
        ("lane, wave, work item, agent, runtime type", |r| {
            r.lane = None;
            r.wave = None;
            r.work_item = None;
            r.agent = None;
            r.runtime_type = None;
        }),
        ("summary, reason, message", |r| {
            r.inline_summary = None;
            r.reason = None;
            r.message = None;
        }),
        ("conditions", |r| r.conditions = Vec::new()),
        ("parameters", |r| r.parameters = Default::default()),
        ("repository, head branch", |r| {
            r.repository = None;
            r.head_branch = None;
        }),
        ("runtime ref", |r| r.runtime_ref = None),
        ("keys, artifacts, problems", |r| {
            r.required_keys = Vec::new();
            r.missing_keys = Vec::new();
            r.artifact_urls = Vec::new();
            r.problems = Vec::new();
        }),
    ];
    for (what, clear) in groups {
        let before = live();
        copies.iter_mut().for_each(clear);
        println!(
            "    {what:<44} {:>6} bytes per run",
            before.saturating_sub(live()) / n.max(1)
        );
    }
    drop(copies);

    let runs = std::mem::take(&mut state.cluster.runs);
    let before = live();
    drop(runs);
    println!(
        "  the runs map itself (runs and keys): {:.2} MB; what is left of the state and the \
         process: {:.1} MB live, RSS {:.1} MB",
        mb(before.saturating_sub(live())),
        mb(live()),
        rss_mb()
    );
}
