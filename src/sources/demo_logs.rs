//! Simulated pods and logs for the demo swarm's runs, sent through the same messages and the same
//! line pipeline (kubelet timestamps, splitter, de-duplication, sanitizing) as the real source, so
//! `swarm demo` exercises the whole log view: several pods for a retried run, colors, a hostile
//! escape sequence shown inert, a finished pod that ends, a running one that keeps writing.
use crate::app::logs::{LogEvent, LogRequest, PodQuery, StreamState};
use crate::app::msg::Msg;
use crate::domain::Phase;
use crate::domain::log_buffer::{Dedup, LineBatch, LineSplitter, split_timestamp};
use crate::domain::pod::{AGENT_CONTAINER, PodInfo};
use chrono::{DateTime, Duration as ChronoDuration, Utc};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// Lines of history each simulated pod has when its log is opened.
pub const BACKLOG: usize = 240;

/// The pods the demo gives a run: none before it starts, one per attempt of its step so far; a
/// failed run was retried once.
pub fn pods_for(query: &PodQuery, now: DateTime<Utc>) -> Vec<PodInfo> {
    let run = &query.run.name;
    // The attempt the run is on (its runtime job `<run>-step-1-attempt-<m>`) had a pod each.
    let current = query
        .job
        .as_deref()
        .and_then(crate::domain::pod::parse_step_job)
        .map_or(1, |(_, attempt)| attempt);
    let attempts = match query.phase {
        Phase::Pending | Phase::Template | Phase::NotLaunched => 0,
        Phase::Failed => current.max(2),
        _ => current,
    };
    let mut pods: Vec<PodInfo> = (1..=attempts)
        .map(|attempt| {
            let last = attempt == attempts;
            let (phase, terminated) = match (&query.phase, last) {
                (Phase::Running, true) => ("Running", None),
                (Phase::Succeeded, true) => ("Succeeded", Some("Completed, exit code 0".into())),
                _ => ("Failed", Some("Error, exit code 1".into())),
            };
            PodInfo {
                namespace: query.run.namespace.to_string(),
                name: format!(
                    "{run}-step-1-attempt-{attempt}-{}",
                    pod_suffix(run, attempt)
                ),
                created: Some(now - ChronoDuration::seconds(600 / i64::from(attempt))),
                phase: phase.into(),
                job: Some(format!("{run}-step-1-attempt-{attempt}")),
                step: Some("implement".into()),
                step_index: Some(1),
                attempt: Some(attempt),
                container: AGENT_CONTAINER.into(),
                terminated,
                restarts: 0,
            }
        })
        .collect();
    crate::domain::pod::sort_newest_first(&mut pods);
    pods
}

fn pod_suffix(run: &str, attempt: u32) -> String {
    let mut h: u32 = 2166136261;
    for b in run.bytes().chain([attempt as u8]) {
        h = (h ^ u32::from(b)).wrapping_mul(16777619);
    }
    let alphabet = b"bcdfghjklmnpqrstvwxz2456789";
    (0..5)
        .map(|i| alphabet[((h >> (i * 5)) as usize) % alphabet.len()] as char)
        .collect()
}

/// The demo's log backend: remembers which simulated pods have finished.
#[derive(Debug, Clone)]
pub struct DemoLogs {
    pub speed: f64,
    /// Finished pod → how it ended.
    finished: Arc<Mutex<HashMap<String, String>>>,
}

impl DemoLogs {
    pub fn new(speed: f64) -> DemoLogs {
        DemoLogs {
            speed,
            finished: Arc::default(),
        }
    }

    fn ended(&self, pod: &str) -> Option<String> {
        self.finished.lock().ok()?.get(pod).cloned()
    }
}

pub async fn watch_pods(demo: DemoLogs, query: PodQuery, tx: mpsc::Sender<Msg>) {
    let pods = pods_for(&query, Utc::now());
    if let Ok(mut finished) = demo.finished.lock() {
        finished.extend(
            pods.iter()
                .filter_map(|p| Some((p.name.clone(), p.terminated.clone()?))),
        );
    }
    let _ = tx
        .send(Msg::Log(LogEvent::Pods {
            run: query.run.clone(),
            pods,
        }))
        .await;
}

/// Line `i` of a simulated agent log (raw, as the container writes it: colors included).
pub fn line_text(pod: &str, i: usize) -> String {
    const FILES: [&str; 6] = [
        "app/trading/firewall/guard.py",
        "app/trading/firewall/rules.py",
        "app/trading/orders.py",
        "tests/trading/test_firewall.py",
        "app/config.py",
        "tests/trading/test_kill_switch.py",
    ];
    let file = FILES[i % FILES.len()];
    match i {
        0 => format!("[runner] starting agent codex-agent in pod {pod}"),
        1 => "[runner] cloning proompteng/lab@main into /workspace".into(),
        2 => "[runner] \u{1b}]0;pwned\u{7} terminal title change attempt (shown inert)".into(),
        _ => match i % 8 {
            0 => format!("[codex] reading services/torghut/{file}"),
            1 => format!("[codex] \u{1b}[36mplan\u{1b}[0m: tighten the order path in {file}"),
            2 => format!(
                "[codex] editing services/torghut/{file} (+{} -{})",
                i % 37,
                i % 11
            ),
            3 => format!("[tests] \u{1b}[32mPASS\u{1b}[0m services/torghut/{file}::test_case_{i}"),
            4 => "[codex] running `uv run pytest tests/trading -q`".into(),
            5 => format!(
                "[tests] {} passed, 0 failed in {}.{}s",
                40 + i % 9,
                i % 7,
                i % 10
            ),
            6 => format!(
                "[codex] \u{1b}[33mwarning\u{1b}[0m: slow test services/torghut/{file} took {}ms",
                200 + i % 500
            ),
            _ => format!("[codex] thinking… step {i}"),
        },
    }
}

/// The kubelet's rendering of line `i` written at `at` (`timestamps=true`).
fn raw_line(pod: &str, i: usize, at: DateTime<Utc>) -> String {
    format!(
        "{} {}\n",
        at.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
        line_text(pod, i)
    )
}

fn batch_from(
    raw: &str,
    splitter: &mut LineSplitter,
    dedup: &mut Dedup,
    since: Option<DateTime<Utc>>,
) -> LineBatch {
    let mut batch = LineBatch::default();
    let since = since.and_then(|t| t.timestamp_nanos_opt());
    splitter.feed(raw.as_bytes(), |line| {
        let (ts, content) = split_timestamp(line.bytes);
        if let (Some(s), Some(t)) = (since, ts)
            && t < s
        {
            return;
        }
        if dedup.admit(ts, content) {
            batch.push(ts, content, line.cut);
        }
    });
    batch
}

pub async fn stream_logs(demo: DemoLogs, req: LogRequest, tx: mpsc::Sender<Msg>) {
    let speed = demo.speed;
    let id = req.stream;
    let send_state = |s: StreamState| {
        let tx = tx.clone();
        async move {
            tx.send(Msg::Log(LogEvent::State {
                stream: id,
                state: s,
            }))
            .await
            .is_ok()
        }
    };
    if req.previous {
        let why = format!(
            "previous terminated container \"{}\" in pod \"{}\" not found",
            req.container, req.pod
        );
        let _ = send_state(StreamState::Failed(why)).await;
        return;
    }
    if !send_state(StreamState::Streaming).await {
        return;
    }
    let now = Utc::now();
    let ended = demo.ended(&req.pod);
    let finished = ended.is_some();
    let start = now - ChronoDuration::seconds(BACKLOG as i64 * 2);
    let mut splitter = LineSplitter::default();
    let mut dedup = Dedup::default();
    let first = match req.tail {
        Some(t) => BACKLOG.saturating_sub(t as usize),
        None => 0,
    };
    let since = req
        .since_seconds
        .map(|s| now - ChronoDuration::seconds(i64::from(s)));
    let mut raw = String::new();
    for i in first..BACKLOG {
        raw.push_str(&raw_line(
            &req.pod,
            i,
            start + ChronoDuration::seconds(i as i64 * 2),
        ));
    }
    if finished {
        raw.push_str(&format!(
            "{} [runner] agent exited\n",
            now.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
        ));
    }
    let batch = batch_from(&raw, &mut splitter, &mut dedup, since);
    if !batch.is_empty()
        && tx
            .send(Msg::Log(LogEvent::Lines { stream: id, batch }))
            .await
            .is_err()
    {
        return;
    }
    if finished {
        let _ = send_state(StreamState::Ended(ended.unwrap_or_default())).await;
        return;
    }
    if speed <= 0.0 {
        return; // frozen demo: the stream stays open with nothing new
    }
    let every = Duration::from_secs_f64((1.0 / speed).clamp(0.05, 2.0));
    let mut i = BACKLOG;
    loop {
        tokio::time::sleep(every).await;
        let raw = raw_line(&req.pod, i, Utc::now());
        let batch = batch_from(&raw, &mut splitter, &mut dedup, None);
        if tx
            .send(Msg::Log(LogEvent::Lines { stream: id, batch }))
            .await
            .is_err()
        {
            return;
        }
        i += 1;
    }
}
