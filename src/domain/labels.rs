//! Label and annotation keys. The cluster has no fields for lanes, waves or approvals, so the cockpit
//! records them under its own prefix where `kubectl` and a second operator's cockpit see the same truth.

/// Prefix of every label/annotation the cockpit writes.
pub const PREFIX: &str = "swarm.proompteng.ai";
/// The lane a work item or run belongs to (`A`, `B`, ...).
pub const LANE: &str = "swarm.proompteng.ai/lane";
/// The wave number a work item or run was planned into.
pub const WAVE: &str = "swarm.proompteng.ai/wave";
/// The work item (ImplementationSpec name) a run was launched for.
pub const WORK_ITEM: &str = "swarm.proompteng.ai/work-item";
/// Annotation: comma separated work item names this one must merge after (label values cannot
/// hold commas).
pub const DEPENDS_ON: &str = "swarm.proompteng.ai/depends-on";

/// Upstream label carried by a run's Jobs and pods.
pub const AGENT_RUN: &str = "agents.proompteng.ai/agent-run";
/// Upstream annotation that turns a run into a template.
pub const TEMPLATE: &str = "agents.proompteng.ai/template";

/// API group and version of the Agents platform resources.
pub const GROUP: &str = "agents.proompteng.ai";
pub const VERSION: &str = "v1alpha1";
