//! The path algebra at plan scale (goal ≤ 10 ms): 5 lanes × 20 globs (one of them a declared
//! sub-tree of another lane), 200 work items × 10 in-scope paths — all the decision work the plan
//! checks do on them: the territory (declared overlaps resolved into carved sub-trees), every
//! path's ownership (containment in its lane with a witness, the carved sub-trees, the whole-lane
//! warning), the credential rules, and the parallel-conflict check across all 2,000 paths as if
//! they launched in one wave.
//!
//! Two figures per round, each from freshly parsed in-scope paths (the checks parse them on every
//! run, so nothing cached in an item's specs survives from one check to the next; the automata of
//! common path endings do, process-wide):
//! - the first check after the plan changed: territory built from scratch, default guardrails
//!   freshly compiled;
//! - every later check: territory and guardrails as the plan and config cache them.
//!
//!     cargo bench --bench paths
use std::time::{Duration, Instant};
use swarm_cockpit::domain::Plan;
use swarm_cockpit::domain::conflicts::{self, Claim};
use swarm_cockpit::domain::guardrails::{self, Guardrails};
use swarm_cockpit::domain::paths::{PathSet, PathSpec};
use swarm_cockpit::domain::territory::{Ownership, Territory};

const LANES: usize = 5;
const GLOBS_PER_LANE: usize = 20;
const ITEMS: usize = 200;
const PATHS_PER_ITEM: usize = 10;

/// A lane's globs: directories, extension globs, mid-path wildcards, braces, classes and files.
/// The last lane's last glob is a sub-tree of the first lane's tree, declared as an overlap.
fn lane_globs(lane: usize) -> Vec<String> {
    (0..GLOBS_PER_LANE)
        .map(|g| {
            if lane == LANES - 1 && g == GLOBS_PER_LANE - 1 {
                return "services/lane0/mod0/shared/**".to_owned();
            }
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

fn plan() -> Plan {
    let mut toml = String::new();
    for l in 0..LANES {
        let owns: Vec<String> = lane_globs(l).iter().map(|g| format!("{g:?}")).collect();
        toml += &format!(
            "[[lane]]\nid = \"L{l}\"\ntitle = \"lane {l}\"\nowns = [{}]\n",
            owns.join(", ")
        );
    }
    toml += &format!("[[overlap]]\nlanes = [\"L0\", \"L{}\"]\n", LANES - 1);
    Plan::parse(&toml, "bench.toml").expect("bench plan")
}

/// An item's paths, inside its lane: files, sub-directories and globs — and some the checks
/// refuse or warn about: every tenth item shares a path with an item five before it (a
/// conflict), some claim a whole lane glob, some reach into the carved sub-tree.
fn item_paths(item: usize) -> (usize, Vec<String>) {
    let lane = item % LANES;
    let paths = (0..PATHS_PER_ITEM)
        .map(|p| {
            let g = (item + p) % GLOBS_PER_LANE;
            if p == 0 && item % 10 == 9 {
                return item_paths(item - 5).1[0].clone();
            }
            if p == 1 && item % 50 == 7 {
                return lane_globs(lane)[g].clone();
            }
            if p == 2 && lane == 0 && item.is_multiple_of(20) {
                return format!("services/lane0/mod0/shared/item{item}.py");
            }
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

struct Counts {
    outside: usize,
    carved: usize,
    whole: usize,
    credentials: usize,
    conflicts: usize,
}

#[derive(Clone, Copy)]
struct Times {
    parse: Duration,
    ownership: Duration,
    credentials: Duration,
    conflicts: Duration,
}

impl Times {
    const MAX: Times = Times {
        parse: Duration::MAX,
        ownership: Duration::MAX,
        credentials: Duration::MAX,
        conflicts: Duration::MAX,
    };
    fn min(self, o: Times) -> Times {
        Times {
            parse: self.parse.min(o.parse),
            ownership: self.ownership.min(o.ownership),
            credentials: self.credentials.min(o.credentials),
            conflicts: self.conflicts.min(o.conflicts),
        }
    }
    fn total(&self) -> Duration {
        self.parse + self.ownership + self.credentials + self.conflicts
    }
}

/// One check of all items: what `checks::check_paths` decides per path, then the wave conflicts.
fn check(
    sources: &[(usize, Vec<String>)],
    lane_ids: &[String],
    territory: &Territory,
    credentials: &PathSet,
) -> (Times, Counts) {
    let t = Instant::now();
    let items: Vec<(usize, Vec<PathSpec>)> = sources
        .iter()
        .map(|(lane, paths)| {
            let specs = paths
                .iter()
                .map(|p| PathSpec::parse(p).expect("item path"))
                .collect();
            (*lane, specs)
        })
        .collect();
    let parse = t.elapsed();

    let t = Instant::now();
    let (mut outside, mut carved, mut whole) = (0, 0, 0);
    for (lane, specs) in &items {
        let lane = territory.lane(&lane_ids[*lane]).expect("lane");
        for spec in specs {
            match lane.ownership(spec) {
                Ownership::Outside(_) => outside += 1,
                Ownership::Inside {
                    carved: c,
                    whole: w,
                } => {
                    carved += c.len();
                    whole += usize::from(w.is_some());
                }
            }
        }
    }
    let ownership = t.elapsed();

    let t = Instant::now();
    let flagged = items
        .iter()
        .flat_map(|(_, specs)| specs)
        .filter(|s| guardrails::credential_path(s, credentials).is_some())
        .count();
    let credential_time = t.elapsed();

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
    let pairs = conflicts::conflicts(&claims).len();
    let conflicts = t.elapsed();
    (
        Times {
            parse,
            ownership,
            credentials: credential_time,
            conflicts,
        },
        Counts {
            outside,
            carved,
            whole,
            credentials: flagged,
            conflicts: pairs,
        },
    )
}

/// Wildcard globs on and near credentials (several stars in a name, `?`, classes, `**`), each
/// decided against the default credential rules: with freshly compiled rules (their lazy
/// automaton built on the way) and with the cached ones. These took minutes (or hit the node
/// limit) before universal states were found by a fixed point.
const WILDCARD_CREDENTIAL_GLOBS: &[&str] = &[
    "services/torghut/app/trading/*secret*",
    "kubernetes/torghut/*secret*",
    "services/torghut/app/trading/*secret*.py",
    "services/torghut/app/trading/*-secret.yaml",
    "services/torghut/app/trading/secret*",
    "services/torghut/app/trading/.env*",
    "services/torghut/app/trading/*.env*",
    "**/*secret*",
    "a/*?[ab]*password*x*",
    "services/torghut/app/trading/*[!a]*.yaml",
    "services/torghut/app/**/*.py",
];

fn wildcard_credentials(rounds: usize) {
    println!("  credential rules on wildcard globs (best of {rounds}; fresh rules / cached):");
    let cached = Guardrails::default();
    for glob in WILDCARD_CREDENTIAL_GLOBS {
        let (mut fresh_best, mut cached_best) = (Duration::MAX, Duration::MAX);
        let mut refused = false;
        for _ in 0..rounds {
            let fresh = Guardrails::default();
            let t = Instant::now();
            let spec = PathSpec::parse(glob).expect("bench glob");
            refused = guardrails::credential_path(&spec, &fresh.credential_set()).is_some();
            fresh_best = fresh_best.min(t.elapsed());
            let t = Instant::now();
            let spec = PathSpec::parse(glob).expect("bench glob");
            guardrails::credential_path(&spec, &cached.credential_set());
            cached_best = cached_best.min(t.elapsed());
        }
        println!(
            "    {glob}: {} / {} ({})",
            ms(fresh_best),
            ms(cached_best),
            if refused { "refused" } else { "passes" }
        );
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    let plan = plan();
    let lane_ids: Vec<String> = plan.lanes.iter().map(|l| l.id.clone()).collect();
    let sources: Vec<(usize, Vec<String>)> = (0..ITEMS).map(item_paths).collect();
    let cached = plan.territory();
    let config = Guardrails::default();
    check(&sources, &lane_ids, &cached, &config.credential_set());

    let rounds = 20;
    let mut territory_time = Duration::MAX;
    let (mut first, mut later) = (Times::MAX, Times::MAX);
    let mut counts = None;
    for _ in 0..rounds {
        let t = Instant::now();
        let territory = Territory::of(&plan);
        territory_time = territory_time.min(t.elapsed());
        let fresh = Guardrails::default();
        let (times, _) = check(&sources, &lane_ids, &territory, &fresh.credential_set());
        first = first.min(times);
        let (times, c) = check(&sources, &lane_ids, &cached, &config.credential_set());
        later = later.min(times);
        counts = Some(c);
    }
    let c = counts.expect("rounds ran");
    let n = ITEMS * PATHS_PER_ITEM;
    println!(
        "paths: {LANES} lanes × {GLOBS_PER_LANE} globs (1 declared sub-tree), {ITEMS} items × {PATHS_PER_ITEM} paths (best of {rounds})"
    );
    println!(
        "  territory from scratch: {} ({} carved sub-trees)",
        ms(territory_time),
        cached.lanes.iter().map(|l| l.carved.len()).sum::<usize>()
    );
    for (name, t) in [
        ("first check after a plan change", first),
        ("every later check", later),
    ] {
        println!("  {name}:");
        println!("    parse {n} in-scope paths: {}", ms(t.parse));
        println!(
            "    ownership (lane containment, carved sub-trees, whole-lane): {} ({:.1} µs per path)",
            ms(t.ownership),
            t.ownership.as_secs_f64() * 1e6 / n as f64
        );
        println!("    credential rules: {}", ms(t.credentials));
        println!("    conflicts as one wave: {}", ms(t.conflicts));
        println!("    total: {}", ms(t.total()));
    }
    println!(
        "  answers: {} outside their lane, {} into a carved sub-tree, {} whole-lane, {} credential, {} conflicting pairs",
        c.outside, c.carved, c.whole, c.credentials, c.conflicts
    );
    println!(
        "  goal ≤ 10 ms: first check after a plan change {}, later checks {}",
        ms(territory_time + first.total()),
        ms(later.total())
    );
    wildcard_credentials(5);
}
