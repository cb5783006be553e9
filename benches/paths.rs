//! The path algebra at plan scale (goal ≤ 10 ms): 5 lanes × 20 globs, 200 work items × 10 in-scope
//! paths — every path's ownership (containment in its lane, minus other lanes' sub-trees), and the
//! parallel-conflict check across all 2,000 paths as if they launched in one wave.
//!
//!     cargo bench --bench paths
use std::time::{Duration, Instant};
use swarm_cockpit::domain::conflicts::{self, Claim};
use swarm_cockpit::domain::paths::{PathSet, PathSpec};

const LANES: usize = 5;
const GLOBS_PER_LANE: usize = 20;
const ITEMS: usize = 200;
const PATHS_PER_ITEM: usize = 10;

/// A lane's globs: directories, extension globs, mid-path wildcards, braces, classes and files.
fn lane_globs(lane: usize) -> Vec<String> {
    (0..GLOBS_PER_LANE)
        .map(|g| {
            let base = format!("services/lane{lane}/mod{g}");
            match g % 5 {
                0 => format!("{base}/**"),
                1 => format!("{base}/*.py"),
                2 => format!("{base}/**/test_*.py"),
                3 => format!("{base}/{{src,lib}}/**"),
                _ => format!("{base}/[a-m]*/config.toml"),
            }
        })
        .collect()
}

/// An item's paths, inside its lane: files, sub-directories and globs.
fn item_paths(item: usize) -> (usize, Vec<String>) {
    let lane = item % LANES;
    let paths = (0..PATHS_PER_ITEM)
        .map(|p| {
            let g = (item + p) % GLOBS_PER_LANE;
            let base = format!("services/lane{lane}/mod{g}");
            match g % 5 {
                0 => format!("{base}/item{item}/p{p}/**"),
                1 => format!("{base}/item{item}_{p}.py"),
                2 => format!("{base}/item{item}/test_p{p}.py"),
                3 => format!("{base}/src/item{item}/*.rs"),
                _ => format!("{base}/b{item}x{p}/config.toml"),
            }
        })
        .collect();
    (lane, paths)
}

fn main() {
    let lanes: Vec<PathSet> = (0..LANES)
        .map(|l| {
            let specs: Vec<PathSpec> = lane_globs(l)
                .iter()
                .map(|g| PathSpec::parse(g).expect("lane glob"))
                .collect();
            PathSet::new(&specs)
        })
        .collect();
    let items: Vec<(usize, Vec<PathSpec>)> = (0..ITEMS)
        .map(|i| {
            let (lane, paths) = item_paths(i);
            (
                lane,
                paths
                    .iter()
                    .map(|p| PathSpec::parse(p).expect("item path"))
                    .collect(),
            )
        })
        .collect();

    let rounds = 20;
    let mut ownership = Duration::MAX;
    let mut conflict = Duration::MAX;
    let mut outside = 0;
    let mut pairs = 0;
    for _ in 0..rounds {
        let t = Instant::now();
        outside = items
            .iter()
            .flat_map(|(lane, specs)| specs.iter().map(move |s| (lane, s)))
            .filter(|(lane, s)| s.uncovered_by(&lanes[**lane]).is_some())
            .count();
        ownership = ownership.min(t.elapsed());

        let t = Instant::now();
        let claims: Vec<Claim> = items
            .iter()
            .enumerate()
            .flat_map(|(i, (_, specs))| {
                specs.iter().map(move |spec| Claim {
                    owner: i,
                    repository: Some("proompteng/lab"),
                    spec,
                })
            })
            .collect();
        pairs = conflicts::conflicts(&claims).len();
        conflict = conflict.min(t.elapsed());
    }
    let per_path = ownership / (ITEMS * PATHS_PER_ITEM) as u32;
    println!(
        "paths: {LANES} lanes × {GLOBS_PER_LANE} globs, {ITEMS} items × {PATHS_PER_ITEM} paths (best of {rounds})"
    );
    println!(
        "  ownership of all {} paths: {:.2} ms ({:.1} µs per path; {outside} outside their lane)",
        ITEMS * PATHS_PER_ITEM,
        ownership.as_secs_f64() * 1e3,
        per_path.as_secs_f64() * 1e6
    );
    println!(
        "  conflicts across all {} paths as one wave: {:.2} ms ({pairs} conflicting pairs)",
        ITEMS * PATHS_PER_ITEM,
        conflict.as_secs_f64() * 1e3
    );
    println!(
        "  total: {:.2} ms (goal ≤ 10 ms)",
        (ownership + conflict).as_secs_f64() * 1e3
    );
}
