//! The watch loop against scripted API servers (paused tokio time): when it says connected, how it
//! resumes and reconciles after a disconnect, 410 Gone, stalls, a server warming up its cache,
//! servers without streaming lists, and a missing CRD. The same loop runs against the real API
//! server in `kube_faults.rs`.
use futures::StreamExt;
use futures::future::BoxFuture;
use kube::api::{ListParams, ObjectList, WatchEvent, WatchParams};
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use swarm_cockpit::app::msg::{Resource, WatchNote};
use swarm_cockpit::app::{ConnState, Msg, SourceEvent, State, update};
use swarm_cockpit::domain::run_doc::WireRun;
use swarm_cockpit::domain::{ObjectKey, Phase, Plan, ResourceKind};
use swarm_cockpit::sources::kube_watch::{
    EventStream, OnScreen, WatchApi, WatchTuning, run, run_seeing,
};
use swarm_cockpit::sources::wire::{Object, map_event};
use tokio::sync::mpsc;

#[path = "support/singles.rs"]
mod singles;

const KIND: ResourceKind = ResourceKind::AgentRun;

/// One step of a scripted watch stream.
#[derive(Clone)]
enum Step {
    Event(Value),
    Wait(Duration),
    /// The connection is cut (a transport error).
    Cut,
    /// Nothing more, ever (a stalled server).
    Hang,
}

/// The answer to one watch request.
#[derive(Clone)]
enum Reply {
    Status(u16, &'static str),
    Stream(Vec<Step>),
    /// The server holds the request this long, then answers with the stream.
    Held(Duration, Vec<Step>),
}

#[derive(Clone, Default)]
struct Fake {
    watches: Arc<Mutex<VecDeque<Reply>>>,
    lists: Arc<Mutex<VecDeque<Value>>>,
    /// What a GET of each name answers now (absent: 404).
    objects: Arc<Mutex<HashMap<String, Value>>>,
    /// GETs and lists fail as on a network partition.
    unreachable: Arc<std::sync::atomic::AtomicBool>,
    /// A list of the whole kind (not a scripted page) gets every stored object in one page; off,
    /// the namespace holds more than one page (a continue token).
    namespace_fits: Arc<std::sync::atomic::AtomicBool>,
    /// Every request, in order: `watch rv=… initial` / `list` (a scripted page) / `list whole` /
    /// `get NAME` / `answers`.
    calls: Arc<Mutex<Vec<String>>>,
}

impl Fake {
    fn new(replies: Vec<Reply>) -> Fake {
        Fake {
            watches: Arc::new(Mutex::new(replies.into())),
            ..Fake::default()
        }
    }

    /// A server whose namespace fits in one page of a whole list.
    fn small_namespace(replies: Vec<Reply>) -> Fake {
        let fake = Fake::new(replies);
        fake.namespace_fits
            .store(true, std::sync::atomic::Ordering::SeqCst);
        fake
    }

    fn calls(&self) -> Vec<String> {
        self.calls.lock().expect("calls").clone()
    }

    /// The watch requests alone, in order.
    fn watches(&self) -> Vec<String> {
        self.calls()
            .into_iter()
            .filter(|c| c.starts_with("watch"))
            .collect()
    }

    /// What storage holds, as a list of the whole kind answers it (names in order, as etcd's
    /// keys are; its resourceVersion the newest object's).
    fn whole_list(&self) -> ObjectList<Object> {
        let objects = self.objects.lock().expect("objects");
        let mut names: Vec<&String> = objects.keys().collect();
        names.sort();
        let items: Vec<Object> = names
            .iter()
            .map(|n| {
                Object::from(serde_json::from_value::<WireRun>(objects[*n].clone()).expect("a run"))
            })
            .collect();
        let newest = items
            .iter()
            .filter_map(|o| o.resource_version()?.parse::<u64>().ok())
            .max()
            .unwrap_or(1);
        let fits = self
            .namespace_fits
            .load(std::sync::atomic::Ordering::SeqCst);
        serde_json::from_value::<ObjectList<WireRun>>(json!({
            "apiVersion": "v1", "kind": "List",
            "metadata": {"resourceVersion": newest.to_string(),
                         "continue": if fits { "" } else { "more" }},
            "items": [],
        }))
        .map(|empty| ObjectList {
            types: empty.types,
            metadata: empty.metadata,
            items: if fits {
                items
            } else {
                items.into_iter().take(1).collect()
            },
        })
        .expect("a list")
    }

    /// What storage holds for `name` from now on (`None`: it was deleted).
    fn store(&self, name: &str, obj: Option<Value>) {
        let mut objects = self.objects.lock().expect("objects");
        match obj {
            Some(obj) => objects.insert(name.to_owned(), obj),
            None => objects.remove(name),
        };
    }
}

fn status(code: u16, message: &str) -> kube::Error {
    kube::Error::Api(
        kube::core::Status::failure(message, "Failure")
            .with_code(code)
            .boxed(),
    )
}

impl WatchApi for Fake {
    fn watch(
        &self,
        params: WatchParams,
        rv: String,
    ) -> BoxFuture<'static, kube::Result<EventStream>> {
        self.calls.lock().expect("calls").push(format!(
            "watch rv={rv}{}",
            if params.send_initial_events {
                " initial"
            } else {
                ""
            }
        ));
        let reply = self.watches.lock().expect("script").pop_front();
        Box::pin(async move {
            match reply {
                None => Ok(futures::stream::pending().boxed()),
                Some(Reply::Status(code, message)) => Err(status(code, message)),
                Some(Reply::Stream(steps)) => Ok(stream_of(steps)),
                Some(Reply::Held(hold, steps)) => {
                    tokio::time::sleep(hold).await;
                    Ok(stream_of(steps))
                }
            }
        })
    }

    fn list(&self, params: ListParams) -> BoxFuture<'static, kube::Result<ObjectList<Object>>> {
        if params.limit != Some(tuning().page_size) {
            self.calls.lock().expect("calls").push("list whole".into());
            if self.unreachable.load(std::sync::atomic::Ordering::SeqCst) {
                return Box::pin(async {
                    Err(kube::Error::Service(Box::new(std::io::Error::other(
                        "no route to host",
                    ))))
                });
            }
            let list = self.whole_list();
            return Box::pin(async move { Ok(list) });
        }
        self.calls.lock().expect("calls").push("list".into());
        let page = self.lists.lock().expect("lists").pop_front();
        Box::pin(async move {
            match page {
                Some(page) => {
                    // Decoded off the wire, as the real API's pages are.
                    let page: ObjectList<WireRun> =
                        serde_json::from_value(page).expect("a list page");
                    Ok(ObjectList {
                        types: page.types,
                        metadata: page.metadata,
                        items: page.items.into_iter().map(Object::from).collect(),
                    })
                }
                None => Err(status(500, "no more pages scripted")),
            }
        })
    }

    fn get(&self, key: &ObjectKey) -> BoxFuture<'static, kube::Result<Option<Object>>> {
        self.calls
            .lock()
            .expect("calls")
            .push(format!("get {}", key.name));
        let found = self
            .objects
            .lock()
            .expect("objects")
            .get(key.name.as_str())
            .cloned();
        if self.unreachable.load(std::sync::atomic::Ordering::SeqCst) {
            return Box::pin(async {
                Err(kube::Error::Service(Box::new(std::io::Error::other(
                    "no route to host",
                ))))
            });
        }
        Box::pin(async move {
            Ok(found.map(|obj| {
                let run: WireRun = serde_json::from_value(obj).expect("a run");
                Object::from(run)
            }))
        })
    }

    fn diagnose(&self) -> BoxFuture<'static, Option<String>> {
        Box::pin(async { Some("the API server's storage (etcd) is not answering".into()) })
    }

    fn answers(&self) -> BoxFuture<'static, bool> {
        self.calls.lock().expect("calls").push("answers".into());
        let up = !self.unreachable.load(std::sync::atomic::Ordering::SeqCst);
        Box::pin(async move { up })
    }
}

fn stream_of(steps: Vec<Step>) -> EventStream {
    futures::stream::unfold(VecDeque::from(steps), |mut steps| async move {
        loop {
            match steps.pop_front()? {
                Step::Wait(d) => tokio::time::sleep(d).await,
                Step::Hang => futures::future::pending::<()>().await,
                Step::Cut => {
                    let err =
                        kube::Error::Service(Box::new(std::io::Error::other("connection reset")));
                    return Some((Err(err), steps));
                }
                Step::Event(v) => {
                    let event: WatchEvent<WireRun> =
                        serde_json::from_value(v).expect("a watch event");
                    return Some((Ok(map_event(event, Object::from)), steps));
                }
            }
        }
    })
    .boxed()
}

fn run_obj(name: &str, rv: u64, phase: &str) -> Value {
    json!({
        "apiVersion": "agents.proompteng.ai/v1alpha1", "kind": "AgentRun",
        "metadata": {"name": name, "namespace": "ns", "resourceVersion": rv.to_string()},
        "spec": {"agentRef": {"name": "codex-agent"}, "runtime": {"type": "workflow"}},
        "status": {"phase": phase}
    })
}

fn added(name: &str, rv: u64, phase: &str) -> Step {
    Step::Event(json!({"type": "ADDED", "object": run_obj(name, rv, phase)}))
}

fn modified(name: &str, rv: u64, phase: &str) -> Step {
    Step::Event(json!({"type": "MODIFIED", "object": run_obj(name, rv, phase)}))
}

fn deleted(name: &str, rv: u64) -> Step {
    Step::Event(json!({"type": "DELETED", "object": run_obj(name, rv, "Running")}))
}

fn bookmark(rv: u64) -> Step {
    Step::Event(json!({"type": "BOOKMARK", "object": {
        "apiVersion": "agents.proompteng.ai/v1alpha1", "kind": "AgentRun",
        "metadata": {"resourceVersion": rv.to_string()}}}))
}

fn end_of_list(rv: u64) -> Step {
    Step::Event(json!({"type": "BOOKMARK", "object": {
        "apiVersion": "agents.proompteng.ai/v1alpha1", "kind": "AgentRun",
        "metadata": {"resourceVersion": rv.to_string(),
                     "annotations": {"k8s.io/initial-events-end": "true"}}}}))
}

fn gone() -> Step {
    Step::Event(json!({"type": "ERROR", "object": {
        "kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 410,
        "reason": "Expired", "message": "too old resource version: 5 (20)"}}))
}

fn tuning() -> WatchTuning {
    WatchTuning {
        watch_timeout: Duration::from_secs(30),
        stall_after: Duration::from_secs(40),
        open_timeout: Duration::from_secs(10),
        retry_min: Duration::from_millis(100),
        retry_max: Duration::from_secs(1),
        page_size: 2,
        streaming_lists: true,
    }
}

/// Runs the loop on `fake`, feeding a `State` through the real `update`, and records every
/// source event (and the number of runs on the board after it).
struct Driver {
    rx: singles::Singles,
    state: State,
    log: Vec<String>,
    /// Runs on the board after each message (a blank board in between would show as a dip).
    sizes: Vec<usize>,
    task: tokio::task::JoinHandle<()>,
}

impl Driver {
    fn start(fake: Fake) -> Driver {
        let (tx, rx) = mpsc::channel(256);
        Driver::with_task(rx, tokio::spawn(run(fake, KIND, tx, tuning())))
    }

    /// A watch told which runs are on screen.
    fn start_seeing(fake: Fake, on_screen: tokio::sync::watch::Receiver<OnScreen>) -> Driver {
        let (tx, rx) = mpsc::channel(256);
        let task = tokio::spawn(run_seeing(fake, KIND, tx, tuning(), on_screen));
        Driver::with_task(rx, task)
    }

    fn with_task(rx: mpsc::Receiver<Msg>, task: tokio::task::JoinHandle<()>) -> Driver {
        let mut state = State::new(Plan::default(), Default::default(), chrono::Utc::now());
        // Only the AgentRun watch runs here: the other kind counts as connected.
        state
            .cluster
            .connection
            .insert(ResourceKind::ImplementationSpec, ConnState::Connected);
        Driver {
            rx: singles::Singles::new(rx),
            state,
            log: Vec::new(),
            sizes: Vec::new(),
            task,
        }
    }

    /// Applies messages until `pred` holds; fails after `within` of (paused) time.
    async fn until(&mut self, what: &str, within: Duration, pred: impl Fn(&Driver) -> bool) {
        let deadline = tokio::time::Instant::now() + within;
        while !pred(self) {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(msg)) => {
                    if let Msg::Source(e) = &msg {
                        self.log.push(describe(e));
                    }
                    update(&mut self.state, msg);
                    self.sizes.push(self.state.cluster.runs.len());
                }
                Ok(None) => panic!("{what}: the loop ended\n{:#?}", self.log),
                Err(_) => panic!("timed out waiting for {what}\n{:#?}", self.log),
            }
        }
    }

    fn conn(&self) -> &ConnState {
        &self.state.cluster.connection[&KIND]
    }

    fn phase(&self, name: &str) -> Option<Phase> {
        self.state
            .cluster
            .runs
            .get(&ObjectKey::new("ns", name))
            .map(|r| r.phase.clone())
    }

    fn names(&self) -> Vec<String> {
        self.state
            .cluster
            .runs
            .keys()
            .map(|k| k.name.to_string())
            .collect()
    }

    fn index(&self, needle: &str) -> Option<usize> {
        self.log.iter().position(|l| l.contains(needle))
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn describe(e: &SourceEvent) -> String {
    match e {
        SourceEvent::Applied(r) => match r {
            Resource::Run(run) => format!("Applied {} {}", run.key.name, run.phase.label()),
            Resource::WorkItem(w) => format!("Applied {}", w.key.name),
        },
        SourceEvent::Deleted(_, k) => format!("Deleted {}", k.name),
        SourceEvent::Seen(_, k) => format!("Seen {}", k.name),
        SourceEvent::ResyncStarted(_) => "ResyncStarted".into(),
        SourceEvent::ResyncDone(_) => "ResyncDone".into(),
        SourceEvent::Connection(_, c) => format!("Connection {c:?}"),
        SourceEvent::Watch(_, WatchNote::Alive) => "Alive".into(),
        SourceEvent::Watch(_, WatchNote::Doing(d)) => format!("Doing {d:?}"),
        other => format!("{other:?}"),
    }
}

const SOON: Duration = Duration::from_secs(5);

fn connected(d: &Driver) -> bool {
    *d.conn() == ConnState::Connected
}

#[tokio::test(start_paused = true)]
async fn connected_only_when_the_streaming_list_ends_and_the_status_says_what_it_waits_for() {
    let fake = Fake::new(vec![Reply::Stream(vec![
        added("a", 3, "Running"),
        Step::Wait(Duration::from_secs(2)),
        added("b", 4, "Pending"),
        end_of_list(5),
        Step::Hang,
    ])]);
    let mut d = Driver::start(fake.clone());
    d.until("the first object", SOON, |d| {
        d.state.cluster.runs.len() == 1
    })
    .await;
    // Half-listed: not connected, and the status line says what it waits for.
    assert_eq!(*d.conn(), ConnState::Connecting);
    let (_, text) = swarm_cockpit::ui::status::connection_text(&d.state);
    assert!(text.contains("listing agentruns"), "{text}");
    d.until("connected", SOON, connected).await;
    assert_eq!(d.names(), ["a", "b"]);
    assert!(
        d.index("ResyncDone") < d.index("Connection Connected"),
        "{:#?}",
        d.log
    );
    assert_eq!(fake.calls(), ["watch rv= initial"]);
    d.until("the note cleared", SOON, |d| {
        d.state.freshness.watches[&KIND].doing.is_none()
    })
    .await;
    let (_, text) = swarm_cockpit::ui::status::connection_text(&d.state);
    assert_eq!(text, "connected");
}

#[tokio::test(start_paused = true)]
async fn a_watch_the_server_ends_is_reopened_from_its_bookmark_without_a_relist() {
    let fake = Fake::new(vec![
        Reply::Stream(vec![added("a", 3, "Running"), end_of_list(5), bookmark(9)]),
        Reply::Stream(vec![modified("a", 12, "Succeeded"), Step::Hang]),
    ]);
    let mut d = Driver::start(fake.clone());
    d.until("the change after the reopen", SOON, |d| {
        d.phase("a") == Some(Phase::Succeeded)
    })
    .await;
    assert_eq!(fake.calls(), ["watch rv= initial", "watch rv=9"]);
    // Connected once, never dropped for a planned reopen.
    let conns: Vec<_> = d
        .log
        .iter()
        .filter(|l| l.starts_with("Connection"))
        .collect();
    assert_eq!(conns, ["Connection Connecting", "Connection Connected"]);
}

#[tokio::test(start_paused = true)]
async fn after_a_cut_it_resumes_and_reconciles_and_an_older_snapshot_never_wins() {
    let fake = Fake::new(vec![
        Reply::Stream(vec![
            added("a", 3, "Running"),
            added("gone", 4, "Running"),
            added("stale", 5, "Running"),
            end_of_list(6),
            Step::Cut,
        ]),
        // The resumed stream delivers at once what changed; the relist beside it comes later.
        Reply::Stream(vec![
            modified("a", 20, "Succeeded"),
            deleted("stale", 21),
            Step::Hang,
        ]),
        Reply::Stream(vec![
            Step::Wait(Duration::from_millis(500)),
            // The snapshot predates the resumed stream's changes to `a` and `stale`, and knows
            // that `gone` went away while the cockpit was disconnected.
            added("a", 19, "Running"),
            added("stale", 19, "Running"),
            added("new", 18, "Pending"),
            end_of_list(19),
            Step::Hang,
        ]),
    ]);
    let mut d = Driver::start(fake.clone());
    d.until("connected", SOON, connected).await;
    d.until("reconnecting after the cut", SOON, |d| {
        matches!(d.conn(), ConnState::Reconnecting(_))
    })
    .await;
    d.until("the resumed stream's change", SOON, |d| {
        d.phase("a") == Some(Phase::Succeeded)
    })
    .await;
    // Delivering again: connected, though the reconciling relist is still running.
    assert!(connected(&d), "{:#?}", d.log);
    d.until("the relist done", SOON, |d| {
        d.index("ResyncDone").is_some() && d.log.iter().filter(|l| *l == "ResyncDone").count() == 2
    })
    .await;
    assert_eq!(d.names(), ["a", "new"], "{:#?}", d.log);
    assert_eq!(d.phase("a"), Some(Phase::Succeeded), "{:#?}", d.log);
    assert_eq!(
        fake.calls(),
        ["watch rv= initial", "watch rv=6", "watch rv= initial"]
    );
    // Never a blank board on the way: from the first full list on, only the deletions shrink it.
    let full = d
        .sizes
        .iter()
        .position(|n| *n == 3)
        .expect("three runs listed");
    assert!(d.sizes[full..].iter().all(|n| *n >= 2), "{:?}", d.sizes);
}

#[tokio::test(start_paused = true)]
async fn gone_relists_and_keeps_the_board_meanwhile() {
    let fake = Fake::new(vec![
        Reply::Stream(vec![
            added("a", 3, "Running"),
            added("b", 4, "Running"),
            end_of_list(5),
            gone(),
        ]),
        Reply::Stream(vec![
            Step::Wait(Duration::from_secs(1)),
            added("b", 30, "Failed"),
            added("c", 31, "Pending"),
            end_of_list(32),
            Step::Hang,
        ]),
    ]);
    let mut d = Driver::start(fake.clone());
    d.until("the relist done", SOON, |d| {
        d.log.iter().filter(|l| *l == "ResyncDone").count() == 2
    })
    .await;
    assert_eq!(d.names(), ["b", "c"]);
    assert_eq!(d.phase("b"), Some(Phase::Failed));
    assert_eq!(fake.calls(), ["watch rv= initial", "watch rv= initial"]);
    let first_full = d.sizes.iter().position(|n| *n == 2).expect("two runs");
    assert!(
        d.sizes[first_full..].iter().all(|n| *n >= 2),
        "{:?}",
        d.sizes
    );
}

#[tokio::test(start_paused = true)]
async fn a_silent_stream_is_detected_as_stalled_and_restarted() {
    let fake = Fake::new(vec![
        Reply::Stream(vec![added("a", 3, "Running"), end_of_list(5), Step::Hang]),
        Reply::Stream(vec![bookmark(40), Step::Hang]),
        Reply::Stream(vec![end_of_list(40), Step::Hang]),
    ]);
    let mut d = Driver::start(fake.clone());
    d.until("connected", SOON, connected).await;
    let started = tokio::time::Instant::now();
    d.until("stalled", Duration::from_secs(60), |d| {
        matches!(d.conn(), ConnState::Reconnecting(_))
    })
    .await;
    let waited = started.elapsed();
    assert!(
        waited >= tuning().stall_after && waited < tuning().stall_after + Duration::from_secs(2),
        "{waited:?}"
    );
    let ConnState::Reconnecting(why) = d.conn().clone() else {
        unreachable!()
    };
    assert!(why.contains("went silent") && why.contains("etcd"), "{why}");
    d.until("connected again", SOON, connected).await;
    assert_eq!(
        fake.calls(),
        ["watch rv= initial", "watch rv=5", "watch rv= initial"]
    );
}

#[tokio::test(start_paused = true)]
async fn a_server_warming_up_its_cache_is_retried_quickly_and_said_so() {
    let fake = Fake::new(vec![
        Reply::Status(429, "storage is (re)initializing"),
        Reply::Status(429, "storage is (re)initializing"),
        Reply::Status(429, "storage is (re)initializing"),
        Reply::Stream(vec![added("a", 3, "Running"), end_of_list(5), Step::Hang]),
    ]);
    let mut d = Driver::start(fake.clone());
    d.until(
        "waiting for the cache",
        SOON,
        |d| matches!(d.conn(), ConnState::Reconnecting(e) if e.contains("cache to warm up")),
    )
    .await;
    let started = tokio::time::Instant::now();
    d.until("connected", SOON, connected).await;
    // Three retries: 100 + 200 + 400 ms, jittered by ±25 %.
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(fake.watches().len(), 4, "{:?}", fake.calls());
}

#[tokio::test(start_paused = true)]
async fn servers_without_streaming_lists_get_a_paged_list_then_a_watch() {
    let fake = Fake::new(vec![
        Reply::Status(
            422,
            "sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled",
        ),
        Reply::Stream(vec![modified("b", 9, "Succeeded"), Step::Hang]),
    ]);
    let page = |items: Vec<Value>, cont: &str| {
        json!({"apiVersion": "agents.proompteng.ai/v1alpha1", "kind": "AgentRunList",
               "metadata": {"resourceVersion": "7", "continue": cont}, "items": items})
    };
    fake.lists.lock().expect("lists").extend([
        page(
            vec![run_obj("a", 3, "Running"), run_obj("b", 4, "Running")],
            "next",
        ),
        page(vec![run_obj("c", 5, "Running")], ""),
    ]);
    let mut d = Driver::start(fake.clone());
    d.until("the watch's change", SOON, |d| {
        d.phase("b") == Some(Phase::Succeeded)
    })
    .await;
    assert!(connected(&d));
    assert_eq!(d.names(), ["a", "b", "c"]);
    assert_eq!(
        fake.calls(),
        ["watch rv= initial", "list", "list", "watch rv=7"]
    );
}

#[tokio::test(start_paused = true)]
async fn a_missing_crd_fails_naming_it() {
    let fake = Fake::new(vec![Reply::Status(
        404,
        "the server could not find the requested resource",
    )]);
    let mut d = Driver::start(fake);
    d.until("failed", SOON, |d| matches!(d.conn(), ConnState::Failed(_)))
        .await;
    let ConnState::Failed(why) = d.conn().clone() else {
        unreachable!()
    };
    assert!(
        why.contains("agentruns.agents.proompteng.ai") && why.contains("kubectl apply"),
        "{why}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_list_arrives_in_chunks_with_every_event_in_order() {
    const N: usize = 1_000;
    let mut steps: Vec<Step> = (0..N)
        .map(|i| added(&format!("r{i:04}"), 10 + i as u64, "Running"))
        .collect();
    steps.push(end_of_list(2_000));
    steps.push(Step::Hang);
    let (tx, mut rx) = mpsc::channel(256);
    let task = tokio::spawn(run(
        Fake::new(vec![Reply::Stream(steps)]),
        KIND,
        tx,
        tuning(),
    ));
    let (mut messages, mut events) = (0, Vec::new());
    while !events
        .iter()
        .any(|e| matches!(e, SourceEvent::ResyncDone(_)))
    {
        let msg = tokio::time::timeout(SOON, rx.recv())
            .await
            .expect("the list in time")
            .expect("the loop runs");
        messages += 1;
        for single in msg.into_singles() {
            let Msg::Source(e) = single else {
                panic!("only source events")
            };
            events.push(e);
        }
    }
    task.abort();
    // Every object was ready at once: a handful of messages, not one per object.
    assert!(messages <= 2 + N.div_ceil(100), "{messages} messages");
    let applied: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            SourceEvent::Applied(r) => Some(r.key().name.to_string()),
            _ => None,
        })
        .collect();
    let expected: Vec<String> = (0..N).map(|i| format!("r{i:04}")).collect();
    assert_eq!(applied, expected, "each object once, in the stream's order");
    let started = events
        .iter()
        .position(|e| matches!(e, SourceEvent::ResyncStarted(_)));
    let first = events
        .iter()
        .position(|e| matches!(e, SourceEvent::Applied(_)));
    assert!(started < first, "the resync begins before its objects");
}

#[tokio::test(start_paused = true)]
async fn events_after_the_end_of_a_list_in_the_same_chunk_are_live_ones() {
    // A snapshot's deletion is ignored (a server quirk); a live one removes the run. Here the
    // deletion arrives together with the end-of-list bookmark, so it is live.
    let fake = Fake::new(vec![Reply::Stream(vec![
        added("a", 3, "Running"),
        added("b", 4, "Running"),
        end_of_list(5),
        deleted("b", 6),
        modified("a", 7, "Succeeded"),
        Step::Hang,
    ])]);
    let mut d = Driver::start(fake);
    d.until("b deleted and a succeeded", SOON, |d| {
        d.names() == ["a"] && d.phase("a") == Some(Phase::Succeeded)
    })
    .await;
    assert!(connected(&d));
}

/// A server warming up its watch cache after a restart answers every watch 429 for seconds, but
/// serves GETs from storage: the runs in flight are read one by one meanwhile, and their changes
/// reach the board before any watch is served. Finished runs are not read. The resumed watch then
/// replays older states, which never replace the newer one on the board, and "connected" waits
/// for the watch.
#[tokio::test(start_paused = true)]
async fn while_the_cache_warms_up_the_runs_in_flight_are_read_one_by_one() {
    bridged_warm_up(false).await;
}

/// The same when the server accepts the watch and refuses it with the stream's one event (as the
/// real server does), the relist beside it refused alike.
#[tokio::test(start_paused = true)]
async fn a_warm_up_refused_inside_the_streams_is_bridged_too() {
    bridged_warm_up(true).await;
}

async fn bridged_warm_up(in_stream: bool) {
    let warming = Reply::Status(429, "storage is (re)initializing");
    let mut replies = vec![Reply::Stream(vec![
        added("a", 3, "Running"),
        added("done", 4, "Succeeded"),
        added("c", 5, "Pending"),
        end_of_list(6),
        Step::Cut,
    ])];
    // About three seconds of 429s (a retry every quarter second): refused outright, or (as the
    // real server does) accepted with the refusal as the stream's one event.
    let refused_in_stream = Reply::Stream(vec![Step::Event(json!({"type": "ERROR", "object": {
        "kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 429,
        "reason": "TooManyRequests", "message": "storage is (re)initializing"}}))]);
    for _ in 0..12 {
        if in_stream {
            // The resumed watch and the relist beside it.
            replies.extend([refused_in_stream.clone(), refused_in_stream.clone()]);
        } else {
            replies.push(warming.clone());
        }
    }
    replies.extend([
        // The resumed watch replays what happened since rv 6, oldest first.
        Reply::Stream(vec![
            modified("a", 7, "Running"),
            modified("a", 8, "Blocked"),
            deleted("c", 9),
            Step::Hang,
        ]),
        // The relist beside it.
        Reply::Stream(vec![
            Step::Wait(Duration::from_millis(300)),
            added("a", 8, "Blocked"),
            added("done", 4, "Succeeded"),
            end_of_list(9),
            Step::Hang,
        ]),
    ]);
    let fake = Fake::new(replies);
    fake.store("a", Some(run_obj("a", 3, "Running")));
    fake.store("c", Some(run_obj("c", 5, "Pending")));
    fake.store("done", Some(run_obj("done", 4, "Succeeded")));
    let mut d = Driver::start(fake.clone());
    d.until("connected", SOON, connected).await;
    d.until(
        "waiting for the cache, and saying the runs are read meanwhile",
        SOON,
        |d| {
            matches!(d.conn(), ConnState::Reconnecting(e)
                if e.contains("cache to warm up") && e.contains("2 runs on screen or in flight read one by one"))
        },
    )
    .await;
    // While the server serves no watch: a changes twice, c is deleted.
    fake.store("a", Some(run_obj("a", 7, "Running")));
    fake.store("a", Some(run_obj("a", 8, "Blocked")));
    fake.store("c", None);
    let changed = tokio::time::Instant::now();
    d.until("the change read by the bridge", SOON, |d| {
        d.phase("a") == Some(Phase::Blocked) && d.phase("c").is_none()
    })
    .await;
    assert!(
        changed.elapsed() <= Duration::from_secs(1),
        "{:?}",
        changed.elapsed()
    );
    assert!(
        matches!(d.conn(), ConnState::Reconnecting(_)),
        "not connected before the watch delivers: {:?}",
        d.conn()
    );
    let watches_so_far = fake
        .calls()
        .iter()
        .filter(|c| c.starts_with("watch"))
        .count();
    assert!(watches_so_far < 20, "still warming: {:?}", fake.calls());
    // The namespace holds more than a page: asked once in this outage, then one by one.
    assert_eq!(
        fake.calls().iter().filter(|c| *c == "list whole").count(),
        1,
        "{:?}",
        fake.calls()
    );
    d.until("connected again", SOON, connected).await;
    d.until("reconciled", SOON, |d| {
        d.log.iter().filter(|l| *l == "ResyncDone").count() == 2
    })
    .await;
    assert_eq!(d.names(), ["a", "done"], "{:#?}", d.log);
    assert_eq!(d.phase("a"), Some(Phase::Blocked));
    // Once the board showed a Blocked, nothing older replaced it.
    let blocked = d.index("Applied a Blocked").expect("a blocked");
    assert!(
        !d.log[blocked..].iter().any(|l| l == "Applied a Running"),
        "{:#?}",
        d.log
    );
    let gets: Vec<String> = fake
        .calls()
        .into_iter()
        .filter(|c| c.starts_with("get"))
        .collect();
    assert!(gets.iter().any(|g| g == "get a"), "{gets:?}");
    assert!(
        !gets.iter().any(|g| g == "get done"),
        "a finished run is not read: {gets:?}"
    );
    // A round at most every half second, over about three seconds of warm-up.
    assert!(gets.len() <= 2 * 8, "{gets:?}");
    // Every attempt resumed from where the watch got, none relisted alone.
    let live: Vec<String> = fake
        .calls()
        .into_iter()
        .filter(|c| c.starts_with("watch") && !c.ends_with("initial"))
        .collect();
    assert_eq!(live.len(), 13, "{:?}", fake.calls());
    assert!(live.iter().all(|c| c == "watch rv=6"), "{live:?}");
}

/// The runs on screen are read too, whatever their phase: a change to a finished run the operator
/// is looking at reaches the board during the warm-up. A finished run off screen waits for the
/// watch.
#[tokio::test(start_paused = true)]
async fn a_finished_run_on_screen_is_read_while_the_server_warms_up() {
    let fake = Fake::new(vec![
        Reply::Stream(vec![
            added("a", 3, "Running"),
            added("shown", 4, "Succeeded"),
            added("unseen", 5, "Succeeded"),
            end_of_list(6),
            Step::Cut,
        ]),
        Reply::Held(
            Duration::from_secs(4),
            vec![
                modified("shown", 8, "Failed"),
                modified("unseen", 9, "Failed"),
                Step::Hang,
            ],
        ),
        Reply::Stream(vec![
            added("a", 3, "Running"),
            added("shown", 8, "Failed"),
            added("unseen", 9, "Failed"),
            end_of_list(9),
            Step::Hang,
        ]),
    ]);
    fake.store("a", Some(run_obj("a", 3, "Running")));
    fake.store("shown", Some(run_obj("shown", 4, "Succeeded")));
    fake.store("unseen", Some(run_obj("unseen", 5, "Succeeded")));
    let (screen, on_screen) = tokio::sync::watch::channel(OnScreen::new());
    let mut d = Driver::start_seeing(fake.clone(), on_screen);
    d.until("connected", SOON, connected).await;
    screen.send_replace(vec![(ObjectKey::new("ns", "shown"), 4)]);
    d.until("reconnecting after the cut", SOON, |d| {
        matches!(d.conn(), ConnState::Reconnecting(_))
    })
    .await;
    fake.store("shown", Some(run_obj("shown", 8, "Failed")));
    fake.store("unseen", Some(run_obj("unseen", 9, "Failed")));
    let changed = tokio::time::Instant::now();
    d.until("the run on screen read by the bridge", SOON, |d| {
        d.phase("shown") == Some(Phase::Failed)
    })
    .await;
    assert!(
        changed.elapsed() <= Duration::from_secs(2),
        "{:?}",
        changed.elapsed()
    );
    assert_eq!(
        d.phase("unseen"),
        Some(Phase::Succeeded),
        "a finished run off screen waits for the watch"
    );
    assert!(
        matches!(d.conn(), ConnState::Reconnecting(e)
            if e.contains("2 runs on screen or in flight read one by one")),
        "{:?}",
        d.conn()
    );
    // Later rounds read it again and find nothing newer (the board may still show rv 4 to the
    // bridge's list): applied once, not once a round.
    let reads_of_shown = |fake: &Fake| fake.calls().iter().filter(|c| *c == "get shown").count();
    d.until("two more rounds", SOON, |_| reads_of_shown(&fake) >= 3)
        .await;
    assert!(matches!(d.conn(), ConnState::Reconnecting(_)));
    assert_eq!(
        d.log
            .iter()
            .filter(|l| *l == "Applied shown Failed")
            .count(),
        1,
        "{:#?}",
        d.log
    );
    d.until("connected again", SOON, connected).await;
    d.until("the watch's change to the run off screen", SOON, |d| {
        d.phase("unseen") == Some(Phase::Failed)
    })
    .await;
    let gets: Vec<String> = fake
        .calls()
        .into_iter()
        .filter(|c| c.starts_with("get"))
        .collect();
    assert!(gets.iter().any(|g| g == "get shown"), "{gets:?}");
    assert!(!gets.iter().any(|g| g == "get unseen"), "{gets:?}");
}

/// A server rebuilding its watch cache may also hold the resumed watch unanswered instead of
/// refusing it (the test server does): the bridge runs while the request waits, and the status
/// line says the server is up and what the watch waits for.
#[tokio::test(start_paused = true)]
async fn a_watch_the_server_holds_after_a_restart_is_bridged() {
    let fake = Fake::new(vec![
        Reply::Stream(vec![
            added("a", 3, "Running"),
            added("done", 4, "Succeeded"),
            end_of_list(6),
            Step::Cut,
        ]),
        Reply::Held(
            Duration::from_secs(4),
            vec![modified("a", 8, "Blocked"), Step::Hang],
        ),
        Reply::Stream(vec![
            added("a", 8, "Blocked"),
            added("done", 4, "Succeeded"),
            end_of_list(9),
            Step::Hang,
        ]),
    ]);
    fake.store("a", Some(run_obj("a", 3, "Running")));
    let mut d = Driver::start(fake.clone());
    d.until("connected", SOON, connected).await;
    d.until("reconnecting after the cut", SOON, |d| {
        matches!(d.conn(), ConnState::Reconnecting(_))
    })
    .await;
    fake.store("a", Some(run_obj("a", 8, "Blocked")));
    let changed = tokio::time::Instant::now();
    d.until("the change read by the bridge", SOON, |d| {
        d.phase("a") == Some(Phase::Blocked)
    })
    .await;
    assert!(
        changed.elapsed() <= Duration::from_secs(2),
        "{:?}",
        changed.elapsed()
    );
    assert!(
        matches!(d.conn(), ConnState::Reconnecting(e)
            if e.contains("waiting for it to serve the agentruns watch")
                && e.contains("1 run on screen or in flight read one by one")),
        "{:?}",
        d.conn()
    );
    d.until("connected again", SOON, connected).await;
    d.until("reconciled", SOON, |d| {
        d.log.iter().filter(|l| *l == "ResyncDone").count() == 2
    })
    .await;
    assert_eq!(d.phase("a"), Some(Phase::Blocked));
    assert!(
        !fake.calls().iter().any(|c| c == "get done"),
        "{:?}",
        fake.calls()
    );
}

/// Nothing on screen or in flight when the resumed watch is held: the status line still says the
/// server is up once it answers, and a run launched meanwhile is read as soon as it is on screen
/// (the bridge's timer does not depend on what was on screen when the request was sent).
#[tokio::test(start_paused = true)]
async fn a_run_launched_while_the_watch_is_held_is_read_though_nothing_was_on_screen() {
    let fake = Fake::new(vec![
        Reply::Stream(vec![end_of_list(6), Step::Cut]),
        Reply::Held(
            Duration::from_secs(6),
            vec![added("launched", 8, "Pending"), Step::Hang],
        ),
        Reply::Stream(vec![
            added("launched", 8, "Pending"),
            end_of_list(9),
            Step::Hang,
        ]),
    ]);
    let (screen, on_screen) = tokio::sync::watch::channel(OnScreen::new());
    let mut d = Driver::start_seeing(fake.clone(), on_screen);
    d.until("connected", SOON, connected).await;
    d.until("the server said up while the watch is held", SOON, |d| {
        matches!(d.conn(), ConnState::Reconnecting(e)
            if e == "the API server is up, waiting for it to serve the agentruns watch")
    })
    .await;
    assert!(d.names().is_empty());
    // The launch creates the run; the wave planner shows it until the board has it.
    tokio::time::sleep(Duration::from_secs(1)).await;
    fake.store("launched", Some(run_obj("launched", 8, "Pending")));
    screen.send_replace(vec![(ObjectKey::new("ns", "launched"), 0)]);
    let launched = tokio::time::Instant::now();
    d.until("the launched run read by the bridge", SOON, |d| {
        d.phase("launched") == Some(Phase::Pending)
    })
    .await;
    assert!(
        launched.elapsed() <= Duration::from_secs(1),
        "{:?}",
        launched.elapsed()
    );
    assert!(
        matches!(d.conn(), ConnState::Reconnecting(e)
            if e.contains("1 run on screen or in flight read one by one")),
        "{:?}",
        d.conn()
    );
    d.until("connected again", Duration::from_secs(10), connected)
        .await;
    assert_eq!(d.names(), ["launched"]);
}

/// A held watch alone does not prove the server up (a partition holds requests too): the status
/// line says "the API server is up" only once it answers the bridge's reads.
#[tokio::test(start_paused = true)]
async fn a_held_watch_with_no_read_answered_is_not_called_up() {
    let fake = Fake::new(vec![
        Reply::Stream(vec![added("a", 3, "Running"), end_of_list(6), Step::Cut]),
        Reply::Held(Duration::from_secs(4), vec![Step::Hang]),
        Reply::Stream(vec![added("a", 3, "Running"), end_of_list(9), Step::Hang]),
    ]);
    fake.store("a", Some(run_obj("a", 3, "Running")));
    fake.unreachable
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let mut d = Driver::start(fake.clone());
    d.until("connected", SOON, connected).await;
    d.until("reconnecting after the cut", SOON, |d| {
        matches!(d.conn(), ConnState::Reconnecting(_))
    })
    .await;
    d.until("connected again", Duration::from_secs(10), connected)
        .await;
    assert!(
        fake.calls().iter().any(|c| c == "get a"),
        "the bridge tried: {:?}",
        fake.calls()
    );
    assert!(
        !d.log.iter().any(|l| l.contains("the API server is up")),
        "{:#?}",
        d.log
    );
}

/// A namespace small enough for one page is read whole during the warm-up: a run created
/// elsewhere and one deleted elsewhere reach the board too, though nothing was on screen or in
/// flight, and no run is read one by one. The replayed watch then never brings back the deleted
/// run nor an older state.
#[tokio::test(start_paused = true)]
async fn while_the_cache_warms_up_a_small_namespace_is_read_whole() {
    let warming = Reply::Status(429, "storage is (re)initializing");
    let mut replies = vec![Reply::Stream(vec![
        added("a", 3, "Running"),
        added("c", 4, "Pending"),
        added("done", 5, "Succeeded"),
        end_of_list(6),
        Step::Cut,
    ])];
    replies.extend(std::iter::repeat_n(warming, 12));
    replies.extend([
        // The resumed watch replays what happened since rv 6, oldest first.
        Reply::Stream(vec![
            modified("a", 7, "Running"),
            modified("a", 8, "Blocked"),
            modified("c", 9, "Running"),
            deleted("c", 10),
            added("elsewhere", 11, "Pending"),
            Step::Hang,
        ]),
        Reply::Stream(vec![
            Step::Wait(Duration::from_millis(300)),
            added("a", 8, "Blocked"),
            added("done", 5, "Succeeded"),
            added("elsewhere", 11, "Pending"),
            end_of_list(11),
            Step::Hang,
        ]),
    ]);
    let fake = Fake::small_namespace(replies);
    fake.store("a", Some(run_obj("a", 3, "Running")));
    fake.store("c", Some(run_obj("c", 4, "Pending")));
    fake.store("done", Some(run_obj("done", 5, "Succeeded")));
    let mut d = Driver::start(fake.clone());
    d.until("connected", SOON, connected).await;
    d.until("the whole namespace read meanwhile", SOON, |d| {
        matches!(d.conn(), ConnState::Reconnecting(e)
            if e.contains("cache to warm up") && e.contains("all agentruns read from storage meanwhile (3)"))
    })
    .await;
    // While the server serves no watch: a changes twice, c is deleted, a run is created
    // elsewhere (by another cockpit or the controller).
    fake.store("a", Some(run_obj("a", 8, "Blocked")));
    fake.store("c", None);
    fake.store("elsewhere", Some(run_obj("elsewhere", 11, "Pending")));
    let changed = tokio::time::Instant::now();
    d.until("every change read by the bridge", SOON, |d| {
        d.phase("a") == Some(Phase::Blocked)
            && d.phase("c").is_none()
            && d.phase("elsewhere") == Some(Phase::Pending)
    })
    .await;
    assert!(
        changed.elapsed() <= Duration::from_secs(1),
        "{:?}",
        changed.elapsed()
    );
    assert!(
        matches!(d.conn(), ConnState::Reconnecting(_)),
        "{:?}",
        d.conn()
    );
    d.until("connected again", SOON, connected).await;
    d.until("reconciled", SOON, |d| {
        d.log.iter().filter(|l| *l == "ResyncDone").count() == 3
    })
    .await;
    assert_eq!(d.names(), ["a", "done", "elsewhere"], "{:#?}", d.log);
    assert_eq!(d.phase("a"), Some(Phase::Blocked));
    let blocked = d.index("Applied a Blocked").expect("a blocked");
    assert!(
        !d.log[blocked..].iter().any(|l| l == "Applied a Running"),
        "{:#?}",
        d.log
    );
    let c_gone = d.index("Deleted c").expect("c deleted");
    assert!(
        !d.log[c_gone..].iter().any(|l| l.starts_with("Applied c")),
        "{:#?}",
        d.log
    );
    assert!(
        !fake.calls().iter().any(|c| c.starts_with("get ")),
        "{:?}",
        fake.calls()
    );
    // Never a blank board: from the first list on, only c's deletion shrinks it.
    let full = d.sizes.iter().position(|n| *n == 3).expect("three listed");
    assert!(d.sizes[full..].iter().all(|n| *n >= 2), "{:?}", d.sizes);
}

/// A watch the restarted server holds, nothing on screen: a run created elsewhere meanwhile is on
/// the board within a bridge round, and the status line says the namespace is read whole.
#[tokio::test(start_paused = true)]
async fn a_run_created_elsewhere_while_the_watch_is_held_is_read() {
    let fake = Fake::small_namespace(vec![
        Reply::Stream(vec![added("a", 3, "Succeeded"), end_of_list(6), Step::Cut]),
        Reply::Held(
            Duration::from_secs(6),
            vec![added("elsewhere", 8, "Running"), Step::Hang],
        ),
        Reply::Stream(vec![
            added("a", 3, "Succeeded"),
            added("elsewhere", 8, "Running"),
            end_of_list(9),
            Step::Hang,
        ]),
    ]);
    fake.store("a", Some(run_obj("a", 3, "Succeeded")));
    let mut d = Driver::start(fake.clone());
    d.until("connected", SOON, connected).await;
    d.until("the server said up while the watch is held", SOON, |d| {
        matches!(d.conn(), ConnState::Reconnecting(e)
            if e == "the API server is up, waiting for it to serve the agentruns watch; \
                     all agentruns read from storage meanwhile (1)")
    })
    .await;
    fake.store("elsewhere", Some(run_obj("elsewhere", 8, "Running")));
    let created = tokio::time::Instant::now();
    d.until("the run created elsewhere", SOON, |d| {
        d.phase("elsewhere") == Some(Phase::Running)
    })
    .await;
    assert!(
        created.elapsed() <= Duration::from_secs(1),
        "{:?}",
        created.elapsed()
    );
    d.until("connected again", Duration::from_secs(10), connected)
        .await;
    assert_eq!(d.names(), ["a", "elsewhere"]);
}

/// While a relist's snapshot is under way (open, still silent), the bridge's whole reads add to
/// the board but never start or end a count of their own: the relist's end alone removes what it
/// did not see.
#[tokio::test(start_paused = true)]
async fn the_bridge_never_nests_a_count_inside_a_relist() {
    let fake = Fake::small_namespace(vec![
        Reply::Stream(vec![
            added("a", 3, "Running"),
            added("gone", 4, "Running"),
            end_of_list(6),
            Step::Cut,
        ]),
        // Resumed and silent; the relist beside it answers after three seconds.
        Reply::Stream(vec![Step::Hang]),
        Reply::Stream(vec![
            Step::Wait(Duration::from_secs(3)),
            added("a", 7, "Succeeded"),
            end_of_list(8),
            Step::Hang,
        ]),
    ]);
    fake.store("a", Some(run_obj("a", 7, "Succeeded")));
    let mut d = Driver::start(fake.clone());
    d.until("connected", SOON, connected).await;
    d.until("the bridge read a", SOON, |d| {
        d.phase("a") == Some(Phase::Succeeded)
    })
    .await;
    d.until("connected again", SOON, connected).await;
    assert_eq!(d.names(), ["a"], "{:#?}", d.log);
    let markers: Vec<&String> = d.log.iter().filter(|l| l.starts_with("Resync")).collect();
    assert_eq!(
        markers,
        ["ResyncStarted", "ResyncDone", "ResyncStarted", "ResyncDone"],
        "{:#?}",
        d.log
    );
    assert!(fake.calls().iter().any(|c| c == "list whole"));
}
