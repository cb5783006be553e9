//! Everything that can happen to the cockpit, as one message type. The Kubernetes watchers, the
//! demo swarm and the terminal all speak it, so the demo exercises the whole app.
use crate::domain::{ObjectKey, PullRequest, ResourceKind, Run, WorkItem};
use chrono::{DateTime, Utc};
use crossterm::event::{KeyEvent, MouseEvent};

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize {
        width: u16,
        height: u16,
    },
    /// The wall clock moved (ages on cards, "last event" in the status line).
    Tick(DateTime<Utc>),
    Source(SourceEvent),
    /// Several events of one source in the order they happened, as one message: a watch hands
    /// over a whole chunk of its stream at once (a 10,000-object list is ~40 messages, not 10,000
    /// wake-ups of the UI loop). Applying it is applying each event as `Source`, in order.
    Sources(Vec<SourceEvent>),
    /// From the log view's sources (pods, lines, stream state) and its save effect.
    Log(crate::app::logs::LogEvent),
    /// The outcome of an effect the runtime carried out.
    Op(OpResult),
}

impl Msg {
    /// The message as single messages, a batch split into its events in order: what a test
    /// driver applies one by one to see every intermediate state.
    pub fn into_singles(self) -> Vec<Msg> {
        match self {
            Msg::Sources(events) => events.into_iter().map(Msg::Source).collect(),
            other => vec![other],
        }
    }
}

/// Outcomes of mutating effects and of draft storage.
#[derive(Debug, Clone)]
pub enum OpResult {
    Saved(Box<WorkItem>),
    /// Someone else changed the item since the edit began (HTTP 409).
    SaveConflict(Box<WorkItem>),
    /// Refused (422 schema validation, 409 AlreadyExists on create, …) or failed: the message says
    /// which, in the server's words.
    SaveFailed(String),
    Patched {
        what: String,
        item: Box<WorkItem>,
    },
    PatchFailed {
        what: String,
        message: String,
    },
    /// Drafts left by an earlier session (crash, quit, failed save).
    DraftsFound(Vec<crate::domain::manifest::ItemDraft>),
    DraftWriteFailed(String),
    ExternalEditDone(String),
    ExternalEditFailed(String),
    /// One run of a launch: created, already there (a relaunch, or another operator), or failed.
    Launched {
        name: String,
        outcome: LaunchOutcome,
    },
    /// The kube contexts the palette can switch to.
    Contexts(Vec<String>),
    /// Now watching another context/namespace: what was shown belongs to the old one.
    TargetSwitched {
        context: String,
        namespace: Option<String>,
    },
    PlanLoaded(Box<crate::domain::Plan>),
    /// Cancel/delete finished: how many, and what failed.
    RunsChanged {
        what: String,
        done: usize,
        failed: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum LaunchOutcome {
    Created,
    Exists,
    Failed(String),
}

/// An object as the sources deliver it, already trimmed to its view-model.
#[derive(Debug, Clone)]
pub enum Resource {
    Run(Box<Run>),
    WorkItem(Box<WorkItem>),
}

impl Resource {
    pub fn kind(&self) -> ResourceKind {
        match self {
            Resource::Run(_) => ResourceKind::AgentRun,
            Resource::WorkItem(_) => ResourceKind::ImplementationSpec,
        }
    }

    pub fn key(&self) -> &ObjectKey {
        match self {
            Resource::Run(r) => &r.key,
            Resource::WorkItem(w) => &w.key,
        }
    }
}

/// Connection state of one watch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnState {
    Connecting,
    Connected,
    /// The watch dropped; the watcher is retrying. Carries the last error.
    Reconnecting(String),
    /// A problem retrying will not fix without the operator (CRD missing, forbidden).
    Failed(String),
}

/// A watch's news besides objects and its connection state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchNote {
    /// A bookmark arrived: the stream is alive though nothing changed.
    Alive,
    /// What the watch is doing or waiting for ("relisting agentruns (4,000 so far)"); `None`
    /// once it is simply following.
    Doing(Option<String>),
}

#[derive(Debug, Clone)]
pub enum SourceEvent {
    /// From the watch of upstream Swarms (`swarm.proompteng.ai`), which may not be installed.
    Swarm(crate::app::control::SwarmEvent),
    /// Created or changed (also each object of a (re)list).
    Applied(Resource),
    Deleted(ResourceKind, ObjectKey),
    /// A full (re)list of one kind begins: objects not re-announced before `ResyncDone` are gone.
    ResyncStarted(ResourceKind),
    ResyncDone(ResourceKind),
    /// During a (re)list: the object still exists, and the board already has a newer state of it
    /// than the list's (delivered by the live stream meanwhile).
    Seen(ResourceKind, ObjectKey),
    Connection(ResourceKind, ConnState),
    /// What a watch is doing, and proof of life (bookmarks) for its freshness.
    Watch(ResourceKind, WatchNote),
    PullRequest(Box<PullRequest>),
    /// One GitHub refresh: each PR replaces the one under its key.
    PullRequests(Vec<PullRequest>),
    /// What the GitHub poller last said (status line).
    GitHub(super::github::GitHubStatus),
    /// A short message for the status line (e.g. the URL `o` could not open).
    Notice(String),
    /// What the auditor found since its last refresh (changed files, conflicts, required checks).
    Audit(Box<crate::sources::pr_audit::AuditUpdate>),
}
