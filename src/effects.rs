//! Carries out what `update` asks for: work item saves and patches (through the real API server or
//! the demo's in-memory store), draft storage. Results come back as `Msg::Op`.
use crate::app::Effect;
use crate::app::msg::{Msg, OpResult, Resource, SourceEvent};
use crate::domain::WorkItem;
use crate::domain::manifest::ItemDraft;
use crate::sources::drafts::DraftStore;
use crate::sources::kube_ops;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::mpsc;

/// Where mutations go.
#[derive(Clone)]
pub enum Backend {
    Kube(kube::Client),
    /// The demo swarm: changes are applied in memory and echoed back as watch events.
    Demo(Arc<AtomicU64>),
}

impl Backend {
    pub fn demo() -> Backend {
        Backend::Demo(Arc::new(AtomicU64::new(1000)))
    }
}

#[derive(Clone)]
pub struct Executor {
    tx: mpsc::Sender<Msg>,
    backend: Backend,
    drafts: Option<DraftStore>,
}

impl Executor {
    pub fn new(tx: mpsc::Sender<Msg>, backend: Backend, drafts: Option<DraftStore>) -> Executor {
        Executor {
            tx,
            backend,
            drafts,
        }
    }

    /// Offers the drafts an earlier session left (after a crash, a quit or a failed save).
    pub fn offer_drafts(&self) {
        let Some(store) = &self.drafts else { return };
        let (drafts, problems) = store.list();
        for p in problems {
            tracing::warn!(problem = %p, "unreadable draft");
        }
        if !drafts.is_empty() {
            self.send(Msg::Op(OpResult::DraftsFound(drafts)));
        }
    }

    fn send(&self, msg: Msg) {
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let _ = tx.send(msg).await;
        });
    }

    /// Runs an effect; returns the effects this executor does not handle (terminal, quit, …).
    pub fn execute(&self, effect: Effect) -> Option<Effect> {
        match effect {
            Effect::SaveWorkItem { draft, create } => {
                let backend = self.backend.clone();
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let result = match &backend {
                        Backend::Kube(client) => {
                            kube_ops::save_work_item(client, &draft, create).await
                        }
                        Backend::Demo(rv) => demo_echo(&tx, demo_item(&draft.manifest(), rv)).await,
                    };
                    let _ = tx.send(Msg::Op(result)).await;
                });
            }
            Effect::PatchWorkItem { item, patch, what } => {
                let backend = self.backend.clone();
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let result = match &backend {
                        Backend::Kube(client) => {
                            kube_ops::patch_work_item(client, &item, &patch, what).await
                        }
                        Backend::Demo(rv) => {
                            let patched = demo_patch(&item, &patch, rv);
                            let _ = tx
                                .send(Msg::Source(SourceEvent::Applied(Resource::WorkItem(
                                    Box::new(patched.clone()),
                                ))))
                                .await;
                            OpResult::Patched {
                                what: what.to_owned(),
                                item: Box::new(patched),
                            }
                        }
                    };
                    let _ = tx.send(Msg::Op(result)).await;
                });
            }
            Effect::WriteDraft(draft) => {
                if let Some(store) = &self.drafts
                    && let Err(e) = store.write(&draft)
                {
                    self.send(Msg::Op(OpResult::DraftWriteFailed(format!(
                        "{}: {e}",
                        store.dir().display()
                    ))));
                }
            }
            Effect::WriteBackup(draft) => {
                if let Some(store) = &self.drafts {
                    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S").to_string();
                    if let Err(e) = store.write_backup(&draft, &stamp) {
                        self.send(Msg::Op(OpResult::DraftWriteFailed(format!("backup: {e}"))));
                    }
                }
            }
            Effect::DeleteDraft { namespace, name } => {
                if let Some(store) = &self.drafts
                    && let Err(e) = store.delete(&namespace, &name)
                {
                    tracing::warn!(error = %e, %name, "cannot delete draft");
                }
            }
            other => return Some(other),
        }
        None
    }
}

async fn demo_echo(tx: &mpsc::Sender<Msg>, item: WorkItem) -> OpResult {
    let _ = tx
        .send(Msg::Source(SourceEvent::Applied(Resource::WorkItem(
            Box::new(item.clone()),
        ))))
        .await;
    OpResult::Saved(Box::new(item))
}

fn demo_item(manifest: &Value, rv: &AtomicU64) -> WorkItem {
    let mut obj = manifest.clone();
    obj["metadata"]["resourceVersion"] = json!(rv.fetch_add(1, Ordering::Relaxed).to_string());
    obj["metadata"]["creationTimestamp"] = json!(chrono::Utc::now().to_rfc3339());
    WorkItem::from_json(&obj)
}

/// Applies a metadata merge patch (annotations; `null` removes) to the demo's copy.
fn demo_patch(item: &WorkItem, patch: &Value, rv: &AtomicU64) -> WorkItem {
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
    patched.resource_version = Some(rv.fetch_add(1, Ordering::Relaxed).to_string());
    patched
}

/// The ImplementationSpec of a draft as the demo serves it (exposed for tests).
pub fn demo_saved(draft: &ItemDraft) -> WorkItem {
    demo_item(&draft.manifest(), &AtomicU64::new(1))
}
