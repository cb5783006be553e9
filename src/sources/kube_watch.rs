//! The watch of one kind, turned into `SourceEvent`s: a streaming list (`sendInitialEvents`), then
//! the live stream; the server ends each watch after `watch_timeout` (with a bookmark just before),
//! and the next one resumes from the last resourceVersion.
//!
//! What the status line may claim comes from the stream alone: a watch is *connected* once it has
//! delivered an event or a bookmark (for a (re)list: its end-of-initial-events bookmark), never
//! because some other request succeeded. After a disconnect the watch resumes from its last
//! resourceVersion (changes reach the board as soon as the server's watch cache serves them) and a
//! streaming relist runs beside it to reconcile whatever the resumed stream may lack; the relist's
//! snapshot never overwrites a newer state the resumed stream already delivered. A stream silent for
//! longer than its bookmark interval is stalled: it is dropped and reopened. A 410 Gone relists
//! with the board kept (the resync markers remove only what the new list lacks).
//!
//! While a restarted server rebuilds its watch cache (every watch refused with 429 or held
//! unanswered, for seconds on a big server) storage still serves reads, so "the bridge" reads it:
//! the whole kind in one list when it holds at most [`WHOLE_MAX`] objects in scope (runs created or
//! deleted elsewhere included), else the runs on screen and the runs in flight one by one (see
//! [`BRIDGE_MAX`]). Their changes reach the board during the warm-up. That is never "connected".
//!
//! Streams are read in chunks (whatever has arrived, up to [`CHUNK`] events), and what a chunk
//! produces goes to the UI loop as one message, in order: a 10,000-object list is a few dozen
//! wake-ups of the UI loop, not 10,000.
pub use super::wire::EventStream;
use super::wire::Object;
use crate::app::msg::{ConnState, Msg, SourceEvent, WatchNote};
use crate::domain::{ObjectKey, ResourceKind};
use futures::StreamExt;
use futures::future::BoxFuture;
use kube::api::{Api, DynamicObject, ListParams, ObjectList, WatchEvent, WatchParams};
use kube::core::Status as ErrorResponse;
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

/// Timing of the watches. The defaults suit a real cluster; tests shorten them.
#[derive(Debug, Clone)]
pub struct WatchTuning {
    /// Server-side timeout of one watch request. The server sends a bookmark 2 s before it ends a
    /// watch (and otherwise about once a minute), so this bounds the quiet gap of a healthy stream.
    pub watch_timeout: Duration,
    /// No event, no bookmark and no end for this long (more than `watch_timeout`, the longest a
    /// healthy stream stays silent: servers send periodic bookmarks only while their storage's
    /// revision moves): the stream is stalled and is restarted.
    pub stall_after: Duration,
    /// Opening a watch or a list page may take this long before it counts as failed.
    pub open_timeout: Duration,
    /// Retry delays after a failure: doubling from `retry_min` up to `retry_max`, each jittered
    /// into the upper half of its step.
    pub retry_min: Duration,
    pub retry_max: Duration,
    /// Page size of a plain list (servers without streaming lists).
    pub page_size: u32,
    /// Ask for streaming lists (`sendInitialEvents`) first; a server that refuses them gets paged
    /// lists anyway. Off: paged lists from the start (the benches compare both).
    pub streaming_lists: bool,
}

impl Default for WatchTuning {
    fn default() -> Self {
        WatchTuning {
            watch_timeout: Duration::from_secs(30),
            stall_after: Duration::from_secs(40),
            open_timeout: Duration::from_secs(15),
            retry_min: Duration::from_millis(100),
            retry_max: Duration::from_secs(1),
            page_size: 500,
            streaming_lists: true,
        }
    }
}

impl WatchTuning {
    /// A stream older than this (no event, no bookmark) is stale: shown with its age.
    pub fn stale_after(&self) -> Duration {
        self.stall_after
    }
}

/// What the loop needs from the API server (a seam, so the loop is tested against scripts).
pub trait WatchApi: Send + Sync + 'static {
    fn watch(
        &self,
        params: WatchParams,
        rv: String,
    ) -> BoxFuture<'static, kube::Result<EventStream>>;
    fn list(&self, params: ListParams) -> BoxFuture<'static, kube::Result<ObjectList<Object>>>;
    /// One object as storage holds it now (`None`: it does not exist).
    fn get(&self, key: &ObjectKey) -> BoxFuture<'static, kube::Result<Option<Object>>>;
    /// Why the server might be silent (its storage), for the status line only: never a reason
    /// to call a watch connected.
    fn diagnose(&self) -> BoxFuture<'static, Option<String>>;
    /// Whether the server answers a small read of this kind now (one item from storage), for the
    /// status line only: never a reason to call a watch connected.
    fn answers(&self) -> BoxFuture<'static, bool>;
}

/// The real API server.
pub struct KubeApi {
    pub api: Api<DynamicObject>,
    pub client: kube::Client,
    pub kind: ResourceKind,
}

impl WatchApi for KubeApi {
    fn watch(
        &self,
        params: WatchParams,
        rv: String,
    ) -> BoxFuture<'static, kube::Result<EventStream>> {
        let (client, kind) = (self.client.clone(), self.kind);
        let request = kube::core::Request::new(self.api.resource_url()).watch(&params, &rv);
        Box::pin(async move {
            let mut request = request.map_err(kube::Error::BuildRequest)?;
            request.extensions_mut().insert("watch");
            super::wire::watch(&client, request, kind).await
        })
    }

    fn list(&self, params: ListParams) -> BoxFuture<'static, kube::Result<ObjectList<Object>>> {
        let (client, url, kind) = (
            self.client.clone(),
            self.api.resource_url().to_owned(),
            self.kind,
        );
        Box::pin(async move { super::wire::list(&client, &url, &params, kind).await })
    }

    fn get(&self, key: &ObjectKey) -> BoxFuture<'static, kube::Result<Option<Object>>> {
        let namespace = (!key.namespace.is_empty()).then_some(key.namespace.as_str());
        let url = super::kube::api(&self.client, namespace, self.kind)
            .resource_url()
            .to_owned();
        let (client, name, kind) = (self.client.clone(), key.name.clone(), self.kind);
        Box::pin(async move { super::wire::get(&client, &url, &name, kind).await })
    }

    fn answers(&self) -> BoxFuture<'static, bool> {
        let list = self.list(ListParams::default().limit(1));
        Box::pin(async move { list.await.is_ok() })
    }

    fn diagnose(&self) -> BoxFuture<'static, Option<String>> {
        let client = self.client.clone();
        Box::pin(async move {
            let request = http::Request::get("/readyz/etcd").body(Vec::new()).ok()?;
            let answer =
                tokio::time::timeout(Duration::from_secs(3), client.request_text(request)).await;
            match answer {
                Ok(Ok(_)) => None,
                Ok(Err(kube::Error::Api(s))) if s.message.contains("etcd") || s.code >= 500 => {
                    Some("the API server's storage (etcd) is not answering".into())
                }
                Ok(Err(_)) => None,
                Err(_) => Some("the API server is not answering".into()),
            }
        })
    }
}

/// The runs on screen and the resourceVersion each is shown at ([`crate::app::on_screen`]): the
/// bridge reads them first.
pub type OnScreen = Vec<crate::app::on_screen::Shown>;

/// Runs the watch of `kind` until the receiver is dropped.
pub async fn run(
    api: impl WatchApi,
    kind: ResourceKind,
    tx: mpsc::Sender<Msg>,
    tuning: WatchTuning,
) {
    run_seeing(api, kind, tx, tuning, nothing_on_screen()).await;
}

/// Tells the watches what is on screen now, waking them only when it changed.
pub fn publish_on_screen(to: &watch::Sender<OnScreen>, shown: OnScreen) {
    to.send_if_modified(|current| {
        let changed = *current != shown;
        if changed {
            *current = shown;
        }
        changed
    });
}

/// For watches no screen follows (tests, benches): nothing is ever on screen.
pub fn nothing_on_screen() -> watch::Receiver<OnScreen> {
    watch::channel(OnScreen::new()).1
}

/// [`run`], told what is on screen (read for AgentRuns only).
pub async fn run_seeing(
    api: impl WatchApi,
    kind: ResourceKind,
    tx: mpsc::Sender<Msg>,
    tuning: WatchTuning,
    on_screen: watch::Receiver<OnScreen>,
) {
    let streaming = tuning.streaming_lists;
    let mut w = Watch {
        api,
        kind,
        tuning,
        sink: Sink {
            kind,
            tx,
            connected: false,
            ever_connected: false,
            delivered: false,
            connections: 0,
            note: None,
            held: None,
            said: None,
        },
        streaming,
        newer: Newer::default(),
        in_flight: InFlight::default(),
        on_screen,
        last_bridge: None,
        whole: WholeList::default(),
        relisting: false,
    };
    if !w.sink.conn(ConnState::Connecting).await {
        return;
    }
    // Jittered, so a crowd of cockpits does not retry in step.
    let mut retry = super::backoff::Delays::jittered(w.tuning.retry_min, w.tuning.retry_max);
    let mut start = Start::Relist;
    loop {
        let began = Instant::now();
        let end = w.session(start.clone()).await;
        tracing::debug!(kind = %w.kind, ?end, "watch session ended");
        start = match end {
            End::Closed => return,
            End::Planned { rv, delivered } => {
                // A server that ends watches at once must not make this loop spin.
                if began.elapsed() < Duration::from_millis(250) {
                    tokio::time::sleep(retry.next_delay()).await;
                }
                // Ending on time proves the server alive. A whole watch without an event or a
                // bookmark may also mean its storage is gone (the watch cache keeps serving):
                // ask, and say so rather than claim a quiet swarm.
                let trouble = if delivered {
                    None
                } else {
                    w.api.diagnose().await
                };
                match trouble {
                    Some(why) => {
                        if !w.sink.lost(ConnState::Reconnecting(why)).await {
                            return;
                        }
                        Start::Resume {
                            rv,
                            reconcile: true,
                        }
                    }
                    None => {
                        if !w
                            .sink
                            .send(SourceEvent::Watch(w.kind, WatchNote::Alive))
                            .await
                        {
                            return;
                        }
                        Start::Resume {
                            rv,
                            reconcile: !w.sink.connected,
                        }
                    }
                }
            }
            End::Gone => {
                tracing::info!(kind = %w.kind, "watch expired (410 Gone): relisting");
                Start::Relist
            }
            End::NoStreaming => {
                tracing::info!(kind = %w.kind, "no streaming lists on this server: list + watch");
                w.streaming = false;
                Start::Relist
            }
            End::Lost {
                rv,
                state,
                quiet,
                warming,
            } => {
                let state = if quiet {
                    match w.api.diagnose().await {
                        Some(why) => with_detail(state, &why),
                        None => state,
                    }
                } else {
                    state
                };
                // The server answers, but serves no watch until its cache is rebuilt: read the
                // runs on screen and in flight one by one meanwhile.
                let bridging = warming && w.bridge_worth();
                let state = match w.bridge_detail() {
                    Some(detail) if bridging => with_detail(state, &detail),
                    _ => state,
                };
                if !w.sink.lost(state).await {
                    return;
                }
                if w.sink.take_delivered() {
                    retry.reset();
                }
                let delay = retry.next_delay();
                let retry_at = Instant::now()
                    + if warming {
                        delay.min(WARMING_RETRY)
                    } else {
                        delay
                    };
                if bridging && !w.bridge(None).await {
                    return;
                }
                tokio::time::sleep_until(retry_at).await;
                match rv {
                    Some(rv) => Start::Resume {
                        rv,
                        reconcile: true,
                    },
                    None => Start::Relist,
                }
            }
        };
    }
}

fn whole_meanwhile(kind: ResourceKind, n: usize) -> String {
    format!("all {} read from storage meanwhile ({n})", kind.plural())
}

fn read_meanwhile(n: usize) -> String {
    let what = if n == 1 { "run" } else { "runs" };
    format!("{n} {what} on screen or in flight read one by one meanwhile")
}

fn with_detail(state: ConnState, detail: &str) -> ConnState {
    match state {
        ConnState::Reconnecting(e) => ConnState::Reconnecting(format!("{e}; {detail}")),
        other => other,
    }
}

#[derive(Debug, Clone)]
enum Start {
    Relist,
    /// Watch on from `rv`; `reconcile`: after a disconnect, relist beside it.
    Resume {
        rv: String,
        reconcile: bool,
    },
}

#[derive(Debug)]
enum End {
    /// The receiver is gone.
    Closed,
    /// The server ended the watch as asked (its timeout): resume from `rv`. `delivered`: it
    /// delivered an event or a bookmark meanwhile.
    Planned { rv: String, delivered: bool },
    /// 410 Gone: relist.
    Gone,
    /// The server refuses streaming lists: list and watch instead.
    NoStreaming,
    /// Cut, refused or stalled: retry (resume from `rv` if known). `quiet`: the server went silent
    /// (a timeout), worth asking why.
    Lost {
        rv: Option<String>,
        state: ConnState,
        quiet: bool,
        /// The server is rebuilding its watch cache (429): it answers at once, so ask again soon.
        warming: bool,
    },
}

struct Watch<A> {
    api: A,
    kind: ResourceKind,
    tuning: WatchTuning,
    sink: Sink,
    streaming: bool,
    /// What was delivered while a relist ran, or read by the bridge: newer than the relist's
    /// snapshot, or than the events a resumed stream replays. Emptied when a relist completes.
    newer: Newer,
    in_flight: InFlight,
    on_screen: watch::Receiver<OnScreen>,
    last_bridge: Option<Instant>,
    whole: WholeList,
    /// A relist's snapshot is being delivered (the app counts what it sees until its end).
    relisting: bool,
}

/// What the bridge learnt by listing the whole kind from storage during one outage (from a
/// disconnect to the watch delivering again, counted by [`Sink::connections`]).
#[derive(Default)]
struct WholeList {
    connection: u64,
    state: Whole,
}

#[derive(Default)]
enum Whole {
    #[default]
    Untried,
    /// More than [`WHOLE_MAX`]: not asked again in this outage.
    TooMany,
    /// Every object and the resourceVersion storage held it at, as last delivered.
    Listed(HashMap<ObjectKey, u64>),
}

/// One item of a watch stream.
type StreamItem = kube::Result<WatchEvent<Object>>;

/// A watch stream read in chunks: whatever has arrived (up to [`CHUNK`] events) at once, so the
/// UI loop gets one message per chunk instead of one per object.
type Chunks = futures::stream::ReadyChunks<EventStream>;

/// Enough that a 10,000-object list is a few dozen messages; small enough that a chunk applies
/// well within one frame.
const CHUNK: usize = 256;

/// A relist in progress beside (or instead of) the live stream.
struct Relist {
    stream: Chunks,
    listed: usize,
}

/// The newest object resourceVersion the resumed stream delivered per key while a relist runs, so
/// the relist's (older) snapshot never overwrites it. Deletions count (a tombstone).
#[derive(Default)]
struct Newer(HashMap<ObjectKey, u64>);

impl Newer {
    fn note(&mut self, obj: &Object) {
        if let Some(rv) = object_rv(obj) {
            self.0.insert(obj.key().clone(), rv);
        }
    }

    /// `key` was gone from storage at `rv`: no state of it older than that may bring it back.
    fn gone(&mut self, key: ObjectKey, rv: u64) {
        self.0.insert(key, rv);
    }

    /// True when the snapshot's `obj` is older than what was already delivered.
    fn supersedes(&self, obj: &Object) -> bool {
        if self.0.is_empty() {
            return false;
        }
        match (self.0.get(obj.key()), object_rv(obj)) {
            (Some(newer), Some(rv)) => *newer > rv,
            _ => false,
        }
    }
}

/// The objects in flight (their status is what changes next) and the resourceVersion each was
/// last delivered at: what the bridge reads while the server serves no watch.
#[derive(Default)]
struct InFlight(HashMap<ObjectKey, u64>);

impl InFlight {
    fn track(&mut self, obj: &Object) {
        if obj.in_flight() {
            self.0
                .insert(obj.key().clone(), object_rv(obj).unwrap_or_default());
        } else if !self.0.is_empty() {
            self.0.remove(obj.key());
        }
    }

    fn forget(&mut self, key: &ObjectKey) {
        if !self.0.is_empty() {
            self.0.remove(key);
        }
    }

    /// At most `n` of them, the most recently changed first.
    fn latest(&self, n: usize) -> Vec<(ObjectKey, u64)> {
        let mut all: Vec<(&ObjectKey, u64)> = self.0.iter().map(|(k, rv)| (k, *rv)).collect();
        all.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        all.into_iter()
            .take(n)
            .map(|(k, rv)| (k.clone(), rv))
            .collect()
    }
}

/// While a restarted server rebuilds its watch cache it refuses every watch with 429 or holds it
/// unanswered, for seconds on a big server; GETs are served from storage meanwhile. So the runs
/// the operator sees, whatever their phase, and the runs in flight (their status is what changes
/// next) are read one by one ("the bridge"): their changes reach the board during the warm-up,
/// not after it. The resumed watch and its relist then deliver everything else, and never an
/// older state than the bridge showed. At most this many runs: those on screen, then those in
/// flight, the most recently changed first…
const BRIDGE_MAX: usize = 96;
/// …at most this often…
const BRIDGE_EVERY: Duration = Duration::from_millis(500);
/// …this many requests at a time…
const BRIDGE_CONCURRENCY: usize = 8;
/// …and a round never holds up the next watch attempt for longer than this.
const BRIDGE_BUDGET: Duration = Duration::from_secs(1);
/// A bridge round lists the whole kind (in the watched namespace) when storage holds at most this
/// many: one page, a small range of storage's keys however big the server (its warm-up reads all
/// of them). Bigger, it is asked once per outage and the one-by-one reads take over.
const WHOLE_MAX: u32 = 500;

/// resourceVersions are opaque to clients in general; every API server backed by etcd uses etcd's
/// revision, so when both parse as integers they are ordered. Otherwise nothing is filtered.
fn object_rv(obj: &Object) -> Option<u64> {
    obj.resource_version()?.parse().ok()
}

const INITIAL_EVENTS_END: &str = "k8s.io/initial-events-end";

impl<A: WatchApi> Watch<A> {
    fn params(&self, initial: bool) -> WatchParams {
        WatchParams {
            timeout: Some(self.tuning.watch_timeout.as_secs().max(1) as u32),
            bookmarks: true,
            send_initial_events: initial,
            ..WatchParams::default()
        }
    }

    async fn open(&mut self, initial: bool, rv: &str) -> Result<Chunks, End> {
        let watch = self.api.watch(self.params(initial), rv.to_owned());
        match self.awaiting(watch).await? {
            Some(Ok(stream)) => Ok(stream.ready_chunks(CHUNK)),
            Some(Err(kube::Error::Api(s))) if initial && refuses_streaming(&s) => {
                Err(End::NoStreaming)
            }
            Some(Err(kube::Error::Api(s))) if s.code == 410 => Err(End::Gone),
            Some(Err(e)) => Err(End::Lost {
                rv: (!rv.is_empty() && !initial).then(|| rv.to_owned()),
                state: classify(self.kind, &e, self.sink.ever_connected),
                quiet: server_trouble(&e),
                warming: warming(&e),
            }),
            None => Err(End::Lost {
                rv: (!rv.is_empty() && !initial).then(|| rv.to_owned()),
                state: ConnState::Reconnecting(format!(
                    "opening the {} watch timed out after {}s",
                    self.kind.plural(),
                    self.tuning.open_timeout.as_secs()
                )),
                quiet: true,
                warming: false,
            }),
        }
    }

    /// Awaits a request (`None`: not answered within the open timeout). A server that holds the
    /// request (one rebuilding its watch cache may) gets the bridge meanwhile.
    async fn awaiting<T>(&mut self, request: BoxFuture<'static, T>) -> Result<Option<T>, End> {
        let deadline = Instant::now() + self.tuning.open_timeout;
        let mut request = request;
        loop {
            tokio::select! {
                out = &mut request => return Ok(Some(out)),
                () = tokio::time::sleep_until(deadline) => return Ok(None),
                // Enabled by whether the watch waits to deliver again, not by whether anything is
                // on screen yet: a `select!` weighs its conditions once, and what is on screen
                // changes while the request waits (a launch, a scroll, a filter).
                () = tokio::time::sleep(BRIDGE_EVERY), if self.bridge_due() => {
                    if !self.bridge_waiting().await {
                        return Err(End::Closed);
                    }
                }
            }
        }
    }

    /// The bridge is due: the watch delivered before and has not since it was lost. A round
    /// reads what is on screen or in flight then, or only asks whether the server answers.
    fn bridge_due(&self) -> bool {
        self.sink.ever_connected && !self.sink.connected
    }

    /// What the bridge learnt in this outage.
    fn whole_now(&self) -> &Whole {
        if self.whole_is_current() {
            &self.whole.state
        } else {
            &Whole::Untried
        }
    }

    fn whole_is_current(&self) -> bool {
        self.whole.connection == self.sink.connections
    }

    fn set_whole(&mut self, state: Whole) {
        self.whole = WholeList {
            connection: self.sink.connections,
            state,
        };
    }

    /// Whether a bridge round has anything to read: the whole kind (unless storage holds too
    /// many), or the runs on screen and in flight.
    fn bridge_worth(&self) -> bool {
        !matches!(self.whole_now(), Whole::TooMany) || self.bridge_len() > 0
    }

    /// What the bridge reads meanwhile, for the status line.
    fn bridge_detail(&self) -> Option<String> {
        match self.whole_now() {
            Whole::Listed(all) => Some(whole_meanwhile(self.kind, all.len())),
            _ => match self.bridge_len() {
                0 => None,
                n => Some(read_meanwhile(n)),
            },
        }
    }

    /// How many runs [`Watch::bridge_set`] holds, for the status line, without ordering the runs
    /// in flight (tens of thousands in a namespace of status-less runs).
    fn bridge_len(&self) -> usize {
        let mut shown_only = std::collections::HashSet::new();
        if self.kind == ResourceKind::AgentRun {
            for (key, _) in self.on_screen.borrow().iter() {
                if !self.in_flight.0.contains_key(key) {
                    shown_only.insert(key.clone());
                }
            }
        }
        (shown_only.len() + self.in_flight.0.len()).min(BRIDGE_MAX)
    }

    /// What a bridge round reads, with the resourceVersion each is known at: the runs on screen,
    /// then those in flight, the most recently changed first; at most [`BRIDGE_MAX`].
    fn bridge_set(&self) -> Vec<(ObjectKey, u64)> {
        let mut set: Vec<(ObjectKey, u64)> = Vec::new();
        if self.kind == ResourceKind::AgentRun {
            for (key, shown) in self.on_screen.borrow().iter() {
                if set.len() == BRIDGE_MAX {
                    return set;
                }
                if !set.iter().any(|(k, _)| k == key) {
                    // The board may not show the bridge's last read yet.
                    let known = [self.in_flight.0.get(key), self.newer.0.get(key)]
                        .into_iter()
                        .flatten()
                        .fold(*shown, |a, b| a.max(*b));
                    set.push((key.clone(), known));
                }
            }
        }
        for (key, rv) in self.in_flight.latest(BRIDGE_MAX) {
            if set.len() == BRIDGE_MAX {
                break;
            }
            if !set.iter().any(|(k, _)| *k == key) {
                set.push((key, rv));
            }
        }
        set
    }

    /// A bridge round while the server holds the watch (or it is open and silent) after a
    /// disconnect. Once it answers the reads it is up (not partitioned away), so the status line
    /// says what the watch waits for.
    async fn bridge_waiting(&mut self) -> bool {
        let waiting = format!(
            "the API server is up, waiting for it to serve the {} watch",
            self.kind.plural()
        );
        self.bridge(Some(ConnState::Reconnecting(waiting))).await
    }

    /// Opens a streaming relist and announces it; the board keeps its cards meanwhile.
    async fn start_relist(&mut self) -> Result<Relist, End> {
        let what = if self.sink.ever_connected {
            format!("relisting {}", self.kind.plural())
        } else {
            format!("listing {}", self.kind.plural())
        };
        if !self.sink.note(Some(what)).await {
            return Err(End::Closed);
        }
        let stream = self.open(true, "").await?;
        if !self.sink.send(SourceEvent::ResyncStarted(self.kind)).await {
            return Err(End::Closed);
        }
        self.relisting = true;
        Ok(Relist { stream, listed: 0 })
    }

    async fn session(&mut self, start: Start) -> End {
        tracing::debug!(kind = %self.kind, ?start, "watch session");
        // A relist cut short ended with its session; the next one starts its own count.
        self.relisting = false;
        if !self.streaming {
            return self.list_then_watch(start).await;
        }
        let (mut live, mut relist, mut rv) = match start {
            Start::Relist => match self.start_relist().await {
                Ok(r) => (None, Some(r), String::new()),
                Err(end) => return end,
            },
            Start::Resume { rv, reconcile } => {
                let note = if reconcile {
                    format!("resuming the {} watch", self.kind.plural())
                } else {
                    format!("reopening the {} watch", self.kind.plural())
                };
                if !self.sink.connected && !self.sink.note(Some(note)).await {
                    return End::Closed;
                }
                let live = match self.open(false, &rv).await {
                    Ok(s) => Some(s),
                    Err(End::Gone) => None,
                    Err(end) => return end,
                };
                let relist = if reconcile || live.is_none() {
                    match self.start_relist().await {
                        Ok(r) => Some(r),
                        Err(end) => return end,
                    }
                } else {
                    None
                };
                (live, relist, rv)
            }
        };
        let mut last_delivery = Instant::now();
        let mut delivered = false;
        loop {
            let stall_at = last_delivery + self.tuning.stall_after;
            tokio::select! {
                chunk = next(&mut live) => {
                    // Only the live stream's silence counts while no relist runs.
                    if relist.is_none() {
                        last_delivery = Instant::now();
                    }
                    let Some(items) = chunk else {
                        live = None;
                        if relist.is_none() {
                            return End::Planned { rv, delivered };
                        }
                        continue;
                    };
                    self.sink.hold();
                    let beside = relist.is_some();
                    let outcome = self.live_chunk(items, &mut rv, beside, &mut delivered).await;
                    if !self.sink.release().await {
                        return End::Closed;
                    }
                    match outcome {
                        Ok(()) => {}
                        // The relist beside it carries on.
                        Err(End::Gone) if relist.is_some() => live = None,
                        Err(end) => return end,
                    }
                }
                chunk = next_relist(&mut relist) => {
                    last_delivery = Instant::now();
                    let Some(items) = chunk else {
                        return End::Lost {
                            rv: live.is_some().then(|| rv.clone()),
                            state: ConnState::Reconnecting(format!(
                                "the {} list ended early", self.kind.plural()
                            )),
                            quiet: false,
                            warming: false,
                        };
                    };
                    self.sink.hold();
                    let mut items = items.into_iter();
                    let mut outcome = Ok(());
                    while let Some(item) = items.next() {
                        let Some(r) = relist.as_mut() else { break };
                        let event = match item {
                            Ok(event) => event,
                            Err(e) => {
                                outcome = Err(self.cut(&e, None));
                                break;
                            }
                        };
                        match self.relist_event(event, r).await {
                            Ok(None) => {}
                            Ok(Some(end_rv)) => {
                                // The snapshot is complete: this stream goes on live, and the
                                // rest of its chunk is live events.
                                rv = end_rv;
                                live = relist.take().map(|r| r.stream);
                                self.newer = Newer::default();
                                outcome =
                                    self.live_chunk(items.by_ref(), &mut rv, false, &mut delivered).await;
                                break;
                            }
                            Err(end) => {
                                outcome = Err(end);
                                break;
                            }
                        }
                    }
                    if !self.sink.release().await {
                        return End::Closed;
                    }
                    match outcome {
                        // A relist refused beside a resumed watch: resume again from where that
                        // watch got (a relist from scratch would bring the first change later).
                        Err(End::Lost { rv: None, state, quiet, warming }) if !rv.is_empty() => {
                            return End::Lost { rv: Some(rv), state, quiet, warming };
                        }
                        Err(end) => return end,
                        Ok(()) => {}
                    }
                }
                // Open, but nothing delivered yet since the disconnect (a server still rebuilding
                // its watch cache may hold a watch silent).
                () = tokio::time::sleep(BRIDGE_EVERY), if self.bridge_due() => {
                    if !self.bridge_waiting().await {
                        return End::Closed;
                    }
                }
                () = tokio::time::sleep_until(stall_at) => {
                    let secs = self.tuning.stall_after.as_secs();
                    tracing::warn!(kind = %self.kind, secs, "watch stalled: restarting it");
                    return End::Lost {
                        rv: (!rv.is_empty()).then(|| rv.clone()),
                        state: ConnState::Reconnecting(format!(
                            "the {} watch went silent (no event, no bookmark, not ended by its \
                             timeout) for {secs}s: restarting it",
                            self.kind.plural()
                        )),
                        quiet: true,
                        warming: false,
                    };
                }
            }
        }
    }

    /// A chunk of the live stream, applied in order until one ends the stream. `beside`: a relist
    /// runs beside it, whose older snapshot must not overwrite what this delivers.
    async fn live_chunk(
        &mut self,
        items: impl IntoIterator<Item = StreamItem>,
        rv: &mut String,
        beside: bool,
        delivered: &mut bool,
    ) -> Result<(), End> {
        for item in items {
            let event = item.map_err(|e| self.cut(&e, Some(rv.clone())))?;
            *delivered = true;
            if let WatchEvent::Added(o) | WatchEvent::Modified(o) = &event
                && self.newer.supersedes(o)
            {
                // A resumed stream replaying a state older than the bridge already showed.
                if let Some(v) = o.resource_version() {
                    v.clone_into(rv);
                }
                if !self.sink.delivering().await {
                    return Err(End::Closed);
                }
                continue;
            }
            if beside
                && let WatchEvent::Added(o) | WatchEvent::Modified(o) | WatchEvent::Deleted(o) =
                    &event
            {
                self.newer.note(o);
            }
            self.live_event(event, rv).await?;
        }
        Ok(())
    }

    /// One round of the bridge: the runs on screen and in flight read one by one, and what changed
    /// since they were delivered sent on, after `say` when the server answered any read. False
    /// once the receiver is gone.
    async fn bridge(&mut self, say: Option<ConnState>) -> bool {
        if self.last_bridge.is_some_and(|t| t.elapsed() < BRIDGE_EVERY) {
            return true;
        }
        self.last_bridge = Some(Instant::now());
        let deadline = Instant::now() + BRIDGE_BUDGET;
        if !matches!(self.whole_now(), Whole::TooMany) {
            let list = self.api.list(ListParams::default().limit(WHOLE_MAX));
            match tokio::time::timeout_at(deadline, list).await {
                Ok(Ok(list)) if list.metadata.continue_.as_deref().is_none_or(str::is_empty) => {
                    return self.bridge_whole(list, say).await;
                }
                Ok(Ok(_)) => self.set_whole(Whole::TooMany),
                // Storage failing or slow: the reads below say whether it answers.
                Ok(Err(e)) => tracing::debug!(kind = %self.kind, %e, "bridge list failed"),
                Err(_) => tracing::debug!(kind = %self.kind, "bridge list timed out"),
            }
        }
        let say = say.map(|state| match self.bridge_detail() {
            Some(detail) => with_detail(state, &detail),
            None => state,
        });
        let set = self.bridge_set();
        if set.is_empty() {
            // Nothing to read, but a held watch alone tells nothing (a partition holds requests
            // too): one small read says whether the server is up.
            return match say {
                Some(state)
                    if tokio::time::timeout_at(deadline, self.api.answers())
                        .await
                        .unwrap_or(false) =>
                {
                    self.sink.lost(state).await
                }
                _ => true,
            };
        }
        let reads: Vec<_> = set
            .into_iter()
            .map(|(key, known)| {
                let read = self.api.get(&key);
                async move { (key, known, read.await) }
            })
            .collect();
        let mut answers = futures::stream::iter(reads).buffer_unordered(BRIDGE_CONCURRENCY);
        let mut read = Vec::new();
        while let Ok(Some(answer)) = tokio::time::timeout_at(deadline, answers.next()).await {
            read.push(answer);
        }
        self.sink.hold();
        if let Some(state) = say
            && read.iter().any(|(_, _, answer)| answer.is_ok())
            && !self.sink.lost(state).await
        {
            return false;
        }
        for (key, known, answer) in read {
            match answer {
                Ok(Some(obj)) => {
                    let changed = object_rv(&obj).is_some_and(|now| now > known);
                    if changed {
                        self.newer.note(&obj);
                        self.in_flight.track(&obj);
                        if !self.sink.send(SourceEvent::Applied(obj.0)).await {
                            return false;
                        }
                    }
                }
                Ok(None) => {
                    self.in_flight.forget(&key);
                    if !self.sink.send(SourceEvent::Deleted(self.kind, key)).await {
                        return false;
                    }
                }
                // The watch delivers it once the server serves one.
                Err(e) => tracing::debug!(kind = %self.kind, %e, "bridge read failed"),
            }
        }
        self.sink.release().await
    }

    /// A bridge round that read every object of the kind from storage. The first of an outage
    /// reconciles the board as a relist does (unless a relist's own snapshot is under way: its
    /// end does); later ones deliver what changed since the previous, deletions included. Each
    /// delivered state is one the resumed watch's replay and the relist must not go back on.
    async fn bridge_whole(&mut self, list: ObjectList<Object>, say: Option<ConnState>) -> bool {
        let listed_at: Option<u64> = list
            .metadata
            .resource_version
            .as_deref()
            .and_then(|v| v.parse().ok());
        let current = self.whole_is_current();
        let before = match std::mem::take(&mut self.whole.state) {
            Whole::Listed(all) if current => Some(all),
            _ => None,
        };
        self.sink.hold();
        if let Some(state) = say {
            let state = with_detail(state, &whole_meanwhile(self.kind, list.items.len()));
            if !self.sink.lost(state).await {
                return false;
            }
        }
        let reconcile = before.is_none() && !self.relisting;
        if reconcile && !self.sink.send(SourceEvent::ResyncStarted(self.kind)).await {
            return false;
        }
        let mut now = HashMap::with_capacity(list.items.len());
        for obj in list.items {
            let key = obj.key().clone();
            let rv = object_rv(&obj);
            now.insert(key.clone(), rv.unwrap_or_default());
            let unchanged =
                rv.is_some() && before.as_ref().and_then(|b| b.get(&key)) == rv.as_ref();
            let event = if unchanged || self.newer.supersedes(&obj) {
                if !reconcile {
                    continue;
                }
                SourceEvent::Seen(self.kind, key)
            } else {
                self.newer.note(&obj);
                self.in_flight.track(&obj);
                SourceEvent::Applied(obj.0)
            };
            if !self.sink.send(event).await {
                return false;
            }
        }
        if reconcile && !self.sink.send(SourceEvent::ResyncDone(self.kind)).await {
            return false;
        }
        for key in before.into_iter().flat_map(HashMap::into_keys) {
            if now.contains_key(&key) {
                continue;
            }
            // Gone by `listed_at`: a replayed older state of it must not bring it back.
            if let Some(at) = listed_at {
                self.newer.gone(key.clone(), at);
            }
            self.in_flight.forget(&key);
            if !self.sink.send(SourceEvent::Deleted(self.kind, key)).await {
                return false;
            }
        }
        self.set_whole(Whole::Listed(now));
        self.sink.release().await
    }

    fn cut(&self, e: &kube::Error, rv: Option<String>) -> End {
        End::Lost {
            rv: rv.filter(|r| !r.is_empty()),
            state: match e {
                kube::Error::Api(_) => classify(self.kind, e, self.sink.ever_connected),
                other => ConnState::Reconnecting(format!(
                    "the {} watch was cut: {other}",
                    self.kind.plural()
                )),
            },
            quiet: server_trouble(e),
            warming: warming(e),
        }
    }

    /// One event of a live stream: applied, and proof the stream delivers.
    async fn live_event(&mut self, event: WatchEvent<Object>, rv: &mut String) -> Result<(), End> {
        // Connected first, so the status line says so when the change is drawn.
        if !matches!(event, WatchEvent::Error(_)) && !self.sink.delivering().await {
            return Err(End::Closed);
        }
        let ok = match event {
            WatchEvent::Added(obj) | WatchEvent::Modified(obj) => {
                if let Some(v) = obj.resource_version() {
                    v.clone_into(rv);
                }
                self.in_flight.track(&obj);
                self.sink.send(SourceEvent::Applied(obj.0)).await
            }
            WatchEvent::Deleted(obj) => {
                if let Some(v) = obj.resource_version() {
                    v.clone_into(rv);
                }
                let key = obj.key().clone();
                self.in_flight.forget(&key);
                self.sink.send(SourceEvent::Deleted(self.kind, key)).await
            }
            WatchEvent::Bookmark(bm) => {
                *rv = bm.metadata.resource_version;
                self.sink
                    .send(SourceEvent::Watch(self.kind, WatchNote::Alive))
                    .await
            }
            WatchEvent::Error(s) if s.code == 410 => return Err(End::Gone),
            WatchEvent::Error(s) => {
                return Err(End::Lost {
                    rv: (!rv.is_empty()).then(|| rv.clone()),
                    state: classify_status(self.kind, &s, self.sink.ever_connected),
                    quiet: false,
                    // Servers also refuse a watch this way: an error event, not a status.
                    warming: s.code == 429,
                });
            }
        };
        if !ok {
            return Err(End::Closed);
        }
        Ok(())
    }

    /// One event of a relist's snapshot; `Some(rv)` once it is complete.
    async fn relist_event(
        &mut self,
        event: WatchEvent<Object>,
        relist: &mut Relist,
    ) -> Result<Option<String>, End> {
        match event {
            WatchEvent::Added(obj) | WatchEvent::Modified(obj) => {
                relist.listed += 1;
                if relist.listed.is_multiple_of(2_000) {
                    let what = format!(
                        "{} {} ({} so far)",
                        if self.sink.ever_connected {
                            "relisting"
                        } else {
                            "listing"
                        },
                        self.kind.plural(),
                        thousands(relist.listed)
                    );
                    if !self.sink.note(Some(what)).await {
                        return Err(End::Closed);
                    }
                }
                let event = if self.newer.supersedes(&obj) {
                    // Keep the newer state; the object still exists.
                    SourceEvent::Seen(self.kind, obj.key().clone())
                } else {
                    self.in_flight.track(&obj);
                    SourceEvent::Applied(obj.0)
                };
                if !self.sink.send(event).await {
                    return Err(End::Closed);
                }
                Ok(None)
            }
            // A snapshot has no deletions; tolerate one as a server quirk.
            WatchEvent::Deleted(_) => Ok(None),
            WatchEvent::Bookmark(bm) => {
                if !bm.metadata.annotations.contains_key(INITIAL_EVENTS_END) {
                    return Ok(None);
                }
                self.relisting = false;
                let ok = self.sink.send(SourceEvent::ResyncDone(self.kind)).await
                    && self.sink.delivering().await
                    && self.sink.note(None).await;
                if !ok {
                    return Err(End::Closed);
                }
                Ok(Some(bm.metadata.resource_version))
            }
            WatchEvent::Error(s) if relist.listed == 0 && refuses_streaming(&s) => {
                Err(End::NoStreaming)
            }
            WatchEvent::Error(s) if s.code == 410 => Err(End::Gone),
            WatchEvent::Error(s) => Err(End::Lost {
                rv: None,
                state: classify_status(self.kind, &s, self.sink.ever_connected),
                quiet: false,
                warming: s.code == 429,
            }),
        }
    }

    /// For servers without streaming lists: a paged list, then a watch from its resourceVersion.
    /// There is no end-of-list bookmark here, so the watch counts as delivering once it opens.
    async fn list_then_watch(&mut self, start: Start) -> End {
        let rv = match start {
            Start::Resume {
                rv,
                reconcile: false,
            } => rv,
            _ => match self.paged_list().await {
                Ok(rv) => rv,
                Err(end) => return end,
            },
        };
        let mut stream = match self.open(false, &rv).await {
            Ok(s) => s,
            Err(end) => return end,
        };
        // Counted as delivering from the start here (no end-of-list bookmark to wait for).
        let mut delivered = true;
        if !self.sink.note(None).await || !self.sink.delivering().await {
            return End::Closed;
        }
        let mut rv = rv;
        loop {
            let item = tokio::time::timeout(self.tuning.stall_after, stream.next()).await;
            match item {
                Err(_) => {
                    return End::Lost {
                        rv: Some(rv),
                        state: ConnState::Reconnecting(format!(
                            "the {} watch went silent for {}s: restarting it",
                            self.kind.plural(),
                            self.tuning.stall_after.as_secs()
                        )),
                        quiet: true,
                        warming: false,
                    };
                }
                Ok(None) => {
                    return End::Planned {
                        rv,
                        delivered: true,
                    };
                }
                Ok(Some(items)) => {
                    self.sink.hold();
                    let outcome = self.live_chunk(items, &mut rv, false, &mut delivered).await;
                    if !self.sink.release().await {
                        return End::Closed;
                    }
                    if let Err(end) = outcome {
                        return end;
                    }
                }
            }
        }
    }

    async fn paged_list(&mut self) -> Result<String, End> {
        if !self
            .sink
            .note(Some(format!("listing {}", self.kind.plural())))
            .await
            || !self.sink.send(SourceEvent::ResyncStarted(self.kind)).await
        {
            return Err(End::Closed);
        }
        self.relisting = true;
        let mut params = ListParams::default().limit(self.tuning.page_size);
        loop {
            let page =
                tokio::time::timeout(self.tuning.open_timeout, self.api.list(params.clone())).await;
            let page = match page {
                Ok(Ok(p)) => p,
                Ok(Err(e)) => {
                    return Err(End::Lost {
                        rv: None,
                        state: classify(self.kind, &e, self.sink.ever_connected),
                        quiet: false,
                        warming: false,
                    });
                }
                Err(_) => {
                    return Err(End::Lost {
                        rv: None,
                        state: ConnState::Reconnecting(format!(
                            "listing {} timed out",
                            self.kind.plural()
                        )),
                        quiet: true,
                        warming: false,
                    });
                }
            };
            self.sink.hold();
            for obj in page.items {
                self.in_flight.track(&obj);
                self.sink.send(SourceEvent::Applied(obj.0)).await;
            }
            if !self.sink.release().await {
                return Err(End::Closed);
            }
            match page.metadata.continue_.filter(|c| !c.is_empty()) {
                Some(token) => params = params.continue_token(&token),
                None => {
                    let rv = page.metadata.resource_version.unwrap_or_default();
                    // Read after anything the bridge showed; the watch goes on from here.
                    self.newer = Newer::default();
                    self.relisting = false;
                    if !self.sink.send(SourceEvent::ResyncDone(self.kind)).await {
                        return Err(End::Closed);
                    }
                    return Ok(rv);
                }
            }
        }
    }
}

async fn next(stream: &mut Option<Chunks>) -> Option<Vec<StreamItem>> {
    match stream {
        Some(s) => s.next().await,
        None => std::future::pending().await,
    }
}

async fn next_relist(relist: &mut Option<Relist>) -> Option<Vec<StreamItem>> {
    match relist {
        Some(r) => r.stream.next().await,
        None => std::future::pending().await,
    }
}

/// The server answered but cannot serve (warming up its cache, or its storage failing): worth
/// asking it why.
fn server_trouble(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if s.code >= 500)
}

/// A server rebuilding its watch cache answers 429 at once; polling it every quarter second costs
/// nothing and puts the first change on screen as soon as the cache serves it.
const WARMING_RETRY: Duration = Duration::from_millis(250);

fn warming(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if s.code == 429)
}

/// Servers before streaming lists (Kubernetes < 1.27, or the WatchList gate off) refuse
/// `sendInitialEvents` as an invalid or bad request.
fn refuses_streaming(s: &ErrorResponse) -> bool {
    matches!(s.code, 400 | 422) && s.message.contains("sendInitialEvents")
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Sends what the loop learns, and remembers what the app was told.
struct Sink {
    kind: ResourceKind,
    tx: mpsc::Sender<Msg>,
    connected: bool,
    ever_connected: bool,
    /// Delivered since the last failure.
    delivered: bool,
    /// How many times the watch became connected: one outage ends at each.
    connections: u64,
    note: Option<String>,
    /// Events held back while a chunk of a stream is applied, sent together on `release`.
    held: Option<Vec<SourceEvent>>,
    /// The connection state last sent (sent again only when it changes).
    said: Option<ConnState>,
}

impl Sink {
    /// Sends `event`, or holds it for the chunk's message. False once the receiver is gone.
    async fn send(&mut self, event: SourceEvent) -> bool {
        match &mut self.held {
            Some(held) => {
                held.push(event);
                true
            }
            None => self.tx.send(Msg::Source(event)).await.is_ok(),
        }
    }

    /// Holds what is sent from now on until `release`.
    fn hold(&mut self) {
        self.held.get_or_insert_with(Vec::new);
    }

    /// Sends what was held, in order, as one message. False once the receiver is gone.
    async fn release(&mut self) -> bool {
        let Some(mut held) = self.held.take() else {
            return true;
        };
        let msg = match held.len() {
            0 => return true,
            1 => Msg::Source(held.pop().expect("one event")),
            _ => Msg::Sources(held),
        };
        self.tx.send(msg).await.is_ok()
    }

    async fn conn(&mut self, state: ConnState) -> bool {
        if self.said.as_ref() == Some(&state) {
            return true;
        }
        self.said = Some(state.clone());
        self.send(SourceEvent::Connection(self.kind, state)).await
    }

    /// The stream delivered: connected, if it was not.
    async fn delivering(&mut self) -> bool {
        self.delivered = true;
        if self.connected {
            return true;
        }
        self.connected = true;
        self.ever_connected = true;
        self.connections += 1;
        self.conn(ConnState::Connected).await
    }

    async fn lost(&mut self, state: ConnState) -> bool {
        self.connected = false;
        self.conn(state).await
    }

    /// True if the stream delivered since the last call (then the retry delays start over).
    fn take_delivered(&mut self) -> bool {
        std::mem::take(&mut self.delivered)
    }

    async fn note(&mut self, text: Option<String>) -> bool {
        if self.note == text {
            return true;
        }
        self.note = text.clone();
        self.send(SourceEvent::Watch(self.kind, WatchNote::Doing(text)))
            .await
    }
}

/// Errors retrying cannot fix are `Failed` (shown red with a hint); the rest are `Reconnecting`,
/// worded as what the watch waits for.
pub fn classify(kind: ResourceKind, err: &kube::Error, ever_connected: bool) -> ConnState {
    match err {
        kube::Error::Api(s) => classify_status(kind, s, ever_connected),
        other => ConnState::Reconnecting(format!(
            "waiting for the API server ({})",
            crate::domain::sanitize::one_line(&other.to_string())
        )),
    }
}

pub fn classify_status(kind: ResourceKind, s: &ErrorResponse, ever_connected: bool) -> ConnState {
    match s.code {
        404 if ever_connected => ConnState::Reconnecting(format!(
            "{} not served right now (API server restarting, or the CRD was removed)",
            kind.plural()
        )),
        404 => ConnState::Failed(crd_missing(kind)),
        403 => ConnState::Failed(format!(
            "forbidden to list/watch {}: {} (check RBAC: kubectl auth can-i watch {})",
            kind.plural(),
            s.message,
            kind.crd_name()
        )),
        401 => ConnState::Failed(format!(
            "unauthorized: {} (refresh your kubeconfig credentials)",
            s.message
        )),
        429 => ConnState::Reconnecting(format!(
            "waiting for the API server's {} cache to warm up ({})",
            kind.plural(),
            s.message
        )),
        code => ConnState::Reconnecting(format!(
            "waiting for the {} watch: {} ({code})",
            kind.plural(),
            s.message
        )),
    }
}

/// The one wording of a missing CRD, shared by the TUI and the headless commands.
pub fn crd_missing(kind: ResourceKind) -> String {
    format!(
        "{} is not served: is the CRD {} installed? (kubectl apply -f examples/crds/)",
        kind.plural(),
        kind.crd_name()
    )
}
