//! Pure domain types: no I/O, no terminal, no Kubernetes client.
pub mod approval;
pub mod audit;
pub mod checks;
pub mod clock;
pub mod conflicts;
pub mod control;
pub mod fields;
pub mod guardrails;
pub mod labels;
pub mod lenient;
pub mod log_buffer;
pub mod manifest;
pub mod paths;
pub mod phase;
pub mod placement;
pub mod plan;
pub mod pod;
pub mod pr;
pub mod pr_link;
pub mod resource;
pub mod run;
pub mod run_doc;
pub mod run_map;
pub mod sanitize;
pub mod signature;
pub mod swarm;
pub mod template;
pub mod territory;
pub mod wave;
pub mod work_item;

pub use phase::Phase;
pub use plan::{Lane, Plan, PlanError};
pub use pr::{
    Check, CheckState, ChecksRollup, MergeState, PrState, PullRequest, Review, ReviewDecision,
    ReviewState,
};
pub use pr_link::{PrLink, PrWanted};
pub use resource::{ObjectKey, ResourceKind};
pub use run::{Condition, Run};
pub use run_map::RunMap;
pub use work_item::WorkItem;
