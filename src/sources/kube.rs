//! Kubernetes source: the connection (kubeconfig, context, namespace), the API of each Agents kind,
//! one-shot listing for the headless commands, and the watchers (see `kube_watch`).
use super::kube_watch::{KubeApi, WatchTuning};
use crate::app::msg::{Msg, Resource};
use crate::domain::{ResourceKind, Run, WorkItem, labels};
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, ListParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use std::path::PathBuf;
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
    spawn_watchers_with(conn, tx, &WatchTuning::default())
}

/// [`spawn_watchers`], told which runs are on screen (the bridge reads those first while a
/// restarted server serves no watch).
pub fn spawn_watchers_seeing(
    conn: &Connection,
    tx: mpsc::Sender<Msg>,
    on_screen: &tokio::sync::watch::Receiver<super::kube_watch::OnScreen>,
) -> Vec<JoinHandle<()>> {
    spawn_watchers_tuned(conn, tx, &WatchTuning::default(), on_screen)
}

/// [`spawn_watchers`] with other timings (tests shorten the stall detection).
pub fn spawn_watchers_with(
    conn: &Connection,
    tx: mpsc::Sender<Msg>,
    tuning: &WatchTuning,
) -> Vec<JoinHandle<()>> {
    spawn_watchers_tuned(conn, tx, tuning, &super::kube_watch::nothing_on_screen())
}

fn spawn_watchers_tuned(
    conn: &Connection,
    tx: mpsc::Sender<Msg>,
    tuning: &WatchTuning,
    on_screen: &tokio::sync::watch::Receiver<super::kube_watch::OnScreen>,
) -> Vec<JoinHandle<()>> {
    let mut watchers: Vec<JoinHandle<()>> = ResourceKind::ALL
        .iter()
        .map(|kind| {
            let api = KubeApi {
                api: api(&conn.client, conn.namespace.as_deref(), *kind),
                client: conn.client.clone(),
                kind: *kind,
            };
            tokio::spawn(super::kube_watch::run_seeing(
                api,
                *kind,
                tx.clone(),
                tuning.clone(),
                on_screen.clone(),
            ))
        })
        .collect();
    // Upstream Swarms, when that CRD is there (not part of "connected": most clusters lack it).
    watchers.push(tokio::spawn(super::swarm_watch::run(
        conn.client.clone(),
        conn.namespace.clone(),
        tx,
    )));
    watchers
}

/// Every work item and run, listed once (for the headless commands).
#[derive(Debug, Default)]
pub struct Listing {
    pub items: Vec<WorkItem>,
    pub runs: Vec<Run>,
    /// Kinds the server does not serve (404): their CRD is not installed. The headless commands
    /// go on without them and say what that skipped.
    pub missing: Vec<ResourceKind>,
}

/// Lists every work item and run once (for headless commands). A kind whose CRD is missing is
/// reported in [`Listing::missing`], not as an error: the other kind is still useful.
pub async fn list_all(target: &Target) -> color_eyre::Result<Listing> {
    let conn = target.connect().await?;
    let mut out = Listing::default();
    for kind in ResourceKind::ALL {
        let url = api(&conn.client, conn.namespace.as_deref(), kind)
            .resource_url()
            .to_owned();
        let list = match super::wire::list(&conn.client, &url, &ListParams::default(), kind).await {
            Ok(list) => list,
            Err(kube::Error::Api(s)) if s.code == 404 => {
                out.missing.push(kind);
                continue;
            }
            Err(e) => {
                return Err(color_eyre::eyre::eyre!(
                    "cannot list {}: {}",
                    kind.crd_name(),
                    crate::domain::sanitize::one_line(&e.to_string())
                ));
            }
        };
        for obj in list.items {
            match obj.0 {
                Resource::Run(r) => out.runs.push(*r),
                Resource::WorkItem(w) => out.items.push(*w),
            }
        }
    }
    Ok(out)
}

/// How to install a missing CRD, for the headless commands' messages.
pub fn missing_crd_message(kind: ResourceKind) -> String {
    super::kube_watch::crd_missing(kind)
}
