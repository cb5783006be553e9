//! Pure domain types: no I/O, no terminal, no Kubernetes client.
pub mod approval;
pub mod checks;
pub mod fields;
pub mod labels;
pub mod manifest;
pub mod phase;
pub mod plan;
pub mod pr;
pub mod resource;
pub mod run;
pub mod sanitize;
pub mod template;
pub mod work_item;

pub use phase::Phase;
pub use plan::{Lane, Plan, PlanError};
pub use pr::{ChecksRollup, PrState, PullRequest, ReviewDecision};
pub use resource::{ObjectKey, ResourceKind};
pub use run::{Condition, Run};
pub use work_item::WorkItem;
