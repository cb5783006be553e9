//! Identity of the Kubernetes objects the cockpit tracks.
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
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey {
    pub namespace: String,
    pub name: String,
}

impl ObjectKey {
    pub fn new(namespace: impl Into<String>, name: impl Into<String>) -> Self {
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
