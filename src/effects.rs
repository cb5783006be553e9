//! Carries out what `update` asks for: work item saves and patches (through the real API server or
//! the demo's in-memory store), draft storage. Results come back as `Msg::Op`.
use crate::app::Effect;
use crate::app::msg::{LaunchOutcome, Msg, OpResult, Resource, SourceEvent};
use crate::domain::WorkItem;
use crate::domain::manifest::ItemDraft;
use crate::sources::audit::AuditLog;
use crate::sources::drafts::DraftStore;
use crate::sources::kube_ops;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::mpsc;

/// Where mutations go.
#[derive(Clone)]
pub enum Backend {
    Kube(crate::sources::kube::SharedClient),
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
    audit: Option<AuditLog>,
    operator: String,
    kube: Option<KubeControl>,
    notify: NotifySettings,
    signer: Arc<crate::sources::signing::Signer>,
}

impl Executor {
    pub fn new(tx: mpsc::Sender<Msg>, backend: Backend, drafts: Option<DraftStore>) -> Executor {
        Executor {
            tx,
            backend,
            drafts,
            audit: None,
            operator: "operator".into(),
            kube: None,
            notify: NotifySettings::default(),
            signer: Arc::default(),
        }
    }

    /// Records every mutating action in `audit`, as `operator`.
    pub fn with_audit(mut self, audit: Option<AuditLog>, operator: &str) -> Executor {
        self.audit = audit;
        self.operator = operator.to_owned();
        self
    }

    /// Lets `:ctx` / `:ns` re-establish the watches.
    pub fn with_kube(mut self, kube: Option<KubeControl>) -> Executor {
        self.kube = kube;
        self
    }

    pub fn with_notify(mut self, notify: NotifySettings) -> Executor {
        self.notify = notify;
        self
    }

    /// Signs approvals with the operator's key (`[approvals]`); without it approvals are
    /// recorded unsigned (unverified mode).
    pub fn with_signer(mut self, signer: crate::sources::signing::Signer) -> Executor {
        self.signer = Arc::new(signer);
        self
    }

    /// Applies a metadata merge patch to a work item and reports the outcome.
    async fn patch(&self, item: Box<WorkItem>, patch: Value, what: &'static str) {
        let result = match &self.backend {
            Backend::Kube(client) => {
                kube_ops::patch_work_item(&client.get(), &item, &patch, what).await
            }
            Backend::Demo(rv) => {
                let patched = demo_patch(&item, &patch, rv);
                let event = SourceEvent::Applied(Resource::WorkItem(Box::new(patched.clone())));
                let _ = self.tx.send(Msg::Source(event)).await;
                OpResult::Patched {
                    what: what.to_owned(),
                    item: Box::new(patched),
                }
            }
        };
        self.record(what, &item.key.to_string(), &outcome_text(&result));
        let _ = self.tx.send(Msg::Op(result)).await;
    }

    fn record(&self, action: &str, target: &str, outcome: &str) {
        if let Some(audit) = &self.audit {
            audit.record(action, target, outcome);
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
                let this = self.clone();
                tokio::spawn(async move {
                    let result = match &this.backend {
                        Backend::Kube(client) => {
                            kube_ops::save_work_item(&client.get(), &draft, create).await
                        }
                        Backend::Demo(rv) => {
                            demo_echo(&this.tx, demo_item(&draft.manifest(), rv)).await
                        }
                    };
                    let target = format!("{}/{}", draft.namespace, draft.name);
                    let action = if create {
                        "create work item"
                    } else {
                        "update work item"
                    };
                    this.record(action, &target, &outcome_text(&result));
                    let _ = this.tx.send(Msg::Op(result)).await;
                });
            }
            Effect::PatchWorkItem { item, patch, what } => {
                let this = self.clone();
                tokio::spawn(async move { this.patch(item, patch, what).await });
            }
            Effect::ApproveWorkItem { item, claim } => {
                let this = self.clone();
                tokio::spawn(async move {
                    // Signing may talk to ssh-agent over its socket: off the async workers.
                    let signer = this.signer.clone();
                    let (for_sign, claim_for_sign) = (item.clone(), claim.clone());
                    let patch = tokio::task::spawn_blocking(move || {
                        crate::sources::signing::approval_patch(&for_sign, &claim_for_sign, &signer)
                    })
                    .await
                    .unwrap_or_else(|e| Err(format!("signing stopped: {e}")));
                    match patch {
                        Ok(patch) => this.patch(item, patch, "approve").await,
                        Err(message) => {
                            let result = OpResult::PatchFailed {
                                what: "approve".into(),
                                message,
                            };
                            this.record("approve", &item.key.to_string(), &outcome_text(&result));
                            let _ = this.tx.send(Msg::Op(result)).await;
                        }
                    }
                });
            }
            Effect::LaunchRuns { wave, manifests } => {
                let this = self.clone();
                tokio::spawn(async move { this.launch(wave, manifests).await });
            }
            Effect::CancelRuns(runs) => {
                let this = self.clone();
                tokio::spawn(async move { this.change_runs(runs, false).await });
            }
            Effect::DeleteRuns(runs) => {
                let this = self.clone();
                tokio::spawn(async move { this.change_runs(runs, true).await });
            }
            Effect::RetainRuns(runs) => {
                let this = self.clone();
                tokio::spawn(async move { this.retain_runs(runs).await });
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
            Effect::SwitchTarget { context, namespace } => match &self.kube {
                Some(kube) => {
                    let kube = kube.clone();
                    let tx = self.tx.clone();
                    tokio::spawn(async move { kube.switch(context, namespace, tx).await });
                }
                None => self.send(Msg::Source(SourceEvent::Notice(
                    "the demo swarm has no contexts or namespaces to switch to".into(),
                ))),
            },
            Effect::LoadPlan(path) => {
                let msg = match crate::domain::Plan::load(&path) {
                    Ok(plan) => Msg::Op(OpResult::PlanLoaded(Box::new(plan))),
                    Err(e) => Msg::Source(SourceEvent::Notice(format!("plan not loaded: {e}"))),
                };
                self.send(msg);
            }
            Effect::Notify { title, body } => {
                if self.notify.bell {
                    use std::io::Write;
                    let mut out = std::io::stdout();
                    let _ = out.write_all(b"\x07");
                    let _ = out.flush();
                }
                if self.notify.desktop {
                    // Best effort: no notification daemon is no reason to bother the operator.
                    let _ = std::process::Command::new("notify-send")
                        .arg("--app-name=swarm cockpit")
                        .arg(&title)
                        .arg(&body)
                        .stdout(std::process::Stdio::null())
                        .stderr(std::process::Stdio::null())
                        .spawn();
                }
            }
            other => return Some(other),
        }
        None
    }
}

impl Executor {
    /// Creates the runs in parallel, reporting each as it lands.
    async fn launch(&self, wave: u32, manifests: Vec<Value>) {
        use futures::StreamExt;
        let mut pending: futures::stream::FuturesUnordered<_> = manifests
            .into_iter()
            .map(|m| {
                let backend = self.backend.clone();
                let tx = self.tx.clone();
                async move {
                    let name = m["metadata"]["name"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned();
                    let outcome = match &backend {
                        Backend::Kube(client) => kube_ops::create_run(&client.get(), &m).await,
                        Backend::Demo(_) => {
                            let mut obj = m.clone();
                            obj["metadata"]["creationTimestamp"] =
                                json!(chrono::Utc::now().to_rfc3339());
                            obj["status"] = json!({"phase": "Pending"});
                            let run = crate::domain::Run::from_json(&obj);
                            let _ = tx
                                .send(Msg::Source(SourceEvent::Applied(Resource::Run(Box::new(
                                    run,
                                )))))
                                .await;
                            LaunchOutcome::Created
                        }
                    };
                    (
                        m["metadata"]["namespace"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                        name,
                        outcome,
                    )
                }
            })
            .collect();
        while let Some((namespace, name, outcome)) = pending.next().await {
            let text = match &outcome {
                LaunchOutcome::Created => "created".to_owned(),
                LaunchOutcome::Exists => "exists".to_owned(),
                LaunchOutcome::Failed(e) => format!("failed: {e}"),
            };
            self.record(
                &format!("launch wave {wave}"),
                &format!("{namespace}/{name}"),
                &text,
            );
            let _ = self
                .tx
                .send(Msg::Op(OpResult::Launched { name, outcome }))
                .await;
        }
    }

    /// Annotates runs to be retained, audited like every mutation; the watch brings the change.
    async fn retain_runs(&self, runs: Vec<crate::domain::ObjectKey>) {
        let mut failed = Vec::new();
        let mut done = 0;
        for key in runs {
            let result = match &self.backend {
                Backend::Kube(client) => kube_ops::retain_run(&client.get(), &key).await,
                Backend::Demo(_) => {
                    let _ = self
                        .tx
                        .send(Msg::Source(SourceEvent::Notice(format!(
                            "demo: {} retained",
                            key.name
                        ))))
                        .await;
                    Ok(())
                }
            };
            self.record(
                "retain",
                &key.to_string(),
                result.as_ref().map_or_else(|e| e.as_str(), |_| "ok"),
            );
            match result {
                Ok(()) => done += 1,
                Err(e) => failed.push(format!("{}: {e}", key.name)),
            }
        }
        let _ = self
            .tx
            .send(Msg::Op(OpResult::RunsChanged {
                what: "retain".into(),
                done,
                failed,
            }))
            .await;
    }

    async fn change_runs(&self, runs: Vec<crate::domain::ObjectKey>, delete: bool) {
        let what = if delete { "delete" } else { "cancel" };
        let mut done = 0;
        let mut failed = Vec::new();
        for key in runs {
            let result = match &self.backend {
                Backend::Kube(client) if delete => kube_ops::delete_run(&client.get(), &key).await,
                Backend::Kube(client) => {
                    kube_ops::cancel_run(&client.get(), &key, &self.operator).await
                }
                Backend::Demo(_) => {
                    let event = if delete {
                        SourceEvent::Deleted(crate::domain::ResourceKind::AgentRun, key.clone())
                    } else {
                        SourceEvent::Notice(format!(
                            "demo: {} cancelled (its Jobs deleted)",
                            key.name
                        ))
                    };
                    let _ = self.tx.send(Msg::Source(event)).await;
                    Ok(())
                }
            };
            self.record(
                what,
                &key.to_string(),
                result.as_ref().map_or_else(|e| e.as_str(), |_| "ok"),
            );
            match result {
                Ok(()) => done += 1,
                Err(e) => failed.push(format!("{}: {e}", key.name)),
            }
        }
        let _ = self
            .tx
            .send(Msg::Op(OpResult::RunsChanged {
                what: what.into(),
                done,
                failed,
            }))
            .await;
    }
}

fn outcome_text(result: &OpResult) -> String {
    match result {
        OpResult::Saved(_) | OpResult::Patched { .. } => "ok".into(),
        OpResult::SaveConflict(_) => "conflict (409)".into(),
        OpResult::SaveFailed(e) | OpResult::PatchFailed { message: e, .. } => {
            format!("failed: {e}")
        }
        other => format!("{other:?}").chars().take(80).collect(),
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

/// Switches the watched context/namespace without a restart: the old watchers are stopped (and
/// awaited, so none of their events can arrive after the switch), a new client is connected, and
/// new watchers start.
#[derive(Clone)]
pub struct KubeControl {
    client: crate::sources::kube::SharedClient,
    target: Arc<tokio::sync::Mutex<crate::sources::kube::Target>>,
    watchers: Arc<tokio::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl KubeControl {
    pub fn new(
        client: crate::sources::kube::SharedClient,
        target: crate::sources::kube::Target,
        watchers: Vec<tokio::task::JoinHandle<()>>,
    ) -> KubeControl {
        KubeControl {
            client,
            target: Arc::new(tokio::sync::Mutex::new(target)),
            watchers: Arc::new(tokio::sync::Mutex::new(watchers)),
        }
    }

    /// The kubeconfig's context names, for `:ctx` completion.
    pub fn contexts() -> Vec<String> {
        kube::config::Kubeconfig::read()
            .map(|k| k.contexts.into_iter().map(|c| c.name).collect())
            .unwrap_or_default()
    }

    async fn switch(
        &self,
        context: Option<String>,
        namespace: Option<String>,
        tx: mpsc::Sender<Msg>,
    ) {
        let mut target = self.target.lock().await.clone();
        if let Some(c) = context {
            target.context = Some(c);
            // A new context starts in its own default namespace unless one is named.
            if namespace.is_none() {
                target.namespace = None;
                target.all_namespaces = false;
            }
        }
        if let Some(ns) = namespace {
            target.all_namespaces = ns == "all";
            target.namespace = (ns != "all").then_some(ns);
        }
        let conn = match target.connect().await {
            Ok(c) => c,
            Err(e) => {
                let text = format!("not switched: {e:#}");
                let _ = tx.send(Msg::Source(SourceEvent::Notice(text))).await;
                return;
            }
        };
        let mut watchers = self.watchers.lock().await;
        for w in watchers.drain(..) {
            w.abort();
            let _ = w.await;
        }
        self.client.set(conn.client.clone());
        let switched = OpResult::TargetSwitched {
            context: conn.context.clone(),
            namespace: conn.namespace.clone(),
        };
        let _ = tx.send(Msg::Op(switched)).await;
        *watchers = crate::sources::kube::spawn_watchers(&conn, tx);
        *self.target.lock().await = target;
    }
}

/// How the operator is told about transitions that matter.
#[derive(Debug, Clone, Default)]
pub struct NotifySettings {
    pub bell: bool,
    /// Run `notify-send` (where installed) for a desktop notification.
    pub desktop: bool,
}
