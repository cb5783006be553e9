//! What decoding a list of AgentRuns costs the watch task, on one core and without a server:
//! the path the watches took before (a JSON tree per object without `managedFields`, then read
//! into `Run`) against the wire decode they take now (slots straight into `Run`, no tree).
//! Prints the median time and the heap allocations of each over several rounds.
//!
//!     cargo bench --bench decode                   # 10,000 runs, 9 rounds
//!     cargo bench --bench decode -- --runs 20000 --rounds 15
#[path = "../tests/support/mod.rs"]
mod support;

use kube::api::ObjectList;
use serde_json::{Value, json};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use swarm_cockpit::domain::Run;
use swarm_cockpit::domain::run_doc::WireRun;
use swarm_cockpit::sources::lean::Lean;

/// The system allocator, counting allocation calls.
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; only a counter is added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as is.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded as is.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn flag(name: &str) -> Option<usize> {
    let args: Vec<String> = std::env::args().collect();
    let at = args.iter().position(|a| a == name)?;
    args.get(at + 1)?.parse().ok()
}

/// One AgentRun as the API server serves it: server-set metadata, field ownership records, the
/// cockpit's labels and annotations; every third one running with conditions and a VCS status.
fn served_run(i: usize) -> Value {
    let lane = ["A", "B", "C", "D", "E"][i % 5];
    let name = format!("bench-{i:05}");
    let head = format!("codex/swarm/lane-{}/bench-{i}", lane.to_lowercase());
    let mut obj = support::agent_run(&name, Some(lane), &name, &head);
    obj["apiVersion"] = json!("agents.proompteng.ai/v1alpha1");
    obj["kind"] = json!("AgentRun");
    let meta = &mut obj["metadata"];
    meta["namespace"] = json!("bench");
    meta["uid"] = json!(format!("6f1c2d3e-0000-4000-8000-{i:012}"));
    meta["resourceVersion"] = json!((100_000 + i).to_string());
    meta["generation"] = json!(1);
    meta["creationTimestamp"] = json!("2026-12-03T10:00:00Z");
    meta["labels"]["swarm.proompteng.ai/wave"] = json!("2");
    meta["annotations"] =
        json!({"swarm.proompteng.ai/work-item-hash": "v2:0123456789abcdef0123456789abcdef"});
    meta["managedFields"] = json!([{
        "manager": "swarm",
        "operation": "Update",
        "apiVersion": "agents.proompteng.ai/v1alpha1",
        "time": "2026-12-03T10:00:00Z",
        "fieldsType": "FieldsV1",
        "fieldsV1": {"f:metadata": {"f:labels": {".": {},
            "f:swarm.proompteng.ai/lane": {}, "f:swarm.proompteng.ai/work-item": {}}},
            "f:spec": {".": {}, "f:agentRef": {".": {}, "f:name": {}},
            "f:parameters": {".": {}, "f:base": {}, "f:head": {}}}}
    }]);
    if i.is_multiple_of(3) {
        obj["status"] = json!({
            "phase": "Running",
            "startedAt": "2026-12-03T10:01:00Z",
            "conditions": [support::condition("Ready", "True", "Running", "the job is running")],
            "vcs": {"repository": "proompteng/lab", "headBranch": head}
        });
    }
    obj
}

/// Time and allocation calls of `decode`, and what it made (to compare the two paths).
fn measure(decode: impl Fn() -> Vec<Run>) -> (Duration, usize, Vec<Run>) {
    let allocations = ALLOCATIONS.load(Ordering::Relaxed);
    let started = Instant::now();
    let runs = decode();
    let took = started.elapsed();
    (
        took,
        ALLOCATIONS.load(Ordering::Relaxed) - allocations,
        runs,
    )
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let n = flag("--runs").unwrap_or(10_000);
    let rounds = flag("--rounds").unwrap_or(9);
    let items: Vec<Value> = (0..n).map(served_run).collect();
    let body = serde_json::to_vec(&json!({
        "apiVersion": "agents.proompteng.ai/v1alpha1",
        "kind": "AgentRunList",
        "metadata": {"resourceVersion": "200000"},
        "items": items
    }))
    .expect("a list body");
    drop(items);
    println!(
        "decode: {n} AgentRuns, {:.1} MB of list body, {rounds} rounds",
        body.len() as f64 / 1e6
    );
    let tree = || {
        let list: ObjectList<Lean> = serde_json::from_slice(&body).expect("a list");
        list.items.iter().map(|o| Run::from_json(&o.0)).collect()
    };
    let wire = || {
        let list: ObjectList<WireRun> = serde_json::from_slice(&body).expect("a list");
        list.items.into_iter().map(|r| r.0).collect()
    };
    let (mut tree_times, mut wire_times) = (Vec::new(), Vec::new());
    let (mut tree_allocations, mut wire_allocations) = (0, 0);
    for round in 0..rounds {
        // Alternated, so a slow stretch of the machine falls on both.
        let (t, a, from_tree) = measure(tree);
        tree_times.push(t);
        tree_allocations = a;
        let (w, b, from_wire) = measure(wire);
        wire_times.push(w);
        wire_allocations = b;
        assert_eq!(from_tree, from_wire, "the two paths read different runs");
        println!(
            "round {}: JSON tree then Run {:.1} ms, wire {:.1} ms",
            round + 1,
            t.as_secs_f64() * 1e3,
            w.as_secs_f64() * 1e3
        );
    }
    let (tree, wire) = (median(tree_times), median(wire_times));
    println!(
        "decode: JSON tree then Run: median {:.1} ms, {} allocations ({:.0} per run)",
        tree.as_secs_f64() * 1e3,
        tree_allocations,
        tree_allocations as f64 / n as f64
    );
    println!(
        "decode: wire (no tree):     median {:.1} ms, {} allocations ({:.0} per run); {:.2}× the tree path's time",
        wire.as_secs_f64() * 1e3,
        wire_allocations,
        wire_allocations as f64 / n as f64,
        wire.as_secs_f64() / tree.as_secs_f64()
    );
}
