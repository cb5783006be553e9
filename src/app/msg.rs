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

#[derive(Debug, Clone)]
pub enum SourceEvent {
    /// Created or changed (also each object of a (re)list).
    Applied(Resource),
    Deleted(ResourceKind, ObjectKey),
    /// A full (re)list of one kind begins: objects not re-announced before `ResyncDone` are gone.
    ResyncStarted(ResourceKind),
    ResyncDone(ResourceKind),
    Connection(ResourceKind, ConnState),
    PullRequest(Box<PullRequest>),
}
