//! What `update` asks the runtime to do. Effects are data so tests can assert them.

use crate::domain::WorkItem;
use crate::domain::manifest::ItemDraft;

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Create (new) or update a work item; an update carries the resourceVersion it started from,
    /// so a concurrent change is a 409 conflict, never a silent overwrite.
    SaveWorkItem { draft: Box<ItemDraft>, create: bool },
    /// Merge-patch a work item's metadata (approve / revoke), preconditioned on its
    /// resourceVersion. `item` is the version the patch was made from.
    PatchWorkItem {
        item: Box<WorkItem>,
        patch: serde_json::Value,
        what: &'static str,
    },
    /// Sign the approval claim with the operator's key (`[approvals]`) and record it on the
    /// work item (a merge patch preconditioned on `item`'s resourceVersion).
    ApproveWorkItem {
        item: Box<WorkItem>,
        claim: crate::domain::approval::Claim,
    },
    /// Persist an editor's draft in the state dir (survives a crash, a quit, a failed save).
    WriteDraft(Box<ItemDraft>),
    /// Keep a copy of the operator's text aside (when they took someone else's version).
    WriteBackup(Box<ItemDraft>),
    /// Drop the draft of `namespace/name` typed against `context` (`None`: an unscoped draft of
    /// an earlier version).
    DeleteDraft {
        context: Option<String>,
        namespace: String,
        name: String,
    },
    /// Offer the drafts left for the current context (at start and after a `:ctx` switch).
    OfferDrafts,
    /// Create these AgentRuns in parallel; AlreadyExists counts as success.
    LaunchRuns {
        wave: u32,
        manifests: Vec<serde_json::Value>,
    },
    /// Cancel runs as upstream's CLI does: delete their Jobs, keep the AgentRuns.
    CancelRuns(Vec<crate::domain::ObjectKey>),
    /// Annotate finished runs `agents.proompteng.ai/retain: "true"` (kept past their TTL).
    RetainRuns(Vec<crate::domain::ObjectKey>),
    /// Write every pod log of a run to files in `dir` (one per pod), before retention takes them.
    SaveRunLogs {
        query: crate::app::logs::PodQuery,
        dir: std::path::PathBuf,
    },
    /// Delete AgentRuns (the controller's finalizer tears their runtime down).
    DeleteRuns(Vec<crate::domain::ObjectKey>),
    /// Switch theme (`:theme`): a built-in name, a name in the themes dir, or a path.
    SetTheme(String),
    /// Load another plan file (`:plan`).
    LoadPlan(std::path::PathBuf),
    /// Watch another context and/or namespace (`:ctx`, `:ns`; `all` = all namespaces).
    SwitchTarget {
        context: Option<String>,
        namespace: Option<String>,
    },
    /// Tell the operator something happened: terminal bell and (if configured) a desktop notification.
    Notify { title: String, body: String },
    /// Suspend the UI and edit the text in `$EDITOR`.
    ExternalEdit { text: String },
    /// Leave the cockpit (terminal restored by the runtime).
    Quit,
    /// Watch a run's pods for the log view (replaces any earlier watch).
    WatchPods(crate::app::logs::PodQuery),
    /// Stream one pod's log (replaces any earlier stream).
    StreamLogs(crate::app::logs::LogRequest),
    /// Stop the log view's pod watch and stream.
    StopLogs,
    /// Write the log buffer (or its filtered lines) to a new file.
    SaveLogs {
        path: std::path::PathBuf,
        contents: String,
        lines: usize,
    },
    /// Put text on the terminal's clipboard (OSC 52, base64 payload).
    Copy(String),
    /// Open a URL in the browser (`o` on a run with a PR); the runtime shows it when it cannot.
    OpenUrl(String),
    /// Refresh pull requests now (`r`).
    RefreshPullRequests,
    /// The operator turned read-only on for the session (`:readonly`): the executor refuses every
    /// mutation from now on, whatever the app asks (there is no way back within the session).
    EnterReadOnly,
}

impl Effect {
    /// Whether the effect changes the cluster. Read-only mode refuses these at the executor,
    /// whatever the app code asked for. Local files (drafts, saved logs) are not mutations: a
    /// read-only session still keeps the operator's text as a draft.
    pub fn is_mutation(&self) -> bool {
        // Exhaustive on purpose: a new effect must say whether read-only mode lets it through.
        match self {
            Effect::SaveWorkItem { .. }
            | Effect::PatchWorkItem { .. }
            | Effect::ApproveWorkItem { .. }
            | Effect::LaunchRuns { .. }
            | Effect::CancelRuns(_)
            | Effect::RetainRuns(_)
            | Effect::DeleteRuns(_) => true,
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
            | Effect::EnterReadOnly => false,
        }
    }
}
