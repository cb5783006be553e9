//! Soak: the cockpit (the real `swarm` binary, in a 200×60 pty) watching N AgentRuns on a real API
//! server while their statuses churn at R changes per second for S seconds.
//!
//!     cargo bench --bench soak                                   # 10,000 runs, 300/s, 20 s
//!     cargo bench --bench soak -- --seconds 600 --rate 500       # the 10-minute soak
//!     SWARM_SOAK_SECONDS=600 cargo bench --bench soak            # the same, from the environment
//!     cargo test --bench soak -- --seconds 15                    # what CI runs (unoptimized)
//!     SWARM_TEST_KUBECONFIG=… cargo bench --bench soak           # on another cluster
//!
//! Flags: `--runs N`, `--rate R`, `--seconds S`, `--idle S` (the idle-CPU window before the
//! churn, default 30), `--probe-ms MS` (how often the latency probe changes, default 250),
//! `--rss-mb MB` (the RSS bound, default 50 in optimized builds), `--same-priority` (see below).
//!
//! The cockpit runs at its normal priority and the API server, etcd and the bench itself (when
//! they are on this machine) at nice 19: a model of a cluster elsewhere, so a frame's wall time is
//! the cockpit's, not a wait for the core a local etcd holds (`local_cluster`). `--same-priority`
//! leaves them equal, as the sessions before 13 measured. It prints:
//! - how long the first cards and the whole board took to appear (from the process start);
//! - idle CPU (% of one core, from `/proc/PID/stat`) with the N runs on screen and nothing changing;
//! - **event → screen latency** under the churn: a probe run in a lane of its own (always on
//!   screen) gets a new status message every `--probe-ms`; the time from the request to the pty
//!   showing it, as percentiles;
//! - RSS over time (sampled from `/proc` every 200 ms);
//! - at the end, the board (written by the cockpit on quit with `SWARM_SOAK_REPORT`: every run's
//!   phase and resourceVersion, every frame's time) against a list from the server: runs missing
//!   from the board (dropped), runs the server no longer has (duplicated or never deleted), runs
//!   whose phase or resourceVersion differ (stale).
//!
//! It exits non-zero when a check fails: the board differs from the server in any way, RSS went
//! past the bound, or (optimized builds only) a frame took longer than 16 ms.
mod local_cluster;
#[path = "../tests/support/mod.rs"]
mod support;
#[path = "../tests/support_pty/mod.rs"]
mod support_pty;

use futures::StreamExt;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{TestCluster, agent_run};
use support_pty::{Tui, temp_home};
use swarm_cockpit::domain::ResourceKind;

const RUN: ResourceKind = ResourceKind::AgentRun;
const PHASES: [&str; 4] = ["Pending", "Running", "Succeeded", "Failed"];
/// The probe's lane sorts before the others' (A–E), so its column is always the first on screen.
const PROBE: &str = "soak-probe";
const PROBE_LANE: &str = "0";

struct Args {
    runs: usize,
    rate: u64,
    seconds: u64,
    idle: u64,
    probe_ms: u64,
    rss_mb: u64,
    /// Leave the local API server, etcd and the bench at the cockpit's priority.
    same_priority: bool,
}

fn args() -> Args {
    let mut out = Args {
        runs: 10_000,
        rate: 300,
        seconds: std::env::var("SWARM_SOAK_SECONDS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(20),
        idle: 30,
        probe_ms: 250,
        // Unoptimized builds (CI's quick soak) carry far more code and slack.
        rss_mb: if cfg!(debug_assertions) { 150 } else { 50 },
        same_priority: false,
    };
    let argv: Vec<String> = std::env::args().collect();
    out.same_priority = argv.iter().any(|a| a == "--same-priority");
    let value = |name: &str| {
        argv.iter()
            .position(|a| a == name)
            .and_then(|i| argv.get(i + 1))
            .map(|v| {
                v.parse::<u64>()
                    .unwrap_or_else(|_| panic!("{name} takes a number"))
            })
    };
    if let Some(v) = value("--runs") {
        out.runs = v as usize;
    }
    if let Some(v) = value("--rate") {
        out.rate = v.max(1);
    }
    if let Some(v) = value("--seconds") {
        out.seconds = v;
    }
    if let Some(v) = value("--idle") {
        out.idle = v;
    }
    if let Some(v) = value("--probe-ms") {
        out.probe_ms = v.max(10);
    }
    if let Some(v) = value("--rss-mb") {
        out.rss_mb = v;
    }
    out
}

/// Seconds since the cockpit's last event, read from its status line ("last event 12s ago",
/// "3m ago"); 0 while it does not say (a toast may cover the segment for a few seconds).
fn quiet_for(screen: &str) -> u64 {
    let Some(at) = screen.find("last event ") else {
        return 0;
    };
    let rest = &screen[at + "last event ".len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let n: u64 = digits.parse().unwrap_or(0);
    match rest[digits.len()..].chars().next() {
        Some('s') => n,
        Some('m') => n * 60,
        Some('h' | 'd') => u64::MAX,
        _ => 0,
    }
}

fn rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

/// CPU time (user + system) the process has used.
fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_secs_f64(ticks as f64 / clock_ticks() as f64))
}

fn clock_ticks() -> u64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok()?.trim().parse().ok())
        .unwrap_or(100)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let failures = runtime.block_on(soak(args()));
    if !failures.is_empty() {
        for f in &failures {
            eprintln!("soak: FAILED: {f}");
        }
        std::process::exit(1);
    }
    println!("soak: all checks passed");
}

fn percentiles(what: &str, samples: &mut [Duration]) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    if samples.is_empty() {
        println!("soak: {what}: no samples");
        return;
    }
    let at = |q: f64| {
        let idx = ((samples.len() as f64 * q).ceil() as usize).clamp(1, samples.len()) - 1;
        ms(samples[idx])
    };
    println!(
        "soak: {what}: p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms (n={})",
        at(0.5),
        at(0.95),
        at(0.99),
        ms(samples[samples.len() - 1]),
        samples.len()
    );
}

async fn soak(a: Args) -> Vec<String> {
    let Some(cluster) = TestCluster::start().await else {
        return Vec::new();
    };
    cluster.apply_crds().await;
    let cluster = Arc::new(cluster);

    let started = Instant::now();
    futures::stream::iter(0..a.runs)
        .map(|i| {
            let cluster = Arc::clone(&cluster);
            async move {
                let name = format!("soak-{i:05}");
                let lane = ["A", "B", "C", "D", "E"][i % 5];
                cluster
                    .create(
                        RUN,
                        agent_run(&name, Some(lane), &name, &format!("codex/soak/{i}")),
                    )
                    .await;
            }
        })
        .buffer_unordered(48)
        .collect::<Vec<()>>()
        .await;
    cluster
        .create(
            RUN,
            agent_run(PROBE, Some(PROBE_LANE), PROBE, "codex/soak/probe"),
        )
        .await;
    let total_runs = a.runs + 1;
    let created_in = started.elapsed();
    println!(
        "soak: {total_runs} AgentRuns created in {:.1} s ({:.0}/s), {} cluster, {} build",
        created_in.as_secs_f64(),
        total_runs as f64 / created_in.as_secs_f64(),
        if cluster.is_private() {
            "private testenv"
        } else {
            "SWARM_TEST_KUBECONFIG"
        },
        if cfg!(debug_assertions) {
            "unoptimized"
        } else {
            "optimized"
        }
    );

    let home = temp_home();
    let report = home.path().join("soak-report.json");
    let kubeconfig = cluster.kubeconfig.display().to_string();
    let report_env = report.display().to_string();
    let opened = Instant::now();
    // The cockpit is started first so that it keeps the normal priority everything else leaves.
    let mut tui = Tui::spawn_with_env(
        home,
        &[
            "--kubeconfig",
            &kubeconfig,
            "--context",
            &cluster.context,
            "-n",
            &cluster.namespace,
        ],
        200,
        60,
        &[(swarm_cockpit::runtime::SOAK_REPORT, report_env.as_str())],
    );
    let lowered = if a.same_priority {
        println!("soak: the API server, etcd and the bench run at the cockpit's priority");
        None
    } else {
        let lowered = local_cluster::lower_all_but_the_cockpit(
            &cluster.kubeconfig,
            &cluster.context,
            tui.pid(),
        )
        .await;
        let named: Vec<String> = lowered
            .processes
            .iter()
            .map(|(what, pid)| format!("{what} (pid {pid})"))
            .collect();
        let groups: Vec<&str> = lowered
            .autogroups
            .iter()
            .map(|(_, n, _)| n.as_str())
            .collect();
        println!(
            "soak: a remote cluster's model: {} at nice {}{} beside the cockpit at its own \
             priority (--same-priority leaves them equal)",
            named.join(", "),
            local_cluster::NICE,
            if groups.is_empty() {
                String::new()
            } else {
                format!(", their scheduling group {}", groups.join(", "))
            }
        );
        Some(lowered)
    };
    tui.wait_for_within("the first cards", Duration::from_secs(120), |s| {
        s.contents().contains("soak-")
    });
    let first_cards = opened.elapsed();
    // The status line's count ("10001 runs · 0 items").
    let listed = format!("{total_runs} runs");
    tui.wait_for_within("the whole list, connected", Duration::from_secs(120), |s| {
        let text = s.contents();
        text.contains(&listed) && text.contains("● connected")
    });
    println!(
        "soak: the cockpit showed its first cards {:.2} s and all {total_runs} runs, connected, \
         {:.2} s after it started",
        first_cards.as_secs_f64(),
        opened.elapsed().as_secs_f64()
    );
    let pid = tui.pid();

    // RSS over time, from the load on.
    let rss: Arc<Mutex<Vec<(Duration, u64)>>> = Arc::default();
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (rss, on) = (Arc::clone(&rss), Arc::clone(&sampling));
        std::thread::spawn(move || {
            while on.load(Ordering::Relaxed) {
                if let Some(kb) = rss_kb(pid) {
                    rss.lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((opened.elapsed(), kb));
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        })
    };
    let rss_loaded = rss_kb(pid).unwrap_or(0);

    // Idle: the whole board on screen, nothing changing on the server.
    let mut idle_cpu = None;
    if a.idle > 0 {
        tokio::time::sleep(Duration::from_secs(2)).await;
        let (cpu0, t0) = (cpu_time(pid), Instant::now());
        // Two halves: while the runs are less than a minute old their cards' ages change every
        // second (a redraw each), later only once a minute — the steady state of an idle board.
        tokio::time::sleep(Duration::from_secs(a.idle) / 2).await;
        let (cpu_half, t_half) = (cpu_time(pid), Instant::now());
        tokio::time::sleep(Duration::from_secs(a.idle) - Duration::from_secs(a.idle) / 2).await;
        if let (Some(c0), Some(ch), Some(c1)) = (cpu0, cpu_half, cpu_time(pid)) {
            let share = (c1 - c0).as_secs_f64() / t0.elapsed().as_secs_f64() * 100.0;
            let second = (c1 - ch).as_secs_f64() / t_half.elapsed().as_secs_f64() * 100.0;
            println!(
                "soak: idle CPU over {} s with {total_runs} runs on screen: {:.3} % of a core \
                 ({:.0} ms of CPU); second half alone {:.3} %",
                a.idle,
                share,
                (c1 - c0).as_secs_f64() * 1000.0,
                second
            );
            idle_cpu = Some(share);
        }
    }
    let rss_idle = rss_kb(pid).unwrap_or(0);

    // The churn: R status changes per second, spread over every run, for S seconds; meanwhile the
    // probe measures event → screen.
    let done = Arc::new(AtomicU64::new(0));
    let churning = Arc::new(AtomicBool::new(true));
    let churn_started = Instant::now();
    let total = a.rate * a.seconds;
    let period = Duration::from_secs_f64(1.0 / a.rate as f64);
    let churn = {
        let (cluster, done, churning) = (
            Arc::clone(&cluster),
            Arc::clone(&done),
            Arc::clone(&churning),
        );
        let runs = a.runs as u64;
        tokio::spawn(async move {
            futures::stream::iter(0..total)
                .map(|n| {
                    let cluster = Arc::clone(&cluster);
                    let done = Arc::clone(&done);
                    async move {
                        // Paced: change n is due at n × period.
                        tokio::time::sleep_until(tokio::time::Instant::from_std(
                            churn_started + period.mul_f64(n as f64),
                        ))
                        .await;
                        let idx = (n * 7_919) % runs;
                        let phase = PHASES[((n / runs) as usize + idx as usize) % PHASES.len()];
                        let name = format!("soak-{idx:05}");
                        cluster
                            .patch_status(
                                RUN,
                                &name,
                                json!({"phase": phase, "message": format!("change {n}")}),
                            )
                            .await;
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                })
                .buffer_unordered(64)
                .collect::<Vec<()>>()
                .await;
            churning.store(false, Ordering::Relaxed);
        })
    };
    let probe = {
        let (cluster, churning) = (Arc::clone(&cluster), Arc::clone(&churning));
        let handle = tokio::runtime::Handle::current();
        let every = Duration::from_millis(a.probe_ms);
        tokio::task::spawn_blocking(move || {
            let mut latencies = Vec::new();
            let mut requests = Vec::new();
            let mut n = 0u64;
            while churning.load(Ordering::Relaxed) {
                let due = Instant::now() + every;
                n += 1;
                let text = format!("probe {n:06}");
                let sent = Instant::now();
                handle.block_on(cluster.patch_status(
                    RUN,
                    PROBE,
                    json!({"phase": "Failed", "conditions": [{
                        "type": "Failed", "status": "True", "reason": "Probe",
                        "message": text, "lastTransitionTime": "2026-02-10T10:00:00Z"}]}),
                ));
                requests.push(sent.elapsed());
                tui.wait_for_within("the probe's change", Duration::from_secs(30), |s| {
                    s.contents().contains(&text)
                });
                latencies.push(sent.elapsed());
                std::thread::sleep(due.saturating_duration_since(Instant::now()));
            }
            (tui, latencies, requests)
        })
    };
    churn.await.expect("the churn task");
    let (mut tui, mut latencies, mut requests) = probe.await.expect("the probe");
    let churned_in = churn_started.elapsed();
    let changes = done.load(Ordering::Relaxed);
    println!(
        "soak: {changes} status changes in {:.1} s ({:.0}/s asked {})",
        churned_in.as_secs_f64(),
        changes as f64 / churned_in.as_secs_f64(),
        a.rate
    );
    percentiles(
        "event → screen (probe: status request sent → pty shows it), under the churn",
        &mut latencies,
    );
    percentiles("  of which: the probe's status request", &mut requests);

    // Quiet: the cockpit has shown no event for 2 s, so it has caught up.
    tui.wait_for_within("the board to settle", Duration::from_secs(120), |s| {
        quiet_for(&s.contents()) >= 2
    });
    // Sampling stops before the quit: writing the report (every run as JSON) is the bench's
    // instrumentation, not the cockpit.
    sampling.store(false, Ordering::Relaxed);
    let _ = sampler.join();
    tui.send("q");
    let status = tui.wait_exit(Duration::from_secs(20));
    // The measurement is over: the server and the bench get their priority back.
    drop(lowered);

    let mut failures = Vec::new();
    if !status.success() {
        failures.push(format!("the cockpit exited with {status:?}"));
    }
    let report: serde_json::Value = match std::fs::read(&report) {
        Ok(bytes) => serde_json::from_slice(&bytes).expect("the soak report is JSON"),
        Err(e) => {
            failures.push(format!("no soak report at {}: {e}", report.display()));
            return failures;
        }
    };
    failures.extend(compare_with_server(&cluster, &report).await);
    failures.extend(check_frames(&report));

    let rss = rss.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let churn_from = opened.elapsed() - churned_in;
    let rss_max = rss.iter().map(|(_, kb)| *kb).max().unwrap_or(0);
    let mb = |kb: u64| kb as f64 / 1024.0;
    let timeline: Vec<String> = rss
        .iter()
        .filter(|(t, _)| *t >= churn_from)
        .step_by((rss.len() / 10).max(1))
        .map(|(t, kb)| format!("{:.0}s {:.1}", (*t - churn_from).as_secs_f64(), mb(*kb)))
        .collect();
    println!(
        "soak: RSS {:.1} MB with the list loaded, {:.1} MB after the idle window, {:.1} MB at \
         most (bound {} MB); during the churn (time: MB): {}",
        mb(rss_loaded),
        mb(rss_idle),
        mb(rss_max),
        a.rss_mb,
        timeline.join(", ")
    );
    if rss_max > a.rss_mb * 1024 {
        failures.push(format!(
            "RSS reached {:.1} MB (bound {} MB)",
            mb(rss_max),
            a.rss_mb
        ));
    }
    if let Some(share) = idle_cpu {
        println!("soak: idle CPU {share:.3} % of a core (goal ≤ 0.1 %)");
    }
    failures
}

/// Every run the server has must be on the board with the same phase and resourceVersion, and
/// nothing else may be.
async fn compare_with_server(cluster: &TestCluster, report: &serde_json::Value) -> Vec<String> {
    let shown: BTreeMap<String, (String, String)> = report["runs"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let field = |f: &str| v[f].as_str().unwrap_or("").to_owned();
                    (k.clone(), (field("phase"), field("rv")))
                })
                .collect()
        })
        .unwrap_or_default();
    let list = cluster
        .api(RUN)
        .list(&Default::default())
        .await
        .expect("list the runs");
    let server: BTreeMap<String, (String, String)> = list
        .items
        .iter()
        .map(|o| {
            (
                format!(
                    "{}/{}",
                    cluster.namespace,
                    o.metadata.name.clone().unwrap_or_default()
                ),
                (
                    // The board refines Pending + a true Blocked condition into Blocked; the
                    // soak's statuses carry no conditions except the probe's Failed.
                    o.data["status"]["phase"]
                        .as_str()
                        .unwrap_or("Pending")
                        .to_owned(),
                    o.metadata.resource_version.clone().unwrap_or_default(),
                ),
            )
        })
        .collect();
    let dropped: Vec<&String> = server.keys().filter(|k| !shown.contains_key(*k)).collect();
    let extra: Vec<&String> = shown.keys().filter(|k| !server.contains_key(*k)).collect();
    let stale: Vec<&String> = server
        .iter()
        .filter(|(k, v)| shown.get(*k).is_some_and(|s| s != *v))
        .map(|(k, _)| k)
        .collect();
    println!(
        "soak: board vs server: {} runs shown, {} on the server; {} missing from the board, {} \
         on the board only, {} with another phase or resourceVersion",
        shown.len(),
        server.len(),
        dropped.len(),
        extra.len(),
        stale.len()
    );
    let mut failures = Vec::new();
    for (what, keys) in [
        ("missing from the board", dropped),
        ("on the board but not on the server", extra),
        (
            "shown with another phase or resourceVersion than the server's",
            stale,
        ),
    ] {
        if !keys.is_empty() {
            failures.push(format!(
                "{} runs {what}, e.g. {:?}",
                keys.len(),
                &keys[..keys.len().min(5)]
            ));
        }
    }
    failures
}

fn check_frames(report: &serde_json::Value) -> Vec<String> {
    let mut frames: Vec<f64> = report["frames_ms"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_f64()).collect())
        .unwrap_or_default();
    frames.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| {
        frames
            .get(((frames.len() as f64 * q) as usize).min(frames.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0.0)
    };
    let over = frames.iter().filter(|f| **f > 16.0).count();
    println!(
        "soak: {} frames: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms, {over} over 16 ms",
        frames.len(),
        at(0.5),
        at(0.99),
        frames.last().copied().unwrap_or(0.0)
    );
    // Which of the slow frames rebuilt the whole board (a list streaming in, a new lane) and
    // which moved cards incrementally: the two have different causes.
    let slow_rebuilds = report["frames_ms"]
        .as_array()
        .into_iter()
        .flatten()
        .zip(report["frames_rebuilt"].as_array().into_iter().flatten())
        .filter(|(ms, rebuilt)| {
            ms.as_f64().is_some_and(|m| m > 16.0) && rebuilt.as_bool() == Some(true)
        })
        .count();
    if over > 0 {
        println!(
            "soak:   of the {over} over 16 ms, {slow_rebuilds} rebuilt the whole board, {} were incremental",
            over - slow_rebuilds
        );
        // A frame longer in wall time than in the cockpit's CPU time waited for a core (on a
        // 2-core machine the API server and etcd under the churn compete for them).
        let cpu_over = report["frames_cpu_ms"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| c.as_f64().is_some_and(|c| c > 16.0))
            .count();
        println!("soak:   frames over 16 ms of the cockpit's own CPU time: {cpu_over}");
        // Which ones: their place in the run, their CPU time and what they did, to tell a
        // start-up frame from one under the churn and a wait for a core from work.
        let column = |key: &str| report[key].as_array().cloned().unwrap_or_default();
        let (wall, cpu, writing, rebuilt) = (
            column("frames_ms"),
            column("frames_cpu_ms"),
            column("frames_write_ms"),
            column("frames_rebuilt"),
        );
        let (faults, blocked, preempted) = (
            column("frames_major_faults"),
            column("frames_voluntary_switches"),
            column("frames_involuntary_switches"),
        );
        for (i, ms) in wall
            .iter()
            .enumerate()
            .filter_map(|(i, ms)| Some((i, ms.as_f64()?)))
            .filter(|(_, ms)| *ms > 16.0)
        {
            let what = match rebuilt.get(i).and_then(Value::as_bool) {
                Some(true) => "rebuilt the whole board",
                _ => "incremental",
            };
            let ms_of =
                |column: &[Value]| column.get(i).and_then(Value::as_f64).unwrap_or(f64::NAN);
            let n = |column: &[Value]| column.get(i).and_then(Value::as_i64).unwrap_or(-1);
            println!(
                "soak:     frame {i} of {}: {ms:.1} ms, {:.1} ms of it the cockpit's CPU, {:.1} ms \
                 writing to the terminal; {} major faults, blocked {} times, preempted {} times; \
                 {what}",
                wall.len(),
                ms_of(&cpu),
                ms_of(&writing),
                n(&faults),
                n(&blocked),
                n(&preempted),
            );
        }
    }
    if over > 0 && cfg!(debug_assertions) {
        // CI's quick soak reuses the unoptimized test build: frame times there say nothing
        // about the cockpit a user runs.
        println!("soak: frame times not checked: an unoptimized build (cargo bench checks them)");
        Vec::new()
    } else if over > 0 {
        vec![format!("{over} frames took longer than 16 ms")]
    } else {
        Vec::new()
    }
}
