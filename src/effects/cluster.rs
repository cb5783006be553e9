//! What the executor changes in a cluster, as a trait: the real API server ([`KubeCluster`]) and
//! the demo swarm's in-memory one (`sources::demo_cluster::DemoCluster`) are two implementations,
//! so `swarm demo` runs through the same executor code as a real cluster.
//!
//! Object-safe (boxed futures) so the executor holds an `Arc<dyn Cluster>` and tests can put a
//! recording double in its place.
use super::switch::KubeControl;
use crate::app::msg::{LaunchOutcome, Msg, OpResult, SourceEvent};
use crate::domain::manifest::ItemDraft;
use crate::domain::{ObjectKey, WorkItem};
use crate::sources::kube::SharedClient;
use crate::sources::kube_ops;
use serde_json::Value;
use std::future::Future;
use std::pin::Pin;
use tokio::sync::mpsc;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The mutations the cockpit makes, and the watch target switch.
pub trait Cluster: Send + Sync {
    /// Creates (`create`) or updates a work item; an update is preconditioned on the draft's
    /// resourceVersion (a concurrent change is `SaveConflict`).
    fn save_work_item<'a>(&'a self, draft: &'a ItemDraft, create: bool) -> BoxFuture<'a, OpResult>;

    /// Merge-patches a work item's metadata (approve, revoke).
    fn patch_work_item<'a>(
        &'a self,
        item: &'a WorkItem,
        patch: &'a Value,
        what: &'static str,
    ) -> BoxFuture<'a, OpResult>;

    /// Creates one AgentRun; AlreadyExists is `Exists`, not a failure.
    fn create_run<'a>(&'a self, manifest: &'a Value) -> BoxFuture<'a, LaunchOutcome>;

    /// Cancels a run: deletes its Jobs, keeps the AgentRun and notes who cancelled it.
    fn cancel_run<'a>(
        &'a self,
        key: &'a ObjectKey,
        operator: &'a str,
    ) -> BoxFuture<'a, Result<(), String>>;

    /// Deletes an AgentRun (gone already is fine).
    fn delete_run<'a>(&'a self, key: &'a ObjectKey) -> BoxFuture<'a, Result<(), String>>;

    /// Annotates a run `agents.proompteng.ai/retain: "true"` so its TTL does not delete it (with
    /// its pods and logs).
    fn retain_run<'a>(&'a self, key: &'a ObjectKey) -> BoxFuture<'a, Result<(), String>>;

    /// Watches another context and/or namespace, reporting on `tx` (`TargetSwitched`, or a
    /// notice saying why not).
    fn switch_target(
        &self,
        context: Option<String>,
        namespace: Option<String>,
        tx: mpsc::Sender<Msg>,
    ) -> BoxFuture<'_, ()>;
}

/// The real API server, through `sources::kube_ops`.
#[derive(Clone)]
pub struct KubeCluster {
    client: SharedClient,
    control: Option<KubeControl>,
}

impl KubeCluster {
    pub fn new(client: SharedClient) -> KubeCluster {
        KubeCluster {
            client,
            control: None,
        }
    }

    /// Lets `:ctx` / `:ns` re-establish the watches.
    pub fn with_control(mut self, control: KubeControl) -> KubeCluster {
        self.control = Some(control);
        self
    }
}

impl Cluster for KubeCluster {
    fn save_work_item<'a>(&'a self, draft: &'a ItemDraft, create: bool) -> BoxFuture<'a, OpResult> {
        Box::pin(async move { kube_ops::save_work_item(&self.client.get(), draft, create).await })
    }

    fn patch_work_item<'a>(
        &'a self,
        item: &'a WorkItem,
        patch: &'a Value,
        what: &'static str,
    ) -> BoxFuture<'a, OpResult> {
        Box::pin(
            async move { kube_ops::patch_work_item(&self.client.get(), item, patch, what).await },
        )
    }

    fn create_run<'a>(&'a self, manifest: &'a Value) -> BoxFuture<'a, LaunchOutcome> {
        Box::pin(async move { kube_ops::create_run(&self.client.get(), manifest).await })
    }

    fn cancel_run<'a>(
        &'a self,
        key: &'a ObjectKey,
        operator: &'a str,
    ) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move { kube_ops::cancel_run(&self.client.get(), key, operator).await })
    }

    fn delete_run<'a>(&'a self, key: &'a ObjectKey) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move { kube_ops::delete_run(&self.client.get(), key).await })
    }

    fn retain_run<'a>(&'a self, key: &'a ObjectKey) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move { kube_ops::retain_run(&self.client.get(), key).await })
    }

    fn switch_target(
        &self,
        context: Option<String>,
        namespace: Option<String>,
        tx: mpsc::Sender<Msg>,
    ) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            match &self.control {
                Some(control) => control.switch(context, namespace, tx).await,
                None => {
                    let text = "this cockpit was started without a target to switch from".into();
                    let _ = tx.send(Msg::Source(SourceEvent::Notice(text))).await;
                }
            }
        })
    }
}
