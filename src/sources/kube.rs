//! Kubernetes source: kube-runtime watchers on AgentRuns and ImplementationSpecs, turned into
//! `SourceEvent`s. Watches resume from the last resourceVersion after a drop (nothing lost) and
//! re-list after a desync (stale objects removed by the resync markers).
use crate::app::msg::{ConnState, Msg, Resource, SourceEvent};
use crate::domain::{ObjectKey, ResourceKind, Run, WorkItem, labels};
use futures::StreamExt;
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, ListParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::runtime::WatchStreamExt;
use kube::runtime::utils::Backoff;
use kube::runtime::watcher::{self, Event};
use kube::{Client, Config};
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Which cluster and namespace to watch, as given on the command line or in the config file.
#[derive(Debug, Clone, Default)]
pub struct Target {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    pub namespace: Option<String>,
    pub all_namespaces: bool,
}

/// A connected client and what the status line shows about it.
#[derive(Clone)]
pub struct Connection {
    pub client: Client,
    pub context: String,
    /// `None` = all namespaces.
    pub namespace: Option<String>,
}

impl Target {
    pub async fn connect(&self) -> color_eyre::Result<Connection> {
        let explicit = self.kubeconfig.is_some() || self.context.is_some();
        let (config, context) = if explicit || Kubeconfig::read().is_ok() {
            let kubeconfig = match &self.kubeconfig {
                Some(path) => Kubeconfig::read_from(path).map_err(|e| {
                    color_eyre::eyre::eyre!("cannot read kubeconfig {}: {e}", path.display())
                })?,
                None => Kubeconfig::read()
                    .map_err(|e| color_eyre::eyre::eyre!("cannot read kubeconfig: {e}"))?,
            };
            let context = self
                .context
                .clone()
                .or_else(|| kubeconfig.current_context.clone())
                .unwrap_or_else(|| "default".into());
            let options = KubeConfigOptions {
                context: self.context.clone(),
                ..Default::default()
            };
            let config = Config::from_custom_kubeconfig(kubeconfig, &options)
                .await
                .map_err(|e| color_eyre::eyre::eyre!("kube context {context:?}: {e}"))?;
            (config, context)
        } else {
            (Config::infer().await?, "in-cluster".to_owned())
        };
        let namespace = if self.all_namespaces {
            None
        } else {
            Some(
                self.namespace
                    .clone()
                    .unwrap_or_else(|| config.default_namespace.clone()),
            )
        };
        let client = Client::try_from(config)?;
        Ok(Connection {
            client,
            context,
            namespace,
        })
    }
}

/// The client every I/O path uses, swapped in place when `:ctx`/`:ns` switch clusters, so saves,
/// launches and log streams all follow the switch.
#[derive(Clone)]
pub struct SharedClient(std::sync::Arc<std::sync::RwLock<Client>>);

impl SharedClient {
    pub fn new(client: Client) -> SharedClient {
        SharedClient(std::sync::Arc::new(std::sync::RwLock::new(client)))
    }

    pub fn get(&self) -> Client {
        match self.0.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn set(&self, client: Client) {
        match self.0.write() {
            Ok(mut c) => *c = client,
            Err(poisoned) => *poisoned.into_inner() = client,
        }
    }
}

/// The API resource description of one of the Agents platform kinds.
pub fn api_resource(kind: ResourceKind) -> ApiResource {
    let gvk = GroupVersionKind::gvk(labels::GROUP, labels::VERSION, kind.kind());
    ApiResource::from_gvk_with_plural(&gvk, kind.plural())
}

pub fn api(client: &Client, namespace: Option<&str>, kind: ResourceKind) -> Api<DynamicObject> {
    let ar = api_resource(kind);
    match namespace {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &ar),
        None => Api::all_with(client.clone(), &ar),
    }
}

/// Starts one watcher task per kind; they end when the receiver is dropped.
pub fn spawn_watchers(conn: &Connection, tx: mpsc::Sender<Msg>) -> Vec<JoinHandle<()>> {
    ResourceKind::ALL
        .iter()
        .map(|kind| {
            let api = api(&conn.client, conn.namespace.as_deref(), *kind);
            tokio::spawn(watch_kind(api, *kind, tx.clone()))
        })
        .collect()
}

/// Lists every work item and run once (for headless commands).
pub async fn list_all(target: &Target) -> color_eyre::Result<(Vec<WorkItem>, Vec<Run>)> {
    let conn = target.connect().await?;
    let mut items = Vec::new();
    let mut runs = Vec::new();
    for kind in ResourceKind::ALL {
        let list = api(&conn.client, conn.namespace.as_deref(), kind)
            .list(&ListParams::default())
            .await
            .map_err(|e| color_eyre::eyre::eyre!("cannot list {}: {e}", kind.crd_name()))?;
        for obj in &list.items {
            match to_resource(kind, obj) {
                Resource::Run(r) => runs.push(*r),
                Resource::WorkItem(w) => items.push(*w),
            }
        }
    }
    Ok((items, runs))
}

/// Converts one served object into its view-model.
pub fn to_resource(kind: ResourceKind, obj: &DynamicObject) -> Resource {
    let json = serde_json::to_value(obj).unwrap_or_default();
    match kind {
        ResourceKind::AgentRun => Resource::Run(Box::new(Run::from_json(&json))),
        ResourceKind::ImplementationSpec => {
            Resource::WorkItem(Box::new(WorkItem::from_json(&json)))
        }
    }
}

fn key_of(obj: &DynamicObject) -> ObjectKey {
    ObjectKey::new(
        obj.metadata.namespace.clone().unwrap_or_default(),
        obj.metadata.name.clone().unwrap_or_default(),
    )
}

/// Retry quickly: an on-call's board should catch up within seconds of the API server returning.
struct QuickBackoff {
    next: Duration,
}

impl QuickBackoff {
    const MIN: Duration = Duration::from_millis(200);
    const MAX: Duration = Duration::from_secs(3);
}

impl Iterator for QuickBackoff {
    type Item = Duration;
    fn next(&mut self) -> Option<Duration> {
        let current = self.next;
        self.next = (self.next * 2).min(Self::MAX);
        Some(current)
    }
}

impl Backoff for QuickBackoff {
    fn reset(&mut self) {
        self.next = Self::MIN;
    }
}

async fn watch_kind(api: Api<DynamicObject>, kind: ResourceKind, tx: mpsc::Sender<Msg>) {
    let send = |event: SourceEvent| {
        let tx = tx.clone();
        async move { tx.send(Msg::Source(event)).await.is_ok() }
    };
    if !send(SourceEvent::Connection(kind, ConnState::Connecting)).await {
        return;
    }
    let mut stream = watcher(api.clone(), watcher::Config::default())
        .backoff(QuickBackoff {
            next: QuickBackoff::MIN,
        })
        .boxed();
    let mut connected = false;
    // Once served, a 404 is most likely the API server still coming back (custom resources are
    // served a moment after the core API), not a missing CRD.
    let mut ever_connected = false;
    // True from the start of a (re)list until its end: the board is still filling then, so the
    // probe below must not announce "connected" (only `InitDone` does).
    let mut listing = true;
    let mut probe = tokio::time::interval(Duration::from_millis(500));
    loop {
        tokio::select! {
            item = stream.next() => {
                let Some(item) = item else { return };
                let events = match item {
                    Ok(event) => {
                        let mut out = Vec::with_capacity(2);
                        let now_connected = !matches!(event, Event::Init | Event::InitApply(_));
                        match event {
                            Event::Init => {
                                listing = true;
                                out.push(SourceEvent::ResyncStarted(kind));
                            }
                            Event::InitApply(obj) | Event::Apply(obj) => {
                                out.push(SourceEvent::Applied(to_resource(kind, &obj)));
                            }
                            Event::InitDone => {
                                listing = false;
                                out.push(SourceEvent::ResyncDone(kind));
                            }
                            Event::Delete(obj) => out.push(SourceEvent::Deleted(kind, key_of(&obj))),
                        }
                        if now_connected && !connected {
                            connected = true;
                            ever_connected = true;
                            out.push(SourceEvent::Connection(kind, ConnState::Connected));
                        }
                        out
                    }
                    Err(err) => {
                        connected = false;
                        tracing::warn!(%kind, error = %err, "watch error");
                        vec![SourceEvent::Connection(kind, classify(kind, &err, ever_connected))]
                    }
                };
                for e in events {
                    if !send(e).await {
                        return;
                    }
                }
            }
            // The watcher resumes silently after a drop: a cheap list tells when the server is
            // back, so the status line does not say "reconnecting" forever on a quiet cluster.
            _ = probe.tick(), if !connected && !listing => {
                if api.list(&ListParams::default().limit(1)).await.is_ok() && !connected {
                    connected = true;
                    if !send(SourceEvent::Connection(kind, ConnState::Connected)).await {
                        return;
                    }
                }
            }
        }
    }
}

/// Reuses kube-runtime's `watcher` (list + watch + resume + relist on 410).
fn watcher(
    api: Api<DynamicObject>,
    config: watcher::Config,
) -> impl futures::Stream<Item = Result<Event<DynamicObject>, watcher::Error>> + Send {
    watcher::watcher(api, config)
}

/// Errors retrying cannot fix are `Failed` (shown red with a hint); the rest are `Reconnecting`.
fn classify(kind: ResourceKind, err: &watcher::Error, ever_connected: bool) -> ConnState {
    let api_status = match err {
        watcher::Error::InitialListFailed(kube::Error::Api(s))
        | watcher::Error::WatchStartFailed(kube::Error::Api(s))
        | watcher::Error::WatchFailed(kube::Error::Api(s)) => Some((s.code, s.message.clone())),
        watcher::Error::WatchError(s) => Some((s.code, s.message.clone())),
        _ => None,
    };
    match api_status {
        Some((404, _)) if ever_connected => ConnState::Reconnecting(format!(
            "{} not served right now (API server restarting, or the CRD was removed)",
            kind.plural()
        )),
        Some((404, _)) => ConnState::Failed(format!(
            "{} is not served: is the CRD {} installed? (kubectl apply -f examples/crds/)",
            kind.plural(),
            kind.crd_name()
        )),
        Some((403, msg)) => ConnState::Failed(format!(
            "forbidden to list/watch {}: {msg} (check RBAC: kubectl auth can-i watch {})",
            kind.plural(),
            kind.crd_name()
        )),
        Some((401, msg)) => ConnState::Failed(format!(
            "unauthorized: {msg} (refresh your kubeconfig credentials)"
        )),
        _ => ConnState::Reconnecting(err.to_string()),
    }
}
