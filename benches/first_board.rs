//! First board: how long the cockpit takes to show N AgentRuns, side by side with one plain list
//! request of the same runs, in the same run of the bench (rounds interleaved, so both see the same
//! machine load).
//!
//!     cargo bench --bench first_board                          # private testenv, 10,000 runs, 3 rounds
//!     cargo bench --bench first_board -- --runs 2000 --rounds 5
//!     SWARM_TEST_KUBECONFIG=… SWARM_BENCH_NAMESPACE=ns cargo bench --bench first_board
//!
//! `SWARM_BENCH_NAMESPACE` reuses a namespace that already holds the runs (it is filled up to N
//! and left as it is), so repeated runs skip the creation.
//!
//! Each round measures, each from a fresh client (so each pays its own connection set-up):
//! - **plain list**: one `GET …/agentruns` of the whole namespace, body received (and, second
//!   figure, decoded into objects as a typed client would);
//! - **cockpit, streaming list**: the real watchers (`sendInitialEvents`) feeding the real `update`,
//!   drawn into a 200×50 `TestBackend` the way the runtime draws (every pending message applied,
//!   then at most one frame per 16 ms): time to the first frame showing cards, time to the frame
//!   showing all N runs with the watch connected, frames drawn meanwhile;
//! - **cockpit, paged list** (the fallback for servers without streaming lists), the same way.
mod load;
#[path = "../tests/support/mod.rs"]
mod support;

use load::{cockpit, fill, flag, ms, plain_list, typed_list};
use std::time::Duration;
use support::{TestCluster, WatchTuning};

struct Args {
    runs: usize,
    rounds: usize,
}

fn args() -> Args {
    Args {
        runs: flag("--runs").unwrap_or(10_000),
        rounds: flag("--rounds").unwrap_or(3).max(1),
    }
}

fn main() {
    // The allocator tuned as the binary tunes it, before any thread starts.
    swarm_cockpit::heap_trim::one_arena();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(bench(args()));
}

async fn bench(a: Args) {
    let Some(cluster) = TestCluster::start().await else {
        return;
    };
    cluster.apply_crds().await;
    let namespace = load::namespace(&cluster);
    fill(&cluster, &namespace, a.runs).await;
    println!(
        "first_board: {} AgentRuns in namespace {namespace}, {} cluster, {} rounds",
        a.runs,
        if cluster.is_private() {
            "private testenv"
        } else {
            "SWARM_TEST_KUBECONFIG"
        },
        a.rounds
    );

    let mut plain = Vec::new();
    let mut decoded = Vec::new();
    let mut streaming = Vec::new();
    let mut paged = Vec::new();
    let paged_tuning = WatchTuning {
        streaming_lists: false,
        ..WatchTuning::default()
    };
    for round in 0..a.rounds {
        let (raw, bytes) = plain_list(&cluster, &namespace).await;
        plain.push(raw);
        decoded.push(typed_list(&cluster, &namespace, a.runs).await);
        let s = cockpit(&cluster, &namespace, a.runs, &WatchTuning::default()).await;
        let p = cockpit(&cluster, &namespace, a.runs, &paged_tuning).await;
        println!(
            "round {}: plain list {:.0} ms ({:.1} MB), decoded {:.0} ms | streaming: first cards \
             {:.0} ms, full board {:.0} ms ({:.2}× plain), {} frames, longest {:.1} ms, CPU {:.0} ms | paged: \
             first cards {:.0} ms, full board {:.0} ms ({:.2}×), {} frames, longest {:.1} ms, CPU \
             {:.0} ms",
            round + 1,
            ms(raw),
            bytes as f64 / 1e6,
            ms(*decoded.last().expect("pushed")),
            ms(s.first_cards),
            ms(s.full),
            s.full.as_secs_f64() / raw.as_secs_f64(),
            s.frames,
            ms(s.longest_frame),
            ms(s.cpu),
            ms(p.first_cards),
            ms(p.full),
            p.full.as_secs_f64() / raw.as_secs_f64(),
            p.frames,
            ms(p.longest_frame),
            ms(p.cpu),
        );
        streaming.push(s);
        paged.push(p);
    }
    let median = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let plain_m = median(plain.clone());
    let full_m = median(streaming.iter().map(|l| l.full).collect());
    let first_m = median(streaming.iter().map(|l| l.first_cards).collect());
    let paged_m = median(paged.iter().map(|l| l.full).collect());
    println!(
        "first_board: medians over {} rounds: plain list {:.0} ms, decoded {:.0} ms; streaming \
         full board {:.0} ms = {:.2}× plain (goal ≤ 1.20×), first cards {:.0} ms (goal ≤ 500 ms), \
         cockpit CPU {:.0} ms; paged full board {:.0} ms = {:.2}×",
        a.rounds,
        ms(plain_m),
        ms(median(decoded)),
        ms(full_m),
        full_m.as_secs_f64() / plain_m.as_secs_f64(),
        ms(first_m),
        ms(median(streaming.iter().map(|l| l.cpu).collect())),
        ms(paged_m),
        paged_m.as_secs_f64() / plain_m.as_secs_f64(),
    );
}
