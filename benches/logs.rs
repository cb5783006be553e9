//! Log view benchmarks, printing figures (see BENCHMARKS.md):
//!
//! 1. Ingest: 1,000,000 kubelet-format lines (timestamp + 100 bytes, 5% with colors) go through the
//!    whole pipeline on one thread — split, timestamp, de-duplicate, sanitize, batch (the source
//!    task's work) and `update` appending to the view — while a 200×60 frame is drawn every 16 ms
//!    of wall time (following, wrap on). Goal: ≥ 500,000 lines/s with every frame ≤ 16 ms.
//!    Also: frame time with 1,000,000 lines buffered (following, paused mid-buffer, filtered),
//!    search and filter over the full buffer.
//! 2. RSS with 1,000,000 lines of 100 bytes buffered (a fresh child process reads its own
//!    `/proc/self/status`). Goal: ≤ 150 MB.
//! 3. Side by side with `kubectl logs -f --timestamps > file` on the same test API server in the
//!    same run: time until each has a pod's whole log (~1,900 lines, ~250 KB: the most the test
//!    server's annotation-backed logs hold), over several pods, as a throughput ratio.
//!
//! ```text
//! cargo bench --bench logs                      # private testenv for part 3
//! SWARM_TEST_KUBECONFIG=~/.kube/config cargo bench --bench logs
//! ```
#[path = "../tests/support/mod.rs"]
mod support;

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, PostParams};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;
use std::time::{Duration, Instant};
use support::TestCluster;
use swarm_cockpit::app::logs::{self, LogEvent};
use swarm_cockpit::app::state::Origin;
use swarm_cockpit::app::{Effect, Msg, State, update};
use swarm_cockpit::domain::log_buffer::{Dedup, LineBatch, LineSplitter, split_timestamp};
use swarm_cockpit::domain::pod::PodInfo;
use swarm_cockpit::domain::{ObjectKey, Plan, Run};
use swarm_cockpit::effects::{Executor, KubeCluster};
use swarm_cockpit::sources::kube::SharedClient;
use swarm_cockpit::sources::logs::{Backend, LogRunner};
use swarm_cockpit::ui::{self, Theme};
use tokio::sync::mpsc;

const LINES: usize = 1_000_000;
const FRAME: Duration = Duration::from_millis(16);
const RSS_ENV: &str = "SWARM_BENCH_LOGS_RSS_CHILD";

fn main() {
    if std::env::var_os(RSS_ENV).is_some() {
        rss_child();
        return;
    }
    println!("# log view benchmarks");
    ingest();
    rss();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(versus_kubectl());
}

/// A state with one run and its log view open on one pod, streaming (stream id returned).
fn open_view(namespace: &str) -> (State, u64) {
    let mut state = State::new(
        Plan::default(),
        Origin {
            context: "bench".into(),
            namespace: Some(namespace.into()),
        },
        chrono::Utc::now(),
    );
    let run = Run::from_json(&json!({
        "metadata": {"name": "bench-run", "namespace": namespace},
        "spec": {"agentRef": {"name": "codex-agent"}, "runtime": {"type": "workflow"}},
        "status": {"phase": "Running", "runtimeRef": {"type": "workflow", "name": "bench-run-job"}}
    }));
    state.cluster.runs.insert(run.key.clone(), run);
    update(
        &mut state,
        Msg::Resize {
            width: 200,
            height: 60,
        },
    );
    logs::open(&mut state, &ObjectKey::new(namespace, "bench-run"));
    let pod = PodInfo::from_json(&json!({
        "metadata": {"name": "bench-pod", "namespace": namespace},
        "spec": {"containers": [{"name": "agent-runner"}]}
    }));
    let effects = update(
        &mut state,
        Msg::Log(LogEvent::Pods {
            run: ObjectKey::new(namespace, "bench-run"),
            pods: vec![pod],
        }),
    );
    let id = effects
        .iter()
        .find_map(|e| match e {
            Effect::StreamLogs(r) => Some(r.stream),
            _ => None,
        })
        .expect("a stream");
    (state, id)
}

/// 100 bytes of agent-ish text for line `i` (5% colored).
fn content(i: usize) -> String {
    let mut s = if i.is_multiple_of(20) {
        format!("[tests] \x1b[32mPASS\x1b[0m tests/trading/test_firewall.py::test_{i:08} ok")
    } else {
        format!("[codex] step {i:08} editing services/torghut/app/trading/firewall/guard.py")
    };
    while s.len() < 100 {
        s.push('.');
    }
    s.truncate(100);
    s
}

/// The kubelet's bytes for lines `from..to` (`timestamps=true`).
fn raw(from: usize, to: usize) -> Vec<u8> {
    let base = 1_770_724_800_000_000_000i64;
    let mut out = Vec::with_capacity((to - from) * 132);
    for i in from..to {
        let ts = chrono::DateTime::from_timestamp_nanos(base + i as i64 * 1_000_000);
        out.extend_from_slice(
            format!(
                "{} {}\n",
                ts.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
                content(i)
            )
            .as_bytes(),
        );
    }
    out
}

/// What the source task does with one read: lines → batch.
fn to_batch(bytes: &[u8], splitter: &mut LineSplitter, dedup: &mut Dedup) -> LineBatch {
    let mut batch = LineBatch::default();
    splitter.feed(bytes, |line| {
        let (ts, text) = split_timestamp(line.bytes);
        if dedup.admit(ts, text) {
            batch.push(ts, text, line.cut);
        }
    });
    batch
}

fn draw(terminal: &mut Terminal<TestBackend>, state: &mut State, theme: &Theme) -> Duration {
    let t = Instant::now();
    state.ensure_board();
    terminal.draw(|f| ui::draw(f, state, theme)).expect("draw");
    t.elapsed()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn ingest() {
    let theme = Theme::default();
    let data = raw(0, LINES);
    println!(
        "\n## ingest: {LINES} lines, {:.1} MB of kubelet output",
        data.len() as f64 / 1e6
    );

    // The whole pipeline on one thread, drawing a frame every 16 ms of wall time.
    let (mut state, id) = open_view("bench");
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("backend");
    let mut splitter = LineSplitter::default();
    let mut dedup = Dedup::default();
    let mut frames: Vec<Duration> = Vec::new();
    let mut parse = Duration::ZERO;
    let mut append = Duration::ZERO;
    let started = Instant::now();
    let mut last_frame = Instant::now();
    for chunk in data.chunks(64 * 1024) {
        let t = Instant::now();
        let batch = to_batch(chunk, &mut splitter, &mut dedup);
        parse += t.elapsed();
        let t = Instant::now();
        update(&mut state, Msg::Log(LogEvent::Lines { stream: id, batch }));
        append += t.elapsed();
        if last_frame.elapsed() >= FRAME {
            frames.push(draw(&mut terminal, &mut state, &theme));
            last_frame = Instant::now();
        }
    }
    frames.push(draw(&mut terminal, &mut state, &theme));
    let total = started.elapsed();
    let view = state.screens.logs().expect("view");
    assert_eq!(view.buffer.len(), LINES);
    let frame_total: Duration = frames.iter().sum();
    frames.sort();
    println!(
        "pipeline (split+parse+dedup+sanitize+append) with frames: {:.0} lines/s ({:.2} s in all)",
        LINES as f64 / total.as_secs_f64(),
        total.as_secs_f64()
    );
    println!(
        "  source side (split, timestamps, dedup, sanitize, batch): {:.0} lines/s",
        LINES as f64 / parse.as_secs_f64()
    );
    println!(
        "  app side (update appending batches):                      {:.0} lines/s",
        LINES as f64 / append.as_secs_f64()
    );
    println!(
        "  frames while ingesting: {} drawn ({:.0} ms), p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms (goal ≤ 16 ms)",
        frames.len(),
        ms(frame_total),
        ms(percentile(&frames, 0.5)),
        ms(percentile(&frames, 0.99)),
        ms(percentile(&frames, 1.0)),
    );

    // Frames with the whole buffer: following, paused in the middle, filtered; search; filter.
    let mut time_frames = |state: &mut State, what: &str| {
        let mut t: Vec<Duration> = (0..50)
            .map(|_| draw(&mut terminal, state, &theme))
            .collect();
        t.sort();
        println!(
            "frame 200×60, {LINES} lines buffered, {what}: p50 {:.3} ms, max {:.3} ms",
            ms(percentile(&t, 0.5)),
            ms(percentile(&t, 1.0))
        );
    };
    time_frames(&mut state, "following");
    let key = |state: &mut State, code| {
        use crossterm::event::{KeyEvent, KeyModifiers};
        update(state, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
    };
    use crossterm::event::KeyCode;
    key(&mut state, KeyCode::Char('g'));
    for _ in 0..1000 {
        key(&mut state, KeyCode::PageDown);
    }
    time_frames(&mut state, "paused mid-buffer");
    let t = Instant::now();
    key(&mut state, KeyCode::Char('/'));
    for c in "test_0099".chars() {
        key(&mut state, KeyCode::Char(c));
    }
    key(&mut state, KeyCode::Enter);
    println!(
        "search /test_0099 over {LINES} lines (finds the nearest match): {:.1} ms",
        ms(t.elapsed())
    );
    let t = Instant::now();
    key(&mut state, KeyCode::Char('F'));
    let matching = state
        .screens
        .logs()
        .map_or(0, |v| v.filter_index.seqs.len());
    println!(
        "filter F over {LINES} lines ({matching} match): {:.1} ms",
        ms(t.elapsed())
    );
    time_frames(&mut state, "filtered");
    let t = Instant::now();
    key(&mut state, KeyCode::Char('F'));
    key(&mut state, KeyCode::Char('/'));
    for c in "no-such-text".chars() {
        key(&mut state, KeyCode::Char(c));
    }
    key(&mut state, KeyCode::Enter);
    println!(
        "search with no match over {LINES} lines (a full scan): {:.1} ms",
        ms(t.elapsed())
    );
    // A 1 MB line: wrapped and drawn.
    let (mut state, id) = open_view("bench");
    let mut batch = LineBatch::default();
    batch.push_str(None, &"0123456789abcdef".repeat(65_536));
    let t = Instant::now();
    update(&mut state, Msg::Log(LogEvent::Lines { stream: id, batch }));
    let first = draw(&mut terminal, &mut state, &theme);
    println!(
        "a 1 MiB line: appended + first frame {:.2} ms (frame alone {:.2} ms)",
        ms(t.elapsed()),
        ms(first)
    );
}

fn vm(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Runs in a fresh child process so nothing else has touched the heap.
fn rss_child() {
    let before = vm("VmRSS:").unwrap_or(0);
    let (mut state, id) = open_view("bench");
    let mut next = 0;
    while next < LINES {
        let mut batch = LineBatch::default();
        let end = (next + 1000).min(LINES);
        for i in next..end {
            batch.push_str(Some(1_770_724_800_000_000_000 + i as i64), &content(i + 1));
        }
        update(&mut state, Msg::Log(LogEvent::Lines { stream: id, batch }));
        next = end;
    }
    let view = state.screens.logs().expect("view");
    assert_eq!(view.buffer.len(), LINES);
    let after = vm("VmRSS:").unwrap_or(0);
    let peak = vm("VmHWM:").unwrap_or(0);
    println!("{} {} {} {}", before, after, peak, view.buffer.bytes());
}

fn rss() {
    let exe = std::env::current_exe().expect("current exe");
    let out = std::process::Command::new(exe)
        .env(RSS_ENV, "1")
        .output()
        .expect("run the RSS child");
    let text = String::from_utf8_lossy(&out.stdout);
    let nums: Vec<u64> = text
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect();
    let [before, after, peak, text_bytes] = nums[..] else {
        println!(
            "RSS child failed: {text} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return;
    };
    println!("\n## memory: {LINES} lines of 100 bytes buffered in a log view");
    println!(
        "VmRSS {:.1} MB (process before: {:.1} MB; buffer text {:.1} MB); peak VmHWM {:.1} MB (goal ≤ 150 MB)",
        after as f64 / 1024.0,
        before as f64 / 1024.0,
        text_bytes as f64 / 1e6,
        peak as f64 / 1024.0
    );
}

// ---------------------------------------------------------------------------------------------
// Side by side with kubectl
// ---------------------------------------------------------------------------------------------

const PODS: usize = 6;
/// Lines per pod log: 1,900 × 132 bytes ≈ 251 KB, under the 256 KiB annotation limit.
const POD_LINES: usize = 1_900;

async fn versus_kubectl() {
    println!("\n## side by side with kubectl logs -f (same test API server, same run)");
    let Some(cluster) = TestCluster::start().await else {
        println!("skipped: no cluster");
        return;
    };
    let api: Api<Pod> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
    let log = String::from_utf8(raw(0, POD_LINES)).expect("utf-8");
    let bytes = log.len();
    for p in 0..PODS {
        let pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": format!("bench-{p}"),
                         "labels": {"agents.proompteng.ai/agent-run": format!("bench-{p}")},
                         "annotations": {"kubeshim/logs": log}},
            "spec": {"restartPolicy": "Never",
                     "containers": [{"name": "agent-runner", "image": "agent"}]}
        }))
        .expect("pod");
        api.create(&PostParams::default(), &pod)
            .await
            .expect("create a bench pod");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let mut ours = Duration::ZERO;
    let mut ours_stream = Duration::ZERO;
    let mut theirs = Duration::ZERO;
    // Warm-up, not measured: one of each.
    let _ = ours_once(&cluster, 0).await;
    let _ = kubectl_once(&cluster, 0, bytes, dir.path());
    for round in 0..3 {
        for p in 0..PODS {
            // Alternate who goes first, so neither always gets a warmer server.
            if (round + p) % 2 == 0 {
                let (all, stream) = ours_once(&cluster, p).await;
                (ours, ours_stream) = (ours + all, ours_stream + stream);
                theirs += kubectl_once(&cluster, p, bytes, dir.path());
            } else {
                theirs += kubectl_once(&cluster, p, bytes, dir.path());
                let (all, stream) = ours_once(&cluster, p).await;
                (ours, ours_stream) = (ours + all, ours_stream + stream);
            }
        }
    }
    let n = 3 * PODS;
    let lines = (n * POD_LINES) as f64;
    let ours_rate = lines / ours.as_secs_f64();
    let stream_rate = lines / ours_stream.as_secs_f64();
    let theirs_rate = lines / theirs.as_secs_f64();
    println!(
        "{n} pod logs of {POD_LINES} lines ({:.0} KB) each, time until the whole log is in:",
        bytes as f64 / 1e3
    );
    println!(
        "  swarm log view, from opening (pod list/watch + log_stream + parse + app): {:.1} ms per log, {:.0} lines/s",
        ms(ours) / n as f64,
        ours_rate
    );
    println!(
        "  swarm log view, from the stream request (log_stream + parse + app):       {:.1} ms per log, {:.0} lines/s",
        ms(ours_stream) / n as f64,
        stream_rate
    );
    println!(
        "  kubectl logs -f --timestamps > file (process start, GET pod, GET log):     {:.1} ms per log, {:.0} lines/s",
        ms(theirs) / n as f64,
        theirs_rate
    );
    println!(
        "  throughput ratio swarm / kubectl: {:.2}× from opening, {:.2}× from the stream request",
        ours_rate / theirs_rate,
        stream_rate / theirs_rate
    );
}

/// Opens the log view of pod `bench-p` with the real sources; time until all lines are in, from
/// the opening (pod discovery included) and from the stream's start.
async fn ours_once(cluster: &TestCluster, p: usize) -> (Duration, Duration) {
    let (tx, mut rx) = mpsc::channel(256);
    let shared = SharedClient::new(cluster.client.clone());
    let logs = LogRunner::new(Backend::Kube(shared.clone()), tx.clone());
    let runner =
        Executor::new(tx, std::sync::Arc::new(KubeCluster::new(shared)), None).with_logs(logs);
    let mut state = State::new(Plan::default(), Origin::default(), chrono::Utc::now());
    let run = Run::from_json(&json!({
        "metadata": {"name": format!("bench-{p}"), "namespace": cluster.namespace},
        "status": {"phase": "Running"}
    }));
    let key = run.key.clone();
    state.cluster.runs.insert(key.clone(), run);
    let started = Instant::now();
    let mut streaming = None;
    for e in logs::open(&mut state, &key) {
        runner.execute(e);
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while state
        .screens
        .logs()
        .is_none_or(|v| v.buffer.len() < POD_LINES)
    {
        let msg = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("the log in time")
            .expect("sources alive");
        for e in update(&mut state, msg) {
            if matches!(e, Effect::StreamLogs(_)) {
                streaming = Some(Instant::now());
            }
            runner.execute(e);
        }
    }
    (
        started.elapsed(),
        streaming.map_or(Duration::ZERO, |t| t.elapsed()),
    )
}

/// `kubectl logs -f` into a file; time until the file holds the whole log.
fn kubectl_once(cluster: &TestCluster, p: usize, bytes: usize, dir: &std::path::Path) -> Duration {
    let file = dir.join(format!("kubectl-{p}-{}.log", support::unique_suffix()));
    let out = std::fs::File::create(&file).expect("create the output file");
    let started = Instant::now();
    let mut child = std::process::Command::new("/usr/bin/kubectl")
        .arg("--kubeconfig")
        .arg(&cluster.kubeconfig)
        .args(["--context", &cluster.context, "-n", &cluster.namespace])
        .args(["logs", "-f", "--timestamps", "-c", "agent-runner"])
        .arg(format!("bench-{p}"))
        .stdout(out)
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("run kubectl");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let len = std::fs::metadata(&file).map_or(0, |m| m.len() as usize);
        if len >= bytes {
            break;
        }
        assert!(Instant::now() < deadline, "kubectl did not deliver the log");
        std::thread::sleep(Duration::from_micros(200));
    }
    let took = started.elapsed();
    let _ = child.kill();
    let _ = child.wait();
    took
}
