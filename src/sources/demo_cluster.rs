//! The demo swarm's cluster: mutations are applied in memory and echoed back as the watch events
//! a real API server would send, so `swarm demo` goes through the same executor as a real
//! cluster (read-only guard, audit log, outcomes) and only this file differs.
use crate::app::msg::{LaunchOutcome, Msg, OpResult, Resource, SourceEvent};
use crate::domain::manifest::ItemDraft;
use crate::domain::{ObjectKey, ResourceKind, Run, WorkItem};
use crate::effects::cluster::{BoxFuture, Cluster};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::mpsc;

pub struct DemoCluster {
    /// Where the echoed watch events go (the cockpit's source channel).
    tx: mpsc::Sender<Msg>,
    /// The next resourceVersion, as a server would hand out.
    resource_version: AtomicU64,
}

impl DemoCluster {
    pub fn new(tx: mpsc::Sender<Msg>) -> DemoCluster {
        DemoCluster {
            tx,
            resource_version: AtomicU64::new(1000),
        }
    }

    fn next_version(&self) -> String {
        self.resource_version
            .fetch_add(1, Ordering::Relaxed)
            .to_string()
    }

    async fn echo(&self, event: SourceEvent) {
        let _ = self.tx.send(Msg::Source(event)).await;
    }
}

impl Cluster for DemoCluster {
    fn save_work_item<'a>(
        &'a self,
        draft: &'a ItemDraft,
        _create: bool,
    ) -> BoxFuture<'a, OpResult> {
        Box::pin(async move {
            let item = stored(&draft.manifest(), self.next_version());
            let event = SourceEvent::Applied(Resource::WorkItem(Box::new(item.clone())));
            self.echo(event).await;
            OpResult::Saved(Box::new(item))
        })
    }

    fn patch_work_item<'a>(
        &'a self,
        item: &'a WorkItem,
        patch: &'a Value,
        what: &'static str,
    ) -> BoxFuture<'a, OpResult> {
        Box::pin(async move {
            let patched = patch_annotations(item, patch, self.next_version());
            let event = SourceEvent::Applied(Resource::WorkItem(Box::new(patched.clone())));
            self.echo(event).await;
            OpResult::Patched {
                what: what.to_owned(),
                item: Box::new(patched),
            }
        })
    }

    fn create_run<'a>(&'a self, manifest: &'a Value) -> BoxFuture<'a, LaunchOutcome> {
        Box::pin(async move {
            let mut obj = manifest.clone();
            obj["metadata"]["creationTimestamp"] = json!(chrono::Utc::now().to_rfc3339());
            obj["status"] = json!({"phase": "Pending"});
            let run = Run::from_json(&obj);
            self.echo(SourceEvent::Applied(Resource::Run(Box::new(run))))
                .await;
            LaunchOutcome::Created
        })
    }

    fn cancel_run<'a>(
        &'a self,
        key: &'a ObjectKey,
        _operator: &'a str,
    ) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let text = format!("demo: {} cancelled (its Jobs deleted)", key.name);
            self.echo(SourceEvent::Notice(text)).await;
            Ok(())
        })
    }

    fn retain_run<'a>(&'a self, key: &'a ObjectKey) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            self.echo(SourceEvent::Notice(format!("demo: {} retained", key.name)))
                .await;
            Ok(())
        })
    }

    fn delete_run<'a>(&'a self, key: &'a ObjectKey) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            self.echo(SourceEvent::Deleted(ResourceKind::AgentRun, key.clone()))
                .await;
            Ok(())
        })
    }

    fn switch_target(
        &self,
        _context: Option<String>,
        _namespace: Option<String>,
        tx: mpsc::Sender<Msg>,
    ) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let text = "the demo swarm has no contexts or namespaces to switch to".into();
            let _ = tx.send(Msg::Source(SourceEvent::Notice(text))).await;
        })
    }
}

/// A work item as the server stores it: the manifest with a resourceVersion and a creation time.
fn stored(manifest: &Value, resource_version: String) -> WorkItem {
    let mut obj = manifest.clone();
    obj["metadata"]["resourceVersion"] = json!(resource_version);
    obj["metadata"]["creationTimestamp"] = json!(chrono::Utc::now().to_rfc3339());
    WorkItem::from_json(&obj)
}

/// Applies a metadata merge patch (annotations; `null` removes) to the demo's copy.
fn patch_annotations(item: &WorkItem, patch: &Value, resource_version: String) -> WorkItem {
    let mut patched = item.clone();
    if let Some(annotations) = patch["metadata"]["annotations"].as_object() {
        for (k, v) in annotations {
            match v.as_str() {
                Some(s) => {
                    patched.annotations.insert(k.clone(), s.to_owned());
                }
                None => {
                    patched.annotations.remove(k);
                }
            }
        }
    }
    patched.resource_version = Some(resource_version);
    patched
}

/// The work item a draft becomes once the demo stores it (for tests of the editor's flow).
pub fn saved(draft: &ItemDraft) -> WorkItem {
    stored(&draft.manifest(), "1".into())
}
