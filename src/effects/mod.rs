//! Carries out what `update` asks for. One exhaustive `match` over [`Effect`] (no catch-all arm:
//! a new variant does not compile until it is handled here), in three kinds of places:
//!
//! - cluster mutations through a [`Cluster`] (the real API server or the demo's in-memory one),
//!   behind the read-only guard and recorded in the audit log;
//! - the executor's own parts: the file thread ([`files`]), the log sources, the GitHub poller's
//!   and the auditor's links, the browser, the clipboard, notifications;
//! - what needs the terminal (quit, `$EDITOR`, the theme) comes back as a [`TerminalEffect`] for
//!   the runtime's loop.
//!
//! Results come back as messages on the cockpit's channel (`Msg::Op`, `Msg::Log`, notices).
pub mod cluster;
pub mod files;
pub mod notify;
pub mod switch;

pub use cluster::{Cluster, KubeCluster};
pub use files::FileWorker;
pub use notify::NotifySettings;
pub use switch::KubeControl;

use crate::app::Effect;
use crate::app::msg::{LaunchOutcome, Msg, OpResult, SourceEvent};
use crate::domain::{ObjectKey, WorkItem};
use crate::sources::audit::AuditLog;
use crate::sources::drafts::DraftStore;
use crate::sources::github::GitHubLink;
use crate::sources::logs::LogRunner;
use crate::sources::pr_audit::AuditLink;
use files::FileJob;
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::{mpsc, watch};

/// What the read-only guard answers in place of a mutation.
pub const READ_ONLY_REFUSAL: &str =
    "refused: the cockpit is read-only (--read-only, read_only in the config, or :readonly)";

/// Effects only the runtime's loop can carry out: they need the terminal or the theme it draws
/// with.
#[derive(Debug, Clone, PartialEq)]
pub enum TerminalEffect {
    Quit,
    ExternalEdit { text: String },
    SetTheme(String),
}

/// Counts work in flight (cluster requests, file jobs) until it is dropped, so
/// [`Executor::settled`] can wait for every result to be sent.
pub(crate) struct InFlight(Arc<watch::Sender<usize>>);

impl InFlight {
    fn new(counter: &Arc<watch::Sender<usize>>) -> InFlight {
        counter.send_modify(|n| *n += 1);
        InFlight(counter.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n -= 1);
    }
}

/// What the mutations' tasks share.
#[derive(Clone)]
struct Mutator {
    tx: mpsc::Sender<Msg>,
    cluster: Arc<dyn Cluster>,
    audit: Option<AuditLog>,
    operator: String,
    signer: Arc<crate::sources::signing::Signer>,
}

pub struct Executor {
    mutator: Mutator,
    read_only: AtomicBool,
    in_flight: Arc<watch::Sender<usize>>,
    files: FileWorker,
    logs: Option<LogRunner>,
    github: Option<GitHubLink>,
    pr_audit: Option<AuditLink>,
    /// Where the watches learn which runs are on screen.
    on_screen: Option<watch::Sender<crate::sources::kube_watch::OnScreen>>,
    notify: NotifySettings,
    /// What the GitHub poller and the auditor were last told to look at.
    fingerprints: (Option<u64>, Option<u64>),
}

impl Executor {
    /// An executor over `cluster`, reporting on `tx`; drafts are kept in `drafts` (none: not kept).
    /// Starts the file thread.
    pub fn new(
        tx: mpsc::Sender<Msg>,
        cluster: Arc<dyn Cluster>,
        drafts: Option<DraftStore>,
    ) -> Executor {
        Executor {
            files: FileWorker::start(drafts, tx.clone()),
            mutator: Mutator {
                tx,
                cluster,
                audit: None,
                operator: "operator".into(),
                signer: Arc::default(),
            },
            read_only: AtomicBool::new(false),
            in_flight: Arc::new(watch::channel(0).0),
            logs: None,
            github: None,
            pr_audit: None,
            on_screen: None,
            notify: NotifySettings::default(),
            fingerprints: (None, None),
        }
    }

    /// Records every mutating action in `audit`, as `operator`.
    pub fn with_audit(mut self, audit: Option<AuditLog>, operator: &str) -> Executor {
        self.mutator.audit = audit;
        self.mutator.operator = operator.to_owned();
        self
    }

    /// Refuses every mutation (`--read-only`, config `read_only`).
    pub fn with_read_only(self, read_only: bool) -> Executor {
        self.read_only.store(read_only, Ordering::Relaxed);
        self
    }

    pub fn with_notify(mut self, notify: NotifySettings) -> Executor {
        self.notify = notify;
        self
    }

    /// Signs approvals with the operator's key (`[approvals]`); without it approvals are
    /// recorded unsigned (unverified mode).
    pub fn with_signer(mut self, signer: crate::sources::signing::Signer) -> Executor {
        self.mutator.signer = Arc::new(signer);
        self
    }

    /// The log view's sources (pod watch, log stream).
    pub fn with_logs(mut self, logs: LogRunner) -> Executor {
        self.logs = Some(logs);
        self
    }

    /// The GitHub poller's and the auditor's links: told what to look at, and `r`.
    pub fn with_links(
        mut self,
        github: Option<GitHubLink>,
        pr_audit: Option<AuditLink>,
    ) -> Executor {
        self.github = github;
        self.pr_audit = pr_audit;
        self
    }

    pub fn is_read_only(&self) -> bool {
        self.read_only.load(Ordering::Relaxed)
    }

    /// Offers the drafts an earlier session left (after a crash, a quit or a failed save).
    pub fn offer_drafts(&self) {
        self.files
            .submit(FileJob::OfferDrafts, InFlight::new(&self.in_flight));
    }

    /// Tells the watches which runs are on screen (see [`Executor::publish`]).
    pub fn with_screen(
        mut self,
        on_screen: watch::Sender<crate::sources::kube_watch::OnScreen>,
    ) -> Executor {
        self.on_screen = Some(on_screen);
        self
    }

    /// Tells the watches which runs are on screen, and the GitHub poller and the auditor what
    /// the board links, when it may have changed.
    pub fn publish(&mut self, state: &crate::app::State) {
        if let Some(on_screen) = &self.on_screen {
            crate::sources::kube_watch::publish_on_screen(
                on_screen,
                crate::app::on_screen::runs(state),
            );
        }
        if let Some(github) = &self.github {
            github.publish(state, &mut self.fingerprints.0);
        }
        if let Some(audit) = &self.pr_audit {
            audit.publish(state, &mut self.fingerprints.1);
        }
    }

    /// Waits until every file job submitted so far is done.
    pub async fn flush_files(&self) {
        self.files.flush().await;
    }

    /// Waits until nothing is in flight: every request made and file job submitted so far has
    /// sent its result (for tests and for a clean exit).
    pub async fn settled(&self) {
        let mut rx = self.in_flight.subscribe();
        let _ = rx.wait_for(|n| *n == 0).await;
    }

    /// Carries out one effect (inside a tokio runtime). Returns what only the runtime's loop can
    /// do.
    pub fn execute(&self, effect: Effect) -> Option<TerminalEffect> {
        if effect.is_mutation() && self.is_read_only() {
            self.refuse(effect);
            return None;
        }
        match effect {
            // Cluster mutations: a task each, results as messages.
            Effect::SaveWorkItem { draft, create } => self.spawn(move |m| async move {
                let result = m.cluster.save_work_item(&draft, create).await;
                let target = format!("{}/{}", draft.namespace, draft.name);
                m.record(save_action(create), &target, &outcome_text(&result));
                m.send(Msg::Op(result)).await;
            }),
            Effect::PatchWorkItem { item, patch, what } => {
                self.spawn(move |m| async move { m.patch(&item, &patch, what).await })
            }
            Effect::ApproveWorkItem { item, claim } => {
                self.spawn(move |m| async move { m.approve(item, claim).await })
            }
            Effect::LaunchRuns { wave, manifests } => {
                self.spawn(move |m| async move { m.launch(wave, manifests).await })
            }
            Effect::CancelRuns(runs) => {
                self.spawn(move |m| async move { m.change_runs(runs, RunChange::Cancel).await })
            }
            Effect::DeleteRuns(runs) => {
                self.spawn(move |m| async move { m.change_runs(runs, RunChange::Delete).await })
            }
            Effect::RetainRuns(runs) => {
                self.spawn(move |m| async move { m.change_runs(runs, RunChange::Retain).await })
            }
            Effect::SwitchTarget { context, namespace } => self.spawn(move |m| async move {
                m.cluster
                    .switch_target(context, namespace, m.tx.clone())
                    .await
            }),
            Effect::EnterReadOnly => self.read_only.store(true, Ordering::Relaxed),
            // Files: one thread, in order.
            Effect::WriteDraft(draft) => self.file(FileJob::WriteDraft(draft)),
            Effect::WriteBackup(draft) => self.file(FileJob::WriteBackup(draft)),
            Effect::DeleteDraft {
                context,
                namespace,
                name,
            } => self.file(FileJob::DeleteDraft {
                context,
                namespace,
                name,
            }),
            Effect::OfferDrafts => self.offer_drafts(),
            Effect::SaveLogs {
                path,
                contents,
                lines,
            } => self.file(FileJob::SaveLogs {
                path,
                contents,
                lines,
            }),
            Effect::LoadPlan(path) => self.file(FileJob::LoadPlan(path)),
            // The log view's sources.
            Effect::WatchPods(query) => match &self.logs {
                Some(logs) => logs.watch_pods(query),
                None => self.no_logs(),
            },
            Effect::StreamLogs(request) => match &self.logs {
                Some(logs) => logs.stream_logs(request),
                None => self.no_logs(),
            },
            Effect::SaveRunLogs { query, dir } => match &self.logs {
                Some(logs) => logs.save_run_logs(query, dir),
                None => self.no_logs(),
            },
            Effect::StopLogs => {
                if let Some(logs) = &self.logs {
                    logs.stop();
                }
            }
            // The poller's and the auditor's links.
            Effect::RefreshPullRequests => {
                if let Some(github) = &self.github {
                    github.refresh.notify_one();
                }
                // `r` also fetches the audit mirror and asks GitHub for changed PR files again.
                if let Some(audit) = &self.pr_audit {
                    audit.refresh.notify_one();
                }
            }
            // The operator's desktop.
            Effect::Notify { title, body } => self.notify.notify(&title, &body),
            Effect::OpenUrl(url) => self.open_url(url),
            Effect::Copy(text) => crate::sources::logs::copy_to_clipboard(&text),
            // The terminal's.
            Effect::Quit => return Some(TerminalEffect::Quit),
            Effect::ExternalEdit { text } => return Some(TerminalEffect::ExternalEdit { text }),
            Effect::SetTheme(name) => return Some(TerminalEffect::SetTheme(name)),
        }
        None
    }

    /// Runs a mutation's task, counted in flight until its result is sent.
    fn spawn<F, Fut>(&self, task: F)
    where
        F: FnOnce(Mutator) -> Fut,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let in_flight = InFlight::new(&self.in_flight);
        let work = task(self.mutator.clone());
        tokio::spawn(async move {
            work.await;
            drop(in_flight);
        });
    }

    fn file(&self, job: FileJob) {
        self.files.submit(job, InFlight::new(&self.in_flight));
    }

    fn no_logs(&self) {
        let text = "this cockpit has no log source".into();
        self.spawn(move |m| async move { m.send(Msg::Source(SourceEvent::Notice(text))).await });
    }

    /// Opens the browser; when it cannot, the URL comes back as a notice.
    fn open_url(&self, url: String) {
        let (notices, mut rx) = mpsc::unbounded_channel();
        crate::sources::browser::open(url, notices);
        let tx = self.mutator.tx.clone();
        // Ends when the opener has (its sender is dropped then).
        tokio::spawn(async move {
            while let Some(msg) = rx.recv().await {
                let _ = tx.send(msg).await;
            }
        });
    }

    /// The read-only guard: answers a mutation with the outcome the UI waits for (so an editor
    /// saving or a launch in progress ends, saying why), sends nothing to the cluster, and
    /// records the refusal in the audit log.
    fn refuse(&self, effect: Effect) {
        let m = &self.mutator;
        let refused = "refused: read-only";
        let mut replies = Vec::new();
        // Exhaustive: a new mutation must say how it is refused.
        match effect {
            Effect::SaveWorkItem { draft, create } => {
                let target = format!("{}/{}", draft.namespace, draft.name);
                m.record(save_action(create), &target, refused);
                replies.push(OpResult::SaveFailed(READ_ONLY_REFUSAL.into()));
            }
            Effect::PatchWorkItem { item, what, .. } => {
                m.record(what, &item.key.to_string(), refused);
                replies.push(OpResult::PatchFailed {
                    what: what.into(),
                    message: READ_ONLY_REFUSAL.into(),
                });
            }
            Effect::ApproveWorkItem { item, .. } => {
                m.record("approve", &item.key.to_string(), refused);
                replies.push(OpResult::PatchFailed {
                    what: "approve".into(),
                    message: READ_ONLY_REFUSAL.into(),
                });
            }
            Effect::LaunchRuns { wave, manifests } => {
                for manifest in &manifests {
                    let (namespace, name) = manifest_key(manifest);
                    m.record(
                        &format!("launch wave {wave}"),
                        &format!("{namespace}/{name}"),
                        refused,
                    );
                    replies.push(OpResult::Launched {
                        name,
                        outcome: LaunchOutcome::Failed(READ_ONLY_REFUSAL.into()),
                    });
                }
            }
            Effect::CancelRuns(runs) => replies.push(refuse_runs(m, &runs, RunChange::Cancel)),
            Effect::DeleteRuns(runs) => replies.push(refuse_runs(m, &runs, RunChange::Delete)),
            Effect::RetainRuns(runs) => replies.push(refuse_runs(m, &runs, RunChange::Retain)),
            Effect::WriteDraft(_)
            | Effect::WriteBackup(_)
            | Effect::DeleteDraft { .. }
            | Effect::OfferDrafts
            | Effect::SetTheme(_)
            | Effect::LoadPlan(_)
            | Effect::SwitchTarget { .. }
            | Effect::Notify { .. }
            | Effect::ExternalEdit { .. }
            | Effect::Quit
            | Effect::WatchPods(_)
            | Effect::StreamLogs(_)
            | Effect::StopLogs
            | Effect::SaveLogs { .. }
            | Effect::SaveRunLogs { .. }
            | Effect::Copy(_)
            | Effect::OpenUrl(_)
            | Effect::RefreshPullRequests
            | Effect::EnterReadOnly => {
                // `execute` only sends mutations here; carrying one out would be worse.
                tracing::error!(?effect, "the read-only guard was given a non-mutation");
                return;
            }
        }
        self.spawn(move |m| async move {
            for reply in replies {
                m.send(Msg::Op(reply)).await;
            }
        });
    }
}

/// How a failed signature starts its message (`swarm approve` reports it as a refusal, not a
/// server failure).
pub const SIGNING_FAILED: &str = "cannot sign: ";

/// The executor without a UI (`swarm wave`, tests): carries out one effect at a time and hands
/// back the messages it sent, once nothing is in flight.
pub struct Headless {
    pub executor: Executor,
    rx: mpsc::Receiver<Msg>,
}

impl Headless {
    /// An executor over `cluster` acting as `operator`, with its own channel.
    pub fn new(cluster: Arc<dyn Cluster>, audit: Option<AuditLog>, operator: &str) -> Headless {
        let (tx, rx) = mpsc::channel(crate::runtime::CHANNEL);
        Headless {
            executor: Executor::new(tx, cluster, None).with_audit(audit, operator),
            rx,
        }
    }

    pub fn with_read_only(mut self, read_only: bool) -> Headless {
        self.executor = self.executor.with_read_only(read_only);
        self
    }

    /// Carries out `effect`; the terminal effect it returns (if any) and every message sent.
    pub async fn run(&mut self, effect: Effect) -> (Option<TerminalEffect>, Vec<Msg>) {
        let terminal = self.executor.execute(effect);
        self.executor.settled().await;
        let mut msgs = Vec::new();
        while let Ok(msg) = self.rx.try_recv() {
            msgs.push(msg);
        }
        (terminal, msgs)
    }

    /// Carries out `effect`; the results (`Msg::Op`) it sent.
    pub async fn results(&mut self, effect: Effect) -> Vec<OpResult> {
        let (_, msgs) = self.run(effect).await;
        msgs.into_iter()
            .filter_map(|m| match m {
                Msg::Op(result) => Some(result),
                _ => None,
            })
            .collect()
    }
}

fn refuse_runs(m: &Mutator, runs: &[ObjectKey], change: RunChange) -> OpResult {
    for key in runs {
        m.record(change.what(), &key.to_string(), "refused: read-only");
    }
    OpResult::RunsChanged {
        what: change.what().into(),
        done: 0,
        failed: runs
            .iter()
            .map(|k| format!("{}: {READ_ONLY_REFUSAL}", k.name))
            .collect(),
    }
}

#[derive(Clone, Copy)]
enum RunChange {
    Cancel,
    Delete,
    /// Annotate `agents.proompteng.ai/retain: "true"`: kept past its TTL.
    Retain,
}

impl RunChange {
    fn what(self) -> &'static str {
        match self {
            RunChange::Cancel => "cancel",
            RunChange::Delete => "delete",
            RunChange::Retain => "retain",
        }
    }
}

fn save_action(create: bool) -> &'static str {
    if create {
        "create work item"
    } else {
        "update work item"
    }
}

/// A run manifest's namespace and name (empty when missing: the server will say why).
fn manifest_key(manifest: &Value) -> (String, String) {
    let field = |f: &str| {
        manifest["metadata"][f]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    (field("namespace"), field("name"))
}

impl Mutator {
    async fn send(&self, msg: Msg) {
        let _ = self.tx.send(msg).await;
    }

    fn record(&self, action: &str, target: &str, outcome: &str) {
        if let Some(audit) = &self.audit {
            audit.record(action, target, outcome);
        }
    }

    /// Applies a metadata merge patch to a work item and reports the outcome.
    async fn patch(&self, item: &WorkItem, patch: &Value, what: &'static str) {
        let result = self.cluster.patch_work_item(item, patch, what).await;
        self.record(what, &item.key.to_string(), &outcome_text(&result));
        self.send(Msg::Op(result)).await;
    }

    /// Signs the claim, then records it on the work item.
    async fn approve(&self, item: Box<WorkItem>, claim: crate::domain::approval::Claim) {
        // Signing may talk to ssh-agent over its socket: off the async workers.
        let signer = self.signer.clone();
        let (for_sign, claim_for_sign) = (item.clone(), claim.clone());
        let patch = tokio::task::spawn_blocking(move || {
            crate::sources::signing::approval_patch(&for_sign, &claim_for_sign, &signer)
        })
        .await
        .unwrap_or_else(|e| Err(format!("signing stopped: {e}")));
        match patch {
            Ok(patch) => self.patch(&item, &patch, "approve").await,
            Err(message) => {
                let result = OpResult::PatchFailed {
                    what: "approve".into(),
                    message: format!("{SIGNING_FAILED}{message}"),
                };
                self.record("approve", &item.key.to_string(), &outcome_text(&result));
                self.send(Msg::Op(result)).await;
            }
        }
    }

    /// Creates the runs in parallel, reporting each as it lands.
    async fn launch(&self, wave: u32, manifests: Vec<Value>) {
        use futures::StreamExt;
        let mut pending: futures::stream::FuturesUnordered<_> = manifests
            .iter()
            .map(|m| async move { (manifest_key(m), self.cluster.create_run(m).await) })
            .collect();
        while let Some(((namespace, name), outcome)) = pending.next().await {
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
            self.send(Msg::Op(OpResult::Launched { name, outcome }))
                .await;
        }
    }

    async fn change_runs(&self, runs: Vec<ObjectKey>, change: RunChange) {
        let mut done = 0;
        let mut failed = Vec::new();
        for key in runs {
            let result = match change {
                RunChange::Cancel => self.cluster.cancel_run(&key, &self.operator).await,
                RunChange::Delete => self.cluster.delete_run(&key).await,
                RunChange::Retain => self.cluster.retain_run(&key).await,
            };
            self.record(
                change.what(),
                &key.to_string(),
                result.as_ref().map_or_else(|e| e.as_str(), |_| "ok"),
            );
            match result {
                Ok(()) => done += 1,
                Err(e) => failed.push(format!("{}: {e}", key.name)),
            }
        }
        self.send(Msg::Op(OpResult::RunsChanged {
            what: change.what().into(),
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
