//! Identity of the Kubernetes objects the cockpit tracks.
use compact_str::CompactString;
use std::fmt;

/// The kinds of object the board is built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResourceKind {
    AgentRun,
    ImplementationSpec,
}

impl ResourceKind {
    pub const ALL: [ResourceKind; 2] = [ResourceKind::AgentRun, ResourceKind::ImplementationSpec];

    pub fn kind(self) -> &'static str {
        match self {
            ResourceKind::AgentRun => "AgentRun",
            ResourceKind::ImplementationSpec => "ImplementationSpec",
        }
    }

    pub fn plural(self) -> &'static str {
        match self {
            ResourceKind::AgentRun => "agentruns",
            ResourceKind::ImplementationSpec => "implementationspecs",
        }
    }

    /// `agentruns.agents.proompteng.ai`, the CRD name users see in errors and `kubectl get crd`.
    pub fn crd_name(self) -> String {
        format!("{}.{}", self.plural(), super::labels::GROUP)
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind())
    }
}

/// Namespace + name: unique for one kind.
///
/// Both are kept inline up to 24 bytes (`CompactString`): the board, the ledger and the history
/// each hold a key per run, and as `String`s those were two heap blocks apiece, ~150,000 small
/// allocations at 10,000 runs, each costing malloc's 32-byte minimum chunk.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey {
    pub namespace: CompactString,
    pub name: CompactString,
}

impl ObjectKey {
    pub fn new(namespace: impl Into<CompactString>, name: impl Into<CompactString>) -> Self {
        Self {
            namespace: namespace.into(),
            name: name.into(),
        }
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}
