//! Log sources for the log view: a watch on a run's pods (label
//! `agents.proompteng.ai/agent-run=<run>`, or `job-name=<status.runtimeRef.name>`) and one pod's
//! log stream with `Api::<Pod>::log_stream`.
//!
//! The stream always asks for `timestamps=true`. When the connection drops it reconnects with
//! `sinceTime` a second before the last line's timestamp (an overlap, whatever the server rounds)
//! and [`Dedup`] drops what it already delivered, so nothing is lost or shown twice. When the
//! stream ends it asks the pod: deleted or terminated → "ended"; still running → reconnect.
//! Lines are split, sanitized and batched here, off the UI thread; the app only appends batches.
use crate::app::logs::{LogEvent, LogRequest, PodQuery, StreamState};
use crate::app::msg::Msg;
use crate::domain::log_buffer::{Dedup, LineBatch, LineSplitter, split_timestamp};
use crate::domain::pod::{self, JOB_NAME, PodInfo, sort_newest_first};
use futures::{AsyncReadExt, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::Client;
use kube::api::{Api, LogParams};
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Bytes read per socket read; each read becomes at most one batch message.
const READ_BUF: usize = 64 * 1024;
/// Messages queued to the app above which the stream stops reading until the app catches up.
const MAX_QUEUED: usize = 64;
/// Longest wait between reconnect attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// Where log views get their data.
pub enum Backend {
    Kube(super::kube::SharedClient),
    /// The demo swarm's simulated pods and logs.
    Demo(super::demo_logs::DemoLogs),
}

/// Carries out the log view's effects: at most one pod watch and one stream at a time (a new one
/// replaces the old). Dropping it stops its tasks. (Saving a log is a file job: `effects::files`.)
pub struct LogRunner {
    backend: Backend,
    tx: mpsc::Sender<Msg>,
    tasks: RefCell<Tasks>,
}

#[derive(Default)]
struct Tasks {
    pods: Option<JoinHandle<()>>,
    stream: Option<JoinHandle<()>>,
}

impl Tasks {
    fn stop_pods(&mut self) {
        if let Some(t) = self.pods.take() {
            t.abort();
        }
    }

    fn stop_stream(&mut self) {
        if let Some(t) = self.stream.take() {
            t.abort();
        }
    }
}

impl Drop for LogRunner {
    fn drop(&mut self) {
        let tasks = self.tasks.get_mut();
        tasks.stop_pods();
        tasks.stop_stream();
    }
}

impl LogRunner {
    pub fn new(backend: Backend, tx: mpsc::Sender<Msg>) -> LogRunner {
        LogRunner {
            backend,
            tx,
            tasks: RefCell::new(Tasks::default()),
        }
    }

    /// Watches a run's pods (replacing any earlier watch). Inside a tokio runtime.
    pub fn watch_pods(&self, query: PodQuery) {
        let mut tasks = self.tasks.borrow_mut();
        tasks.stop_pods();
        let tx = self.tx.clone();
        tasks.pods = Some(match &self.backend {
            Backend::Kube(client) => tokio::spawn(watch_pods(client.get(), query, tx)),
            Backend::Demo(demo) => {
                tokio::spawn(super::demo_logs::watch_pods(demo.clone(), query, tx))
            }
        });
    }

    /// Streams one pod's log (replacing any earlier stream). Inside a tokio runtime.
    pub fn stream_logs(&self, request: LogRequest) {
        let mut tasks = self.tasks.borrow_mut();
        tasks.stop_stream();
        let tx = self.tx.clone();
        tasks.stream = Some(match &self.backend {
            Backend::Kube(client) => tokio::spawn(stream_logs(client.get(), request, tx)),
            Backend::Demo(demo) => {
                tokio::spawn(super::demo_logs::stream_logs(demo.clone(), request, tx))
            }
        });
    }

    /// Stops the pod watch and the stream.
    pub fn stop(&self) {
        let mut tasks = self.tasks.borrow_mut();
        tasks.stop_pods();
        tasks.stop_stream();
    }

    /// Writes every pod log of a run to files in `dir` (one per pod), before retention takes
    /// them; what was written (or why not) comes back as a notice.
    pub fn save_run_logs(&self, query: PodQuery, dir: PathBuf) {
        let tx = self.tx.clone();
        let from = match &self.backend {
            Backend::Kube(client) => SaveFrom::Kube(client.get()),
            Backend::Demo(_) => SaveFrom::Demo,
        };
        tokio::spawn(async move {
            let text = save_run_logs(from, &query, &dir).await;
            let _ = tx
                .send(Msg::Source(crate::app::SourceEvent::Notice(text)))
                .await;
        });
    }
}

enum SaveFrom {
    Kube(Client),
    Demo,
}

/// Writes each pod's whole log (container `agent-runner`, previous containers too) to
/// `<dir>/<pod>.log`; says what was written, or why not.
async fn save_run_logs(from: SaveFrom, query: &PodQuery, dir: &Path) -> String {
    let now = chrono::Utc::now();
    let pods: Vec<(String, Result<String, String>)> = match from {
        SaveFrom::Demo => super::demo_logs::pods_for(query, now)
            .into_iter()
            .map(|p| {
                let text: String = (0..40)
                    .map(|i| format!("{}\n", super::demo_logs::line_text(&p.name, i)))
                    .collect();
                (p.name, Ok(text))
            })
            .collect(),
        SaveFrom::Kube(client) => {
            let api: Api<Pod> = Api::namespaced(client, &query.run.namespace);
            let mut selectors = vec![pod::run_selector(&query.run.name)];
            if let Some(job) = &query.job {
                selectors.push(format!("{JOB_NAME}={job}"));
            }
            let mut pods: BTreeMap<String, PodInfo> = BTreeMap::new();
            for sel in &selectors {
                match api
                    .list(&kube::api::ListParams::default().labels(sel))
                    .await
                {
                    Ok(list) => {
                        pods.extend(list.items.iter().map(to_info).map(|i| (i.name.clone(), i)))
                    }
                    Err(e) => return format!("logs of {} not saved: {e}", query.run.name),
                }
            }
            let mut out = Vec::new();
            for (name, info) in pods {
                let params = LogParams {
                    container: Some(info.container.clone()),
                    timestamps: true,
                    ..LogParams::default()
                };
                let text = api.logs(&name, &params).await.map_err(|e| e.to_string());
                out.push((name, text));
            }
            out
        }
    };
    if pods.is_empty() {
        return format!(
            "{}: no pod to save logs from (already gone?)",
            query.run.name
        );
    }
    let mut saved = 0;
    let mut errors = Vec::new();
    for (name, text) in pods {
        match text {
            Ok(text) => {
                let path = dir.join(format!("{name}.log"));
                match tokio::task::spawn_blocking(move || write_new_file(&path, &text)).await {
                    Ok(Ok(_)) => saved += 1,
                    Ok(Err((p, e))) => errors.push(format!("{}: {e}", p.display())),
                    Err(e) => errors.push(e.to_string()),
                }
            }
            Err(e) => errors.push(format!("{name}: {e}")),
        }
    }
    if errors.is_empty() {
        format!(
            "saved {saved} pod log(s) of {} to {}",
            query.run.name,
            dir.display()
        )
    } else {
        format!(
            "saved {saved} pod log(s) of {} to {}; failed: {}",
            query.run.name,
            dir.display(),
            errors.join("; ")
        )
    }
}

/// Puts `text` on the clipboard of the terminal (and of a terminal over ssh) with OSC 52,
/// crossterm's clipboard command. The payload is base64: log text never reaches the terminal
/// as-is.
pub fn copy_to_clipboard(text: &str) {
    let _ = crossterm::execute!(std::io::stdout(), clipboard_command(text));
}

fn clipboard_command(text: &str) -> crossterm::clipboard::CopyToClipboard<&[u8]> {
    crossterm::clipboard::CopyToClipboard::to_clipboard_from(text.as_bytes())
}

/// Writes `contents` to `path`, or to `name-1.log`, `name-2.log`… if it exists: never overwrites.
/// Creates the directory.
pub fn write_new_file(path: &Path, contents: &str) -> Result<PathBuf, (PathBuf, std::io::Error)> {
    use std::io::Write;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| (path.to_path_buf(), e))?;
    }
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "logs".into());
    let ext = path
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    for n in 0..1000 {
        let candidate = if n == 0 {
            path.to_path_buf()
        } else {
            path.with_file_name(format!("{stem}-{n}{ext}"))
        };
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(mut f) => {
                return f
                    .write_all(contents.as_bytes())
                    .and_then(|()| f.flush())
                    .map(|()| candidate.clone())
                    .map_err(|e| (candidate, e));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err((candidate, e)),
        }
    }
    Err((
        path.to_path_buf(),
        std::io::Error::other("too many files with this name"),
    ))
}

async fn send(tx: &mpsc::Sender<Msg>, event: LogEvent) -> bool {
    tx.send(Msg::Log(event)).await.is_ok()
}

// ---------------------------------------------------------------------------------------------
// Pods
// ---------------------------------------------------------------------------------------------

/// Watches the run's pods by both selectors and sends the union, newest first, on every change.
pub async fn watch_pods(client: Client, query: PodQuery, tx: mpsc::Sender<Msg>) {
    let api: Api<Pod> = Api::namespaced(client, &query.run.namespace);
    let mut selectors = vec![pod::run_selector(&query.run.name)];
    if let Some(job) = &query.job {
        selectors.push(format!("{JOB_NAME}={job}"));
    }
    // A plain list first: the view can start streaming after one round trip, without waiting
    // for the watches to list and settle.
    let params: Vec<kube::api::ListParams> = selectors
        .iter()
        .map(|sel| kube::api::ListParams::default().labels(sel))
        .collect();
    let lists = futures::future::join_all(params.iter().map(|p| api.list(p))).await;
    let mut last_sent: Option<Vec<PodInfo>> = None;
    if lists.iter().all(Result::is_ok) {
        let mut union: BTreeMap<String, PodInfo> = BTreeMap::new();
        for list in lists.into_iter().flatten() {
            for p in &list.items {
                let info = to_info(p);
                union.insert(info.name.clone(), info);
            }
        }
        let mut pods: Vec<PodInfo> = union.into_values().collect();
        sort_newest_first(&mut pods);
        last_sent = Some(pods.clone());
        let event = LogEvent::Pods {
            run: query.run.clone(),
            pods,
        };
        if !send(&tx, event).await {
            return;
        }
    }
    let streams = selectors.iter().enumerate().map(|(i, sel)| {
        watcher::watcher(api.clone(), watcher::Config::default().labels(sel))
            .default_backoff()
            .map(move |e| (i, e))
            .boxed()
    });
    let mut merged = futures::stream::select_all(streams);
    let n = selectors.len();
    let mut known: Vec<BTreeMap<String, PodInfo>> = vec![BTreeMap::new(); n];
    let mut listing: Vec<Option<BTreeMap<String, PodInfo>>> = vec![None; n];
    // The first list goes out once every selector has listed, so a run's pods arrive together.
    let mut listed = vec![false; n];
    let mut failing = false;
    while let Some((i, event)) = merged.next().await {
        let changed = match event {
            Ok(Event::Init) => {
                listing[i] = Some(BTreeMap::new());
                false
            }
            Ok(Event::InitApply(p)) => {
                let info = to_info(&p);
                if let Some(l) = listing[i].as_mut() {
                    l.insert(info.name.clone(), info);
                }
                false
            }
            Ok(Event::InitDone) => {
                if let Some(l) = listing[i].take() {
                    known[i] = l;
                }
                listed[i] = true;
                true
            }
            Ok(Event::Apply(p)) => {
                let info = to_info(&p);
                known[i].insert(info.name.clone(), info);
                true
            }
            Ok(Event::Delete(p)) => {
                known[i].remove(&p.metadata.name.unwrap_or_default());
                true
            }
            Err(e) => {
                if !failing {
                    failing = true;
                    let error = e.to_string();
                    if !send(
                        &tx,
                        LogEvent::PodsError {
                            run: query.run.clone(),
                            error,
                        },
                    )
                    .await
                    {
                        return;
                    }
                }
                continue;
            }
        };
        failing = false;
        if !changed || !listed.iter().all(|l| *l) {
            continue;
        }
        let mut union: BTreeMap<String, PodInfo> = BTreeMap::new();
        for m in &known {
            for (k, v) in m {
                union.insert(k.clone(), v.clone());
            }
        }
        let mut pods: Vec<PodInfo> = union.into_values().collect();
        sort_newest_first(&mut pods);
        if last_sent.as_ref() != Some(&pods) {
            last_sent = Some(pods.clone());
            let event = LogEvent::Pods {
                run: query.run.clone(),
                pods,
            };
            if !send(&tx, event).await {
                return;
            }
        }
    }
}

fn to_info(p: &Pod) -> PodInfo {
    PodInfo::from_json(&serde_json::to_value(p).unwrap_or_default())
}

// ---------------------------------------------------------------------------------------------
// The stream
// ---------------------------------------------------------------------------------------------

/// How one connection ended.
enum Outcome {
    /// The server closed the stream.
    Eof,
    /// The connection failed mid-stream.
    Broken(String),
    /// The app is gone.
    Closed,
}

/// Streams one pod's log into the app until it ends for good (or the task is aborted).
pub async fn stream_logs(client: Client, req: LogRequest, tx: mpsc::Sender<Msg>) {
    let api: Api<Pod> = Api::namespaced(client, &req.namespace);
    let id = req.stream;
    let state = |s: StreamState| LogEvent::State {
        stream: id,
        state: s,
    };
    let mut dedup = Dedup::default();
    let mut splitter = LineSplitter::default();
    let mut connected_once = false;
    let mut backoff = super::backoff::Delays::doubling(Duration::from_millis(200), MAX_BACKOFF);
    if !send(&tx, state(StreamState::Connecting)).await {
        return;
    }
    loop {
        let params = params_for(&req, &dedup, connected_once);
        dedup.start_replay();
        match api.log_stream(&req.pod, &params).await {
            Ok(reader) => {
                connected_once = true;
                if !send(&tx, state(StreamState::Streaming)).await {
                    return;
                }
                let mut delivered = 0usize;
                let outcome =
                    pump(reader, &mut splitter, &mut dedup, &tx, id, &mut delivered).await;
                if delivered > 0 {
                    backoff.reset();
                }
                let why = match outcome {
                    Outcome::Closed => return,
                    Outcome::Eof => None,
                    Outcome::Broken(e) => Some(e),
                };
                if req.previous || !req.follow {
                    flush_partial(&mut splitter, &mut dedup, &tx, id).await;
                    let what = if req.previous {
                        "previous container's log read"
                    } else {
                        "log read"
                    };
                    let _ = send(&tx, state(StreamState::Ended(what.into()))).await;
                    return;
                }
                // Why did it stop? Ask the pod.
                let pod = api
                    .get_opt(&req.pod)
                    .await
                    .map(|p| p.as_ref().map(to_info))
                    .map_err(|e| short_error(&e));
                match after_stream(why, pod) {
                    Next::End(reason) => {
                        flush_partial(&mut splitter, &mut dedup, &tx, id).await;
                        let _ = send(&tx, state(StreamState::Ended(reason))).await;
                        return;
                    }
                    Next::Reconnect(why) => {
                        // The unterminated last line will be read again, whole.
                        splitter.discard();
                        if !send(&tx, state(StreamState::Reconnecting(why))).await {
                            return;
                        }
                    }
                }
            }
            Err(e) => match classify(&e) {
                Trouble::Gone => {
                    let _ = send(&tx, state(StreamState::Ended("pod deleted".into()))).await;
                    return;
                }
                Trouble::Fatal(why) => {
                    let _ = send(&tx, state(StreamState::Failed(why))).await;
                    return;
                }
                Trouble::NotStarted(why) => {
                    if !send(&tx, state(StreamState::Waiting(why))).await {
                        return;
                    }
                    backoff.restart_from(Duration::from_secs(1));
                }
                Trouble::Retry(why) => {
                    if !send(&tx, state(StreamState::Reconnecting(why))).await {
                        return;
                    }
                }
            },
        }
        tokio::time::sleep(backoff.next_delay()).await;
    }
}

/// What to do when a follow stream stopped.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    /// The log is complete.
    End(String),
    /// The connection was cut: resume.
    Reconnect(String),
}

/// Decides after a follow stream stopped (`broken`: why the connection failed, `None` for a clean
/// end) from what the server says about the pod now. A finished container's log is complete
/// ("ended", not an error) once its stream closed cleanly; a deleted pod has nothing more.
pub fn after_stream(broken: Option<String>, pod: Result<Option<PodInfo>, String>) -> Next {
    match pod {
        Ok(None) => Next::End("pod deleted".into()),
        Ok(Some(info)) if broken.is_none() && info.finished() => {
            Next::End(info.terminated.unwrap_or(info.phase))
        }
        Ok(Some(_)) => {
            Next::Reconnect(broken.unwrap_or_else(|| "the server closed the stream".into()))
        }
        Err(e) => Next::Reconnect(e),
    }
}

/// The request for one connection: the operator's tail/since the first time; after that, from a
/// second before the last timestamp seen (or the same request again if no line had one).
fn params_for(req: &LogRequest, dedup: &Dedup, resuming: bool) -> LogParams {
    let mut p = LogParams {
        container: Some(req.container.clone()),
        follow: req.follow,
        previous: req.previous,
        timestamps: true,
        tail_lines: req.tail.map(i64::from),
        since_seconds: req.since_seconds.map(i64::from),
        ..LogParams::default()
    };
    if resuming
        && let Some(since) = dedup.resume_since()
        && let Some(ts) = rfc3339(since)
        && let Ok(parsed) = ts.parse()
    {
        p.tail_lines = None;
        p.since_seconds = None;
        p.since_time = Some(parsed);
    }
    p
}

fn rfc3339(nanos: i64) -> Option<String> {
    let t = chrono::DateTime::from_timestamp_nanos(nanos);
    Some(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

async fn pump<R: futures::AsyncBufRead>(
    reader: R,
    splitter: &mut LineSplitter,
    dedup: &mut Dedup,
    tx: &mpsc::Sender<Msg>,
    stream: u64,
    delivered: &mut usize,
) -> Outcome {
    let mut reader = std::pin::pin!(reader);
    let mut buf = vec![0u8; READ_BUF];
    loop {
        let n = match reader.read(&mut buf).await {
            Ok(0) => return Outcome::Eof,
            Ok(n) => n,
            Err(e) => return Outcome::Broken(e.to_string()),
        };
        let mut batch = LineBatch::default();
        splitter.feed(&buf[..n], |raw| {
            let (ts, content) = split_timestamp(raw.bytes);
            if dedup.admit(ts, content) {
                batch.push(ts, content, raw.cut);
            }
        });
        if !batch.is_empty() {
            *delivered += batch.len();
            // Backpressure beyond the channel's: a fast log must not fill the app's whole queue
            // with batches (memory) or starve the watchers' messages. Reading pauses instead.
            while tx.max_capacity() - tx.capacity() > MAX_QUEUED {
                if tx.is_closed() {
                    return Outcome::Closed;
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            if tx
                .send(Msg::Log(LogEvent::Lines { stream, batch }))
                .await
                .is_err()
            {
                return Outcome::Closed;
            }
        }
    }
}

/// The last line had no newline and the log is complete: deliver it.
async fn flush_partial(
    splitter: &mut LineSplitter,
    dedup: &mut Dedup,
    tx: &mpsc::Sender<Msg>,
    stream: u64,
) {
    let mut batch = LineBatch::default();
    splitter.finish(|raw| {
        let (ts, content) = split_timestamp(raw.bytes);
        if dedup.admit(ts, content) {
            batch.push(ts, content, raw.cut);
        }
    });
    if !batch.is_empty() {
        let _ = tx.send(Msg::Log(LogEvent::Lines { stream, batch })).await;
    }
}

enum Trouble {
    /// The pod is not there.
    Gone,
    /// Retrying will not help (no previous container, forbidden, bad request).
    Fatal(String),
    /// The container has not started yet.
    NotStarted(String),
    /// The server is unreachable or failed: retry.
    Retry(String),
}

fn classify(e: &kube::Error) -> Trouble {
    match e {
        kube::Error::Api(s) => {
            let msg = crate::domain::sanitize::one_line(&s.message);
            match s.code {
                404 => Trouble::Gone,
                400 if msg.contains("waiting to start")
                    || msg.contains("ContainerCreating")
                    || msg.contains("PodInitializing") =>
                {
                    Trouble::NotStarted(msg)
                }
                400 | 401 | 403 | 422 => Trouble::Fatal(msg),
                _ => Trouble::Retry(msg),
            }
        }
        other => Trouble::Retry(short_error(other)),
    }
}

fn short_error(e: &kube::Error) -> String {
    let text = crate::domain::sanitize::one_line(&e.to_string());
    crate::domain::sanitize::truncate_chars(&text, 160)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clipboard_sequence_carries_base64_only() {
        use base64::Engine;
        use crossterm::Command;
        let text = "\x1b]52;c;evil\x07\n\u{9b}2J line";
        let mut seq = String::new();
        clipboard_command(text)
            .write_ansi(&mut seq)
            .expect("writes");
        let payload = seq
            .strip_prefix("\x1b]52;c;")
            .and_then(|s| s.strip_suffix("\x1b\\"))
            .expect("framed as OSC 52 for the clipboard");
        assert!(
            payload
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
        );
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(payload)
            .expect("base64");
        assert_eq!(decoded, text.as_bytes());
    }
    use serde_json::json;

    fn pod(status: serde_json::Value) -> PodInfo {
        PodInfo::from_json(&json!({
            "metadata": {"name": "p", "namespace": "ns"},
            "spec": {"containers": [{"name": "agent-runner"}]},
            "status": status
        }))
    }

    #[test]
    fn a_finished_pod_ends_a_running_one_reconnects() {
        let done = pod(
            json!({"phase": "Succeeded", "containerStatuses": [{"name": "agent-runner",
            "state": {"terminated": {"reason": "Completed", "exitCode": 0}}}]}),
        );
        assert_eq!(
            after_stream(None, Ok(Some(done.clone()))),
            Next::End("Completed, exit code 0".into())
        );
        // Cut mid-stream: read the rest first, even if the container is done.
        assert!(matches!(
            after_stream(Some("reset".into()), Ok(Some(done))),
            Next::Reconnect(_)
        ));
        let running = pod(json!({"phase": "Running"}));
        assert!(matches!(
            after_stream(None, Ok(Some(running))),
            Next::Reconnect(_)
        ));
        assert_eq!(
            after_stream(None, Ok(None)),
            Next::End("pod deleted".into())
        );
        assert_eq!(
            after_stream(None, Err("connection refused".into())),
            Next::Reconnect("connection refused".into())
        );
    }

    #[test]
    fn reconnects_ask_from_a_second_before_the_last_line() {
        let req = LogRequest {
            stream: 1,
            namespace: "ns".into(),
            pod: "p".into(),
            container: "agent-runner".into(),
            follow: true,
            previous: false,
            tail: Some(100),
            since_seconds: None,
        };
        let mut dedup = Dedup::default();
        let first = params_for(&req, &dedup, false);
        assert_eq!(first.tail_lines, Some(100));
        assert!(first.timestamps && first.follow);
        dedup.admit(Some(1_770_724_800_500_000_000), b"x");
        let again = params_for(&req, &dedup, true);
        assert_eq!(again.tail_lines, None);
        assert_eq!(
            again.since_time.map(|t| t.to_string()).as_deref(),
            Some("2026-02-10T11:59:59Z")
        );
    }
}
